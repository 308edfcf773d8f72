/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_loader.c - unit tests for the rules loader (src/rules/loader.c and
 * ruleset.c) with Falco's collector semantics: the exact condition text that
 * exceptions and list substitution produce, the override/append matrix for
 * lists, macros and rules, redefinition keeping the slot, enable-only items,
 * macro visibility, unknown sources, engine version requirements,
 * skip-if-unknown-filter, and diagnostics (file, line and column, also
 * inside folded conditions after list substitution; several errors per file;
 * nothing loaded on error). Rules files are YAML strings written to /tmp.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/diag.h"
#include "rules/compile.h"
#include "rules/ruleset.h"

/* ===== Helpers ===== */

static struct diag_list dl;
static char *paths[64];
static size_t npaths;
static struct ruleset *rs;

static int setup(void **state)
{
	(void)state;
	diag_list_init(&dl);
	npaths = 0;
	rs = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ruleset_free(rs);
	rs = NULL;
	for (size_t i = 0; i < npaths; i++) {
		unlink(paths[i]);
		free(paths[i]);
	}
	npaths = 0;
	diag_list_fini(&dl);
	return 0;
}

static const char *write_tmp(const char *yaml)
{
	char tmpl[] = "/tmp/vigil_test_loader_XXXXXX";
	int fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	size_t n = strlen(yaml);
	assert_int_equal(write(fd, yaml, n), (ssize_t)n);
	close(fd);
	assert_true(npaths < sizeof(paths) / sizeof(paths[0]));
	paths[npaths] = strdup(tmpl);
	return paths[npaths++];
}

static void dump_diags(void)
{
	for (size_t i = 0; i < dl.n; i++)
		print_message("  %s:%d:%d: %s: %s\n", dl.v[i].file ? dl.v[i].file : "-", dl.v[i].line, dl.v[i].col,
			      dl.v[i].sev == DIAG_ERROR ? "error" : "warning", dl.v[i].msg);
}

/* Load files (in order); returns the ruleset or NULL, keeps diagnostics in dl. */
static struct ruleset *load_many(const char *const *yamls, size_t n)
{
	const char *p[4];
	assert_true(n <= 4);
	/* each load starts with fresh diagnostics */
	diag_list_fini(&dl);
	diag_list_init(&dl);
	for (size_t i = 0; i < n; i++)
		p[i] = write_tmp(yamls[i]);
	ruleset_free(rs);
	rs = ruleset_load(p, n, NULL, &dl);
	return rs;
}

static struct ruleset *load(const char *yaml)
{
	return load_many(&yaml, 1);
}

/* The load must succeed. */
static struct ruleset *load_ok(const char *yaml)
{
	if (!load(yaml)) {
		dump_diags();
		fail_msg("load failed with %zu error(s)", dl.nerrors);
	}
	return rs;
}

static const struct diag *find_diag(enum diag_severity sev, const char *frag)
{
	for (size_t i = 0; i < dl.n; i++)
		if (dl.v[i].sev == sev && strstr(dl.v[i].msg, frag))
			return &dl.v[i];
	return NULL;
}

/* The load must fail (NULL) with an error whose message contains frag. */
static const struct diag *load_err(const char *yaml, const char *frag)
{
	if (load(yaml)) {
		dump_diags();
		fail_msg("load succeeded, expected an error containing '%s'", frag);
	}
	assert_true(dl.nerrors > 0);
	const struct diag *d = find_diag(DIAG_ERROR, frag);
	if (!d) {
		dump_diags();
		fail_msg("no error containing '%s'", frag);
	}
	return d;
}

static void expect_warning(const char *frag)
{
	if (!find_diag(DIAG_WARNING, frag)) {
		dump_diags();
		fail_msg("no warning containing '%s'", frag);
	}
}

static void expect_no_warning(const char *frag)
{
	if (find_diag(DIAG_WARNING, frag)) {
		dump_diags();
		fail_msg("unexpected warning containing '%s'", frag);
	}
}

/* 1-based line and column of the n-th (0-based) occurrence of needle. */
static void pos_of(const char *text, const char *needle, int nth, int *line, int *col)
{
	const char *p = text;
	for (int i = 0; i <= nth; i++) {
		p = strstr(i ? p + 1 : p, needle);
		assert_non_null(p);
	}
	*line = 1;
	const char *ls = text;
	for (const char *q = text; q < p; q++)
		if (*q == '\n') {
			(*line)++;
			ls = q + 1;
		}
	*col = (int)(p - ls) + 1;
}

static void expect_pos(const struct diag *d, const char *yaml, const char *needle, int nth)
{
	int line, col;
	pos_of(yaml, needle, nth, &line, &col);
	assert_non_null(d);
	assert_non_null(d->file);
	assert_string_equal(d->file, paths[npaths - 1]);
	if (d->line != line || d->col != col)
		fail_msg("'%s' reported at %d:%d, expected %d:%d ('%s')", d->msg, d->line, d->col, line, col, needle);
}

static const struct rule *rule_at(size_t i)
{
	assert_non_null(rs);
	assert_true(i < rs->nrules);
	return rs->rules[i];
}

static const struct rule *rule_named(const char *name)
{
	assert_non_null(rs);
	const struct rule *r = ruleset_find(rs, name);
	if (!r)
		fail_msg("no rule '%s'", name);
	return r;
}

static void expect_cond(const char *name, const char *cond)
{
	const struct rule *r = rule_named(name);
	if (strcmp(r->condition, cond))
		fail_msg("rule '%s' condition\n  got:  <%s>\n  want: <%s>", name, r->condition, cond);
}

static bool has_evt(const struct rule *r, const char *evt)
{
	struct evtset s;
	assert_true(evttype_codes(evt, &s));
	for (uint32_t t = 0; t < VG_EV_MAX; t++)
		if (evtset_has(&s, t) && !evtset_has(&r->evts, t))
			return false;
	return true;
}

/* A rule item with the mandatory keys. */
#define RULE(name, cond)                                                                               \
	"- rule: " name "\n  desc: d\n  condition: " cond "\n  output: o\n  priority: WARNING\n"

/* ===== Exceptions: the exact condition text ===== */

