// SPDX-License-Identifier: GPL-2.0-only
/*
 * policy.bpf.c - TracingPolicy enforcement at syscall entry. User space
 * (src/capture/live_policy.c) compiles the loaded policies into the tables
 * below; these programs are attached only when policies are loaded.
 *
 * vg_pol_enter (tp_btf/sys_enter) first looks the syscall up in vg_pol_sc
 * (one array load: is it hooked?) and returns for every other syscall. For
 * a hooked one it skips vigil itself, kernel threads and 32-bit compat
 * calls, then runs each hook of the syscall in policy order: it reads the
 * hook's arguments from the syscall registers (ints, user strings, user
 * buffers, fds resolved to paths through the task's fd table), tries the
 * hook's selectors in order (process filters, then argument filters) and
 * runs the actions of the first that matches: signals with
 * bpf_send_signal() (the syscall still completes, as with Tetragon; the
 * signal is acted on before the return to user space), and a policy event
 * to the ring buffer unless NoPost or a rate limit says otherwise. pid 1 is
 * never signalled (the event says so); neither is anything in monitor mode.
 *
 * Every loop is a bpf_loop() over hooks, arguments, selectors and filters,
 * so the verifier checks one step of each instead of every combination.
 *
 * vg_pol_exec/fork/exit keep, per process, the matchBinaries sets its
 * executable is in (looked up at exec from the resolved path of the new
 * executable, and from its name for rules' proc.name) and the
 * followChildren sets it inherited.
 */
#include "common.bpf.h"
#include "task.bpf.h"

#define VG_PF_KTHREAD 0x00200000
#define VG_TS_COMPAT 0x0002
#define VG_POL_NOSEL 0xffffffffu

/* Syscall -> its hooks: vg_pol_sclist[gen][first .. first + count), for
 * the generation vg_pol_gen in force (events.h, VG_POL_GENS). */
struct vg_pol_sc vg_pol_sc[VG_POL_GENS][VG_SYSCALL_MAX];
__u16 vg_pol_sclist[VG_POL_GENS][VG_POL_SCLIST_MAX];
__u32 vg_pol_gen;
/* matchBinaries sets with followChildren. */
__u64 vg_pol_follow_mask;
/* Non-zero when a loaded policy routes an Override to a deny point. */
__u32 vg_pol_routed;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VG_POL_HOOKS_MAX * VG_POL_GENS);
	__type(key, __u32);
	__type(value, struct vg_pol_hook);
} vg_pol_hooks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VG_POL_SELS_MAX * VG_POL_GENS);
	__type(key, __u32);
	__type(value, struct vg_pol_sel);
} vg_pol_sels SEC(".maps");

/* Equal strings, keyed by (set, length, bytes zero-padded). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct vg_pol_skey_short);
	__type(value, __u8);
} vg_pol_str_short SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 512);
	__type(key, struct vg_pol_skey_long);
	__type(value, __u8);
} vg_pol_str_long SEC(".maps");

/* InMap values, keyed by (set, value). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct vg_pol_ikey);
	__type(value, __u8);
} vg_pol_ints SEC(".maps");

/* Prefix and (reversed) Postfix sets: one LPM trie per set. */
struct vg_pol_lpm_map {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vg_pol_lpm_key);
	__type(value, __u8);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, VG_POL_SETS_MAX * VG_POL_GENS);
	__type(key, __u32);
	__array(values, struct vg_pol_lpm_map);
} vg_pol_lpm SEC(".maps");

/* matchBinaries: path -> the sets it is in (exact, prefix, reversed postfix). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct vg_pol_bkey);
	__type(value, __u64);
} vg_pol_bin_eq SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vg_pol_lpm_key);
	__type(value, __u64);
} vg_pol_bin_pfx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vg_pol_lpm_key);
	__type(value, __u64);
} vg_pol_bin_sfx SEC(".maps");

/* Process names (comm at exec) -> the sets they are in (rules' proc.name). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct vg_pol_ckey);
	__type(value, __u64);
} vg_pol_bin_comm SEC(".maps");

/* Per process (tgid): its binary sets. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct vg_pol_proc);
} vg_pol_proc SEC(".maps");

/* CIDR sets of the address operators: (set, family, address) prefixes. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vg_pol_cidr_key);
	__type(value, __u8);
} vg_pol_cidr SEC(".maps");

/* Pods' container cgroups -> their namespace (events.h vg_pol_ns_hash),
 * filled by user space as container metadata comes (live_policy.c). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} vg_pol_cgns SEC(".maps");

/* Override armed at sys_enter, consumed by the deny point (events.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct vg_pol_pending);
} vg_pol_pending SEC(".maps");

/* Post rate limits: the time of the last post per (hook, selector, scope,
 * first 8 bytes of each argument). */
struct vg_pol_rkey {
	__u32 hook;
	__u32 sel;
	__u64 scope;
	__u64 args[VG_POL_ARGS];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vg_pol_rkey);
	__type(value, __u64);
} vg_pol_rate SEC(".maps");

/* Per CPU and program kind: the arguments read and the lookup keys. */
struct vg_pol_state {
	__u64 ival[VG_POL_ARGS];
	__u32 slen[VG_POL_ARGS];	/* string bytes, without the NUL */
	__u32 plen[VG_POL_ARGS];	/* bytes of str[] the event carries */
	__u32 flags;			/* enum vg_pol_ev_flags */
	/* where the run is: hook and selector ids, the selector that matched,
	 * a filter failed, the task of the ancestor walk */
	__u32 cur_hid, cur_sid, sel_hit, fail;
	__u64 walk_task;
	__u32 walk_in;
	/* what the actions of the matching selector did (volatile: the
	 * verifier sees one unknown value, not one state per action path) */
	__u32 a_action, a_sig, a_post, a_rate_ms, a_scope;
	char str[VG_POL_ARGS][VG_POL_STR];
	struct vg_pol_skey_short ks;
	struct vg_pol_skey_long kl;
	struct vg_pol_lpm_key lk;
	struct vg_pol_bkey bk;
	struct vg_pol_rkey rk;
	__u8 zero[VG_POL_STR];		/* never written: padding for long keys */
};

