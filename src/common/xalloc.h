/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xalloc.h - allocation wrappers that abort on out-of-memory. vigil treats
 * OOM as fatal (as redis does): every allocation site would otherwise need an
 * error path that can never be tested honestly.
 */
#ifndef VIGIL_XALLOC_H
#define VIGIL_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void *xmemdup(const void *p, size_t n);

#endif
