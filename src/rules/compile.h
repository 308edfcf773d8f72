/* SPDX-License-Identifier: Apache-2.0 */
/*
 * compile.h - turns a condition AST (macros already substituted) into a
 * compiled filter: fields resolved, literals parsed to the field's type,
 * constants precompiled (hash sets, regexes, globs, CIDRs, path-prefix
 * lists), evt.type checks turned into bitmaps. Evaluation (eval.c)
 * short-circuits and treats a missing field as false for every operator.
 * Also computes the set of event codes a filter can match (the rule index).
 *
 * Ownership: compiled nodes live in the arena given to the compiler;
 * compiled regexes are registered in the filter_ctx and freed by
 * filter_ctx_fini().
 */
#ifndef VIGIL_COMPILE_H
#define VIGIL_COMPILE_H

#include <stdbool.h>
#include <stdint.h>
#include "common/arena.h"
#include "common/hashmap.h"
#include "rules/ast.h"
#include "rules/fields.h"

/* A set of event codes, one bit per code, followed by one bit per syscall
 * code (VG_PT_SYSCALLID values) for the syscalls that only generic events
 * carry: "evt.type = init_module" wants GENERIC events whose syscall is
 * init_module, and live capture needs to know which syscall that is. */
#define EVTSET_SC_BASE VG_EV_MAX
#define EVTSET_BITS (VG_EV_MAX + EV_SYSCALL_NAMES_MAX)
struct evtset {
	uint64_t bits[(EVTSET_BITS + 63) / 64];
};

void evtset_all(struct evtset *s);
void evtset_clear(struct evtset *s);
bool evtset_has(const struct evtset *s, uint32_t code);
/* Does the set want generic events of syscall code sc? */
bool evtset_has_sc(const struct evtset *s, uint32_t sc);
/* a |= b */
void evtset_or(struct evtset *a, const struct evtset *b);
void evtset_del(struct evtset *s, uint32_t code);
/* Number of event codes in the set (syscall bits not counted). */
size_t evtset_count(const struct evtset *s);

enum tr_kind { TR_TOLOWER, TR_TOUPPER, TR_B64, TR_BASENAME, TR_LEN, TR_JOIN, TR_CONCAT, TR_GETOPT };

/* A compiled operand: a field, a transformer over operands, or a constant. */
struct cop {
	enum { COP_FIELD, COP_TRANSFORMER, COP_CONST } kind;
	uint8_t type;			/* VG_PT_* of the value it yields */
	struct field_ref ref;		/* COP_FIELD */
	enum tr_kind tr;		/* COP_TRANSFORMER */
	struct cop **args;
	uint32_t nargs;
	const char *index;		/* getopt()[x] */
	struct fval cval;		/* COP_CONST */
	const char *text;		/* source text, e.g. "proc.aname[2]" (JSON key) */
};

/* Evaluate an operand; false when a field it needs is missing. */
bool cop_eval(struct fctx *c, const struct cop *op, struct fval *out);

struct pmatch_list;

struct ccheck {
	struct cop lhs;
	enum cmp_op op;
	enum cmp_mod mod;
	bool ancestor_any;		/* ancestor field without index: any ancestor */
	bool special;			/* fd.ip/net/port/proto: client or server */
	bool negate_special;		/* != on a special field: both sides differ */
	/* right-hand side */
	struct cop *rhs;		/* val() / transformer: evaluated per event */
	struct fval cval;		/* single constant */
	struct fval *vals;		/* list constants */
	uint32_t nvals;
	struct strset set;		/* in / intersects on strings */
	void *re;			/* pcre2_code * */
	void *re_md;			/* pcre2_match_data * */
	void **re_list;			/* regex with a modifier: one pcre2_code * per value */
	void **re_md_list;		/* and its match data */
	struct pmatch_list *pm;		/* pmatch */
	/* evt.type fast path */
	bool is_evttype;
	struct evtset evt_bits;		/* codes whose name matches */
	struct strset evt_names;	/* names, for generic events */
};

enum cnode_kind { CN_AND, CN_OR, CN_NOT, CN_CHECK, CN_TRUE, CN_FALSE };

struct cnode {
	enum cnode_kind kind;
	uint32_t n;
	struct cnode **kids;		/* AND, OR; NOT uses kids[0] */
	struct ccheck *chk;
	uint32_t pos;			/* source offset, for messages */
	/* Macro bodies are compiled once and shared by every rule that uses
	 * them; their result is remembered for the event being evaluated, so
	 * a macro used by ten rules is evaluated once per event. */
	bool memo;
	bool memo_val;
	uint64_t memo_seq;
};

/* Per-ruleset compile context: owns resources that need explicit release. */
struct compile_error;

/* Resolves a macro reference while compiling: returns the macro's compiled
 * filter, or NULL with *err set (and err->origin naming where the error is). */
typedef struct cnode *(*macro_resolver)(void *ud, const char *name, uint32_t pos, struct compile_error *err);

struct filter_ctx {
	struct arena *arena;
	macro_resolver macro;		/* NULL: macro references are errors */
	void *macro_ud;
	void **res;			/* compiled regexes etc. */
	size_t nres, capres;
	struct ccheck **checks;		/* for freeing string sets */
	size_t nchecks, capchecks;
};

void filter_ctx_init(struct filter_ctx *fc, struct arena *a);
void filter_ctx_fini(struct filter_ctx *fc);

struct compile_error {
	uint32_t pos;			/* offset in the condition text */
	const void *origin;		/* NULL: in the text being compiled; else set by the macro resolver */
	char msg[300];
};

/* Compile `t`. Macro references must already be resolved (the loader
 * substitutes them); an AST_MACRO left in the tree is an error. Returns NULL
 * with *err set on failure. */
struct cnode *filter_compile(struct filter_ctx *fc, const struct ast *t, struct compile_error *err);

/* Compile an operand (for outputs): a field or transformer expression. */
struct cop *operand_compile(struct filter_ctx *fc, const struct ast_operand *o, struct compile_error *err);

/* Evaluate a compiled filter against c->ev. */
bool filter_eval(struct fctx *c, const struct cnode *n);

/* Event codes the filter can match (spec: and = intersection, or = union,
 * negation pushed down; only evt.type checks restrict). */
void filter_evttypes(const struct cnode *n, struct evtset *out);
/* False when the condition provably cannot match an event of code `type`
 * (contradicting field literals on every path); true when it may. */
bool filter_can_match_type(const struct cnode *n, uint32_t type);

/* Event codes whose name is `name` (all versions, enter and exit); for a
 * syscall without a dedicated event, the generic event codes. Returns false
 * if the name is neither an event nor a syscall. */
bool evttype_codes(const char *name, struct evtset *out);

#endif /* VIGIL_COMPILE_H */