enum { VG_POL_ST_ENTER = 0, VG_POL_ST_SCHED = 1, VG_POL_ST_KINDS = 2 };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VG_POL_ST_KINDS);	/* resized to CPUs * kinds */
	__type(key, __u32);
	__type(value, struct vg_pol_state);
} vg_pol_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_pol_counters);
} vg_pol_counters SEC(".maps");

static __always_inline struct vg_pol_state *vg_pol_state_get(__u32 kind)
{
	__u32 slot = bpf_get_smp_processor_id() * VG_POL_ST_KINDS + kind;
	return bpf_map_lookup_elem(&vg_pol_state, &slot);
}

static __always_inline struct vg_pol_counters *vg_pol_cnt(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&vg_pol_counters, &zero);
}

/* One sys_enter run: what the steps share (on the program's stack). */
struct vg_pol_run {
	__u64 reg[6];			/* the syscall's argument registers */
	struct task_struct *task;
	struct vg_pol_state *st;
	struct vg_scratch *s;		/* path building and the event */
	__u64 nr;
	__u32 first;
	__u32 gen;			/* the generation of tables of this run */
	__u32 tgid;
	__u32 protect;			/* pid 1: never signalled */
};
/* The run never changes once the loop starts: what the steps change lives
 * in the state (map memory, volatile), and the hook and selector are looked
 * up again by id in each step. The verifier then sees the same context on
 * every call of a step and checks it once, not once per iteration. */
#define VG_VU64(x) (*(volatile __u64 *)&(x))
/* An index checked on the register it is used from: the barrier keeps the
 * compiler from checking one copy (zero-extended) and indexing another. */
#define VG_POL_BOUND(i, n)                      \
	do {                                     \
		asm volatile("" : "+r"(i));      \
		if ((i) >= (n))                  \
			return 1;                \
	} while (0)

static __always_inline struct vg_pol_hook *vg_pol_cur_hook(struct vg_pol_run *r)
{
	__u32 hid = VG_VU32(r->st->cur_hid);
	return bpf_map_lookup_elem(&vg_pol_hooks, &hid);
}

static __always_inline struct vg_pol_sel *vg_pol_cur_sel(struct vg_pol_run *r)
{
	__u32 sid = VG_VU32(r->st->cur_sid);
	return bpf_map_lookup_elem(&vg_pol_sels, &sid);
}

/* ---- arguments ---- */

/* Read once into the run, in registers' order: one indexed load later,
 * not a computed offset into pt_regs (which the verifier refuses). */
static __always_inline __u64 vg_pol_reg(struct vg_pol_run *r, __u32 src)
{
	return src < 6 ? r->reg[src] : 0;
}

static long vg_pol_arg_step(__u32 a, void *ctx)
{
	struct vg_pol_run *r = ctx;
	struct vg_pol_state *st = r->st;
	struct vg_pol_hook *h = vg_pol_cur_hook(r);
	if (!h)
		return 1;
	VG_POL_BOUND(a, VG_POL_ARGS);
	__u8 src = h->args[a].src, type = h->args[a].type, size_src = h->args[a].size_src;
	__u64 v = src == VG_POL_SRC_ID ? r->nr : vg_pol_reg(r, src);
	char *buf = st->str[a];
	st->slen[a] = 0;
	switch (type) {
	case VG_POL_T_S32: v = (__u64)(__s64)(__s32)v; break;
	case VG_POL_T_U32: v = (__u32)v; break;
	case VG_POL_T_S16: v = (__u64)(__s64)(__s16)v; break;
	case VG_POL_T_U16: v = (__u16)v; break;
	case VG_POL_T_S8: v = (__u64)(__s64)(__s8)v; break;
	case VG_POL_T_U8: v = (__u8)v; break;
	case VG_POL_T_STR: {
		long n = v ? bpf_probe_read_user_str(buf, VG_POL_STR, (void *)v) : 0;
		if (n <= 0) {
			buf[0] = 0;
			if (v)
				st->flags |= VG_POL_EF_UNREADABLE;
			n = 1;
		} else if (n == VG_POL_STR) {
			st->flags |= VG_POL_EF_TRUNCATED;
		}
		st->slen[a] = (__u32)(n - 1) & (VG_POL_STR - 1);
		break;
	}
	case VG_POL_T_CHARBUF: {
		__u64 len = size_src <= 5 ? vg_pol_reg(r, size_src) : 0;
		if (len > VG_POL_STR) {
			len = VG_POL_STR;
			st->flags |= VG_POL_EF_TRUNCATED;
		}
		__u32 n = (__u32)len & (VG_POL_STR * 2 - 1);
		if (n > VG_POL_STR)
			n = VG_POL_STR;
		if (n && v && bpf_probe_read_user(buf, n, (void *)v)) {
			st->flags |= VG_POL_EF_UNREADABLE;
			n = 0;
		}
		st->slen[a] = n;
		break;
	}
	case VG_POL_T_SOCKADDR: {
		/* sockaddr_in6 is the longest this reads; a shorter one at the
		 * end of a page is read again as a sockaddr_in */
		__u32 n = VG_POL_SOCKADDR_LEN;
		if (!v || bpf_probe_read_user(buf, VG_POL_SOCKADDR_LEN, (void *)v)) {
			n = 16;
			if (!v || bpf_probe_read_user(buf, 16, (void *)v)) {
				st->flags |= VG_POL_EF_UNREADABLE;
				n = 0;
			}
		}
		st->slen[a] = n;
		break;
	}
	case VG_POL_T_FD: {
		struct file *f = vg_fd_file(r->task, (__s64)(__s32)v);
		buf[0] = 0;
		if (f) {
			struct vg_scratch *s = r->s;
			__u32 off = vg_path_build(f->f_path.dentry, f->f_path.mnt, s, 0);
			__u32 n = (VG_PATH_MAX - off) & (VG_PATH_MAX * 2 - 1);
			if (n > VG_POL_STR)
				n = VG_POL_STR;
			if (n && !bpf_probe_read_kernel(buf, n, &s->tmp[off & (VG_PATH_MAX - 1)]))
				st->slen[a] = (n - 1) & (VG_POL_STR - 1);
		}
		v = (__u64)(__s64)(__s32)v;
		break;
	}
	default:
		break;
	}
	st->ival[a] = v;
	/* what the event carries: strings with their NUL, buffers as read,
	 * integers as 8 bytes */
	if (type == VG_POL_T_STR || type == VG_POL_T_FD) {
		st->plen[a] = st->slen[a] + 1;
	} else if (type == VG_POL_T_CHARBUF || type == VG_POL_T_SOCKADDR) {
		st->plen[a] = st->slen[a];
	} else {
		*(__u64 *)buf = v;
		st->plen[a] = 8;
	}
	return 0;
}

