/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kernel.c - compiles validated TracingPolicies into the probe's tables
 * (policy_kernel.h): argument descriptors (register, type, size register),
 * selectors with their integer values inline, their strings, prefixes,
 * postfixes (reversed), integer sets (ranges and syscall lists expanded)
 * and CIDRs in set-keyed maps, matchBinaries as one bit per selector set by
 * the exec-time lookup of the executable's path, and the hooks of every
 * syscall in policy order (so that the first policy loaded acts first).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "common/xalloc.h"
#include "policy/policy_int.h"
#include "policy/policy_kernel.h"

struct kb {
	struct pol_kernel *k;
	char *err;
	size_t errlen;
	size_t cap_hooks, cap_sels, cap_sclist, cap_strs, cap_lpms, cap_ints, cap_bins, cap_cidrs;
	uint16_t *per_sc[VG_SYSCALL_MAX];	/* hooks of each syscall */
	size_t per_sc_n[VG_SYSCALL_MAX];
	const char *proc;
};

#define PUSH(arr, n, cap)                                                          \
	((n) == (cap) ? ((cap) = (cap) ? (cap) * 2 : 16,                           \
			 (arr) = xrealloc((arr), (cap) * sizeof(*(arr))), &(arr)[(n)++]) \
		      : &(arr)[(n)++])

static int fail(struct kb *b, int rc, const char *fmt, const char *a)
{
	snprintf(b->err, b->errlen, fmt, a);
	return rc;
}

static uint8_t vg_type(const struct pol_arg *a)
{
	switch (a->type) {
	case PT_INT: return VG_POL_T_S32;
	case PT_UINT32: return VG_POL_T_U32;
	case PT_INT8: return VG_POL_T_S8;
	case PT_UINT8: return VG_POL_T_U8;
	case PT_INT16: return VG_POL_T_S16;
	case PT_UINT16: return VG_POL_T_U16;
	case PT_LONG: return VG_POL_T_S64;
	case PT_ULONG: return VG_POL_T_U64;
	case PT_STRING: return VG_POL_T_STR;
	case PT_CHAR_BUF: return VG_POL_T_CHARBUF;
	case PT_FD: return VG_POL_T_FD;
	case PT_SOCKADDR: return VG_POL_T_SOCKADDR;
	case PT_SYSCALL64: return VG_POL_T_SYSCALL64;
	case PT_AUTO: return VG_POL_T_U64;
	default: return VG_POL_T_NOP;
	}
}

static bool signed_type(uint8_t t)
{
	return t == VG_POL_T_S32 || t == VG_POL_T_S64 || t == VG_POL_T_S16 || t == VG_POL_T_S8;
}

/* A value as the probe normalises the argument: signed types sign-extended
 * from their width, unsigned ones truncated to it. */
static uint64_t norm(uint8_t t, int64_t v)
{
	switch (t) {
	case VG_POL_T_S32: return (uint64_t)(int64_t)(int32_t)v;
	case VG_POL_T_U32: return (uint32_t)v;
	case VG_POL_T_S16: return (uint64_t)(int64_t)(int16_t)v;
	case VG_POL_T_U16: return (uint16_t)v;
	case VG_POL_T_S8: return (uint64_t)(int64_t)(int8_t)v;
	case VG_POL_T_U8: return (uint8_t)v;
	default: return (uint64_t)v;
	}
}

static uint8_t vg_op(enum pol_op op)
{
	switch (op) {
	case PO_EQUAL: return VG_POL_OP_EQ;
	case PO_NOTEQUAL: return VG_POL_OP_NEQ;
	case PO_GT: return VG_POL_OP_GT;
	case PO_LT: return VG_POL_OP_LT;
	case PO_MASK: return VG_POL_OP_MASK;
	case PO_INRANGE: return VG_POL_OP_INRANGE;
	case PO_NOTINRANGE: return VG_POL_OP_NOTINRANGE;
	case PO_INMAP: return VG_POL_OP_INMAP;
	case PO_NOTINMAP: return VG_POL_OP_NOTINMAP;
	case PO_PREFIX: return VG_POL_OP_PREFIX;
	case PO_NOTPREFIX: return VG_POL_OP_NOTPREFIX;
	case PO_POSTFIX: return VG_POL_OP_POSTFIX;
	case PO_NOTPOSTFIX: return VG_POL_OP_NOTPOSTFIX;
	default: return VG_POL_OP_NONE;
	}
}

