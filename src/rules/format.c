/* SPDX-License-Identifier: Apache-2.0 */
/*
 * format.c - compiles and renders output format strings. A token is `%`, an
 * optional width, then the longest field or transformer expression that
 * resolves (so `%fd.name)` stops before the parenthesis). `%container.info`
 * is accepted and renders nothing, as in Falco.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "rules/format.h"

static void add_field(struct filter_ctx *fc, struct format *f, struct cop *op)
{
	if (op->kind == COP_TRANSFORMER) {
		for (uint32_t i = 0; i < op->nargs; i++)
			add_field(fc, f, op->args[i]);
		return;
	}
	if (op->kind != COP_FIELD)
		return;
	for (size_t i = 0; i < f->nfields; i++)
		if (!strcmp(f->fields[i]->text, op->text))
			return;
	struct cop **nf = arena_alloc(fc->arena, sizeof(*nf) * (f->nfields + 1));
	if (f->nfields)
		memcpy(nf, f->fields, sizeof(*nf) * f->nfields);
	nf[f->nfields++] = op;
	f->fields = nf;
}

int format_compile(struct filter_ctx *fc, const char *fmt, struct format *out, struct compile_error *err)
{
	size_t len = strlen(fmt), i = 0, lit = 0, ntok = 0;
	struct fmt_token *toks = arena_alloc(fc->arena, sizeof(*toks) * (len / 2 + 2));

	memset(out, 0, sizeof(*out));
	if (len && fmt[0] == '*') {
		i = lit = 1;
	}
	while (i < len) {
		if (fmt[i] != '%') {
			i++;
			continue;
		}
		size_t start = i;
		i++;
		int width = 0;
		while (i < len && isdigit((unsigned char)fmt[i]))
			width = width * 10 + (fmt[i++] - '0');
		if (i >= len) {
			err->pos = (uint32_t)start;
			snprintf(err->msg, sizeof(err->msg), "invalid formatting token: '%%' at the end of the output");
			return -EINVAL;
		}
		if (!strncmp(fmt + i, "container.info", 14) && !isalnum((unsigned char)fmt[i + 14]) &&
		    fmt[i + 14] != '.' && fmt[i + 14] != '_') {
			/* deprecated: replaced by nothing */
			toks[ntok].lit = fmt + lit;
			toks[ntok].litlen = start - lit;
			toks[ntok].op = NULL;
			ntok++;
			i += 14;
			lit = i;
			out->has_container_info = true;
			continue;
		}
		size_t used = 0;
		struct ast_operand *o = ast_parse_output_operand(fc->arena, fmt + i, len - i, &used);
		struct cop *op = NULL;
		struct compile_error e2;
		if (o) {
			op = operand_compile(fc, o, &e2);
			/* retry shorter prefixes of a dotted field name */
			while (!op && o->kind == OPD_FIELD && !o->u.field.arg) {
				const char *dot = strrchr(o->u.field.name, '.');
				if (!dot || !strchr(o->u.field.name, '.') || dot == strchr(o->u.field.name, '.'))
					break;
				size_t nl = (size_t)(dot - o->u.field.name);
				struct ast_operand *o2 = ast_parse_output_operand(fc->arena, fmt + i, nl, &used);
				if (!o2)
					break;
				o = o2;
				op = operand_compile(fc, o, &e2);
			}
		}
		if (!op) {
			err->pos = (uint32_t)(start + 1);
			if (o)
				snprintf(err->msg, sizeof(err->msg), "invalid formatting token %.*s: %s",
					 (int)(used ? used : 1) + 1, fmt + start, e2.msg);
			else
				snprintf(err->msg, sizeof(err->msg), "invalid formatting token '%.*s'", 20, fmt + start);
			return -EINVAL;
		}
		toks[ntok].lit = fmt + lit;
		toks[ntok].litlen = start - lit;
		toks[ntok].op = op;
		toks[ntok].width = width;
		ntok++;
		add_field(fc, out, op);
		i += used;
		lit = i;
	}
	if (lit < len) {
		toks[ntok].lit = fmt + lit;
		toks[ntok].litlen = len - lit;
		toks[ntok].op = NULL;
		ntok++;
	}
	out->toks = toks;
	out->n = ntok;
	return 0;
}

bool format_render(struct fctx *c, const struct format *f, struct strbuf *out)
{
	bool all = true;
	for (size_t i = 0; i < f->n; i++) {
		const struct fmt_token *t = &f->toks[i];
		if (t->litlen)
			strbuf_add(out, t->lit, t->litlen);
		if (!t->op)
			continue;
		size_t before = out->len;
		if (t->op->kind == COP_FIELD) {
			all &= field_render(c, &t->op->ref, out);
		} else {
			struct fval v;
			if (cop_eval(c, t->op, &v)) {
				fval_render(NULL, &v, out);
			} else {
				strbuf_adds(out, "<NA>");
				all = false;
			}
		}
		if (t->width > 0) {
			size_t w = out->len - before;
			if (w > (size_t)t->width)
				strbuf_truncate(out, before + (size_t)t->width);
			else
				while (w++ < (size_t)t->width)
					strbuf_addc(out, ' ');
		}
	}
	return all;
}