/* ---- process filters ---- */

static __always_inline __u32 vg_pol_ns_inum(struct task_struct *t, __u8 ns)
{
	struct nsproxy *np = t->nsproxy;
	if (!np)
		return 0;
	switch (ns) {
	case VG_POL_NS_UTS: return BPF_CORE_READ(np, uts_ns, ns.inum);
	case VG_POL_NS_IPC: return BPF_CORE_READ(np, ipc_ns, ns.inum);
	case VG_POL_NS_MNT: return BPF_CORE_READ(np, mnt_ns, ns.inum);
	case VG_POL_NS_PID: {
		struct pid *p = t->thread_pid;
		unsigned int level = p ? BPF_CORE_READ(p, level) : 0;
		struct upid up;
		if (!p || bpf_core_read(&up, sizeof(up), &p->numbers[level & 31]) || !up.ns)
			return 0;
		return BPF_CORE_READ(up.ns, ns.inum);
	}
	case VG_POL_NS_PID_CHILDREN: return BPF_CORE_READ(np, pid_ns_for_children, ns.inum);
	case VG_POL_NS_NET: return BPF_CORE_READ(np, net_ns, ns.inum);
	case VG_POL_NS_TIME: return BPF_CORE_READ(np, time_ns, ns.inum);
	case VG_POL_NS_TIME_CHILDREN: return BPF_CORE_READ(np, time_ns_for_children, ns.inum);
	case VG_POL_NS_CGROUP: return BPF_CORE_READ(np, cgroup_ns, ns.inum);
	case VG_POL_NS_USER: return BPF_CORE_READ(t, cred, user_ns, ns.inum);
	default: return 0;
	}
}

static long vg_pol_ns_step(__u32 k, void *ctx)
{
	struct vg_pol_run *r = ctx;
	struct vg_pol_sel *sel = vg_pol_cur_sel(r);
	if (!sel)
		return 1;
	VG_POL_BOUND(k, VG_POL_NSF);
	struct vg_pol_nsf f = sel->ns[k];
	__u32 inum = vg_pol_ns_inum(r->task, f.ns);
	int in = 0;
	for (int i = 0; i < VG_POL_VALS; i++)
		if (i < f.nvals && f.v[i] == inum)
			in = 1;
	if (in != (f.op == VG_POL_OP_IN)) {
		VG_VU32(r->st->fail) = 1;
		return 1;
	}
	return 0;
}

static __always_inline int vg_pol_pid_in(struct vg_pol_sel *sel, __u32 pid)
{
	int in = 0;
	for (int i = 0; i < VG_POL_VALS; i++)
		if (i < sel->npids && sel->pids[i] == pid)
			in = 1;
	return in;
}

#define VG_POL_ANCESTORS 10

/* One step of the ancestor walk: is this task's pid in the set? */
static long vg_pol_pid_step(__u32 d, void *ctx)
{
	struct vg_pol_run *r = ctx;
	struct vg_pol_state *st = r->st;
	struct vg_pol_sel *sel = vg_pol_cur_sel(r);
	if (!sel)
		return 1;
	struct task_struct *t = VG_BTF(struct task_struct, VG_VU64(st->walk_task));
	__u32 pid = (sel->pid_flags & VG_POL_PID_NS) ? (__u32)vg_task_vpid(t) : (__u32)t->tgid;
	if (vg_pol_pid_in(sel, pid)) {
		VG_VU32(st->walk_in) = 1;
		return 1;
	}
	if (!(sel->pid_flags & VG_POL_PID_FOLLOW))
		return 1;
	struct task_struct *p = t->real_parent;
	if (!p || p == t || p->pid == 0)
		return 1;
	VG_VU64(st->walk_task) = (__u64)p;
	return 0;
}

/* matchPIDs: the process, or with followForks any of its 10 nearest
 * ancestors, has one of the pids (host tgid, or the pid in its namespace). */
static __always_inline int vg_pol_pids_ok(struct vg_pol_run *r, struct vg_pol_sel *sel)
{
	struct vg_pol_state *st = r->st;
	__u8 op = sel->pid_op;
	VG_VU64(st->walk_task) = (__u64)r->task;
	VG_VU32(st->walk_in) = 0;
	bpf_loop(VG_POL_ANCESTORS + 1, vg_pol_pid_step, r, 0);
	return VG_VU32(st->walk_in) == (op == VG_POL_OP_IN);
}

static __always_inline int vg_pol_caps_ok(struct vg_pol_run *r, struct vg_pol_sel *sel)
{
	const struct cred *c = r->task->cred;
	for (int i = 0; i < VG_POL_CAPF; i++) {
		if (i >= sel->ncaps)
			break;
		struct vg_pol_capf f = sel->caps[i];
		__u64 caps = f.type == 1 ? BPF_CORE_READ(c, cap_inheritable.val)
			     : f.type == 2 ? BPF_CORE_READ(c, cap_permitted.val) : BPF_CORE_READ(c, cap_effective.val);
		int in = (caps & f.mask) != 0;
		if (in != (f.op == VG_POL_OP_IN))
			return 0;
	}
	return 1;
}

/* ---- argument filters ---- */

