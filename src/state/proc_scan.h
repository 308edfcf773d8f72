/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proc_scan.h - the state tables of the live host, read from /proc at start
 * (and for threads the state meets later): every thread with its process's
 * fds, users and groups, machine info. Each thread and fd becomes the same
 * struct scap_proc_entry / scap_fd_entry view that a capture's PL_V9/FDL_V2
 * blocks give, and goes into the state through state_add_proc() and
 * state_add_fd(), so a live run starts with the tables Falco's libscap
 * /proc scanner (userspace/libscap/linux/scap_procs.c, scap_fds.c,
 * scap_cgroup.c) would build.
 *
 * Field by field (libscap's choice unless said otherwise):
 *   tid, pid        the task directory name; Tgid from status
 *   ptid            PPid from status (the parent process, for every thread)
 *   sid, tty        session and tty_nr from stat
 *   pgid, vpgid     first and last element of NSpgid (pgrp from stat if absent)
 *   vtid, vpid      last element of NSpid / NStgid (tid/pid if absent)
 *   comm            the comm file (status Name: if comm is missing)
 *   exe, args       argv[0] and NUL-separated argv[1..] of cmdline (4 KiB max)
 *   exepath         readlink of exe, as is (" (deleted)" kept)
 *   env             environ (4 KiB max)
 *   cwd, root       readlink of cwd and root ("" when unreadable)
 *   uid, gid        the effective ids (second column of Uid:/Gid:)
 *   loginuid        the loginuid file (UINT32_MAX when unset or absent)
 *   caps            CapInh/CapPrm/CapEff of status
 *   fdlimit         soft "Max open files" of limits (UINT64_MAX = unlimited)
 *   clone_ts        starttime of stat (clock ticks since boot) + boot time
 *   pidns_init_start_ts  ctime of <pid>/root/proc/1/cmdline
 *   vmsize/rss/swap, pfmajor/pfminor  status and stat
 *   flags           0 for a main thread, CLONE_THREAD|CLONE_FILES otherwise
 *   exe_ino, exe_ino_ctime, exe_ino_mtime  statx of <pid>/exe
 *   exe_writable    owner of the exe, or its mode bits/caps allow a write
 *   exe_upper_layer, exe_lower_layer  exe on overlayfs: in the upperdir or not
 *   exe_from_memfd  exepath starts with "/memfd:"
 *   cgroups         "subsys=/path" per v1 controller; v2 controllers resolved
 *                   by walking cgroup.controllers up from the thread's cgroup
 * fds are read once per process, from the main thread's fd directory:
 *   files (FILE_V2: open flags from fdinfo, dev of the mount from mountinfo),
 *   directories, pipes and FIFOs, memfds, anon inodes by name (eventfd,
 *   signalfd, eventpoll, inotify, timerfd, io_uring, userfaultfd, bpf, pidfd;
 *   others UNSUPPORTED), sockets by inode in the socket tables of the
 *   process's network namespace (tcp, udp, raw, unix, netlink and their v6
 *   forms, read once per namespace and cached for the scan). A socket with no
 *   remote address is a server socket; netlink sockets come out as unix
 *   sockets with no name, and sockets found in no table are left out, as
 *   libscap does.
 * Deliberate differences from libscap are listed in proc_scan.c.
 *
 * Errors: 0 or a negative errno. Threads that vanish during a scan, kernel
 * threads and zombies (no cmdline and no exe) are skipped silently.
 * Not thread-safe: the caller serialises scans with other uses of `st`.
 */
#ifndef VIGIL_PROC_SCAN_H
#define VIGIL_PROC_SCAN_H

#include <stddef.h>
#include <stdint.h>

struct state;
struct scap_machine_info;

/* Machine info of the running host: hostname (SCAP_HOSTNAME overrides it,
 * as in libscap), online CPUs, memory, pid_max, and the boot time in epoch
 * ns as CLOCK_REALTIME - CLOCK_BOOTTIME. Returns 0 or a negative errno. */
int proc_scan_machine(struct scap_machine_info *mi);

/* Every thread of every process under `procfs` ("/proc", or a tree laid out
 * like it for tests) with its process's fds, into st. Returns 0, or a
 * negative errno when procfs itself cannot be read (message in err). */
int proc_scan_all(struct state *st, const char *procfs, char *err, size_t errlen);

/* One thread on demand, for an event from a tid the state does not know:
 * reads <procfs>/<pid>/task/<tid> and, when the thread's process is not in
 * the state either, the process's main thread and its fds first (a main
 * thread is read with its fds). A tid the state knows is read again and
 * replaced. Returns 0, or -ENOENT if the thread is gone or is a kernel
 * thread or zombie. */
int proc_scan_thread(struct state *st, const char *procfs, int64_t tid);

/* The current parent (PPid) of a thread, or -1 if it is gone: for a child
 * whose creator exited before its own clone event was seen (the kernel has
 * reparented it to a subreaper or init). */
int64_t proc_scan_ppid(const char *procfs, int64_t tid);

/* Users and groups of passwd- and group-format files ("/etc/passwd",
 * "/etc/group"), read with fgetpwent/fgetgrent; either path may be NULL to
 * skip it. Returns 0 or the negative errno of the first file that cannot be
 * opened (nothing is added from it). */
int proc_scan_users(struct state *st, const char *passwd, const char *group);

/* The users and groups of container ci from its own root (`root`, such as
 * /proc/PID/root): ROOT/etc/passwd and ROOT/etc/group into the container's
 * lists, as libsinsp reads them for containerized threads. Returns 0 once
 * the passwd file was read (ci->has_users is then set), or -errno. */
struct container_info;
int proc_scan_container_users(struct state *st, struct container_info *ci, const char *root);

#endif /* VIGIL_PROC_SCAN_H */
