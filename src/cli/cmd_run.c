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
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "cli/live_run.h"
#include "cli/policy_run.h"
#include "cli/session.h"
#include "rules/act.h"

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
		"  --ring-size BYTES      ring buffer per CPU (power of two, default 4 MiB)\n"
		"\n"
		"TracingPolicy enforcement (Tetragon's policy language; see 'vigil policy check'):\n"
		"  --policy PATH          load TracingPolicy files or directories (repeatable);\n"
		"                         works with or without rules\n"
		"  --policy-mode MODE     enforce (default) or monitor: monitor only reports\n"
		"  --allow-override-downgrade=sigkill\n"
		"                         turn an Override this kernel cannot route into Sigkill\n"
		"  --policy-events FILE   write the policy events there (default: stdout)\n"
		"  --events-format FMT    json (Tetragon's JSON, default) or compact\n"
		"\n"
		"Rules that act (a rule with `action: kill`, `deny` or `signal:NAME` is compiled\n"
		"into the same kernel filters as a TracingPolicy and acts at syscall entry):\n"
		"  --audit                acting rules and policies only report what they would\n"
		"                         have done (\"vigil.action\": \"would kill\"); nothing acts;\n"
		"                         also -o enforce.mode=audit\n");
}

int cmd_run(int argc, char **argv)
{
	enum { OPT_DURATION = 1000, OPT_RING, OPT_POLICY, OPT_POLICY_MODE, OPT_DOWNGRADE, OPT_POLICY_EVENTS, OPT_EVFMT, OPT_AUDIT };
	struct option longopts[SESSION_NLONGOPTS + 9];
	struct live_run_opts lo = { 0 };
	struct session s;
	struct policy_run pr;
	const char **policies = calloc((size_t)argc + 1, sizeof(char *));
	size_t npolicies = 0;
	struct policy_load_opts plo = { 0 };
	const char *pevents = NULL;
	bool compact = false, pr_loaded = false;
	int c, status = 1;

	memcpy(longopts, session_longopts, sizeof(struct option) * SESSION_NLONGOPTS);
	longopts[SESSION_NLONGOPTS] = (struct option){ "duration", required_argument, NULL, OPT_DURATION };
	longopts[SESSION_NLONGOPTS + 1] = (struct option){ "ring-size", required_argument, NULL, OPT_RING };
	longopts[SESSION_NLONGOPTS + 2] = (struct option){ "policy", required_argument, NULL, OPT_POLICY };
	longopts[SESSION_NLONGOPTS + 3] = (struct option){ "policy-mode", required_argument, NULL, OPT_POLICY_MODE };
	longopts[SESSION_NLONGOPTS + 4] = (struct option){ "allow-override-downgrade", required_argument, NULL, OPT_DOWNGRADE };
	longopts[SESSION_NLONGOPTS + 5] = (struct option){ "policy-events", required_argument, NULL, OPT_POLICY_EVENTS };
	longopts[SESSION_NLONGOPTS + 6] = (struct option){ "events-format", required_argument, NULL, OPT_EVFMT };
	longopts[SESSION_NLONGOPTS + 7] = (struct option){ "audit", no_argument, NULL, OPT_AUDIT };
	longopts[SESSION_NLONGOPTS + 8] = (struct option){ 0 };

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
		if (c == OPT_AUDIT) {
			plo.force_monitor = true;
			continue;
		}
		if (c == OPT_POLICY) {
			policies[npolicies++] = optarg;
			continue;
		}
		if (c == OPT_POLICY_MODE && (!strcmp(optarg, "monitor") || !strcmp(optarg, "enforce"))) {
			plo.force_monitor = !strcmp(optarg, "monitor");
			continue;
		}
		if (c == OPT_DOWNGRADE && !strcmp(optarg, "sigkill")) {
			plo.allow_override_downgrade = true;
			continue;
		}
		if (c == OPT_POLICY_EVENTS) {
			pevents = optarg;
			continue;
		}
		if (c == OPT_EVFMT && (!strcmp(optarg, "json") || !strcmp(optarg, "compact"))) {
			compact = !strcmp(optarg, "compact");
			continue;
		}
		if (c == OPT_POLICY_MODE)
			fprintf(stderr, "vigil: --policy-mode: '%s' is not enforce or monitor\n", optarg);
		else if (c == OPT_DOWNGRADE)
			fprintf(stderr, "vigil: --allow-override-downgrade: only 'sigkill' is possible, not '%s'\n", optarg);
		else if (c == OPT_EVFMT)
			fprintf(stderr, "vigil: --events-format: '%s' is not json or compact\n", optarg);
		if (c == 'h') {
			usage(stdout);
			status = 0;
		} else {
			if (c != OPT_DURATION && c != OPT_RING && c != OPT_POLICY_MODE && c != OPT_DOWNGRADE && c != OPT_EVFMT)
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
	if (!s.nrules && !output && !s.opts.nrules_files && !npolicies) {
		fprintf(stderr, "vigil: give rules with -r (or rules_files in -c), --policy, a --print format or -w\n");
		status = 2;
		goto out;
	}
	if (session_start(&s, !output && !npolicies))
		goto out;
	if (s.opts.enforce_audit)
		plo.force_monitor = true;	/* -o enforce.mode=audit, or enforce: {mode: audit} in -c */
	bool acting = false;
	for (size_t i = 0; s.rs && i < s.rs->nrules; i++)
		acting |= s.rs->rules[i]->kform && s.rs->rules[i]->enabled;
	if (npolicies || acting) {
		/* the acting rules are compiled with the policies, and the
		 * kernel evaluates them from then on */
		plo.rules = s.rs;
		pr_loaded = true;
		if (policy_run_load(&pr, policies, npolicies, &plo, pevents, compact))
			goto out_pr;
		lo.policy = &pr;
		for (size_t i = 0; i < pr.ps.n; i++)
			if (pr.ps.v[i]->rule)
				((struct rule *)pr.ps.v[i]->rule)->in_kernel = true;
		if (acting)
			ruleset_select(s.rs, &s.ro);
	}
	s.sink.flush = true;
	if (s.wpath && session_open_writer(&s, NULL))
		goto out_pr;
	status = live_run(&s, &lo);
out_pr:
	if (pr_loaded)
		policy_run_fini(&pr);
out:
	free(policies);
	session_fini(&s);
	return status;
}