static __always_inline int vg_pol_int_ok(struct vg_pol_argf *f, __u64 x, int sgn)
{
	int any = 0;
	switch (f->op) {
	case VG_POL_OP_INMAP: case VG_POL_OP_NOTINMAP: {
		struct vg_pol_ikey k = { .set = f->set, .v = x };
		any = bpf_map_lookup_elem(&vg_pol_ints, &k) != NULL;
		return f->op == VG_POL_OP_INMAP ? any : !any;
	}
	default:
		break;
	}
	for (int i = 0; i < VG_POL_VALS; i++) {
		if (i >= f->nvals)
			break;
		__u64 v = f->v[i];
		switch (f->op) {
		case VG_POL_OP_EQ: case VG_POL_OP_NEQ:
			any |= x == v;
			break;
		case VG_POL_OP_GT:
			any |= sgn ? (__s64)x > (__s64)v : x > v;
			break;
		case VG_POL_OP_LT:
			any |= sgn ? (__s64)x < (__s64)v : x < v;
			break;
		case VG_POL_OP_MASK:
			any |= (x & v) != 0;
			break;
		case VG_POL_OP_INRANGE: case VG_POL_OP_NOTINRANGE:
			any |= sgn ? ((__s64)x >= (__s64)v && (__s64)x <= (__s64)f->v2[i]) : (x >= v && x <= f->v2[i]);
			break;
		default:
			break;
		}
	}
	return f->op == VG_POL_OP_NEQ || f->op == VG_POL_OP_NOTINRANGE ? !any : any;
}

static __always_inline int vg_pol_str_ok(struct vg_pol_run *r, struct vg_pol_argf *f, __u32 a)
{
	struct vg_pol_state *st = r->st;
	if (a >= VG_POL_ARGS)
		return 0;
	__u32 len = st->slen[a] & (VG_POL_STR - 1);
	char *s = st->str[a];
	int hit = 0;
	switch (f->op) {
	case VG_POL_OP_EQ: case VG_POL_OP_NEQ:
		if (len < VG_POL_STR_SHORT) {
			struct vg_pol_skey_short *k = &st->ks;
			k->set = f->set;
			k->len = len;
			__builtin_memset(k->s, 0, VG_POL_STR_SHORT);
			bpf_probe_read_kernel(k->s, len & (VG_POL_STR_SHORT - 1), s);
			hit = bpf_map_lookup_elem(&vg_pol_str_short, k) != NULL;
		} else {
			struct vg_pol_skey_long *k = &st->kl;
			k->set = f->set;
			k->len = len;
			bpf_probe_read_kernel(k->s, VG_POL_STR, st->zero);
			bpf_probe_read_kernel(k->s, len, s);
			hit = bpf_map_lookup_elem(&vg_pol_str_long, k) != NULL;
		}
		return f->op == VG_POL_OP_EQ ? hit : !hit;
	case VG_POL_OP_PREFIX: case VG_POL_OP_NOTPREFIX: case VG_POL_OP_POSTFIX: case VG_POL_OP_NOTPOSTFIX: {
		void *inner = bpf_map_lookup_elem(&vg_pol_lpm, &f->set);
		struct vg_pol_lpm_key *k = &st->lk;
		int pre = f->op == VG_POL_OP_PREFIX || f->op == VG_POL_OP_NOTPREFIX;
		if (inner) {
			__u32 n = len > VG_POL_LPM ? VG_POL_LPM : len;
			if (pre) {
				bpf_probe_read_kernel(k->data, n & (VG_POL_LPM * 2 - 1), s);
			} else {
				/* the string reversed: the postfix becomes a prefix */
				if (n > 128)
					n = 128;
				for (__u32 i = 0; i < 128; i++) {
					if (i >= n)
						break;
					k->data[i] = s[(len - 1 - i) & (VG_POL_STR - 1)];
				}
			}
			k->prefixlen = n * 8;
			hit = bpf_map_lookup_elem(inner, k) != NULL;
		}
		return f->op == VG_POL_OP_PREFIX || f->op == VG_POL_OP_POSTFIX ? hit : !hit;
	}
	default:
		return 0;
	}
}

/* Address, port and family operators on a sockaddr argument (the
 * sockaddr's own address: the destination of connect/sendto, the local
 * address of bind). */
static __always_inline int vg_pol_sockaddr_ok(struct vg_pol_run *r, struct vg_pol_argf *f, __u32 a)
{
	struct vg_pol_state *st = r->st;
	if (a >= VG_POL_ARGS)
		return 0;
	__u8 *b = (__u8 *)st->str[a];
	__u32 n = st->slen[a];
	__u16 fam = n >= 2 ? *(__u16 *)b : 0;
	int hit = 0;
	switch (f->op) {
	case VG_POL_OP_FAMILY:
		for (int i = 0; i < VG_POL_VALS; i++)
			if (i < f->nvals && f->v[i] == fam)
				hit = 1;
		return hit;
	case VG_POL_OP_SPORT: case VG_POL_OP_NOTSPORT: {
		if (n >= 4 && (fam == 2 || fam == 10)) {
			struct vg_pol_ikey k = { .set = f->set, .v = bpf_ntohs(*(__u16 *)(b + 2)) };
			hit = bpf_map_lookup_elem(&vg_pol_ints, &k) != NULL;
		}
		return f->op == VG_POL_OP_SPORT ? hit : !hit;
	}
	case VG_POL_OP_SADDR: case VG_POL_OP_NOTSADDR: {
		struct vg_pol_cidr_key k = { .set = bpf_htonl(f->set), .family = bpf_htonl(fam) };
		if (fam == 2 && n >= 8) {
			k.prefixlen = 64 + 32;
			__builtin_memcpy(k.addr, b + 4, 4);
			hit = bpf_map_lookup_elem(&vg_pol_cidr, &k) != NULL;
		} else if (fam == 10 && n >= 24) {
			k.prefixlen = 64 + 128;
			__builtin_memcpy(k.addr, b + 8, 16);
			hit = bpf_map_lookup_elem(&vg_pol_cidr, &k) != NULL;
		}
		return f->op == VG_POL_OP_SADDR ? hit : !hit;
	}
	default:
		return 0;
	}
}

