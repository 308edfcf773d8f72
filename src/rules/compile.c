/* SPDX-License-Identifier: Apache-2.0 */
/*
 * compile.c - compiles condition ASTs into filters (compile.h): resolves
 * fields, type-checks operators against field types as Falco does, parses
 * literals into typed constants (numbers, ports by service name, booleans,
 * IPs, CIDRs, hex byte strings), and precompiles constant sets, regexes,
 * path-prefix lists and evt.type bitmaps. Also the event-type analysis that
 * drives the per-type rule index.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/diag.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "rules/compile.h"
#include "rules/compile_int.h"

/* ------------------------------------------------------------------------
 * Event-type sets
 * ------------------------------------------------------------------------ */

void evtset_all(struct evtset *s)
{
	memset(s->bits, 0, sizeof(s->bits));
	for (uint32_t i = 0; i < EVTSET_BITS; i++)
		s->bits[i / 64] |= 1ull << (i % 64);
}

void evtset_clear(struct evtset *s)
{
	memset(s->bits, 0, sizeof(s->bits));
}

bool evtset_has(const struct evtset *s, uint32_t code)
{
	return code < VG_EV_MAX && (s->bits[code / 64] >> (code % 64)) & 1;
}

bool evtset_has_sc(const struct evtset *s, uint32_t sc)
{
	uint32_t b = EVTSET_SC_BASE + sc;
	return sc < EV_SYSCALL_NAMES_MAX && (s->bits[b / 64] >> (b % 64)) & 1;
}

size_t evtset_count(const struct evtset *s)
{
	size_t n = 0;
	for (uint32_t i = 0; i < VG_EV_MAX; i++)
		n += evtset_has(s, i);
	return n;
}

void evtset_del(struct evtset *s, uint32_t code)
{
	if (code < EVTSET_BITS)
		s->bits[code / 64] &= ~(1ull << (code % 64));
}

static void evtset_add(struct evtset *s, uint32_t code)
{
	if (code < EVTSET_BITS)
		s->bits[code / 64] |= 1ull << (code % 64);
}

static void evtset_and(struct evtset *a, const struct evtset *b)
{
	for (size_t i = 0; i < sizeof(a->bits) / sizeof(a->bits[0]); i++)
		a->bits[i] &= b->bits[i];
}

void evtset_or(struct evtset *a, const struct evtset *b)
{
	for (size_t i = 0; i < sizeof(a->bits) / sizeof(a->bits[0]); i++)
		a->bits[i] |= b->bits[i];
}

static void evtset_not(struct evtset *a)
{
	struct evtset all;
	evtset_all(&all);
	for (size_t i = 0; i < sizeof(a->bits) / sizeof(a->bits[0]); i++)
		a->bits[i] = ~a->bits[i] & all.bits[i];
}

/* The syscall code called `name`, or -1. */
static int syscall_code(const char *name)
{
	for (uint32_t i = 0; i < EV_SYSCALL_NAMES_MAX; i++) {
		const char *n = ev_syscall_name(i);
		if (n && !strcmp(n, name))
			return (int)i;
	}
	return -1;
}

bool evttype_codes(const char *name, struct evtset *out)
{
	bool found = false;
	evtset_clear(out);
	for (uint32_t t = 0; t < VG_EV_MAX; t++) {
		const struct ev_info *info = ev_info_get(t);
		if (info && !strcmp(info->name, name)) {
			evtset_add(out, t);
			found = true;
		}
	}
	int sc = found ? -1 : syscall_code(name);
	if (sc >= 0) {
		evtset_add(out, VG_EV_GENERIC_E);
		evtset_add(out, VG_EV_GENERIC_X);
		evtset_add(out, EVTSET_SC_BASE + (uint32_t)sc);
		found = true;
	}
	return found;
}

/* ------------------------------------------------------------------------
 * Context
 * ------------------------------------------------------------------------ */

void filter_ctx_init(struct filter_ctx *fc, struct arena *a)
{
	memset(fc, 0, sizeof(*fc));
	fc->arena = a;
}

void filter_ctx_fini(struct filter_ctx *fc)
{
	for (size_t i = 0; i < fc->nchecks; i++) {
		struct ccheck *c = fc->checks[i];
		strset_fini(&c->set);
		strset_fini(&c->evt_names);
		if (c->re_md)
			pcre2_match_data_free(c->re_md);
		if (c->re)
			pcre2_code_free(c->re);
		for (uint32_t k = 0; c->re_list && k < c->nvals; k++) {
			if (c->re_md_list[k])
				pcre2_match_data_free(c->re_md_list[k]);
			if (c->re_list[k])
				pcre2_code_free(c->re_list[k]);
		}
	}
	free(fc->checks);
	free(fc->res);
	memset(fc, 0, sizeof(*fc));
}