static void add_int(struct kb *b, uint32_t set, uint64_t v)
{
	struct pol_kint *e = PUSH(b->k->ints, b->k->nints, b->cap_ints);
	e->set = set;
	e->v = v;
}

static void add_lpm(struct kb *b, uint32_t set, const char *s, bool reverse)
{
	size_t l = strlen(s);
	if (l > VG_POL_LPM)
		l = VG_POL_LPM;
	struct pol_klpm *e = PUSH(b->k->lpms, b->k->nlpms, b->cap_lpms);
	memset(e, 0, sizeof(*e));
	e->set = set;
	e->len = (uint32_t)l;
	for (size_t i = 0; i < l; i++)
		e->data[i] = (uint8_t)(reverse ? s[strlen(s) - 1 - i] : s[i]);
}

/* The syscalls of list `name` of policy p (validated already). */
static size_t list_nrs(const struct policy *p, const char *name, int *out)
{
	size_t n = 0;
	for (size_t i = 0; i < p->lists.n; i++) {
		if (!p->lists.v[i].name || strcmp(p->lists.v[i].name, name))
			continue;
		for (size_t k = 0; k < p->lists.v[i].vals.n; k++) {
			const char *s = p->lists.v[i].vals.v[k].s;
			if (!strncmp(s, "__x64_", 6))
				s += 6;
			int nr = policy_syscall_nr(s);
			if (nr >= 0)
				out[n++] = nr;
		}
	}
	return n;
}

unsigned pol_route_of(int nr)
{
	const char *n = nr >= 0 && nr < POLICY_NSYSCALLS ? policy_syscall_names[nr] : NULL;
	static const struct { const char *sc; unsigned r; } r[] = {
		{ "connect", POL_ROUTE_CONNECT }, { "bind", POL_ROUTE_BIND }, { "sendto", POL_ROUTE_SENDMSG },
		{ "sendmsg", POL_ROUTE_SENDMSG }, { "socket", POL_ROUTE_SOCKET }, { "open", POL_ROUTE_OPEN },
		{ "openat", POL_ROUTE_OPEN }, { "openat2", POL_ROUTE_OPEN }, { "creat", POL_ROUTE_OPEN },
		{ "execve", POL_ROUTE_EXEC }, { "execveat", POL_ROUTE_EXEC },
	};
	for (size_t i = 0; n && i < sizeof(r) / sizeof(r[0]); i++)
		if (!strcmp(r[i].sc, n))
			return r[i].r;
	return 0;
}

