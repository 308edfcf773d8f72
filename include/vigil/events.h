/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * events.h - the one header shared by vigil's BPF programs and user space.
 *
 * It defines the wire format of an event: the same layout as a scap event
 * (a packed 26-byte header, then nparams u16 parameter lengths, then the
 * parameter bytes), so an event that leaves the kernel can be evaluated by
 * the rule engine, written to a .scap file and read back without conversion.
 * Event codes are the scap event ids: explicit numbers, never renumbered or
 * reused. Parameter types and their encodings are the scap ones too.
 *
 * This file includes nothing: both sides provide __u8 .. __u64 (vmlinux.h in
 * BPF, <linux/types.h> in user space).
 */
#ifndef VIGIL_EVENTS_H
#define VIGIL_EVENTS_H

/* Bumped whenever a struct below or the meaning of a code changes. The BPF
 * object carries it in rodata and user space refuses a mismatch. */
#define VIGIL_EVENTS_ABI_VERSION 2

/* Event header, packed: ts (ns since epoch), tid, len (whole event, header
 * included), type (event code), nparams. 26 bytes. */
struct vg_evt_hdr {
	__u64 ts;
	__u64 tid;
	__u32 len;
	__u16 type;
	__u32 nparams;
} __attribute__((packed));

#define VG_EVT_HDR_SIZE 26

/* Maximum number of parameters an event can have. */
#define VG_MAX_EVENT_PARAMS 32

/* Event direction: enter events have even codes, exit events odd ones. */
#define VG_EV_IS_EXIT(type) ((type) & 1)

/* Parameter types (scap ppm_param_type; the numbers are the file format). */
enum vg_param_type {
	VG_PT_NONE = 0,
	VG_PT_INT8 = 1,
	VG_PT_INT16 = 2,
	VG_PT_INT32 = 3,
	VG_PT_INT64 = 4,
	VG_PT_UINT8 = 5,
	VG_PT_UINT16 = 6,
	VG_PT_UINT32 = 7,
	VG_PT_UINT64 = 8,
	VG_PT_CHARBUF = 9,	/* NUL-terminated string, length includes the NUL */
	VG_PT_BYTEBUF = 10,	/* raw bytes */
	VG_PT_ERRNO = 11,	/* int64, negative errno on failure */
	VG_PT_SOCKADDR = 12,	/* u8 family + address (see VG_AF_*) */
	VG_PT_SOCKTUPLE = 13,	/* u8 family + source + destination */
	VG_PT_FD = 14,		/* int64 */
	VG_PT_PID = 15,		/* int64 */
	VG_PT_FDLIST = 16,	/* u16 n + n * (u64 fd, u16 flags) */
	VG_PT_FSPATH = 17,	/* NUL-terminated path */
	VG_PT_SYSCALLID = 18,	/* u16 syscall code */
	VG_PT_SIGTYPE = 19,	/* u8 signal number */
	VG_PT_RELTIME = 20,	/* u64 ns */
	VG_PT_ABSTIME = 21,	/* u64 ns since epoch */
	VG_PT_PORT = 22,	/* u16 */
	VG_PT_L4PROTO = 23,	/* u8 */
	VG_PT_SOCKFAMILY = 24,	/* u8 */
	VG_PT_BOOL = 25,	/* u32 */
	VG_PT_IPV4ADDR = 26,	/* 4 bytes, network order */
	VG_PT_DYN = 27,		/* u8 index + value of the indexed type */
	VG_PT_FLAGS8 = 28,
	VG_PT_FLAGS16 = 29,
	VG_PT_FLAGS32 = 30,
	VG_PT_UID = 31,		/* u32, UINT32_MAX = none */
	VG_PT_GID = 32,		/* u32, UINT32_MAX = none */
	VG_PT_DOUBLE = 33,
	VG_PT_SIGSET = 34,	/* u32 */
	VG_PT_CHARBUFARRAY = 35,
	VG_PT_CHARBUF_PAIR_ARRAY = 36,
	VG_PT_IPV4NET = 37,
	VG_PT_IPV6ADDR = 38,	/* 16 bytes */
	VG_PT_IPV6NET = 39,
	VG_PT_IPADDR = 40,	/* 4 or 16 bytes */
	VG_PT_IPNET = 41,
	VG_PT_MODE = 42,	/* u32 file mode bits */
	VG_PT_FSRELPATH = 43,	/* path relative to a dirfd parameter */
	VG_PT_ENUMFLAGS8 = 44,
	VG_PT_ENUMFLAGS16 = 45,
	VG_PT_ENUMFLAGS32 = 46,
	VG_PT_MAX = 47,
};

/* Socket families as encoded in SOCKADDR / SOCKTUPLE parameters. */
enum vg_sock_family {
	VG_AF_UNSPEC = 0,
	VG_AF_UNIX = 1,
	VG_AF_INET = 2,
	VG_AF_INET6 = 10,
};

/* Open flags as encoded in events (not the kernel's O_* values). */
enum vg_open_flags {
	VG_O_NONE = 0,
	VG_O_RDONLY = 1 << 0,
	VG_O_WRONLY = 1 << 1,
	VG_O_RDWR = (1 << 0) | (1 << 1),
	VG_O_CREAT = 1 << 2,
	VG_O_APPEND = 1 << 3,
	VG_O_DSYNC = 1 << 4,
	VG_O_EXCL = 1 << 5,
	VG_O_NONBLOCK = 1 << 6,
	VG_O_SYNC = 1 << 7,
	VG_O_TRUNC = 1 << 8,
	VG_O_DIRECT = 1 << 9,
	VG_O_DIRECTORY = 1 << 10,
	VG_O_LARGEFILE = 1 << 11,
	VG_O_CLOEXEC = 1 << 12,
	VG_O_TMPFILE = 1 << 13,
};

