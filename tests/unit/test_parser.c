/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_parser.c - unit tests for the condition lexer/parser (src/rules/parser.c):
 * grammar and precedence, every operator and modifier, strings and escapes,
 * field arguments, lists, transformers and val(), numbers, exact error
 * offsets, the depth limit, bounded reads of non-NUL-terminated text, output
 * operands, print/parse round trips, and every condition of the upstream
 * Falco rules files (the *.yaml files in VIGIL_COMPAT_DIR/falco, skipped if
 * missing).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <yaml.h>

#include "common/arena.h"
#include "common/strbuf.h"
#include "rules/ast.h"

static struct arena A;

static int setup(void **state)
{
	arena_init(&A);
	return 0;
}

static int teardown(void **state)
{
	arena_fini(&A);
	return 0;
}

/* ===== Helpers ===== */

/* Parse from an exact-size heap copy (no NUL after it), so ASan catches any
 * read past len. */
static struct ast *parse_n(const char *s, size_t len, struct parse_error *err)
{
	char *copy = malloc(len ? len : 1);
	struct ast *t;

	assert_non_null(copy);
	memcpy(copy, s, len);
	t = ast_parse(&A, copy, len, err);
	free(copy);
	return t;
}

static struct ast *parse_ok(const char *s)
{
	struct parse_error err;
	struct ast *t = parse_n(s, strlen(s), &err);

	if (!t)
		fail_msg("parse of <%s> failed at %u: %s", s, err.pos, err.msg);
	return t;
}

/* Parse must fail at exactly `pos`, with `frag` (if any) in the message. */
static void expect_err(const char *s, uint32_t pos, const char *frag)
{
	struct parse_error err;
	struct ast *t = parse_n(s, strlen(s), &err);

	if (t)
		fail_msg("<%s> parsed but should fail", s);
	if (err.pos != pos)
		fail_msg("<%s>: error at %u, expected %u (%s)", s, err.pos, pos, err.msg);
	assert_true(err.msg[0] != 0);
	if (frag && !strstr(err.msg, frag))
		fail_msg("<%s>: message '%s' lacks '%s'", s, err.msg, frag);
}

static char *print_tree(const struct ast *t)
{
	struct strbuf sb;
	char *s;

	strbuf_init(&sb);
	ast_print(t, &sb);
	s = arena_strdup(&A, sb.buf);
	strbuf_fini(&sb);
	return s;
}

static char *print_opd(const struct ast_operand *o)
{
	struct strbuf sb;
	char *s;

	strbuf_init(&sb);
	ast_print_operand(o, &sb);
	s = arena_strdup(&A, sb.buf);
	strbuf_fini(&sb);
	return s;
}

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

static bool opd_eq(const struct ast_operand *a, const struct ast_operand *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case OPD_FIELD:
	case OPD_VAL:
		return str_eq(a->u.field.name, b->u.field.name) && str_eq(a->u.field.arg, b->u.field.arg) &&
		       str_eq(a->u.field.index, b->u.field.index);
	case OPD_TRANSFORMER:
		if (!str_eq(a->u.tr.name, b->u.tr.name) || a->u.tr.nargs != b->u.tr.nargs ||
		    !str_eq(a->u.tr.index, b->u.tr.index))
			return false;
		for (uint32_t k = 0; k < a->u.tr.nargs; k++)
			if (!opd_eq(a->u.tr.args[k], b->u.tr.args[k]))
				return false;
		return true;
	case OPD_STRING:
	case OPD_NUMBER:
		return a->u.str.len == b->u.str.len && !memcmp(a->u.str.s, b->u.str.s, a->u.str.len) &&
		       a->u.str.quoted == b->u.str.quoted;
	case OPD_LIST:
		if (a->u.list.n != b->u.list.n || !str_eq(a->u.list.ident, b->u.list.ident))
			return false;
		for (uint32_t k = 0; k < a->u.list.n; k++)
			if (!opd_eq(a->u.list.items[k], b->u.list.items[k]))
				return false;
		return true;
	}
	return false;
}

static bool ast_eq(const struct ast *a, const struct ast *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case AST_AND:
	case AST_OR:
		if (a->u.list.n != b->u.list.n)
			return false;
		for (uint32_t k = 0; k < a->u.list.n; k++)
			if (!ast_eq(a->u.list.kids[k], b->u.list.kids[k]))
				return false;
		return true;
	case AST_NOT:
		return ast_eq(a->u.kid, b->u.kid);
	case AST_CHECK:
		return a->u.check.op == b->u.check.op && a->u.check.mod == b->u.check.mod &&
		       opd_eq(a->u.check.lhs, b->u.check.lhs) && opd_eq(a->u.check.rhs, b->u.check.rhs);
	case AST_MACRO:
		return str_eq(a->u.macro.name, b->u.macro.name);
	}
	return false;
}

/* Parse `in`, print, compare with `want` (if given), then re-parse the
 * printed text: the tree must be equal and print the same again. */
static void roundtrip(const char *in, const char *want)
{
	struct ast *t = parse_ok(in), *t2;
	char *s = print_tree(t), *s2;

	if (want && strcmp(s, want))
		fail_msg("<%s> printed as <%s>, expected <%s>", in, s, want);
	t2 = parse_ok(s);
	if (!ast_eq(t, t2))
		fail_msg("<%s> -> <%s> re-parses to a different tree", in, s);
	s2 = print_tree(t2);
	if (strcmp(s, s2))
		fail_msg("<%s>: print not stable: <%s> vs <%s>", in, s, s2);
}

/* The single check of a condition. */
static struct ast *check_of(const char *s)
{
	struct ast *t = parse_ok(s);

	assert_int_equal(t->kind, AST_CHECK);
	return t;
}

/* ===== Grammar ===== */

static void test_precedence(void **state)
{
	struct ast *t;

	roundtrip("a or b and c", "(a or (b and c))");
	roundtrip("a and b or c and d", "((a and b) or (c and d))");
	roundtrip("not a and b", "(not (a) and b)");
	roundtrip("not a or not b and c", "(not (a) or (not (b) and c))");
	roundtrip("(a or b) and c", "((a or b) and c)");
	roundtrip("proc.name = bash and not (fd.name in (a, \"b c\"))",
		  "(proc.name = bash and not (fd.name in (a, \"b c\")))");

	/* n-ary, left to right */
	t = parse_ok("a or b or c or d");
	assert_int_equal(t->kind, AST_OR);
	assert_int_equal(t->u.list.n, 4);
	assert_string_equal(t->u.list.kids[0]->u.macro.name, "a");
	assert_string_equal(t->u.list.kids[3]->u.macro.name, "d");
	t = parse_ok("a and b and c or d and e");
	assert_int_equal(t->kind, AST_OR);
	assert_int_equal(t->u.list.n, 2);
	assert_int_equal(t->u.list.kids[0]->kind, AST_AND);
	assert_int_equal(t->u.list.kids[0]->u.list.n, 3);
	assert_int_equal(t->u.list.kids[1]->u.list.n, 2);

	/* explicit parentheses are not flattened */
	t = parse_ok("(a and b) and c");
	assert_int_equal(t->kind, AST_AND);
	assert_int_equal(t->u.list.n, 2);
	assert_int_equal(t->u.list.kids[0]->kind, AST_AND);
	roundtrip("(a and b) and c", "((a and b) and c)");
	t = parse_ok("a or (b or c)");
	assert_int_equal(t->u.list.n, 2);
	assert_int_equal(t->u.list.kids[1]->kind, AST_OR);

	/* redundant parentheses disappear */
	t = parse_ok("((( a )))");
	assert_int_equal(t->kind, AST_MACRO);
	roundtrip(" \t\r\n\ba\n", "a");
	roundtrip("(proc.name=bash)", "proc.name = bash");
}

