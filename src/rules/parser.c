/* SPDX-License-Identifier: Apache-2.0 */
/*
 * parser.c - the hand-written lexer and recursive-descent parser for Falco
 * conditions (rule-language.md §2.1/§2.2). It turns condition text (macro,
 * rule or exception text, after list substitution) into the immutable tree
 * of ast.h, allocated in the caller's arena, with byte offsets on every node
 * and operand; the compiler (compile.c) consumes that tree. It also parses
 * the %field and %transformer(...) tokens of output formats for format.c,
 * and prints trees back as canonical text (`vigil rules explain`, tests).
 *
 * The text is a (ptr, len) pair: it need not be NUL-terminated and is never
 * read past len. Nothing is allocated outside the arena; a failed parse may
 * leave unreachable garbage in it, which is freed with the arena.
 *
 * Grammar (EBNF, rule-language.md §2.1; the comments after `--` are ours):
 *
 *   Expr        := OrExpr
 *   OrExpr      := AndExpr { "or" (BLANK AndExpr | "(" Expr ")") }
 *   AndExpr     := NotExpr { "and" (BLANK NotExpr | "(" Expr ")") }
 *   NotExpr     := { "not" BLANK+ } ( "not(" Expr ")" | Check )   -- each "not" toggles
 *   Check       := "(" Expr ")"
 *                | Field Condition
 *                | Transformer Condition
 *                | Identifier                                     -- macro reference
 *   Condition   := "exists"
 *                | NumOp   (NumValue | TransformerOrVal)
 *                | StrOp   (StrValue | TransformerOrVal)
 *                | StrOp   Modifier ListValue                     -- >= 0.44
 *                | ListOp  (ListValue | TransformerOrVal)
 *   ListValue   := "(" [ StrValue { "," StrValue } ] ")" | Identifier
 *   Field       := FieldName [ "[" (QuotedStr | FieldArgBare) "]" ]
 *   Transformer := ("tolower(" | "toupper(" | "b64(" | "basename(" | "len("
 *                  | "join(" | "concat(" | "getopt(")
 *                  TArg { "," TArg } ")" [ "[" FieldArg "]" ]
 *   TArg        := Transformer | Field | QuotedStr | NumValue
 *                | "(" [TListArg {"," TListArg}] ")"             -- TListArg := TArg
 *   TransformerOrVal := Transformer | "val(" Field ")" [ "[" FieldArg "]" ]
 *   StrValue    := QuotedStr | BareStr
 *   NumValue    := HexNumber | Number
 *   FieldArg    := QuotedStr | FieldArgBare
 *
 *   NumOp    := "<=" | "<" | ">=" | ">"
 *   StrOp    := "==" | "=" | "!=" | "glob" | "iglob" | "contains" | "icontains"
 *             | "bcontains" | "startswith" | "bstartswith" | "endswith" | "regex"
 *                                                 -- word ops need a BLANK after
 *   Modifier := "oneof" | "anyof" | "allof"       -- need a BLANK after
 *   ListOp   := "intersects" | "in" | "pmatch"    -- BLANK or "(" after
 *
 *   Identifier   = [a-zA-Z]+[a-zA-Z0-9_]*
 *   FieldName    = [a-zA-Z]+[a-zA-Z0-9_]*(\.[a-zA-Z]+[a-zA-Z0-9_]*)+
 *   FieldArgBare = [^][\"'[:space:]]+
 *   HexNumber    = 0[xX][0-9a-fA-F]+
 *   Number       = [+-]?[0-9]+[.]?[0-9]*([eE][+-][0-9]+)?
 *   QuotedStr    = '...' or "..." with the escapes of §2.2
 *   BareStr      = [^()"'[:space:]=,]+
 *   BLANK        = space, \t, \b, \r, \n
 *
 * Choices where the spec leaves room (all documented in the tests too):
 *  - and/or form one n-ary node per run of the same operator at one level;
 *    runs are NOT flattened across explicit parentheses, so `(a and b) and c`
 *    is AND(AND(a, b), c), like Falco's own AST (whose filter cache is keyed
 *    by it). The printer parenthesises every and/or, so print + parse gives
 *    back an equal tree.
 *  - Keywords are whole words: `andy`, `notx`, `or_macro` are identifiers;
 *    `and`, `or`, `not` are never identifiers (not as macro names, not as
 *    list names, not after a modifier). They are still plain values on the
 *    right of a string operator (`proc.name = and`).
 *  - Each `not` adds one AST_NOT node (`not not a` is NOT(NOT(a))).
 *  - Word operators must be followed by a BLANK (or end of input, which then
 *    fails as a missing value); in/intersects/pmatch also by "(". So
 *    `fd.name inx` is an error, not `fd.name in x`.
 *  - A modifier needs a BLANK after it, then "(" or a non-keyword identifier;
 *    otherwise the word is a plain string (`proc.name = oneof`).
 *  - `in listname` (and `= oneof listname`) is an OPD_LIST whose list.ident is
 *    the name and whose single item is the same word as an OPD_STRING.
 *  - The right side of a number operator is an OPD_STRING (bare) holding the
 *    number text; OPD_NUMBER is only used inside transformer arguments.
 *  - A quoted string ends at the first delimiter not consumed by an escape,
 *    so "a\\" is the string a\ (Falco's lexer only looks at the previous byte).
 *  - In FieldArgBare, `\"` is an escaped quote (as RE2 reads Falco's regex),
 *    so a bare field argument may contain a backslash.
 *  - Printing: a string that was written bare prints bare, anything else
 *    "-quoted with §2.2 escapes (\xHH for other control bytes).
 *  - Depth: every parenthesised group, `not`, transformer, val() and list
 *    counts one level; more than AST_MAX_DEPTH levels is an error (reported
 *    at the construct that went one too deep).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "common/strbuf.h"
#include "rules/ast.h"

/* ===== Character classes ===== */