/* Clone flags and thread flags as encoded in events. */
enum vg_clone_flags {
	VG_CL_CLONE_FILES = 1 << 0,
	VG_CL_CLONE_FS = 1 << 1,
	VG_CL_CLONE_IO = 1 << 2,
	VG_CL_CLONE_NEWIPC = 1 << 3,
	VG_CL_CLONE_NEWNET = 1 << 4,
	VG_CL_CLONE_NEWNS = 1 << 5,
	VG_CL_CLONE_NEWPID = 1 << 6,
	VG_CL_CLONE_NEWUTS = 1 << 7,
	VG_CL_CLONE_PARENT = 1 << 8,
	VG_CL_CLONE_PARENT_SETTID = 1 << 9,
	VG_CL_CLONE_PTRACE = 1 << 10,
	VG_CL_CLONE_SIGHAND = 1 << 11,
	VG_CL_CLONE_SYSVSEM = 1 << 12,
	VG_CL_CLONE_THREAD = 1 << 13,
	VG_CL_CLONE_UNTRACED = 1 << 14,
	VG_CL_CLONE_VM = 1 << 15,
	VG_CL_CLONE_INVERTED = 1 << 16,	/* the child runs first: the event is the child's */
	VG_CL_NAME_CHANGED = 1 << 17,
	VG_CL_CLOSED = 1 << 18,
	VG_CL_ACTIVE = 1 << 19,
	VG_CL_CLONE_NEWUSER = 1 << 20,
	VG_CL_PIPE_SRC = 1 << 21,
	VG_CL_PIPE_DST = 1 << 22,
	VG_CL_CLONE_CHILD_CLEARTID = 1 << 23,
	VG_CL_CLONE_CHILD_SETTID = 1 << 24,
	VG_CL_CLONE_SETTLS = 1 << 25,
	VG_CL_CLONE_STOPPED = 1 << 26,
	VG_CL_CLONE_VFORK = 1 << 27,
	VG_CL_CLONE_NEWCGROUP = 1 << 28,
	VG_CL_CHILD_IN_PIDNS = 1 << 29,	/* the thread lives in a child pid namespace */
	VG_CL_IS_MAIN_THREAD = 1 << 30,
};

/* execve "flags" parameter bits. */
enum vg_exe_flags {
	VG_EXE_WRITABLE = 1 << 0,
	VG_EXE_UPPER_LAYER = 1 << 1,
	VG_EXE_FROM_MEMFD = 1 << 2,
	VG_EXE_LOWER_LAYER = 1 << 3,
};

/* Socket families as encoded in socket() "domain" parameters. */
enum vg_socket_family {
	VG_PF_UNIX = 1,
	VG_PF_INET = 2,
	VG_PF_INET6 = 10,
	VG_PF_NETLINK = 16,
	VG_PF_PACKET = 17,
};

/* Event codes: the scap event ids (enter even, exit odd). Ids below 336 are
 * the 2022 table that Debian's sysdig reads; later ids follow libs HEAD. */
