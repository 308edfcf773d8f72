// SPDX-License-Identifier: GPL-2.0-only
/*
 * fs.bpf.c - sys_exit programs of the file-system syscalls: opens, closes,
 * fd duplication, pipes and other fd-creating calls, working directory,
 * links, renames, removals, permissions and mounts. Each builds the merged
 * exit event of its syscall (see events.h): return value, the arguments read
 * from the registers and user memory, and what the kernel knows of the
 * resulting file (device, inode).
 */
#include "common.bpf.h"
#include "flags.bpf.h"
#include "task.bpf.h"

#define ARG(i) vg_arg(regs, i)
#define BEGIN(type, n)                                               \
	struct vg_ev e;                                              \
	if (vg_ev_begin(&e, VG_SLOT_SYS_EXIT, type, n))              \
		return 0

/* dev and ino of the file an fd refers to (0 when fd is not valid). */
static __always_inline void push_dev_ino(struct vg_ev *e, long fd, int with_dev)
{
	struct file *f = fd >= 0 ? vg_fd_file(vg_task(), fd) : NULL;
	if (with_dev)
		vg_push_u32(e, f ? vg_file_dev(f) : 0);
	vg_push_u64(e, f ? vg_file_ino(f) : 0);
}

/* open(name, flags, mode): fd, name, flags, mode, dev, ino */
VG_EXIT_PROG(vg_x_open)
{
	BEGIN(VG_EV_OPEN_X, 6);
	vg_push_s64(&e, ret);
	vg_push_user_str(&e, (void *)ARG(0), VG_PATH_MAX);
	vg_push_u32(&e, vg_open_flags(ARG(1)));
	vg_push_u32(&e, vg_open_mode(ARG(1), ARG(2)));
	push_dev_ino(&e, ret, 1);
	vg_ev_submit(&e);
	return 0;
}

/* openat(dirfd, name, flags, mode): fd, dirfd, name, flags, mode, dev, ino */
VG_EXIT_PROG(vg_x_openat)
{
	BEGIN(VG_EV_OPENAT_2_X, 7);
	vg_push_s64(&e, ret);
	vg_push_s64(&e, vg_dirfd(ARG(0)));
	vg_push_user_str(&e, (void *)ARG(1), VG_PATH_MAX);
	vg_push_u32(&e, vg_open_flags(ARG(2)));
	vg_push_u32(&e, vg_open_mode(ARG(2), ARG(3)));
	push_dev_ino(&e, ret, 1);
	vg_ev_submit(&e);
	return 0;
}

/* openat2(dirfd, name, how, size): fd, dirfd, name, flags, mode, resolve, ino */
VG_EXIT_PROG(vg_x_openat2)
{
	struct open_how how = {};
	BEGIN(VG_EV_OPENAT2_X, 7);
	bpf_probe_read_user(&how, sizeof(how), (void *)ARG(2));
	vg_push_s64(&e, ret);
	vg_push_s64(&e, vg_dirfd(ARG(0)));
	vg_push_user_str(&e, (void *)ARG(1), VG_PATH_MAX);
	vg_push_u32(&e, vg_open_flags(how.flags));
	vg_push_u32(&e, vg_open_mode(how.flags, how.mode));
	vg_push_u32(&e, vg_openat2_resolve(how.resolve));
	push_dev_ino(&e, ret, 0);
	vg_ev_submit(&e);
	return 0;
}

/* creat(name, mode): fd, name, mode, dev, ino */
VG_EXIT_PROG(vg_x_creat)
{
	BEGIN(VG_EV_CREAT_X, 5);
	vg_push_s64(&e, ret);
	vg_push_user_str(&e, (void *)ARG(0), VG_PATH_MAX);
	vg_push_u32(&e, (__u32)ARG(1) & 07777);
	push_dev_ino(&e, ret, 1);
	vg_ev_submit(&e);
	return 0;
}

/* The many "res, fd" events: close, fchdir, dup* (res, old fd). */
static __always_inline int res_fd(__u16 type, long ret, __s64 fd)
{
	BEGIN(type, 2);
	vg_push_s64(&e, ret);
	vg_push_s64(&e, fd);
	vg_ev_submit(&e);
	return 0;
}

VG_EXIT_PROG(vg_x_close) { return res_fd(VG_EV_CLOSE_X, ret, (__s32)ARG(0)); }
VG_EXIT_PROG(vg_x_fchdir) { return res_fd(VG_EV_FCHDIR_X, ret, (__s32)ARG(0)); }
VG_EXIT_PROG(vg_x_dup) { return res_fd(VG_EV_DUP_X, ret, (__s32)ARG(0)); }

