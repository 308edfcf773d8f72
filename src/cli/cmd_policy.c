/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_policy.c - `vigil policy check|list`: load Tetragon TracingPolicy files
 * (or directories of them) and print every diagnostic as file:line:col with
 * the source line and a caret: malformed YAML and values, Tetragon's limits,
 * and what this kernel cannot do (with the reason). `list` shows each policy
 * with its hooks, the syscalls they apply to and the actions they take.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "cli/cli.h"
#include "cli/policy_run.h"
#include "common/diag.h"
#include "policy/policy.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil policy check [--allow-override-downgrade=sigkill] POLICY...\n"
		   "       vigil policy list POLICY...\n"
		   "       vigil policy add FILE [--socket PATH]\n"
		   "       vigil policy delete NAME [--socket PATH]\n"
		   "       vigil policy list [--socket PATH]\n"
		   "\n"
		   "POLICY is a TracingPolicy YAML file (one or more documents) or a directory\n"
		   "whose *.yaml/*.yml files load in name order.\n"
		   "\n"
		   "  check  load and validate; print every error and warning as file:line:col\n"
		   "         with the source line; exit 1 on any error. Features this kernel\n"
		   "         cannot provide are refused with the reason.\n"
		   "  list   print each policy, its hooks and their syscalls\n"
		   "\n"
		   "add, delete and list without POLICY talk to a running `vigil run\n"
		   "--policy-socket PATH` (as tetra tracingpolicy add/delete/list do to\n"
		   "Tetragon): add loads FILE's policies (the running vigil validates them and\n"
		   "prints its diagnostics), delete unloads the policy NAME, list shows what is\n"
		   "enforced. The change is atomic: every syscall sees the old policies or the\n"
		   "new ones. PATH: --socket, else $VIGIL_POLICY_SOCKET, else\n"
		   "" POLICY_SOCKET_DEFAULT ".\n");
}

static void list_policy(const struct policy *p, FILE *f)
{
	fprintf(f, "%s%s (%s)\n", p->name, p->mode == PM_MONITOR ? " [monitor]" : "", p->file ? p->file : "-");
	for (size_t i = 0; i < p->hooks.n; i++) {
		const struct pol_hook *h = &p->hooks.v[i];
		fprintf(f, "  %s %s:", h->kind == PH_TRACEPOINT ? "tracepoint" : "kprobe", h->call);
		if (h->all_syscalls)
			fprintf(f, " every syscall");
		for (size_t k = 0; k < h->nnrs && k < 16; k++)
			fprintf(f, " %s", policy_syscall_names[h->nrs[k]]);
		if (h->nnrs > 16)
			fprintf(f, " ... (%zu syscalls)", h->nnrs);
		fprintf(f, "; %zu selector%s\n", h->sels.n, h->sels.n == 1 ? "" : "s");
		for (size_t s = 0; s < h->sels.n; s++) {
			const struct pol_selector *sel = &h->sels.v[s];
			fprintf(f, "    selector %zu: %zu matchArgs%s%s; actions:", s + 1, sel->args.n,
				sel->bins.n ? ", matchBinaries" : "", sel->pids.n ? ", matchPIDs" : "");
			if (!sel->actions.n)
				fprintf(f, " Post");
			for (size_t a = 0; a < sel->actions.n; a++)
				fprintf(f, " %s", pol_action_name(sel->actions.v[a].type));
			fprintf(f, "\n");
		}
	}
}

/* add FILE / delete NAME / list, sent to a running vigil. */
static int policy_client(int argc, char **argv)
{
	const char *sub = argv[1], *arg = NULL;
	const char *sock = getenv("VIGIL_POLICY_SOCKET");
	if (!sock || !*sock)
		sock = POLICY_SOCKET_DEFAULT;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--socket") && i + 1 < argc)
			sock = argv[++i];
		else if (argv[i][0] == '-' || arg) {
			usage(stderr);
			return 2;
		} else {
			arg = argv[i];
		}
	}
	bool list = !strcmp(sub, "list");
	if (list != !arg) {
		usage(stderr);
		return 2;
	}
	char cmd[4200];
	char *body = NULL;
	size_t len = 0;
	if (!strcmp(sub, "add")) {
		FILE *f = fopen(arg, "r");
		if (!f) {
			fprintf(stderr, "vigil: %s: %s\n", arg, strerror(errno));
			return 1;
		}
		char buf[65536];
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
			body = realloc(body, len + n);
			memcpy(body + len, buf, n);
			len += n;
		}
		fclose(f);
		if (strchr(arg, '\n')) {
			free(body);
			return 2;
		}
		snprintf(cmd, sizeof(cmd), "add %s", arg);
	} else if (!list) {
		snprintf(cmd, sizeof(cmd), "delete %s", arg);
	} else {
		snprintf(cmd, sizeof(cmd), "list");
	}
	int rc = policy_ctl(sock, cmd, body, len, list ? stdout : stderr);
	free(body);
	if (rc < 0) {
		fprintf(stderr, "vigil: no vigil answers on %s: %s (start it with vigil run --policy-socket %s)\n", sock,
			strerror(-rc), sock);
		return 1;
	}
	return rc;
}

int cmd_policy(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "add") || !strcmp(sub, "delete") || (!strcmp(sub, "list") && (argc == 2 || !strcmp(argv[2], "--socket"))))
		return policy_client(argc, argv);
	if (strcmp(sub, "check") && strcmp(sub, "list")) {
		fprintf(stderr, "vigil: unknown policy command '%s'\n", sub);
		usage(stderr);
		return 2;
	}
	struct policy_load_opts o = { 0 };
	struct policy_set ps;
	struct diag_list dl;
	int nfiles = 0, status = 0;
	policy_set_init(&ps);
	diag_list_init(&dl);
	dl.max = 1000;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--allow-override-downgrade=sigkill")) {
			o.allow_override_downgrade = true;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "vigil: unknown option '%s'\n", argv[i]);
			usage(stderr);
			status = 2;
			goto out;
		}
		nfiles++;
	}
	if (!nfiles) {
		usage(stderr);
		status = 2;
		goto out;
	}
	for (int i = 2; i < argc; i++)
		if (argv[i][0] != '-' || !argv[i][1])
			policy_load_path(&ps, argv[i], &o, &dl);
	diag_print(&dl, stderr);
	if (!strcmp(sub, "list"))
		for (size_t i = 0; i < ps.n; i++)
			list_policy(ps.v[i], stdout);
	if (dl.nerrors) {
		fprintf(stderr, "%zu error%s, %zu warning%s\n", dl.nerrors, dl.nerrors == 1 ? "" : "s", dl.nwarnings,
			dl.nwarnings == 1 ? "" : "s");
		status = 1;
	} else if (!strcmp(sub, "check")) {
		printf("%zu polic%s OK", ps.n, ps.n == 1 ? "y" : "ies");
		if (dl.nwarnings)
			printf(" (%zu warning%s)", dl.nwarnings, dl.nwarnings == 1 ? "" : "s");
		printf("\n");
	}
out:
	diag_list_fini(&dl);
	policy_set_free(&ps);
	return status;
}