static void test_exc_list_form(void **state)
{
	(void)state;
	load_ok(RULE("r", "evt.type = openat")
		"  exceptions:\n"
		"    - name: proc_writer\n"
		"      fields: [proc.name, fd.directory]\n"
		"      comps: [=, startswith]\n"
		"      values:\n"
		"        - [my-yum, /usr/bin]\n"
		"        - [apt, /usr/lib]\n"
		RULE("defaults", "evt.type = openat")
		"  exceptions:\n"
		"    - name: eq\n"
		"      fields: [proc.name, fd.name]\n"
		"      values: [[a, /b]]\n"
		"    - name: second\n"
		"      fields: [proc.pname]\n"
		"      comps: [glob]\n"
		"      values: [['*sh']]\n");
	expect_cond("r", "(evt.type = openat) and not ((proc.name = my-yum and fd.directory startswith /usr/bin) or "
			 "(proc.name = apt and fd.directory startswith /usr/lib))");
	/* comps default to "="; one "and not" per exception, in order */
	expect_cond("defaults", "(evt.type = openat) and not ((proc.name = a and fd.name = /b)) and not "
				"((proc.pname glob *sh))");
}

static void test_exc_list_elements(void **state)
{
	(void)state;
	load_ok("- list: apt_bins\n  items: [apt, dpkg]\n"
		RULE("tuple_list", "evt.type = openat")
		"  exceptions:\n"
		"    - name: e\n"
		"      fields: [proc.name, fd.directory]\n"
		"      comps: [in, startswith]\n"
		"      values: [[[apt, dpkg], /usr/lib]]\n"
		RULE("scalar_in", "evt.type = openat")
		"  exceptions:\n"
		"    - name: e\n"
		"      fields: [proc.name, fd.directory]\n"
		"      comps: [in, =]\n"
		"      values: [[apt, /usr]]\n"
		RULE("other_list_ops", "evt.type = openat")
		"  exceptions:\n"
		"    - name: e\n"
		"      fields: [fd.name, proc.name, proc.pname]\n"
		"      comps: [pmatch, intersects, startswith anyof]\n"
		"      values: [[/tmp, sh, ba]]\n"
		RULE("list_ref_paren", "evt.type = openat")
		"  exceptions:\n"
		"    - name: e\n"
		"      fields: [proc.name]\n"
		"      comps: [in]\n"
		"      values: [[(apt_bins)]]\n"
		RULE("list_ref_bare", "evt.type = openat")
		"  exceptions:\n"
		"    - name: e\n"
		"      fields: [proc.name]\n"
		"      comps: [in]\n"
		"      values: [[apt_bins]]\n"
		RULE("paren_literal", "evt.type = openat")
		"  exceptions:\n"
		"    - name: e\n"
		"      fields: [proc.name]\n"
		"      comps: [in]\n"
		"      values: [[\"(apt, yum)\"]]\n");
	expect_cond("tuple_list",
		    "(evt.type = openat) and not ((proc.name in (apt, dpkg) and fd.directory startswith /usr/lib))");
	/* a scalar with a list comp is wrapped in parentheses */
	expect_cond("scalar_in", "(evt.type = openat) and not ((proc.name in (apt) and fd.directory = /usr))");
	expect_cond("other_list_ops", "(evt.type = openat) and not ((fd.name pmatch (/tmp) and proc.name intersects "
				      "(sh) and proc.pname startswith anyof (ba)))");
	/* so a list name works in either spelling, substituted afterwards */
	expect_cond("list_ref_paren", "(evt.type = openat) and not ((proc.name in ( apt, dpkg )))");
	expect_cond("list_ref_bare", "(evt.type = openat) and not ((proc.name in ( apt, dpkg )))");
	/* an element already in parentheses is kept as is */
	expect_cond("paren_literal", "(evt.type = openat) and not ((proc.name in (apt, yum)))");
}

static void test_exc_single_field(void **state)
{
	(void)state;
	load_ok("- list: apt_bins\n  items: [apt, dpkg]\n"
		RULE("dflt", "evt.type = openat")
		"  exceptions:\n"
		"    - name: e\n"
		"      fields: proc.name\n"
		"      values: [python, go]\n"
		RULE("pm", "evt.type = openat")
		"  exceptions:\n"
		"    - name: e\n"
		"      fields: fd.name\n"
		"      comps: pmatch\n"
		"      values: [/tmp, /var]\n"
		RULE("modifier", "evt.type = openat")
		"  exceptions:\n"
		"    - name: e\n"
		"      fields: fd.name\n"
		"      comps: startswith oneof\n"
		"      values: [/tmp, /var]\n"
		RULE("with_list", "evt.type = openat")
		"  exceptions:\n"
		"    - name: e\n"
		"      fields: proc.name\n"
		"      values: [apt_bins, x]\n");
	expect_cond("dflt", "(evt.type = openat) and not (proc.name in (python, go))");
	expect_cond("pm", "(evt.type = openat) and not (fd.name pmatch (/tmp, /var))");
	expect_cond("modifier", "(evt.type = openat) and not (fd.name startswith oneof (/tmp, /var))");
	expect_cond("with_list", "(evt.type = openat) and not (proc.name in ( apt, dpkg , x))");
}

static void test_exc_quoting(void **state)
{
	(void)state;
	load_ok(RULE("tuple", "evt.type = execve")
		"  exceptions:\n"
		"    - name: e\n"
		"      fields: [proc.cmdline, proc.name]\n"
		"      comps: [=, in]\n"
		"      values:\n"
		"        - [my cmd --x, [a b, c]]\n"
		"        - ['\"already quoted\"', \"'single quoted'\"]\n"
		RULE("scalar", "evt.type = execve")
		"  exceptions:\n"
		"    - name: e\n"
		"      fields: proc.cmdline\n"
		"      values: [a b, c, '\"d e\"']\n");
	expect_cond("tuple", "(evt.type = execve) and not ((proc.cmdline = \"my cmd --x\" and proc.name in (\"a b\", c)) "
			     "or (proc.cmdline = \"already quoted\" and proc.name in ('single quoted')))");
	expect_cond("scalar", "(evt.type = execve) and not (proc.cmdline in (\"a b\", c, \"d e\"))");
}

static void test_exc_no_values(void **state)
{
	(void)state;
	load_ok(RULE("none", "evt.type = openat")
		"  exceptions:\n"
		"    - name: e\n"
		"      fields: [proc.name]\n"
		"    - name: f\n"
		"      fields: proc.name\n"
		"      values: []\n"
		RULE("one_of_two", "evt.type = openat")
		"  exceptions:\n"
		"    - name: e\n"
		"      fields: [proc.name]\n"
		"    - name: f\n"
		"      fields: proc.name\n"
		"      values: [x]\n"
		RULE("no_exceptions", "evt.type = openat")
		"  exceptions: []\n");
	/* the condition is parenthesised, and exceptions without values add nothing */
	expect_cond("none", "(evt.type = openat)");
	expect_cond("one_of_two", "(evt.type = openat) and not (proc.name in (x))");
	expect_cond("no_exceptions", "evt.type = openat");
}