/* dup2(oldfd, newfd) / dup3(oldfd, newfd, flags): res, oldfd, newfd[, flags] */
static __always_inline int do_dup23(__u16 type, __u32 n, struct pt_regs *regs, long ret)
{
	BEGIN(type, n);
	vg_push_s64(&e, ret);
	vg_push_s64(&e, (__s32)ARG(0));
	vg_push_s64(&e, (__s32)ARG(1));
	if (n > 3)
		vg_push_u32(&e, vg_fd_flags(ARG(2)));
	vg_ev_submit(&e);
	return 0;
}

VG_EXIT_PROG(vg_x_dup2) { return do_dup23(VG_EV_DUP2_X, 3, regs, ret); }
VG_EXIT_PROG(vg_x_dup3) { return do_dup23(VG_EV_DUP3_X, 4, regs, ret); }

/* pipe(fds): res, fd1, fd2, ino; pipe2(fds, flags): the same, then flags */
static __always_inline int do_pipe(__u16 type, __u32 n, struct pt_regs *regs, long ret)
{
	int fds[2] = { -1, -1 };
	BEGIN(type, n);
	if (ret == 0)
		bpf_probe_read_user(fds, sizeof(fds), (void *)ARG(0));
	vg_push_s64(&e, ret);
	vg_push_s64(&e, fds[0]);
	vg_push_s64(&e, fds[1]);
	struct file *f = ret == 0 ? vg_fd_file(vg_task(), fds[0]) : NULL;
	vg_push_u64(&e, f ? vg_file_ino(f) : 0);
	if (n > 4)
		vg_push_u32(&e, vg_fd_flags(ARG(1)));
	vg_ev_submit(&e);
	return 0;
}

VG_EXIT_PROG(vg_x_pipe) { return do_pipe(VG_EV_PIPE_X, 4, regs, ret); }
VG_EXIT_PROG(vg_x_pipe2) { return do_pipe(VG_EV_PIPE2_X, 5, regs, ret); }

/* fcntl(fd, cmd, arg): res, fd, cmd */
VG_EXIT_PROG(vg_x_fcntl)
{
	__u8 cmd = vg_fcntl_cmd(ARG(1));
	/* only the commands that change the fd table matter to state and rules */
	BEGIN(VG_EV_FCNTL_X, 3);
	vg_push_s64(&e, ret);
	vg_push_s64(&e, (__s32)ARG(0));
	vg_push_u8(&e, cmd);
	vg_ev_submit(&e);
	return 0;
}

/* "res, path" events: chdir, rmdir, unlink, chroot. */
static __always_inline int res_path(__u16 type, long ret, const void *path)
{
	BEGIN(type, 2);
	vg_push_s64(&e, ret);
	vg_push_user_str(&e, path, VG_PATH_MAX);
	vg_ev_submit(&e);
	return 0;
}

VG_EXIT_PROG(vg_x_chdir) { return res_path(VG_EV_CHDIR_X, ret, (void *)ARG(0)); }
VG_EXIT_PROG(vg_x_rmdir) { return res_path(VG_EV_RMDIR_2_X, ret, (void *)ARG(0)); }
VG_EXIT_PROG(vg_x_unlink) { return res_path(VG_EV_UNLINK_2_X, ret, (void *)ARG(0)); }
VG_EXIT_PROG(vg_x_chroot) { return res_path(VG_EV_CHROOT_X, ret, (void *)ARG(0)); }

/* getcwd(buf, size): res, path (the buffer, filled on success) */
VG_EXIT_PROG(vg_x_getcwd)
{
	BEGIN(VG_EV_GETCWD_X, 2);
	vg_push_s64(&e, ret);
	if (ret > 0)
		vg_push_user_str(&e, (void *)ARG(0), VG_PATH_MAX);
	else
		vg_push_empty(&e);
	vg_ev_submit(&e);
	return 0;
}

/* "res, path, path" events: link, rename, symlink (target, linkpath). */
static __always_inline int res_path2(__u16 type, long ret, const void *a, const void *b)
{
	BEGIN(type, 3);
	vg_push_s64(&e, ret);
	vg_push_user_str(&e, a, VG_PATH_MAX);
	vg_push_user_str(&e, b, VG_PATH_MAX);
	vg_ev_submit(&e);
	return 0;
}

VG_EXIT_PROG(vg_x_link) { return res_path2(VG_EV_LINK_2_X, ret, (void *)ARG(0), (void *)ARG(1)); }
VG_EXIT_PROG(vg_x_rename) { return res_path2(VG_EV_RENAME_X, ret, (void *)ARG(0), (void *)ARG(1)); }
VG_EXIT_PROG(vg_x_symlink) { return res_path2(VG_EV_SYMLINK_X, ret, (void *)ARG(0), (void *)ARG(1)); }