enum vg_event_code {
	VG_EV_GENERIC_E = 0,
	VG_EV_GENERIC_X = 1,
	VG_EV_OPEN_E = 2,
	VG_EV_OPEN_X = 3,
	VG_EV_CLOSE_E = 4,
	VG_EV_CLOSE_X = 5,
	VG_EV_READ_E = 6,
	VG_EV_READ_X = 7,
	VG_EV_WRITE_E = 8,
	VG_EV_WRITE_X = 9,
	VG_EV_BRK_1_E = 10,
	VG_EV_BRK_1_X = 11,
	VG_EV_EXECVE_8_E = 12,
	VG_EV_EXECVE_8_X = 13,
	VG_EV_CLONE_11_E = 14,
	VG_EV_CLONE_11_X = 15,
	VG_EV_PROCEXIT_E = 16,
	VG_EV_PROCEXIT_X = 17,
	VG_EV_SOCKET_E = 18,
	VG_EV_SOCKET_X = 19,
	VG_EV_BIND_E = 20,
	VG_EV_BIND_X = 21,
	VG_EV_CONNECT_E = 22,
	VG_EV_CONNECT_X = 23,
	VG_EV_LISTEN_E = 24,
	VG_EV_LISTEN_X = 25,
	VG_EV_ACCEPT_E = 26,
	VG_EV_ACCEPT_X = 27,
	VG_EV_SEND_E = 28,
	VG_EV_SEND_X = 29,
	VG_EV_SENDTO_E = 30,
	VG_EV_SENDTO_X = 31,
	VG_EV_RECV_E = 32,
	VG_EV_RECV_X = 33,
	VG_EV_RECVFROM_E = 34,
	VG_EV_RECVFROM_X = 35,
	VG_EV_SHUTDOWN_E = 36,
	VG_EV_SHUTDOWN_X = 37,
	VG_EV_GETSOCKNAME_E = 38,
	VG_EV_GETSOCKNAME_X = 39,
	VG_EV_GETPEERNAME_E = 40,
	VG_EV_GETPEERNAME_X = 41,
	VG_EV_SOCKETPAIR_E = 42,
	VG_EV_SOCKETPAIR_X = 43,
	VG_EV_SETSOCKOPT_E = 44,
	VG_EV_SETSOCKOPT_X = 45,
	VG_EV_GETSOCKOPT_E = 46,
	VG_EV_GETSOCKOPT_X = 47,
	VG_EV_SENDMSG_E = 48,
	VG_EV_SENDMSG_X = 49,
	VG_EV_SENDMMSG_E = 50,
	VG_EV_SENDMMSG_X = 51,
	VG_EV_RECVMSG_E = 52,
	VG_EV_RECVMSG_X = 53,
	VG_EV_RECVMMSG_E = 54,
	VG_EV_RECVMMSG_X = 55,
	VG_EV_ACCEPT4_E = 56,
	VG_EV_ACCEPT4_X = 57,
	VG_EV_CREAT_E = 58,
	VG_EV_CREAT_X = 59,
	VG_EV_PIPE_E = 60,
	VG_EV_PIPE_X = 61,
	VG_EV_EVENTFD_E = 62,
	VG_EV_EVENTFD_X = 63,
	VG_EV_FUTEX_E = 64,
	VG_EV_FUTEX_X = 65,
	VG_EV_STAT_E = 66,
	VG_EV_STAT_X = 67,
	VG_EV_LSTAT_E = 68,
	VG_EV_LSTAT_X = 69,
	VG_EV_FSTAT_E = 70,
	VG_EV_FSTAT_X = 71,
	VG_EV_STAT64_E = 72,
	VG_EV_STAT64_X = 73,
	VG_EV_LSTAT64_E = 74,
	VG_EV_LSTAT64_X = 75,
	VG_EV_FSTAT64_E = 76,
	VG_EV_FSTAT64_X = 77,
	VG_EV_EPOLLWAIT_E = 78,
	VG_EV_EPOLLWAIT_X = 79,
	VG_EV_POLL_E = 80,
	VG_EV_POLL_X = 81,
	VG_EV_SELECT_E = 82,
	VG_EV_SELECT_X = 83,
	VG_EV_NEWSELECT_E = 84,
	VG_EV_NEWSELECT_X = 85,
	VG_EV_LSEEK_E = 86,
	VG_EV_LSEEK_X = 87,
	VG_EV_LLSEEK_E = 88,
	VG_EV_LLSEEK_X = 89,
	VG_EV_IOCTL_2_E = 90,
	VG_EV_IOCTL_2_X = 91,
	VG_EV_GETCWD_E = 92,
	VG_EV_GETCWD_X = 93,
	VG_EV_CHDIR_E = 94,
	VG_EV_CHDIR_X = 95,
	VG_EV_FCHDIR_E = 96,
	VG_EV_FCHDIR_X = 97,
	VG_EV_MKDIR_E = 98,
	VG_EV_MKDIR_X = 99,
	VG_EV_RMDIR_E = 100,
	VG_EV_RMDIR_X = 101,
	VG_EV_OPENAT_E = 102,
	VG_EV_OPENAT_X = 103,
	VG_EV_LINK_E = 104,
	VG_EV_LINK_X = 105,
	VG_EV_LINKAT_E = 106,
	VG_EV_LINKAT_X = 107,
	VG_EV_UNLINK_E = 108,
	VG_EV_UNLINK_X = 109,
	VG_EV_UNLINKAT_E = 110,
	VG_EV_UNLINKAT_X = 111,
	VG_EV_PREAD_E = 112,
	VG_EV_PREAD_X = 113,
	VG_EV_PWRITE_E = 114,
	VG_EV_PWRITE_X = 115,
	VG_EV_READV_E = 116,
	VG_EV_READV_X = 117,
	VG_EV_WRITEV_E = 118,
	VG_EV_WRITEV_X = 119,
	VG_EV_PREADV_E = 120,
	VG_EV_PREADV_X = 121,
	VG_EV_PWRITEV_E = 122,
	VG_EV_PWRITEV_X = 123,
	VG_EV_DUP_E = 124,
	VG_EV_DUP_X = 125,
	VG_EV_SIGNALFD_E = 126,
	VG_EV_SIGNALFD_X = 127,
	VG_EV_KILL_E = 128,
	VG_EV_KILL_X = 129,
	VG_EV_TKILL_E = 130,
	VG_EV_TKILL_X = 131,
	VG_EV_TGKILL_E = 132,
	VG_EV_TGKILL_X = 133,
	VG_EV_NANOSLEEP_E = 134,
	VG_EV_NANOSLEEP_X = 135,
	VG_EV_TIMERFD_CREATE_E = 136,
	VG_EV_TIMERFD_CREATE_X = 137,
	VG_EV_INOTIFY_INIT_E = 138,
	VG_EV_INOTIFY_INIT_X = 139,
	VG_EV_GETRLIMIT_E = 140,
	VG_EV_GETRLIMIT_X = 141,
	VG_EV_SETRLIMIT_E = 142,
	VG_EV_SETRLIMIT_X = 143,
	VG_EV_PRLIMIT_E = 144,
	VG_EV_PRLIMIT_X = 145,
	VG_EV_SCHEDSWITCH_1_E = 146,
	VG_EV_SCHEDSWITCH_1_X = 147,
	VG_EV_DROP_E = 148,
	VG_EV_DROP_X = 149,
	VG_EV_FCNTL_E = 150,
	VG_EV_FCNTL_X = 151,
	VG_EV_SCHEDSWITCH_6_E = 152,
	VG_EV_SCHEDSWITCH_6_X = 153,
	VG_EV_EXECVE_13_E = 154,
	VG_EV_EXECVE_13_X = 155,
	VG_EV_CLONE_16_E = 156,
	VG_EV_CLONE_16_X = 157,
	VG_EV_BRK_4_E = 158,
	VG_EV_BRK_4_X = 159,
	VG_EV_MMAP_E = 160,
	VG_EV_MMAP_X = 161,
	VG_EV_MMAP2_E = 162,
	VG_EV_MMAP2_X = 163,
	VG_EV_MUNMAP_E = 164,
	VG_EV_MUNMAP_X = 165,
	VG_EV_SPLICE_E = 166,
	VG_EV_SPLICE_X = 167,
	VG_EV_PTRACE_E = 168,
	VG_EV_PTRACE_X = 169,
	VG_EV_IOCTL_3_E = 170,
	VG_EV_IOCTL_3_X = 171,
	VG_EV_EXECVE_14_E = 172,
	VG_EV_EXECVE_14_X = 173,
	VG_EV_RENAME_E = 174,
	VG_EV_RENAME_X = 175,
	VG_EV_RENAMEAT_E = 176,
	VG_EV_RENAMEAT_X = 177,
	VG_EV_SYMLINK_E = 178,
	VG_EV_SYMLINK_X = 179,
	VG_EV_SYMLINKAT_E = 180,
	VG_EV_SYMLINKAT_X = 181,
	VG_EV_FORK_E = 182,
	VG_EV_FORK_X = 183,
	VG_EV_VFORK_E = 184,
	VG_EV_VFORK_X = 185,
	VG_EV_PROCEXIT_1_E = 186,
	VG_EV_PROCEXIT_1_X = 187,
	VG_EV_SENDFILE_E = 188,
	VG_EV_SENDFILE_X = 189,
	VG_EV_QUOTACTL_E = 190,
	VG_EV_QUOTACTL_X = 191,
	VG_EV_SETRESUID_E = 192,
	VG_EV_SETRESUID_X = 193,
	VG_EV_SETRESGID_E = 194,
	VG_EV_SETRESGID_X = 195,
	VG_EV_SYSDIGEVENT_E = 196,
	VG_EV_SYSDIGEVENT_X = 197,
	VG_EV_SETUID_E = 198,
	VG_EV_SETUID_X = 199,
	VG_EV_SETGID_E = 200,
	VG_EV_SETGID_X = 201,
	VG_EV_GETUID_E = 202,
	VG_EV_GETUID_X = 203,
	VG_EV_GETEUID_E = 204,
	VG_EV_GETEUID_X = 205,
	VG_EV_GETGID_E = 206,
	VG_EV_GETGID_X = 207,
	VG_EV_GETEGID_E = 208,
	VG_EV_GETEGID_X = 209,
	VG_EV_GETRESUID_E = 210,
	VG_EV_GETRESUID_X = 211,
	VG_EV_GETRESGID_E = 212,
	VG_EV_GETRESGID_X = 213,
	VG_EV_EXECVE_15_E = 214,
	VG_EV_EXECVE_15_X = 215,
	VG_EV_CLONE_17_E = 216,
	VG_EV_CLONE_17_X = 217,
	VG_EV_FORK_17_E = 218,
	VG_EV_FORK_17_X = 219,
	VG_EV_VFORK_17_E = 220,
	VG_EV_VFORK_17_X = 221,
	VG_EV_CLONE_20_E = 222,
	VG_EV_CLONE_20_X = 223,
	VG_EV_FORK_20_E = 224,
	VG_EV_FORK_20_X = 225,
	VG_EV_VFORK_20_E = 226,
	VG_EV_VFORK_20_X = 227,
	VG_EV_CONTAINER_E = 228,
	VG_EV_CONTAINER_X = 229,
	VG_EV_EXECVE_16_E = 230,
	VG_EV_EXECVE_16_X = 231,
	VG_EV_SIGNALDELIVER_E = 232,
	VG_EV_SIGNALDELIVER_X = 233,
	VG_EV_PROCINFO_E = 234,
	VG_EV_PROCINFO_X = 235,
	VG_EV_GETDENTS_E = 236,
	VG_EV_GETDENTS_X = 237,
	VG_EV_GETDENTS64_E = 238,
	VG_EV_GETDENTS64_X = 239,
	VG_EV_SETNS_E = 240,
	VG_EV_SETNS_X = 241,
	VG_EV_FLOCK_E = 242,
	VG_EV_FLOCK_X = 243,
	VG_EV_CPU_HOTPLUG_E = 244,
	VG_EV_CPU_HOTPLUG_X = 245,
	VG_EV_ACCEPT_5_E = 246,
	VG_EV_ACCEPT_5_X = 247,
	VG_EV_ACCEPT4_5_E = 248,
	VG_EV_ACCEPT4_5_X = 249,
	VG_EV_SEMOP_E = 250,
	VG_EV_SEMOP_X = 251,
	VG_EV_SEMCTL_E = 252,
	VG_EV_SEMCTL_X = 253,
	VG_EV_PPOLL_E = 254,
	VG_EV_PPOLL_X = 255,
	VG_EV_MOUNT_E = 256,
	VG_EV_MOUNT_X = 257,
	VG_EV_UMOUNT_E = 258,
	VG_EV_UMOUNT_X = 259,
	VG_EV_K8S_E = 260,
	VG_EV_K8S_X = 261,
	VG_EV_SEMGET_E = 262,
	VG_EV_SEMGET_X = 263,
	VG_EV_ACCESS_E = 264,
	VG_EV_ACCESS_X = 265,
	VG_EV_CHROOT_E = 266,
	VG_EV_CHROOT_X = 267,
	VG_EV_TRACER_E = 268,
	VG_EV_TRACER_X = 269,
	VG_EV_MESOS_E = 270,
	VG_EV_MESOS_X = 271,
	VG_EV_CONTAINER_JSON_E = 272,
	VG_EV_CONTAINER_JSON_X = 273,
	VG_EV_SETSID_E = 274,
	VG_EV_SETSID_X = 275,
	VG_EV_MKDIR_2_E = 276,
	VG_EV_MKDIR_2_X = 277,
	VG_EV_RMDIR_2_E = 278,
	VG_EV_RMDIR_2_X = 279,
	VG_EV_NOTIFICATION_E = 280,
	VG_EV_NOTIFICATION_X = 281,
	VG_EV_EXECVE_17_E = 282,
	VG_EV_EXECVE_17_X = 283,
	VG_EV_UNSHARE_E = 284,
	VG_EV_UNSHARE_X = 285,
	VG_EV_INFRASTRUCTURE_EVENT_E = 286,
	VG_EV_INFRASTRUCTURE_EVENT_X = 287,
	VG_EV_EXECVE_18_E = 288,
	VG_EV_EXECVE_18_X = 289,
	VG_EV_PAGE_FAULT_E = 290,
	VG_EV_PAGE_FAULT_X = 291,
	VG_EV_EXECVE_19_E = 292,
	VG_EV_EXECVE_19_X = 293,
	VG_EV_SETPGID_E = 294,
	VG_EV_SETPGID_X = 295,
	VG_EV_BPF_E = 296,
	VG_EV_BPF_X = 297,
	VG_EV_SECCOMP_E = 298,
	VG_EV_SECCOMP_X = 299,
	VG_EV_UNLINK_2_E = 300,
	VG_EV_UNLINK_2_X = 301,
	VG_EV_UNLINKAT_2_E = 302,
	VG_EV_UNLINKAT_2_X = 303,
	VG_EV_MKDIRAT_E = 304,
	VG_EV_MKDIRAT_X = 305,
	VG_EV_OPENAT_2_E = 306,
	VG_EV_OPENAT_2_X = 307,
	VG_EV_LINK_2_E = 308,
	VG_EV_LINK_2_X = 309,
	VG_EV_LINKAT_2_E = 310,
	VG_EV_LINKAT_2_X = 311,
	VG_EV_FCHMODAT_E = 312,
	VG_EV_FCHMODAT_X = 313,
	VG_EV_CHMOD_E = 314,
	VG_EV_CHMOD_X = 315,
	VG_EV_FCHMOD_E = 316,
	VG_EV_FCHMOD_X = 317,
	VG_EV_RENAMEAT2_E = 318,
	VG_EV_RENAMEAT2_X = 319,
	VG_EV_USERFAULTFD_E = 320,
	VG_EV_USERFAULTFD_X = 321,
	VG_EV_PLUGINEVENT_E = 322,
	VG_EV_PLUGINEVENT_X = 323,
	VG_EV_CONTAINER_JSON_2_E = 324,
	VG_EV_CONTAINER_JSON_2_X = 325,
	VG_EV_OPENAT2_E = 326,
	VG_EV_OPENAT2_X = 327,
	VG_EV_MPROTECT_E = 328,
	VG_EV_MPROTECT_X = 329,
	VG_EV_EXECVEAT_E = 330,
	VG_EV_EXECVEAT_X = 331,
	VG_EV_COPY_FILE_RANGE_E = 332,
	VG_EV_COPY_FILE_RANGE_X = 333,
	VG_EV_CLONE3_E = 334,
	VG_EV_CLONE3_X = 335,
	VG_EV_USER_ADDED_E = 354,
	VG_EV_USER_ADDED_X = 355,
	VG_EV_USER_DELETED_E = 356,
	VG_EV_USER_DELETED_X = 357,
	VG_EV_GROUP_ADDED_E = 358,
	VG_EV_GROUP_ADDED_X = 359,
	VG_EV_GROUP_DELETED_E = 360,
	VG_EV_GROUP_DELETED_X = 361,
	/* syscalls later libs split out of 2022 events */
	VG_EV_DUP2_E = 362,
	VG_EV_DUP2_X = 363,
	VG_EV_DUP3_E = 364,
	VG_EV_DUP3_X = 365,
	VG_EV_ACCEPT4_6_E = 388,
	VG_EV_ACCEPT4_6_X = 389,
	VG_EV_UMOUNT2_E = 390,
	VG_EV_UMOUNT2_X = 391,
	VG_EV_PIPE2_E = 392,
	VG_EV_PIPE2_X = 393,
	VG_EV_INOTIFY_INIT1_E = 394,
	VG_EV_INOTIFY_INIT1_X = 395,
	VG_EV_EVENTFD2_E = 396,
	VG_EV_EVENTFD2_X = 397,
	VG_EV_SIGNALFD4_E = 398,
	VG_EV_SIGNALFD4_X = 399,
	VG_EV_ASYNCEVENT_E = 402,
	VG_EV_ASYNCEVENT_X = 403,
	VG_EV_MAX = 404,
	/* vigil's own events, far above the scap ids so that no libs release
	 * can take their numbers; never renumbered or reused. They are not
	 * indexed by the tables sized VG_EV_MAX: they never reach the rules. */
	VG_EV_POLICY_E = 8192,		/* a TracingPolicy hook matched (vg_pol_* below) */
	VG_EV_POLICY_X = 8193,		/* reserved */
};

