/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_run.c - `vigil run`: live detection on this host. Loads the rules,
 * loads the BPF probe with only the syscalls those rules (and the state
 * engine) need, reads the processes, fds, users and machine from /proc,
 * then evaluates every event and prints Falco-format alerts until SIGINT or
 * SIGTERM (or --duration). Drops are counted by the probe and raised as
 * Falco's "syscall event drop" internal alert.
 */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "cli/live_run.h"
#include "cli/session.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vigil run [-r RULES]... [options]\n"
		"\n"
		"Watches this host live through vigil's BPF probe and prints an alert, exactly\n"
		"as Falco does, for every event a rule matches. Needs root (or CAP_BPF,\n"
		"CAP_PERFMON and CAP_SYS_PTRACE) and a kernel with BTF. Stops on SIGINT/SIGTERM.\n"
		"\n"
		"options:\n");
	session_usage_options(f);
	fprintf(f,
		"  --duration SECONDS     stop after this long\n"
		"  --ring-size BYTES      ring buffer per CPU (power of two, default 4 MiB)\n");
}

int cmd_run(int argc, char **argv)
{
	enum { OPT_DURATION = 1000, OPT_RING };
	struct option longopts[SESSION_NLONGOPTS + 3];
	struct live_run_opts lo = { 0 };
	struct session s;
	int c, status = 1;

	memcpy(longopts, session_longopts, sizeof(struct option) * SESSION_NLONGOPTS);
	longopts[SESSION_NLONGOPTS] = (struct option){ "duration", required_argument, NULL, OPT_DURATION };
	longopts[SESSION_NLONGOPTS + 1] = (struct option){ "ring-size", required_argument, NULL, OPT_RING };
	longopts[SESSION_NLONGOPTS + 2] = (struct option){ 0 };

	optind = 1;
	if (session_init(&s, argc, argv))
		goto out;
	while ((c = getopt_long(argc, argv, SESSION_SHORTOPTS "h", longopts, NULL)) != -1) {
		int rc = session_opt(&s, c, optarg);
		if (rc < 0)
			goto out;
		if (rc)
			continue;
		if (c == OPT_DURATION && !live_run_parse_duration(optarg, &lo.duration))
			continue;
		if (c == OPT_RING && !live_run_parse_ring(optarg, &lo.ring_bytes))
			continue;
		if (c == 'h') {
			usage(stdout);
			status = 0;
		} else {
			if (c != OPT_DURATION && c != OPT_RING)
				usage(stderr);
			status = 2;
		}
		goto out;
	}
	if (optind != argc) {
		fprintf(stderr, "vigil: run takes no arguments besides options\n");
		status = 2;
		goto out;
	}
	bool output = s.print || s.wpath;
	if (!s.nrules && !output && !s.opts.nrules_files) {
		fprintf(stderr, "vigil: give rules with -r (or rules_files in -c), a --print format or -w\n");
		status = 2;
		goto out;
	}
	if (session_start(&s, !output))
		goto out;
	s.sink.flush = true;
	if (s.wpath && session_open_writer(&s, NULL))
		goto out;
	status = live_run(&s, &lo);
out:
	session_fini(&s);
	return status;
}
