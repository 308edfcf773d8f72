// SPDX-License-Identifier: GPL-2.0-only
/*
 * proc.bpf.c - the process life cycle and identity: clone/fork/vfork/clone3
 * and execve/execveat exits (the full process description: executable,
 * arguments, environment, credentials, capabilities, tty, login uid,
 * cgroups, pid namespace numbers, executable inode and layer), the
 * sched_process_exec stash of the executed file name, process exit, and the
 * syscalls that change credentials, sessions, namespaces or trace others.
 */
#include "common.bpf.h"
#include "flags.bpf.h"
#include "task.bpf.h"

#define ARG(i) vg_arg(regs, i)
#define BEGIN(type, n)                                               \
	struct vg_ev e;                                              \
	if (vg_ev_begin(&e, VG_SLOT_SYS_EXIT, type, n))              \
		return 0

#define K_NR_vfork 58
#define K_NR_fork 57
#define K_NR_clone3 435
#define K_NR_execveat 322
#define MM_FILEPAGES_ 0
#define MM_ANONPAGES_ 1
#define MM_SWAPENTS_ 2
#define MM_SHMEMPAGES_ 3
#define CAP_DAC_OVERRIDE_ 1

static __always_inline __u32 mm_pages_kb(struct mm_struct *mm, int i)
{
	__s64 v = BPF_CORE_READ(mm, rss_stat[i].count);
	return v > 0 ? (__u32)(v << 2) : 0;
}

/* Parameters 2..15 shared by clone and execve exits: exe, args, tid, pid,
 * ptid, cwd, fdlimit, pgft_maj, pgft_min, vm_size, vm_rss, vm_swap, comm,
 * cgroups. */
static __always_inline void push_proc_common(struct vg_ev *e, struct task_struct *t)
{
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	unsigned long arg_start = mm ? BPF_CORE_READ(mm, arg_start) : 0;
	unsigned long arg_end = mm ? BPF_CORE_READ(mm, arg_end) : 0;

	/* exe: argv[0]; args: the rest of the argument area */
	__u32 before = vg_pos(e);
	if (arg_start && arg_end > arg_start)
		vg_push_user_str(e, (void *)arg_start, VG_ARGS_MAX);
	else
		vg_push_empty(e);
	__u32 exe_len = (vg_pos(e) - before) & (VG_ARGS_MAX * 2 - 1);
	if (arg_start && arg_end > arg_start + exe_len)
		vg_push_user_buf(e, (void *)(arg_start + exe_len), arg_end - arg_start - exe_len, VG_ARGS_MAX);
	else
		vg_push_empty(e);

	vg_push_s64(e, BPF_CORE_READ(t, pid));
	vg_push_s64(e, BPF_CORE_READ(t, tgid));
	vg_push_s64(e, BPF_CORE_READ(t, real_parent, pid));
	vg_push_empty(e);	/* cwd: kept by the state engine (chdir, fchdir) */
	vg_push_u64(e, vg_task_fdlimit(t));
	vg_push_u64(e, BPF_CORE_READ(t, maj_flt));
	vg_push_u64(e, BPF_CORE_READ(t, min_flt));
	if (mm) {
		vg_push_u32(e, (__u32)(BPF_CORE_READ(mm, total_vm) << 2));
		vg_push_u32(e, mm_pages_kb(mm, MM_FILEPAGES_) + mm_pages_kb(mm, MM_ANONPAGES_) +
				       mm_pages_kb(mm, MM_SHMEMPAGES_));
		vg_push_u32(e, mm_pages_kb(mm, MM_SWAPENTS_));
	} else {
		vg_push_u32(e, 0);
		vg_push_u32(e, 0);
		vg_push_u32(e, 0);
	}
	char comm[16];
	bpf_get_current_comm(comm, sizeof(comm));
	vg_push_kernel_str(e, comm, 16);
	vg_push_cgroups(e, t);
}

/* clone/fork/vfork/clone3 exit, in the parent (ret = child tid) and in the
 * child (ret = 0): res, the common part, flags, uid, gid, vtid, vpid,
 * pidns_init_start_ts. */