static struct ccheck *new_check(struct filter_ctx *fc)
{
	struct ccheck *c = arena_alloc(fc->arena, sizeof(*c));
	strset_init(&c->set);
	strset_init(&c->evt_names);
	if (fc->nchecks == fc->capchecks) {
		fc->capchecks = fc->capchecks ? fc->capchecks * 2 : 64;
		fc->checks = xrealloc(fc->checks, fc->capchecks * sizeof(*fc->checks));
	}
	fc->checks[fc->nchecks++] = c;
	return c;
}

static bool fail(struct compile_error *err, uint32_t pos, const char *fmt, ...)
{
	va_list ap;
	err->pos = pos;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return false;
}

/* ------------------------------------------------------------------------
 * Types and operators
 * ------------------------------------------------------------------------ */

enum vclass vclass_of(uint8_t type)
{
	switch (type) {
	case VG_PT_CHARBUF: case VG_PT_FSPATH: case VG_PT_FSRELPATH:
		return VC_STR;
	case VG_PT_BYTEBUF:
		return VC_BYTES;
	case VG_PT_INT8: case VG_PT_INT16: case VG_PT_INT32: case VG_PT_INT64:
	case VG_PT_ERRNO: case VG_PT_FD: case VG_PT_PID:
		return VC_SIGNED;
	case VG_PT_BOOL:
		return VC_BOOL;
	case VG_PT_IPV4ADDR: case VG_PT_IPV6ADDR: case VG_PT_IPADDR:
		return VC_IP;
	case VG_PT_IPV4NET: case VG_PT_IPV6NET: case VG_PT_IPNET:
		return VC_NET;
	case VG_PT_DOUBLE:
		return VC_DOUBLE;
	case VG_PT_PORT:
		return VC_PORT;
	default:
		return VC_UNSIGNED;
	}
}

static const char *vclass_name(enum vclass c)
{
	switch (c) {
	case VC_STR: return "string";
	case VC_BYTES: return "byte buffer";
	case VC_SIGNED: case VC_UNSIGNED: return "number";
	case VC_PORT: return "port";
	case VC_BOOL: return "bool";
	case VC_IP: return "IP address";
	case VC_NET: return "IP network";
	case VC_DOUBLE: return "double";
	}
	return "?";
}

static bool op_allowed(enum vclass c, enum cmp_op op, bool is_list)
{
	if (op == CMP_EXISTS)
		return true;
	if (is_list)
		return op == CMP_IN || op == CMP_INTERSECTS;
	switch (c) {
	case VC_SIGNED: case VC_UNSIGNED: case VC_PORT: case VC_DOUBLE:
		return op == CMP_EQ || op == CMP_NE || op == CMP_LT || op == CMP_LE || op == CMP_GT ||
		       op == CMP_GE || op == CMP_IN || op == CMP_INTERSECTS;
	case VC_BOOL: case VC_IP: case VC_NET:
		return op == CMP_EQ || op == CMP_NE || op == CMP_IN || op == CMP_INTERSECTS;
	case VC_STR:
		return op != CMP_BCONTAINS && op != CMP_BSTARTSWITH;
	case VC_BYTES:
		return op == CMP_EQ || op == CMP_NE || op == CMP_CONTAINS || op == CMP_BCONTAINS ||
		       op == CMP_STARTSWITH || op == CMP_BSTARTSWITH || op == CMP_ENDSWITH ||
		       op == CMP_IN || op == CMP_INTERSECTS;
	}
	return false;
}

static bool is_list_op(enum cmp_op op)
{
	return op == CMP_IN || op == CMP_INTERSECTS || op == CMP_PMATCH;
}

/* Decimal (with sign) or 0x-hex integer. */
static bool parse_int(const char *s, bool is_signed, int64_t *si, uint64_t *ui)
{
	const char *p = s;
	bool neg = false;
	if (*p == '+' || *p == '-') {
		neg = *p == '-';
		p++;
	}
	if (!*p)
		return false;
	char *end;
	errno = 0;
	uint64_t v;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		if (!p[2])
			return false;
		v = strtoull(p + 2, &end, 16);
	} else {
		if (!isdigit((unsigned char)*p))
			return false;
		v = strtoull(p, &end, 10);
	}
	if (errno || *end)
		return false;
	if (is_signed) {
		if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
			return false;
		*si = neg ? (int64_t)(0 - v) : (int64_t)v;
	} else {
		if (neg)
			return false;
		*ui = v;
	}
	return true;
}