static void test_keywords_without_blanks(void **state)
{
	struct ast *t;

	roundtrip("not(a)", "not (a)");
	roundtrip("a and(b)", "(a and b)");
	roundtrip("a or(b)", "(a or b)");
	roundtrip("(a)and(b)or(c)", "((a and b) or c)");
	roundtrip("not(a)or(not(b))", "(not (a) or not (b))");
	roundtrip("a and(b or c)", "(a and (b or c))");
	roundtrip("a\tand\nb\r\nor\bc", "((a and b) or c)");
	t = parse_ok("a and(b and c)");
	assert_int_equal(t->u.list.n, 2);
	assert_int_equal(t->u.list.kids[1]->kind, AST_AND);
	/* a blank is needed after and/or otherwise */
	expect_err("a and\"x\"", 5, "after 'and'");
	expect_err("a or)", 4, "after 'or'");
	expect_err("a and", 5, "end of input");
	expect_err("(a)and.b", 6, "after 'and'");
}

static void test_nested_not(void **state)
{
	struct ast *t;

	t = parse_ok("not not a");
	assert_int_equal(t->kind, AST_NOT);
	assert_int_equal(t->u.kid->kind, AST_NOT);
	assert_int_equal(t->u.kid->u.kid->kind, AST_MACRO);
	assert_int_equal(t->pos, 0);
	assert_int_equal(t->u.kid->pos, 4);
	assert_int_equal(t->end, 9);
	assert_int_equal(t->u.kid->end, 9);

	t = parse_ok("not not not(a)");
	assert_int_equal(t->u.kid->u.kid->kind, AST_NOT);
	assert_int_equal(t->u.kid->u.kid->u.kid->kind, AST_MACRO);
	assert_int_equal(t->u.kid->u.kid->pos, 8);

	t = parse_ok("not \t\n\r\b a");
	assert_int_equal(t->kind, AST_NOT);
	/* POSIX [:space:] after "not" also works (Falco's regex is not[[:space:]]+) */
	t = parse_ok("not\fa");
	assert_int_equal(t->kind, AST_NOT);
	roundtrip("not not a", "not (not (a))");
	roundtrip("not not (a and b)", "not (not (a and b))");
	roundtrip("a and not b and not not c", "(a and not (b) and not (not (c)))");
	roundtrip("not proc.name in (a) and not fd.name exists",
		  "(not (proc.name in (a)) and not (fd.name exists))");
	expect_err("not", 3, "after 'not'");
	expect_err("a and not", 9, "after 'not'");
	expect_err("not)", 3, "after 'not'");
	expect_err("not not", 7, "after 'not'");
}

static void test_identifiers_vs_keywords(void **state)
{
	struct ast *t;

	t = parse_ok("notx");
	assert_int_equal(t->kind, AST_MACRO);
	assert_string_equal(t->u.macro.name, "notx");
	assert_string_equal(parse_ok("andy")->u.macro.name, "andy");
	assert_string_equal(parse_ok("or_macro")->u.macro.name, "or_macro");
	assert_string_equal(parse_ok("nothing")->u.macro.name, "nothing");
	assert_string_equal(parse_ok("Not1")->u.macro.name, "Not1");
	assert_string_equal(parse_ok("not_")->u.macro.name, "not_");

	t = parse_ok("notify.x exists");
	assert_int_equal(t->kind, AST_CHECK);
	assert_string_equal(t->u.check.lhs->u.field.name, "notify.x");
	t = parse_ok("not.x exists and or.y = 1");
	assert_int_equal(t->kind, AST_AND);
	assert_string_equal(t->u.list.kids[0]->u.check.lhs->u.field.name, "not.x");
	assert_string_equal(t->u.list.kids[1]->u.check.lhs->u.field.name, "or.y");

	roundtrip("a and andy or or_macro and not notx", "((a and andy) or (or_macro and not (notx)))");
	roundtrip("nothing or notify", "(nothing or notify)");
	t = parse_ok("not notx");
	assert_int_equal(t->kind, AST_NOT);
	assert_string_equal(t->u.kid->u.macro.name, "notx");

	/* keywords are never identifiers */
	expect_err("and", 0, "keyword");
	expect_err("or", 0, "keyword");
	expect_err("a and and b", 6, "keyword");
	expect_err("a or or b", 5, "keyword");
	/* a word that only starts like a keyword is a trailing token */
	expect_err("a andy", 2, "expecting 'or', 'and'");
	expect_err("a orb", 2, "expecting 'or', 'and'");
	expect_err("a notx", 2, "expecting 'or', 'and'");
}

/* ===== Operators ===== */

