/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_rules.c - `vigil rules check|list|explain`: validate rules files and
 * print every diagnostic (file:line:col, source line, caret); list the rules
 * a set of files defines; show a rule's expanded condition and the event
 * types it is indexed on.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "common/diag.h"
#include "policy/from_rule.h"
#include "rules/act.h"
#include "rules/ruleset.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil rules check [--json] RULES...\n"
		   "       vigil rules list RULES...\n"
		   "       vigil rules explain RULE -r RULES...\n"
		   "       vigil rules test [options] PATH...   (vigil rules test --help)\n"
		   "\n"
		   "RULES are rules files or directories (their *.yaml/*.yml files load in\n"
		   "alphabetical order), loaded in the order given, as Falco does.\n"
		   "\n"
		   "  check    load and compile; print every error and warning as\n"
		   "           file:line:col with the source line; exit 1 on any error;\n"
		   "           for a rule with an `action`, the kernel filters it compiles into\n"
		   "           (or why it cannot act in the kernel)\n"
		   "  list     print the rules: name, priority, enabled, event types\n"
		   "  explain  print a rule's condition after list substitution and exceptions,\n"
		   "           and the event types it is indexed on\n"
		   "  test     run rule test cases (a capture or a command, the rules, the\n"
		   "           alerts expected) and report what fired against what was expected\n");
}

static void print_evttypes(const struct rule *r, FILE *f)
{
	const char *seen[VG_EV_MAX];
	size_t n = 0;
	if (evtset_count(&r->evts) == VG_EV_MAX) {
		fprintf(f, "(all event types)");
		return;
	}
	for (uint32_t t = 0; t < VG_EV_MAX; t++) {
		if (!evtset_has(&r->evts, t))
			continue;
		const struct ev_info *info = ev_info_get(t);
		if (!info)
			continue;
		bool dup = false;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(seen[i], info->name))
				dup = true;
		if (!dup) {
			seen[n] = info->name;
			fprintf(f, "%s%s", n ? "," : "", info->name);
			n++;
		}
	}
	if (!n)
		fprintf(f, "(none)");
}

int cmd_rules(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "test"))
		return cmd_rules_test(argc - 1, argv + 1);
	const char *explain = NULL;
	const char **paths = calloc((size_t)argc, sizeof(char *));
	size_t np = 0;
	int i = 2;
	if (!strcmp(sub, "explain")) {
		if (argc < 3) {
			usage(stderr);
			free(paths);
			return 2;
		}
		explain = argv[2];
		i = 3;
	} else if (strcmp(sub, "check") && strcmp(sub, "list")) {
		fprintf(stderr, "vigil: unknown rules command '%s'\n", sub);
		usage(stderr);
		free(paths);
		return 2;
	}
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "-r") && i + 1 < argc)
			paths[np++] = argv[++i];
		else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			free(paths);
			return 0;
		} else
			paths[np++] = argv[i];
	}
	if (!np) {
		fprintf(stderr, "vigil: no rules files given\n");
		free(paths);
		return 2;
	}
	struct diag_list dl;
	diag_list_init(&dl);
	struct ruleset *rs = ruleset_load(paths, np, NULL, &dl);
	/* rules that act: what they compile to in the kernel */
	struct policy_set ps;
	policy_set_init(&ps);
	if (rs && policy_from_rules(&ps, rs, NULL, &dl)) {
		ruleset_free(rs);
		rs = NULL;
	}
	diag_print(&dl, stderr);
	int status = rs ? 0 : 1;
	if (rs && !strcmp(sub, "check")) {
		fprintf(stderr, "%zu rules loaded (%zu enabled) in %.1f ms, %zu warnings\n", rs->nrules, rs->nactive,
			(double)rs->load_ns / 1e6, dl.nwarnings);
		for (size_t k = 0; k < ps.n; k++) {
			struct strbuf sb;
			strbuf_init(&sb);
			policy_describe(ps.v[k], &sb);
			printf("rule '%s' acts in the kernel (action: %s):\n%s", ps.v[k]->name,
			       ps.v[k]->rule->kform->action_text, sb.buf);
			strbuf_fini(&sb);
		}
	} else if (rs && !strcmp(sub, "list")) {
		for (size_t k = 0; k < rs->nrules; k++) {
			const struct rule *r = rs->rules[k];
			printf("%-60s %-13s %-8s ", r->name, priority_name(r->priority), r->enabled ? "enabled" : "disabled");
			print_evttypes(r, stdout);
			printf("\n");
		}
	} else if (rs && explain) {
		const struct rule *r = ruleset_find(rs, explain);
		if (!r) {
			fprintf(stderr, "vigil: no rule named '%s'\n", explain);
			status = 1;
		} else {
			printf("rule: %s\npriority: %s\nenabled: %s\ncondition: %s\nevent types: ", r->name,
			       priority_name(r->priority), r->enabled ? "true" : "false", r->condition);
			print_evttypes(r, stdout);
			printf("\noutput: %s\n", r->output);
		}
	}
	ruleset_free(rs);
	policy_set_free(&ps);
	diag_list_fini(&dl);
	free(paths);
	return status;
}
