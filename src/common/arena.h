/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arena.h - a bump allocator: many small allocations, one free. A rules load
 * allocates its ASTs, strings and compiled filters from one arena, so a
 * reload builds a new arena and frees the old one whole.
 * Ownership: everything returned belongs to the arena; never free() it.
 */
#ifndef VIGIL_ARENA_H
#define VIGIL_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t used;	/* bytes handed out, for statistics */
};

void arena_init(struct arena *a);
void arena_fini(struct arena *a);
/* Zeroed, 16-byte aligned memory; aborts on out-of-memory. */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void *arena_memdup(struct arena *a, const void *p, size_t n);

#endif
