/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eval.c - evaluates compiled filters against an event: short-circuit
 * and/or/not, and every comparison operator with Falco's semantics (a
 * missing field is false for every operator, ancestor fields without index
 * mean "any ancestor", fd.ip/net/port mean "client or server", glob is
 * fnmatch without FNM_PATHNAME, regex is a full match). Also evaluates
 * transformers. This is the hot path: no allocation per event.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <fnmatch.h>
#include <pcre2.h>
#include <string.h>
#include <strings.h>
#include "rules/compile.h"
#include "rules/compile_int.h"

/* ------------------------------------------------------------------------
 * Primitive comparisons
 * ------------------------------------------------------------------------ */

static bool mem_icontains(const char *h, size_t hn, const char *n, size_t nn)
{
	if (nn == 0)
		return true;
	if (nn > hn)
		return false;
	for (size_t i = 0; i + nn <= hn; i++) {
		size_t j = 0;
		while (j < nn && tolower((unsigned char)h[i + j]) == tolower((unsigned char)n[j]))
			j++;
		if (j == nn)
			return true;
	}
	return false;
}

static bool net_contains(const struct fval *net, const struct fval *ip)
{
	if (net->iplen != ip->iplen)
		return false;
	unsigned bits = net->netbits, full = bits / 8, rest = bits % 8;
	if (memcmp(net->v.ip, ip->v.ip, full))
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if ((net->v.ip[full] & mask) != (ip->v.ip[full] & mask))
			return false;
	}
	return true;
}

/* Equality of an extracted value with a constant or another value. */
static bool val_eq(const struct fval *l, const struct fval *r)
{
	enum vclass lc = vclass_of(l->type), rc = vclass_of(r->type);
	switch (lc) {
	case VC_STR:
	case VC_BYTES:
		return l->len == r->len && !memcmp(l->v.s, r->v.s, l->len);
	case VC_SIGNED:
		return rc == VC_SIGNED ? l->v.i == r->v.i : (uint64_t)l->v.i == r->v.u;
	case VC_UNSIGNED:
	case VC_PORT:
	case VC_BOOL:
		return l->v.u == r->v.u;
	case VC_DOUBLE:
		return l->v.d == r->v.d;
	case VC_IP:
		if (rc == VC_NET)
			return net_contains(r, l);
		return l->iplen == r->iplen && !memcmp(l->v.ip, r->v.ip, l->iplen);
	case VC_NET:
		if (r->netbits || rc == VC_NET)
			return net_contains(r, l);
		return l->iplen == r->iplen && !memcmp(l->v.ip, r->v.ip, l->iplen);
	}
	return false;
}

/* <0, 0, >0 ordering for numbers and strings. */
static int val_order(const struct fval *l, const struct fval *r)
{
	switch (vclass_of(l->type)) {
	case VC_STR:
	case VC_BYTES: {
		size_t n = l->len < r->len ? l->len : r->len;
		int c = memcmp(l->v.s, r->v.s, n);
		if (c)
			return c;
		return l->len < r->len ? -1 : l->len > r->len;
	}
	case VC_SIGNED:
		if (vclass_of(r->type) == VC_SIGNED)
			return l->v.i < r->v.i ? -1 : l->v.i > r->v.i;
		return l->v.i < 0 ? -1 : ((uint64_t)l->v.i < r->v.u ? -1 : (uint64_t)l->v.i > r->v.u);
	case VC_DOUBLE:
		return l->v.d < r->v.d ? -1 : l->v.d > r->v.d;
	default:
		return l->v.u < r->v.u ? -1 : l->v.u > r->v.u;
	}
}

static bool pm_match(const struct pmatch_list *pm, const char *path, size_t len)
{
	/* split the path into components once */
	const char *comps[256];
	size_t lens[256];
	uint32_t n = 0;
	for (size_t i = 0; i < len && n < 256;) {
		while (i < len && path[i] == '/')
			i++;
		if (i >= len)
			break;
		size_t s = i;
		while (i < len && path[i] != '/')
			i++;
		comps[n] = path + s;
		lens[n++] = i - s;
	}
	for (uint32_t p = 0; p < pm->n; p++) {
		const struct pm_pattern *pat = &pm->pats[p];
		if (pat->ncomp > n)
			continue;
		uint32_t k;
		for (k = 0; k < pat->ncomp; k++) {
			if (pat->has_glob) {
				char buf[512];
				if (lens[k] >= sizeof(buf))
					break;
				memcpy(buf, comps[k], lens[k]);
				buf[lens[k]] = 0;
				if (fnmatch(pat->comps[k], buf, 0))
					break;
			} else if (strlen(pat->comps[k]) != lens[k] || memcmp(pat->comps[k], comps[k], lens[k])) {
				break;
			}
		}
		if (k == pat->ncomp)
			return true;
	}
	return false;
}

