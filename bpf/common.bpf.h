/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * common.bpf.h - what every vigil BPF program shares: the maps, the
 * configuration user space writes before attaching, and the event
 * builder that lays an event out in per-CPU scratch space exactly as
 * include/vigil/events.h defines it (header, u16 lengths, parameters) before
 * copying it into this CPU's ring buffer.
 */
#ifndef VIGIL_COMMON_BPF_H
#define VIGIL_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "vigil/events.h"

/* ---- configuration (set by user space before load / at run time) ---- */

/* The ABI this object was built with; user space refuses a mismatch. */
const volatile __u32 vg_abi_version = VIGIL_EVENTS_ABI_VERSION;
/* vigil's own process: its syscalls are not captured. */
const volatile __u32 vg_self_tgid = 0;
/* Boot time, ns since the epoch: event timestamps are boot ns + this. */
const volatile __u64 vg_boot_ts = 0;
/* Bytes of data captured by read/write-family events. */
const volatile __u32 vg_snaplen = 80;

/* Syscalls wanted (x86_64 numbers): changed at run time when rules change. */
__u8 vg_sc_wanted[VG_SYSCALL_MAX];

/* ---- maps ---- */

struct vg_ring_map {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
};

/* One ring buffer per CPU (the inner maps are created by user space). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);	/* resized to the number of CPUs */
	__type(key, __u32);
	__array(values, struct vg_ring_map);
} vg_rings SEC(".maps");

/* sys_exit programs by syscall number. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, VG_SYSCALL_MAX);
	__type(key, __u32);
	__type(value, __u32);
} vg_exit_progs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_counters);
} vg_counters SEC(".maps");

/* Scratch space: an event is built here, then copied to the ring. Offsets
 * are kept below VG_SCRATCH_HALF and every write is at most VG_SCRATCH_HALF
 * bytes, so a masked offset is always in bounds for the verifier. */
#define VG_SCRATCH_HALF (1u << 16)
#define VG_SCRATCH_SIZE (2 * VG_SCRATCH_HALF)
#define VG_TMP_SIZE 8192
/* Mask an offset for the verifier. The empty asm hides what the compiler
 * knows of the value, or it would drop a mask it can prove redundant. */
static __always_inline __u32 vg_off(__u32 x)
{
	asm volatile("" : "+r"(x));
	return x & (VG_SCRATCH_HALF - 1);
}
#define VG_OFF(x) vg_off(x)

struct vg_scratch {
	__u8 ev[VG_SCRATCH_SIZE];
	__u8 tmp[VG_TMP_SIZE];	/* path building */
	/* The builder's position and flags live here, in map memory, and are
	 * read back through volatile loads: the verifier then sees an unknown
	 * (masked) offset on every path instead of one precise value per path,
	 * so the branches of variable-size parameters merge instead of
	 * multiplying the states it explores. */
	__u32 pos;
	__u32 flags;
	__u32 woff;	/* path walks: offset of the first byte built in tmp */
	__u32 wtotal;	/* cgroups: bytes written so far */
};

/* Programs that may interleave on one CPU (a preempted sys_exit and a
 * sched_process_exit) use different slots: slot = cpu * VG_SLOTS + kind.
 * The policy programs (policy.bpf.c) have their own two. */
enum vg_slot_kind { VG_SLOT_SYS_EXIT = 0, VG_SLOT_SCHED = 1, VG_SLOT_POLICY = 2, VG_SLOT_POLICY_SCHED = 3, VG_SLOTS = 4 };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VG_SLOTS);	/* resized to CPUs * VG_SLOTS */
	__type(key, __u32);
	__type(value, struct vg_scratch);
} vg_scratch SEC(".maps");

/* What sched_process_exec saw, for the execve exit event of the same task. */
struct vg_exec_info {
	__u64 ts;
	__u32 filename_len;	/* including the NUL */
	__u32 exepath_len;
	char filename[VG_PATH_MAX];
	char exepath[VG_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);	/* tid */
	__type(value, struct vg_exec_info);
} vg_exec SEC(".maps");

