/* SPDX-License-Identifier: Apache-2.0 */
/*
 * validate.c - checks a loaded TracingPolicy against Tetragon's limits
 * (§1.6 of the spec: 5 selectors, 5 args, 5 matchArgs, 4 integer values,
 * 3 actions, 1 matchBinaries, path lengths) and against this kernel
 * (§5.5: no kprobes on kernel functions, no fentry, no BPF-LSM, no
 * Override where no deny point exists), with the spec's exact messages.
 * Features vigil does not implement yet are refused as such, never
 * dropped: a policy that loads is enforced as written. It also resolves
 * each kprobe's syscall(s) (call, list:NAME) and each matchArgs position.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy/policy_int.h"

#define NOT_YET "is not implemented in vigil yet"

/* Kernel functions with a known substitute on this kernel (§5.1), not
 * implemented yet: named in the refusal so the user knows the way. */
static const struct { const char *fn, *sub; } substitutes[] = {
	{ "tcp_close", "sock:inet_sock_set_state" },
	{ "tcp_sendmsg", "sys_sendto/sys_sendmsg with an fd argument" },
	{ "fd_install", "sys_exit of open/openat/openat2/creat/dup*/accept*/socket with fd->path" },
	{ "security_file_permission", "sys_enter of read/write/pread*/pwrite*/readv/writev with fd->path" },
	{ "security_bprm_check", "sched_process_exec or fanotify FAN_OPEN_EXEC_PERM" },
	{ "bprm_check_security", "sched_process_exec or fanotify FAN_OPEN_EXEC_PERM" },
	{ "security_socket_connect", "cgroup/connect4/6" },
	{ "create_user_ns", "sys_enter of unshare/clone/clone3 with CLONE_NEWUSER" },
	{ "commit_creds", "sys_exit of set*id/capset reading task->cred" },
	{ "do_init_module", "module:module_load and sys_enter of init_module/finit_module" },
	{ "load_module", "module:module_load and sys_enter of init_module/finit_module" },
	{ "ip_output", "net:net_dev_queue or cgroup_skb egress" },
	{ "dev_queue_xmit", "net:net_dev_queue or cgroup_skb egress" },
	{ "bpf_check", "sys_enter of bpf(BPF_PROG_LOAD)" },
};

/* lsmhooks with a substitute deny point (§5.3). */
static const struct { const char *hook, *sub; } lsm_substitutes[] = {
	{ "file_open", "fanotify FAN_OPEN_PERM" },
	{ "bprm_check_security", "fanotify FAN_OPEN_EXEC_PERM" },
	{ "bprm_creds_for_exec", "fanotify FAN_OPEN_EXEC_PERM" },
	{ "socket_connect", "cgroup/connect4/6" },
	{ "socket_bind", "cgroup/bind4/6" },
	{ "socket_sendmsg", "cgroup/sendmsg4/6" },
	{ "socket_create", "cgroup/sock_create" },
};

/* Override routing (§5.3): the deny point of each hooked syscall, and
 * whether vigil implements it yet. */
struct route {
	const char *sc;
	const char *how;
	bool implemented;
	bool eperm_only;	/* fanotify: FAN_DENY is EPERM */
};
static const struct route routes[] = {
	{ "open", "fanotify FAN_OPEN_PERM", true, true },
	{ "openat", "fanotify FAN_OPEN_PERM", true, true },
	{ "openat2", "fanotify FAN_OPEN_PERM", true, true },
	{ "creat", "fanotify FAN_OPEN_PERM", true, true },
	{ "execve", "fanotify FAN_OPEN_EXEC_PERM", true, true },
	{ "execveat", "fanotify FAN_OPEN_EXEC_PERM", true, true },
	{ "connect", "cgroup/connect4/6", true, false },
	{ "bind", "cgroup/bind4/6", true, false },
	{ "sendto", "cgroup/sendmsg4/6", true, false },
	{ "sendmsg", "cgroup/sendmsg4/6", true, false },
	{ "socket", "cgroup/sock_create", true, false },
};

static const struct route *route_of(int nr)
{
	const char *n = nr >= 0 && nr < POLICY_NSYSCALLS ? policy_syscall_names[nr] : NULL;
	for (size_t i = 0; n && i < sizeof(routes) / sizeof(routes[0]); i++)
		if (!strcmp(routes[i].sc, n))
			return &routes[i];
	return NULL;
}

static struct pol_list *find_list(struct policy *p, const char *name)
{
	for (size_t i = 0; i < p->lists.n; i++)
		if (p->lists.v[i].name && !strcmp(p->lists.v[i].name, name))
			return &p->lists.v[i];
	return NULL;
}

static bool is_compat_name(const char *s)
{
	return !strncmp(s, "__ia32_", 7) || !strncmp(s, "i386/", 5) || !strncmp(s, "__x32_", 6);
}

/* A syscall name as policies write it: sys_X, __x64_sys_X, X. */
static int syscall_of(const char *s)
{
	if (!strncmp(s, "__x64_", 6))
		s += 6;
	return policy_syscall_nr(s);
}