static void test_operators(void **state)
{
	static const struct {
		const char *text;
		enum cmp_op op;
		enum opd_kind rhs;
		const char *printed;
	} cases[] = {
		{ "proc.name = bash", CMP_EQ, OPD_STRING, "proc.name = bash" },
		{ "proc.name == bash", CMP_EQ, OPD_STRING, "proc.name = bash" },
		{ "proc.name==bash", CMP_EQ, OPD_STRING, "proc.name = bash" },
		{ "proc.name != bash", CMP_NE, OPD_STRING, "proc.name != bash" },
		{ "proc.name!=bash", CMP_NE, OPD_STRING, "proc.name != bash" },
		{ "proc.pid < 5", CMP_LT, OPD_STRING, "proc.pid < 5" },
		{ "proc.pid<=5", CMP_LE, OPD_STRING, "proc.pid <= 5" },
		{ "proc.pid > 5", CMP_GT, OPD_STRING, "proc.pid > 5" },
		{ "proc.pid>=5", CMP_GE, OPD_STRING, "proc.pid >= 5" },
		{ "fd.name glob /etc/*", CMP_GLOB, OPD_STRING, "fd.name glob /etc/*" },
		{ "fd.name iglob '/ETC/*'", CMP_IGLOB, OPD_STRING, "fd.name iglob \"/ETC/*\"" },
		{ "proc.cmdline contains -c", CMP_CONTAINS, OPD_STRING, "proc.cmdline contains -c" },
		{ "proc.cmdline icontains\tBASH", CMP_ICONTAINS, OPD_STRING, "proc.cmdline icontains BASH" },
		{ "evt.buffer bcontains CAFEBABE", CMP_BCONTAINS, OPD_STRING, "evt.buffer bcontains CAFEBABE" },
		{ "fd.name startswith /etc", CMP_STARTSWITH, OPD_STRING, "fd.name startswith /etc" },
		{ "evt.buffer bstartswith 7F45", CMP_BSTARTSWITH, OPD_STRING, "evt.buffer bstartswith 7F45" },
		{ "fd.name endswith .conf", CMP_ENDSWITH, OPD_STRING, "fd.name endswith .conf" },
		{ "proc.name regex '[a-z]+sh'", CMP_REGEX, OPD_STRING, "proc.name regex \"[a-z]+sh\"" },
		{ "proc.name in (a, b)", CMP_IN, OPD_LIST, "proc.name in (a, b)" },
		{ "proc.name in(a,b)", CMP_IN, OPD_LIST, "proc.name in (a, b)" },
		{ "fd.types intersects (ipv4, ipv6)", CMP_INTERSECTS, OPD_LIST, "fd.types intersects (ipv4, ipv6)" },
		{ "fd.types intersects(ipv4)", CMP_INTERSECTS, OPD_LIST, "fd.types intersects (ipv4)" },
		{ "fd.name pmatch (/tmp, /var/run)", CMP_PMATCH, OPD_LIST, "fd.name pmatch (/tmp, /var/run)" },
		{ "fd.name pmatch(/tmp)", CMP_PMATCH, OPD_LIST, "fd.name pmatch (/tmp)" },
		{ "fd.name exists", CMP_EXISTS, 0, "fd.name exists" },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct ast *t = check_of(cases[k].text);
		assert_int_equal(t->u.check.op, cases[k].op);
		assert_int_equal(t->u.check.mod, MOD_NONE);
		if (cases[k].op == CMP_EXISTS) {
			assert_null(t->u.check.rhs);
		} else {
			assert_non_null(t->u.check.rhs);
			assert_int_equal(t->u.check.rhs->kind, cases[k].rhs);
		}
		roundtrip(cases[k].text, cases[k].printed);
	}

	/* exists takes no right side */
	expect_err("fd.name exists x", 15, "expecting 'or', 'and'");
	roundtrip("(fd.name exists)", "fd.name exists");
	/* word operators need a blank after them, list operators a blank or "(" */
	expect_err("proc.name contains\"x\"", 10, "valid check operator");
	expect_err("proc.name containsx", 10, "valid check operator");
	expect_err("fd.name inx", 8, "valid check operator");
	expect_err("fd.name existsx", 8, "valid check operator");
	expect_err("proc.name contains", 18, "end of input");
	expect_err("proc.name", 9, "valid check operator");
	expect_err("proc.name ~ x", 10, "found '~'");
	expect_err("proc.name = ", 12, "expected a string value");
	expect_err("proc.name =(x)", 11, "expected a string value");
}

static void test_modifiers(void **state)
{
	struct ast *t;
	const struct ast_operand *r;

	t = check_of("proc.name startswith oneof (a, b)");
	assert_int_equal(t->u.check.op, CMP_STARTSWITH);
	assert_int_equal(t->u.check.mod, MOD_ONEOF);
	r = t->u.check.rhs;
	assert_int_equal(r->kind, OPD_LIST);
	assert_int_equal(r->u.list.n, 2);
	assert_null(r->u.list.ident);
	roundtrip("proc.name startswith oneof (a, b)", "proc.name startswith oneof (a, b)");

	t = check_of("proc.name = anyof mylist");
	assert_int_equal(t->u.check.mod, MOD_ANYOF);
	assert_string_equal(t->u.check.rhs->u.list.ident, "mylist");
	assert_int_equal(t->u.check.rhs->u.list.n, 1);
	roundtrip("proc.name = anyof mylist", "proc.name = anyof mylist");

	t = check_of("fd.name != allof\t(\"/a b\")");
	assert_int_equal(t->u.check.op, CMP_NE);
	assert_int_equal(t->u.check.mod, MOD_ALLOF);
	roundtrip("fd.name glob oneof (/a/*, /b/*) and proc.name contains allof (x)",
		  "(fd.name glob oneof (/a/*, /b/*) and proc.name contains allof (x))");
	t = check_of("proc.name = oneof not_a_keyword");
	assert_int_equal(t->u.check.mod, MOD_ONEOF);
	assert_string_equal(t->u.check.rhs->u.list.ident, "not_a_keyword");
	t = check_of("proc.name = oneof ()");
	assert_int_equal(t->u.check.rhs->u.list.n, 0);

	/* otherwise the word is a plain string */
	t = check_of("proc.name = oneof");
	assert_int_equal(t->u.check.mod, MOD_NONE);
	assert_int_equal(t->u.check.rhs->kind, OPD_STRING);
	assert_string_equal(t->u.check.rhs->u.str.s, "oneof");
	t = parse_ok("proc.name = oneof and b");
	assert_int_equal(t->kind, AST_AND);
	assert_int_equal(t->u.list.kids[0]->u.check.mod, MOD_NONE);
	assert_string_equal(t->u.list.kids[0]->u.check.rhs->u.str.s, "oneof");
	t = parse_ok("proc.name = allof or not b");
	assert_int_equal(t->kind, AST_OR);
	assert_string_equal(t->u.list.kids[0]->u.check.rhs->u.str.s, "allof");
	t = parse_ok("(proc.name = anyof)");
	assert_string_equal(t->u.check.rhs->u.str.s, "anyof");
	t = check_of("proc.name = oneofx");
	assert_string_equal(t->u.check.rhs->u.str.s, "oneofx");
	roundtrip("(proc.name = oneof and proc.name = anyof or proc.name = allof)", NULL);

	/* a blank is required after the modifier; in/pmatch take no modifier */
	expect_err("proc.name = oneof(a)", 17, "expecting 'or', 'and'");
	expect_err("proc.name = oneof \"a\"", 18, "expecting 'or', 'and'");
	expect_err("proc.name in oneof (a)", 19, "expecting 'or', 'and'");
	expect_err("proc.name = oneof (a", 20, "expected ',' or ')'");
}

/* ===== Values ===== */

static void test_bare_strings(void **state)
{
	static const struct {
		const char *text, *value;
	} cases[] = {
		{ "fd.name=/etc/passwd", "/etc/passwd" },
		{ "proc.name=runc:[0:PARENT]", "runc:[0:PARENT]" },
		{ "evt.arg.flags contains O_WRONLY|O_CREAT", "O_WRONLY|O_CREAT" },
		{ "proc.cmdline contains --privileged", "--privileged" },
		{ "fd.name = C:\\dir\\x", "C:\\dir\\x" },
		{ "k8s.ns.name = kube-system", "kube-system" },
		{ "fd.sip = 10.0.0.1", "10.0.0.1" },
		{ "fd.net = 10.0.0.0/8", "10.0.0.0/8" },
		{ "proc.name = !x;<>{}*?", "!x;<>{}*?" },
		{ "proc.name = \xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9" },
		{ "proc.name = and", "and" },
		{ "proc.name = tolower", "tolower" },
		{ "proc.name = val", "val" },
		{ "proc.tty != 0", "0" },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct ast *t = check_of(cases[k].text);
		const struct ast_operand *r = t->u.check.rhs;
		assert_int_equal(r->kind, OPD_STRING);
		assert_false(r->u.str.quoted);
		assert_string_equal(r->u.str.s, cases[k].value);
		assert_int_equal(r->u.str.len, strlen(cases[k].value));
		roundtrip(cases[k].text, NULL);
	}
	/* bare strings stop at blanks, parentheses, quotes, '=' and ',' */
	roundtrip("(proc.name=bash)and(fd.name=x)", "(proc.name = bash and fd.name = x)");
	expect_err("proc.name = a=b", 13, "expecting 'or', 'and'");
	expect_err("proc.name = a,b", 13, "expecting 'or', 'and'");
	expect_err("proc.name = a'b'", 13, "expecting 'or', 'and'");
	expect_err("proc.name = a\vb", 13, "expecting 'or', 'and'");
}