static int build_argf(struct kb *b, const struct policy *p, const struct pol_hook *h, const struct vg_pol_hook *kh,
		      const struct pol_argfilter *f, struct vg_pol_argf *o)
{
	memset(o, 0, sizeof(*o));
	o->arg = (uint8_t)f->argpos;
	o->op = vg_op(f->op);
	uint8_t t = kh->args[f->argpos].type;
	bool is_str = t == VG_POL_T_STR || t == VG_POL_T_CHARBUF || t == VG_POL_T_FD;
	switch (f->op) {
	case PO_EQUAL: case PO_NOTEQUAL:
		if (is_str) {
			o->set = b->k->nsets++;
			for (size_t i = 0; i < f->vals.n; i++) {
				struct pol_kstr *e = PUSH(b->k->strs, b->k->nstrs, b->cap_strs);
				e->set = o->set;
				e->s = f->vals.v[i].s;
				e->len = (uint32_t)strlen(e->s);
			}
			return 0;
		}
		__attribute__((fallthrough));	/* integers inline */
	case PO_GT: case PO_LT: case PO_MASK:
		for (size_t i = 0; i < f->vals.n && i < VG_POL_VALS; i++) {
			int64_t v = 0;
			pol_parse_s64(f->vals.v[i].s, &v);
			o->v[i] = norm(t, v);
		}
		o->nvals = (uint8_t)(f->vals.n < VG_POL_VALS ? f->vals.n : VG_POL_VALS);
		return 0;
	case PO_INRANGE: case PO_NOTINRANGE:
		for (size_t i = 0; i < f->vals.n && i < VG_POL_VALS; i++) {
			const char *s = f->vals.v[i].s, *colon = strchr(s, ':');
			char lo[64];
			int64_t a = 0, z = 0;
			snprintf(lo, sizeof(lo), "%.*s", colon ? (int)(colon - s) : 0, s);
			pol_parse_s64(lo, &a);
			pol_parse_s64(colon ? colon + 1 : s, &z);
			o->v[i] = norm(t, a);
			o->v2[i] = norm(t, z);
		}
		o->nvals = (uint8_t)(f->vals.n < VG_POL_VALS ? f->vals.n : VG_POL_VALS);
		return 0;
	case PO_INMAP: case PO_NOTINMAP:
		o->set = b->k->nsets++;
		for (size_t i = 0; i < f->vals.n; i++) {
			const char *s = f->vals.v[i].s, *colon = strchr(s, ':');
			if (!strncmp(s, "list:", 5)) {
				int nrs[POLICY_NSYSCALLS * 4];
				size_t n = list_nrs(p, s + 5, nrs);
				for (size_t k = 0; k < n; k++)
					add_int(b, o->set, (uint64_t)nrs[k]);
				continue;
			}
			int64_t a = 0, z = 0;
			if (colon) {
				char lo[64];
				snprintf(lo, sizeof(lo), "%.*s", (int)(colon - s), s);
				pol_parse_s64(lo, &a);
				pol_parse_s64(colon + 1, &z);
			} else {
				pol_parse_s64(s, &a);
				z = a;
			}
			for (int64_t x = a; x <= z; x++)
				add_int(b, o->set, norm(t, x));
		}
		return 0;
	case PO_PREFIX: case PO_NOTPREFIX: case PO_POSTFIX: case PO_NOTPOSTFIX: {
		bool rev = f->op == PO_POSTFIX || f->op == PO_NOTPOSTFIX;
		o->set = b->k->nsets++;
		for (size_t i = 0; i < f->vals.n; i++)
			add_lpm(b, o->set, f->vals.v[i].s, rev);
		return 0;
	}
	case PO_SADDR: case PO_NOTSADDR: case PO_DADDR: case PO_NOTDADDR:
		/* the sockaddr's own address (validated: sockaddr arguments only) */
		o->op = f->op == PO_SADDR || f->op == PO_DADDR ? VG_POL_OP_SADDR : VG_POL_OP_NOTSADDR;
		o->set = b->k->nsets++;
		for (size_t i = 0; i < f->vals.n; i++) {
			struct pol_cidr c;
			if (pol_parse_cidr(f->vals.v[i].s, &c))
				return fail(b, -EINVAL, "'%s' is not an address or CIDR", f->vals.v[i].s);
			struct pol_kcidr *e = PUSH(b->k->cidrs, b->k->ncidrs, b->cap_cidrs);
			e->set = o->set;
			e->family = (uint16_t)c.family;
			e->bits = (uint16_t)c.bits;
			memcpy(e->addr, c.addr, 16);
		}
		return 0;
	case PO_SPORT: case PO_NOTSPORT: case PO_DPORT: case PO_NOTDPORT:
		o->op = f->op == PO_SPORT || f->op == PO_DPORT ? VG_POL_OP_SPORT : VG_POL_OP_NOTSPORT;
		o->set = b->k->nsets++;
		for (size_t i = 0; i < f->vals.n; i++) {
			uint32_t lo, hi;
			if (pol_parse_port_range(f->vals.v[i].s, &lo, &hi))
				return fail(b, -EINVAL, "'%s' is not a port or port range", f->vals.v[i].s);
			for (uint32_t x = lo; x <= hi; x++)
				add_int(b, o->set, x);
		}
		return 0;
	case PO_FAMILY:
		o->op = VG_POL_OP_FAMILY;
		for (size_t i = 0; i < f->vals.n && i < VG_POL_VALS; i++) {
			uint16_t fam = 0;
			pol_parse_family(f->vals.v[i].s, &fam);
			o->v[o->nvals++] = fam;
		}
		return 0;
	default:
		(void)h;
		return fail(b, -EINVAL, "operator %s cannot be compiled for the kernel", pol_op_name(f->op));
	}
}