/* The syscalls of list `name` (type syscalls / generated_syscalls). */
static int list_syscalls(struct pol_ctx *c, const char *name, struct pol_pos pos, int **out, size_t *nout)
{
	struct pol_list *l = find_list(c->p, name);
	if (!l) {
		pol_err(c, pos, "no list named '%s' in spec.lists", name);
		return -1;
	}
	if (l->type && strcmp(l->type, "syscalls") && strcmp(l->type, "generated_syscalls")) {
		pol_err(c, pos, "list '%s' has type %s, not a syscall list", name, l->type);
		return -1;
	}
	*out = arena_alloc(&c->ps->a, (l->vals.n ? l->vals.n : 1) * sizeof(int));
	*nout = 0;
	int rc = 0;
	for (size_t i = 0; i < l->vals.n; i++) {
		const char *s = l->vals.v[i].s;
		if (is_compat_name(s)) {
			if (!l->reported)
				pol_err(c, l->vals.v[i].pos,
					"32-bit compat syscall '%s' %s (the probe skips compat calls)", s, NOT_YET);
			rc = -1;
			continue;
		}
		int nr = syscall_of(s);
		if (nr < 0) {
			if (!l->reported)
				pol_err(c, l->vals.v[i].pos, "unknown syscall '%s' in list '%s'", s, name);
			rc = -1;
			continue;
		}
		(*out)[(*nout)++] = nr;
	}
	l->reported = true;
	return rc;
}

static void check_lists(struct pol_ctx *c)
{
	for (size_t i = 0; i < c->p->lists.n; i++) {
		const struct pol_list *l = &c->p->lists.v[i];
		if (!l->type || !strcmp(l->type, "syscalls") || !strcmp(l->type, "generated_syscalls"))
			continue;
		if (!strcmp(l->type, "generated_ftrace"))
			pol_err(c, l->pos, "lists of type generated_ftrace unsupported: they name kernel functions and this kernel has CONFIG_KPROBES=n");
		else
			pol_err(c, l->pos, "list type '%s' must be syscalls, generated_syscalls or generated_ftrace", l->type);
	}
}

static bool is_int_type(enum pol_type t)
{
	switch (t) {
	case PT_INT: case PT_UINT32: case PT_INT8: case PT_UINT8: case PT_INT16: case PT_UINT16:
	case PT_LONG: case PT_ULONG: case PT_SYSCALL64:
		return true;
	default:
		return false;
	}
}

static bool is_str_type(enum pol_type t)
{
	return t == PT_STRING || t == PT_CHAR_BUF || t == PT_FD;
}

/* An argument type that can be read from a syscall register. */
static void check_sys_arg(struct pol_ctx *c, const struct pol_hook *h, const struct pol_arg *a, bool tracepoint)
{
	const char *call = h->call ? h->call : "?";
	if (a->resolve)
		pol_err(c, a->pos, "resolve/btfType on arguments %s", NOT_YET);
	if (a->return_copy)
		pol_err(c, a->pos, "returnCopy %s (needs the sys_exit side)", NOT_YET);
	if (a->max_data)
		pol_err(c, a->pos, "maxData %s (arguments are read up to %d bytes)", NOT_YET, VG_POL_STR);
	if (h->xlate_tcp_connect && a->type == PT_SOCK)
		return;
	switch (a->type) {
	case PT_AUTO:
		pol_err(c, a->type_pos, "type 'auto' is only valid for tracepoints");
		return;
	case PT_SYSCALL64:
		if (!tracepoint)
			pol_err(c, a->type_pos, "type 'syscall64' is only valid for tracepoints");
		return;
	case PT_INT: case PT_UINT32: case PT_INT8: case PT_UINT8: case PT_INT16: case PT_UINT16:
	case PT_LONG: case PT_ULONG: case PT_STRING: case PT_FD: case PT_NOP: case PT_SOCKADDR:
		return;
	case PT_CHAR_BUF:
		if (!a->size_arg_index)
			pol_err(c, a->pos, "char_buf needs sizeArgIndex (returnCopy %s)", NOT_YET);
		else if (a->size_arg_index < 1 || a->size_arg_index > 6)
			pol_err(c, a->pos, "sizeArgIndex %d is out of range: it is 1-based (1..6)", a->size_arg_index);
		return;
	case PT_FILENAME:
		pol_err(c, a->type_pos,
			"type 'filename' reads a kernel struct filename; the argument of %s is a user string: use type string",
			call);
		return;
	case PT_CHAR_IOVEC: case PT_SOCKADDR_UN: case PT_BPF_CMD: case PT_KERNEL_CAP:
	case PT_CAP_INHERITABLE: case PT_CAP_PERMITTED: case PT_CAP_EFFECTIVE: case PT_CAPABILITY:
		pol_err(c, a->type_pos, "argument type '%s' on a syscall %s", a->type_name, NOT_YET);
		return;
	case PT_DATA_LOC: case PT_CONST_BUF:
		pol_err(c, a->type_pos, "type '%s' is only valid for tracepoints", a->type_name);
		return;
	default:
		pol_err(c, a->type_pos,
			"type '%s' is a kernel object and never a syscall argument of %s (it needs a kprobe: this kernel has CONFIG_KPROBES=n); use type fd or string",
			a->type_name, call);
		return;
	}
}