static bool is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\b' || c == '\r' || c == '\n';
}

/* POSIX [:space:]: space, \t, \n, \v, \f, \r */
static bool is_space(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* [a-zA-Z0-9_]: what continues an identifier */
static bool is_word(int c)
{
	return is_alpha(c) || is_digit(c) || c == '_';
}

/* BareStr = [^()"'[:space:]=,]; NUL and end of input (-1) never match */
static bool is_bare(int c)
{
	if (c <= 0 || is_space(c))
		return false;
	return !strchr("()\"'=,", c);
}

/* FieldArgBare = [^][\"'[:space:]] */
static bool is_argbare(int c)
{
	if (c <= 0 || is_space(c))
		return false;
	return c != '[' && c != ']' && c != '"' && c != '\'';
}

static int hexval(int c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return c - 'A' + 10;
}

/* ===== Parser state and errors ===== */

struct parser {
	struct arena *a;
	const char *s;			/* the text, not NUL-terminated */
	size_t len;			/* bytes in s */
	size_t i;			/* cursor: offset of the next byte */
	unsigned depth;			/* current nesting, see enter() */
	size_t last_pos, last_end;	/* span of the last token consumed */
	struct parse_error *err;	/* first error goes here; may be NULL */
	bool failed;
	char found[2][160];		/* scratch for describe() */
	unsigned nfound;
};

/* Byte at offset `at`, or -1 past the end. */
static int ch(const struct parser *p, size_t at)
{
	return at < p->len ? (unsigned char)p->s[at] : -1;
}

static bool starts_with(const struct parser *p, size_t at, const char *w)
{
	size_t n = strlen(w);
	return at <= p->len && p->len - at >= n && !memcmp(p->s + at, w, n);
}

/* `w` at `at` as a whole word (not followed by [a-zA-Z0-9_]). */
static bool word_at(const struct parser *p, size_t at, const char *w)
{
	return starts_with(p, at, w) && !is_word(ch(p, at + strlen(w)));
}

static void tok(struct parser *p, size_t pos, size_t end)
{
	p->last_pos = pos;
	p->last_end = end;
}

/* Append s[pos, end) to buf (quoted, non-printables as \xHH), capped. */
static void snippet(const struct parser *p, size_t pos, size_t end, char *buf, size_t size)
{
	size_t o = 0, max = 32;
	bool cut = end - pos > max;

	if (cut)
		end = pos + max;
	buf[o++] = '\'';
	for (size_t k = pos; k < end && o + 8 < size; k++) {
		unsigned char c = p->s[k];
		if (c < 0x20 || c == 0x7f || c == '\'' || c == '\\')
			o += snprintf(buf + o, size - o, "\\x%02x", c);
		else
			buf[o++] = c;
	}
	if (cut && o + 4 < size) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '\'';
	buf[o] = 0;
}

/* A short description of what sits at `pos`, for "found ..." messages. */
static const char *describe(struct parser *p, size_t pos)
{
	char *buf = p->found[p->nfound++ % 2];
	size_t end = pos;

	if (pos >= p->len)
		return "end of input";
	while (is_bare(ch(p, end)))
		end++;
	if (end == pos)
		end = pos + 1;
	snippet(p, pos, end, buf, sizeof(p->found[0]));
	return buf;
}

/* The last token's text, for "after 'x'" messages. */
static const char *last_token(struct parser *p)
{
	char *buf = p->found[p->nfound++ % 2];

	if (p->last_end <= p->last_pos)
		return "''";
	snippet(p, p->last_pos, p->last_end, buf, sizeof(p->found[0]));
	return buf;
}

__attribute__((format(printf, 3, 4)))
static void *fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return NULL;
	p->failed = true;
	if (p->err) {
		p->err->pos = (uint32_t)pos;
		va_start(ap, fmt);
		vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
		va_end(ap);
	}
	return NULL;
}

/* One more nesting level; false (error recorded) past AST_MAX_DEPTH. */
static bool enter(struct parser *p, size_t pos)
{
	if (++p->depth > AST_MAX_DEPTH) {
		fail(p, pos, "exceeded max depth limit of %d", AST_MAX_DEPTH);
		return false;
	}
	return true;
}

static void leave(struct parser *p)
{
	p->depth--;
}

/* A growable pointer array in the arena (old copies are left behind). */
struct vec {
	void **v;
	uint32_t n, cap;
};