static long vg_pol_argf_step(__u32 k, void *ctx)
{
	struct vg_pol_run *r = ctx;
	struct vg_pol_sel *sel = vg_pol_cur_sel(r);
	struct vg_pol_hook *h = vg_pol_cur_hook(r);
	if (!sel || !h)
		return 1;
	VG_POL_BOUND(k, VG_POL_ARGS);
	struct vg_pol_argf *f = &sel->argf[k];
	__u32 a = f->arg;
	if (a >= VG_POL_ARGS) {
		VG_VU32(r->st->fail) = 1;
		return 1;
	}
	VG_POL_BOUND(a, VG_POL_ARGS);
	__u8 type = h->args[a].type;
	int ok;
	if (type == VG_POL_T_STR || type == VG_POL_T_CHARBUF || type == VG_POL_T_FD)
		ok = vg_pol_str_ok(r, f, a);	/* an fd matches by its path */
	else if (type == VG_POL_T_SOCKADDR)
		ok = vg_pol_sockaddr_ok(r, f, a);
	else
		ok = vg_pol_int_ok(f, r->st->ival[a],
				   type == VG_POL_T_S32 || type == VG_POL_T_S64 || type == VG_POL_T_S16 ||
					   type == VG_POL_T_S8);
	if (!ok) {
		VG_VU32(r->st->fail) = 1;
		return 1;
	}
	return 0;
}

/* ---- selectors ---- */

static long vg_pol_sel_step(__u32 j, void *ctx)
{
	struct vg_pol_run *r = ctx;
	struct vg_pol_state *st = r->st;
	struct vg_pol_hook *h = vg_pol_cur_hook(r);
	if (!h)
		return 1;
	__u32 sid = h->sel_first + j;
	VG_VU32(st->cur_sid) = sid;
	struct vg_pol_sel *sel = bpf_map_lookup_elem(&vg_pol_sels, &sid);
	if (!sel)
		return 1;
	if (sel->pid_op && !vg_pol_pids_ok(r, sel))
		return 0;
	if (sel->bin_op) {
		struct vg_pol_proc *pp = bpf_map_lookup_elem(&vg_pol_proc, &r->tgid);
		__u64 bins = pp ? (pp->bins | pp->follow) : 0;
		int in = (bins & sel->bin_mask) != 0;
		if (in != (sel->bin_op == VG_POL_OP_IN))
			return 0;
	}
	if (sel->ncaps && !vg_pol_caps_ok(r, sel))
		return 0;
	VG_VU32(st->fail) = 0;
	__u32 nns = sel->nns, nargf = sel->nargf;
	if (nns)
		bpf_loop(nns > VG_POL_NSF ? VG_POL_NSF : nns, vg_pol_ns_step, r, 0);
	if (VG_VU32(st->fail))
		return 0;
	if (nargf)
		bpf_loop(nargf > VG_POL_ARGS ? VG_POL_ARGS : nargf, vg_pol_argf_step, r, 0);
	if (VG_VU32(st->fail))
		return 0;
	VG_VU32(st->sel_hit) = j;
	return 1;
}

/* ---- actions and the event ---- */

static __always_inline int vg_pol_rate_limited(struct vg_pol_run *r, __u32 rate_ms, __u8 scope)
{
	struct vg_pol_state *st = r->st;
	struct vg_pol_rkey *k = &st->rk;
	__u64 pt = bpf_get_current_pid_tgid();
	struct vg_pol_hook *h = vg_pol_cur_hook(r);
	if (!h)
		return 0;
	k->hook = VG_VU32(st->cur_hid);
	k->sel = VG_VU32(st->sel_hit);
	k->scope = scope == 0 ? (__u32)pt : scope == 1 ? pt >> 32 : 0;
	for (int a = 0; a < VG_POL_ARGS; a++)
		k->args[a] = a < h->nargs ? *(__u64 *)st->str[a] : 0;
	__u64 now = bpf_ktime_get_ns();
	__u64 *last = bpf_map_lookup_elem(&vg_pol_rate, k);
	if (last && now - *last < (__u64)rate_ms * 1000000ull)
		return 1;
	bpf_map_update_elem(&vg_pol_rate, k, &now, BPF_ANY);
	return 0;
}

struct vg_pol_push {
	struct vg_ev *e;
	struct vg_pol_run *r;
};

static long vg_pol_push_step(__u32 a, void *ctx)
{
	struct vg_pol_push *p = ctx;
	struct vg_pol_run *r = p->r;
	struct vg_pol_state *st = r->st;
	if (a >= VG_POL_ARGS)
		return 1;
	struct vg_pol_hook *h = vg_pol_cur_hook(r);
	if (!h)
		return 1;
	if (a >= h->nargs) {
		vg_push_empty(p->e);
		return 0;
	}
	/* masked behind a barrier: the compiler may not fold it into the
	 * checks above, the verifier needs it on this register */
	asm volatile("" : "+r"(a));
	a &= 7;
	if (a >= VG_POL_ARGS)
		return 1;
	vg_push_kbuf(p->e, st->str[a], st->plen[a] & (VG_POL_STR * 2 - 1));
	return 0;
}

/* The sockaddr argument the hook evaluated, into the pending entry. */
static __always_inline void vg_pol_guard_fill(struct vg_pol_run *r, struct vg_pol_hook *h, struct vg_pol_pending *p)
{
	for (__u32 a = 0; a < VG_POL_ARGS; a++) {
		if (a >= h->nargs || h->args[a].type != VG_POL_T_SOCKADDR)
			continue;
		bpf_probe_read_kernel(p->addr, VG_POL_SOCKADDR_LEN, r->st->str[a]);
		p->guard = r->st->slen[a] >= 16;
		if (!p->guard)	/* unreadable: fail closed */
			p->guard = 2;
		return;
	}
}