/* linkat(olddir, oldpath, newdir, newpath, flags), renameat(2): res, dirfd,
 * path, dirfd, path[, flags] */
static __always_inline int res_at2(__u16 type, __u32 n, long ret, struct pt_regs *regs, __u32 flags)
{
	BEGIN(type, n);
	vg_push_s64(&e, ret);
	vg_push_s64(&e, vg_dirfd(ARG(0)));
	vg_push_user_str(&e, (void *)ARG(1), VG_PATH_MAX);
	vg_push_s64(&e, vg_dirfd(ARG(2)));
	vg_push_user_str(&e, (void *)ARG(3), VG_PATH_MAX);
	if (n > 5)
		vg_push_u32(&e, flags);
	vg_ev_submit(&e);
	return 0;
}

/* linkat flags: AT_SYMLINK_FOLLOW and AT_EMPTY_PATH have the scap values */
VG_EXIT_PROG(vg_x_linkat) { return res_at2(VG_EV_LINKAT_2_X, 6, ret, regs, (__u32)ARG(4) & 0x1400); }
VG_EXIT_PROG(vg_x_renameat) { return res_at2(VG_EV_RENAMEAT_X, 5, ret, regs, 0); }
VG_EXIT_PROG(vg_x_renameat2) { return res_at2(VG_EV_RENAMEAT2_X, 6, ret, regs, (__u32)ARG(4) & 7); }

/* symlinkat(target, newdirfd, linkpath): res, target, linkdirfd, linkpath */
VG_EXIT_PROG(vg_x_symlinkat)
{
	BEGIN(VG_EV_SYMLINKAT_X, 4);
	vg_push_s64(&e, ret);
	vg_push_user_str(&e, (void *)ARG(0), VG_PATH_MAX);
	vg_push_s64(&e, vg_dirfd(ARG(1)));
	vg_push_user_str(&e, (void *)ARG(2), VG_PATH_MAX);
	vg_ev_submit(&e);
	return 0;
}

/* unlinkat(dirfd, name, flags): res, dirfd, name, flags (AT_REMOVEDIR) */
VG_EXIT_PROG(vg_x_unlinkat)
{
	BEGIN(VG_EV_UNLINKAT_2_X, 4);
	vg_push_s64(&e, ret);
	vg_push_s64(&e, vg_dirfd(ARG(0)));
	vg_push_user_str(&e, (void *)ARG(1), VG_PATH_MAX);
	vg_push_u32(&e, (__u32)ARG(2) & 0x200);
	vg_ev_submit(&e);
	return 0;
}

/* mkdir(path, mode): res, path, mode */
VG_EXIT_PROG(vg_x_mkdir)
{
	BEGIN(VG_EV_MKDIR_2_X, 3);
	vg_push_s64(&e, ret);
	vg_push_user_str(&e, (void *)ARG(0), VG_PATH_MAX);
	vg_push_u32(&e, (__u32)ARG(1) & 07777);
	vg_ev_submit(&e);
	return 0;
}

/* mkdirat(dirfd, path, mode): res, dirfd, path, mode */
VG_EXIT_PROG(vg_x_mkdirat)
{
	BEGIN(VG_EV_MKDIRAT_X, 4);
	vg_push_s64(&e, ret);
	vg_push_s64(&e, vg_dirfd(ARG(0)));
	vg_push_user_str(&e, (void *)ARG(1), VG_PATH_MAX);
	vg_push_u32(&e, (__u32)ARG(2) & 07777);
	vg_ev_submit(&e);
	return 0;
}

/* chmod(filename, mode): res, filename, mode */
VG_EXIT_PROG(vg_x_chmod)
{
	BEGIN(VG_EV_CHMOD_X, 3);
	vg_push_s64(&e, ret);
	vg_push_user_str(&e, (void *)ARG(0), VG_PATH_MAX);
	vg_push_u32(&e, (__u32)ARG(1) & 07777);
	vg_ev_submit(&e);
	return 0;
}

/* fchmod(fd, mode): res, fd, mode */
VG_EXIT_PROG(vg_x_fchmod)
{
	BEGIN(VG_EV_FCHMOD_X, 3);
	vg_push_s64(&e, ret);
	vg_push_s64(&e, (__s32)ARG(0));
	vg_push_u32(&e, (__u32)ARG(1) & 07777);
	vg_ev_submit(&e);
	return 0;
}

/* fchmodat(dirfd, filename, mode): res, dirfd, filename, mode */
VG_EXIT_PROG(vg_x_fchmodat)
{
	BEGIN(VG_EV_FCHMODAT_X, 4);
	vg_push_s64(&e, ret);
	vg_push_s64(&e, vg_dirfd(ARG(0)));
	vg_push_user_str(&e, (void *)ARG(1), VG_PATH_MAX);
	vg_push_u32(&e, (__u32)ARG(2) & 07777);
	vg_ev_submit(&e);
	return 0;
}