static void test_exc_errors(void **state)
{
	(void)state;
	load_err(RULE("r", "evt.type = openat")
		 "  exceptions:\n"
		 "    - name: e\n"
		 "      fields: [proc.name, fd.name]\n"
		 "      comps: [=]\n"
		 "      values: [[a, b]]\n",
		 "fields and comps lists must have equal length");
	load_err(RULE("r", "evt.type = openat")
		 "  exceptions:\n"
		 "    - name: e\n"
		 "      fields: [proc.name, fd.name]\n"
		 "      values: [[a]]\n",
		 "fields and values lists must have equal length");
	load_err(RULE("r", "evt.type = openat")
		 "  exceptions:\n"
		 "    - name: e\n"
		 "      fields: [proc.nmae]\n"
		 "      values: [[a]]\n",
		 "proc.nmae");
	load_err(RULE("r", "evt.type = openat")
		 "  exceptions:\n"
		 "    - name: e\n"
		 "      fields: [proc.name]\n"
		 "      comps: [like]\n"
		 "      values: [[a]]\n",
		 "not a supported comparison operator");
	load_err(RULE("r", "evt.type = openat")
		 "  exceptions:\n"
		 "    - name: e\n"
		 "      fields: proc.name\n"
		 "      comps: =\n"
		 "      values: [a]\n",
		 "not allowed with a single field");
	load_err(RULE("r", "evt.type = openat")
		 "  exceptions:\n"
		 "    - fields: proc.name\n"
		 "      values: [a]\n",
		 "mapping for key 'name'");
}

/* ===== Lists ===== */

static void test_list_substitution(void **state)
{
	(void)state;
	load_ok("- list: shells\n  items: [bash, sh]\n"
		"- list: one\n  items: [bash]\n"
		"- list: empty\n  items: []\n"
		"- list: spaced\n  items: [a b, '\"c d\"', e]\n"
		RULE("basic", "proc.name in (shells, sudo)")
		RULE("tight", "proc.name in (shells,sudo)")
		RULE("bare_value", "proc.name = one")
		RULE("not_words", "proc.name in (shellsx, my_shells, x.shells) and fd.name = /shells")
		RULE("twice", "proc.name in (shells) or proc.pname in (shells)")
		RULE("empty_last", "proc.name in (a, empty)")
		RULE("empty_first", "proc.name in (empty, a)")
		RULE("empty_only", "proc.name in (empty)")
		RULE("quoted", "proc.cmdline in (spaced)")
		"- macro: m\n  condition: proc.name in (shells)\n"
		RULE("via_macro", "m"));
	expect_cond("basic", "proc.name in ( bash, sh , sudo)");
	expect_cond("tight", "proc.name in ( bash, sh ,sudo)");
	/* any delimited word equal to a list name is substituted */
	expect_cond("bare_value", "proc.name = bash ");
	expect_cond("not_words", "proc.name in (shellsx, my_shells, x.shells) and fd.name = /shells");
	expect_cond("twice", "proc.name in ( bash, sh ) or proc.pname in ( bash, sh )");
	/* an empty list takes one adjacent comma with it */
	expect_cond("empty_last", "proc.name in (a  )");
	expect_cond("empty_first", "proc.name in (   a)");
	expect_cond("empty_only", "proc.name in (  )");
	/* items with a space are quoted unless already quoted */
	expect_cond("quoted", "proc.cmdline in ( \"a b\", \"c d\", e )");
	/* rule conditions keep macro names (macros are substituted as trees) */
	expect_cond("via_macro", "m");
}

static void test_list_in_list(void **state)
{
	(void)state;
	/* earlier lists are expanded inside a list... */
	load_ok("- list: a\n  items: [x, y]\n"
		"- list: b\n  items: [a, z]\n"
		RULE("r", "proc.name in (b)"));
	expect_cond("r", "proc.name in ( x, y, z )");
	teardown(NULL);
	setup(NULL);
	/* ...a later one is not: its name stays an item, which the condition's own
	 * substitution of that list then replaces (note the different spacing) */
	load_ok("- list: b\n  items: [a, z]\n"
		"- list: a\n  items: [x, y]\n"
		RULE("r", "proc.name in (b)"));
	expect_cond("r", "proc.name in ( x, y , z )");
	teardown(NULL);
	setup(NULL);
	/* lists have no ordering constraint against rules and macros */
	load_ok(RULE("r", "proc.name in (later)")
		"- list: later\n  items: [q]\n");
	expect_cond("r", "proc.name in ( q )");
}

static void test_list_override(void **state)
{
	(void)state;
	load_ok("- list: lst_app\n  items: [x]\n"
		"- list: lst_app\n  items: [y]\n  override:\n    items: append\n"
		"- list: lst_rep\n  items: [x]\n"
		"- list: lst_rep\n  items: [y]\n  override:\n    items: replace\n"
		"- list: lst_legacy\n  items: [x]\n"
		"- list: lst_legacy\n  items: [y]\n  append: true\n"
		"- list: lst_redef\n  items: [x]\n"
		"- list: lst_redef\n  items: [z]\n"
		RULE("r", "proc.name in (lst_app) and proc.pname in (lst_rep) and proc.exe in (lst_legacy) and "
			  "proc.aname in (lst_redef)"));
	expect_cond("r", "proc.name in ( x, y ) and proc.pname in ( y ) and proc.exe in ( x, y ) and proc.aname in ( z )");
	expect_warning("'append' key is deprecated");

	load_err("- list: l\n  items: [y]\n  override:\n    items: append\n", "no list by that name already exists");
	load_err("- list: l\n  items: [y]\n  append: true\n", "no list by that name already exists");
	load_err("- list: l\n  items: [x]\n"
		 "- list: l\n  items: [y]\n  append: true\n  override:\n    items: append\n",
		 "cannot be used together");
	load_err("- list: l\n  items: [x]\n"
		 "- list: l\n  items: [y]\n  override:\n    list: replace\n",
		 "Key 'list' cannot be replaced");
	load_err("- list: l\n  items: [x]\n"
		 "- list: l\n  items: [y]\n  override:\n    items: prepend\n",
		 "must be 'append' or 'replace'");
	load_err("- list: l\n  items: [x]\n"
		 "- list: l\n  items: [y]\n  override: {}\n",
		 "Unexpected key 'items'");
	load_err("- list: l\n", "items");
}