static long vg_pol_act_step(__u32 i, void *ctx)
{
	struct vg_pol_run *r = ctx;
	struct vg_pol_sel *sel = vg_pol_cur_sel(r);
	struct vg_pol_hook *h = vg_pol_cur_hook(r);
	struct vg_pol_state *st = r->st;
	if (!sel || !h)
		return 1;
	VG_POL_BOUND(i, VG_POL_ACTS);
	struct vg_pol_act act = sel->act[i];
	switch (act.type) {
	case VG_POL_A_POST:
		VG_VU32(st->a_rate_ms) = act.rate_ms;
		VG_VU32(st->a_scope) = act.scope;
		break;
	case VG_POL_A_NOPOST:
		VG_VU32(st->a_post) = 0;
		break;
	case VG_POL_A_SIGKILL: case VG_POL_A_SIGNAL: case VG_POL_A_NOTIFYENFORCER: {
		if (!act.sig)
			break;
		struct vg_pol_counters *c = vg_pol_cnt();
		VG_VU32(st->a_sig) = act.sig;
		if (!(h->flags & VG_POL_HF_MONITOR) && !r->protect) {
			bpf_send_signal(act.sig);
			VG_VU32(st->flags) |= VG_POL_EF_SIGNALED;
			if (c)
				c->n_signals++;
		} else {
			VG_VU32(st->flags) |= r->protect ? VG_POL_EF_PROTECTED : VG_POL_EF_MONITOR;
			if (c)
				c->n_skipped++;
		}
		break;
	}
	case VG_POL_A_OVERRIDE: {
		/* arm the deny point of this syscall (user space only compiles
		 * Override on syscalls that have one) */
		if ((h->flags & VG_POL_HF_MONITOR) || r->protect) {
			VG_VU32(st->flags) |= r->protect ? VG_POL_EF_PROTECTED : VG_POL_EF_MONITOR;
			break;
		}
		__u32 tid = (__u32)bpf_get_current_pid_tgid();
		struct vg_pol_pending p = {
			.err = act.err < 0 ? -act.err : act.err, .nr = (__u32)r->nr, .ts = bpf_ktime_get_ns(),
			.hook = VG_VU32(st->cur_hid), .sel = VG_VU32(st->sel_hit),
		};
		if (h->flags & VG_POL_HF_GUARD)
			vg_pol_guard_fill(r, h, &p);
		if (!bpf_map_update_elem(&vg_pol_pending, &tid, &p, BPF_ANY))
			VG_VU32(st->flags) |= VG_POL_EF_ARMED;
		break;
	}
	default:
		break;
	}
	VG_VU32(st->a_action) = act.type;
	return 0;
}

static __always_inline void vg_pol_fire(struct vg_pol_run *r)
{
	struct vg_pol_state *st = r->st;
	struct vg_pol_counters *c = vg_pol_cnt();
	if (c)
		c->n_matched++;
	VG_VU32(st->a_action) = VG_POL_A_POST;
	VG_VU32(st->a_sig) = 0;
	VG_VU32(st->a_post) = 1;
	VG_VU32(st->a_rate_ms) = 0;
	VG_VU32(st->a_scope) = 0;
	__u32 sel_hit = VG_VU32(st->sel_hit);
	if (sel_hit != VG_POL_NOSEL) {
		struct vg_pol_sel *sel = vg_pol_cur_sel(r);
		__u32 nact = sel ? sel->nact : 0;
		if (nact)
			bpf_loop(nact > VG_POL_ACTS ? VG_POL_ACTS : nact, vg_pol_act_step, r, 0);
	}
	if (!VG_VU32(st->a_post))
		return;
	__u32 rate_ms = VG_VU32(st->a_rate_ms);
	if (rate_ms && vg_pol_rate_limited(r, rate_ms, (__u8)VG_VU32(st->a_scope))) {
		if (c)
			c->n_ratelimited++;
		return;
	}
	struct vg_ev e;
	if (vg_ev_begin(&e, VG_SLOT_POLICY, VG_EV_POLICY_E, VG_POL_EV_NPARAMS))
		return;
	vg_push_u32(&e, VG_VU32(st->cur_hid));
	vg_push_u32(&e, VG_VU32(st->sel_hit));
	vg_push_u32(&e, VG_VU32(st->a_action));
	vg_push_u32(&e, VG_VU32(st->flags));
	vg_push_u32(&e, VG_VU32(st->a_sig));
	vg_push_u32(&e, (__u32)r->nr);
	vg_push_s64(&e, r->tgid);
	vg_push_s64(&e, 0);
	struct vg_pol_push p = { .e = &e, .r = r };
	bpf_loop(VG_POL_ARGS, vg_pol_push_step, &p, 0);
	vg_ev_submit(&e);
}

