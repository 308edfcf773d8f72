/* SPDX-License-Identifier: Apache-2.0 */
/*
 * explain.c - a rule's condition with every macro expanded, for `vigil rules
 * explain`: the rule's text (lists substituted, exceptions added) is parsed
 * again, each macro reference is replaced by the macro's tree, recursively,
 * nested and/or groups of the same kind are flattened, and the tree is
 * printed with ast_print(), on one line or indented.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "rules/ast.h"
#include "rules/ruleset.h"

#define LINE_WIDTH 96	/* an and/or group longer than this is spread over lines */

static const struct ast *find_macro(const struct ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->nmacros; i++)
		if (!strcmp(rs->macro_names[i], name))
			return rs->macro_asts[i];
	return NULL;
}

/* Children of an and/or (kind) after expansion, flattened into v. */
struct kids {
	struct ast **v;
	uint32_t n, cap;
};

static struct ast *expand(struct arena *a, const struct ruleset *rs, const struct ast *t, int depth);

static void add_flat(struct arena *a, const struct ruleset *rs, enum ast_kind kind, const struct ast *t,
		     struct kids *k, int depth)
{
	struct ast *e = expand(a, rs, t, depth);
	if (e->kind == kind) {
		for (uint32_t i = 0; i < e->u.list.n; i++) {
			if (k->n == k->cap) {
				k->cap = k->cap ? k->cap * 2 : 8;
				k->v = xrealloc(k->v, sizeof(*k->v) * k->cap);
			}
			k->v[k->n++] = e->u.list.kids[i];
		}
		return;
	}
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 8;
		k->v = xrealloc(k->v, sizeof(*k->v) * k->cap);
	}
	k->v[k->n++] = e;
}

/* A copy of t with macros replaced (checks are shared, not copied). The
 * loader has already refused unknown and self-referencing macros. */
static struct ast *expand(struct arena *a, const struct ruleset *rs, const struct ast *t, int depth)
{
	struct ast *n = arena_alloc(a, sizeof(*n));
	*n = *t;
	if (depth > AST_MAX_DEPTH)
		return n;
	switch (t->kind) {
	case AST_AND:
	case AST_OR: {
		struct kids k = { 0 };
		for (uint32_t i = 0; i < t->u.list.n; i++)
			add_flat(a, rs, t->kind, t->u.list.kids[i], &k, depth + 1);
		n->u.list.kids = arena_alloc(a, sizeof(struct ast *) * k.n);
		memcpy(n->u.list.kids, k.v, sizeof(struct ast *) * k.n);
		n->u.list.n = k.n;
		free(k.v);
		break;
	}
	case AST_NOT:
		n->u.kid = expand(a, rs, t->u.kid, depth + 1);
		break;
	case AST_MACRO: {
		const struct ast *m = find_macro(rs, t->u.macro.name);
		if (m)
			return expand(a, rs, m, depth + 1);
		break;
	}
	case AST_CHECK:
		break;
	}
	return n;
}

static void print_indented(const struct ast *t, int level, struct strbuf *out)
{
	struct strbuf one;
	strbuf_init(&one);
	ast_print(t, &one);
	bool group = t->kind == AST_AND || t->kind == AST_OR;
	bool notgroup = t->kind == AST_NOT && (t->u.kid->kind == AST_AND || t->u.kid->kind == AST_OR);
	if ((!group && !notgroup) || one.len + (size_t)level * 2 <= LINE_WIDTH) {
		strbuf_add(out, one.buf, one.len);
		strbuf_fini(&one);
		return;
	}
	strbuf_fini(&one);
	if (notgroup) {
		strbuf_adds(out, "not ");
		print_indented(t->u.kid, level, out);
		return;
	}
	strbuf_addc(out, '(');
	for (uint32_t k = 0; k < t->u.list.n; k++) {
		if (k) {
			strbuf_addc(out, '\n');
			for (int i = 0; i < level + 1; i++)
				strbuf_adds(out, "  ");
			strbuf_adds(out, t->kind == AST_AND ? "and " : "or ");
		}
		print_indented(t->u.list.kids[k], level + 2, out);
	}
	strbuf_addc(out, ')');
}

int ruleset_explain(const struct ruleset *rs, const struct rule *r, bool indent, struct strbuf *out)
{
	struct arena a;
	arena_init(&a);
	struct parse_error pe;
	struct ast *t = ast_parse(&a, r->condition, strlen(r->condition), &pe);
	if (!t) {
		arena_fini(&a);
		return -EINVAL;	/* the loader parsed this very text: not reached */
	}
	struct ast *e = expand(&a, rs, t, 0);
	if (indent)
		print_indented(e, 0, out);
	else
		ast_print(e, out);
	arena_fini(&a);
	return 0;
}