/* ===== Macros ===== */

static void test_macro_override(void **state)
{
	(void)state;
	load_ok("- macro: ma\n  condition: evt.type = openat and proc.name = x\n"
		"- macro: ma\n  condition: or evt.type = execve\n  override:\n    condition: append\n"
		"- macro: mr\n  condition: evt.type = openat\n"
		"- macro: mr\n  condition: evt.type = execve\n  override:\n    condition: replace\n"
		"- macro: ml\n  condition: evt.type = openat\n"
		"- macro: ml\n  condition: or evt.type = connect\n  append: true\n"
		"- macro: md\n  condition: evt.type = openat\n"
		"- macro: md\n  condition: evt.type = connect\n"
		RULE("a", "ma") RULE("r", "mr") RULE("l", "ml") RULE("d", "md"));
	/* append is plain text: "A and B or C" is "(A and B) or C" */
	assert_true(has_evt(rule_named("a"), "openat"));
	assert_true(has_evt(rule_named("a"), "execve"));
	assert_false(has_evt(rule_named("a"), "connect"));
	assert_true(has_evt(rule_named("r"), "execve"));
	assert_false(has_evt(rule_named("r"), "openat"));
	assert_true(has_evt(rule_named("l"), "openat"));
	assert_true(has_evt(rule_named("l"), "connect"));
	assert_false(has_evt(rule_named("d"), "openat"));
	assert_true(has_evt(rule_named("d"), "connect"));
	expect_warning("'append' key is deprecated");

	load_err("- macro: m\n  condition: or evt.type = execve\n  override:\n    condition: append\n",
		 "no macro by that name already exists");
	load_err("- macro: m\n  condition: or evt.type = execve\n  append: true\n",
		 "no macro by that name already exists");
	load_err("- macro: m\n  condition: evt.type = openat\n"
		 "- macro: m\n  condition: or evt.type = execve\n  append: true\n  override:\n    condition: append\n",
		 "cannot be used together");
	load_err("- macro: m\n  condition: evt.type = openat\n"
		 "- macro: m\n  condition: evt.type = execve\n  override:\n    condition: replace\n    desc: replace\n",
		 "Key 'desc' cannot be replaced");
	load_err("- macro: m\n  condition: evt.type = openat\n"
		 "- macro: m\n  condition: evt.type = execve\n  override:\n    macro: append\n",
		 "Key 'macro' cannot be appended to");
	load_err("- macro: m\n  condition: evt.type = openat\n"
		 "- macro: m\n  condition: evt.type = execve\n  override: {}\n",
		 "Unexpected key 'condition'");
}

static void test_macro_visibility(void **state)
{
	(void)state;
	/* a macro sees only earlier macros */
	const struct diag *d = load_err("- macro: first\n  condition: second and proc.name = x\n"
					"- macro: second\n  condition: evt.type = openat\n"
					RULE("r", "first"),
					"Undefined macro 'second' used in filter.");
	expect_pos(d, "- macro: first\n  condition: second and proc.name = x\n", "second", 0);
	teardown(NULL);
	setup(NULL);
	/* a rule sees every macro, also later ones */
	load_ok(RULE("r", "later and proc.name = x")
		"- macro: later\n  condition: evt.type = openat\n");
	assert_true(has_evt(rule_named("r"), "openat"));
	assert_false(has_evt(rule_named("r"), "execve"));
	/* macros behave as if parenthesised */
	load_ok("- macro: either\n  condition: evt.type = openat or evt.type = execve\n"
		RULE("r", "either and evt.type = execve"));
	assert_true(has_evt(rule_named("r"), "execve"));
	assert_false(has_evt(rule_named("r"), "openat"));
	load_err(RULE("r", "nosuchmacro and proc.name = x"), "Undefined macro 'nosuchmacro' used in filter.");
}

/* ===== Rules: override / append ===== */

static const char *const BASE =
	"- rule: r\n"
	"  desc: base desc\n"
	"  condition: evt.type = openat\n"
	"  output: base out\n"
	"  priority: WARNING\n"
	"  tags: [b, a]\n"
	"  exceptions:\n"
	"    - name: e1\n"
	"      fields: [proc.name]\n"
	"      values: [[a]]\n";

static struct ruleset *load_base_plus(const char *extra)
{
	const char *y[2] = { BASE, extra };
	if (!load_many(y, 2)) {
		dump_diags();
		fail_msg("load failed");
	}
	return rs;
}

static void test_rule_append(void **state)
{
	(void)state;
	load_base_plus("- rule: r\n"
		       "  condition: or evt.type = execve\n"
		       "  output: more out\n"
		       "  desc: more desc\n"
		       "  tags: [c, a]\n"
		       "  exceptions:\n"
		       "    - name: e1\n"
		       "      values: [[b]]\n"
		       "    - name: e2\n"
		       "      fields: proc.pname\n"
		       "      values: [sshd]\n"
		       "  override:\n"
		       "    condition: append\n"
		       "    output: append\n"
		       "    desc: append\n"
		       "    tags: append\n"
		       "    exceptions: append\n");
	const struct rule *r = rule_named("r");
	expect_cond("r", "(evt.type = openat or evt.type = execve) and not ((proc.name = a) or (proc.name = b)) and not "
			 "(proc.pname in (sshd))");
	assert_string_equal(r->output, "base out more out");
	assert_string_equal(r->desc, "base desc more desc");
	assert_int_equal(r->ntags, 3);
	assert_string_equal(r->tags[0], "a");
	assert_string_equal(r->tags[1], "b");
	assert_string_equal(r->tags[2], "c");
	assert_int_equal(r->priority, PRIO_WARNING);
	assert_true(r->enabled);
	expect_no_warning("deprecated");
}

