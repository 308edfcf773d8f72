/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hashmap.h - two small open-addressing hash tables used on the hot path:
 * u64map maps a 64-bit key (tid, fd, uid) to a pointer; strset is a set of
 * byte strings (the constants of an `in (...)` list). Linear probing with
 * backward-shift deletion, so there are no tombstones.
 * Ownership: u64map stores borrowed pointers; strset copies its strings.
 */
#ifndef VIGIL_HASHMAP_H
#define VIGIL_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

struct u64map {
	uint64_t *keys;
	void **vals;	/* NULL = empty slot; stored values are never NULL */
	size_t cap;	/* power of two, or 0 */
	size_t len;
};

void u64map_init(struct u64map *m);
void u64map_fini(struct u64map *m);
void *u64map_get(const struct u64map *m, uint64_t key);
/* Insert or replace; `val` must not be NULL. Returns the replaced value or NULL. */
void *u64map_put(struct u64map *m, uint64_t key, void *val);
/* Remove `key`; returns its value or NULL. */
void *u64map_del(struct u64map *m, uint64_t key);
void u64map_clear(struct u64map *m);

/* Iterate: for (size_t i = 0; i < m->cap; i++) if (m->vals[i]) ... */

struct strset_ent {
	char *s;
	uint32_t len;
	uint32_t hash;
};

struct strset {
	struct strset_ent *ents;	/* s == NULL: empty */
	size_t cap;
	size_t len;
};

void strset_init(struct strset *s);
void strset_fini(struct strset *s);
/* Adds a copy of (p, n); returns 1 if added, 0 if already present. */
int strset_add(struct strset *s, const void *p, size_t n);
int strset_has(const struct strset *s, const void *p, size_t n);

/* strmap: string -> pointer, keys copied. */
struct strmap_ent {
	char *key;
	void *val;
	uint32_t hash;
};

struct strmap {
	struct strmap_ent *ents;	/* key == NULL: empty */
	size_t cap;
	size_t len;
};

void strmap_init(struct strmap *m);
void strmap_fini(struct strmap *m);
void *strmap_get(const struct strmap *m, const char *key);
/* Insert or replace; returns the previous value or NULL. */
void *strmap_put(struct strmap *m, const char *key, void *val);

uint32_t hash_bytes(const void *p, size_t n);

#endif