/* ---- counters ---- */

static __always_inline struct vg_counters *vg_cnt(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&vg_counters, &zero);
}

/* ---- event builder ---- */

#define VG_REC_SIZE ((__u32)sizeof(struct vg_ring_rec))
#define VG_HDR_OFF VG_REC_SIZE
#define VG_LENS_OFF (VG_REC_SIZE + VG_EVT_HDR_SIZE)

struct vg_ev {
	struct vg_scratch *s;
	__u8 *buf;		/* s->ev: ring record header, event header, lengths, params */
	__u32 idx;		/* next parameter index (a constant on every path) */
	__u32 nparams;
	__u16 type;
};

static __always_inline __u32 vg_pos(const struct vg_ev *e)
{
	return *(volatile __u32 *)&e->s->pos;
}

static __always_inline void vg_pos_set(struct vg_ev *e, __u32 pos)
{
	*(volatile __u32 *)&e->s->pos = pos;
}

static __always_inline void vg_flag(struct vg_ev *e, __u32 f)
{
	*(volatile __u32 *)&e->s->flags |= f;
}

static __always_inline struct vg_scratch *vg_scratch_get(enum vg_slot_kind kind)
{
	__u32 slot = bpf_get_smp_processor_id() * VG_SLOTS + kind;
	return bpf_map_lookup_elem(&vg_scratch, &slot);
}

/* Start an event of `type` with `nparams` parameters for the current task. */
static __always_inline int vg_ev_begin(struct vg_ev *e, enum vg_slot_kind kind, __u16 type, __u32 nparams)
{
	struct vg_scratch *s = vg_scratch_get(kind);
	if (!s)
		return -1;
	e->s = s;
	e->buf = s->ev;
	e->type = type;
	e->nparams = nparams;
	e->idx = 0;
	s->flags = 0;
	/* clamped, not masked: a mask of VG_MAX_EVENT_PARAMS - 1 turned 32 into 0 */
	vg_pos_set(e, VG_LENS_OFF + 2 * (nparams > VG_MAX_EVENT_PARAMS ? VG_MAX_EVENT_PARAMS : nparams));
	struct vg_evt_hdr *h = (struct vg_evt_hdr *)&e->buf[VG_HDR_OFF];
	h->ts = bpf_ktime_get_boot_ns() + vg_boot_ts;
	h->tid = (__u32)bpf_get_current_pid_tgid();
	h->type = type;
	h->nparams = nparams;
	return 0;
}

/* Close the current parameter: `len` bytes were written at the position. */
static __always_inline void vg_set_len(struct vg_ev *e, __u32 len)
{
	*(__u16 *)&e->buf[VG_OFF(VG_LENS_OFF + 2 * (e->idx & (VG_MAX_EVENT_PARAMS - 1)))] = (__u16)len;
	e->idx++;
	vg_pos_set(e, vg_pos(e) + len);
}

/* Room for `n` more bytes of a variable-size parameter? A margin is kept
 * for the fixed-size parameters that follow (at most 32 x 16 bytes), which
 * are therefore written without a check: pos never passes the half mark. */
#define VG_FIXED_MARGIN 512
static __always_inline int vg_room(const struct vg_ev *e, __u32 n)
{
	return vg_pos(e) + n + VG_FIXED_MARGIN <= VG_SCRATCH_HALF;
}

/* Where the current parameter's bytes go. */
static __always_inline __u8 *vg_at(const struct vg_ev *e, __u32 delta)
{
	return &e->buf[VG_OFF(vg_pos(e) + delta)];
}

static __always_inline void vg_push_empty(struct vg_ev *e)
{
	vg_set_len(e, 0);
}

#define VG_DEFINE_PUSH(name, type)                                            \
	static __always_inline void vg_push_##name(struct vg_ev *e, type v)   \
	{                                                                     \
		*(type *)vg_at(e, 0) = v;                                     \
		vg_set_len(e, sizeof(type));                                  \
	}
