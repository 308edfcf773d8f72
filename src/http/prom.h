/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prom.h - the Prometheus text exposition format (version 0.0.4): a metric
 * family's HELP and TYPE lines, then its samples with escaped label values.
 * Every sample of a family must follow its header (the format requires the
 * family's lines to be contiguous).
 */
#ifndef VIGIL_PROM_H
#define VIGIL_PROM_H

#include <stdint.h>
#include "common/strbuf.h"

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* "# HELP name help" and "# TYPE name type" (counter, gauge, untyped...). */
void prom_family(struct strbuf *sb, const char *name, const char *type, const char *help);
/* One sample: name{k="v",...} value. The labels are NULL-terminated
 * key/value pairs; a NULL value skips its pair. */
void prom_u64(struct strbuf *sb, const char *name, uint64_t v, ...) __attribute__((sentinel));
void prom_f64(struct strbuf *sb, const char *name, double v, ...) __attribute__((sentinel));
/* The escapes: label values (backslash, double quote, newline) and HELP
 * text (backslash, newline). */
void prom_escape_label(struct strbuf *sb, const char *s);
void prom_escape_help(struct strbuf *sb, const char *s);
/* True for a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*). */
int prom_valid_name(const char *name);

#endif