static __always_inline int do_clone(__u16 type, struct pt_regs *regs, long ret)
{
	struct vg_scratch *s = vg_scratch_get(VG_SLOT_SYS_EXIT);
	struct task_struct *t = vg_task();
	__u64 nr = BPF_CORE_READ(regs, orig_ax);
	__u64 kflags;
	if (nr == K_NR_clone3) {
		kflags = 0;
		bpf_probe_read_user(&kflags, sizeof(kflags), (void *)ARG(0));
	} else if (nr == K_NR_fork) {
		kflags = 0;
	} else if (nr == K_NR_vfork) {
		kflags = K_CLONE_VFORK | K_CLONE_VM;
	} else {
		kflags = ARG(0);
	}
	__u32 flags = vg_clone_flags(kflags);
	if (vg_task_in_child_pidns(t) || (ret > 0 && (kflags & K_CLONE_NEWPID)) || vg_task_children_in_other_pidns(t))
		flags |= VG_CL_CHILD_IN_PIDNS;
	if (!s)
		return 0;

	BEGIN(type, 21);
	vg_push_s64(&e, ret);
	push_proc_common(&e, t);
	vg_push_u32(&e, flags);
	vg_push_u32(&e, BPF_CORE_READ(t, cred, euid.val));
	vg_push_u32(&e, BPF_CORE_READ(t, cred, egid.val));
	vg_push_s64(&e, vg_task_vtid(t));
	vg_push_s64(&e, vg_task_vpid(t));
	vg_push_u64(&e, vg_pidns_init_start_ts(t));
	vg_ev_submit(&e);
	return 0;
}

VG_EXIT_PROG(vg_x_clone) { return do_clone(VG_EV_CLONE_20_X, regs, ret); }
VG_EXIT_PROG(vg_x_fork) { return do_clone(VG_EV_FORK_20_X, regs, ret); }
VG_EXIT_PROG(vg_x_vfork) { return do_clone(VG_EV_VFORK_20_X, regs, ret); }
VG_EXIT_PROG(vg_x_clone3) { return do_clone(VG_EV_CLONE3_X, regs, ret); }

/* Can the task write its executable? (owner/group/other write bits for its
 * fsuid/fsgid, or CAP_DAC_OVERRIDE, as the kernel's permission check.) */
static __always_inline int exe_writable(struct task_struct *t, struct inode *ino)
{
	umode_t mode = BPF_CORE_READ(ino, i_mode);
	__u32 fsuid = BPF_CORE_READ(t, cred, fsuid.val);
	__u32 fsgid = BPF_CORE_READ(t, cred, fsgid.val);
	if (fsuid == BPF_CORE_READ(ino, i_uid.val))
		return !!(mode & 0200);
	if (fsgid == BPF_CORE_READ(ino, i_gid.val))
		return !!(mode & 0020);
	if (mode & 0002)
		return 1;
	return !!(BPF_CORE_READ(t, cred, cap_effective.val) & (1ULL << CAP_DAC_OVERRIDE_));
}