static void test_rule_replace(void **state)
{
	(void)state;
	load_base_plus("- rule: r\n"
		       "  condition: evt.type = execve\n"
		       "  output: new out\n"
		       "  desc: new desc\n"
		       "  priority: error\n"
		       "  tags: [z]\n"
		       "  exceptions:\n"
		       "    - name: e9\n"
		       "      fields: [proc.name]\n"
		       "      values: [[q]]\n"
		       "  enabled: false\n"
		       "  warn_evttypes: false\n"
		       "  skip-if-unknown-filter: true\n"
		       "  capture: true\n"
		       "  capture_duration: 250\n"
		       "  override:\n"
		       "    condition: replace\n"
		       "    output: replace\n"
		       "    desc: replace\n"
		       "    priority: replace\n"
		       "    tags: replace\n"
		       "    exceptions: replace\n"
		       "    enabled: replace\n"
		       "    warn_evttypes: replace\n"
		       "    skip-if-unknown-filter: replace\n"
		       "    capture: replace\n"
		       "    capture_duration: replace\n");
	const struct rule *r = rule_named("r");
	expect_cond("r", "(evt.type = execve) and not ((proc.name = q))");
	assert_string_equal(r->output, "new out");
	assert_string_equal(r->desc, "new desc");
	assert_int_equal(r->priority, PRIO_ERROR);
	assert_int_equal(r->ntags, 1);
	assert_string_equal(r->tags[0], "z");
	assert_false(r->enabled_in_file);
	assert_false(r->enabled);
	assert_false(r->warn_evttypes);
	assert_true(r->skip_if_unknown);
	assert_true(r->capture);
	assert_int_equal(r->capture_duration, 250);
	assert_int_equal(rs->nactive, 0);
}

static void test_rule_append_and_replace_mixed(void **state)
{
	(void)state;
	/* append and replace on different keys in one item */
	load_base_plus("- rule: r\n"
		       "  condition: and proc.name = x\n"
		       "  output: only out\n"
		       "  override:\n"
		       "    condition: append\n"
		       "    output: replace\n");
	expect_cond("r", "(evt.type = openat and proc.name = x) and not ((proc.name = a))");
	assert_string_equal(rule_named("r")->output, "only out");
	assert_string_equal(rule_named("r")->desc, "base desc");
}

