/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_run.c - `vigil run`: live detection on this host. Loads the rules,
 * loads the BPF probe with only the syscalls those rules (and the state
 * engine) need, reads the processes, fds, users and machine from /proc,
 * then evaluates every event and prints Falco-format alerts until SIGINT or
 * SIGTERM (or --duration). Drops are counted by the probe and raised as
 * Falco's "syscall event drop" internal alert.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli/cli.h"
#include "cli/live_run.h"
#include "cli/policy_run.h"
#include "cli/ops.h"
#include "cli/reload.h"
#include "cli/session.h"
#include "common/diag.h"
#include "common/strbuf.h"
#include "console/routes.h"
#include "policy/from_rule.h"
#include "rules/act.h"

/* --policy files follow a reload (SIGHUP, watch_config_files) when they
 * changed: the policies in force are replaced by theirs, atomically, as a
 * `vigil policy add` does; a file with an error keeps the running set. */
static struct {
	struct policy_run *pr;
	const char *const *paths;
	size_t n;
	struct policy_load_opts lopts;
	char *fp;			/* the files as last loaded: names, sizes, times */
} g_preload;

static void fp_file(struct strbuf *sb, const char *path)
{
	struct stat st;
	if (stat(path, &st))
		strbuf_addf(sb, "%s -\n", path);
	else
		strbuf_addf(sb, "%s %lld %lld.%09ld\n", path, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
			    st.st_mtim.tv_nsec);
}

static char *policy_fingerprint(void)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; i < g_preload.n; i++) {
		struct dirent **ents;
		int n = scandir(g_preload.paths[i], &ents, NULL, alphasort);
		if (n < 0) {
			fp_file(&sb, g_preload.paths[i]);
			continue;
		}
		for (int j = 0; j < n; j++) {
			char full[4096];
			snprintf(full, sizeof(full), "%s/%s", g_preload.paths[i], ents[j]->d_name);
			if (ents[j]->d_name[0] != '.')
				fp_file(&sb, full);
			free(ents[j]);
		}
		free(ents);
	}
	return strbuf_detach(&sb);
}

static int reload_policies(struct live_loop *lp, char *err, size_t errlen)
{
	(void)lp;
	char *fp = policy_fingerprint();
	if (g_preload.fp && !strcmp(fp, g_preload.fp)) {
		free(fp);
		return 0;
	}
	struct policy_set ps;
	struct diag_list dl;
	int rc = 0;
	policy_set_init(&ps);
	diag_list_init(&dl);
	for (size_t i = 0; i < g_preload.n; i++)
		if (policy_load_path(&ps, g_preload.paths[i], &g_preload.lopts, &dl))
			rc = -EINVAL;
	if (g_preload.lopts.rules && policy_from_rules(&ps, g_preload.lopts.rules, &g_preload.lopts, &dl))
		rc = -EINVAL;
	if (dl.nerrors || dl.nwarnings)
		diag_print(&dl, stderr);
	diag_list_fini(&dl);
	if (rc) {
		policy_set_free(&ps);
		snprintf(err, errlen, "the --policy files have errors (above): the policies in force stay");
		free(fp);
		return rc;
	}
	rc = policy_run_replace(g_preload.pr, &ps, err, errlen);
	if (!rc) {
		free(g_preload.fp);
		g_preload.fp = fp;
	} else {
		free(fp);
	}
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vigil run [-r RULES]... [options]\n"
		"\n"
		"Watches this host live through vigil's BPF probe and prints an alert, exactly\n"
		"as Falco does, for every event a rule matches. Needs root (or CAP_BPF,\n"
		"CAP_PERFMON and CAP_SYS_PTRACE) and a kernel with BTF. Stops on SIGINT/SIGTERM.\n"
		"Without -c, reads %s when it exists (its rules_files are the\n"
		"rules when no -r is given), as Falco reads /etc/falco/falco.yaml.\n"
		"\n"
		"options:\n", session_default_config);
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
		"  --policy-socket PATH   accept live policy changes on this unix socket\n"
		"                         (vigil policy add FILE / delete NAME / list;\n"
		"                         the clients use " POLICY_SOCKET_DEFAULT " by default);\n"
		"                         --policy may then be omitted\n"
		"\n"
		"Operations (falco.yaml keys, or -o KEY=VALUE):\n"
		"  webserver.enabled=true        /healthz, /version, Prometheus /metrics and the alert\n"
		"                                console (/, /api/: a console output's alerts) on\n"
		"                                webserver.listen_address (127.0.0.1):listen_port (8765);\n"
		"                                ssl_enabled/ssl_certificate, basic_auth USER:PASS or\n"
		"                                bearer_token TOKEN\n"
		"  metrics.enabled=true          the \"Falco internal: metrics snapshot\" alert every\n"
		"                                metrics.interval (1h); metrics.output_file appends it;\n"
		"                                metrics.enable_kernel_bpf_stats=true: BPF run times\n"
		"  SIGHUP, watch_config_files    reload rules and configuration without stopping\n"
		"                                (true: on any change of a -c or rules file); a\n"
		"                                failed reload keeps the running set\n"
		"\n"
		"Rules that act (a rule with `action: kill`, `deny` or `signal:NAME` is compiled\n"
		"into the same kernel filters as a TracingPolicy and acts at syscall entry):\n"
		"  --audit                acting rules and policies only report what they would\n"
		"                         have done (\"vigil.action\": \"would kill\"); nothing acts;\n"
		"                         also -o enforce.mode=audit\n");
}