/* execve/execveat exit (31/32 params, see event_table.c). */
static __always_inline int do_execve(__u16 type, __u32 n, struct pt_regs *regs, long ret)
{
	struct vg_scratch *s = vg_scratch_get(VG_SLOT_SYS_EXIT);
	struct task_struct *t = vg_task();
	if (!s)
		return 0;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct vg_exec_info *xi = ret == 0 ? bpf_map_lookup_elem(&vg_exec, &tid) : NULL;

	BEGIN(type, n);
	vg_push_s64(&e, ret);
	push_proc_common(&e, t);

	/* env */
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	unsigned long env_start = mm ? BPF_CORE_READ(mm, env_start) : 0;
	unsigned long env_end = mm ? BPF_CORE_READ(mm, env_end) : 0;
	if (env_start && env_end > env_start)
		vg_push_user_buf(&e, (void *)env_start, env_end - env_start, VG_ARGS_MAX);
	else
		vg_push_empty(&e);
	vg_push_u32(&e, vg_task_tty(t));
	vg_push_s64(&e, vg_task_vpgid(t));
	vg_push_u32(&e, BPF_CORE_READ(t, loginuid.val));

	/* flags: what the executable is */
	struct file *exe = mm ? BPF_CORE_READ(mm, exe_file) : NULL;
	struct inode *ino = exe ? BPF_CORE_READ(exe, f_inode) : NULL;
	__u32 xflags = 0;
	if (ino) {
		if (exe_writable(t, ino))
			xflags |= VG_EXE_WRITABLE;
		if (BPF_CORE_READ(ino, i_sb, s_magic) == VG_OVERLAYFS_MAGIC) {
			struct ovl_inode *oi = (void *)ino - bpf_core_field_offset(struct ovl_inode, vfs_inode);
			xflags |= BPF_CORE_READ(oi, __upperdentry) ? VG_EXE_UPPER_LAYER : VG_EXE_LOWER_LAYER;
		}
		char pfx[8] = {};
		bpf_probe_read_kernel_str(pfx, sizeof(pfx), BPF_CORE_READ(exe, f_path.dentry, d_name.name));
		if (pfx[0] == 'm' && pfx[1] == 'e' && pfx[2] == 'm' && pfx[3] == 'f' && pfx[4] == 'd' && pfx[5] == ':')
			xflags |= VG_EXE_FROM_MEMFD;
	}
	vg_push_u32(&e, xflags);
	vg_push_u64(&e, BPF_CORE_READ(t, cred, cap_inheritable.val));
	vg_push_u64(&e, BPF_CORE_READ(t, cred, cap_permitted.val));
	vg_push_u64(&e, BPF_CORE_READ(t, cred, cap_effective.val));
	vg_push_u64(&e, ino ? BPF_CORE_READ(ino, i_ino) : 0);
	vg_push_u64(&e, ino ? BPF_CORE_READ(ino, i_ctime_sec) * 1000000000ULL + BPF_CORE_READ(ino, i_ctime_nsec) : 0);
	vg_push_u64(&e, ino ? BPF_CORE_READ(ino, i_mtime_sec) * 1000000000ULL + BPF_CORE_READ(ino, i_mtime_nsec) : 0);
	vg_push_u32(&e, BPF_CORE_READ(t, cred, euid.val));
	if (exe) {
		struct path p = BPF_CORE_READ(exe, f_path);
		vg_push_path(&e, &p);
	} else {
		vg_push_empty(&e);
	}
	vg_push_s64(&e, vg_task_pgid(t));
	vg_push_u32(&e, BPF_CORE_READ(t, cred, egid.val));

	/* what was asked to run: the kernel's copy on success, the caller's
	 * argument on failure (its memory is intact then) */
	if (type == VG_EV_EXECVEAT_X) {
		vg_push_s64(&e, vg_dirfd(ARG(0)));
		if (xi)
			vg_push_kbuf(&e, xi->filename, xi->filename_len);
		else
			vg_push_user_str(&e, (void *)ARG(1), VG_PATH_MAX);
	} else {
		if (xi)
			vg_push_kbuf(&e, xi->filename, xi->filename_len);
		else
			vg_push_user_str(&e, (void *)ARG(0), VG_PATH_MAX);
	}
	if (xi)
		bpf_map_delete_elem(&vg_exec, &tid);
	vg_ev_submit(&e);
	return 0;
}

VG_EXIT_PROG(vg_x_execve) { return do_execve(VG_EV_EXECVE_19_X, 31, regs, ret); }
VG_EXIT_PROG(vg_x_execveat) { return do_execve(VG_EV_EXECVEAT_X, 32, regs, ret); }