/* ------------------------------------------------------------------------
 * Probe <-> agent: what the BPF programs hand to user space besides events.
 */

/* x86_64 syscall numbers below this are routed by the probe. */
#define VG_SYSCALL_MAX 512

/* Every ring-buffer record is this header followed by one event. */
struct vg_ring_rec {
	__u16 cpu;
	__u16 flags;		/* enum vg_rec_flags */
	__u32 reserved;
};

enum vg_rec_flags {
	VG_RF_TRUNCATED = 1 << 0,	/* a string or buffer was cut at its size limit */
	VG_RF_UNREADABLE = 1 << 1,	/* a user pointer could not be read */
};

/* Categories of ring-full drops (Falco's n_drops_buffer_*_exit). */
enum vg_drop_cat {
	VG_DROP_CLONE_FORK = 0,
	VG_DROP_EXECVE,
	VG_DROP_CONNECT,
	VG_DROP_OPEN,
	VG_DROP_DIR_FILE,
	VG_DROP_OTHER_INTEREST,
	VG_DROP_CLOSE,
	VG_DROP_PROC_EXIT,
	VG_DROP_CAT_MAX,
};

/* Per-CPU counters of the probe (a one-element PERCPU_ARRAY). */
struct vg_counters {
	__u64 n_evts;		/* events written to a ring */
	__u64 n_drops_buffer;	/* lost: the ring was full */
	__u64 n_drops_buffer_cat[VG_DROP_CAT_MAX];	/* the same, by category */
	__u64 n_drops_scratch;	/* lost: the event outgrew the scratch space */
	__u64 n_drops_nomap;	/* lost: no ring for this CPU (configuration bug) */
	__u64 n_truncated;	/* written with VG_RF_TRUNCATED */
	__u64 n_unreadable;	/* written with VG_RF_UNREADABLE */
};