/* The fixed inode numbers of the kernel's initial namespaces
 * (include/linux/proc_ns.h; net and mnt since 6.x), by enum vg_pol_ns. */
static uint32_t init_ns_ino(int ns)
{
	switch (ns) {
	case VG_POL_NS_IPC: return 0xEFFFFFFFu;
	case VG_POL_NS_UTS: return 0xEFFFFFFEu;
	case VG_POL_NS_USER: return 0xEFFFFFFDu;
	case VG_POL_NS_PID: case VG_POL_NS_PID_CHILDREN: return 0xEFFFFFFCu;
	case VG_POL_NS_CGROUP: return 0xEFFFFFFBu;
	case VG_POL_NS_TIME: case VG_POL_NS_TIME_CHILDREN: return 0xEFFFFFFAu;
	case VG_POL_NS_NET: return 0xEFFFFFF9u;
	case VG_POL_NS_MNT: return 0xEFFFFFF8u;
	default: return 0;
	}
}

/* The inode number of /proc/1/ns/<name>: what host_ns means. Where pid 1
 * cannot be inspected (EACCES: ptrace access to it is refused), the
 * initial namespace of the kernel, which is pid 1's on a host. */
static int host_ns(struct kb *b, int ns, uint32_t *out)
{
	char path[256];
	struct stat st;
	snprintf(path, sizeof(path), "%s/1/ns/%s", b->proc, pol_ns_proc_name(ns));
	if (stat(path, &st)) {
		if (errno == EACCES && init_ns_ino(ns)) {
			*out = init_ns_ino(ns);
			return 0;
		}
		return fail(b, -errno, "cannot read the host namespace for host_ns (%s)", path);
	}
	*out = (uint32_t)st.st_ino;
	return 0;
}

static int add_bin(struct kb *b, enum pol_kbin_kind kind, const char *path, uint64_t bit)
{
	for (size_t i = 0; i < b->k->nbins; i++) {
		if (b->k->bins[i].kind == kind && !strcmp(b->k->bins[i].path, path)) {
			b->k->bins[i].mask |= bit;
			return 0;
		}
	}
	struct pol_kbin *e = PUSH(b->k->bins, b->k->nbins, b->cap_bins);
	e->kind = kind;
	e->path = path;
	e->mask = bit;
	return 0;
}