static void test_field_args(void **state)
{
	struct ast *t;
	const struct ast_operand *l;

	t = check_of("proc.aname[2] = sshd");
	l = t->u.check.lhs;
	assert_int_equal(l->kind, OPD_FIELD);
	assert_string_equal(l->u.field.name, "proc.aname");
	assert_string_equal(l->u.field.arg, "2");
	assert_int_equal(l->u.field.arg_pos, 11);
	assert_int_equal(l->pos, 0);
	assert_int_equal(l->end, 13);

	t = check_of("proc.env[\"MY VAR\"] = x");
	assert_string_equal(t->u.check.lhs->u.field.arg, "MY VAR");
	assert_int_equal(t->u.check.lhs->u.field.arg_pos, 9);
	assert_int_equal(t->u.check.lhs->end, 18);
	roundtrip("proc.env[\"MY VAR\"] = x", "proc.env[\"MY VAR\"] = x");
	t = check_of("proc.env['HOME'] exists");
	assert_string_equal(t->u.check.lhs->u.field.arg, "HOME");

	t = check_of("container.mount.dest[/var/lib/*] exists");
	assert_string_equal(t->u.check.lhs->u.field.name, "container.mount.dest");
	assert_string_equal(t->u.check.lhs->u.field.arg, "/var/lib/*");
	roundtrip("container.mount.dest[/var/lib/*] exists", "container.mount.dest[/var/lib/*] exists");
	roundtrip("k8s.pod.label[app.kubernetes.io/name] = x", "k8s.pod.label[app.kubernetes.io/name] = x");
	roundtrip("evt.arg[0]=x and evt.arg.flags contains O_TRUNC", "(evt.arg[0] = x and evt.arg.flags contains O_TRUNC)");
	roundtrip("proc.env[\"a]b\"] = 1", "proc.env[\"a]b\"] = 1");
	roundtrip("proc.env[=,()] = 1", "proc.env[=,()] = 1");

	t = check_of("evt.type.is.open = 1");
	assert_string_equal(t->u.check.lhs->u.field.name, "evt.type.is.open");
	assert_null(t->u.check.lhs->u.field.arg);

	expect_err("proc.env[] = x", 9, "field argument");
	expect_err("proc.env[a b] = x", 10, "']'");
	expect_err("proc.env[a", 10, "end of input");
	expect_err("proc.env[[a]] = x", 9, "field argument");
	expect_err("proc.env[\"a] = x", 9, "unterminated");
	expect_err("proc.env [a] = x", 9, "valid check operator");
}

static void test_escapes(void **state)
{
	static const struct {
		const char *text;
		const char *value;
		size_t len;
	} cases[] = {
		{ "x.y = \"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t", 5 },
		{ "x.y = '\\b\\f\\n\\r\\t'", "\b\f\n\r\t", 5 },
		{ "x.y = \"a\\\\b\"", "a\\b", 3 },
		{ "x.y = \"a\\/b\"", "a/b", 3 },
		{ "x.y = \"\\x41\\x7a\\xFF\"", "Az\xff", 3 },
		{ "x.y = \"say \\\"hi\\\"\"", "say \"hi\"", 8 },
		{ "x.y = 'it\\'s'", "it's", 4 },
		{ "x.y = \"it's\"", "it's", 4 },
		{ "x.y = 'say \"hi\"'", "say \"hi\"", 8 },
		{ "x.y = \"a\\ b\"", "a\\b", 3 },	/* legacy: backslash-space is one backslash */
		{ "x.y = \"\"", "", 0 },
		{ "x.y = ''", "", 0 },
		{ "x.y = \"a\\\\\"", "a\\", 2 },	/* ends at the first unescaped quote */
		{ "x.y = \"(systemd)\"", "(systemd)", 9 },
		{ "x.y = \"a\nb\"", "a\nb", 3 },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct ast *t = check_of(cases[k].text);
		const struct ast_operand *r = t->u.check.rhs;
		assert_int_equal(r->kind, OPD_STRING);
		assert_true(r->u.str.quoted);
		assert_int_equal(r->u.str.len, cases[k].len);
		assert_memory_equal(r->u.str.s, cases[k].value, cases[k].len);
		assert_int_equal(r->u.str.s[r->u.str.len], 0);
		assert_int_equal(r->pos, 6);
		assert_int_equal(r->end, strlen(cases[k].text));
		roundtrip(cases[k].text, NULL);
	}
	roundtrip("x.y = \"a\\x01\\x7f\"", "x.y = \"a\\x01\\x7f\"");
	roundtrip("x.y = 'a\\\\ \"q\"'", "x.y = \"a\\\\ \\\"q\\\"\"");
}

static void test_invalid_escapes(void **state)
{
	expect_err("x.y = \"\\q\"", 7, "\\q");
	expect_err("x.y = \"ab\\a\"", 9, "\\a");
	expect_err("x.y = \"\\u0041\"", 7, "\\u");
	expect_err("x.y = \"\\0\"", 7, "\\0");
	expect_err("x.y = '\\\"'", 7, "'-quoted");
	expect_err("x.y = \"\\'\"", 7, "\"-quoted");
	expect_err("x.y = \"\\x4\"", 7, "hex digits");
	expect_err("x.y = \"\\xZZ\"", 7, "hex digits");
	expect_err("x.y = \"\\x\"", 7, "hex digits");
	expect_err("x.y = \"a\\x00\"", 8, "NUL");
	expect_err("x.y = \"a\\\tb\"", 8, "0x09");
	expect_err("x.y = \"abc", 6, "unterminated");
	expect_err("x.y = 'abc\\'", 6, "unterminated");
	expect_err("x.y = \"abc\\", 6, "unterminated");
	expect_err("x.y in (a, \"\\q\")", 12, "\\q");
	expect_err("x.y[\"\\q\"] exists", 5, "\\q");
	/* a raw NUL byte inside quotes is an error too */
	{
		static const char s[] = "x.y = \"a\0b\"";
		struct parse_error err;
		assert_null(parse_n(s, sizeof(s) - 1, &err));
		assert_int_equal(err.pos, 8);
	}
}