static void vec_push(struct parser *p, struct vec *v, void *x)
{
	if (v->n == v->cap) {
		uint32_t cap = v->cap ? v->cap * 2 : 4;
		void **nv = arena_alloc(p->a, cap * sizeof(*nv));
		if (v->n)
			memcpy(nv, v->v, v->n * sizeof(*nv));
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = x;
}

/* ===== Lexer ===== */

static bool skip_blanks(struct parser *p)
{
	size_t start = p->i;

	while (is_blank(ch(p, p->i)))
		p->i++;
	return p->i != start;
}

/* Length of an Identifier at `at`, 0 if none. */
static size_t ident_len(const struct parser *p, size_t at)
{
	size_t n = 0;

	if (!is_alpha(ch(p, at)))
		return 0;
	while (is_word(ch(p, at + n)))
		n++;
	return n;
}

/* Length of a FieldName (at least one dot) at `at`, 0 if none. */
static size_t field_len(const struct parser *p, size_t at)
{
	size_t n = ident_len(p, at);
	bool dotted = false;

	if (!n)
		return 0;
	while (ch(p, at + n) == '.' && is_alpha(ch(p, at + n + 1))) {
		n += 1 + ident_len(p, at + n + 1);
		dotted = true;
	}
	return dotted ? n : 0;
}

/* Length of a HexNumber or Number at `at`, 0 if none. */
static size_t num_len(const struct parser *p, size_t at)
{
	size_t n = 0, m;

	if (ch(p, at) == '0' && (ch(p, at + 1) == 'x' || ch(p, at + 1) == 'X') &&
	    is_hex(ch(p, at + 2))) {
		n = 2;
		while (is_hex(ch(p, at + n)))
			n++;
		return n;
	}
	if (ch(p, at) == '+' || ch(p, at) == '-')
		n++;
	if (!is_digit(ch(p, at + n)))
		return 0;
	while (is_digit(ch(p, at + n)))
		n++;
	if (ch(p, at + n) == '.')
		n++;
	while (is_digit(ch(p, at + n)))
		n++;
	if ((ch(p, at + n) == 'e' || ch(p, at + n) == 'E') &&
	    (ch(p, at + n + 1) == '+' || ch(p, at + n + 1) == '-') &&
	    is_digit(ch(p, at + n + 2))) {
		m = n + 2;
		while (is_digit(ch(p, at + m)))
			m++;
		n = m;
	}
	return n;
}

static bool is_keyword(const struct parser *p, size_t at, size_t n)
{
	const char *w = p->s + at;

	return (n == 2 && !memcmp(w, "or", 2)) || (n == 3 && !memcmp(w, "and", 3)) ||
	       (n == 3 && !memcmp(w, "not", 3));
}

static const char *const transformers[] = {
	"tolower", "toupper", "b64", "basename", "len", "join", "concat", "getopt",
};

/* Length of a transformer name directly followed by "(" at `at`, or 0. */
static size_t transformer_at(const struct parser *p, size_t at)
{
	for (size_t k = 0; k < sizeof(transformers) / sizeof(transformers[0]); k++) {
		size_t n = strlen(transformers[k]);
		if (starts_with(p, at, transformers[k]) && ch(p, at + n) == '(')
			return n;
	}
	return 0;
}

/*
 * Lex the quoted string at the cursor (which is on ' or ") and resolve its
 * escapes (§2.2). Sets *out and *outlen to a NUL-terminated arena copy; returns
 * false with an error recorded if it is unterminated or has a bad escape.
 */
static bool lex_quoted(struct parser *p, const char **out, uint32_t *outlen)
{
	size_t at = p->i, j = at + 1, k, o = 0;
	int q = ch(p, at);
	char *buf;

	/* find the closing delimiter: a backslash always takes the next byte */
	while (j < p->len && ch(p, j) != q)
		j += ch(p, j) == '\\' ? 2 : 1;
	if (j >= p->len) {
		fail(p, at, "unterminated quoted string: missing closing %c", q);
		return false;
	}
	buf = arena_alloc(p->a, j - at);
	for (k = at + 1; k < j;) {
		int c = ch(p, k);
		if (c == 0) {
			fail(p, k, "NUL byte in quoted string");
			return false;
		}
		if (c != '\\') {
			buf[o++] = (char)c;
			k++;
			continue;
		}
		int e = ch(p, k + 1);
		switch (e) {
		case 'b': buf[o++] = '\b'; break;
		case 'f': buf[o++] = '\f'; break;
		case 'n': buf[o++] = '\n'; break;
		case 'r': buf[o++] = '\r'; break;
		case 't': buf[o++] = '\t'; break;
		case '/': buf[o++] = '/'; break;
		case '\\':
		case ' ':	/* legacy: backslash-space is a single backslash */
			buf[o++] = '\\';
			break;
		case '"':
		case '\'':
			if (e != q) {
				fail(p, k, "invalid \\%c escape in %c-quoted string", e, q);
				return false;
			}
			buf[o++] = (char)e;
			break;
		case 'x':
			if (k + 3 >= j || !is_hex(ch(p, k + 2)) || !is_hex(ch(p, k + 3))) {
				fail(p, k, "invalid \\x escape: expected two hex digits");
				return false;
			}
			buf[o] = (char)(hexval(ch(p, k + 2)) * 16 + hexval(ch(p, k + 3)));
			if (!buf[o]) {
				fail(p, k, "\\x00 escape: NUL bytes are not allowed in strings");
				return false;
			}
			o++;
			k += 2;
			break;
		default:
			if (e > 0x20 && e < 0x7f)
				fail(p, k, "unsupported string escape sequence: \\%c", e);
			else
				fail(p, k, "unsupported string escape sequence: backslash followed by byte 0x%02x",
				     e & 0xff);
			return false;
		}
		k += 2;
	}
	buf[o] = 0;
	*out = buf;
	*outlen = (uint32_t)o;
	p->i = j + 1;
	tok(p, at, p->i);
	return true;
}

/* ===== Operands ===== */

static struct ast_operand *new_opd(struct parser *p, enum opd_kind kind, size_t pos)
{
	struct ast_operand *o = arena_alloc(p->a, sizeof(*o));

	o->kind = kind;
	o->pos = (uint32_t)pos;
	return o;
}

/* A bare word at [pos, pos+n) as an OPD_STRING. */
static struct ast_operand *bare_string(struct parser *p, size_t pos, size_t n)
{
	struct ast_operand *o = new_opd(p, OPD_STRING, pos);

	o->u.str.s = arena_strndup(p->a, p->s + pos, n);
	o->u.str.len = (uint32_t)n;
	o->end = (uint32_t)(pos + n);
	p->i = pos + n;
	tok(p, pos, pos + n);
	return o;
}

static struct ast_operand *quoted_string(struct parser *p)
{
	struct ast_operand *o = new_opd(p, OPD_STRING, p->i);

	if (!lex_quoted(p, &o->u.str.s, &o->u.str.len))
		return NULL;
	o->u.str.quoted = true;
	o->end = (uint32_t)p->i;
	return o;
}

/* StrValue: a quoted or bare string, or NULL (no error) if neither. */
static struct ast_operand *str_value(struct parser *p)
{
	size_t n = 0;

	if (ch(p, p->i) == '"' || ch(p, p->i) == '\'')
		return quoted_string(p);
	while (is_bare(ch(p, p->i + n)))
		n++;
	return n ? bare_string(p, p->i, n) : NULL;
}

/*
 * "[" (QuotedStr | FieldArgBare) "]" at the cursor (on the "["). Used for
 * field arguments and for the index after a transformer or val().
 */
static bool bracket_arg(struct parser *p, const char **arg, uint32_t *arg_pos)
{
	size_t open = p->i, n = 0;
	uint32_t dummy;

	p->i++;
	if (arg_pos)
		*arg_pos = (uint32_t)p->i;
	if (ch(p, p->i) == '"' || ch(p, p->i) == '\'') {
		if (!lex_quoted(p, arg, &dummy))
			return false;
	} else {
		while (is_argbare(ch(p, p->i + n)))
			n++;
		if (!n) {
			fail(p, p->i, "expected a valid field argument: a quoted string or a bare string, found %s",
			     describe(p, p->i));
			return false;
		}
		*arg = arena_strndup(p->a, p->s + p->i, n);
		p->i += n;
	}
	if (ch(p, p->i) != ']') {
		fail(p, p->i, "expected a ']' closing the argument opened at offset %zu, found %s", open,
		     describe(p, p->i));
		return false;
	}
	p->i++;
	tok(p, open, p->i);
	return true;
}

/* Field at the cursor (field_len() > 0 there). */
static struct ast_operand *field(struct parser *p)
{
	size_t pos = p->i, n = field_len(p, pos);
	struct ast_operand *o = new_opd(p, OPD_FIELD, pos);

	o->u.field.name = arena_strndup(p->a, p->s + pos, n);
	p->i += n;
	tok(p, pos, p->i);
	if (ch(p, p->i) == '[' && !bracket_arg(p, &o->u.field.arg, &o->u.field.arg_pos))
		return NULL;
	o->end = (uint32_t)p->i;
	return o;
}

static struct ast_operand *transformer(struct parser *p);
static struct ast_operand *targ_list(struct parser *p);

/* TArg: Transformer | Field | QuotedStr | NumValue | "(" list ")". */
static struct ast_operand *targ(struct parser *p)
{
	struct ast_operand *o;
	size_t n;
	int c;

	skip_blanks(p);
	c = ch(p, p->i);
	if (transformer_at(p, p->i))
		return transformer(p);
	if (field_len(p, p->i))
		return field(p);
	if (c == '"' || c == '\'')
		return quoted_string(p);
	if (c == '(')
		return targ_list(p);
	n = num_len(p, p->i);
	if (n) {
		o = bare_string(p, p->i, n);
		o->kind = OPD_NUMBER;
		return o;
	}
	return fail(p, p->i,
		    "expected a transformer argument (a field, a transformer, a quoted string, a number or a list), found %s",
		    describe(p, p->i));
}

/* A "(" [TArg {"," TArg}] ")" list at the cursor (on the "("). */
static struct ast_operand *targ_list(struct parser *p)
{
	struct ast_operand *o = new_opd(p, OPD_LIST, p->i), *item;
	struct vec items = { 0 };

	if (!enter(p, p->i))
		return NULL;
	p->i++;
	tok(p, o->pos, p->i);
	skip_blanks(p);
	if (ch(p, p->i) != ')') {
		for (;;) {
			item = targ(p);
			if (!item)
				return NULL;
			vec_push(p, &items, item);
			skip_blanks(p);
			if (ch(p, p->i) != ',')
				break;
			p->i++;
			tok(p, p->i - 1, p->i);
		}
		if (ch(p, p->i) != ')')
			return fail(p, p->i, "expected ',' or ')' in the list opened at offset %u, found %s",
				    o->pos, describe(p, p->i));
	}
	p->i++;
	tok(p, p->i - 1, p->i);
	leave(p);
	o->u.list.items = (struct ast_operand **)items.v;
	o->u.list.n = items.n;
	o->end = (uint32_t)p->i;
	return o;
}

/* Transformer at the cursor (transformer_at() > 0 there). */
static struct ast_operand *transformer(struct parser *p)
{
	size_t pos = p->i, n = transformer_at(p, pos);
	struct ast_operand *o = new_opd(p, OPD_TRANSFORMER, pos), *arg;
	struct vec args = { 0 };

	if (!enter(p, pos))
		return NULL;
	o->u.tr.name = arena_strndup(p->a, p->s + pos, n);
	p->i += n + 1;
	tok(p, pos, p->i);
	for (;;) {
		arg = targ(p);
		if (!arg)
			return NULL;
		vec_push(p, &args, arg);
		skip_blanks(p);
		if (ch(p, p->i) != ',')
			break;
		p->i++;
		tok(p, p->i - 1, p->i);
	}
	if (ch(p, p->i) != ')')
		return fail(p, p->i, "expected ',' or ')' closing the transformer '%s', found %s", o->u.tr.name,
			    describe(p, p->i));
	p->i++;
	tok(p, p->i - 1, p->i);
	if (ch(p, p->i) == '[' && !bracket_arg(p, &o->u.tr.index, NULL))
		return NULL;
	leave(p);
	o->u.tr.args = (struct ast_operand **)args.v;
	o->u.tr.nargs = args.n;
	o->end = (uint32_t)p->i;
	return o;
}

/*
 * TransformerOrVal at the cursor. Returns 1 and sets *out (NULL on error) if
 * one starts here, 0 if none does.
 */
static int transformer_or_val(struct parser *p, struct ast_operand **out)
{
	size_t pos = p->i;
	struct ast_operand *o;

	if (transformer_at(p, pos)) {
		*out = transformer(p);
		return 1;
	}
	if (!starts_with(p, pos, "val("))
		return 0;
	*out = NULL;
	if (!enter(p, pos))
		return 1;
	p->i += 4;
	tok(p, pos, p->i);
	skip_blanks(p);
	if (!field_len(p, p->i)) {
		fail(p, p->i, "expected a field within 'val(', found %s", describe(p, p->i));
		return 1;
	}
	o = field(p);
	if (!o)
		return 1;
	o->kind = OPD_VAL;
	o->pos = (uint32_t)pos;
	skip_blanks(p);
	if (ch(p, p->i) != ')') {
		fail(p, p->i, "expected a ')' closing 'val(', found %s", describe(p, p->i));
		return 1;
	}
	p->i++;
	tok(p, p->i - 1, p->i);
	if (ch(p, p->i) == '[' && !bracket_arg(p, &o->u.field.index, NULL))
		return 1;
	leave(p);
	o->end = (uint32_t)p->i;
	*out = o;
	return 1;
}

/* ListValue := "(" [StrValue {"," StrValue}] ")" | Identifier. NULL, no
 * error, if neither starts at the cursor. */
static struct ast_operand *list_value(struct parser *p)
{
	size_t pos = p->i, n;
	struct ast_operand *o, *item;
	struct vec items = { 0 };

	if (ch(p, pos) != '(') {
		n = ident_len(p, pos);
		if (!n || is_keyword(p, pos, n))
			return NULL;
		o = new_opd(p, OPD_LIST, pos);
		o->u.list.ident = arena_strndup(p->a, p->s + pos, n);
		item = bare_string(p, pos, n);
		o->u.list.items = arena_alloc(p->a, sizeof(*o->u.list.items));
		o->u.list.items[0] = item;
		o->u.list.n = 1;
		o->end = item->end;
		return o;
	}
	o = new_opd(p, OPD_LIST, pos);
	if (!enter(p, pos))
		return NULL;
	p->i++;
	tok(p, pos, p->i);
	skip_blanks(p);
	if (ch(p, p->i) != ')') {
		for (;;) {
			skip_blanks(p);
			item = str_value(p);
			if (!item) {
				if (!p->failed)
					fail(p, p->i, "expected a string value in the list opened at offset %zu, found %s",
					     pos, describe(p, p->i));
				return NULL;
			}
			vec_push(p, &items, item);
			skip_blanks(p);
			if (ch(p, p->i) != ',')
				break;
			p->i++;
			tok(p, p->i - 1, p->i);
		}
		if (ch(p, p->i) != ')')
			return fail(p, p->i, "expected ',' or ')' in the list opened at offset %zu, found %s", pos,
				    describe(p, p->i));
	}
	p->i++;
	tok(p, p->i - 1, p->i);
	leave(p);
	o->u.list.items = (struct ast_operand **)items.v;
	o->u.list.n = items.n;
	o->end = (uint32_t)p->i;
	return o;
}

/* ===== Conditions ===== */

struct opdef {
	const char *text;
	enum cmp_op op;
	enum { K_SYM, K_WORD, K_LIST } kind;	/* K_WORD needs a blank, K_LIST a blank or "(" */
};

/* Longest first where one is a prefix of another. */
static const struct opdef num_ops[] = {
	{ "<=", CMP_LE, K_SYM }, { "<", CMP_LT, K_SYM },
	{ ">=", CMP_GE, K_SYM }, { ">", CMP_GT, K_SYM },
};

static const struct opdef str_ops[] = {
	{ "==", CMP_EQ, K_SYM },
	{ "=", CMP_EQ, K_SYM },
	{ "!=", CMP_NE, K_SYM },
	{ "glob", CMP_GLOB, K_WORD },
	{ "iglob", CMP_IGLOB, K_WORD },
	{ "contains", CMP_CONTAINS, K_WORD },
	{ "icontains", CMP_ICONTAINS, K_WORD },
	{ "bcontains", CMP_BCONTAINS, K_WORD },
	{ "startswith", CMP_STARTSWITH, K_WORD },
	{ "bstartswith", CMP_BSTARTSWITH, K_WORD },
	{ "endswith", CMP_ENDSWITH, K_WORD },
	{ "regex", CMP_REGEX, K_WORD },
};

static const struct opdef list_ops[] = {
	{ "intersects", CMP_INTERSECTS, K_LIST },
	{ "in", CMP_IN, K_LIST },
	{ "pmatch", CMP_PMATCH, K_LIST },
};

static const struct opdef *match_op(const struct parser *p, const struct opdef *ops, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		size_t at = p->i + strlen(ops[k].text);
		int c = ch(p, at);

		if (!starts_with(p, p->i, ops[k].text))
			continue;
		if (ops[k].kind == K_SYM)
			return &ops[k];
		/* end of input is accepted here and fails later as a missing value */
		if (c < 0 || is_blank(c) || (ops[k].kind == K_LIST && c == '('))
			return &ops[k];
	}
	return NULL;
}