/* One binary string/number comparison with a single right value. */
static bool cmp_one(const struct ccheck *chk, enum cmp_op op, const struct fval *l, const struct fval *r)
{
	switch (op) {
	case CMP_EQ:
	case CMP_IN:
	case CMP_INTERSECTS:
		return val_eq(l, r);
	case CMP_NE:
		return !val_eq(l, r);
	case CMP_LT:
		return val_order(l, r) < 0;
	case CMP_LE:
		return val_order(l, r) <= 0;
	case CMP_GT:
		return val_order(l, r) > 0;
	case CMP_GE:
		return val_order(l, r) >= 0;
	case CMP_CONTAINS:
	case CMP_BCONTAINS:
		return r->len == 0 || (r->len <= l->len && memmem(l->v.s, l->len, r->v.s, r->len) != NULL);
	case CMP_ICONTAINS:
		return mem_icontains(l->v.s, l->len, r->v.s, r->len);
	case CMP_STARTSWITH:
	case CMP_BSTARTSWITH:
		return r->len <= l->len && !memcmp(l->v.s, r->v.s, r->len);
	case CMP_ENDSWITH:
		return r->len <= l->len && !memcmp(l->v.s + l->len - r->len, r->v.s, r->len);
	case CMP_GLOB:
		return fnmatch(r->v.s, l->v.s, 0) == 0;
	case CMP_IGLOB:
		return fnmatch(r->v.s, l->v.s, FNM_CASEFOLD) == 0;
	case CMP_REGEX:
		if (chk && chk->re)
			return pcre2_match(chk->re, (PCRE2_SPTR)l->v.s, l->len, 0, 0, chk->re_md, NULL) >= 0;
		return false;
	case CMP_PMATCH:
	case CMP_EXISTS:
	case CMP__COUNT:
		break;
	}
	return false;
}

/* Compare an extracted left value with the check's constants. */
static bool cmp_const(const struct ccheck *chk, const struct fval *l)
{
	enum cmp_op op = chk->op;
	if (chk->mod != MOD_NONE) {
		uint32_t hits = 0;
		for (uint32_t i = 0; i < chk->nvals; i++) {
			bool m = op == CMP_REGEX ? chk->re_list[i] &&
							   pcre2_match(chk->re_list[i], (PCRE2_SPTR)l->v.s, l->len, 0, 0,
								       chk->re_md_list[i], NULL) >= 0
						 : cmp_one(chk, op, l, &chk->vals[i]);
			hits += m;
			if (chk->mod == MOD_ANYOF && m)
				return true;
			if (chk->mod == MOD_ALLOF && !m)
				return false;
		}
		if (chk->mod == MOD_ONEOF)
			return hits == 1;
		return chk->mod == MOD_ALLOF;
	}
	switch (op) {
	case CMP_IN:
	case CMP_INTERSECTS:
		if (chk->set.len)
			return strset_has(&chk->set, l->v.s, l->len);
		for (uint32_t i = 0; i < chk->nvals; i++)
			if (val_eq(l, &chk->vals[i]))
				return true;
		return false;
	case CMP_PMATCH:
		return pm_match(chk->pm, l->v.s, l->len);
	default:
		return cmp_one(chk, op, l, &chk->cval);
	}
}

/* ------------------------------------------------------------------------
 * Transformers
 * ------------------------------------------------------------------------ */

static struct strbuf *tscratch(struct fctx *c)
{
	struct strbuf *sb = &c->scratch[c->slot];
	c->slot = (c->slot + 1) % FCTX_SCRATCH;
	strbuf_reset(sb);
	return sb;
}

static int b64val(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

static bool b64_decode(const char *s, size_t n, struct strbuf *out)
{
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '=')
			break;
		int v = b64val(ch);
		if (v < 0)
			return false;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			strbuf_addc(out, (char)((acc >> bits) & 0xff));
		}
	}
	return true;
}