static void test_lists(void **state)
{
	struct ast *t;
	const struct ast_operand *r;

	t = check_of("proc.name in ()");
	r = t->u.check.rhs;
	assert_int_equal(r->kind, OPD_LIST);
	assert_int_equal(r->u.list.n, 0);
	assert_null(r->u.list.ident);
	assert_int_equal(r->pos, 13);
	assert_int_equal(r->end, 15);
	roundtrip("proc.name in ( \t )", "proc.name in ()");

	t = check_of("proc.name in shell_binaries");
	r = t->u.check.rhs;
	assert_int_equal(r->kind, OPD_LIST);
	assert_string_equal(r->u.list.ident, "shell_binaries");
	assert_int_equal(r->u.list.n, 1);
	assert_int_equal(r->u.list.items[0]->kind, OPD_STRING);
	assert_string_equal(r->u.list.items[0]->u.str.s, "shell_binaries");
	assert_int_equal(r->pos, 13);
	assert_int_equal(r->end, 27);
	roundtrip("proc.name in shell_binaries and x", "(proc.name in shell_binaries and x)");

	t = check_of("proc.name in ( bash , 'a b',\"c\",/d:[e] )");
	r = t->u.check.rhs;
	assert_int_equal(r->u.list.n, 4);
	assert_string_equal(r->u.list.items[0]->u.str.s, "bash");
	assert_false(r->u.list.items[0]->u.str.quoted);
	assert_string_equal(r->u.list.items[1]->u.str.s, "a b");
	assert_true(r->u.list.items[1]->u.str.quoted);
	assert_string_equal(r->u.list.items[3]->u.str.s, "/d:[e]");
	assert_int_equal(r->u.list.items[1]->pos, 22);
	roundtrip("proc.name in ( bash , 'a b',\"c\",/d:[e] )", "proc.name in (bash, \"a b\", \"c\", /d:[e])");
	/* list names are plain words inside parentheses */
	roundtrip("proc.name in (shell_binaries, sudo)", "proc.name in (shell_binaries, sudo)");
	/* a long list */
	{
		struct strbuf sb;
		strbuf_init(&sb);
		strbuf_adds(&sb, "fd.name in (");
		for (int k = 0; k < 500; k++)
			strbuf_addf(&sb, "%sitem%d", k ? ", " : "", k);
		strbuf_adds(&sb, ")");
		t = check_of(sb.buf);
		assert_int_equal(t->u.check.rhs->u.list.n, 500);
		assert_string_equal(t->u.check.rhs->u.list.items[499]->u.str.s, "item499");
		strbuf_fini(&sb);
	}

	expect_err("proc.name in (a,)", 16, "string value");
	expect_err("proc.name in (,a)", 14, "string value");
	expect_err("proc.name in (a b)", 16, "',' or ')'");
	expect_err("proc.name in (a", 15, "end of input");
	expect_err("proc.name in", 12, "expected a list");
	expect_err("proc.name in \"a\"", 13, "expected a list");
	expect_err("proc.name in and", 13, "expected a list");
	expect_err("proc.name in (tolower(x.y))", 21, "',' or ')'");
	expect_err("proc.name in a, b", 14, "expecting 'or', 'and'");
}

static void test_transformers(void **state)
{
	struct ast *t;
	const struct ast_operand *l;

	t = check_of("tolower(proc.name) = bash");
	l = t->u.check.lhs;
	assert_int_equal(l->kind, OPD_TRANSFORMER);
	assert_string_equal(l->u.tr.name, "tolower");
	assert_int_equal(l->u.tr.nargs, 1);
	assert_int_equal(l->u.tr.args[0]->kind, OPD_FIELD);
	assert_null(l->u.tr.index);
	assert_int_equal(l->pos, 0);
	assert_int_equal(l->end, 18);

	t = check_of("toupper( tolower( proc.name ) ) = BASH");
	l = t->u.check.lhs;
	assert_int_equal(l->u.tr.args[0]->kind, OPD_TRANSFORMER);
	assert_string_equal(l->u.tr.args[0]->u.tr.name, "tolower");
	roundtrip("toupper( tolower( proc.name ) ) = BASH", "toupper(tolower(proc.name)) = BASH");

	t = check_of("len(fd.types) > 2");
	assert_int_equal(t->u.check.op, CMP_GT);
	t = check_of("join(\",\", fd.types) = \"ipv4,ipv6\"");
	l = t->u.check.lhs;
	assert_int_equal(l->u.tr.nargs, 2);
	assert_int_equal(l->u.tr.args[0]->kind, OPD_STRING);
	assert_true(l->u.tr.args[0]->u.str.quoted);
	assert_int_equal(l->u.tr.args[1]->kind, OPD_FIELD);

	t = check_of("concat(proc.name, '-', 12, 0x1f, basename(proc.exepath)) = x");
	l = t->u.check.lhs;
	assert_int_equal(l->u.tr.nargs, 5);
	assert_int_equal(l->u.tr.args[2]->kind, OPD_NUMBER);
	assert_string_equal(l->u.tr.args[2]->u.str.s, "12");
	assert_int_equal(l->u.tr.args[3]->kind, OPD_NUMBER);
	assert_int_equal(l->u.tr.args[4]->kind, OPD_TRANSFORMER);
	roundtrip("concat(proc.name, '-', 12, 0x1f, basename(proc.exepath)) = x",
		  "concat(proc.name, \"-\", 12, 0x1f, basename(proc.exepath)) = x");

	t = check_of("getopt(proc.args, \"ab:c\")[b] = x");
	l = t->u.check.lhs;
	assert_string_equal(l->u.tr.name, "getopt");
	assert_string_equal(l->u.tr.index, "b");
	assert_int_equal(l->end, 28);
	roundtrip("getopt(proc.args, \"ab:c\")[b] = x", "getopt(proc.args, \"ab:c\")[b] = x");
	roundtrip("getopt(proc.args, 'a')['-x y'] exists", "getopt(proc.args, \"a\")[\"-x y\"] exists");

	t = check_of("concat((proc.name, \"a\"), ()) = x");
	l = t->u.check.lhs;
	assert_int_equal(l->u.tr.args[0]->kind, OPD_LIST);
	assert_int_equal(l->u.tr.args[0]->u.list.n, 2);
	assert_int_equal(l->u.tr.args[1]->u.list.n, 0);
	roundtrip("concat((proc.name, \"a\"), ()) = x", "concat((proc.name, \"a\"), ()) = x");

	roundtrip("b64(evt.arg.data) contains x and basename(fd.name) in (a, b)",
		  "(b64(evt.arg.data) contains x and basename(fd.name) in (a, b))");
	roundtrip("proc.name = tolower(proc.pname)", "proc.name = tolower(proc.pname)");
	roundtrip("fd.name in basename(fd.directory)", "fd.name in basename(fd.directory)");

	expect_err("tolower() = x", 8, "transformer argument");
	expect_err("tolower(proc.name = x", 18, "closing the transformer");
	expect_err("tolower (proc.name) = x", 8, "expecting 'or', 'and'");
	expect_err("tolower(bash) = x", 8, "transformer argument");
	expect_err("tolower(proc.name,) = x", 18, "transformer argument");
	expect_err("tolower(proc.name)[ = x", 19, "field argument");
	expect_err("unknown(proc.name) = x", 7, "expecting 'or', 'and'");
	expect_err("concat(val(proc.name)) = x", 7, "transformer argument");
}