static bool parse_ip(const char *s, uint8_t *ip, uint8_t *len)
{
	memset(ip, 0, 16);
	if (strchr(s, '.') && inet_pton(AF_INET, s, ip) == 1) {
		*len = 4;
		return true;
	}
	if (inet_pton(AF_INET6, s, ip) == 1) {
		*len = 16;
		return true;
	}
	return false;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse literal text into a constant for a left side of type `type`. */
static bool parse_literal(struct filter_ctx *fc, uint8_t type, enum cmp_op op, const char *s, uint32_t n,
			  uint32_t pos, struct fval *out, struct compile_error *err)
{
	enum vclass c = vclass_of(type);
	memset(out, 0, sizeof(*out));
	out->type = type;
	if (memchr(s, 0, n))
		return fail(err, pos, "NUL byte in a value");
	switch (c) {
	case VC_STR:
		out->v.s = arena_strndup(fc->arena, s, n);
		out->len = n;
		return true;
	case VC_BYTES:
		if (op == CMP_BCONTAINS || op == CMP_BSTARTSWITH) {
			if (n % 2)
				return fail(err, pos, "'%s' is not a hex byte string (odd length)", s);
			char *b = arena_alloc(fc->arena, n / 2 + 1);
			for (uint32_t i = 0; i < n; i += 2) {
				int hi = hexval(s[i]), lo = hexval(s[i + 1]);
				if (hi < 0 || lo < 0)
					return fail(err, pos, "'%s' is not a hex byte string", s);
				b[i / 2] = (char)(hi << 4 | lo);
			}
			out->v.s = b;
			out->len = n / 2;
			return true;
		}
		out->v.s = arena_strndup(fc->arena, s, n);
		out->len = n;
		return true;
	case VC_SIGNED:
		if (!parse_int(s, true, &out->v.i, &out->v.u))
			return fail(err, pos, "'%s' is not a valid number", s);
		return true;
	case VC_UNSIGNED:
	case VC_DOUBLE:
		if (!parse_int(s, false, &out->v.i, &out->v.u)) {
			int64_t si;
			if (parse_int(s, true, &si, &out->v.u) && si < 0) {
				/* Falco accepts negative literals on unsigned fields (two's
				 * complement at the field's width: user.uid = -1 is 4294967295) */
				size_t w = ev_param_type_size(type);
				out->v.u = (uint64_t)si;
				if (w && w < 8)
					out->v.u &= (1ull << (8 * w)) - 1;
				return true;
			}
			return fail(err, pos, "'%s' is not a valid number", s);
		}
		if (c == VC_DOUBLE) {
			out->v.d = (double)out->v.u;
		}
		return true;
	case VC_PORT: {
		if (parse_int(s, false, &out->v.i, &out->v.u) && out->v.u <= 65535)
			return true;
		int p = port_from_name(s);
		if (p < 0)
			return fail(err, pos, "'%s' is neither a port number nor a known service name", s);
		out->v.u = (uint64_t)p;
		return true;
	}
	case VC_BOOL:
		if (!strcmp(s, "true"))
			out->v.u = 1;
		else if (!strcmp(s, "false"))
			out->v.u = 0;
		else
			return fail(err, pos, "'%s' is not a boolean (true or false)", s);
		return true;
	case VC_IP:
		if (!parse_ip(s, out->v.ip, &out->iplen))
			return fail(err, pos, "'%s' is not a valid IP address", s);
		return true;
	case VC_NET: {
		const char *slash = strchr(s, '/');
		if (!slash)
			return fail(err, pos, "'%s' is not a network in CIDR notation (a.b.c.d/n)", s);
		char *ip = arena_strndup(fc->arena, s, (size_t)(slash - s));
		int64_t bits;
		uint64_t ub;
		if (!parse_ip(ip, out->v.ip, &out->iplen) || !parse_int(slash + 1, true, &bits, &ub) || bits < 0 ||
		    bits > out->iplen * 8)
			return fail(err, pos, "'%s' is not a valid network in CIDR notation", s);
		out->netbits = (uint8_t)bits;
		return true;
	}
	}
	return fail(err, pos, "unsupported value type");
}

/* ------------------------------------------------------------------------
 * Operands
 * ------------------------------------------------------------------------ */

static struct cop *compile_opd(struct filter_ctx *fc, const struct ast_operand *o, bool allow_list,
			       struct compile_error *err);

static bool tr_lookup(const char *name, enum tr_kind *k)
{
	static const struct { const char *n; enum tr_kind k; } trs[] = {
		{ "tolower", TR_TOLOWER }, { "toupper", TR_TOUPPER }, { "b64", TR_B64 },
		{ "basename", TR_BASENAME }, { "len", TR_LEN }, { "join", TR_JOIN },
		{ "concat", TR_CONCAT }, { "getopt", TR_GETOPT },
	};
	for (size_t i = 0; i < sizeof(trs) / sizeof(trs[0]); i++) {
		if (!strcmp(trs[i].n, name)) {
			*k = trs[i].k;
			return true;
		}
	}
	return false;
}

static char *opd_text(struct filter_ctx *fc, const struct ast_operand *o)
{
	struct strbuf sb;
	strbuf_init(&sb);
	ast_print_operand(o, &sb);
	char *s = arena_strdup(fc->arena, sb.buf);
	strbuf_fini(&sb);
	return s;
}

static struct cop *compile_field(struct filter_ctx *fc, const struct ast_operand *o, struct compile_error *err)
{
	struct cop *c = arena_alloc(fc->arena, sizeof(*c));
	char msg[200];
	c->kind = COP_FIELD;
	int rc = field_resolve(o->u.field.name, o->u.field.arg, &c->ref, msg, sizeof(msg));
	if (rc) {
		if (rc == -ENOENT) {
			size_t n;
			const struct field_def *all = fields_all(&n);
			const char **names = xmalloc(n * sizeof(*names));
			for (size_t i = 0; i < n; i++)
				names[i] = all[i].name;
			const char *sug = diag_suggest(o->u.field.name, names, n);
			free(names);
			if (sug)
				fail(err, o->pos, "nonexistent field %s (did you mean '%s'?)", o->u.field.name, sug);
			else
				fail(err, o->pos, "nonexistent field %s", o->u.field.name);
		} else {
			fail(err, o->u.field.arg ? o->u.field.arg_pos : o->pos, "%s", msg);
		}
		return NULL;
	}
	c->type = c->ref.type;
	c->text = opd_text(fc, o);
	return c;
}

static struct cop *compile_opd(struct filter_ctx *fc, const struct ast_operand *o, bool allow_list,
			       struct compile_error *err)
{
	struct cop *c;
	switch (o->kind) {
	case OPD_FIELD:
	case OPD_VAL:
		return compile_field(fc, o, err);
	case OPD_STRING:
	case OPD_NUMBER:
		c = arena_alloc(fc->arena, sizeof(*c));
		c->kind = COP_CONST;
		c->type = VG_PT_CHARBUF;
		c->cval.type = VG_PT_CHARBUF;
		c->cval.v.s = o->u.str.s;
		c->cval.len = o->u.str.len;
		c->text = o->u.str.s;
		return c;
	case OPD_LIST:
		fail(err, o->pos, "a list is not allowed here");
		return NULL;
	case OPD_TRANSFORMER:
		break;
	}
	c = arena_alloc(fc->arena, sizeof(*c));
	c->kind = COP_TRANSFORMER;
	c->text = opd_text(fc, o);
	if (!tr_lookup(o->u.tr.name, &c->tr)) {
		fail(err, o->pos, "unknown transformer '%s'", o->u.tr.name);
		return NULL;
	}
	c->nargs = o->u.tr.nargs;
	c->args = arena_alloc(fc->arena, sizeof(*c->args) * (c->nargs ? c->nargs : 1));
	c->index = o->u.tr.index;
	for (uint32_t i = 0; i < c->nargs; i++) {
		c->args[i] = compile_opd(fc, o->u.tr.args[i], true, err);
		if (!c->args[i])
			return NULL;
		if (c->args[i]->kind == COP_FIELD && (c->args[i]->ref.def->flags & FF_NO_TRANSFORMER)) {
			fail(err, o->u.tr.args[i]->pos, "field '%s' does not support transformers",
			     c->args[i]->ref.def->name);
			return NULL;
		}
	}
	switch (c->tr) {
	case TR_TOLOWER: case TR_TOUPPER: case TR_B64: case TR_BASENAME: case TR_LEN:
		if (c->nargs != 1) {
			fail(err, o->pos, "transformer '%s' takes exactly one argument", o->u.tr.name);
			return NULL;
		}
		if (c->tr != TR_LEN && vclass_of(c->args[0]->type) != VC_STR &&
		    vclass_of(c->args[0]->type) != VC_BYTES) {
			fail(err, o->pos, "transformer '%s' needs a string argument, got a %s", o->u.tr.name,
			     vclass_name(vclass_of(c->args[0]->type)));
			return NULL;
		}
		c->type = c->tr == TR_LEN ? VG_PT_UINT64 : c->tr == TR_B64 ? VG_PT_BYTEBUF : VG_PT_CHARBUF;
		break;
	case TR_JOIN:
		if (c->nargs != 2) {
			fail(err, o->pos, "join() takes a separator and a list field");
			return NULL;
		}
		c->type = VG_PT_CHARBUF;
		break;
	case TR_CONCAT:
		if (c->nargs < 2) {
			fail(err, o->pos, "concat() takes at least two arguments");
			return NULL;
		}
		c->type = VG_PT_CHARBUF;
		break;
	case TR_GETOPT:
		if (c->nargs != 2) {
			fail(err, o->pos, "getopt() takes an argument list and an option string");
			return NULL;
		}
		c->type = VG_PT_CHARBUF;
		break;
	}
	(void)allow_list;
	return c;
}

struct cop *operand_compile(struct filter_ctx *fc, const struct ast_operand *o, struct compile_error *err)
{
	return compile_opd(fc, o, false, err);
}

/* ------------------------------------------------------------------------
 * Checks
 * ------------------------------------------------------------------------ */

static bool build_pmatch(struct filter_ctx *fc, struct ccheck *chk, const struct ast_operand *list,
			 struct compile_error *err)
{
	struct pmatch_list *pm = arena_alloc(fc->arena, sizeof(*pm));
	pm->n = list->u.list.n;
	pm->pats = arena_alloc(fc->arena, sizeof(*pm->pats) * (pm->n ? pm->n : 1));
	for (uint32_t i = 0; i < pm->n; i++) {
		const struct ast_operand *it = list->u.list.items[i];
		struct pm_pattern *p = &pm->pats[i];
		const char *s = it->u.str.s;
		char *copy = arena_strdup(fc->arena, s);
		p->ncomp = 0;
		for (char *q = copy; *q;) {
			while (*q == '/')
				*q++ = 0;
			if (!*q)
				break;
			p->ncomp++;
			while (*q && *q != '/')
				q++;
		}
		p->comps = arena_alloc(fc->arena, sizeof(char *) * (p->ncomp ? p->ncomp : 1));
		uint32_t k = 0;
		for (char *q = copy; q < copy + strlen(s); q++) {
			if (*q && (q == copy || q[-1] == 0))
				p->comps[k++] = q;
		}
		p->has_glob = strpbrk(s, "*?[") != NULL;
	}
	chk->pm = pm;
	(void)err;
	return true;
}

static bool compile_regex(struct filter_ctx *fc, void **rep, void **mdp, const char *pat, uint32_t pos,
			  struct compile_error *err)
{
	int ecode;
	PCRE2_SIZE eoff;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
				       PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
				       &ecode, &eoff, NULL);
	if (!re) {
		PCRE2_UCHAR buf[200];
		pcre2_get_error_message(ecode, buf, sizeof(buf));
		return fail(err, pos, "invalid regular expression '%s': %s at offset %zu", pat, (char *)buf,
			    (size_t)eoff);
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	*rep = re;
	*mdp = pcre2_match_data_create_from_pattern(re, NULL);
	(void)fc;
	return true;
}

/* Items of a right-hand list, or the single value, as (text, pos) pairs. */
static uint32_t rhs_items(const struct ast_operand *rhs, const struct ast_operand ***items)
{
	static const struct ast_operand *one[1];
	if (rhs->kind == OPD_LIST) {
		*items = (const struct ast_operand **)rhs->u.list.items;
		return rhs->u.list.n;
	}
	one[0] = rhs;
	*items = one;
	return 1;
}

static bool compile_evttype(struct filter_ctx *fc, struct ccheck *chk, const struct ast_operand *rhs,
			    struct compile_error *err)
{
	const struct ast_operand **items;
	uint32_t n = rhs_items(rhs, &items);
	chk->is_evttype = true;
	evtset_clear(&chk->evt_bits);
	for (uint32_t i = 0; i < n; i++) {
		struct evtset s;
		const char *name = items[i]->u.str.s;
		if (!evttype_codes(name, &s))
			return fail(err, items[i]->pos, "unknown event type %s", name);
		evtset_or(&chk->evt_bits, &s);
		strset_add(&chk->evt_names, name, strlen(name));
	}
	(void)fc;
	(void)err;
	return true;
}

static bool compile_check(struct filter_ctx *fc, const struct ast *t, struct ccheck *chk,
			  struct compile_error *err)
{
	const struct ast_operand *lhs = t->u.check.lhs, *rhs = t->u.check.rhs;
	struct cop *l = compile_opd(fc, lhs, false, err);
	if (!l)
		return false;
	chk->lhs = *l;
	chk->op = t->u.check.op;
	chk->mod = t->u.check.mod;
	enum cmp_op op = chk->op;
	uint8_t type = l->type;
	enum vclass vc = vclass_of(type);
	bool is_list = l->kind == COP_FIELD && (l->ref.def->flags & FF_IS_LIST);

	if (l->kind == COP_FIELD && (l->ref.def->flags & FF_ANCESTOR) && !l->ref.has_arg)
		chk->ancestor_any = true;
	if (l->kind == COP_FIELD && (l->ref.def->flags & FF_SPECIAL_CMP)) {
		chk->special = true;
		if (op != CMP_EQ && op != CMP_NE && op != CMP_IN && op != CMP_EXISTS)
			return fail(err, t->u.check.op_pos, "operator '%s' is not supported on field '%s' (only =, !=, in)",
				    cmp_op_name(op), l->ref.def->name);
	}
	if (op == CMP_PMATCH) {
		if (vc != VC_STR)
			return fail(err, t->u.check.op_pos, "operator 'pmatch' needs a string field, '%s' is a %s",
				    l->text, vclass_name(vc));
	} else if (op == CMP_REGEX && vc != VC_STR) {
		return fail(err, t->u.check.op_pos, "operator 'regex' needs a string field");
	} else if (!op_allowed(vc, op, is_list)) {
		return fail(err, t->u.check.op_pos, "operator '%s' is not supported by field '%s' (type %s)",
			    cmp_op_name(op), l->text, vclass_name(vc));
	}
	if (op == CMP_EXISTS)
		return true;
	if (!rhs)
		return fail(err, t->u.check.op_pos, "operator '%s' needs a value", cmp_op_name(op));

	/* a field or transformer on the right */
	if (rhs->kind == OPD_VAL || rhs->kind == OPD_TRANSFORMER) {
		if (op == CMP_PMATCH || op == CMP_REGEX || vc == VC_NET)
			return fail(err, rhs->pos, "operator '%s' cannot take a field on its right side", cmp_op_name(op));
		struct cop *r = compile_opd(fc, rhs, false, err);
		if (!r)
			return false;
		if (r->kind == COP_FIELD && (r->ref.def->flags & FF_NO_RHS))
			return fail(err, rhs->pos, "field '%s' cannot be used in val()", r->ref.def->name);
		enum vclass rc = vclass_of(r->type);
		bool num = (vc == VC_SIGNED || vc == VC_UNSIGNED || vc == VC_PORT) &&
			   (rc == VC_SIGNED || rc == VC_UNSIGNED || rc == VC_PORT);
		if (rc != vc && !num && !((vc == VC_STR || vc == VC_BYTES) && (rc == VC_STR || rc == VC_BYTES)))
			return fail(err, rhs->pos, "cannot compare a %s with a %s", vclass_name(vc), vclass_name(rc));
		if (l->kind == COP_FIELD && l->ref.def->id == FLD_EVT_TYPE)
			return fail(err, rhs->pos, "evt.type cannot be compared with a field");
		chk->rhs = r;
		return true;
	}

	/* evt.type is indexed: keep bitmaps */
	if (l->kind == COP_FIELD && l->ref.def->id == FLD_EVT_TYPE &&
	    (op == CMP_EQ || op == CMP_NE || op == CMP_IN || op == CMP_INTERSECTS) && chk->mod == MOD_NONE)
		return compile_evttype(fc, chk, rhs, err);

	const struct ast_operand **items;
	uint32_t n = rhs_items(rhs, &items);
	bool listy = is_list_op(op) || chk->mod != MOD_NONE;
	if (!listy && rhs->kind == OPD_LIST)
		return fail(err, rhs->pos, "operator '%s' takes a single value, not a list", cmp_op_name(op));
	if (op == CMP_PMATCH)
		return build_pmatch(fc, chk, rhs, err);

	chk->nvals = n;
	chk->vals = arena_alloc(fc->arena, sizeof(*chk->vals) * (n ? n : 1));
	for (uint32_t i = 0; i < n; i++) {
		const struct ast_operand *it = items[i];
		if (it->kind != OPD_STRING && it->kind != OPD_NUMBER)
			return fail(err, it->pos, "list items must be values");
		/* the element type is the field's; for list-valued fields, strings */
		if (!parse_literal(fc, type, op, it->u.str.s, it->u.str.len, it->pos, &chk->vals[i], err))
			return false;
		if ((op == CMP_IN || op == CMP_INTERSECTS) && (vc == VC_STR || vc == VC_BYTES) && chk->mod == MOD_NONE)
			strset_add(&chk->set, chk->vals[i].v.s, chk->vals[i].len);
	}
	if (!listy)
		chk->cval = chk->vals[0];
	if (op == CMP_REGEX) {
		if (!listy)
			return compile_regex(fc, &chk->re, &chk->re_md, chk->cval.v.s, rhs->pos, err);
		/* regex oneof/anyof/allof: one pattern per list element */
		chk->re_list = arena_alloc(fc->arena, sizeof(void *) * (n ? n : 1));
		chk->re_md_list = arena_alloc(fc->arena, sizeof(void *) * (n ? n : 1));
		for (uint32_t i = 0; i < n; i++)
			if (!compile_regex(fc, &chk->re_list[i], &chk->re_md_list[i], chk->vals[i].v.s, items[i]->pos,
					   err))
				return false;
	}
	return true;
}

static struct cnode *compile_node(struct filter_ctx *fc, const struct ast *t, struct compile_error *err)
{
	struct cnode *n = arena_alloc(fc->arena, sizeof(*n));
	n->pos = t->pos;
	switch (t->kind) {
	case AST_AND:
	case AST_OR:
		n->kind = t->kind == AST_AND ? CN_AND : CN_OR;
		n->n = t->u.list.n;
		n->kids = arena_alloc(fc->arena, sizeof(*n->kids) * n->n);
		for (uint32_t i = 0; i < n->n; i++) {
			n->kids[i] = compile_node(fc, t->u.list.kids[i], err);
			if (!n->kids[i])
				return NULL;
		}
		return n;
	case AST_NOT:
		n->kind = CN_NOT;
		n->n = 1;
		n->kids = arena_alloc(fc->arena, sizeof(*n->kids));
		n->kids[0] = compile_node(fc, t->u.kid, err);
		return n->kids[0] ? n : NULL;
	case AST_CHECK:
		n->kind = CN_CHECK;
		n->chk = new_check(fc);
		return compile_check(fc, t, n->chk, err) ? n : NULL;
	case AST_MACRO:
		if (fc->macro)
			return fc->macro(fc->macro_ud, t->u.macro.name, t->pos, err);
		fail(err, t->pos, "Undefined macro '%s' used in filter.", t->u.macro.name);
		return NULL;
	}
	return NULL;
}

struct cnode *filter_compile(struct filter_ctx *fc, const struct ast *t, struct compile_error *err)
{
	err->pos = 0;
	err->origin = NULL;
	err->msg[0] = 0;
	return compile_node(fc, t, err);
}

/* ------------------------------------------------------------------------
 * Event-type analysis
 * ------------------------------------------------------------------------ */

static bool is_never(const struct ccheck *c)
{
	/* evt.num = 0 can never match: Falco treats it as statically empty */
	return c->lhs.kind == COP_FIELD && c->lhs.ref.def->id == FLD_EVT_NUM && c->op == CMP_EQ && !c->rhs &&
	       c->cval.v.u == 0;
}

static void evttypes(const struct cnode *n, bool neg, struct evtset *out)
{
	struct evtset tmp;
	switch (n->kind) {
	case CN_TRUE:
		evtset_all(out);
		return;
	case CN_FALSE:
		if (neg)
			evtset_all(out);
		else
			evtset_clear(out);
		return;
	case CN_NOT:
		evttypes(n->kids[0], !neg, out);
		return;
	case CN_AND:
	case CN_OR: {
		bool intersect = (n->kind == CN_AND) != neg;
		evttypes(n->kids[0], neg, out);
		for (uint32_t i = 1; i < n->n; i++) {
			evttypes(n->kids[i], neg, &tmp);
			if (intersect)
				evtset_and(out, &tmp);
			else
				evtset_or(out, &tmp);
		}
		return;
	}
	case CN_CHECK: {
		const struct ccheck *c = n->chk;
		if (c->is_evttype) {
			*out = c->evt_bits;
			bool positive = c->op != CMP_NE;
			if (positive == neg)
				evtset_not(out);
			return;
		}
		if (is_never(c) && !neg) {
			evtset_clear(out);
			return;
		}
		evtset_all(out);
		return;
	}
	}
}

void filter_evttypes(const struct cnode *n, struct evtset *out)
{
	evttypes(n, false, out);
}

/* ------------------------------------------------------------------------
 * Satisfiability per event type. A rule indexed on sendto may still never
 * match a sendto: Falco's "outbound" macro wants sendto on a non-TCP socket,
 * and the rule using it adds fd.l4proto=tcp. Assuming evt.type is one code,
 * the condition is walked with the literals that must hold on each path
 * (field = constant, field in (...), and their negations); a path whose
 * literals contradict each other, or contradict evt.type, cannot match.
 * Only contradictions are proven: anything unsure counts as satisfiable.
 * ------------------------------------------------------------------------ */

/* A literal: the field (single-valued, no transformer) has one of vals
 * (pos), or none of them (a negation: "missing or not one of them"). */
struct lit {
	const struct ccheck *chk;
	const struct fval *vals;
	uint32_t n;
	bool pos;
};

#define MAX_LITS 48

static bool same_ref(const struct cop *a, const struct cop *b)
{
	const struct field_ref *x = &a->ref, *y = &b->ref;
	return x->def == y->def && x->has_arg == y->has_arg && x->index == y->index && x->keylen == y->keylen &&
	       (!x->keylen || !memcmp(x->key, y->key, x->keylen));
}

static bool same_val(const struct fval *a, const struct fval *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case VG_PT_CHARBUF: case VG_PT_FSPATH: case VG_PT_FSRELPATH: case VG_PT_BYTEBUF:
		return a->len == b->len && !memcmp(a->v.s, b->v.s, a->len);
	case VG_PT_IPV4ADDR: case VG_PT_IPV6ADDR: case VG_PT_IPADDR:
		return a->iplen == b->iplen && !memcmp(a->v.ip, b->v.ip, a->iplen);
	case VG_PT_DOUBLE:
		return a->v.d == b->v.d;
	default:
		return a->v.u == b->v.u;
	}
}