VG_DEFINE_PUSH(u8, __u8)
VG_DEFINE_PUSH(u16, __u16)
VG_DEFINE_PUSH(u32, __u32)
VG_DEFINE_PUSH(u64, __u64)
#define vg_push_s64(e, v) vg_push_u64(e, (__u64)(__s64)(v))
#define vg_push_s32(e, v) vg_push_u32(e, (__u32)(__s32)(v))

/* A NUL-terminated string from user memory, at most `max` bytes (a power of
 * two not above VG_SCRATCH_HALF). NULL pointers give an empty parameter;
 * unreadable ones too, flagged. */
static __always_inline void vg_push_user_str(struct vg_ev *e, const void *p, __u32 max)
{
	if (!p) {
		vg_push_empty(e);
		return;
	}
	if (!vg_room(e, max)) {
		vg_flag(e, VG_RF_TRUNCATED);
		vg_push_empty(e);
		return;
	}
	long n = bpf_probe_read_user_str(vg_at(e, 0), max, p);
	if (n <= 0) {
		vg_flag(e, VG_RF_UNREADABLE);
		vg_push_empty(e);
		return;
	}
	if (n == max)
		vg_flag(e, VG_RF_TRUNCATED);
	vg_set_len(e, (__u32)n);
}

static __always_inline void vg_push_kernel_str(struct vg_ev *e, const void *p, __u32 max)
{
	if (!p || !vg_room(e, max)) {
		vg_push_empty(e);
		return;
	}
	long n = bpf_probe_read_kernel_str(vg_at(e, 0), max, p);
	if (n <= 0) {
		vg_push_empty(e);
		return;
	}
	vg_set_len(e, (__u32)n);
}

/* Raw bytes from user memory, at most `max` (power of two). */
static __always_inline void vg_push_user_buf(struct vg_ev *e, const void *p, __u64 len, __u32 max)
{
	if (!p || !len) {
		vg_push_empty(e);
		return;
	}
	if (len > max) {
		len = max;
		vg_flag(e, VG_RF_TRUNCATED);
	}
	if (!vg_room(e, (__u32)len)) {
		vg_flag(e, VG_RF_TRUNCATED);
		vg_push_empty(e);
		return;
	}
	__u32 n = (__u32)len & (VG_SCRATCH_HALF - 1);
	if (bpf_probe_read_user(vg_at(e, 0), n, p)) {
		vg_flag(e, VG_RF_UNREADABLE);
		vg_push_empty(e);
		return;
	}
	vg_set_len(e, n);
}

/* A string already in the scratch tmp area or a map value (kernel memory). */
static __always_inline void vg_push_kbuf(struct vg_ev *e, const void *p, __u32 len)
{
	if (!len || len > VG_PATH_MAX || !vg_room(e, len)) {
		vg_push_empty(e);
		return;
	}
	__u32 n = len & (VG_PATH_MAX * 2 - 1);
	if (bpf_probe_read_kernel(vg_at(e, 0), n, p)) {
		vg_push_empty(e);
		return;
	}
	vg_set_len(e, n);
}

/* The drop category of an event type (Falco's buffer-drop categories). */
static __always_inline __u32 vg_drop_cat(__u16 type)
{
	switch (type) {
	case VG_EV_CLONE_20_X: case VG_EV_FORK_20_X: case VG_EV_VFORK_20_X: case VG_EV_CLONE3_X:
		return VG_DROP_CLONE_FORK;
	case VG_EV_EXECVE_19_X: case VG_EV_EXECVEAT_X:
		return VG_DROP_EXECVE;
	case VG_EV_CONNECT_X:
		return VG_DROP_CONNECT;
	case VG_EV_OPEN_X: case VG_EV_OPENAT_2_X: case VG_EV_OPENAT2_X: case VG_EV_CREAT_X:
		return VG_DROP_OPEN;
	case VG_EV_MKDIR_2_X: case VG_EV_MKDIRAT_X: case VG_EV_RMDIR_2_X: case VG_EV_UNLINK_2_X:
	case VG_EV_UNLINKAT_2_X: case VG_EV_RENAME_X: case VG_EV_RENAMEAT_X: case VG_EV_RENAMEAT2_X:
	case VG_EV_LINK_2_X: case VG_EV_LINKAT_2_X: case VG_EV_SYMLINK_X: case VG_EV_SYMLINKAT_X:
	case VG_EV_CHDIR_X: case VG_EV_FCHDIR_X:
		return VG_DROP_DIR_FILE;
	case VG_EV_CLOSE_X:
		return VG_DROP_CLOSE;
	case VG_EV_PROCEXIT_1_E:
		return VG_DROP_PROC_EXIT;
	default:
		return VG_DROP_OTHER_INTEREST;
	}
}