/* Limits of what one event carries (bytes, NUL included). */
#define VG_PATH_MAX 4096	/* paths and strings from user memory */
#define VG_ARGS_MAX 4096	/* execve argv / env */
#define VG_CGROUPS_MAX 1024	/* the cgroups parameter */
#define VG_SNAPLEN_MAX 65000	/* data of read/write-family events */

/* ------------------------------------------------------------------------
 * TracingPolicy enforcement (bpf/policy.bpf.c, src/policy/, src/capture/
 * live_policy.c). User space compiles each hook of a loaded policy into a
 * struct vg_pol_hook and its selectors into struct vg_pol_sel (array maps),
 * strings, integer sets, prefixes and binaries into hash maps and LPM tries;
 * the sys_enter program evaluates them in order, first selector wins.
 */
#define VG_POL_HOOKS_MAX 256	/* hooks of all loaded policies */
#define VG_POL_SELS_MAX 1280	/* selectors (5 per hook) */
#define VG_POL_SCLIST_MAX 8192	/* (syscall, hook) pairs */
#define VG_POL_ARGS 5		/* args per hook (Tetragon: 5 args + data) */
#define VG_POL_VALS 4		/* inline integer values per filter */
#define VG_POL_ACTS 3		/* actions per selector */
#define VG_POL_NSF 10		/* matchNamespaces entries per selector */
#define VG_POL_CAPF 4		/* matchCapabilities entries per selector */
#define VG_POL_STR 4096		/* bytes of a string argument (Equal limit) */
#define VG_POL_STR_SHORT 128	/* Equal strings shorter than this use the short map */
#define VG_POL_LPM 256		/* Prefix limit (Postfix: 127) */
#define VG_POL_BIN 256		/* binary paths (255 chars + NUL) */
#define VG_POL_SETS_MAX 1024	/* string/prefix/int/cidr sets */
#define VG_POL_BINSETS 64	/* matchBinaries selectors (one bit each) */
/* Two generations of tables: a live add/delete writes the unused one, then
 * flips vg_pol_gen (one 32-bit store) so that each sys_enter run sees either
 * the old tables or the new ones, never a mix. Hook ids, selector ids and set
 * ids of generation g start at g * VG_POL_HOOKS_MAX, g * VG_POL_SELS_MAX and
 * g * VG_POL_SETS_MAX; with live changes enabled, its matchBinaries bits are
 * g * 32 .. g * 32 + 31. */