static void test_val(void **state)
{
	struct ast *t;
	const struct ast_operand *r;

	t = check_of("proc.name = val(proc.pname)");
	r = t->u.check.rhs;
	assert_int_equal(r->kind, OPD_VAL);
	assert_string_equal(r->u.field.name, "proc.pname");
	assert_null(r->u.field.arg);
	assert_null(r->u.field.index);
	assert_int_equal(r->pos, 12);
	assert_int_equal(r->end, 27);
	roundtrip("proc.name = val(proc.pname)", "proc.name = val(proc.pname)");

	t = check_of("proc.aname[1] != val( proc.aname[2] )");
	r = t->u.check.rhs;
	assert_string_equal(r->u.field.arg, "2");
	assert_int_equal(r->u.field.arg_pos, 33);
	roundtrip("proc.aname[1] != val( proc.aname[2] )", "proc.aname[1] != val(proc.aname[2])");

	t = check_of("proc.name = val(proc.env)[HOME]");
	assert_string_equal(t->u.check.rhs->u.field.index, "HOME");
	roundtrip("proc.name = val(proc.env)[HOME]", "proc.name = val(proc.env)[HOME]");
	roundtrip("tolower(proc.name) = tolower(proc.pname)", NULL);
	roundtrip("proc.pid > val(proc.ppid)", "proc.pid > val(proc.ppid)");
	roundtrip("proc.name in val(proc.pname)", "proc.name in val(proc.pname)");
	roundtrip("proc.name startswith val(proc.pname)", NULL);

	expect_err("proc.name = val(x)", 16, "field within 'val('");
	expect_err("proc.name = val(proc.pname", 26, "')'");
	expect_err("val(proc.name) = x", 3, "expecting 'or', 'and'");
	expect_err("proc.name = val (proc.pname)", 16, "expecting 'or', 'and'");
}

static void test_numbers(void **state)
{
	static const char *const ok[] = {
		"proc.pid > 0x1F", "proc.pid > 0XaBc", "proc.pid >= -1", "proc.pid < 1.5", "proc.pid <= 1e+5",
		"proc.pid < +3", "proc.pid > 1.", "proc.pid > 2.5E-3", "proc.pid>0", "proc.pid >  007",
	};
	static const char *const values[] = {
		"0x1F", "0XaBc", "-1", "1.5", "1e+5", "+3", "1.", "2.5E-3", "0", "007",
	};

	for (size_t k = 0; k < sizeof(ok) / sizeof(ok[0]); k++) {
		struct ast *t = check_of(ok[k]);
		assert_int_equal(t->u.check.rhs->kind, OPD_STRING);
		assert_false(t->u.check.rhs->u.str.quoted);
		assert_string_equal(t->u.check.rhs->u.str.s, values[k]);
		roundtrip(ok[k], NULL);
	}
	roundtrip("len(proc.args) >= len(proc.env)", "len(proc.args) >= len(proc.env)");

	expect_err("proc.pid > abc", 11, "expected a number value");
	expect_err("proc.pid > \"1\"", 11, "expected a number value");
	expect_err("proc.pid < (1)", 11, "expected a number value");
	expect_err("proc.pid > 0x", 12, "expecting 'or', 'and'");
	expect_err("proc.pid > 0xg", 12, "expecting 'or', 'and'");
	expect_err("proc.pid > 1e5", 12, "expecting 'or', 'and'");
	expect_err("proc.pid > 10abc", 13, "expecting 'or', 'and'");
	expect_err("proc.pid > -", 11, "expected a number value");
	expect_err("proc.pid >", 10, "end of input");
}

/* ===== Errors, limits, robustness ===== */

static void test_error_offsets(void **state)
{
	struct parse_error err;

	expect_err("", 0, "empty");
	expect_err("  \t\n", 0, "empty");
	expect_err("proc.name = bash foo", 17, "unexpected token after 'bash', expecting 'or', 'and'");
	expect_err("a b", 2, "unexpected token after 'a', expecting 'or', 'and'");
	expect_err("a)", 1, "expecting 'or', 'and'");
	expect_err("(a", 2, "')'");
	expect_err("(a b)", 3, "expecting 'or', 'and' or ')'");
	expect_err("()", 1, "expected a '(' token, a field check, or an identifier");
	expect_err("a and (b or )", 12, "found ')'");
	expect_err("= x", 0, "found '='");
	expect_err("proc.name = x and", 17, "after 'and'");
	expect_err("proc.name = x and ", 18, "end of input");
	expect_err("proc.name in (a, b) c", 20, "after ')'");
	expect_err("proc.name 1", 10, "valid check operator");
	expect_err("1 = 1", 0, "found '1'");
	expect_err("proc. = x", 4, "after 'proc', expecting 'or', 'and' (found '.')");
	expect_err("\"x\" = y", 0, "found '\"'");
	expect_err("a and not (b or c", 17, "')'");
	expect_err("not(a", 5, "end of input");
	/* the parse error struct is reset on success too */
	assert_non_null(ast_parse(&A, "a", 1, &err));
	assert_int_equal(err.pos, 0);
	/* a NULL error pointer is fine */
	assert_null(ast_parse(&A, "a b", 3, NULL));
}

static char *repeat(const char *head, int n, const char *mid, const char *tail, int m)
{
	struct strbuf sb;
	char *s;

	strbuf_init(&sb);
	for (int k = 0; k < n; k++)
		strbuf_adds(&sb, head);
	strbuf_adds(&sb, mid);
	for (int k = 0; k < m; k++)
		strbuf_adds(&sb, tail);
	s = arena_strdup(&A, sb.buf);
	strbuf_fini(&sb);
	return s;
}

static void test_depth_limit(void **state)
{
	struct parse_error err;
	struct ast *t;
	char *s;

	/* each group is one level; the error points at the "(" too many */
	s = repeat("(", AST_MAX_DEPTH, "a", ")", AST_MAX_DEPTH);
	t = ast_parse(&A, s, strlen(s), &err);
	assert_non_null(t);
	assert_int_equal(t->kind, AST_MACRO);
	s = repeat("(", AST_MAX_DEPTH + 1, "a", ")", AST_MAX_DEPTH + 1);
	assert_null(ast_parse(&A, s, strlen(s), &err));
	assert_int_equal(err.pos, AST_MAX_DEPTH);
	assert_non_null(strstr(err.msg, "max depth"));

	/* far beyond the limit: an error, never a stack overflow */
	s = repeat("(", 200000, "a", ")", 200000);
	assert_null(ast_parse(&A, s, strlen(s), &err));
	assert_non_null(strstr(err.msg, "max depth"));
	s = repeat("(", 200000, "", "", 0);
	assert_null(ast_parse(&A, s, strlen(s), &err));
	s = repeat("not ", 200000, "a", "", 0);
	assert_null(ast_parse(&A, s, strlen(s), &err));
	assert_int_equal(err.pos, 4 * AST_MAX_DEPTH);
	s = repeat("not(", 200000, "a", ")", 200000);
	assert_null(ast_parse(&A, s, strlen(s), &err));
	s = repeat("a and (", 200000, "a", ")", 200000);
	assert_null(ast_parse(&A, s, strlen(s), &err));
	s = repeat("tolower(", 200000, "x.y", ")", 200000);
	assert_null(ast_parse(&A, s, strlen(s), &err));
	assert_non_null(strstr(err.msg, "max depth"));
	s = repeat("x.y = concat(", 1, repeat("(", 200000, "1", ")", 200000), ")", 1);
	assert_null(ast_parse(&A, s, strlen(s), &err));

	/* deep but legal: nested not, printed and re-parsed */
	s = repeat("not ", 500, "a", "", 0);
	t = parse_ok(s);
	for (int k = 0; k < 500; k++) {
		assert_int_equal(t->kind, AST_NOT);
		t = t->u.kid;
	}
	assert_int_equal(t->kind, AST_MACRO);
	/* long flat runs are not nesting */
	s = repeat("a and ", 50000, "a", "", 0);
	t = parse_ok(s);
	assert_int_equal(t->u.list.n, 50001);
}