static int parse_u32(const char *s, uint32_t *out)
{
	int64_t v;
	if (pol_parse_s64(s, &v) || v < 0 || v > 0xffffffffll)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static void check_int_values(struct pol_ctx *c, struct pol_argfilter *f, const struct pol_hook *h)
{
	if (!f->vals.n) {
		pol_err(c, f->op_pos, "operator %s needs values", f->op_name);
		return;
	}
	bool inmap = f->op == PO_INMAP || f->op == PO_NOTINMAP;
	if (!inmap && f->vals.n > VG_POL_VALS)
		pol_err(c, f->vals.v[VG_POL_VALS].pos, "%s takes at most %d integer values (Tetragon's limit), not %zu",
			f->op_name, VG_POL_VALS, f->vals.n);
	for (size_t i = 0; i < f->vals.n; i++) {
		const char *s = f->vals.v[i].s;
		int64_t a, b;
		if (inmap && !strncmp(s, "list:", 5)) {
			int *nrs;
			size_t n;
			list_syscalls(c, s + 5, f->vals.v[i].pos, &nrs, &n);
			continue;
		}
		const char *colon = strchr(s, ':');
		if ((f->op == PO_INRANGE || f->op == PO_NOTINRANGE || inmap) && colon) {
			char lo[64];
			snprintf(lo, sizeof(lo), "%.*s", (int)(colon - s), s);
			if (pol_parse_s64(lo, &a) || pol_parse_s64(colon + 1, &b) || b < a)
				pol_err(c, f->vals.v[i].pos, "'%s' is not a range min:max", s);
			else if (inmap && (uint64_t)(b - a) > 65536)
				pol_err(c, f->vals.v[i].pos, "range '%s' expands to more than 65536 values", s);
			continue;
		}
		if (f->op == PO_INRANGE || f->op == PO_NOTINRANGE) {
			pol_err(c, f->vals.v[i].pos, "%s values are ranges min:max, not '%s'", f->op_name, s);
			continue;
		}
		if (pol_parse_s64(s, &a))
			pol_err(c, f->vals.v[i].pos, "'%s' is not an integer", s);
	}
	(void)h;
}

static void check_str_values(struct pol_ctx *c, struct pol_argfilter *f)
{
	if (!f->vals.n) {
		pol_err(c, f->op_pos, "operator %s needs values", f->op_name);
		return;
	}
	size_t max = f->op == PO_EQUAL || f->op == PO_NOTEQUAL ? VG_POL_STR - 1
		     : f->op == PO_PREFIX || f->op == PO_NOTPREFIX ? VG_POL_LPM : 127;
	for (size_t i = 0; i < f->vals.n; i++) {
		size_t l = strlen(f->vals.v[i].s);
		if (l > max)
			pol_err(c, f->vals.v[i].pos, "%s value is %zu bytes long, at most %zu (Tetragon's limit)",
				f->op_name, l, max);
		if (!l && f->op != PO_EQUAL && f->op != PO_NOTEQUAL)
			pol_err(c, f->vals.v[i].pos, "empty %s value", f->op_name);
	}
}

/* The argument a matchArgs entry refers to. Kprobes: the args entry whose
 * index is the filter's index (Tetragon's argSelectorType), or the list
 * position with `args:`. Tracepoints: the field index is rewritten to the
 * position of the arg with that index; an index that matches none stays a
 * list position (generictracepoint.go). */
static const struct pol_arg *filter_arg(struct pol_ctx *c, const struct pol_hook *h, struct pol_argfilter *f,
					const char *what)
{
	f->argpos = -1;
	if (f->by_pos) {
		if (f->index >= 0 && (size_t)f->index < h->args.n)
			f->argpos = f->index;
	} else {
		for (size_t i = 0; i < h->args.n; i++)
			if (h->args.v[i].index == f->index)
				f->argpos = (int)i;
		if (f->argpos < 0 && h->kind == PH_TRACEPOINT && f->index >= 0 && (size_t)f->index < h->args.n)
			f->argpos = f->index;
	}
	if (f->argpos < 0) {
		pol_err(c, f->pos, "%s index %d: no argument with index %d in args", what, f->index, f->index);
		return NULL;
	}
	return &h->args.v[f->argpos];
}

static void check_net_values(struct pol_ctx *c, struct pol_argfilter *f);

static void check_argfilter(struct pol_ctx *c, const struct pol_hook *h, struct pol_argfilter *f)
{
	if (f->op == PO_NONE)
		return;
	const struct pol_arg *a = filter_arg(c, h, f, "matchArgs");
	if (!a)
		return;
	enum pol_type t = a->type;
	switch (f->op) {
	case PO_EQUAL: case PO_NOTEQUAL:
		if (is_int_type(t))
			check_int_values(c, f, h);
		else if (is_str_type(t))
			check_str_values(c, f);
		else
			pol_err(c, f->op_pos, "operator %s does not apply to type %s", f->op_name, a->type_name);
		return;
	case PO_GT: case PO_LT: case PO_MASK: case PO_INRANGE: case PO_NOTINRANGE: case PO_INMAP: case PO_NOTINMAP:
		if (!is_int_type(t))
			pol_err(c, f->op_pos, "operator %s applies to integers, not to type %s", f->op_name, a->type_name);
		else
			check_int_values(c, f, h);
		return;
	case PO_PREFIX: case PO_NOTPREFIX: case PO_POSTFIX: case PO_NOTPOSTFIX:
		if (!is_str_type(t))
			pol_err(c, f->op_pos, "operator %s applies to strings and paths, not to type %s", f->op_name,
				a->type_name);
		else
			check_str_values(c, f);
		return;
	case PO_SUBSTRING: case PO_SUBSTRINGIGNCASE:
		pol_err(c, f->op_pos, "operator %s %s (bpf_strnstr from tp_btf is unverified on this kernel)", f->op_name,
			NOT_YET);
		return;
	case PO_FILETYPE: case PO_NOTFILETYPE: case PO_CELEXPR: case PO_CAPSGAINED:
		pol_err(c, f->op_pos, "operator %s %s", f->op_name, NOT_YET);
		return;
	case PO_SADDR: case PO_NOTSADDR: case PO_DADDR: case PO_NOTDADDR:
	case PO_SPORT: case PO_NOTSPORT: case PO_DPORT: case PO_NOTDPORT: case PO_FAMILY:
		if (t == PT_SOCK && h->xlate_tcp_connect) {
			if (f->op == PO_SADDR || f->op == PO_NOTSADDR || f->op == PO_SPORT || f->op == PO_NOTSPORT) {
				pol_err(c, f->op_pos,
					"operator %s on tcp_connect: the local address and port are not known at connect(2) entry, where vigil hooks it",
					f->op_name);
				return;
			}
			check_net_values(c, f);
			return;
		}
		if (t != PT_SOCKADDR)
			break;
		check_net_values(c, f);
		return;
	case PO_PROTOCOL:
		if (t == PT_SOCK && h->xlate_tcp_connect) {
			/* only TCP sockets reach it: IPPROTO_TCP always holds */
			for (size_t i = 0; i < f->vals.n; i++)
				if (strcmp(f->vals.v[i].s, "IPPROTO_TCP") && strcmp(f->vals.v[i].s, "6"))
					pol_err(c, f->vals.v[i].pos, "tcp_connect sockets are TCP: Protocol %s never matches",
						f->vals.v[i].s);
			return;
		}
		break;
	default:
		break;
	}
	/* the other network operators, or on other types */
	pol_err(c, f->op_pos, "operator %s on a syscall argument of type %s %s", f->op_name, a->type_name, NOT_YET);
}

/* Address, port and family values on a sockaddr argument (netval.c). */
static void check_net_values(struct pol_ctx *c, struct pol_argfilter *f)
{
	if (!f->vals.n)
		pol_err(c, f->op_pos, "operator %s needs values", f->op_name);
	for (size_t i = 0; i < f->vals.n; i++) {
		const char *s = f->vals.v[i].s;
		struct pol_cidr cidr;
		uint32_t lo, hi;
		uint16_t fam;
		switch (f->op) {
		case PO_SADDR: case PO_NOTSADDR: case PO_DADDR: case PO_NOTDADDR:
			if (pol_parse_cidr(s, &cidr))
				pol_err(c, f->vals.v[i].pos, "'%s' is not an IPv4/IPv6 address or CIDR", s);
			break;
		case PO_FAMILY:
			if (pol_parse_family(s, &fam))
				pol_err(c, f->vals.v[i].pos, "'%s' is not an address family (AF_INET, AF_INET6, ... or a number)", s);
			break;
		default:
			if (pol_parse_port_range(s, &lo, &hi))
				pol_err(c, f->vals.v[i].pos, "'%s' is not a port or a port range min:max (0..65535)", s);
			break;
		}
	}
	if (f->op == PO_FAMILY && f->vals.n > VG_POL_VALS)
		pol_err(c, f->vals.v[VG_POL_VALS].pos, "Family takes at most %d values", VG_POL_VALS);
}

static void check_bins(struct pol_ctx *c, struct pol_selector *s)
{
	if (s->bins.n > 1)
		pol_err(c, s->bins.v[1].pos, "at most 1 matchBinaries per selector (Tetragon's limit)");
	for (size_t i = 0; i < s->bins.n; i++) {
		struct pol_binfilter *b = &s->bins.v[i];
		if (!b->vals.n)
			pol_err(c, b->op_pos, "matchBinaries needs values");
		if (b->follow_children && b->op != PO_IN && b->op != PO_NOTIN)
			pol_err(c, b->pos, "followChildren applies to In and NotIn only");
		size_t max = b->op == PO_POSTFIX || b->op == PO_NOTPOSTFIX ? 127 : b->op == PO_IN || b->op == PO_NOTIN ? 255 : 256;
		for (size_t k = 0; k < b->vals.n; k++) {
			size_t l = strlen(b->vals.v[k].s);
			if (l > max)
				pol_err(c, b->vals.v[k].pos, "binary path is %zu bytes long, at most %zu (Tetragon's limit)", l, max);
			if (b->comm) {
				if (l > 15 || !l)
					pol_err(c, b->vals.v[k].pos,
						"process name '%s' is %zu bytes long: the kernel's name of a process (comm) has 1 to 15",
						b->vals.v[k].s, l);
				continue;
			}
			if ((b->op == PO_IN || b->op == PO_NOTIN) && b->vals.v[k].s[0] != '/')
				pol_err(c, b->vals.v[k].pos, "matchBinaries %s values are absolute paths, not '%s'",
					b->op_name, b->vals.v[k].s);
		}
	}
	if (s->parent_bins.n)
		pol_err(c, s->parent_bins.v[0].pos, "matchParentBinaries %s", NOT_YET);
}

static void check_pids(struct pol_ctx *c, struct pol_selector *s)
{
	if (s->pids.n > 1)
		pol_err(c, s->pids.v[1].pos,
			"only one matchPIDs entry per selector is supported (Tetragon's BPF evaluates only the first)");
	for (size_t i = 0; i < s->pids.n; i++) {
		struct pol_pidfilter *f = &s->pids.v[i];
		if (!f->vals.n)
			pol_err(c, f->pos, "matchPIDs needs values");
		if (f->vals.n > VG_POL_VALS)
			pol_err(c, f->vals.v[VG_POL_VALS].pos,
				"matchPIDs takes at most %d values (Tetragon silently ignores the others)", VG_POL_VALS);
		for (size_t k = 0; k < f->vals.n; k++) {
			uint32_t v;
			if (parse_u32(f->vals.v[k].s, &v))
				pol_err(c, f->vals.v[k].pos, "'%s' is not a pid", f->vals.v[k].s);
		}
	}
}

static void check_ns(struct pol_ctx *c, struct pol_selector *s)
{
	if (s->ns.n > VG_POL_NSF)
		pol_err(c, s->ns.v[VG_POL_NSF].pos, "at most %d matchNamespaces entries per selector", VG_POL_NSF);
	for (size_t i = 0; i < s->ns.n; i++) {
		struct pol_nsfilter *f = &s->ns.v[i];
		if (!f->vals.n)
			pol_err(c, f->pos, "matchNamespaces needs values");
		if (f->vals.n > VG_POL_VALS)
			pol_err(c, f->vals.v[VG_POL_VALS].pos, "matchNamespaces takes at most %d values per entry", VG_POL_VALS);
		for (size_t k = 0; k < f->vals.n; k++) {
			uint32_t v;
			if (strcmp(f->vals.v[k].s, "host_ns") && parse_u32(f->vals.v[k].s, &v))
				pol_err(c, f->vals.v[k].pos, "'%s' is not a namespace inode number or host_ns", f->vals.v[k].s);
		}
	}
	if (s->n_ns_changes)
		pol_err(c, s->pos, "matchNamespaceChanges %s", NOT_YET);
	if (s->caps.n > VG_POL_CAPF)
		pol_err(c, s->caps.v[VG_POL_CAPF].pos, "at most %d matchCapabilities entries per selector", VG_POL_CAPF);
	if (s->n_cap_changes)
		pol_err(c, s->pos, "matchCapabilityChanges %s", NOT_YET);
}

/* Actions of one selector on one hook. */
static void check_actions(struct pol_ctx *c, struct pol_hook *h, struct pol_selector *s)
{
	if (s->actions.n > VG_POL_ACTS)
		pol_err(c, s->actions.v[VG_POL_ACTS].pos, "at most %d actions per selector (Tetragon's limit), not %zu",
			VG_POL_ACTS, s->actions.n);
	for (size_t i = 0; i < s->actions.n; i++) {
		struct pol_actionspec *a = &s->actions.v[i];
		switch (a->type) {
		case PA__COUNT:
			break;
		case PA_POST:
			if (a->ima_hash)
				pol_err(c, a->pos, "Post.imaHash unsupported: bpf_ima_file_hash needs LSM/sleepable programs, which this kernel refuses");
			if (a->kernel_stack || a->user_stack)
				pol_err(c, a->pos, "Post kernelStackTrace/userStackTrace %s", NOT_YET);
			break;
		case PA_NOPOST:
			break;
		case PA_SIGKILL:
			if (a->has_error)
				pol_warn(c, a->pos, "argError is ignored by Sigkill (Tetragon ignores it too)");
			break;
		case PA_SIGNAL:
			if (!a->has_sig)
				pol_err(c, a->pos, "Signal needs argSig");
			break;
		case PA_FOLLOWFD: case PA_UNFOLLOWFD: case PA_COPYFD:
			pol_err(c, a->pos, "%s: deprecated and removed in Tetragon; use type fd", a->name);
			break;
		case PA_OVERRIDE: case PA_NOTIFYENFORCER: {
			bool notify = a->type == PA_NOTIFYENFORCER;
			if (notify && !a->has_error)
				break;	/* only a signal: sent at sys_enter */
			if (!notify && !a->has_error)
				pol_err(c, a->pos, "Override needs argError");
			if (h->kind == PH_TRACEPOINT && !notify) {
				pol_err(c, a->pos,
					"Override on tracepoint %s has no effect (Tetragon silently ignores it); vigil refuses it: use Sigkill or monitor mode",
					h->call);
				break;
			}
			const int *nrs = notify ? c->p->enf_nrs : h->nrs;
			size_t nn = notify ? c->p->nenf : h->nnrs;
			if (notify && !nn)
				pol_err(c, a->pos, "NotifyEnforcer argError needs spec.enforcers naming the calls to deny");
			for (size_t k = 0; k < nn; k++) {
				int nr = nrs[k];
				const struct route *r = route_of(nr);
				const char *sc = policy_syscall_names[nr];
				if (r && r->implemented && !notify) {
					int32_t e = a->arg_error;
					if (e >= 0 || e <= -4096)
						pol_err(c, a->pos, "%s argError %d on sys_%s is not an errno (-1 .. -4095)",
							a->name, e, sc);
					else if (r->eperm_only && e != -1)
						pol_warn(c, a->pos,
							 "%s argError %d on sys_%s: its deny point (%s) answers FAN_DENY, so the call fails with EPERM (-1), not %d",
							 a->name, e, sc, r->how, e);
					continue;
				}
				if (r) {
					pol_err(c, a->pos, "%s%s on sys_%s: its deny point on this kernel (%s) %s",
						a->name, notify ? " argError" : "", sc, r->how, NOT_YET);
					break;
				}
				if (c->o->allow_override_downgrade) {
					pol_warn(c, a->pos,
						 "%s on sys_%s downgraded to Sigkill (--allow-override-downgrade=sigkill): the call completes and the caller is killed; events report KPROBE_ACTION_SIGKILL",
						 a->name, sc);
					a->type = PA_SIGKILL;
					a->has_error = false;
					break;
				}
				pol_err(c, a->pos,
					"%s%s on sys_%s not supported on this kernel (no kprobe override / fmod_ret / BPF-LSM); use Sigkill or monitor mode",
					a->name, notify ? " argError" : "", sc);
				break;
			}
			break;
		}
		case PA_GETURL: case PA_DNSLOOKUP:
			pol_err(c, a->pos, "action %s %s", a->name, NOT_YET);
			break;
		case PA_TRACKSOCK: case PA_UNTRACKSOCK:
			pol_err(c, a->pos, "action %s needs sk_alloc/__sk_free kprobes (CONFIG_KPROBES=n); its substitute (cgroup/sock_create) %s",
				a->name, NOT_YET);
			break;
		case PA_CLEANUPENFORCER:
			pol_err(c, a->pos, "action %s %s", a->name, NOT_YET);
			break;
		case PA_SET:
			pol_err(c, a->pos, "action Set is for USDT probes only");
			break;
		}
	}
}

static void check_selector(struct pol_ctx *c, struct pol_hook *h, struct pol_selector *s, bool kernel_fn)
{
	if (s->args.n + s->data.n > VG_POL_ARGS)
		pol_err(c, s->pos, "too many matchArgs/matchData: %zu, at most %d per selector (Tetragon's limit)",
			s->args.n + s->data.n, VG_POL_ARGS);
	if (s->data.n)
		pol_err(c, s->data.v[0].pos, "matchData %s", NOT_YET);
	/* a refused kernel-function hook: its arguments are kernel objects,
	 * the refusal of the hook says it all */
	for (size_t i = 0; i < s->args.n && !kernel_fn; i++)
		check_argfilter(c, h, &s->args.v[i]);
	if (s->ret.n)
		pol_err(c, s->ret.v[0].pos, "matchReturnArgs %s (needs the sys_exit side)", NOT_YET);
	if (s->ret_actions.n)
		pol_err(c, s->ret_actions.v[0].pos, "matchReturnActions %s (needs the sys_exit side)", NOT_YET);
	check_pids(c, s);
	check_bins(c, s);
	check_ns(c, s);
	check_actions(c, h, s);
}

/* The syscalls a raw_syscalls/sys_enter hook can match: when every selector
 * requires the id to be in a set (Equal, InMap), only those; else all. */
static void tracepoint_syscalls(struct pol_ctx *c, struct pol_hook *h, int idpos)
{
	h->all_syscalls = true;
	if (idpos < 0 || !h->sels.n)
		return;
	bool seen[POLICY_NSYSCALLS] = { false };
	for (size_t i = 0; i < h->sels.n; i++) {
		const struct pol_selector *s = &h->sels.v[i];
		bool restricted = false;
		for (size_t k = 0; k < s->args.n && !restricted; k++) {
			const struct pol_argfilter *f = &s->args.v[k];
			if (f->argpos != idpos || (f->op != PO_EQUAL && f->op != PO_INMAP))
				continue;
			restricted = true;
			for (size_t v = 0; v < f->vals.n; v++) {
				const char *str = f->vals.v[v].s;
				int64_t a, b;
				if (!strncmp(str, "list:", 5)) {
					int *nrs;
					size_t n;
					if (list_syscalls(c, str + 5, f->vals.v[v].pos, &nrs, &n) == 0)
						for (size_t j = 0; j < n; j++)
							seen[nrs[j]] = true;
					else
						for (size_t j = 0; j < n; j++)
							seen[nrs[j]] = true;
					continue;
				}
				const char *colon = strchr(str, ':');
				if (colon) {
					char lo[64];
					snprintf(lo, sizeof(lo), "%.*s", (int)(colon - str), str);
					if (pol_parse_s64(lo, &a) || pol_parse_s64(colon + 1, &b))
						continue;
				} else if (pol_parse_s64(str, &a)) {
					continue;
				} else {
					b = a;
				}
				for (int64_t x = a; x <= b && x < POLICY_NSYSCALLS; x++)
					if (x >= 0)
						seen[x] = true;
			}
		}
		if (!restricted)
			return;
	}
	size_t n = 0;
	for (int i = 0; i < POLICY_NSYSCALLS; i++)
		n += seen[i];
	h->nrs = arena_alloc(&c->ps->a, (n ? n : 1) * sizeof(int));
	h->nnrs = 0;
	for (int i = 0; i < POLICY_NSYSCALLS; i++)
		if (seen[i])
			h->nrs[h->nnrs++] = i;
	h->all_syscalls = false;
}

static void check_hook(struct pol_ctx *c, struct pol_hook *h)
{
	const char *call = h->call ? h->call : "?";
	int idpos = -1;
	bool kernel_fn = h->kind == PH_LSM || (h->kind == PH_KPROBE && !h->syscall);
	switch (h->kind) {
	case PH_FENTRY:
		pol_err(c, h->call_pos, "fentries unsupported: this kernel refuses fentry/fexit programs (EPERM)");
		return;
	case PH_UPROBE: case PH_USDT:
		pol_err(c, h->pos, "%s %s (uprobes are untested on this kernel)", h->kind == PH_UPROBE ? "uprobes" : "usdts",
			NOT_YET);
		return;
	case PH_LSM:
		for (size_t i = 0; i < sizeof(lsm_substitutes) / sizeof(lsm_substitutes[0]); i++) {
			if (!strcmp(lsm_substitutes[i].hook, call)) {
				pol_err(c, h->call_pos,
					"lsmhook %s unsupported: this kernel refuses BPF-LSM programs (EPERM); its substitute (%s) %s",
					call, lsm_substitutes[i].sub, NOT_YET);
				goto selectors;
			}
		}
		pol_err(c, h->call_pos, "lsmhook %s unsupported: this kernel refuses BPF-LSM programs (EPERM)", call);
		goto selectors;
	case PH_TRACEPOINT:
		if (!h->subsystem || !h->event)
			return;
		if (strcmp(h->subsystem, "raw_syscalls") || strcmp(h->event, "sys_enter") || h->raw) {
			pol_err(c, h->call_pos, "tracepoint %s%s %s (raw_syscalls/sys_enter is)", call, h->raw ? " with raw: true" : "",
				NOT_YET);
			return;
		}
		break;
	case PH_KPROBE:
		if (!h->call)
			return;
		if (!h->syscall && !strcmp(call, "tcp_connect")) {
			/* §5.1: tcp_connect -> connect(2) of a TCP socket; the sock's
			 * destination is connect's sockaddr */
			for (size_t i = 0; i < h->args.n; i++)
				if (h->args.v[i].type != PT_SOCK || h->args.v[i].index != 0)
					pol_err(c, h->args.v[i].type_pos,
						"kprobe tcp_connect (translated to connect(2)) takes one argument, index 0 of type sock");
			h->xlate_tcp_connect = true;
			kernel_fn = false;	/* from here on, a connect(2) hook */
			h->nrs = arena_alloc(&c->ps->a, sizeof(int));
			h->nrs[0] = policy_syscall_nr("connect");
			h->nnrs = 1;
			pol_warn(c, h->call_pos,
				 "kprobe tcp_connect is translated to connect(2) on TCP sockets: the sock is the destination of connect (its source address and port are not known yet); the TCP handshake has not started when an action runs");
			if (h->ret || h->has_ret_arg)
				pol_err(c, h->pos, "return: true on tcp_connect %s", NOT_YET);
			break;
		}
		if (!h->syscall) {
			for (size_t i = 0; i < sizeof(substitutes) / sizeof(substitutes[0]); i++) {
				if (!strcmp(substitutes[i].fn, call)) {
					pol_err(c, h->call_pos,
						"kprobe on kernel function %s unsupported: kernel has CONFIG_KPROBES=n; its substitute (%s) %s",
						call, substitutes[i].sub, NOT_YET);
					goto selectors;
				}
			}
			pol_err(c, h->call_pos, "kprobe on kernel function %s unsupported: kernel has CONFIG_KPROBES=n", call);
			goto selectors;
		}
		if (!strncmp(call, "list:", 5)) {
			if (list_syscalls(c, call + 5, h->call_pos, &h->nrs, &h->nnrs))
				return;
		} else if (is_compat_name(call)) {
			pol_err(c, h->call_pos, "32-bit compat syscall '%s' %s (the probe skips compat calls)", call, NOT_YET);
			return;
		} else {
			int nr = syscall_of(call);
			if (nr < 0) {
				if (h->ignore_call_not_found) {
					pol_warn(c, h->call_pos, "no syscall '%s' on this kernel: hook skipped (ignore.callNotFound)", call);
					h->nnrs = 0;
					return;
				}
				pol_err(c, h->call_pos, "no syscall '%s' on this kernel (x86_64)", call);
				return;
			}
			h->nrs = arena_alloc(&c->ps->a, sizeof(int));
			h->nrs[0] = nr;
			h->nnrs = 1;
		}
		if (h->ret || h->has_ret_arg)
			pol_err(c, h->pos, "return: true (returnArg, the sys_exit side) %s", NOT_YET);
		break;
	}

	if (h->args.n + h->data.n > VG_POL_ARGS)
		pol_err(c, h->pos, "too many args: %zu (args + data), at most %d (Tetragon's limit)", h->args.n + h->data.n,
			VG_POL_ARGS);
	if (h->data.n)
		pol_err(c, h->data.v[0].pos, "data %s", NOT_YET);
	for (size_t i = 0; i < h->args.n; i++) {
		struct pol_arg *a = &h->args.v[i];
		if (h->kind == PH_TRACEPOINT) {
			if (a->index == 4) {
				if (a->type != PT_SYSCALL64 && !is_int_type(a->type) && a->type != PT_AUTO)
					pol_err(c, a->type_pos, "raw_syscalls/sys_enter field 4 (id) is an integer, not %s", a->type_name);
				idpos = (int)i;
			} else if (a->index == 5) {
				pol_err(c, a->pos, "raw_syscalls/sys_enter field 5 (args[6]) %s", NOT_YET);
			} else {
				pol_err(c, a->pos, "raw_syscalls/sys_enter has no argument field %d (4 is id, 5 is args)", a->index);
			}
			continue;
		}
		if (a->index > 5)
			pol_err(c, a->pos, "syscall argument index %d is out of range (0..5)", a->index);
		check_sys_arg(c, h, a, false);
	}
selectors:
	if (h->sels.n > 5)
		pol_err(c, h->sels.v[5].pos, "too many selectors: %zu, at most 5 per hook (Tetragon's limit)", h->sels.n);
	for (size_t i = 0; i < h->sels.n; i++)
		check_selector(c, h, &h->sels.v[i], kernel_fn);
	if (h->kind == PH_TRACEPOINT && !c->errors)
		tracepoint_syscalls(c, h, idpos);
	if (h->tags.n > 16)
		pol_err(c, h->pos, "too many tags: %zu, at most 16", h->tags.n);
	if (h->message && strlen(h->message) > 256)
		pol_err(c, h->pos, "message is %zu characters long, at most 256", strlen(h->message));
}

void pol_validate(struct pol_ctx *c)
{
	struct policy *p = c->p;
	if (p->namespaced && (!p->ns || !*p->ns))
		pol_err(c, p->pos, "TracingPolicyNamespaced has no metadata.namespace (the pods' namespace it applies to)");
	check_lists(c);
	/* the enforcer's calls: NotifyEnforcer argError is applied there */
	size_t cap = 0;
	for (size_t i = 0; i < p->enforcer_calls.n; i++)
		cap += POLICY_NSYSCALLS;
	p->enf_nrs = arena_alloc(&c->ps->a, (cap ? cap : 1) * sizeof(int));
	for (size_t i = 0; i < p->enforcer_calls.n; i++) {
		const char *s = p->enforcer_calls.v[i].s;
		struct pol_pos pos = p->enforcer_calls.v[i].pos;
		if (!strncmp(s, "list:", 5)) {
			int *nrs;
			size_t n;
			list_syscalls(c, s + 5, pos, &nrs, &n);
			for (size_t k = 0; k < n; k++)
				p->enf_nrs[p->nenf++] = nrs[k];
		} else if (is_compat_name(s)) {
			pol_err(c, pos, "32-bit compat syscall '%s' %s (the probe skips compat calls)", s, NOT_YET);
		} else if (syscall_of(s) < 0) {
			pol_err(c, pos, "no syscall '%s' on this kernel (x86_64)", s);
		} else {
			p->enf_nrs[p->nenf++] = syscall_of(s);
		}
	}
	for (size_t i = 0; i < p->hooks.n; i++)
		check_hook(c, &p->hooks.v[i]);
	if (!p->hooks.n)
		pol_warn(c, p->pos, "policy '%s' has no hooks", p->name ? p->name : "?");
}
