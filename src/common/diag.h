/* SPDX-License-Identifier: Apache-2.0 */
/*
 * diag.h - collected diagnostics for rules, policies and configuration:
 * each is `file:line:col: error|warning: message`, followed (when the source
 * line is known) by the line and a caret under the column, GCC style.
 * Loaders append and keep going; callers decide whether errors are fatal.
 * Ownership: the list owns copies of every string it is given.
 */
#ifndef VIGIL_DIAG_H
#define VIGIL_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum diag_severity { DIAG_ERROR, DIAG_WARNING };

struct diag {
	enum diag_severity sev;
	char *file;		/* NULL when not from a file */
	int line, col;		/* 1-based; 0 when unknown */
	char *msg;
	char *src;		/* the source line, or NULL */
	int span;		/* caret width (>= 1) */
};

struct diag_list {
	struct diag *v;
	size_t n, cap;
	size_t nerrors, nwarnings;
	size_t max;		/* stop recording after this many (0 = 100) */
	bool truncated;
};

void diag_list_init(struct diag_list *dl);
void diag_list_fini(struct diag_list *dl);

/* Record one diagnostic. `src` is the whole source line (may be NULL). */
void diag_add(struct diag_list *dl, enum diag_severity sev, const char *file, int line, int col,
	      const char *src, int span, const char *fmt, ...) __attribute__((format(printf, 8, 9)));

/* Print every diagnostic in order. */
void diag_print(const struct diag_list *dl, FILE *f);
/* Print one. */
void diag_print_one(const struct diag *d, FILE *f);

/* Copy of the line of `text` that contains byte offset `off` (NUL-terminated,
 * without the newline); caller frees. */
char *diag_line_at(const char *text, size_t len, size_t off);

/* The closest name to `word` among `n` candidates (Damerau-Levenshtein,
 * at most a third of the word's length away), or NULL. */
const char *diag_suggest(const char *word, const char *const *cands, size_t n);

#endif