static bool tr_eval(struct fctx *c, const struct cop *op, struct fval *out)
{
	struct fval a;
	struct strbuf *sb;

	switch (op->tr) {
	case TR_TOLOWER:
	case TR_TOUPPER:
		if (!cop_eval(c, op->args[0], &a))
			return false;
		sb = tscratch(c);
		strbuf_add(sb, a.v.s, a.len);
		for (size_t i = 0; i < sb->len; i++)
			sb->buf[i] = (char)(op->tr == TR_TOLOWER ? tolower((unsigned char)sb->buf[i])
								 : toupper((unsigned char)sb->buf[i]));
		break;
	case TR_B64:
		if (!cop_eval(c, op->args[0], &a))
			return false;
		sb = tscratch(c);
		if (!b64_decode(a.v.s, a.len, sb))
			return false;
		out->type = VG_PT_BYTEBUF;
		out->v.s = sb->buf;
		out->len = (uint32_t)sb->len;
		return true;
	case TR_BASENAME: {
		if (!cop_eval(c, op->args[0], &a))
			return false;
		const char *s = a.v.s, *slash = memrchr(s, '/', a.len);
		sb = tscratch(c);
		if (slash)
			strbuf_add(sb, slash + 1, a.len - (size_t)(slash + 1 - s));
		else
			strbuf_add(sb, s, a.len);
		break;
	}
	case TR_LEN:
		if (!cop_eval(c, op->args[0], &a))
			return false;
		out->type = VG_PT_UINT64;
		if (op->args[0]->kind == COP_FIELD && (op->args[0]->ref.def->flags & FF_IS_LIST)) {
			/* a list field: its element count (list fields extract one element) */
			out->v.u = 1;
			return true;
		}
		switch (vclass_of(a.type)) {
		case VC_STR:
		case VC_BYTES:
			out->v.u = a.len;
			break;
		default:
			out->v.u = 1;
			break;
		}
		return true;
	case TR_JOIN: {
		struct fval sep;
		if (!cop_eval(c, op->args[0], &sep) || !cop_eval(c, op->args[1], &a))
			return false;
		sb = tscratch(c);
		fval_render(NULL, &a, sb);
		break;
	}
	case TR_CONCAT: {
		struct strbuf tmp;
		strbuf_init(&tmp);
		for (uint32_t i = 0; i < op->nargs; i++) {
			if (!cop_eval(c, op->args[i], &a)) {
				strbuf_fini(&tmp);
				return false;
			}
			fval_render(NULL, &a, &tmp);
		}
		sb = tscratch(c);
		strbuf_add(sb, tmp.buf, tmp.len);
		strbuf_fini(&tmp);
		break;
	}
	case TR_GETOPT: {
		struct fval opts;
		if (!cop_eval(c, op->args[0], &a) || !cop_eval(c, op->args[1], &opts))
			return false;
		/* scan "-x value" / "-xvalue" in a space-separated argument list */
		char want = op->index ? op->index[0] : 0;
		const char *s = a.v.s, *end = a.v.s + a.len;
		sb = tscratch(c);
		bool found = false;
		while (s < end && !found) {
			while (s < end && *s == ' ')
				s++;
			const char *w = s;
			while (s < end && *s != ' ')
				s++;
			size_t wl = (size_t)(s - w);
			if (wl < 2 || w[0] != '-' || w[1] == '-')
				continue;
			const char *o = memchr(opts.v.s, w[1], opts.len);
			if (!o || (want && w[1] != want))
				continue;
			bool takes = (size_t)(o - opts.v.s) + 1 < opts.len && o[1] == ':';
			if (!takes) {
				strbuf_addc(sb, w[1]);
			} else if (wl > 2) {
				strbuf_add(sb, w + 2, wl - 2);
			} else {
				while (s < end && *s == ' ')
					s++;
				const char *v = s;
				while (s < end && *s != ' ')
					s++;
				strbuf_add(sb, v, (size_t)(s - v));
			}
			found = want != 0;
		}
		if (want && !found)
			return false;
		break;
	}
	default:
		return false;
	}
	out->type = VG_PT_CHARBUF;
	out->v.s = sb->buf;
	out->len = (uint32_t)sb->len;
	return true;
}

bool cop_eval(struct fctx *c, const struct cop *op, struct fval *out)
{
	switch (op->kind) {
	case COP_FIELD:
		return field_extract(c, &op->ref, out);
	case COP_CONST:
		*out = op->cval;
		return true;
	case COP_TRANSFORMER:
		return tr_eval(c, op, out);
	}
	return false;
}

/* ------------------------------------------------------------------------
 * Checks
 * ------------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* The left side of a regex is matched as valid UTF-8: like RE2 in Falco,
 * each invalid byte reads as one U+FFFD character. */
static void regex_sanitize(struct fctx *c, const struct ccheck *chk, struct fval *v)
{
	const unsigned char *s = (const unsigned char *)v->v.s;
	size_t i = 0, n;
	if (chk->op != CMP_REGEX)
		return;
	while (i < v->len && (n = utf8_seq(s + i, v->len - i)))
		i += n;
	if (i == v->len)
		return;
	struct strbuf *sb = tscratch(c);
	for (i = 0; i < v->len; i += n ? n : 1) {
		n = utf8_seq(s + i, v->len - i);
		if (n)
			strbuf_add(sb, s + i, n);
		else
			strbuf_add(sb, "\xef\xbf\xbd", 3);
	}
	v->v.s = sb->buf;
	v->len = (uint32_t)sb->len;
}

