/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * flags.bpf.h - kernel flag values translated into the scap encodings that
 * event parameters carry (open flags, file modes, clone flags, ptrace
 * requests, fcntl commands, execveat flags), so that an event leaving the
 * probe reads the same as one from a Falco capture.
 */
#ifndef VIGIL_FLAGS_BPF_H
#define VIGIL_FLAGS_BPF_H

#include "common.bpf.h"

/* x86_64 values (the BPF target has no libc headers). */
#define K_O_WRONLY 01
#define K_O_RDWR 02
#define K_O_CREAT 0100
#define K_O_EXCL 0200
#define K_O_TRUNC 01000
#define K_O_APPEND 02000
#define K_O_NONBLOCK 04000
#define K_O_DSYNC 010000
#define K_O_DIRECT 040000
#define K_O_LARGEFILE 0100000
#define K_O_DIRECTORY 0200000
#define K_O_CLOEXEC 02000000
#define K_O_SYNC 04010000
#define K___O_TMPFILE 020000000

static __always_inline __u32 vg_open_flags(__u64 f)
{
	__u32 r;
	switch (f & 3) {
	case K_O_WRONLY: r = VG_O_WRONLY; break;
	case K_O_RDWR: r = VG_O_RDWR; break;
	default: r = VG_O_RDONLY; break;
	}
	if (f & K_O_CREAT) r |= VG_O_CREAT;
	if (f & K_O_APPEND) r |= VG_O_APPEND;
	if (f & K_O_DSYNC) r |= VG_O_DSYNC;
	if (f & K_O_EXCL) r |= VG_O_EXCL;
	if (f & K_O_NONBLOCK) r |= VG_O_NONBLOCK;
	if (f & K_O_SYNC) r |= VG_O_SYNC;
	if (f & K_O_TRUNC) r |= VG_O_TRUNC;
	if (f & K_O_DIRECT) r |= VG_O_DIRECT;
	if (f & K_O_DIRECTORY) r |= VG_O_DIRECTORY;
	if (f & K_O_LARGEFILE) r |= VG_O_LARGEFILE;
	if (f & K_O_CLOEXEC) r |= VG_O_CLOEXEC;
	if (f & K___O_TMPFILE) r |= VG_O_TMPFILE;
	return r;
}

/* O_CLOEXEC / O_NONBLOCK / O_DIRECT of the fd-creating calls (pipe2, dup3,
 * eventfd2, signalfd4, inotify_init1: their flags share these values) as
 * scap open flags. */
static __always_inline __u32 vg_fd_flags(__u64 f)
{
	__u32 r = 0;
	if (f & K_O_CLOEXEC) r |= VG_O_CLOEXEC;
	if (f & K_O_NONBLOCK) r |= VG_O_NONBLOCK;
	if (f & K_O_DIRECT) r |= VG_O_DIRECT;
	return r;
}

/* The mode of an open: only meaningful (non-zero) when it creates a file.
 * The scap S_I* bits are the kernel's permission bits. */
static __always_inline __u32 vg_open_mode(__u64 flags, __u64 mode)
{
	if (!(flags & (K_O_CREAT | K___O_TMPFILE)))
		return 0;
	return (__u32)mode & 07777;
}

#define K_CLONE_VM 0x00000100
#define K_CLONE_FS 0x00000200
#define K_CLONE_FILES 0x00000400
#define K_CLONE_SIGHAND 0x00000800
#define K_CLONE_PTRACE 0x00002000
#define K_CLONE_VFORK 0x00004000
#define K_CLONE_PARENT 0x00008000
#define K_CLONE_THREAD 0x00010000
#define K_CLONE_NEWNS 0x00020000
#define K_CLONE_SYSVSEM 0x00040000
#define K_CLONE_SETTLS 0x00080000
#define K_CLONE_PARENT_SETTID 0x00100000
#define K_CLONE_CHILD_CLEARTID 0x00200000
#define K_CLONE_UNTRACED 0x00800000
#define K_CLONE_CHILD_SETTID 0x01000000
#define K_CLONE_NEWCGROUP 0x02000000
#define K_CLONE_NEWUTS 0x04000000
#define K_CLONE_NEWIPC 0x08000000
#define K_CLONE_NEWUSER 0x10000000
#define K_CLONE_NEWPID 0x20000000
#define K_CLONE_NEWNET 0x40000000
#define K_CLONE_IO 0x80000000