static const char *const corpus[] = {
	"proc.name = bash and not (fd.name in (a, \"b c\"))",
	"not(a)or(not(b))and c",
	"proc.env[\"MY VAR\"] = 'x\\ty' and proc.aname[2] in (sshd, 'a\\'b')",
	"concat(proc.name, '-', 12, 0x1f, basename(proc.exepath))[x] = val(proc.env)[HOME]",
	"getopt(proc.args, \"ab:c\")[b] startswith oneof (a, \"b\") or fd.name pmatch (/tmp)",
	"proc.pid >= -1.5e+3 and proc.pid < 0xFF or fd.name exists",
	"container.mount.dest[/var/lib/*] exists and fd.name=/etc/passwd",
	"proc.name = oneof and x.y = anyof mylist",
	"x.y = \"\\x41\\\\\\/\"",
	"x.y = \"\\q\"",
	"(((a) and (b)) or not not c",
	"proc.name in ( a , b ",
	"tolower(proc.name",
};

static void test_not_nul_terminated(void **state)
{
	struct parse_error err;
	const char *good = "proc.name = bash";
	char buf[64];

	/* every prefix of every corpus entry, parsed from an exact-size heap
	 * copy: no read past len (ASan), errors stay within [0, len] */
	for (size_t k = 0; k < sizeof(corpus) / sizeof(corpus[0]); k++) {
		size_t n = strlen(corpus[k]);
		for (size_t m = 0; m <= n; m++) {
			struct ast *t = parse_n(corpus[k], m, &err);
			if (!t)
				assert_true(err.pos <= m);
			else
				assert_true(t->end <= m);
		}
	}
	/* text followed by garbage: only len bytes are looked at */
	memset(buf, 'x', sizeof(buf));
	memcpy(buf, good, strlen(good));
	{
		struct ast *t = ast_parse(&A, buf, strlen(good), &err);
		assert_non_null(t);
		assert_string_equal(t->u.check.rhs->u.str.s, "bash");
		assert_int_equal(t->end, strlen(good));
	}
	/* a NUL inside the length is not an end marker */
	{
		static const char s[] = "a\0 or b";
		assert_null(ast_parse(&A, s, sizeof(s) - 1, &err));
		assert_int_equal(err.pos, 1);
	}
	/* arbitrary bytes never crash */
	srand(1234);
	for (int k = 0; k < 20000; k++) {
		static const char alphabet[] = "ab.()[]'\"\\ ,=<>!xnotandor0x1_\t\nin";
		char s[24];
		size_t n = (size_t)rand() % sizeof(s);
		for (size_t j = 0; j < n; j++)
			s[j] = (rand() % 8) ? alphabet[rand() % (sizeof(alphabet) - 1)] : (char)(rand() & 0xff);
		struct ast *t = parse_n(s, n, &err);
		if (t) {
			/* whatever parses must round-trip */
			char *p = print_tree(t);
			struct ast *t2 = parse_ok(p);
			if (!ast_eq(t, t2))
				fail_msg("random input round trip failed: <%s>", p);
		} else {
			assert_true(err.pos <= n);
		}
	}
}

static void test_positions(void **state)
{
	const char *s = "proc.name = bash and not fd.name exists";
	struct ast *t = parse_ok(s), *c, *n;

	assert_int_equal(t->kind, AST_AND);
	assert_int_equal(t->pos, 0);
	assert_int_equal(t->end, strlen(s));
	c = t->u.list.kids[0];
	assert_int_equal(c->pos, 0);
	assert_int_equal(c->end, 16);
	assert_int_equal(c->u.check.op_pos, 10);
	assert_int_equal(c->u.check.lhs->pos, 0);
	assert_int_equal(c->u.check.lhs->end, 9);
	assert_int_equal(c->u.check.rhs->pos, 12);
	assert_int_equal(c->u.check.rhs->end, 16);
	n = t->u.list.kids[1];
	assert_int_equal(n->kind, AST_NOT);
	assert_int_equal(n->pos, 21);
	assert_int_equal(n->end, strlen(s));
	assert_int_equal(n->u.kid->pos, 25);
	assert_int_equal(n->u.kid->u.check.op_pos, 33);

	t = parse_ok("  (a or b) and c");
	assert_int_equal(t->pos, 2);
	assert_int_equal(t->end, 16);
	assert_int_equal(t->u.list.kids[0]->pos, 3);
	assert_int_equal(t->u.list.kids[0]->end, 9);
	t = parse_ok("x and  my_macro  ");
	assert_int_equal(t->u.list.kids[1]->pos, 7);
	assert_int_equal(t->u.list.kids[1]->end, 15);
	assert_int_equal(t->end, 15);
}

/* ===== Output operands ===== */

static void test_output_operand(void **state)
{
	static const struct {
		const char *text;
		size_t used;
		const char *printed;
	} cases[] = {
		{ "fd.name)", 7, "fd.name" },
		{ "proc.name,", 9, "proc.name" },
		{ "proc.name.", 9, "proc.name" },
		{ "proc.name.1", 9, "proc.name" },
		{ "proc.name", 9, "proc.name" },
		{ "evt.arg.flags rest", 13, "evt.arg.flags" },
		{ "proc.aname[2] x", 13, "proc.aname[2]" },
		{ "proc.env[\"A B\"]:", 15, "proc.env[\"A B\"]" },
		{ "evt.arg[0", 7, "evt.arg" },
		{ "evt.arg[] x", 7, "evt.arg" },
		{ "toupper(user.name) rest", 18, "toupper(user.name)" },
		{ "getopt(proc.args, \"a:\")[a])", 26, "getopt(proc.args, \"a:\")[a]" },
		{ "len(fd.types)%x", 13, "len(fd.types)" },
	};
	static const char *const none[] = {
		"", "proc", "123", " proc.name", "tolower(", "tolower(proc.name", "val(proc.name)", "%proc.name", ".x",
	};
	size_t used;

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		size_t n = strlen(cases[k].text);
		char *copy = malloc(n ? n : 1);
		memcpy(copy, cases[k].text, n);
		struct ast_operand *o = ast_parse_output_operand(&A, copy, n, &used);
		if (!o)
			fail_msg("no operand in <%s>", cases[k].text);
		assert_int_equal(used, cases[k].used);
		assert_int_equal(o->pos, 0);
		assert_int_equal(o->end, cases[k].used);
		assert_string_equal(print_opd(o), cases[k].printed);
		free(copy);
	}
	for (size_t k = 0; k < sizeof(none) / sizeof(none[0]); k++) {
		used = 99;
		assert_null(ast_parse_output_operand(&A, none[k], strlen(none[k]), &used));
		assert_int_equal(used, 0);
	}
	/* bounded by len */
	assert_non_null(ast_parse_output_operand(&A, "proc.name", 6, &used));
	assert_int_equal(used, 6);
	assert_null(ast_parse_output_operand(&A, "proc.name", 5, &used));
	assert_int_equal(used, 0);
}