/* Copy the event to this CPU's ring. Parameters not pushed are sent empty. */
static __always_inline void vg_ev_submit(struct vg_ev *e)
{
	for (int i = 0; i < VG_MAX_EVENT_PARAMS; i++) {
		if (e->idx >= e->nparams)
			break;
		vg_push_empty(e);
	}
	__u32 cpu = bpf_get_smp_processor_id();
	__u32 flags = *(volatile __u32 *)&e->s->flags;
	struct vg_ring_rec *r = (struct vg_ring_rec *)e->buf;
	r->cpu = (__u16)cpu;
	r->flags = (__u16)flags;
	r->reserved = 0;
	struct vg_evt_hdr *h = (struct vg_evt_hdr *)&e->buf[VG_HDR_OFF];
	__u32 total = vg_pos(e);
	h->len = total - VG_REC_SIZE;

	struct vg_counters *c = vg_cnt();
	void *ring = bpf_map_lookup_elem(&vg_rings, &cpu);
	if (!ring) {
		if (c)
			__sync_fetch_and_add(&c->n_drops_nomap, 1);
		return;
	}
	if (total > VG_SCRATCH_HALF) {
		if (c)
			__sync_fetch_and_add(&c->n_drops_scratch, 1);
		return;
	}
	if (bpf_ringbuf_output(ring, e->buf, total & (VG_SCRATCH_SIZE - 1), BPF_RB_NO_WAKEUP)) {
		if (c) {
			__sync_fetch_and_add(&c->n_drops_buffer, 1);
			__sync_fetch_and_add(&c->n_drops_buffer_cat[vg_drop_cat(e->type) & 7], 1);
		}
		return;
	}
	if (c) {
		__sync_fetch_and_add(&c->n_evts, 1);
		if (flags & VG_RF_TRUNCATED)
			__sync_fetch_and_add(&c->n_truncated, 1);
		if (flags & VG_RF_UNREADABLE)
			__sync_fetch_and_add(&c->n_unreadable, 1);
	}
}

/* ---- syscall arguments at sys_exit (x86_64: still in pt_regs) ---- */

/* `regs` is the tracepoint's BTF-typed argument: its fields are read with
 * plain loads, not probe-read helper calls. */
static __always_inline unsigned long vg_arg(struct pt_regs *regs, int i)
{
	switch (i) {
	case 0: return regs->di;
	case 1: return regs->si;
	case 2: return regs->dx;
	case 3: return regs->r10;
	case 4: return regs->r8;
	default: return regs->r9;
	}
}

/* Turn a kernel pointer obtained as a plain value (read from an array, a
 * union...) back into a BTF-typed one, so that its fields are read with
 * plain loads (faults read as 0) instead of probe-read helper calls. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#define VG_BTF(type, p) ((type *)bpf_rdonly_cast((void *)(p), bpf_core_type_id_kernel(type)))

/* sys_exit programs: SEC, name and the (regs, ret) arguments. */
#define VG_EXIT_PROG(name) \
	SEC("tp_btf/sys_exit") int BPF_PROG(name, struct pt_regs *regs, long ret)

#endif /* VIGIL_COMMON_BPF_H */