static int build_sel(struct kb *b, const struct policy *p, const struct pol_hook *h, const struct vg_pol_hook *kh,
		     const struct pol_selector *s, struct vg_pol_sel *o)
{
	int rc;
	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < s->args.n && i < VG_POL_ARGS; i++) {
		if (s->args.v[i].op == PO_PROTOCOL && h->xlate_tcp_connect)
			continue;	/* TCP by construction (VG_POL_HF_TCP) */
		if ((rc = build_argf(b, p, h, kh, &s->args.v[i], &o->argf[o->nargf])))
			return rc;
		o->nargf++;
	}
	if (s->pids.n) {
		const struct pol_pidfilter *f = &s->pids.v[0];
		o->pid_op = f->op == PO_IN ? VG_POL_OP_IN : VG_POL_OP_NOTIN;
		o->pid_flags = (f->ns_pid ? VG_POL_PID_NS : 0) | (f->follow_forks ? VG_POL_PID_FOLLOW : 0);
		for (size_t i = 0; i < f->vals.n && i < VG_POL_VALS; i++) {
			int64_t v = 0;
			pol_parse_s64(f->vals.v[i].s, &v);
			o->pids[o->npids++] = (uint32_t)v;
		}
	}
	if (s->bins.n) {
		const struct pol_binfilter *f = &s->bins.v[0];
		int bit = 0;
		while (bit < VG_POL_BINSETS && (((b->k->bin_sets >> bit) & 1) || !((b->k->bin_bits >> bit) & 1)))
			bit++;
		if (bit >= VG_POL_BINSETS)
			return fail(b, -E2BIG, "more than %s matchBinaries selectors in the loaded policies",
				    b->k->bin_bits == ~0ull ? "64" : "32 (with live policy changes)");
		uint64_t m = 1ull << bit;
		b->k->bin_sets |= m;
		if (f->follow_children)
			b->k->follow_mask |= m;
		o->bin_mask = m;
		bool neg = f->op == PO_NOTIN || f->op == PO_NOTPREFIX || f->op == PO_NOTPOSTFIX;
		o->bin_op = neg ? VG_POL_OP_NOTIN : VG_POL_OP_IN;
		enum pol_kbin_kind kind = f->comm ? PKB_COMM
					  : f->op == PO_PREFIX || f->op == PO_NOTPREFIX ? PKB_PREFIX
					  : f->op == PO_POSTFIX || f->op == PO_NOTPOSTFIX ? PKB_POSTFIX : PKB_EXACT;
		for (size_t i = 0; i < f->vals.n; i++)
			add_bin(b, kind, f->vals.v[i].s, m);
	}
	for (size_t i = 0; i < s->ns.n && i < VG_POL_NSF; i++) {
		const struct pol_nsfilter *f = &s->ns.v[i];
		struct vg_pol_nsf *n = &o->ns[o->nns++];
		n->ns = (uint8_t)f->ns;
		n->op = f->op == PO_IN ? VG_POL_OP_IN : VG_POL_OP_NOTIN;
		for (size_t k = 0; k < f->vals.n && k < VG_POL_VALS; k++) {
			uint32_t v = 0;
			if (!strcmp(f->vals.v[k].s, "host_ns")) {
				if ((rc = host_ns(b, f->ns, &v)))
					return rc;
			} else {
				int64_t x = 0;
				pol_parse_s64(f->vals.v[k].s, &x);
				v = (uint32_t)x;
			}
			n->v[n->nvals++] = v;
		}
	}
	for (size_t i = 0; i < s->caps.n && i < VG_POL_CAPF; i++) {
		const struct pol_capfilter *f = &s->caps.v[i];
		struct vg_pol_capf *c = &o->caps[o->ncaps++];
		c->type = (uint8_t)f->type;
		c->op = f->op == PO_IN ? VG_POL_OP_IN : VG_POL_OP_NOTIN;
		c->nscap = f->ns_cap;
		c->mask = f->mask;
	}
	for (size_t i = 0; i < s->actions.n && i < VG_POL_ACTS; i++) {
		const struct pol_actionspec *a = &s->actions.v[i];
		struct vg_pol_act *x = &o->act[o->nact++];
		switch (a->type) {
		case PA_POST: x->type = VG_POL_A_POST; break;
		case PA_NOPOST: x->type = VG_POL_A_NOPOST; break;
		case PA_SIGKILL: x->type = VG_POL_A_SIGKILL; x->sig = 9; break;
		case PA_SIGNAL: x->type = VG_POL_A_SIGNAL; x->sig = a->arg_sig; break;
		case PA_NOTIFYENFORCER: x->type = VG_POL_A_NOTIFYENFORCER; x->sig = a->has_sig ? a->arg_sig : 0; break;
		case PA_OVERRIDE:
			x->type = VG_POL_A_OVERRIDE;
			for (size_t k = 0; k < h->nnrs; k++)
				b->k->routes |= pol_route_of(h->nrs[k]);
			break;
		default:
			return fail(b, -EINVAL, "action %s cannot be compiled for the kernel", pol_action_name(a->type));
		}
		x->err = a->arg_error;
		x->rate_ms = a->rate_ms;
		x->scope = (uint8_t)a->rate_scope;
	}
	return 0;
}