static __always_inline __u32 vg_clone_flags(__u64 f)
{
	__u32 r = 0;
	if (f & K_CLONE_FILES) r |= VG_CL_CLONE_FILES;
	if (f & K_CLONE_FS) r |= VG_CL_CLONE_FS;
	if (f & K_CLONE_IO) r |= VG_CL_CLONE_IO;
	if (f & K_CLONE_NEWIPC) r |= VG_CL_CLONE_NEWIPC;
	if (f & K_CLONE_NEWNET) r |= VG_CL_CLONE_NEWNET;
	if (f & K_CLONE_NEWNS) r |= VG_CL_CLONE_NEWNS;
	if (f & K_CLONE_NEWPID) r |= VG_CL_CLONE_NEWPID;
	if (f & K_CLONE_NEWUTS) r |= VG_CL_CLONE_NEWUTS;
	if (f & K_CLONE_PARENT) r |= VG_CL_CLONE_PARENT;
	if (f & K_CLONE_PARENT_SETTID) r |= VG_CL_CLONE_PARENT_SETTID;
	if (f & K_CLONE_PTRACE) r |= VG_CL_CLONE_PTRACE;
	if (f & K_CLONE_SIGHAND) r |= VG_CL_CLONE_SIGHAND;
	if (f & K_CLONE_SYSVSEM) r |= VG_CL_CLONE_SYSVSEM;
	if (f & K_CLONE_THREAD) r |= VG_CL_CLONE_THREAD;
	if (f & K_CLONE_UNTRACED) r |= VG_CL_CLONE_UNTRACED;
	if (f & K_CLONE_VM) r |= VG_CL_CLONE_VM;
	if (f & K_CLONE_NEWUSER) r |= VG_CL_CLONE_NEWUSER;
	if (f & K_CLONE_CHILD_CLEARTID) r |= VG_CL_CLONE_CHILD_CLEARTID;
	if (f & K_CLONE_CHILD_SETTID) r |= VG_CL_CLONE_CHILD_SETTID;
	if (f & K_CLONE_SETTLS) r |= VG_CL_CLONE_SETTLS;
	if (f & K_CLONE_VFORK) r |= VG_CL_CLONE_VFORK;
	if (f & K_CLONE_NEWCGROUP) r |= VG_CL_CLONE_NEWCGROUP;
	return r;
}