#define NELEM(x) (sizeof(x) / sizeof((x)[0]))

static const char *const mods[] = { [MOD_ONEOF] = "oneof", [MOD_ANYOF] = "anyof", [MOD_ALLOF] = "allof" };

/*
 * The §2.1 modifier rule: after a string operator, the next word is a
 * modifier if it is followed by blanks and then "(" or an identifier that
 * is not and/or/not. Consumes it and returns the modifier, or MOD_NONE.
 */
static enum cmp_mod modifier(struct parser *p)
{
	size_t pos = p->i, n = ident_len(p, pos), k, m;

	if (n != 5)
		return MOD_NONE;
	for (int md = MOD_ONEOF; md <= MOD_ALLOF; md++) {
		if (memcmp(p->s + pos, mods[md], 5))
			continue;
		k = pos + 5;
		if (!is_blank(ch(p, k)))
			return MOD_NONE;
		while (is_blank(ch(p, k)))
			k++;
		m = ident_len(p, k);
		if (ch(p, k) != '(' && (!m || is_keyword(p, k, m)))
			return MOD_NONE;
		tok(p, pos, pos + 5);
		p->i = k;
		return (enum cmp_mod)md;
	}
	return MOD_NONE;
}

static const char all_ops_msg[] =
	"'exists', '<=', '<', '>=', '>', '==', '=', '!=', 'glob', 'iglob', 'contains', 'icontains', "
	"'bcontains', 'startswith', 'bstartswith', 'endswith', 'regex', 'intersects', 'in', 'pmatch'";