/* The executed file name as the kernel resolved it (bprm->filename), kept
 * for the execve exit event: after a successful exec the caller's memory
 * and registers are gone. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(vg_sched_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct vg_scratch *s = vg_scratch_get(VG_SLOT_SCHED);
	if (!s || (bpf_get_current_pid_tgid() >> 32) == vg_self_tgid)
		return 0;
	/* build the value in scratch, then store it */
	struct vg_exec_info *xi = (struct vg_exec_info *)s->ev;
	xi->ts = bpf_ktime_get_boot_ns();
	long n = bpf_probe_read_kernel_str(xi->filename, sizeof(xi->filename), BPF_CORE_READ(bprm, filename));
	xi->filename_len = n > 0 ? (__u32)n : 0;
	xi->exepath_len = 0;
	bpf_map_update_elem(&vg_exec, &tid, xi, BPF_ANY);
	return 0;
}

#define VG_REAPER_DEPTH 16

/* Who adopts the children of an exiting thread, as the kernel's
 * find_new_reaper() decides: another thread of the group while the group
 * lives; else the nearest ancestor that is a child subreaper (podman's
 * conmon, systemd --user); else the pid namespace's init. */
static __always_inline __s64 vg_reaper_tid(struct task_struct *p, bool group_dead)
{
	if (!group_dead)
		return p->tgid;
	if (BPF_CORE_READ_BITFIELD_PROBED(p->signal, has_child_subreaper)) {
		struct task_struct *a = p->real_parent;
		for (int i = 0; i < VG_REAPER_DEPTH && a; i++) {
			if (BPF_CORE_READ_BITFIELD_PROBED(a->signal, is_child_subreaper))
				return a->tgid;
			struct task_struct *up = a->real_parent;
			if (up == a)
				break;
			a = up;
		}
	}
	struct pid *pid = p->thread_pid;
	unsigned int level = pid ? pid->level : 0;
	struct upid up;
	if (!pid || bpf_core_read(&up, sizeof(up), &pid->numbers[level & 31]) || !up.ns)
		return 1;
	struct task_struct *reaper = BPF_CORE_READ(up.ns, child_reaper);
	return reaper ? BPF_CORE_READ(reaper, pid) : 1;
}

/* Process (thread) exit: status, ret, sig, core, reaper_tid. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(vg_sched_exit, struct task_struct *p, bool group_dead)
{
	if ((bpf_get_current_pid_tgid() >> 32) == vg_self_tgid)
		return 0;
	struct vg_ev e;
	if (vg_ev_begin(&e, VG_SLOT_SCHED, VG_EV_PROCEXIT_1_E, 5))
		return 0;
	int code = BPF_CORE_READ(p, exit_code);
	vg_push_s64(&e, code);
	vg_push_s64(&e, (code >> 8) & 0xff);	/* the exit status */
	vg_push_u8(&e, (code & 0x7f) ? (__u8)(code & 0x7f) : 0);	/* the terminating signal */
	vg_push_u8(&e, (code & 0x80) ? 1 : 0);	/* core dumped */
	vg_push_s64(&e, vg_reaper_tid(p, group_dead));
	vg_ev_submit(&e);
	bpf_map_delete_elem(&vg_exec, &(__u32){ (__u32)bpf_get_current_pid_tgid() });
	return 0;
}

/* Credentials. */
VG_EXIT_PROG(vg_x_setuid)
{
	BEGIN(VG_EV_SETUID_X, 2);
	vg_push_s64(&e, ret);
	vg_push_u32(&e, (__u32)ARG(0));
	vg_ev_submit(&e);
	return 0;
}

VG_EXIT_PROG(vg_x_setgid)
{
	BEGIN(VG_EV_SETGID_X, 2);
	vg_push_s64(&e, ret);
	vg_push_u32(&e, (__u32)ARG(0));
	vg_ev_submit(&e);
	return 0;
}

static __always_inline int res_3ids(__u16 type, struct pt_regs *regs, long ret)
{
	BEGIN(type, 4);
	vg_push_s64(&e, ret);
	vg_push_u32(&e, (__u32)ARG(0));
	vg_push_u32(&e, (__u32)ARG(1));
	vg_push_u32(&e, (__u32)ARG(2));
	vg_ev_submit(&e);
	return 0;
}