static int build_hook(struct kb *b, const struct policy *p, const struct pol_hook *h)
{
	if (b->k->nhooks >= VG_POL_HOOKS_MAX)
		return fail(b, -E2BIG, "more than %s hooks in the loaded policies", "256");
	if (!h->nnrs && !h->all_syscalls)
		return 0;	/* ignore.callNotFound */
	uint16_t id = (uint16_t)(b->k->hook_base + b->k->nhooks);
	size_t local = b->k->nhooks;
	struct vg_pol_hook *kh = PUSH(b->k->hooks, b->k->nhooks, b->cap_hooks);
	size_t cap_info = b->cap_hooks;
	b->k->info = xrealloc(b->k->info, cap_info * sizeof(*b->k->info));
	b->k->info[local] = (struct pol_khook){ p, h };
	memset(kh, 0, sizeof(*kh));
	if (p->mode == PM_MONITOR || b->k->monitor_all)
		kh->flags |= VG_POL_HF_MONITOR;
	if (h->kind == PH_TRACEPOINT)
		kh->flags |= VG_POL_HF_TRACEPOINT;
	if (h->xlate_tcp_connect)
		kh->flags |= VG_POL_HF_TCP;
	if (p->namespaced) {
		/* only pods of metadata.namespace (vg_pol_cgns) */
		kh->flags |= VG_POL_HF_NAMESPACED;
		kh->ns = vg_pol_ns_hash(p->ns ? p->ns : "");
	}
	/* an Override routed to a socket deny point: the deny point checks the
	 * address it gets is the one evaluated (VG_POL_HF_GUARD) */
	bool ovr = false, sa = false, sock_route = false;
	for (size_t i = 0; i < h->sels.n; i++)
		for (size_t a = 0; a < h->sels.v[i].actions.n; a++)
			ovr |= h->sels.v[i].actions.v[a].type == PA_OVERRIDE;
	for (size_t i = 0; i < h->args.n; i++)
		sa |= h->args.v[i].type == PT_SOCKADDR || (h->xlate_tcp_connect && h->args.v[i].type == PT_SOCK);
	for (size_t i = 0; i < h->nnrs; i++)
		sock_route |= (pol_route_of(h->nrs[i]) & (POL_ROUTE_CONNECT | POL_ROUTE_BIND | POL_ROUTE_SENDMSG)) != 0;
	if (ovr && sa && sock_route && !(kh->flags & VG_POL_HF_MONITOR))
		kh->flags |= VG_POL_HF_GUARD;
	for (size_t i = 0; i < h->args.n && i < VG_POL_ARGS; i++) {
		const struct pol_arg *a = &h->args.v[i];
		struct vg_pol_argdesc *d = &kh->args[kh->nargs++];
		d->type = vg_type(a);
		d->src = h->kind == PH_TRACEPOINT ? VG_POL_SRC_ID : (uint8_t)a->index;
		if (h->xlate_tcp_connect) {
			/* the sock of tcp_connect: connect's sockaddr (register 1) */
			d->type = VG_POL_T_SOCKADDR;
			d->src = 1;
		}
		d->size_src = a->size_arg_index > 0 ? (uint8_t)(a->size_arg_index - 1) : VG_POL_SRC_NONE;
		d->max = VG_POL_STR;
	}
	kh->sel_first = (uint32_t)(b->k->sel_base + b->k->nsels);
	if (b->k->nsels + h->sels.n > VG_POL_SELS_MAX)
		return fail(b, -E2BIG, "more than %s selectors in the loaded policies", "1280");
	for (size_t i = 0; i < h->sels.n; i++) {
		struct vg_pol_sel *o = PUSH(b->k->sels, b->k->nsels, b->cap_sels);
		int rc = build_sel(b, p, h, kh, &h->sels.v[i], o);
		if (rc)
			return rc;
		kh->nsel++;
	}
	/* the syscalls it applies to */
	for (int nr = 0; nr < VG_SYSCALL_MAX; nr++) {
		bool on = false;
		if (h->all_syscalls)
			on = policy_syscall_names[nr] != NULL;
		for (size_t i = 0; !on && i < h->nnrs; i++)
			on = h->nrs[i] == nr;
		if (!on)
			continue;
		b->per_sc[nr] = xrealloc(b->per_sc[nr], (b->per_sc_n[nr] + 1) * sizeof(uint16_t));
		b->per_sc[nr][b->per_sc_n[nr]++] = id;
	}
	(void)signed_type;
	return 0;
}

/* LPM lookups return the longest match only: give each prefix the sets of
 * every shorter prefix it extends. */
static void close_prefixes(struct pol_kernel *k)
{
	for (size_t i = 0; i < k->nbins; i++) {
		struct pol_kbin *a = &k->bins[i];
		if (a->kind == PKB_EXACT || a->kind == PKB_COMM)
			continue;
		size_t la = strlen(a->path);
		for (size_t j = 0; j < k->nbins; j++) {
			const struct pol_kbin *c = &k->bins[j];
			size_t lc = strlen(c->path);
			if (c->kind != a->kind || lc >= la)
				continue;
			bool ext = a->kind == PKB_PREFIX ? !strncmp(a->path, c->path, lc)
							 : !strcmp(a->path + la - lc, c->path);
			if (ext)
				a->mask |= c->mask;
		}
	}
}