/* ===== Printing ===== */

static void test_names(void **state)
{
	assert_string_equal(cmp_op_name(CMP_EQ), "=");
	assert_string_equal(cmp_op_name(CMP_NE), "!=");
	assert_string_equal(cmp_op_name(CMP_LE), "<=");
	assert_string_equal(cmp_op_name(CMP_BSTARTSWITH), "bstartswith");
	assert_string_equal(cmp_op_name(CMP_INTERSECTS), "intersects");
	assert_string_equal(cmp_op_name(CMP_EXISTS), "exists");
	for (int op = 0; op < CMP__COUNT; op++) {
		assert_non_null(cmp_op_name(op));
		assert_true(strlen(cmp_op_name(op)) > 0);
	}
	assert_string_equal(cmp_op_name(CMP__COUNT), "?");
	assert_string_equal(cmp_mod_name(MOD_NONE), "");
	assert_string_equal(cmp_mod_name(MOD_ONEOF), "oneof");
	assert_string_equal(cmp_mod_name(MOD_ANYOF), "anyof");
	assert_string_equal(cmp_mod_name(MOD_ALLOF), "allof");
}

static void test_roundtrip(void **state)
{
	static const char *const conds[] = {
		"a",
		"a and b",
		"a or b and not c or (d and (e or f))",
		"not (a or b) and not not c",
		"proc.name in (bash, 'sh', \"a b\", \"\") and fd.name startswith /etc",
		"evt.type in (open,openat,openat2) and evt.is_open_write=true and fd.typechar='f' and fd.num>=0",
		"proc.cmdline contains \"\\\"quoted\\\"\" or proc.cmdline contains 'tab\\there'",
		"fd.name = \"a,b\" or fd.name = \"a=b\" or fd.name = \"(x)\" or fd.name = \"a'b\"",
		"x.y = \"\\b\\f\\n\\r\\t\\\\\\/\\x01\"",
		"proc.name = \"oneof\" and proc.name = oneof",
		"proc.name = and or proc.name = or or proc.name = not",
		"proc.pname in (runc:[0:PARENT], runc:[1:CHILD]) and proc.name=runc:[2:INIT]",
		"k8s.pod.label[app.kubernetes.io/name] startswith allof (a, b) and proc.env[\"X Y\"] exists",
		"tolower(proc.name) = toupper(proc.pname) and len(fd.types) > 0x10",
		"proc.name = val(proc.aname[3]) and not proc.aname[1] in (a)",
		"fd.name in basename(fd.directory) or fd.name pmatch (/a/*/b, /c)",
		"((a and b) and (c and d)) or ((e))",
		"proc.name = \"\xc3\xa9\" and proc.name = \xc3\xa9",
		"proc.name in listname and proc.name = anyof listname",
		"proc.name=a\bb",
	};

	for (size_t k = 0; k < sizeof(conds) / sizeof(conds[0]); k++)
		roundtrip(conds[k], NULL);
	/* NULL-safe printing */
	assert_string_equal(print_tree(NULL), "");
	assert_string_equal(print_opd(NULL), "");
}

/* ===== Upstream rules ===== */

static const char *const upstream_files[] = {
	"falco_rules.yaml",
	"falco-incubating_rules.yaml",
	"falco-sandbox_rules.yaml",
};

static const char *scalar(yaml_document_t *doc, yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Parse every `condition:` of one file; returns the number parsed, -1 if
 * the file is missing; failures are counted in *bad. */
static int parse_rules_file(const char *path, int *bad)
{
	FILE *f = fopen(path, "rb");
	yaml_parser_t yp;
	yaml_document_t doc;
	yaml_node_t *root;
	int count = 0;

	if (!f)
		return -1;
	assert_true(yaml_parser_initialize(&yp));
	yaml_parser_set_input_file(&yp, f);
	assert_true(yaml_parser_load(&yp, &doc));
	root = yaml_document_get_root_node(&doc);
	assert_non_null(root);
	assert_int_equal(root->type, YAML_SEQUENCE_NODE);
	for (yaml_node_item_t *it = root->data.sequence.items.start; it < root->data.sequence.items.top; it++) {
		yaml_node_t *item = yaml_document_get_node(&doc, *it);
		const char *name = NULL, *cond = NULL;
		size_t cond_len = 0;

		if (!item || item->type != YAML_MAPPING_NODE)
			continue;
		for (yaml_node_pair_t *pr = item->data.mapping.pairs.start; pr < item->data.mapping.pairs.top;
		     pr++) {
			yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
			yaml_node_t *v = yaml_document_get_node(&doc, pr->value);
			const char *key = scalar(&doc, k);
			if (!key)
				continue;
			if (!strcmp(key, "rule") || !strcmp(key, "macro"))
				name = scalar(&doc, v);
			if (!strcmp(key, "condition") && v && v->type == YAML_SCALAR_NODE) {
				cond = (const char *)v->data.scalar.value;
				cond_len = v->data.scalar.length;
			}
		}
		if (!cond)
			continue;
		struct parse_error err;
		struct ast *t = parse_n(cond, cond_len, &err);
		count++;
		if (!t) {
			(*bad)++;
			print_error("%s: '%s': error at %u: %s\n", path, name ? name : "?", err.pos, err.msg);
			continue;
		}
		/* and the canonical print re-parses to the same tree */
		char *p = print_tree(t);
		struct ast *t2 = ast_parse(&A, p, strlen(p), &err);
		if (!t2 || !ast_eq(t, t2)) {
			(*bad)++;
			print_error("%s: '%s': round trip failed\n", path, name ? name : "?");
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&yp);
	fclose(f);
	return count;
}

static void test_upstream_rules(void **state)
{
	char path[4096];
	int total = 0, bad = 0, files = 0;

	for (size_t k = 0; k < sizeof(upstream_files) / sizeof(upstream_files[0]); k++) {
		snprintf(path, sizeof(path), "%s/falco/%s", VIGIL_COMPAT_DIR, upstream_files[k]);
		int n = parse_rules_file(path, &bad);
		if (n < 0)
			continue;
		files++;
		total += n;
	}
	if (!files)
		skip();
	print_message("parsed %d upstream conditions from %d files\n", total, files);
	assert_true(total > 400);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keywords_without_blanks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_not, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identifiers_vs_keywords, setup, teardown),
		cmocka_unit_test_setup_teardown(test_operators, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modifiers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bare_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_field_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transformers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_val, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_offsets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_depth_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_nul_terminated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_positions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_operand, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upstream_rules, setup, teardown),
	};

	return cmocka_run_group_tests_name("parser", tests, NULL, NULL);
}