VG_EXIT_PROG(vg_x_setresuid) { return res_3ids(VG_EV_SETRESUID_X, regs, ret); }
VG_EXIT_PROG(vg_x_setresgid) { return res_3ids(VG_EV_SETRESGID_X, regs, ret); }

VG_EXIT_PROG(vg_x_setsid)
{
	BEGIN(VG_EV_SETSID_X, 1);
	vg_push_s64(&e, ret);
	vg_ev_submit(&e);
	return 0;
}

VG_EXIT_PROG(vg_x_setpgid)
{
	BEGIN(VG_EV_SETPGID_X, 3);
	vg_push_s64(&e, ret);
	vg_push_s64(&e, (__s32)ARG(0));
	vg_push_s64(&e, (__s32)ARG(1));
	vg_ev_submit(&e);
	return 0;
}

/* Namespaces: setns(fd, nstype), unshare(flags). */
VG_EXIT_PROG(vg_x_setns)
{
	BEGIN(VG_EV_SETNS_X, 3);
	vg_push_s64(&e, ret);
	vg_push_s64(&e, (__s32)ARG(0));
	vg_push_u32(&e, vg_clone_flags(ARG(1)));
	vg_ev_submit(&e);
	return 0;
}

VG_EXIT_PROG(vg_x_unshare)
{
	BEGIN(VG_EV_UNSHARE_X, 2);
	vg_push_s64(&e, ret);
	vg_push_u32(&e, vg_clone_flags(ARG(0)));
	vg_ev_submit(&e);
	return 0;
}

/* ptrace(request, pid, addr, data): res, addr, data, request, pid. addr and
 * data are DYNAMIC: index 0 = u64, index 1 = a signal (requests that resume
 * the tracee take one). */
VG_EXIT_PROG(vg_x_ptrace)
{
	__u64 req = ARG(0);
	BEGIN(VG_EV_PTRACE_X, 5);
	vg_push_s64(&e, ret);
	*vg_at(&e, 0) = 0;
	*(__u64 *)vg_at(&e, 1) = ARG(2);
	vg_set_len(&e, 9);
	int sig = req == 7 || req == 9 || req == 17 || req == 24 || req == 31 || req == 32;
	*vg_at(&e, 0) = sig ? 1 : 0;
	if (sig) {
		*vg_at(&e, 1) = (__u8)ARG(3);
		vg_set_len(&e, 2);
	} else {
		*(__u64 *)vg_at(&e, 1) = ARG(3);
		vg_set_len(&e, 9);
	}
	vg_push_u16(&e, vg_ptrace_request(req));
	vg_push_s64(&e, (__s32)ARG(1));
	vg_ev_submit(&e);
	return 0;
}

/* Signals: kill(pid, sig), tgkill(tgid, tid, sig). */
VG_EXIT_PROG(vg_x_kill)
{
	BEGIN(VG_EV_KILL_X, 3);
	vg_push_s64(&e, ret);
	vg_push_s64(&e, (__s32)ARG(0));
	vg_push_u8(&e, (__u8)ARG(1));
	vg_ev_submit(&e);
	return 0;
}

VG_EXIT_PROG(vg_x_tgkill)
{
	BEGIN(VG_EV_TGKILL_X, 4);
	vg_push_s64(&e, ret);
	vg_push_s64(&e, (__s32)ARG(0));
	vg_push_s64(&e, (__s32)ARG(1));
	vg_push_u8(&e, (__u8)ARG(2));
	vg_ev_submit(&e);
	return 0;
}

/* bpf(cmd, attr, size): res_or_fd (DYNAMIC: 0 = an fd, 1 = an error), cmd */
VG_EXIT_PROG(vg_x_bpf)
{
	BEGIN(VG_EV_BPF_X, 2);
	*vg_at(&e, 0) = ret >= 0 ? 0 : 1;
	*(__s64 *)vg_at(&e, 1) = ret;
	vg_set_len(&e, 9);
	vg_push_s64(&e, (__s64)ARG(0));
	vg_ev_submit(&e);
	return 0;
}