static void console_ops_mount(void *ud, struct http_server *srv, struct live_loop *lp)
{
	(void)ud;
	(void)lp;
	if (srv && console_mount(srv))
		fprintf(stderr, "vigil: the alert console's routes could not be added\n");
}

static void console_ops_stop(void *ud)
{
	(void)ud;
	console_routes_stop();
}

int cmd_run(int argc, char **argv)
{
	enum { OPT_DURATION = 1000, OPT_RING, OPT_POLICY, OPT_POLICY_MODE, OPT_DOWNGRADE, OPT_POLICY_EVENTS, OPT_EVFMT,
	       OPT_POLICY_SOCKET, OPT_AUDIT };
	struct option longopts[SESSION_NLONGOPTS + 10];
	struct live_run_opts lo = { .ops = true };
	struct session s;
	struct policy_run pr;
	const char **policies = calloc((size_t)argc + 1, sizeof(char *));
	size_t npolicies = 0;
	struct policy_load_opts plo = { 0 };
	const char *pevents = NULL, *psocket = NULL;
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
	longopts[SESSION_NLONGOPTS + 7] = (struct option){ "policy-socket", required_argument, NULL, OPT_POLICY_SOCKET };
	longopts[SESSION_NLONGOPTS + 8] = (struct option){ "audit", no_argument, NULL, OPT_AUDIT };
	longopts[SESSION_NLONGOPTS + 9] = (struct option){ 0 };

	optind = 1;
	if (session_init(&s, argc, argv) || session_load_default_config(&s) < 0)
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
		if (c == OPT_POLICY_SOCKET) {
			psocket = optarg;
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
	if (!s.nrules && !output && !s.opts.nrules_files && !npolicies && !psocket) {
		fprintf(stderr, "vigil: give rules with -r (or rules_files in -c), --policy, a --print format or -w\n");
		status = 2;
		goto out;
	}
	/* the rules first: the acting ones are compiled with the policies */
	if (session_start(&s, !output && !npolicies && !psocket))
		goto out;
	if (s.opts.enforce_audit)
		plo.force_monitor = true;	/* -o enforce.mode=audit, or enforce: {mode: audit} in -c */
	bool acting = false;
	for (size_t i = 0; s.rs && i < s.rs->nrules; i++)
		acting |= s.rs->rules[i]->kform && s.rs->rules[i]->enabled;
	if (npolicies || psocket || acting) {
		pr_loaded = true;
		plo.rules = acting ? s.rs : NULL;
		/* live changes on whenever there are policy files: a reload
		 * replaces the policies when their files changed */
		if (policy_run_load(&pr, policies, npolicies, &plo, pevents, compact, psocket != NULL || npolicies))
			goto out_pr;
		if (npolicies) {
			g_preload.pr = &pr;
			g_preload.paths = policies;
			g_preload.n = npolicies;
			g_preload.lopts = plo;
			g_preload.fp = policy_fingerprint();
			reload_policy_hook = reload_policies;
			reload_extra_watch = policies;
			reload_nextra_watch = npolicies;
		}
		if (psocket && policy_run_serve(&pr, psocket))
			goto out_pr;
		lo.policy = &pr;
		/* from now on the kernel evaluates the acting rules */
		const struct policy_set *ps = &pr.gen[pr.cur].ps;
		for (size_t i = 0; i < ps->n; i++)
			if (ps->v[i]->rule)
				((struct rule *)ps->v[i]->rule)->in_kernel = true;
		if (acting)
			ruleset_select(s.rs, &s.ro);
	}
	/* the alert console on ops' server (webserver.enabled) */
	static const struct ops_ext console_ext = { .mount = console_ops_mount, .stop = console_ops_stop };
	ops_register(&console_ext);
	s.sink.flush = true;
	if (s.wpath && session_open_writer(&s, NULL))
		goto out_pr;
	status = live_run(&s, &lo);
out_pr:
	reload_policy_hook = NULL;
	reload_nextra_watch = 0;
	free(g_preload.fp);
	g_preload.fp = NULL;
	if (pr_loaded)
		policy_run_fini(&pr);
out:
	free(policies);
	session_fini(&s);
	return status;
}