/* ptrace requests: kernel number -> scap PTRACE_* code (0 = unknown). */
static __always_inline __u16 vg_ptrace_request(__u64 req)
{
	switch (req) {
	case 0: return 0x1;		/* TRACEME */
	case 1: return 0x2;		/* PEEKTEXT */
	case 2: return 0x3;		/* PEEKDATA */
	case 3: return 0x4;		/* PEEKUSR */
	case 4: return 0x5;		/* POKETEXT */
	case 5: return 0x6;		/* POKEDATA */
	case 6: return 0x7;		/* POKEUSR */
	case 7: return 0x8;		/* CONT */
	case 8: return 0x9;		/* KILL */
	case 9: return 0xa;		/* SINGLESTEP */
	case 12: return 0x1a;		/* GETREGS */
	case 13: return 0x1b;		/* SETREGS */
	case 14: return 0x1c;		/* GETFPREGS */
	case 15: return 0x1d;		/* SETFPREGS */
	case 16: return 0xb;		/* ATTACH */
	case 17: return 0xc;		/* DETACH */
	case 18: return 0x1e;		/* GETFPXREGS */
	case 19: return 0x1f;		/* SETFPXREGS */
	case 21: return 0x20;		/* OLDSETOPTIONS */
	case 24: return 0xd;		/* SYSCALL */
	case 25: return 0x21;		/* GET_THREAD_AREA */
	case 26: return 0x22;		/* SET_THREAD_AREA */
	case 30: return 0x23;		/* ARCH_PRCTL */
	case 31: return 0x24;		/* SYSEMU */
	case 32: return 0x25;		/* SYSEMU_SINGLESTEP */
	case 33: return 0x26;		/* SINGLEBLOCK */
	case 0x4200: return 0xe;	/* SETOPTIONS */
	case 0x4201: return 0xf;	/* GETEVENTMSG */
	case 0x4202: return 0x10;	/* GETSIGINFO */
	case 0x4203: return 0x11;	/* SETSIGINFO */
	case 0x4204: return 0x12;	/* GETREGSET */
	case 0x4205: return 0x13;	/* SETREGSET */
	case 0x4206: return 0x14;	/* SEIZE */
	case 0x4207: return 0x15;	/* INTERRUPT */
	case 0x4208: return 0x16;	/* LISTEN */
	case 0x4209: return 0x17;	/* PEEKSIGINFO */
	case 0x420a: return 0x18;	/* GETSIGMASK */
	case 0x420b: return 0x19;	/* SETSIGMASK */
	default: return 0;
	}
}

/* fcntl commands the state engine needs: kernel -> scap F_* code. */
static __always_inline __u8 vg_fcntl_cmd(__u64 cmd)
{
	switch (cmd) {
	case 0: return 0x1;		/* F_DUPFD */
	case 1: return 0x2;		/* F_GETFD */
	case 2: return 0x3;		/* F_SETFD */
	case 3: return 0x4;		/* F_GETFL */
	case 4: return 0x5;		/* F_SETFL */
	case 5: return 0x6;		/* F_GETLK */
	case 6: return 0x8;		/* F_SETLK */
	case 7: return 0x9;		/* F_SETLKW */
	case 8: return 0xa;		/* F_SETOWN */
	case 9: return 0xc;		/* F_GETOWN */
	case 10: return 0xd;		/* F_SETSIG */
	case 11: return 0xf;		/* F_GETSIG */
	case 1030: return 0x1a;		/* F_DUPFD_CLOEXEC */
	case 1024: return 0x17;		/* F_SETLEASE */
	case 1025: return 0x18;		/* F_GETLEASE */
	case 1026: return 0x1b;		/* F_NOTIFY */
	case 1031: return 0x1c;		/* F_SETPIPE_SZ */
	case 1032: return 0x1d;		/* F_GETPIPE_SZ */
	default: return 0;
	}
}

/* execveat flags: AT_EMPTY_PATH / AT_SYMLINK_NOFOLLOW -> scap bits. */
static __always_inline __u32 vg_execveat_flags(__u64 f)
{
	__u32 r = 0;
	if (f & 0x1000) r |= 0x1;
	if (f & 0x100) r |= 0x2;
	return r;
}

/* openat2 RESOLVE_* bits: kernel -> scap (the two orders differ). */
static __always_inline __u32 vg_openat2_resolve(__u64 r)
{
	__u32 v = 0;
	if (r & 0x08) v |= 0x01;	/* RESOLVE_BENEATH */
	if (r & 0x10) v |= 0x02;	/* RESOLVE_IN_ROOT */
	if (r & 0x02) v |= 0x04;	/* RESOLVE_NO_MAGICLINKS */
	if (r & 0x04) v |= 0x08;	/* RESOLVE_NO_SYMLINKS */
	if (r & 0x01) v |= 0x10;	/* RESOLVE_NO_XDEV */
	if (r & 0x20) v |= 0x20;	/* RESOLVE_CACHED */
	return v;
}

/* The dirfd of *at() syscalls: an int, AT_FDCWD (-100) included. */
static __always_inline __s64 vg_dirfd(unsigned long a)
{
	return (__s64)(__s32)a;
}

#endif /* VIGIL_FLAGS_BPF_H */
