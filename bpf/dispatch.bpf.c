// SPDX-License-Identifier: GPL-2.0-only
/*
 * dispatch.bpf.c - the sys_exit entry point. In its first instructions it
 * drops what is not wanted (syscalls no loaded rule or state needs, vigil's
 * own activity, 32-bit compat calls), then tail-calls the program of the
 * syscall; a wanted syscall without one is sent as a generic event (its
 * syscall code and number).
 */
#include "common.bpf.h"

/* Syscall number -> scap syscall code (VG_PT_SYSCALLID), for generic events. */
__u16 vg_sc_code[VG_SYSCALL_MAX];

#define K_TS_COMPAT 0x0002

SEC("tp_btf/sys_exit")
int BPF_PROG(vg_sys_exit, struct pt_regs *regs, long ret)
{
	__u64 nr = regs->orig_ax;
	if (nr >= VG_SYSCALL_MAX || !vg_sc_wanted[nr])
		return 0;
	if ((bpf_get_current_pid_tgid() >> 32) == vg_self_tgid)
		return 0;
	struct task_struct *t = (struct task_struct *)bpf_get_current_task_btf();
	if (t->thread_info.status & K_TS_COMPAT)
		return 0;

	bpf_tail_call(ctx, &vg_exit_progs, (__u32)nr);

	/* no dedicated program: a generic event */
	struct vg_ev e;
	if (vg_ev_begin(&e, VG_SLOT_SYS_EXIT, VG_EV_GENERIC_X, 2))
		return 0;
	vg_push_u16(&e, vg_sc_code[nr & (VG_SYSCALL_MAX - 1)]);
	vg_push_u16(&e, (__u16)nr);
	vg_ev_submit(&e);
	return 0;
}