static long vg_pol_hook_step(__u32 i, void *ctx)
{
	struct vg_pol_run *r = ctx;
	__u32 k = r->first + i;
	if (k >= VG_POL_SCLIST_MAX)
		return 1;
	__u32 hid = vg_pol_sclist[r->gen & 1][k];
	struct vg_pol_hook *h = bpf_map_lookup_elem(&vg_pol_hooks, &hid);
	if (!h)
		return 1;
	struct vg_pol_counters *c = vg_pol_cnt();
	if (c)
		c->n_hooked++;
	struct vg_pol_state *st = r->st;
	if (h->flags & VG_POL_HF_NAMESPACED) {
		/* TracingPolicyNamespaced: pods of its namespace only (never the host) */
		__u64 cg = bpf_get_current_cgroup_id();
		__u64 *ns = bpf_map_lookup_elem(&vg_pol_cgns, &cg);
		if (!ns || *ns != h->ns)
			return 0;
	}
	if (h->flags & VG_POL_HF_TCP) {
		/* tcp_connect translated to connect(2): TCP sockets only */
		struct socket *so = vg_file_socket(vg_fd_file(r->task, (__s64)(__s32)r->reg[0]));
		struct sock *sk = so ? so->sk : NULL;
		if (!sk || so->type != 1 /* SOCK_STREAM */ || sk->sk_protocol != 6 /* IPPROTO_TCP */)
			return 0;
	}
	VG_VU32(st->cur_hid) = hid;
	VG_VU32(st->flags) = 0;
	__u32 nargs = h->nargs;
	if (nargs)
		bpf_loop(nargs > VG_POL_ARGS ? VG_POL_ARGS : nargs, vg_pol_arg_step, r, 0);
	VG_VU32(st->sel_hit) = VG_POL_NOSEL;
	__u32 nsel = h->nsel;
	if (nsel)
		bpf_loop(nsel > 5 ? 5 : nsel, vg_pol_sel_step, r, 0);
	if (!nsel || VG_VU32(st->sel_hit) != VG_POL_NOSEL)
		vg_pol_fire(r);
	if ((h->flags & VG_POL_HF_GUARD) && !(VG_VU32(st->flags) & (VG_POL_EF_ARMED | VG_POL_EF_MONITOR | VG_POL_EF_PROTECTED))) {
		/* allowed: the deny point still checks the address it gets is
		 * the one evaluated here (an armed entry is never replaced) */
		h = vg_pol_cur_hook(r);
		if (!h)
			return 0;
		__u32 tid = (__u32)bpf_get_current_pid_tgid();
		struct vg_pol_pending p = { .nr = (__u32)r->nr, .ts = bpf_ktime_get_ns(), .hook = hid, .sel = VG_POL_NOSEL };
		vg_pol_guard_fill(r, h, &p);
		bpf_map_update_elem(&vg_pol_pending, &tid, &p, BPF_NOEXIST);
	}
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(vg_pol_enter, struct pt_regs *regs, long id)
{
	if ((__u64)id >= VG_SYSCALL_MAX)
		return 0;
	__u32 gen = vg_pol_gen & 1;
	struct vg_pol_sc sc = vg_pol_sc[gen][id];
	if (!sc.count)
		return 0;
	__u64 pt = bpf_get_current_pid_tgid();
	__u32 tgid = pt >> 32;
	if (tgid == vg_self_tgid)
		return 0;
	struct task_struct *t = vg_task();
	if ((t->flags & VG_PF_KTHREAD) || (t->thread_info.status & VG_TS_COMPAT))
		return 0;
	struct vg_pol_state *st = vg_pol_state_get(VG_POL_ST_ENTER);
	struct vg_scratch *s = vg_scratch_get(VG_SLOT_POLICY);
	if (!st || !s)
		return 0;
	/* what an earlier call of this thread armed and never reached its
	 * deny point is void now */
	__u32 tid = (__u32)pt;
	if (vg_pol_routed)
		bpf_map_delete_elem(&vg_pol_pending, &tid);
	struct vg_pol_run r = {
		.reg = { regs->di, regs->si, regs->dx, regs->r10, regs->r8, regs->r9 }, .task = t, .st = st, .s = s, .nr = (__u64)id, .first = sc.first, .gen = gen,
		.tgid = tgid, .protect = tgid == 1,
	};
	bpf_loop(sc.count, vg_pol_hook_step, &r, 0);
	return 0;
}

/* ---- Override deny points: cgroup socket hooks ---- */

/* Consume the Override armed by syscall nr1 or nr2 of this thread: 0 (deny,
 * with its errno through bpf_set_retval) or 1 (allow). Attached to the root
 * cgroup only when a loaded policy routes an Override here. */
/* Does the address the kernel copied (ctx) equal the sockaddr evaluated at
 * sys_enter? 1 yes, 0 no. */
static __always_inline int vg_pol_same_addr(struct bpf_sock_addr *ctx, const __u8 *a, int v6)
{
	__u16 fam = *(const __u16 *)a, port = *(const __u16 *)(a + 2);
	if (fam != ctx->user_family || port != (__u16)ctx->user_port)
		return 0;
	if (!v6)
		return *(const __u32 *)(a + 4) == ctx->user_ip4;
	return *(const __u32 *)(a + 8) == ctx->user_ip6[0] && *(const __u32 *)(a + 12) == ctx->user_ip6[1] &&
	       *(const __u32 *)(a + 16) == ctx->user_ip6[2] && *(const __u32 *)(a + 20) == ctx->user_ip6[3];
}

/* The event of a call a socket deny point denied on its own (the address
 * changed after sys_enter or could not be read there): hook `hid`, no
 * selector, Override, the address the kernel copied as its sockaddr. */
static __always_inline void vg_pol_guard_event(struct bpf_sock_addr *sa, int v6, __u32 hid, __u32 nr)
{
	struct vg_pol_hook *h = bpf_map_lookup_elem(&vg_pol_hooks, &hid);
	if (!h)
		return;
	__u8 buf[VG_POL_SOCKADDR_LEN] = {};
	*(__u16 *)buf = (__u16)sa->user_family;
	*(__u16 *)(buf + 2) = (__u16)sa->user_port;
	if (v6) {
		*(__u32 *)(buf + 8) = sa->user_ip6[0];
		*(__u32 *)(buf + 12) = sa->user_ip6[1];
		*(__u32 *)(buf + 16) = sa->user_ip6[2];
		*(__u32 *)(buf + 20) = sa->user_ip6[3];
	} else {
		*(__u32 *)(buf + 4) = sa->user_ip4;
	}
	__u32 pos = VG_POL_ARGS;
	for (__u32 a = 0; a < VG_POL_ARGS; a++)
		if (a < h->nargs && h->args[a].type == VG_POL_T_SOCKADDR && pos == VG_POL_ARGS)
			pos = a;
	struct vg_ev e;
	if (vg_ev_begin(&e, VG_SLOT_POLICY, VG_EV_POLICY_E, VG_POL_EV_NPARAMS))
		return;
	vg_push_u32(&e, hid);
	vg_push_u32(&e, VG_POL_NOSEL);
	vg_push_u32(&e, VG_POL_A_OVERRIDE);
	vg_push_u32(&e, VG_POL_EF_DENIED | VG_POL_EF_ADDR_CHANGED);
	vg_push_u32(&e, 0);
	vg_push_u32(&e, nr);
	vg_push_s64(&e, bpf_get_current_pid_tgid() >> 32);
	vg_push_s64(&e, -1);
	for (__u32 a = 0; a < VG_POL_ARGS; a++) {
		if (a == pos)
			vg_push_kbuf(&e, buf, v6 ? VG_POL_SOCKADDR_LEN : 16);
		else
			vg_push_empty(&e);
	}
	vg_ev_submit(&e);
}

/* Consume the entry armed by syscall nr1 or nr2 of this thread: 0 (deny,
 * with its errno through bpf_set_retval) or 1 (allow). With an address
 * context (sa), a guarded entry whose address differs from the one the
 * kernel copied is denied with EPERM: the user's sockaddr changed after
 * sys_enter read it. Attached to the root cgroup only when a loaded policy
 * routes an Override here. */
static __always_inline int vg_pol_deny_point(struct bpf_sock_addr *sa, int v6, __u32 nr1, __u32 nr2)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct vg_pol_pending *p = bpf_map_lookup_elem(&vg_pol_pending, &tid);
	if (!p)
		return 1;
	__u32 nr = p->nr, hid = p->hook;
	int err = p->err;
	__u64 age = bpf_ktime_get_ns() - p->ts;
	int changed = 0;
	if (sa && p->guard)
		changed = p->guard != 1 || !vg_pol_same_addr(sa, p->addr, v6);
	bpf_map_delete_elem(&vg_pol_pending, &tid);
	if ((nr != nr1 && nr != nr2) || age > VG_POL_PENDING_TTL_NS)
		return 1;
	if (changed) {
		err = 1;	/* EPERM: fail closed */
		vg_pol_guard_event(sa, v6, hid, nr);
	} else if (!err) {
		return 1;
	}
	struct vg_pol_counters *c = vg_pol_cnt();
	if (c)
		c->n_denied++;
	if (err > 0 && err < 4096)
		bpf_set_retval(-err);
	return 0;
}