static bool val_in(const struct fval *v, const struct fval *set, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (same_val(v, &set[i]))
			return true;
	return false;
}

/* The literal a check (possibly negated) makes, if it is one. */
static bool as_lit(const struct ccheck *c, bool neg, struct lit *l)
{
	const struct field_def *d = c->lhs.ref.def;
	if (c->lhs.kind != COP_FIELD || !d || c->rhs || c->mod != MOD_NONE || c->ancestor_any || c->special ||
	    (d->flags & (FF_IS_LIST | FF_SPECIAL_CMP | FF_ANCESTOR)))
		return false;
	l->chk = c;
	if (c->op == CMP_EQ || c->op == CMP_NE) {
		l->vals = &c->cval;
		l->n = 1;
		l->pos = (c->op == CMP_EQ) != neg;
		return true;
	}
	if (c->op == CMP_IN && c->nvals) {
		l->vals = c->vals;
		l->n = c->nvals;
		l->pos = !neg;
		return true;
	}
	return false;
}

static bool lits_conflict(const struct lit *a, const struct lit *b)
{
	if (!same_ref(&a->chk->lhs, &b->chk->lhs))
		return false;
	if (a->pos && b->pos) {
		/* both sets must hold a value: disjoint sets contradict */
		for (uint32_t i = 0; i < a->n; i++)
			if (val_in(&a->vals[i], b->vals, b->n))
				return false;
		return true;
	}
	if (a->pos != b->pos) {
		const struct lit *p = a->pos ? a : b, *q = a->pos ? b : a;
		/* every value p allows is excluded by q */
		for (uint32_t i = 0; i < p->n; i++)
			if (!val_in(&p->vals[i], q->vals, q->n))
				return false;
		return true;
	}
	return false;
}