/* Condition after the left operand `lhs` of a check starting at `pos`. */
static struct ast *condition(struct parser *p, struct ast_operand *lhs, size_t pos)
{
	struct ast *t = arena_alloc(p->a, sizeof(*t));
	const struct opdef *op;
	struct ast_operand *rhs = NULL;
	size_t op_pos;

	t->kind = AST_CHECK;
	t->pos = (uint32_t)pos;
	t->u.check.lhs = lhs;
	skip_blanks(p);
	op_pos = p->i;
	t->u.check.op_pos = (uint32_t)op_pos;
	if (word_at(p, op_pos, "exists")) {
		p->i += 6;
		tok(p, op_pos, p->i);
		t->u.check.op = CMP_EXISTS;
		t->end = (uint32_t)p->i;
		return t;
	}
	if ((op = match_op(p, num_ops, NELEM(num_ops)))) {
		p->i += strlen(op->text);
		tok(p, op_pos, p->i);
		skip_blanks(p);
		if (!transformer_or_val(p, &rhs)) {
			size_t n = num_len(p, p->i);
			if (!n)
				return fail(p, p->i,
					    "expected a number value or a transformer/val() after '%s', found %s",
					    op->text, describe(p, p->i));
			rhs = bare_string(p, p->i, n);
		}
	} else if ((op = match_op(p, str_ops, NELEM(str_ops)))) {
		p->i += strlen(op->text);
		tok(p, op_pos, p->i);
		skip_blanks(p);
		t->u.check.mod = modifier(p);
		if (t->u.check.mod != MOD_NONE) {
			rhs = list_value(p);
			if (!rhs && !p->failed)
				return fail(p, p->i, "expected a list after '%s %s', found %s", op->text,
					    mods[t->u.check.mod], describe(p, p->i));
		} else if (!transformer_or_val(p, &rhs)) {
			rhs = str_value(p);
			if (!rhs && !p->failed)
				return fail(p, p->i,
					    "expected a string value or a transformer/val() after '%s', found %s",
					    op->text, describe(p, p->i));
		}
	} else if ((op = match_op(p, list_ops, NELEM(list_ops)))) {
		p->i += strlen(op->text);
		tok(p, op_pos, p->i);
		skip_blanks(p);
		if (!transformer_or_val(p, &rhs)) {
			rhs = list_value(p);
			if (!rhs && !p->failed)
				return fail(p, p->i,
					    "expected a list, an identifier, or a transformer/val() after '%s', found %s",
					    op->text, describe(p, p->i));
		}
	} else {
		return fail(p, op_pos, "expected a valid check operator: one of %s; found %s", all_ops_msg,
			    describe(p, op_pos));
	}
	if (!rhs)
		return NULL;
	t->u.check.op = op->op;
	t->u.check.rhs = rhs;
	t->end = (uint32_t)p->i;
	return t;
}