int pol_kernel_build(struct pol_kernel *k, const struct policy_set *ps, const struct pol_kernel_opts *o,
		     char *err, size_t errlen)
{
	struct kb b = { .k = k, .err = err, .errlen = errlen, .proc = o && o->proc ? o->proc : "/proc" };
	int rc = 0;
	memset(k, 0, sizeof(*k));
	k->monitor_all = o && o->monitor;
	k->gen = o ? o->gen & 1 : 0;
	k->hook_base = k->gen * VG_POL_HOOKS_MAX;
	k->sel_base = k->gen * VG_POL_SELS_MAX;
	k->set_base = k->nsets = k->gen * VG_POL_SETS_MAX;
	k->dynamic = o && o->dynamic;
	k->bin_bits = o && o->split_bins ? 0xffffffffull << (32 * k->gen) : ~0ull;
	for (size_t i = 0; i < ps->n && !rc; i++) {
		struct policy *p = ps->v[i];
		p->first_hook = k->nhooks;
		for (size_t h = 0; h < p->hooks.n && !rc; h++)
			rc = build_hook(&b, p, &p->hooks.v[h]);
	}
	size_t total = 0;
	for (int nr = 0; nr < VG_SYSCALL_MAX; nr++)
		total += b.per_sc_n[nr];
	if (!rc && total > VG_POL_SCLIST_MAX)
		rc = fail(&b, -E2BIG, "more than %s (syscall, hook) pairs in the loaded policies", "8192");
	if (!rc && k->nsets - k->set_base > VG_POL_SETS_MAX)
		rc = fail(&b, -E2BIG, "more than %s string, prefix and integer sets in the loaded policies", "1024");
	if (!rc) {
		k->sclist = xcalloc(total ? total : 1, sizeof(*k->sclist));
		for (int nr = 0; nr < VG_SYSCALL_MAX; nr++) {
			k->sc[nr].first = (uint16_t)k->nsclist;
			k->sc[nr].count = (uint16_t)b.per_sc_n[nr];
			for (size_t i = 0; i < b.per_sc_n[nr]; i++)
				k->sclist[k->nsclist++] = b.per_sc[nr][i];
		}
		close_prefixes(k);
	}
	for (int nr = 0; nr < VG_SYSCALL_MAX; nr++)
		free(b.per_sc[nr]);
	if (rc)
		pol_kernel_free(k);
	return rc;
}

void pol_kernel_free(struct pol_kernel *k)
{
	if (!k)
		return;
	free(k->hooks);
	free(k->info);
	free(k->sels);
	free(k->sclist);
	free(k->strs);
	free(k->lpms);
	free(k->ints);
	free(k->bins);
	free(k->cidrs);
	memset(k, 0, sizeof(*k));
}

uint64_t pol_kernel_bin_mask(const struct pol_kernel *k, const char *path)
{
	uint64_t m = 0;
	size_t lp = strlen(path);
	if (lp >= VG_POL_BIN)
		return 0;	/* read_exe keeps 255 bytes: longer paths never match */
	for (size_t i = 0; i < k->nbins; i++) {
		const struct pol_kbin *b = &k->bins[i];
		size_t lb = strlen(b->path);
		switch (b->kind) {
		case PKB_EXACT:
			if (!strcmp(b->path, path))
				m |= b->mask;
			break;
		case PKB_PREFIX:
			if (lb <= lp && !strncmp(path, b->path, lb))
				m |= b->mask;
			break;
		case PKB_POSTFIX:
			if (lb <= lp && !strcmp(path + lp - lb, b->path))
				m |= b->mask;
			break;
		case PKB_COMM:
			break;
		}
	}
	return m;
}

uint64_t pol_kernel_comm_mask(const struct pol_kernel *k, const char *comm)
{
	uint64_t m = 0;
	for (size_t i = 0; i < k->nbins; i++)
		if (k->bins[i].kind == PKB_COMM && !strncmp(k->bins[i].path, comm, 15) && strlen(comm) <= 15)
			m |= k->bins[i].mask;
	return m;
}
