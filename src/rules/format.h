/* SPDX-License-Identifier: Apache-2.0 */
/*
 * format.h - output format strings: literal text with %field tokens
 * (`%proc.name`, `%20proc.cmdline`, `%proc.aname[2]`, `%evt.arg.flags`,
 * `%toupper(user.name)`), compiled once, rendered per alert. Missing values
 * render as <NA>. Also lists the plain fields of a format, the keys of the
 * JSON `output_fields` object.
 */
#ifndef VIGIL_FORMAT_H
#define VIGIL_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include "rules/compile.h"

struct fmt_token {
	const char *lit;		/* literal text before the field (may be empty) */
	size_t litlen;
	struct cop *op;			/* NULL for a trailing literal */
	int width;			/* 0 = natural width */
};

struct format {
	struct fmt_token *toks;
	size_t n;
	struct cop **fields;		/* plain fields, unique, for output_fields */
	size_t nfields;
	bool has_container_info;	/* used the deprecated %container.info */
};

/* Compile `fmt`. Returns 0, or -EINVAL with the error (offset into fmt) in err. */
int format_compile(struct filter_ctx *fc, const char *fmt, struct format *out, struct compile_error *err);

/* Render with the event in c. Returns false if some value was missing
 * (rendered as <NA>). */
bool format_render(struct fctx *c, const struct format *f, struct strbuf *out);

#endif
