/* SPDX-License-Identifier: Apache-2.0 */
/* diag.c - collected file:line:col diagnostics with a source line and caret. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "common/diag.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

void diag_list_init(struct diag_list *dl)
{
	memset(dl, 0, sizeof(*dl));
}

void diag_list_fini(struct diag_list *dl)
{
	for (size_t i = 0; i < dl->n; i++) {
		free(dl->v[i].file);
		free(dl->v[i].msg);
		free(dl->v[i].src);
	}
	free(dl->v);
	diag_list_init(dl);
}

void diag_add(struct diag_list *dl, enum diag_severity sev, const char *file, int line, int col,
	      const char *src, int span, const char *fmt, ...)
{
	struct strbuf sb;
	va_list ap;
	size_t max = dl->max ? dl->max : 100;

	if (sev == DIAG_ERROR)
		dl->nerrors++;
	else
		dl->nwarnings++;
	if (dl->n >= max) {
		dl->truncated = true;
		return;
	}
	if (dl->n == dl->cap) {
		dl->cap = dl->cap ? dl->cap * 2 : 16;
		dl->v = xrealloc(dl->v, dl->cap * sizeof(*dl->v));
	}
	strbuf_init(&sb);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	struct diag *d = &dl->v[dl->n++];
	d->sev = sev;
	d->file = file ? xstrdup(file) : NULL;
	d->line = line;
	d->col = col;
	d->msg = strbuf_detach(&sb);
	d->src = src ? xstrdup(src) : NULL;
	d->span = span > 0 ? span : 1;
}

void diag_print_one(const struct diag *d, FILE *f)
{
	const char *sev = d->sev == DIAG_ERROR ? "error" : "warning";

	if (d->file && d->line > 0)
		fprintf(f, "%s:%d:%d: %s: %s\n", d->file, d->line, d->col > 0 ? d->col : 1, sev, d->msg);
	else if (d->file)
		fprintf(f, "%s: %s: %s\n", d->file, sev, d->msg);
	else
		fprintf(f, "%s: %s\n", sev, d->msg);
	if (d->src && d->col > 0) {
		fprintf(f, "  %s\n  ", d->src);
		/* keep tabs so the caret lines up under tab-indented sources */
		for (int i = 1; i < d->col && d->src[i - 1]; i++)
			fputc(d->src[i - 1] == '\t' ? '\t' : ' ', f);
		fputc('^', f);
		for (int i = 1; i < d->span && i < 200; i++)
			fputc('~', f);
		fputc('\n', f);
	}
}

void diag_print(const struct diag_list *dl, FILE *f)
{
	for (size_t i = 0; i < dl->n; i++)
		diag_print_one(&dl->v[i], f);
	if (dl->truncated)
		fprintf(f, "(%zu more diagnostics not shown)\n",
			dl->nerrors + dl->nwarnings - dl->n);
}

char *diag_line_at(const char *text, size_t len, size_t off)
{
	if (off > len)
		off = len;
	size_t b = off, e = off;
	while (b > 0 && text[b - 1] != '\n')
		b--;
	while (e < len && text[e] != '\n' && text[e] != '\r')
		e++;
	return xstrndup(text + b, e - b);
}

static size_t dl_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > 64 || m > 64)
		return (size_t)-1;
	size_t d[66][66];
	for (size_t i = 0; i <= n; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= m; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[n][m];
}

const char *diag_suggest(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1, limit = strlen(word) / 3 + 1;

	for (size_t i = 0; i < n; i++) {
		size_t d = dl_distance(word, cands[i]);
		if (d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	return bestd <= limit ? best : NULL;
}
