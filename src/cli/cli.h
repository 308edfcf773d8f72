/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.h - the vigil subcommands. Each takes the arguments after its name
 * (argv[0] is the subcommand) and returns the process exit status.
 */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

int cmd_capture(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_rules(int argc, char **argv);
/* `vigil rules test`: argv[0] is "test". */
int cmd_rules_test(int argc, char **argv);
int cmd_fields(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_events(int argc, char **argv);

#endif
