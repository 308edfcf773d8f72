/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ast.h - the syntax tree of a Falco condition, as the parser (parser.c)
 * builds it from text and the compiler (compile.c) consumes it. Nodes carry
 * the byte offsets of their source text so every later error can point at it.
 *
 * Ownership: every node and string lives in the arena passed to ast_parse();
 * trees are immutable once built, so macro trees can be shared by the rules
 * that reference them.
 */
#ifndef VIGIL_AST_H
#define VIGIL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/arena.h"

/* Comparison operators. `=` and `==` are both CMP_EQ. */
enum cmp_op {
	CMP_EQ,
	CMP_NE,
	CMP_LT,
	CMP_LE,
	CMP_GT,
	CMP_GE,
	CMP_CONTAINS,
	CMP_ICONTAINS,
	CMP_BCONTAINS,
	CMP_STARTSWITH,
	CMP_BSTARTSWITH,
	CMP_ENDSWITH,
	CMP_GLOB,
	CMP_IGLOB,
	CMP_REGEX,
	CMP_IN,
	CMP_INTERSECTS,
	CMP_PMATCH,
	CMP_EXISTS,
	CMP__COUNT,
};

/* List modifiers of string operators (Falco >= 0.44). */
enum cmp_mod {
	MOD_NONE,
	MOD_ONEOF,
	MOD_ANYOF,
	MOD_ALLOF,
};

/* Operator spelling ("=", "startswith"...), for messages and printing. */
const char *cmp_op_name(enum cmp_op op);
const char *cmp_mod_name(enum cmp_mod mod);

enum opd_kind {
	OPD_FIELD,	/* proc.aname[2], evt.arg.flags */
	OPD_TRANSFORMER,/* tolower(proc.name), join(",", fd.types) */
	OPD_VAL,	/* val(proc.pname): a field used as a right operand */
	OPD_STRING,	/* a bare or quoted literal (escapes already resolved) */
	OPD_NUMBER,	/* a numeric literal inside a transformer argument list */
	OPD_LIST,	/* ( a, b, "c d" ): the right side of in/intersects/pmatch/modifiers */
};

struct ast_operand {
	enum opd_kind kind;
	uint32_t pos;		/* byte offset of the operand's first character */
	uint32_t end;		/* byte offset just past it */
	union {
		struct {	/* OPD_FIELD, OPD_VAL */
			const char *name;	/* "proc.aname" as written */
			const char *arg;	/* bracket argument without brackets/quotes, or NULL */
			uint32_t arg_pos;
			const char *index;	/* OPD_VAL: the optional trailing [x] of val(f)[x], or NULL */
		} field;
		struct {	/* OPD_TRANSFORMER */
			const char *name;	/* "tolower" */
			struct ast_operand **args;
			uint32_t nargs;
			const char *index;	/* the optional trailing [x], or NULL (getopt) */
		} tr;
		struct {	/* OPD_STRING, OPD_NUMBER */
			const char *s;		/* resolved text, NUL-terminated */
			uint32_t len;		/* may contain \0 only if escapes produced it (rejected) */
			bool quoted;
		} str;
		struct {	/* OPD_LIST */
			struct ast_operand **items;	/* OPD_STRING items */
			uint32_t n;
			const char *ident;	/* `in listname` without parens: the bare word */
		} list;
	} u;
};

enum ast_kind {
	AST_AND,
	AST_OR,
	AST_NOT,
	AST_CHECK,	/* lhs op [rhs] */
	AST_MACRO,	/* a bare identifier: a macro reference */
};

struct ast {
	enum ast_kind kind;
	uint32_t pos, end;	/* source span [pos, end) */
	union {
		struct {	/* AST_AND, AST_OR: n >= 2 children, left to right */
			struct ast **kids;
			uint32_t n;
		} list;
		struct ast *kid;	/* AST_NOT */
		struct {	/* AST_CHECK */
			struct ast_operand *lhs;	/* OPD_FIELD or OPD_TRANSFORMER */
			enum cmp_op op;
			enum cmp_mod mod;
			uint32_t op_pos;
			struct ast_operand *rhs;	/* NULL for exists */
		} check;
		struct {	/* AST_MACRO */
			const char *name;
		} macro;
	} u;
};

struct parse_error {
	uint32_t pos;		/* byte offset in the condition text */
	char msg[256];
};

/* Maximum nesting depth accepted (Falco uses 1000 for rule conditions). */
#define AST_MAX_DEPTH 1000

/* Parse a whole condition. On success returns the tree (allocated in `a`);
 * on error returns NULL and fills *err with the offset and a message such as
 * "unexpected token after 'x', expecting 'or', 'and'". */
struct ast *ast_parse(struct arena *a, const char *text, size_t len, struct parse_error *err);

/* Parse an output-format token body starting at text: a field with optional
 * [arg], or a transformer expression. Returns the operand and sets *used to
 * the bytes consumed; NULL (no error) if text does not start with one. */
struct ast_operand *ast_parse_output_operand(struct arena *a, const char *text, size_t len, size_t *used);

/* Print a tree back as condition text (canonical spacing, parenthesised),
 * for `vigil rules explain` and tests. */
struct strbuf;
void ast_print(const struct ast *t, struct strbuf *out);
void ast_print_operand(const struct ast_operand *o, struct strbuf *out);

#endif /* VIGIL_AST_H */