/* mount(dev, dir, type, flags, data): res, dev, dir, type, flags */
VG_EXIT_PROG(vg_x_mount)
{
	BEGIN(VG_EV_MOUNT_X, 5);
	vg_push_s64(&e, ret);
	vg_push_user_str(&e, (void *)ARG(0), VG_PATH_MAX);
	vg_push_user_str(&e, (void *)ARG(1), VG_PATH_MAX);
	vg_push_user_str(&e, (void *)ARG(2), 256);
	vg_push_u32(&e, (__u32)ARG(3));
	vg_ev_submit(&e);
	return 0;
}

/* umount2(name, flags): res, name, flags */
VG_EXIT_PROG(vg_x_umount2)
{
	BEGIN(VG_EV_UMOUNT2_X, 3);
	vg_push_s64(&e, ret);
	vg_push_user_str(&e, (void *)ARG(0), VG_PATH_MAX);
	vg_push_u32(&e, (__u32)ARG(1));
	vg_ev_submit(&e);
	return 0;
}

/* fd-creating calls whose parameters are plain numbers. */

/* eventfd(initval): res, initval, flags (none) */
VG_EXIT_PROG(vg_x_eventfd)
{
	BEGIN(VG_EV_EVENTFD_X, 3);
	vg_push_s64(&e, ret);
	vg_push_u64(&e, (__u32)ARG(0));
	vg_push_u32(&e, 0);
	vg_ev_submit(&e);
	return 0;
}

/* eventfd2(initval, flags): res, flags, initval */
VG_EXIT_PROG(vg_x_eventfd2)
{
	BEGIN(VG_EV_EVENTFD2_X, 3);
	vg_push_s64(&e, ret);
	vg_push_u16(&e, (__u16)vg_fd_flags(ARG(1)));
	vg_push_u64(&e, (__u32)ARG(0));
	vg_ev_submit(&e);
	return 0;
}

/* signalfd(fd, mask, size): res, fd, mask, flags (none) */
VG_EXIT_PROG(vg_x_signalfd)
{
	__u32 mask = 0;
	BEGIN(VG_EV_SIGNALFD_X, 4);
	bpf_probe_read_user(&mask, sizeof(mask), (void *)ARG(1));
	vg_push_s64(&e, ret);
	vg_push_s64(&e, (__s32)ARG(0));
	vg_push_u32(&e, mask);
	vg_push_u8(&e, 0);
	vg_ev_submit(&e);
	return 0;
}

/* signalfd4(fd, mask, size, flags): res, flags, fd, mask */
VG_EXIT_PROG(vg_x_signalfd4)
{
	__u32 mask = 0;
	BEGIN(VG_EV_SIGNALFD4_X, 4);
	bpf_probe_read_user(&mask, sizeof(mask), (void *)ARG(1));
	vg_push_s64(&e, ret);
	vg_push_u16(&e, (__u16)vg_fd_flags(ARG(3)));
	vg_push_s64(&e, (__s32)ARG(0));
	vg_push_u32(&e, mask);
	vg_ev_submit(&e);
	return 0;
}

/* inotify_init(): res, flags (none) */
VG_EXIT_PROG(vg_x_inotify_init)
{
	BEGIN(VG_EV_INOTIFY_INIT_X, 2);
	vg_push_s64(&e, ret);
	vg_push_u8(&e, 0);
	vg_ev_submit(&e);
	return 0;
}

/* inotify_init1(flags): res, flags */
VG_EXIT_PROG(vg_x_inotify_init1)
{
	BEGIN(VG_EV_INOTIFY_INIT1_X, 2);
	vg_push_s64(&e, ret);
	vg_push_u16(&e, (__u16)vg_fd_flags(ARG(0)));
	vg_ev_submit(&e);
	return 0;
}

/* timerfd_create(clockid, flags): res, clockid, flags */
VG_EXIT_PROG(vg_x_timerfd_create)
{
	BEGIN(VG_EV_TIMERFD_CREATE_X, 3);
	vg_push_s64(&e, ret);
	vg_push_u8(&e, (__u8)ARG(0));
	vg_push_u8(&e, (__u8)ARG(1));
	vg_ev_submit(&e);
	return 0;
}

/* userfaultfd(flags): res, flags */
VG_EXIT_PROG(vg_x_userfaultfd)
{
	BEGIN(VG_EV_USERFAULTFD_X, 2);
	vg_push_s64(&e, ret);
	vg_push_u32(&e, (__u32)ARG(0));
	vg_ev_submit(&e);
	return 0;
}