/* ===== Expressions ===== */

static struct ast *or_expr(struct parser *p);

/* The rest of "(" Expr ")" after the "(" at `open`: one nesting level. */
static struct ast *group_rest(struct parser *p, size_t open)
{
	struct ast *t;

	if (!enter(p, open))
		return NULL;
	t = or_expr(p);
	if (!t)
		return NULL;
	skip_blanks(p);
	if (ch(p, p->i) != ')') {
		if (p->i >= p->len)
			return fail(p, p->i, "expected ')' to close the '(' at offset %zu, found end of input", open);
		return fail(p, p->i, "unexpected token after %s, expecting 'or', 'and' or ')' (found %s)",
			    last_token(p), describe(p, p->i));
	}
	p->i++;
	tok(p, p->i - 1, p->i);
	leave(p);
	return t;
}

static struct ast *check(struct parser *p)
{
	size_t pos, n;
	struct ast_operand *lhs;
	struct ast *t;

	skip_blanks(p);
	pos = p->i;
	if (ch(p, pos) == '(') {
		p->i++;
		tok(p, pos, p->i);
		return group_rest(p, pos);
	}
	if (field_len(p, pos)) {
		lhs = field(p);
		return lhs ? condition(p, lhs, pos) : NULL;
	}
	if (transformer_at(p, pos)) {
		lhs = transformer(p);
		return lhs ? condition(p, lhs, pos) : NULL;
	}
	n = ident_len(p, pos);
	if (n == 3 && !memcmp(p->s + pos, "not", 3))
		return fail(p, pos + 3, "expected a blank or '(' after 'not', found %s", describe(p, pos + 3));
	if (n && is_keyword(p, pos, n))
		return fail(p, pos, "unexpected keyword %s, expecting a '(' token, a field check, or an identifier",
			    describe(p, pos));
	if (n) {
		t = arena_alloc(p->a, sizeof(*t));
		t->kind = AST_MACRO;
		t->pos = (uint32_t)pos;
		t->end = (uint32_t)(pos + n);
		t->u.macro.name = arena_strndup(p->a, p->s + pos, n);
		p->i += n;
		tok(p, pos, p->i);
		return t;
	}
	return fail(p, pos, "expected a '(' token, a field check, or an identifier, found %s", describe(p, pos));
}

static struct ast *not_expr(struct parser *p)
{
	struct vec nots = { 0 };
	struct ast *t = NULL, *n;
	size_t pos;
	uint32_t k, entered = 0;