#define VG_POL_GENS 2

/* Where an argument comes from. */
enum vg_pol_src {
	VG_POL_SRC_REG0 = 0,	/* ..5: the syscall's argument registers */
	VG_POL_SRC_ID = 8,	/* raw_syscalls: the syscall number */
	VG_POL_SRC_NONE = 0xff,
};

/* Argument types as read in the kernel. */
enum vg_pol_type {
	VG_POL_T_NOP = 0,	/* not read, slot kept */
	VG_POL_T_S32,
	VG_POL_T_U32,
	VG_POL_T_S64,
	VG_POL_T_U64,
	VG_POL_T_S16,
	VG_POL_T_U16,
	VG_POL_T_S8,
	VG_POL_T_U8,
	VG_POL_T_STR,		/* NUL-terminated user string */
	VG_POL_T_CHARBUF,	/* user bytes, length from another register */
	VG_POL_T_FD,		/* fd -> path through the task's fd table */
	VG_POL_T_SOCKADDR,	/* user struct sockaddr */
	VG_POL_T_SYSCALL64,	/* syscall id (raw_syscalls) */
};

/* Operators (Tetragon's ids are not reused: these are kernel-side kinds). */
enum vg_pol_op {
	VG_POL_OP_NONE = 0,
	VG_POL_OP_EQ,		/* ints: any equal; strings: hash lookup */
	VG_POL_OP_NEQ,
	VG_POL_OP_GT,
	VG_POL_OP_LT,
	VG_POL_OP_MASK,
	VG_POL_OP_INRANGE,
	VG_POL_OP_NOTINRANGE,
	VG_POL_OP_INMAP,
	VG_POL_OP_NOTINMAP,
	VG_POL_OP_PREFIX,
	VG_POL_OP_NOTPREFIX,
	VG_POL_OP_POSTFIX,
	VG_POL_OP_NOTPOSTFIX,
	VG_POL_OP_SADDR,	/* sockaddr address in a CIDR set */
	VG_POL_OP_NOTSADDR,
	VG_POL_OP_SPORT,	/* sockaddr port in an int set */
	VG_POL_OP_NOTSPORT,
	VG_POL_OP_FAMILY,
	VG_POL_OP_IN,		/* matchPIDs / matchNamespaces / matchBinaries */
	VG_POL_OP_NOTIN,
};

