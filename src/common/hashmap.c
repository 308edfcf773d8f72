/* SPDX-License-Identifier: Apache-2.0 */
/* hashmap.c - u64 -> pointer map and byte-string set, open addressing. */
#include <stdlib.h>
#include <string.h>
#include "common/hashmap.h"
#include "common/xalloc.h"

static inline size_t mix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k;
}

void u64map_init(struct u64map *m)
{
	memset(m, 0, sizeof(*m));
}

void u64map_fini(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	u64map_init(m);
}

void u64map_clear(struct u64map *m)
{
	if (m->cap)
		memset(m->vals, 0, m->cap * sizeof(*m->vals));
	m->len = 0;
}

void *u64map_get(const struct u64map *m, uint64_t key)
{
	if (!m->len)
		return NULL;
	size_t mask = m->cap - 1;
	for (size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
		if (!m->vals[i])
			return NULL;
		if (m->keys[i] == key)
			return m->vals[i];
	}
}

static void u64map_resize(struct u64map *m, size_t cap)
{
	struct u64map n = { xmalloc(cap * sizeof(uint64_t)), xcalloc(cap, sizeof(void *)), cap, 0 };
	for (size_t i = 0; i < m->cap; i++)
		if (m->vals[i])
			u64map_put(&n, m->keys[i], m->vals[i]);
	free(m->keys);
	free(m->vals);
	*m = n;
}

void *u64map_put(struct u64map *m, uint64_t key, void *val)
{
	if ((m->len + 1) * 4 >= m->cap * 3)
		u64map_resize(m, m->cap ? m->cap * 2 : 16);
	size_t mask = m->cap - 1;
	for (size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
		if (!m->vals[i]) {
			m->keys[i] = key;
			m->vals[i] = val;
			m->len++;
			return NULL;
		}
		if (m->keys[i] == key) {
			void *old = m->vals[i];
			m->vals[i] = val;
			return old;
		}
	}
}

void *u64map_del(struct u64map *m, uint64_t key)
{
	if (!m->len)
		return NULL;
	size_t mask = m->cap - 1, i = mix64(key) & mask;
	for (;; i = (i + 1) & mask) {
		if (!m->vals[i])
			return NULL;
		if (m->keys[i] == key)
			break;
	}
	void *old = m->vals[i];
	/* backward-shift deletion */
	size_t j = i;
	for (;;) {
		m->vals[i] = NULL;
		for (;;) {
			j = (j + 1) & mask;
			if (!m->vals[j]) {
				m->len--;
				return old;
			}
			size_t home = mix64(m->keys[j]) & mask;
			/* can the entry at j move to i? yes unless home lies in (i, j] */
			if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
				break;
		}
		m->keys[i] = m->keys[j];
		m->vals[i] = m->vals[j];
		i = j;
	}
}

uint32_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 16777619u;
	}
	return h;
}

void strset_init(struct strset *s)
{
	memset(s, 0, sizeof(*s));
}

void strset_fini(struct strset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->ents[i].s);
	free(s->ents);
	strset_init(s);
}

static void strset_insert(struct strset *s, char *p, uint32_t len, uint32_t h)
{
	size_t mask = s->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		if (!s->ents[i].s) {
			s->ents[i] = (struct strset_ent){ p, len, h };
			s->len++;
			return;
		}
	}
}

int strset_has(const struct strset *s, const void *p, size_t n)
{
	if (!s->len)
		return 0;
	uint32_t h = hash_bytes(p, n);
	size_t mask = s->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		const struct strset_ent *e = &s->ents[i];
		if (!e->s)
			return 0;
		if (e->hash == h && e->len == n && memcmp(e->s, p, n) == 0)
			return 1;
	}
}

int strset_add(struct strset *s, const void *p, size_t n)
{
	if (strset_has(s, p, n))
		return 0;
	if ((s->len + 1) * 2 >= s->cap) {
		struct strset old = *s;
		s->cap = s->cap ? s->cap * 2 : 8;
		s->ents = xcalloc(s->cap, sizeof(*s->ents));
		s->len = 0;
		for (size_t i = 0; i < old.cap; i++)
			if (old.ents[i].s)
				strset_insert(s, old.ents[i].s, old.ents[i].len, old.ents[i].hash);
		free(old.ents);
	}
	char *c = xmalloc(n + 1);
	memcpy(c, p, n);
	c[n] = 0;
	strset_insert(s, c, (uint32_t)n, hash_bytes(p, n));
	return 1;
}

void strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void strmap_fini(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->ents[i].key);
	free(m->ents);
	strmap_init(m);
}

static struct strmap_ent *strmap_slot(const struct strmap *m, const char *key, uint32_t h)
{
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct strmap_ent *e = &m->ents[i];
		if (!e->key || (e->hash == h && !strcmp(e->key, key)))
			return e;
	}
}

void *strmap_get(const struct strmap *m, const char *key)
{
	if (!m->len)
		return NULL;
	struct strmap_ent *e = strmap_slot(m, key, hash_bytes(key, strlen(key)));
	return e->key ? e->val : NULL;
}

void *strmap_put(struct strmap *m, const char *key, void *val)
{
	if ((m->len + 1) * 2 >= m->cap) {
		struct strmap old = *m;
		m->cap = m->cap ? m->cap * 2 : 16;
		m->ents = xcalloc(m->cap, sizeof(*m->ents));
		m->len = 0;
		for (size_t i = 0; i < old.cap; i++) {
			if (old.ents[i].key) {
				*strmap_slot(m, old.ents[i].key, old.ents[i].hash) = old.ents[i];
				m->len++;
			}
		}
		free(old.ents);
	}
	uint32_t h = hash_bytes(key, strlen(key));
	struct strmap_ent *e = strmap_slot(m, key, h);
	if (e->key) {
		void *prev = e->val;
		e->val = val;
		return prev;
	}
	e->key = xstrdup(key);
	e->val = val;
	e->hash = h;
	m->len++;
	return NULL;
}