	for (;;) {
		skip_blanks(p);
		pos = p->i;
		if (starts_with(p, pos, "not") && (is_blank(ch(p, pos + 3)) || is_space(ch(p, pos + 3)))) {
			if (!enter(p, pos))
				goto out;
			entered++;
			vec_push(p, &nots, (void *)(uintptr_t)pos);
			p->i = pos + 3;
			tok(p, pos, p->i);
			while (is_blank(ch(p, p->i)) || is_space(ch(p, p->i)))
				p->i++;
			continue;
		}
		if (starts_with(p, pos, "not(")) {
			if (!enter(p, pos))
				goto out;
			entered++;
			vec_push(p, &nots, (void *)(uintptr_t)pos);
			p->i = pos + 4;
			tok(p, pos, p->i);
			t = group_rest(p, pos + 3);
		} else {
			t = check(p);
		}
		break;
	}
	for (k = nots.n; t && k > 0; k--) {
		n = arena_alloc(p->a, sizeof(*n));
		n->kind = AST_NOT;
		n->pos = (uint32_t)(uintptr_t)nots.v[k - 1];
		n->end = (uint32_t)p->last_end;
		n->u.kid = t;
		t = n;
	}
out:
	p->depth -= entered;
	return p->failed ? NULL : t;
}

/*
 * "and"/"or" at the cursor: 1 if consumed (followed by a blank or "("),
 * 0 if the text there is not that keyword, -1 on error (e.g. "and)").
 */
static int binop(struct parser *p, const char *kw)
{
	size_t n = strlen(kw), at = p->i;
	int c = ch(p, at + n);

	if (!starts_with(p, at, kw) || is_word(c))
		return 0;
	if (!is_blank(c) && c != '(') {
		fail(p, at + n, "expected a blank or '(' after '%s', found %s", kw, describe(p, at + n));
		return -1;
	}
	p->i += n;
	tok(p, at, p->i);
	return 1;
}

/* AndExpr / OrExpr: one n-ary node per run of the same operator. */
static struct ast *nary(struct parser *p, enum ast_kind kind)
{
	const char *kw = kind == AST_AND ? "and" : "or";
	struct vec kids = { 0 };
	struct ast *t, *kid;
	size_t pos;
	int r;

	skip_blanks(p);
	pos = p->i;
	kid = kind == AST_AND ? not_expr(p) : nary(p, AST_AND);
	if (!kid)
		return NULL;
	vec_push(p, &kids, kid);
	skip_blanks(p);
	while ((r = binop(p, kw)) != 0) {
		if (r < 0)
			return NULL;
		if (ch(p, p->i) == '(') {
			size_t open = p->i++;
			tok(p, open, p->i);
			kid = group_rest(p, open);
		} else {
			kid = kind == AST_AND ? not_expr(p) : nary(p, AST_AND);
		}
		if (!kid)
			return NULL;
		vec_push(p, &kids, kid);
		skip_blanks(p);
	}
	if (kids.n == 1)
		return kid;
	t = arena_alloc(p->a, sizeof(*t));
	t->kind = kind;
	t->pos = (uint32_t)pos;
	t->end = (uint32_t)p->last_end;
	t->u.list.kids = (struct ast **)kids.v;
	t->u.list.n = kids.n;
	return t;
}

static struct ast *or_expr(struct parser *p)
{
	return nary(p, AST_OR);
}

/* ===== Public API ===== */

/* Parse a whole condition (see ast.h). Empty or blank-only text, a trailing
 * token, too deep nesting: NULL with *err (if non-NULL) filled. */
struct ast *ast_parse(struct arena *a, const char *text, size_t len, struct parse_error *err)
{
	struct parser p = { .a = a, .s = text, .len = len, .err = err };
	struct ast *t;

	if (err) {
		err->pos = 0;
		err->msg[0] = 0;
	}
	if (len >= UINT32_MAX)
		return fail(&p, 0, "condition too long (%zu bytes)", len);
	skip_blanks(&p);
	if (p.i == len)
		return fail(&p, 0, "condition is empty");
	t = or_expr(&p);
	if (!t)
		return NULL;
	skip_blanks(&p);
	if (p.i != len)
		return fail(&p, p.i, "unexpected token after %s, expecting 'or', 'and' (found %s)", last_token(&p),
			    describe(&p, p.i));
	return t;
}

/* The longest field (with a well-formed [arg]) or transformer expression at
 * the very start of text; a malformed [arg] is left unconsumed. NULL and
 * *used = 0 if there is none or the transformer is malformed. */
struct ast_operand *ast_parse_output_operand(struct arena *a, const char *text, size_t len, size_t *used)
{
	struct parser p = { .a = a, .s = text, .len = len };
	struct ast_operand *o = NULL;
	size_t n;

	*used = 0;
	if (!text || len >= UINT32_MAX)
		return NULL;
	if (transformer_at(&p, 0)) {
		o = transformer(&p);
	} else if ((n = field_len(&p, 0))) {
		o = new_opd(&p, OPD_FIELD, 0);
		o->u.field.name = arena_strndup(a, text, n);
		p.i = n;
		/* a malformed [arg] is not part of the token: stop before "[" */
		if (ch(&p, n) == '[' && !bracket_arg(&p, &o->u.field.arg, &o->u.field.arg_pos)) {
			p.failed = false;
			p.i = n;
			o->u.field.arg = NULL;
			o->u.field.arg_pos = 0;
		}
		o->end = (uint32_t)p.i;
	}
	if (!o || p.failed)
		return NULL;
	*used = p.i;
	return o;
}

/* ===== Printing ===== */

static const char *const op_names[CMP__COUNT] = {
	[CMP_EQ] = "=",
	[CMP_NE] = "!=",
	[CMP_LT] = "<",
	[CMP_LE] = "<=",
	[CMP_GT] = ">",
	[CMP_GE] = ">=",
	[CMP_CONTAINS] = "contains",
	[CMP_ICONTAINS] = "icontains",
	[CMP_BCONTAINS] = "bcontains",
	[CMP_STARTSWITH] = "startswith",
	[CMP_BSTARTSWITH] = "bstartswith",
	[CMP_ENDSWITH] = "endswith",
	[CMP_GLOB] = "glob",
	[CMP_IGLOB] = "iglob",
	[CMP_REGEX] = "regex",
	[CMP_IN] = "in",
	[CMP_INTERSECTS] = "intersects",
	[CMP_PMATCH] = "pmatch",
	[CMP_EXISTS] = "exists",
};