SEC("cgroup/connect4")
int vg_pol_connect4(struct bpf_sock_addr *ctx)
{
	return vg_pol_deny_point(ctx, 0, 42, 42);
}

SEC("cgroup/connect6")
int vg_pol_connect6(struct bpf_sock_addr *ctx)
{
	return vg_pol_deny_point(ctx, 1, 42, 42);
}

SEC("cgroup/bind4")
int vg_pol_bind4(struct bpf_sock_addr *ctx)
{
	return vg_pol_deny_point(ctx, 0, 49, 49);
}

SEC("cgroup/bind6")
int vg_pol_bind6(struct bpf_sock_addr *ctx)
{
	return vg_pol_deny_point(ctx, 1, 49, 49);
}

SEC("cgroup/sendmsg4")
int vg_pol_sendmsg4(struct bpf_sock_addr *ctx)
{
	return vg_pol_deny_point(ctx, 0, 44, 46);
}

SEC("cgroup/sendmsg6")
int vg_pol_sendmsg6(struct bpf_sock_addr *ctx)
{
	return vg_pol_deny_point(ctx, 1, 44, 46);
}

SEC("cgroup/sock_create")
int vg_pol_sock_create(struct bpf_sock *ctx)
{
	return vg_pol_deny_point(NULL, 0, 41, 41);
}

/* ---- matchBinaries: the sets of each process's executable ---- */

static __always_inline __u64 vg_pol_bin_sets(struct vg_pol_state *st, struct vg_scratch *s, __u32 off)
{
	__u32 len = (VG_PATH_MAX - 1 - off) & (VG_PATH_MAX - 1);
	const char *path = (const char *)&s->tmp[off & (VG_PATH_MAX - 1)];
	__u64 mask = 0, *m;
	if (len >= VG_POL_BIN)
		return 0;	/* as Tetragon: longer paths never match */
	struct vg_pol_bkey *bk = &st->bk;
	bk->len = len;
	__builtin_memset(bk->path, 0, VG_POL_BIN);
	bpf_probe_read_kernel(bk->path, len & (VG_POL_BIN - 1), path);
	if ((m = bpf_map_lookup_elem(&vg_pol_bin_eq, bk)))
		mask |= *m;
	struct vg_pol_lpm_key *lk = &st->lk;
	bpf_probe_read_kernel(lk->data, len & (VG_POL_BIN - 1), path);
	lk->prefixlen = len * 8;
	if ((m = bpf_map_lookup_elem(&vg_pol_bin_pfx, lk)))
		mask |= *m;
	__u32 n = len > 128 ? 128 : len;
	for (__u32 i = 0; i < 128; i++) {
		if (i >= n)
			break;
		lk->data[i] = bk->path[(len - 1 - i) & (VG_POL_BIN - 1)];
	}
	lk->prefixlen = n * 8;
	if ((m = bpf_map_lookup_elem(&vg_pol_bin_sfx, lk)))
		mask |= *m;
	return mask;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vg_pol_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct vg_pol_state *st = vg_pol_state_get(VG_POL_ST_SCHED);
	struct vg_scratch *s = vg_scratch_get(VG_SLOT_POLICY_SCHED);
	if (!st || !s)
		return 0;
	struct file *f = BPF_CORE_READ(bprm, file);
	if (!f)
		return 0;
	struct path fp = BPF_CORE_READ(f, f_path);
	__u32 off = vg_path_build(fp.dentry, fp.mnt, s, 0);
	struct vg_pol_proc n = { .bins = vg_pol_bin_sets(st, s, off) };
	/* the new name is set before this tracepoint (begin_new_exec) */
	struct vg_pol_ckey ck;
	__u64 *cm;
	bpf_get_current_comm(ck.comm, sizeof(ck.comm));
	if ((cm = bpf_map_lookup_elem(&vg_pol_bin_comm, &ck)))
		n.bins |= *cm;
	struct vg_pol_proc *old = bpf_map_lookup_elem(&vg_pol_proc, &tgid);
	if (old)
		n.follow = old->follow;
	bpf_map_update_elem(&vg_pol_proc, &tgid, &n, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vg_pol_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	if (ptgid == ctgid)
		return 0;	/* a thread */
	struct vg_pol_proc *pp = bpf_map_lookup_elem(&vg_pol_proc, &ptgid);
	if (!pp)
		return 0;
	struct vg_pol_proc n = { .bins = pp->bins, .follow = pp->follow | (pp->bins & vg_pol_follow_mask) };
	bpf_map_update_elem(&vg_pol_proc, &ctgid, &n, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vg_pol_exit, struct task_struct *p, bool group_dead)
{
	if (!group_dead)
		return 0;
	__u32 tgid = p->tgid;
	bpf_map_delete_elem(&vg_pol_proc, &tgid);
	return 0;
}