/* Actions: Tetragon's KprobeAction numbers (the event's `action`). */
enum vg_pol_action {
	VG_POL_A_POST = 0,
	VG_POL_A_SIGKILL = 2,
	VG_POL_A_OVERRIDE = 4,
	VG_POL_A_GETURL = 6,
	VG_POL_A_DNSLOOKUP = 7,
	VG_POL_A_NOPOST = 8,
	VG_POL_A_SIGNAL = 9,
	VG_POL_A_NOTIFYENFORCER = 12,
	VG_POL_A_NONE = 0xff,
};

enum vg_pol_hook_flags {
	VG_POL_HF_MONITOR = 1 << 0,	/* policy-mode monitor: signals are not sent */
	VG_POL_HF_TRACEPOINT = 1 << 1,	/* a raw_syscalls tracepoint hook */
	VG_POL_HF_TCP = 1 << 2,		/* only calls on a TCP socket (fd in register 0): tcp_connect translated */
	VG_POL_HF_GUARD = 1 << 3,	/* record the sockaddr evaluated for the socket deny point */
	VG_POL_HF_NAMESPACED = 1 << 4,	/* TracingPolicyNamespaced: only tasks of pods of namespace ns */
};

enum vg_pol_pid_flags {
	VG_POL_PID_NS = 1 << 0,		/* isNamespacePID */
	VG_POL_PID_FOLLOW = 1 << 1,	/* followForks: ancestors count too */
};

struct vg_pol_argdesc {
	__u8 src;		/* enum vg_pol_src */
	__u8 type;		/* enum vg_pol_type */
	__u8 size_src;		/* char_buf: register holding its size, or VG_POL_SRC_NONE */
	__u8 flags;
	__u32 max;		/* char_buf: bytes read at most */
};

struct vg_pol_hook {
	__u32 flags;		/* enum vg_pol_hook_flags */
	__u16 nargs;
	__u16 nsel;		/* 0: no selectors, every call is posted */
	__u32 sel_first;	/* index of the first selector in vg_pol_sels */
	__u32 pad;
	__u64 ns;		/* HF_NAMESPACED: vg_pol_ns_hash() of the policy's namespace */
	struct vg_pol_argdesc args[VG_POL_ARGS];
};

/* The Kubernetes namespace of a pod's container cgroups: vg_pol_cgns maps a
 * cgroup id (bpf_get_current_cgroup_id(), the cgroup v2 directory's inode)
 * to this hash of its pod's namespace (64-bit FNV-1a; never 0). */
static inline __u64 vg_pol_ns_hash(const char *s)
{
	__u64 h = 0xcbf29ce484222325ULL;
	for (; *s; s++)
		h = (h ^ (__u8)*s) * 0x100000001b3ULL;
	return h ? h : 1;
}

struct vg_pol_argf {
	__u8 arg;		/* position in the hook's args */
	__u8 op;		/* enum vg_pol_op */
	__u8 nvals;		/* inline values used (ints) */
	__u8 pad;
	__u32 set;		/* string, prefix, int or cidr set id */
	__u64 v[VG_POL_VALS];
	__u64 v2[VG_POL_VALS];	/* InRange: upper bounds (inclusive) */
};

struct vg_pol_nsf {
	__u8 ns;		/* enum vg_pol_ns */
	__u8 op;		/* IN / NOTIN */
	__u8 nvals;
	__u8 pad;
	__u32 v[VG_POL_VALS];	/* namespace inode numbers */
};

enum vg_pol_ns {
	VG_POL_NS_UTS = 0, VG_POL_NS_IPC, VG_POL_NS_MNT, VG_POL_NS_PID, VG_POL_NS_PID_CHILDREN,
	VG_POL_NS_NET, VG_POL_NS_TIME, VG_POL_NS_TIME_CHILDREN, VG_POL_NS_CGROUP, VG_POL_NS_USER,
};

struct vg_pol_capf {
	__u8 type;		/* 0 effective, 1 inheritable, 2 permitted */
	__u8 op;		/* IN: any of mask held; NOTIN: none held */
	__u8 nscap;		/* isNamespaceCapability: only outside the host user ns */
	__u8 pad[5];
	__u64 mask;
};

struct vg_pol_act {
	__u8 type;		/* enum vg_pol_action */
	__u8 scope;		/* rateLimitScope: 0 thread, 1 process, 2 global */
	__u16 pad;
	__s32 err;		/* argError */
	__u32 sig;		/* argSig (Signal, NotifyEnforcer) */
	__u32 rate_ms;		/* Post rateLimit, 0 = none */
};

struct vg_pol_sel {
	__u8 pid_op;		/* 0 none, IN, NOTIN */
	__u8 pid_flags;		/* enum vg_pol_pid_flags */
	__u8 npids;
	__u8 bin_op;		/* 0 none, IN, NOTIN */
	__u32 pids[VG_POL_VALS];
	__u64 bin_mask;		/* the bit of this selector's binary set */
	__u8 nargf, nns, ncaps, nact;
	__u32 pad;
	struct vg_pol_argf argf[VG_POL_ARGS];
	struct vg_pol_nsf ns[VG_POL_NSF];
	struct vg_pol_capf caps[VG_POL_CAPF];
	struct vg_pol_act act[VG_POL_ACTS];
};