static void test_rule_override_errors(void **state)
{
	(void)state;
	static const struct {
		const char *item;
		const char *frag;
	} cases[] = {
		/* keys that cannot be appended to */
		{ "  priority: error\n  override:\n    priority: append\n", "Key 'priority' cannot be appended to" },
		{ "  enabled: false\n  override:\n    enabled: append\n", "Key 'enabled' cannot be appended to" },
		{ "  warn_evttypes: false\n  override:\n    warn_evttypes: append\n", "cannot be appended to" },
		{ "  skip-if-unknown-filter: true\n  override:\n    skip-if-unknown-filter: append\n",
		  "cannot be appended to" },
		{ "  capture: true\n  override:\n    capture: append\n", "cannot be appended to" },
		{ "  capture_duration: 5\n  override:\n    capture_duration: append\n", "cannot be appended to" },
		/* keys that cannot be overridden at all */
		{ "  source: syscall\n  override:\n    source: replace\n", "Key 'source' cannot be replaced" },
		{ "  override:\n    rule: replace\n", "Key 'rule' cannot be replaced" },
		/* override together with append: true */
		{ "  condition: and proc.name = x\n  append: true\n  override:\n    condition: append\n",
		  "cannot be used together" },
		/* an override entry for a key the item lacks */
		{ "  condition: and proc.name = x\n  override:\n    condition: append\n    output: append\n",
		  "has no 'output' key" },
		/* an overridable key present but not listed under override */
		{ "  condition: and proc.name = x\n  output: extra\n  override:\n    condition: append\n",
		  "Unexpected key 'output'" },
		{ "  condition: and proc.name = x\n  enabled: false\n  override:\n    condition: append\n",
		  "Unexpected key 'enabled'" },
		/* exceptions: appending fields to an existing exception */
		{ "  exceptions:\n    - name: e1\n      fields: [fd.name]\n      values: [[b]]\n  override:\n"
		  "    exceptions: append\n",
		  "Can not append exception fields or comps" },
		/* a new exception without fields, or without values */
		{ "  exceptions:\n    - name: e2\n      values: [[b]]\n  override:\n    exceptions: append\n",
		  "must have fields" },
		{ "  exceptions:\n    - name: e2\n      fields: [fd.name]\n  override:\n    exceptions: append\n",
		  "must have values" },
		/* legacy append with nothing to append */
		{ "  output: x\n  append: true\n", "must have exceptions or condition property" },
		/* an update that updates nothing */
		{ "  override: {}\n", "must have exceptions or condition property" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char item[1024];
		snprintf(item, sizeof(item), "- rule: r\n%s", cases[i].item);
		const char *y[2] = { BASE, item };
		if (load_many(y, 2)) {
			dump_diags();
			fail_msg("case %zu loaded, expected '%s'", i, cases[i].frag);
		}
		if (!find_diag(DIAG_ERROR, cases[i].frag)) {
			dump_diags();
			fail_msg("case %zu: no error containing '%s'", i, cases[i].frag);
		}
		teardown(NULL);
		setup(NULL);
	}
	/* updates need an existing rule */
	load_err("- rule: nope\n  condition: and proc.name = x\n  override:\n    condition: append\n",
		 "no rule by that name already exists");
	load_err("- rule: nope\n  condition: and proc.name = x\n  append: true\n",
		 "no rule by that name already exists");
}

static void test_rule_legacy_append(void **state)
{
	(void)state;
	load_base_plus("- rule: r\n"
		       "  condition: and proc.name = x\n"
		       "  exceptions:\n"
		       "    - name: e1\n"
		       "      values: [[b]]\n"
		       "  append: true\n");
	expect_cond("r", "(evt.type = openat and proc.name = x) and not ((proc.name = a) or (proc.name = b))");
	expect_warning("'append' key is deprecated");
}

static void test_rule_redefinition_keeps_slot(void **state)
{
	(void)state;
	load_ok(RULE("A", "evt.type = openat") RULE("B", "evt.type = execve") RULE("C", "evt.type = connect")
		"- rule: A\n  desc: new\n  condition: evt.type = clone\n  output: new out\n  priority: ERROR\n"
		RULE("D", "evt.type = close"));
	assert_int_equal(rs->nrules, 4);
	assert_string_equal(rule_at(0)->name, "A");
	assert_string_equal(rule_at(1)->name, "B");
	assert_string_equal(rule_at(2)->name, "C");
	assert_string_equal(rule_at(3)->name, "D");
	assert_string_equal(rule_at(0)->condition, "evt.type = clone");
	assert_string_equal(rule_at(0)->output, "new out");
	assert_int_equal(rule_at(0)->priority, PRIO_ERROR);
	for (size_t i = 0; i < rs->nrules; i++)
		assert_int_equal(rule_at(i)->slot, i);
	/* a redefinition replaces everything: the old tags are gone */
	teardown(NULL);
	setup(NULL);
	load_base_plus(RULE("r", "evt.type = execve"));
	assert_int_equal(rule_named("r")->ntags, 0);
	expect_cond("r", "evt.type = execve");
	/* across files too: the slot is the first definition's */
	teardown(NULL);
	setup(NULL);
	const char *y[2] = { RULE("X", "evt.type = openat") RULE("Y", "evt.type = openat"),
			     RULE("Z", "evt.type = openat") RULE("X", "evt.type = execve") };
	assert_non_null(load_many(y, 2));
	assert_string_equal(rule_at(0)->name, "X");
	assert_string_equal(rule_at(1)->name, "Y");
	assert_string_equal(rule_at(2)->name, "Z");
	assert_true(has_evt(rule_at(0), "execve"));
}

static void test_rule_enable_only(void **state)
{
	(void)state;
	load_base_plus("- rule: r\n  enabled: false\n");
	assert_false(rule_named("r")->enabled_in_file);
	assert_false(rule_named("r")->enabled);
	expect_warning("standalone 'enabled' key usage is deprecated");
	teardown(NULL);
	setup(NULL);
	load_base_plus("- rule: r\n  enabled: false\n  override:\n    enabled: replace\n");
	assert_false(rule_named("r")->enabled_in_file);
	expect_no_warning("deprecated");
	teardown(NULL);
	setup(NULL);
	const char *y[3] = { BASE, "- rule: r\n  enabled: false\n", "- rule: r\n  enabled: true\n" };
	assert_non_null(load_many(y, 3));
	assert_true(rule_named("r")->enabled);
	teardown(NULL);
	setup(NULL);
	load_err("- rule: nope\n  enabled: false\n", "no rule by that name already exists");
	/* a disabled rule is still compiled */
	load_err("- rule: r\n  desc: d\n  condition: proc.nmae = x\n  output: o\n  priority: INFO\n  enabled: false\n",
		 "nonexistent field proc.nmae");
}

static void test_rule_keys(void **state)
{
	(void)state;
	load_ok("- rule: r\n"
		"  desc: d\n"
		"  condition: evt.type = openat\n"
		"  output: '  padded %proc.name  '\n"
		"  priority: informational\n"
		"  tags: [x, x, a]\n"
		"  bogus: 1\n"
		"- rule: info\n  desc: d\n  condition: evt.type = openat\n  output: o\n  priority: Info\n"
		"- rule: crit\n  desc: d\n  condition: evt.type = openat\n  output: o\n  priority: CRITICAL\n"
		"- whatever: 1\n");
	const struct rule *r = rule_named("r");
	assert_string_equal(r->output, "padded %proc.name");
	assert_int_equal(r->priority, PRIO_INFORMATIONAL);
	assert_int_equal(r->ntags, 2);
	assert_string_equal(r->tags[0], "a");
	assert_string_equal(r->tags[1], "x");
	assert_string_equal(r->source, "syscall");
	assert_true(r->warn_evttypes);
	assert_false(r->skip_if_unknown);
	assert_int_equal(rule_named("info")->priority, PRIO_INFORMATIONAL);
	assert_int_equal(rule_named("crit")->priority, PRIO_CRITICAL);
	expect_warning("Unknown key 'bogus'");
	expect_warning("Unknown top level item");
	teardown(NULL);
	setup(NULL);
	load_err("- rule: r\n  desc: d\n  condition: evt.type = openat\n  output: o\n  priority: loud\n",
		 "Invalid priority 'loud'");
	load_err("- rule: r\n  desc: d\n  condition: evt.type = openat\n  priority: INFO\n", "output");
	load_err("- rule: r\n  desc: d\n  output: o\n  priority: INFO\n", "condition");
	load_err("- rule: r\n  condition: evt.type = openat\n  output: o\n  priority: INFO\n", "desc");
	load_err("- rule: r\n  desc: d\n  condition: evt.type = openat\n  output: o\n", "priority");
	load_err("rule: r\n", "not yaml array of objects");
}

static void test_load_warnings(void **state)
{
	(void)state;
	/* too many event types; never_true (empty set) and warn_evttypes: false do not warn */
	load_ok(RULE("wide", "proc.name = x"));
	expect_warning("Rule matches too many evt.type values");
	load_ok(RULE("never", "evt.num = 0 and proc.name = x")
		"- rule: quiet\n  desc: d\n  condition: proc.name = x\n  output: o\n  priority: INFO\n"
		"  warn_evttypes: false\n"
		RULE("narrow", "evt.type in (openat, execve) and proc.name = x"));
	expect_no_warning("too many evt.type values");
	assert_int_equal(evtset_count(&rule_named("never")->evts), 0);
	/* unused lists and macros */
	load_ok("- list: unused_list\n  items: [a]\n"
		"- list: used_list\n  items: [a]\n"
		"- macro: unused_macro\n  condition: evt.type = openat\n"
		"- macro: used_macro\n  condition: evt.type = openat\n"
		RULE("r", "used_macro and proc.name in (used_list)"));
	expect_warning("List 'unused_list' not referred to");
	expect_warning("Macro 'unused_macro' not referred to");
	expect_no_warning("'used_list'");
	expect_no_warning("'used_macro'");
}

/* ===== Sources, versions, skip-if-unknown-filter ===== */

static void test_unknown_source(void **state)
{
	(void)state;
	load_ok(RULE("sys", "evt.type = openat")
		"- rule: k8s\n  desc: d\n  condition: ka.verb = create\n  output: o\n  priority: INFO\n"
		"  source: k8s_audit\n"
		"- rule: k8s\n  condition: and ka.user.name = x\n  override:\n    condition: append\n"
		"- rule: k8s\n  enabled: false\n"
		"- rule: explicit\n  desc: d\n  condition: evt.type = openat\n  output: o\n  priority: INFO\n"
		"  source: syscall\n");
	assert_int_equal(rs->nrules, 2);
	assert_null(ruleset_find(rs, "k8s"));
	assert_non_null(ruleset_find(rs, "explicit"));
	expect_warning("Unknown source k8s_audit, skipping");

	/* redefining a rule with a different explicit source is an error */
	load_err(RULE("r", "evt.type = openat")
		 "- rule: r\n  desc: d\n  condition: ka.verb = get\n  output: o\n  priority: INFO\n"
		 "  source: k8s_audit\n",
		 "re-defined with a different source");
	load_err("- rule: r\n  desc: d\n  condition: ka.verb = get\n  output: o\n  priority: INFO\n"
		 "  source: k8s_audit\n" RULE("r", "evt.type = openat"),
		 "re-defined with a different source");
	load_ok(RULE("r", "evt.type = openat")
		"- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: o\n  priority: INFO\n"
		"  source: syscall\n");
	assert_true(has_evt(rule_named("r"), "execve"));
}

static void test_engine_version(void **state)
{
	(void)state;
	load_ok("- required_engine_version: 0.31.0\n- required_engine_version: 0.57.0\n"
		"- required_engine_version: 26\n" RULE("r", "evt.type = openat"));
	assert_string_equal(rs->required_engine_version, "0.57.0");
	teardown(NULL);
	setup(NULL);
	load_ok("- required_engine_version: 17\n" RULE("r", "evt.type = openat"));
	assert_string_equal(rs->required_engine_version, "0.17.0");
	teardown(NULL);
	setup(NULL);
	load_ok("- required_engine_version: " VIGIL_ENGINE_VERSION "\n" RULE("r", "evt.type = openat"));
	teardown(NULL);
	setup(NULL);
	load_ok(RULE("r", "evt.type = openat"));
	assert_null(rs->required_engine_version);

	const struct diag *d;
	d = load_err("- required_engine_version: 0.99.0\n", "Rules require engine version 0.99.0");
	expect_pos(d, "- required_engine_version: 0.99.0\n", "0.99.0", 0);
	load_err("- required_engine_version: 0.63.1\n", "Rules require engine version 0.63.1");
	load_err("- required_engine_version: 1.0.0\n", "Rules require engine version 1.0.0");
	load_err("- required_engine_version: 999\n", "Rules require engine version 0.999.0");
	load_err("- required_engine_version: abc\n", "Unable to parse engine version");
	load_err("- required_engine_version: 0.1\n", "Unable to parse engine version");
}

static void test_plugin_versions(void **state)
{
	(void)state;
	load_ok("- required_plugin_versions:\n"
		"    - name: container\n      version: 0.4.0\n"
		"    - name: k8saudit\n      version: 0.1.0\n"
		"      alternatives:\n        - name: k8saudit-eks\n          version: 0.1.0\n"
		RULE("r", "evt.type = openat"));
	expect_warning("Plugin 'k8saudit' is required");
	load_err("- required_plugin_versions:\n    - name: container\n      version: x.y\n", "not a valid semver");
}

static void test_skip_if_unknown_filter(void **state)
{
	(void)state;
	load_ok(RULE("keep", "evt.type = openat")
		"- rule: skip_cond\n  desc: d\n  condition: nosuch.field = x\n  output: o\n  priority: INFO\n"
		"  skip-if-unknown-filter: true\n"
		"- rule: skip_out\n  desc: d\n  condition: evt.type = openat\n  output: '%nosuch.field'\n"
		"  priority: INFO\n  skip-if-unknown-filter: true\n"
		"- rule: skip_evt\n  desc: d\n  condition: evt.type = nosuchevent\n  output: o\n  priority: INFO\n"
		"  skip-if-unknown-filter: true\n");
	assert_int_equal(rs->nrules, 1);
	assert_non_null(ruleset_find(rs, "keep"));
	expect_warning("skip-if-unknown-filter");
	/* other errors are still errors */
	load_err("- rule: r\n  desc: d\n  condition: proc.pid = abc\n  output: o\n  priority: INFO\n"
		 "  skip-if-unknown-filter: true\n",
		 "not a valid number");
	load_err("- rule: r\n  desc: d\n  condition: nosuch.field = x\n  output: o\n  priority: INFO\n",
		 "nonexistent field nosuch.field");
}

/* ===== Diagnostics ===== */

static void test_diag_positions(void **state)
{
	(void)state;
	/* inside a folded condition, after a list substitution on an earlier line */
	static const char y1[] = "- list: shells\n"
				 "  items: [bash, sh, \"my shell\"]\n"
				 "- rule: r1\n"
				 "  desc: d\n"
				 "  condition: >\n"
				 "    evt.type = openat and\n"
				 "    proc.name in (shells) and proc.pname in (shells) and\n"
				 "    proc.nmae = x\n"
				 "  output: o\n"
				 "  priority: WARNING\n";
	const struct diag *d = load_err(y1, "nonexistent field proc.nmae");
	assert_non_null(strstr(d->msg, "did you mean 'proc.name'"));
	assert_non_null(strstr(d->msg, "r1"));
	expect_pos(d, y1, "proc.nmae", 0);
	assert_int_equal(d->line, 8);
	assert_int_equal(d->col, 5);
	assert_non_null(d->src);
	assert_string_equal(d->src, "    proc.nmae = x");
	teardown(NULL);
	setup(NULL);

	/* on the same line as substitutions that lengthen the text */
	static const char y1b[] = "- list: shells\n"
				  "  items: [bash, sh, \"my shell\"]\n"
				  "- rule: r1b\n"
				  "  desc: d\n"
				  "  condition: >\n"
				  "    evt.type = openat and\n"
				  "      proc.name in (shells) and proc.pname in (shells) and proc.nmae = x\n"
				  "  output: o\n"
				  "  priority: WARNING\n";
	d = load_err(y1b, "nonexistent field proc.nmae");
	expect_pos(d, y1b, "proc.nmae", 0);
	assert_int_equal(d->line, 7);
	assert_int_equal(d->col, 60);
	teardown(NULL);
	setup(NULL);

	/* a bad value that came from a list is reported at the list's use */
	static const char y1c[] = "- list: pids\n"
				  "  items: [1, abc]\n"
				  "- rule: r1c\n"
				  "  desc: d\n"
				  "  condition: >\n"
				  "    evt.type = openat and\n"
				  "    proc.pid in (pids)\n"
				  "  output: o\n"
				  "  priority: WARNING\n";
	d = load_err(y1c, "'abc' is not a valid number");
	expect_pos(d, y1c, "pids)", 0);
	teardown(NULL);
	setup(NULL);

	/* a parse error inside a folded condition */
	static const char y2[] = "- list: shells\n"
				 "  items: [bash, sh]\n"
				 "- rule: r2\n"
				 "  desc: d\n"
				 "  condition: >-\n"
				 "    evt.type = openat and\n"
				 "    proc.name in (shells)\n"
				 "    or )\n"
				 "  output: o\n"
				 "  priority: WARNING\n";
	d = load_err(y2, "found ')'");
	expect_pos(d, y2, ")\n", 1);
	assert_int_equal(d->line, 8);
	assert_int_equal(d->col, 8);
	teardown(NULL);
	setup(NULL);

	/* a bad literal in a single-line condition */
	static const char y3[] = RULE("r3", "evt.type = openat and proc.pid = abc");
	d = load_err(y3, "'abc' is not a valid number");
	expect_pos(d, y3, "abc", 0);
	teardown(NULL);
	setup(NULL);

	/* a quoted YAML scalar: positions skip the quote and escapes */
	static const char y4[] = "- rule: r4\n  desc: d\n  condition: \"evt.type = openat and fd.nmae = \\\"x\\\"\"\n"
				 "  output: o\n  priority: INFO\n";
	d = load_err(y4, "nonexistent field fd.nmae");
	assert_non_null(strstr(d->msg, "did you mean 'fd.name'"));
	expect_pos(d, y4, "fd.nmae", 0);
	teardown(NULL);
	setup(NULL);

	/* an error inside a macro is reported in the macro's text */
	static const char y5[] = "- macro: m\n"
				 "  condition: >\n"
				 "    evt.type = openat and\n"
				 "    user.nmae = root\n"
				 RULE("r5", "m and proc.name = x");
	d = load_err(y5, "nonexistent field user.nmae");
	assert_non_null(strstr(d->msg, "did you mean 'user.name'"));
	expect_pos(d, y5, "user.nmae", 0);
	teardown(NULL);
	setup(NULL);

	/* an unknown field in an output points at the token */
	static const char y6[] = "- rule: r6\n  desc: d\n  condition: evt.type = openat\n"
				 "  output: file=%fd.name proc=%proc.nmae\n  priority: INFO\n";
	d = load_err(y6, "proc.nmae");
	expect_pos(d, y6, "proc.nmae", 0);
	teardown(NULL);
	setup(NULL);

	/* collector errors point at the offending node */
	static const char y7[] = "- rule: r7\n  desc: d\n  condition: evt.type = openat\n  output: o\n"
				 "  priority: LOUD\n";
	d = load_err(y7, "Invalid priority");
	expect_pos(d, y7, "LOUD", 0);
	teardown(NULL);
	setup(NULL);

	/* an appended condition keeps its own positions */
	static const char y8[] = RULE("r8", "evt.type = openat")
				 "- rule: r8\n"
				 "  condition: and proc.nmae = x\n"
				 "  override:\n"
				 "    condition: append\n";
	d = load_err(y8, "nonexistent field proc.nmae");
	expect_pos(d, y8, "proc.nmae", 0);
	teardown(NULL);
	setup(NULL);

	/* an exception's field is reported where the exception wrote it */
	static const char y9[] = RULE("r9", "evt.type = openat")
				 "  exceptions:\n"
				 "    - name: e\n"
				 "      fields: [proc.name, fd.nmae]\n"
				 "      values: [[a, b]]\n";
	d = load_err(y9, "fd.nmae");
	expect_pos(d, y9, "fd.nmae", 0);
}

static void test_diag_many_errors(void **state)
{
	(void)state;
	/* compile errors: every rule is checked */
	static const char y1[] = RULE("a", "proc.nmae = x")
				 RULE("b", "evt.type = openat")
				 RULE("c", "fd.nmae = y")
				 RULE("d", "proc.pid = q");
	assert_null(load(y1));
	assert_int_equal(dl.nerrors, 3);
	expect_pos(find_diag(DIAG_ERROR, "proc.nmae"), y1, "proc.nmae", 0);
	expect_pos(find_diag(DIAG_ERROR, "fd.nmae"), y1, "fd.nmae", 0);
	expect_pos(find_diag(DIAG_ERROR, "'q'"), y1, "q\n", 0);
	teardown(NULL);
	setup(NULL);
	/* collector errors: every item is checked */
	static const char y2[] = "- rule: a\n  desc: d\n  condition: evt.type = openat\n  output: o\n  priority: P1\n"
				 "- list: l\n"
				 "- rule: c\n  desc: d\n  condition: evt.type = openat\n  output: o\n  priority: P2\n";
	assert_null(load(y2));
	assert_int_equal(dl.nerrors, 3);
	expect_pos(find_diag(DIAG_ERROR, "'P1'"), y2, "P1", 0);
	expect_pos(find_diag(DIAG_ERROR, "'P2'"), y2, "P2", 0);
	assert_non_null(find_diag(DIAG_ERROR, "items"));
	teardown(NULL);
	setup(NULL);
	/* invalid YAML */
	assert_null(load("- rule: [unclosed\n"));
	assert_non_null(find_diag(DIAG_ERROR, "invalid YAML"));
}

static void test_nothing_loaded_on_error(void **state)
{
	(void)state;
	/* one bad rule among good ones: no ruleset at all */
	assert_null(load(RULE("good1", "evt.type = openat") RULE("bad", "proc.nmae = x")
			 RULE("good2", "evt.type = execve")));
	assert_int_equal(dl.nerrors, 1);
	teardown(NULL);
	setup(NULL);
	/* an error in a later file fails the whole load */
	const char *y[2] = { RULE("good", "evt.type = openat"), RULE("bad", "evt.type = nosuchevent") };
	assert_null(load_many(y, 2));
	assert_non_null(find_diag(DIAG_ERROR, "unknown event type nosuchevent"));
	teardown(NULL);
	setup(NULL);
	/* a missing file */
	const char *missing = "/tmp/vigil_test_loader_does_not_exist.yaml";
	rs = ruleset_load(&missing, 1, NULL, &dl);
	assert_null(rs);
	assert_true(dl.nerrors > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exc_list_form, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exc_list_elements, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exc_single_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exc_quoting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exc_no_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exc_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_substitution, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_in_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_override, setup, teardown),
		cmocka_unit_test_setup_teardown(test_macro_override, setup, teardown),
		cmocka_unit_test_setup_teardown(test_macro_visibility, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_append_and_replace_mixed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_override_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_legacy_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_redefinition_keeps_slot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_enable_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_warnings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plugin_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_skip_if_unknown_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diag_positions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diag_many_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nothing_loaded_on_error, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