static const struct field_ref *side_ref(enum field_id id)
{
	static struct field_ref refs[FLD__COUNT];
	static bool ready[FLD__COUNT];
	if (!ready[id]) {
		size_t n;
		const struct field_def *all = fields_all(&n);
		for (size_t i = 0; i < n; i++) {
			if (all[i].id == id) {
				refs[id].def = &all[i];
				refs[id].type = all[i].type;
			}
		}
		ready[id] = true;
	}
	return &refs[id];
}

static bool special_eval(struct fctx *c, const struct ccheck *chk)
{
	enum field_id cid, sid;
	switch (chk->lhs.ref.def->id) {
	case FLD_FD_IP: cid = FLD_FD_CIP; sid = FLD_FD_SIP; break;
	case FLD_FD_NET: cid = FLD_FD_CNET; sid = FLD_FD_SNET; break;
	default: cid = FLD_FD_CPORT; sid = FLD_FD_SPORT; break;
	}
	struct fval a, b;
	bool ha = field_extract(c, side_ref(cid), &a);
	bool hb = field_extract(c, side_ref(sid), &b);
	if (!ha && !hb)
		return false;
	if (chk->op == CMP_EXISTS)
		return true;
	if (chk->rhs) {
		struct fval r;
		if (!cop_eval(c, chk->rhs, &r))
			return false;
		bool ea = ha && val_eq(&a, &r), eb = hb && val_eq(&b, &r);
		return chk->op == CMP_NE ? !ea && !eb : ea || eb;
	}
	if (chk->op == CMP_NE) {
		bool ea = ha && val_eq(&a, &chk->cval), eb = hb && val_eq(&b, &chk->cval);
		return !ea && !eb;
	}
	return (ha && cmp_const(chk, &a)) || (hb && cmp_const(chk, &b));
}

static bool evttype_eval(const struct fctx *c, const struct ccheck *chk)
{
	const struct event *ev = c->ev;
	bool m;
	if (ev->type == VG_EV_GENERIC_E || ev->type == VG_EV_GENERIC_X) {
		uint64_t id = 0;
		const char *name = NULL;
		if (ev->nparams && ev_param_u64(&ev->params[0], &id))
			name = ev_syscall_name((uint32_t)id);
		if (!name)
			name = "<unknown>";
		m = strset_has(&chk->evt_names, name, strlen(name));
	} else {
		m = evtset_has(&chk->evt_bits, ev->type);
	}
	return chk->op == CMP_NE ? !m : m;
}

static bool check_eval(struct fctx *c, const struct ccheck *chk)
{
	struct fval v;

	if (chk->is_evttype)
		return evttype_eval(c, chk);
	if (chk->special)
		return special_eval(c, chk);
	if (chk->ancestor_any) {
		struct field_ref r = chk->lhs.ref;
		r.has_arg = true;
		for (int64_t i = 1; i < FIELD_MAX_ANCESTORS; i++) {
			r.index = i;
			if (!field_extract(c, &r, &v))
				return false;
			if (chk->op == CMP_EXISTS)
				return true;
			regex_sanitize(c, chk, &v);
			if (chk->rhs) {
				struct fval rv;
				if (cop_eval(c, chk->rhs, &rv) && cmp_one(chk, chk->op, &v, &rv))
					return true;
			} else if (cmp_const(chk, &v)) {
				return true;
			}
		}
		return false;
	}
	if (!cop_eval(c, &chk->lhs, &v))
		return false;
	if (chk->op == CMP_EXISTS)
		return true;
	regex_sanitize(c, chk, &v);
	if (chk->rhs) {
		struct fval r;
		if (!cop_eval(c, chk->rhs, &r))
			return false;
		return cmp_one(chk, chk->op, &v, &r);
	}
	return cmp_const(chk, &v);
}

static bool node_eval(struct fctx *c, const struct cnode *n);

bool filter_eval(struct fctx *c, const struct cnode *n)
{
	if (n->memo) {
		struct cnode *m = (struct cnode *)n;
		if (m->memo_seq != c->seq) {
			m->memo_val = node_eval(c, n);
			m->memo_seq = c->seq;
		}
		return m->memo_val;
	}
	return node_eval(c, n);
}

static bool node_eval(struct fctx *c, const struct cnode *n)
{
	switch (n->kind) {
	case CN_AND:
		for (uint32_t i = 0; i < n->n; i++)
			if (!filter_eval(c, n->kids[i]))
				return false;
		return true;
	case CN_OR:
		for (uint32_t i = 0; i < n->n; i++)
			if (filter_eval(c, n->kids[i]))
				return true;
		return false;
	case CN_NOT:
		return !filter_eval(c, n->kids[0]);
	case CN_CHECK:
		return check_eval(c, n->chk);
	case CN_TRUE:
		return true;
	case CN_FALSE:
		return false;
	}
	return false;
}
