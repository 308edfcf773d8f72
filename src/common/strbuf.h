/* SPDX-License-Identifier: Apache-2.0 */
/*
 * strbuf.h - a growable byte buffer that is always NUL-terminated, used to
 * build alert lines, rendered field values and rewritten condition text.
 * Ownership: the strbuf owns `buf`; strbuf_fini() frees it. strbuf_detach()
 * hands it to the caller (free()).
 */
#ifndef VIGIL_STRBUF_H
#define VIGIL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;	/* NUL-terminated, never NULL after init */
	size_t len;	/* bytes used, excluding the NUL */
	size_t cap;	/* bytes allocated */
};

void strbuf_init(struct strbuf *sb);
void strbuf_fini(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
/* Make room for `extra` more bytes; aborts on out-of-memory (like xmalloc). */
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *p, size_t n);
void strbuf_addc(struct strbuf *sb, char c);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
char *strbuf_detach(struct strbuf *sb);
void strbuf_truncate(struct strbuf *sb, size_t len);

#endif
