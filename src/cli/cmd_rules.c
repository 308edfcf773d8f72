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
#include <sys/stat.h>
#include "cli/cli.h"
#include "cli/options.h"
#include "cli/session.h"
#include "common/diag.h"
#include "common/strbuf.h"
#include "policy/from_rule.h"
#include "rules/act.h"
#include "rules/ruleset.h"

/* Falco warns from this many event types on ("matches too many evt.type
 * values"); a rule without evt.type is indexed on all of them. */
#define STRICT_MAX_EVTTYPES 100

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil rules check [--strict] RULES...\n"
		   "       vigil rules list RULES...\n"
		   "       vigil rules explain RULE -r RULES...\n"
		   "       vigil rules test [options] PATH...   (vigil rules test --help)\n"
		   "\n"
		   "RULES are rules files or directories (their *.yaml/*.yml files load in\n"
		   "alphabetical order), loaded in the order given, as Falco does. Without\n"
		   "RULES, check and list take the rules_files of %s.\n"
		   "\n"
		   "  check    load and compile; print every error and warning as\n"
		   "           file:line:col with the source line; exit 1 on any error;\n"
		   "           for a rule with an `action`, the kernel filters it compiles into\n"
		   "           (or why it cannot act in the kernel).\n"
		   "           --strict: also exit 1 on any warning, and when an enabled rule\n"
		   "           is indexed on more than %d event types (every event would be\n"
		   "           evaluated against it: give its condition an evt.type)\n"
		   "  list     print the rules: name, priority, enabled, event types\n"
		   "  explain  print a rule's condition as evaluated: lists substituted,\n"
		   "           exceptions added, every macro expanded (on one line, then\n"
		   "           indented), and the event types it is indexed on\n"
		   "  test     run rule test cases (a capture or a command, the rules, the\n"
		   "           alerts expected) and report what fired against what was expected\n",
		session_default_config, STRICT_MAX_EVTTYPES);
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
	bool strict = false;
	const char **paths = calloc((size_t)argc + 16, sizeof(char *));
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
		else if (!strcmp(argv[i], "--strict") && !strcmp(sub, "check"))
			strict = true;
		else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			free(paths);
			return 0;
		} else
			paths[np++] = argv[i];
	}
	struct cli_options defaults;
	cli_options_init(&defaults);
	struct stat st;
	if (!np && !explain && !stat(session_default_config, &st)) {
		/* an installed vigil: the rules its configuration names */
		struct diag_list cdl;
		diag_list_init(&cdl);
		int crc = cli_options_load(&defaults, session_default_config, &cdl);
		diag_print(&cdl, stderr);
		diag_list_fini(&cdl);
		if (crc) {
			cli_options_fini(&defaults);
			free(paths);
			return 1;
		}
		for (int k = 0; k < defaults.nrules_files; k++)
			paths[np++] = defaults.rules_files[k];
	}
	if (!np) {
		fprintf(stderr, "vigil: no rules files given\n");
		cli_options_fini(&defaults);
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
		size_t wide = 0;
		for (size_t k = 0; k < rs->nrules; k++) {
			const struct rule *r = rs->rules[k];
			size_t n = evtset_count(&r->evts);
			if (!r->enabled || n <= STRICT_MAX_EVTTYPES)
				continue;
			wide++;
			fprintf(stderr, "%s: rule '%s' is indexed on %s (%zu event types): every event is evaluated "
					"against it; give its condition an evt.type\n",
				strict ? "error" : "warning", r->name, n == VG_EV_MAX ? "every event type" : "too many",
				n);
		}
		fprintf(stderr, "%zu rules loaded (%zu enabled) in %.1f ms, %zu warnings, %zu on too many event types\n",
			rs->nrules, rs->nactive, (double)rs->load_ns / 1e6, dl.nwarnings, wide);
		if (strict && (wide || dl.nwarnings)) {
			fprintf(stderr, "vigil: rules check --strict: failed\n");
			status = 1;
		}
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
			struct strbuf one, ind;
			strbuf_init(&one);
			strbuf_init(&ind);
			if (ruleset_explain(rs, r, false, &one) || ruleset_explain(rs, r, true, &ind)) {
				fprintf(stderr, "vigil: the condition of '%s' does not parse again\n", r->name);
				status = 1;
			} else {
				printf("rule: %s\npriority: %s\nenabled: %s\n", r->name, priority_name(r->priority),
				       r->enabled ? "true" : "false");
				size_t cl = strlen(r->condition);
				while (cl && strchr(" \t\r\n", r->condition[cl - 1]))
					cl--;
				printf("condition (lists substituted, exceptions added): %.*s\n", (int)cl, r->condition);
				printf("expanded (macros substituted): %s\n", one.buf);
				printf("expanded, indented:\n  ");
				for (const char *p = ind.buf; *p; p++) {
					fputc(*p, stdout);
					if (*p == '\n')
						fputs("  ", stdout);
				}
				printf("\nevent types: ");
				print_evttypes(r, stdout);
				printf(" (%zu event codes)", evtset_count(&r->evts));
				printf("\noutput: %s\n", r->output);
			}
			strbuf_fini(&one);
			strbuf_fini(&ind);
		}
	}
	ruleset_free(rs);
	policy_set_free(&ps);
	diag_list_fini(&dl);
	cli_options_fini(&defaults);
	free(paths);
	return status;
}