struct litset {
	struct lit v[MAX_LITS];
	uint32_t n;
};

/* Add a literal; false when it contradicts one already there. */
static bool lits_add(struct litset *ls, const struct lit *l)
{
	for (uint32_t i = 0; i < ls->n; i++)
		if (lits_conflict(&ls->v[i], l))
			return false;
	if (ls->n < MAX_LITS)
		ls->v[ls->n++] = *l;
	return true;
}

static bool unsat(const struct cnode *n, bool neg, uint32_t type, const struct litset *must, int depth)
{
	if (depth > 64)
		return false;
	switch (n->kind) {
	case CN_TRUE:
		return neg;
	case CN_FALSE:
		return !neg;
	case CN_NOT:
		return unsat(n->kids[0], !neg, type, must, depth + 1);
	case CN_CHECK: {
		const struct ccheck *c = n->chk;
		if (c->is_evttype) {
			bool in = evtset_has(&c->evt_bits, type);
			bool positive = (c->op != CMP_NE) != neg;
			return positive ? !in : in;
		}
		struct lit l;
		if (!as_lit(c, neg, &l))
			return false;
		struct litset tmp = *must;
		return !lits_add(&tmp, &l);
	}
	case CN_AND:
	case CN_OR:
		break;
	}
	bool conj = (n->kind == CN_AND) != neg;
	if (!conj) {
		for (uint32_t i = 0; i < n->n; i++)
			if (!unsat(n->kids[i], neg, type, must, depth + 1))
				return false;
		return true;
	}
	/* a conjunction: its literal children hold together, then every
	 * other child must be satisfiable with them */
	struct litset *ls = malloc(sizeof(*ls));
	if (!ls)
		return false;
	*ls = *must;
	bool res = false;
	for (uint32_t i = 0; i < n->n && !res; i++) {
		const struct cnode *k = n->kids[i];
		bool kneg = neg;
		while (k->kind == CN_NOT) {
			k = k->kids[0];
			kneg = !kneg;
		}
		struct lit l;
		if (k->kind == CN_CHECK && !k->chk->is_evttype && as_lit(k->chk, kneg, &l) && !lits_add(ls, &l))
			res = true;
	}
	for (uint32_t i = 0; i < n->n && !res; i++)
		if (unsat(n->kids[i], neg, type, ls, depth + 1))
			res = true;
	free(ls);
	return res;
}

bool filter_can_match_type(const struct cnode *n, uint32_t type)
{
	struct litset none = { .n = 0 };
	return !unsat(n, false, type, &none, 0);
}
