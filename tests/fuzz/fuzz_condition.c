/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_condition.c - libFuzzer harness for the condition language: each
 * input is parsed as a condition; when it parses it is printed, re-parsed
 * (the two trees must print the same) and compiled against the field
 * registry, so the lexer, parser, printer and compiler all see hostile text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/arena.h"
#include "common/strbuf.h"
#include "rules/ast.h"
#include "rules/compile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	struct parse_error pe;
	arena_init(&a);
	/* the parser takes (ptr, len): give it an exact-size copy so ASan sees
	 * any read past the end */
	char *buf = malloc(size ? size : 1);
	if (size)
		memcpy(buf, data, size);
	struct ast *t = ast_parse(&a, buf, size, &pe);
	if (t) {
		struct strbuf s1, s2;
		strbuf_init(&s1);
		strbuf_init(&s2);
		ast_print(t, &s1);
		struct ast *t2 = ast_parse(&a, s1.buf, s1.len, &pe);
		if (!t2)
			abort(); /* a printed tree must parse */
		ast_print(t2, &s2);
		if (strcmp(s1.buf, s2.buf))
			abort(); /* and print the same */
		struct filter_ctx fc;
		struct compile_error ce;
		filter_ctx_init(&fc, &a);
		filter_compile(&fc, t, &ce);
		filter_ctx_fini(&fc);
		strbuf_fini(&s1);
		strbuf_fini(&s2);
	}
	free(buf);
	arena_fini(&a);
	return 0;
}