/* "=" for CMP_EQ (also written "=="), "?" for an out-of-range value. */
const char *cmp_op_name(enum cmp_op op)
{
	if ((unsigned)op >= CMP__COUNT)
		return "?";
	return op_names[op];
}

/* "" for MOD_NONE. */
const char *cmp_mod_name(enum cmp_mod mod)
{
	switch (mod) {
	case MOD_NONE:
		return "";
	case MOD_ONEOF:
	case MOD_ANYOF:
	case MOD_ALLOF:
		return mods[mod];
	}
	return "?";
}

/* Append s as a "-quoted string with the §2.2 escapes. */
static void print_quoted(struct strbuf *out, const char *s, size_t len)
{
	strbuf_addc(out, '"');
	for (size_t k = 0; k < len; k++) {
		unsigned char c = s[k];
		switch (c) {
		case '"': strbuf_adds(out, "\\\""); break;
		case '\\': strbuf_adds(out, "\\\\"); break;
		case '\b': strbuf_adds(out, "\\b"); break;
		case '\f': strbuf_adds(out, "\\f"); break;
		case '\n': strbuf_adds(out, "\\n"); break;
		case '\r': strbuf_adds(out, "\\r"); break;
		case '\t': strbuf_adds(out, "\\t"); break;
		default:
			if (c < 0x20 || c == 0x7f)
				strbuf_addf(out, "\\x%02x", c);
			else
				strbuf_addc(out, (char)c);
		}
	}
	strbuf_addc(out, '"');
}

/* Print s bare if it lexes back as one bare word (every byte passes `ok`),
 * else quoted: whatever was written bare prints bare again. */
static void print_word(struct strbuf *out, const char *s, size_t len, bool (*ok)(int))
{
	bool bare = len > 0;

	for (size_t k = 0; bare && k < len; k++)
		bare = ok((unsigned char)s[k]);
	if (bare)
		strbuf_add(out, s, len);
	else
		print_quoted(out, s, len);
}

static void print_arg(struct strbuf *out, const char *arg)
{
	strbuf_addc(out, '[');
	print_word(out, arg, strlen(arg), is_argbare);
	strbuf_addc(out, ']');
}

/* Canonical text of one operand; NULL prints nothing. */
void ast_print_operand(const struct ast_operand *o, struct strbuf *out)
{
	if (!o)
		return;
	switch (o->kind) {
	case OPD_FIELD:
	case OPD_VAL:
		if (o->kind == OPD_VAL)
			strbuf_adds(out, "val(");
		strbuf_adds(out, o->u.field.name);
		if (o->u.field.arg)
			print_arg(out, o->u.field.arg);
		if (o->kind == OPD_VAL) {
			strbuf_addc(out, ')');
			if (o->u.field.index)
				print_arg(out, o->u.field.index);
		}
		break;
	case OPD_TRANSFORMER:
		strbuf_adds(out, o->u.tr.name);
		strbuf_addc(out, '(');
		for (uint32_t k = 0; k < o->u.tr.nargs; k++) {
			if (k)
				strbuf_adds(out, ", ");
			ast_print_operand(o->u.tr.args[k], out);
		}
		strbuf_addc(out, ')');
		if (o->u.tr.index)
			print_arg(out, o->u.tr.index);
		break;
	case OPD_STRING:
		if (o->u.str.quoted)
			print_quoted(out, o->u.str.s, o->u.str.len);
		else
			print_word(out, o->u.str.s, o->u.str.len, is_bare);
		break;
	case OPD_NUMBER:
		strbuf_add(out, o->u.str.s, o->u.str.len);
		break;
	case OPD_LIST:
		if (o->u.list.ident) {
			strbuf_adds(out, o->u.list.ident);
			break;
		}
		strbuf_addc(out, '(');
		for (uint32_t k = 0; k < o->u.list.n; k++) {
			if (k)
				strbuf_adds(out, ", ");
			ast_print_operand(o->u.list.items[k], out);
		}
		strbuf_addc(out, ')');
		break;
	}
}

/* Canonical text: every and/or in parentheses, `not (x)`, one blank around
 * operators; re-parsing it gives an equal tree. NULL prints nothing. */
void ast_print(const struct ast *t, struct strbuf *out)
{
	if (!t)
		return;
	switch (t->kind) {
	case AST_AND:
	case AST_OR:
		strbuf_addc(out, '(');
		for (uint32_t k = 0; k < t->u.list.n; k++) {
			if (k)
				strbuf_adds(out, t->kind == AST_AND ? " and " : " or ");
			ast_print(t->u.list.kids[k], out);
		}
		strbuf_addc(out, ')');
		break;
	case AST_NOT:
		strbuf_adds(out, "not ");
		if (t->u.kid && (t->u.kid->kind == AST_AND || t->u.kid->kind == AST_OR)) {
			ast_print(t->u.kid, out);
		} else {
			strbuf_addc(out, '(');
			ast_print(t->u.kid, out);
			strbuf_addc(out, ')');
		}
		break;
	case AST_CHECK:
		ast_print_operand(t->u.check.lhs, out);
		strbuf_addc(out, ' ');
		strbuf_adds(out, cmp_op_name(t->u.check.op));
		if (t->u.check.mod != MOD_NONE) {
			strbuf_addc(out, ' ');
			strbuf_adds(out, cmp_mod_name(t->u.check.mod));
		}
		if (t->u.check.rhs) {
			strbuf_addc(out, ' ');
			ast_print_operand(t->u.check.rhs, out);
		}
		break;
	case AST_MACRO:
		strbuf_adds(out, t->u.macro.name);
		break;
	}
}
