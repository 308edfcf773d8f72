/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - vigil's entry point: picks the subcommand and returns its exit
 * status. The only place that exits.
 */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vigil <command> [options]\n"
		"\n"
		"Runtime security for Linux hosts and Kubernetes nodes: Falco-compatible\n"
		"rules over syscall events.\n"
		"\n"
		"commands:\n"
		"  run -r RULES...           live detection on this host (BPF probe), Falco alerts\n"
		"  replay FILE -r RULES...   evaluate rules over a .scap capture and print alerts\n"
		"  replay FILE -w OUT        rewrite a capture (all events, or --filter COND)\n"
		"  rules check RULES...      validate rules files (non-zero exit on any error)\n"
		"  rules list RULES...       list the rules that RULES define\n"
		"  rules explain RULE -r R   show a rule's expanded condition and event types\n"
		"  fields                    list the fields conditions and outputs can use\n"
		"  policy check POLICY...    validate Tetragon TracingPolicy files for this kernel\n"
		"  events [-o compact] FILE  print Tetragon JSON events (vigil run --policy)\n"
		"  capture info FILE         describe a .scap capture (blocks, events, types)\n"
		"\n"
		"Run 'vigil <command> --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("vigil %s\n", VIGIL_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "capture"))
		return cmd_capture(argc - 1, argv + 1);
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "replay"))
		return cmd_replay(argc - 1, argv + 1);
	if (!strcmp(cmd, "fields"))
		return cmd_fields(argc - 1, argv + 1);
	if (!strcmp(cmd, "rules"))
		return cmd_rules(argc - 1, argv + 1);
	if (!strcmp(cmd, "policy"))
		return cmd_policy(argc - 1, argv + 1);
	if (!strcmp(cmd, "events"))
		return cmd_events(argc - 1, argv + 1);
	fprintf(stderr, "vigil: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
