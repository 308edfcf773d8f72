/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loader_int.h - the rules collector shared by loader.c (YAML items ->
 * collector) and ruleset.c (collector -> compiled ruleset): texts that
 * remember where each byte came from, and the list/macro/rule/exception
 * infos. Not for use outside src/rules/.
 */
#ifndef VIGIL_LOADER_INT_H
#define VIGIL_LOADER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/arena.h"
#include "common/diag.h"
#include "common/hashmap.h"
#include "rules/ast.h"
#include "rules/compile.h"

/* Where a byte came from: file index, 1-based line and column. */
struct srcpos {
	int32_t file;		/* -1 = unknown */
	uint32_t line, col;
};

/* A string with the source position of each byte (map has len+1 entries). */
struct text {
	char *s;
	size_t len, cap;
	struct srcpos *map;
};

struct strlist {
	char **v;
	struct srcpos *pos;
	size_t n;
};

struct list_info {
	char *name;
	struct srcpos pos;
	struct strlist items;
	size_t index;		/* definition order */
	size_t visible;		/* lists with a lower index are expanded in items */
	bool used;
	char **expanded;	/* compiled items (list-in-list expanded, quoted) */
	size_t nexpanded;
};

struct macro_info {
	char *name;
	struct srcpos pos;
	struct text cond;
	size_t index;
	bool used;
	/* compile state */
	struct text subst;	/* after list substitution */
	struct ast *ast;
	struct cnode *compiled;
	int state;		/* 0 = not compiled, 1 = compiling, 2 = done, 3 = failed */
};

struct exc_elem {
	char *s;		/* scalar element */
	bool is_list;
	struct strlist list;	/* list element */
};

struct exc_tuple {
	struct exc_elem *elems;
	size_t n;
	bool scalar;		/* a bare scalar in values (single-field form) */
	struct srcpos pos;
};

struct exc_info {
	char *name;
	struct srcpos pos;
	bool has_fields, fields_list, has_comps;
	struct strlist fields, comps;
	struct exc_tuple *values;
	size_t nvalues;
};

struct rule_info {
	char *name;
	struct srcpos pos;
	struct text cond;
	const char *output;
	struct srcpos output_pos;
	const char *desc;
	int priority;
	struct strlist tags;
	bool enabled;
	struct exc_info *exc;
	size_t nexc;
	bool warn_evttypes, skip_if_unknown, capture;
	int64_t capture_duration;
	const char *action;	/* `action:` (vigil's extension), or NULL */
	struct srcpos action_pos;
	size_t slot;
};

struct loaded_file {
	char *path;
	char *text;
	size_t len;
};

struct loader {
	struct diag_list *dl;
	struct arena tmp;		/* collector strings */
	struct loaded_file *files;
	size_t nfiles;
	int cur_file;
	bool failed;
	const char *item_kind;		/* for messages: "rule" */
	char item_name[256];

	struct list_info **lists;
	size_t nlists;
	struct strmap list_by_name;
	struct macro_info **macros;
	size_t nmacros;
	struct strmap macro_by_name;
	struct rule_info **rules;
	size_t nrules;
	struct strmap rule_by_name;
	struct strmap skipped_rules;	/* rules of unknown sources */
	char req_engine[32];
	int req_ver[3];
};

void loader_init(struct loader *L, struct diag_list *dl);
void loader_fini(struct loader *L);
void loader_load_path(struct loader *L, const char *path);

void loader_text_init(struct text *t);
void loader_text_free(struct text *t);
void loader_text_add(struct text *t, const char *s, size_t n, struct srcpos pos);
void loader_text_adds(struct text *t, const char *s, struct srcpos pos);
void loader_text_add_text(struct text *t, const struct text *src, size_t from, size_t n);
void loader_text_copy(struct text *dst, const struct text *src);
struct srcpos loader_text_pos(const struct text *t, size_t off);
bool loader_error(struct loader *L, struct srcpos p, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void loader_warning(struct loader *L, struct srcpos p, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void loader_set_item(struct loader *L, const char *kind, const char *name);

/* act.c: the kernel form of an acting rule's condition `t` (source `src`),
 * allocated in `a`; false after an error reported at its position. */
struct rule_kform;
bool act_translate(struct loader *L, struct arena *a, const struct rule_info *ri, const struct ast *t,
		   const struct text *src, struct rule_kform **out);

#endif