/* Keys of the string sets (Equal), zero-padded after len bytes. */
struct vg_pol_skey_short {
	__u32 set;
	__u32 len;
	char s[VG_POL_STR_SHORT];
};

struct vg_pol_skey_long {
	__u32 set;
	__u32 len;
	char s[VG_POL_STR];
};

/* LPM keys: prefixes (and reversed postfixes) of one set's inner trie. */
struct vg_pol_lpm_key {
	__u32 prefixlen;
	__u8 data[VG_POL_LPM];
};

/* Integer sets (InMap, ports), one hash for all sets. */
struct vg_pol_ikey {
	__u32 set;
	__u32 pad;
	__u64 v;
};

/* CIDR sets: prefixlen counts the 64 bits of set and family first. */
struct vg_pol_cidr_key {
	__u32 prefixlen;
	__u32 set;		/* big-endian, so that the trie compares it first */
	__u32 family;		/* big-endian AF_INET / AF_INET6 */
	__u8 addr[16];
};

/* matchBinaries: exact paths (zero-padded) and the sets each belongs to. */
struct vg_pol_bkey {
	__u32 len;
	char path[VG_POL_BIN];
};

/* Process names (rules' proc.name: the task's comm at exec, zero-padded)
 * and the binary sets each belongs to. */
struct vg_pol_ckey {
	char comm[16];
};

/* What the policy side knows of a process (tgid). */
struct vg_pol_proc {
	__u64 bins;		/* binary sets its executable is in */
	__u64 follow;		/* followChildren sets inherited from ancestors */
};

/* Post-event flags. */
enum vg_pol_ev_flags {
	VG_POL_EF_SIGNALED = 1 << 0,	/* a signal was sent (sig) */
	VG_POL_EF_MONITOR = 1 << 1,	/* monitor mode: enforcement skipped */
	VG_POL_EF_PROTECTED = 1 << 2,	/* pid 1: enforcement skipped */
	VG_POL_EF_UNREADABLE = 1 << 3,	/* an argument could not be read */
	VG_POL_EF_TRUNCATED = 1 << 4,	/* an argument was cut */
	VG_POL_EF_DENIED = 1 << 5,	/* the call was denied at a deny point */
	VG_POL_EF_ARMED = 1 << 6,	/* Override: its deny point was armed (vg_pol_pending) */
	VG_POL_EF_ADDR_CHANGED = 1 << 7,	/* denied by a socket deny point: the sockaddr changed
						 * after sys_enter, or sys_enter could not read it */
};

/* Override routed to a deny point (spec §5.3). When the sys_enter program
 * matches a selector whose action is Override on a routed syscall, it arms
 * vg_pol_pending[tid] with the errno; the deny point of that syscall, which
 * runs later inside the same call, consumes it and makes the call fail:
 *   connect -> cgroup/connect4/6, bind -> cgroup/bind4/6, sendto/sendmsg ->
 *   cgroup/sendmsg4/6 (any errno: bpf_set_retval), socket ->
 *   cgroup/sock_create (any errno), open/openat/openat2/creat -> fanotify
 *   FAN_OPEN_PERM, execve/execveat -> FAN_OPEN_EXEC_PERM (EPERM; the
 *   responder thread of src/capture/live_deny.c answers FAN_DENY).
 * Every hooked sys_enter of the thread first drops what an earlier call left
 * armed (a call that failed before its deny point), and a deny point only
 * honours an entry armed by its own syscall (nr) less than
 * VG_POL_PENDING_TTL_NS ago. */
/* Socket deny points also close the TOCTOU window of the user's sockaddr:
 * a hook flagged VG_POL_HF_GUARD records the sockaddr it evaluated (guard),
 * with err 0 when no Override fired; the cgroup program denies with EPERM
 * when the address the kernel copied differs from it. */
#define VG_POL_PENDING_TTL_NS 1000000000ull
/* A sockaddr argument as the event carries it (VG_POL_T_SOCKADDR): the
 * first bytes of the user's struct sockaddr (family, port, address). */
#define VG_POL_SOCKADDR_LEN 28
struct vg_pol_pending {
	__s32 err;		/* positive errno; 0: allowed, guard only */
	__u32 nr;		/* the syscall that armed it */
	__u64 ts;		/* bpf_ktime_get_ns() at sys_enter */
	__u32 hook, sel;
	__u32 guard;		/* addr holds the sockaddr evaluated */
	__u8 addr[VG_POL_SOCKADDR_LEN];
};

/* VG_EV_POLICY_E parameters: hook (u32), selector (u32, 0xffffffff when the
 * hook has none), action (u32, the last one run), flags (u32), sig (u32),
 * syscall number (u32), pid (s64, tgid), ret (s64), then VG_POL_ARGS
 * BYTEBUF arguments (ints as 8 bytes, strings and paths with their NUL,
 * buffers as read). */
#define VG_POL_EV_NPARAMS (8 + VG_POL_ARGS)

/* The hooks of one syscall: vg_pol_sclist[first .. first + count). */
struct vg_pol_sc {
	__u16 first;
	__u16 count;
};

/* Per-CPU counters of the policy programs. */
struct vg_pol_counters {
	__u64 n_hooked;		/* calls of hooked syscalls evaluated */
	__u64 n_matched;	/* selector matches (or hooks without selectors) */
	__u64 n_signals;	/* signals sent */
	__u64 n_skipped;	/* enforcement skipped: monitor mode or pid 1 */
	__u64 n_ratelimited;	/* posts suppressed by a rate limit */
	__u64 n_denied;		/* calls denied at a deny point */
};

#endif /* VIGIL_EVENTS_H */
