/* SPDX-License-Identifier: Apache-2.0 */
/* prom.c - writes metric families and samples in Prometheus' text format. */
#include <math.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "http/prom.h"

int prom_valid_name(const char *n)
{
	if (!n || !*n || !(((*n | 32) >= 'a' && (*n | 32) <= 'z') || *n == '_' || *n == ':'))
		return 0;
	for (const char *p = n + 1; *p; p++)
		if (!(((*p | 32) >= 'a' && (*p | 32) <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == ':'))
			return 0;
	return 1;
}

void prom_escape_help(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			strbuf_adds(sb, "\\\\");
		else if (*s == '\n')
			strbuf_adds(sb, "\\n");
		else
			strbuf_addc(sb, *s);
	}
}

void prom_escape_label(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '"')
			strbuf_adds(sb, "\\\"");
		else if (*s == '\\')
			strbuf_adds(sb, "\\\\");
		else if (*s == '\n')
			strbuf_adds(sb, "\\n");
		else
			strbuf_addc(sb, *s);
	}
}

void prom_family(struct strbuf *sb, const char *name, const char *type, const char *help)
{
	strbuf_addf(sb, "# HELP %s ", name);
	prom_escape_help(sb, help);
	strbuf_addf(sb, "\n# TYPE %s %s\n", name, type);
}

static void labels(struct strbuf *sb, const char *name, va_list ap)
{
	strbuf_adds(sb, name);
	bool any = false;
	for (const char *k; (k = va_arg(ap, const char *));) {
		const char *v = va_arg(ap, const char *);
		if (!v)
			continue;
		strbuf_addc(sb, any ? ',' : '{');
		strbuf_addf(sb, "%s=\"", k);
		prom_escape_label(sb, v);
		strbuf_addc(sb, '"');
		any = true;
	}
	if (any)
		strbuf_addc(sb, '}');
	strbuf_addc(sb, ' ');
}

void prom_u64(struct strbuf *sb, const char *name, uint64_t v, ...)
{
	va_list ap;
	va_start(ap, v);
	labels(sb, name, ap);
	va_end(ap);
	strbuf_addf(sb, "%llu\n", (unsigned long long)v);
}

void prom_f64(struct strbuf *sb, const char *name, double v, ...)
{
	va_list ap;
	va_start(ap, v);
	labels(sb, name, ap);
	va_end(ap);
	if (isnan(v))
		strbuf_adds(sb, "NaN\n");
	else if (isinf(v))
		strbuf_adds(sb, v > 0 ? "+Inf\n" : "-Inf\n");
	else
		strbuf_addf(sb, "%.17g\n", v);
}
