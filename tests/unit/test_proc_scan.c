/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_proc_scan.c - the /proc scanner (src/state/proc_scan*.c) on real
 * inputs: a child of this test (this binary run again with --pscan-child)
 * with a known argv, env, cwd, comm, ids, loginuid, controlling tty, a
 * second thread and one fd of every kind, read back by proc_scan_all();
 * a fake procfs tree with awkward and broken files; passwd and group
 * files; proc_scan_thread() for an unknown thread, a vanished one, a zombie
 * and a process in its own pid namespace; exe layers on a real overlayfs
 * mount and an exe run from a memfd; and a timed scan of the host with 300
 * extra processes. Needs root (exits 77 otherwise).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "capture/scap.h"
#include "state/proc_scan.h"
#include "state/state.h"
#include "vigil/events.h"

#define INFO_FD 100	/* the child writes struct child_info here */
#define HOLD_FD 101	/* ... and blocks reading this until the test is done */

static char tmpdir[64];	/* /tmp/vigil-pscan-XXXXXX */
static struct state st;

/* ===== Helpers ===== */

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[2 * PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void write_str(const char *dir, const char *name, const char *s)
{
	write_file(dir, name, s, strlen(s));
}

static void link_at(const char *dir, const char *name, const char *target)
{
	char path[2 * PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(symlink(target, path), 0);
}

static void mkdirf(const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vigil-pscan-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	state_init(&st);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char merged[PATH_MAX + 16];
	state_fini(&st);
	snprintf(merged, sizeof(merged), "%s/merged", tmpdir);
	umount2(merged, MNT_DETACH);	/* left mounted by a failed test */
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static bool has_entry(const char *buf, size_t len, const char *want)
{
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
		if (!strcmp(buf + i, want))
			return true;
	return false;
}

/* tty_nr as the kernel encodes a device number in stat. */
static uint32_t tty_nr(dev_t rdev)
{
	unsigned maj = major(rdev), min = minor(rdev);
	return (min & 0xff) | (maj << 8) | ((min & ~0xffu) << 12);
}

/* ===== The child ===== */

struct child_info {
	int64_t pid, worker_tid;
	int fd_file, fd_dir, fd_pipe_r, fd_pipe_w, fd_listen, fd_client, fd_accepted;
	int fd_udp, fd_udp_unbound, fd_unix, fd_event, fd_memfd, fd_tty, fd_listen6;
	int fd_signalfd, fd_epoll, fd_inotify, fd_timerfd, fd_pidfd;
	uint16_t lport, cport, uport, lport6;
	uint64_t pipe_ino;
	dev_t tty_rdev;
	bool loginuid_set;
	char err[128];
};

static void *worker(void *arg)
{
	int64_t *tid = arg;
	pthread_setname_np(pthread_self(), "pscan worker");
	__atomic_store_n(tid, (int64_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	for (;;)
		pause();
	return NULL;
}

static int tcp_socket(int family)
{
	return socket(family, SOCK_STREAM, 0);
}

static uint16_t local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
}

/* Runs in the re-executed binary: argv = vigil-pscan-child --pscan-child
 * "arg two" TMPDIR. Sets everything up, reports, waits. */
static int child_main(int argc, char **argv)
{
	struct child_info ci;
	int p[2];
	memset(&ci, 0, sizeof(ci));
	if (argc < 4)
		_exit(2);
	const char *dir = argv[3];
#define CHECK(x)                                                                  \
	do {                                                                      \
		if ((x) < 0) {                                                    \
			snprintf(ci.err, sizeof(ci.err), "%s: %s", #x, strerror(errno)); \
			goto report;                                              \
		}                                                                 \
	} while (0)

	ci.pid = getpid();
	prctl(PR_SET_NAME, "pscan a) b");
	CHECK(chdir(dir));
	CHECK(ci.fd_file = open("known.txt", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
	CHECK(ci.fd_dir = open(dir, O_RDONLY | O_DIRECTORY));
	CHECK(pipe(p));
	ci.fd_pipe_r = p[0];
	ci.fd_pipe_w = p[1];
	struct stat sb;
	fstat(p[0], &sb);
	ci.pipe_ino = sb.st_ino;

	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	CHECK(ci.fd_listen = tcp_socket(AF_INET));
	CHECK(bind(ci.fd_listen, (struct sockaddr *)&a4, sizeof(a4)));
	CHECK(listen(ci.fd_listen, 4));
	ci.lport = local_port(ci.fd_listen);
	a4.sin_port = htons(ci.lport);
	CHECK(ci.fd_client = tcp_socket(AF_INET));
	CHECK(connect(ci.fd_client, (struct sockaddr *)&a4, sizeof(a4)));
	ci.cport = local_port(ci.fd_client);
	CHECK(ci.fd_accepted = accept(ci.fd_listen, NULL, NULL));
	a4.sin_port = 0;
	CHECK(ci.fd_udp = socket(AF_INET, SOCK_DGRAM, 0));
	CHECK(bind(ci.fd_udp, (struct sockaddr *)&a4, sizeof(a4)));
	ci.uport = local_port(ci.fd_udp);
	CHECK(ci.fd_udp_unbound = socket(AF_INET, SOCK_DGRAM, 0));
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	ci.fd_listen6 = tcp_socket(AF_INET6);
	if (ci.fd_listen6 >= 0 && (bind(ci.fd_listen6, (struct sockaddr *)&a6, sizeof(a6)) < 0 ||
				   listen(ci.fd_listen6, 1) < 0)) {
		close(ci.fd_listen6);
		ci.fd_listen6 = -1;	/* no IPv6 here */
	}
	if (ci.fd_listen6 >= 0)
		ci.lport6 = local_port(ci.fd_listen6);

	struct sockaddr_un un = { .sun_family = AF_UNIX };
	snprintf(un.sun_path, sizeof(un.sun_path), "%s/u.sock", dir);
	CHECK(ci.fd_unix = socket(AF_UNIX, SOCK_STREAM, 0));
	CHECK(bind(ci.fd_unix, (struct sockaddr *)&un, sizeof(un)));
	CHECK(listen(ci.fd_unix, 1));
	CHECK(ci.fd_event = eventfd(0, 0));
	CHECK(ci.fd_memfd = memfd_create("vigil", 0));
	sigset_t ss;
	sigemptyset(&ss);
	CHECK(ci.fd_signalfd = signalfd(-1, &ss, 0));
	CHECK(ci.fd_epoll = epoll_create1(0));
	CHECK(ci.fd_inotify = inotify_init());
	CHECK(ci.fd_timerfd = timerfd_create(CLOCK_MONOTONIC, 0));
	CHECK(ci.fd_pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0));

	/* a session of its own with a controlling terminal */
	int master;
	CHECK(master = posix_openpt(O_RDWR | O_NOCTTY));
	CHECK(grantpt(master));
	CHECK(unlockpt(master));
	CHECK(setsid());
	CHECK(ci.fd_tty = open(ptsname(master), O_RDWR));
	fstat(ci.fd_tty, &sb);
	ci.tty_rdev = sb.st_rdev;

	/* loginuid can be set once while unset, with CAP_AUDIT_CONTROL */
	int lfd = open("/proc/self/loginuid", O_WRONLY);
	ci.loginuid_set = lfd >= 0 && write(lfd, "1234", 4) == 4;
	if (lfd >= 0)
		close(lfd);

	/* effective ids differ from the real ones: libscap keeps the effective */
	CHECK(setresgid(0, 4321, 0));
	CHECK(setresuid(0, 1234, 0));

	pthread_t th;
	ci.worker_tid = 0;
	if (pthread_create(&th, NULL, worker, &ci.worker_tid)) {
		snprintf(ci.err, sizeof(ci.err), "pthread_create failed");
		goto report;
	}
	while (!__atomic_load_n(&ci.worker_tid, __ATOMIC_SEQ_CST))
		usleep(1000);
	usleep(20000);	/* let the worker take its name */
report:
	if (write(INFO_FD, &ci, sizeof(ci)) != sizeof(ci))
		_exit(3);
	char c;
	while (read(HOLD_FD, &c, 1) > 0)
		;
	_exit(0);
#undef CHECK
}

struct child {
	pid_t pid;
	int hold_w;
	struct child_info ci;
};

static void child_start(struct child *ch)
{
	int info[2], hold[2];
	assert_int_equal(pipe(info), 0);
	assert_int_equal(pipe(hold), 0);
	ch->pid = fork();
	assert_true(ch->pid >= 0);
	if (ch->pid == 0) {
		dup2(info[1], INFO_FD);
		dup2(hold[0], HOLD_FD);
		close(info[0]);
		close(info[1]);
		close(hold[0]);
		close(hold[1]);
		char *argv[] = { "vigil-pscan-child", "--pscan-child", "arg two", tmpdir, NULL };
		char *envp[] = { "PSCAN=1", "HELLO=world", NULL };
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	close(info[1]);
	close(hold[0]);
	ch->hold_w = hold[1];
	assert_int_equal(read(info[0], &ch->ci, sizeof(ch->ci)), (ssize_t)sizeof(ch->ci));
	close(info[0]);
	if (ch->ci.err[0])
		fail_msg("child setup: %s", ch->ci.err);
}

static void child_stop(struct child *ch)
{
	close(ch->hold_w);
	int status;
	waitpid(ch->pid, &status, 0);
}

static struct fdinfo *fd_of(struct thread *t, int fd)
{
	struct fdinfo *fi = state_fd(t, fd);
	if (!fi)
		fail_msg("fd %d not in the table", fd);
	return fi;
}

static void assert_ports(const struct fdinfo *fi, uint16_t a, uint16_t b)
{
	assert_true((fi->sport == a && fi->dport == b) || (fi->sport == b && fi->dport == a));
	uint8_t lo[4] = { 127, 0, 0, 1 };
	assert_memory_equal(fi->sip, lo, 4);
	assert_memory_equal(fi->dip, lo, 4);
}

/* ===== A live child, read by proc_scan_all() ===== */

static void test_live_child(void **state)
{
	(void)state;
	struct child ch;
	char err[256], exe[PATH_MAX], want[PATH_MAX + 64];
	child_start(&ch);
	const struct child_info *ci = &ch.ci;

	uint64_t t0 = now_ns(CLOCK_REALTIME);
	assert_int_equal(proc_scan_all(&st, "/proc", err, sizeof(err)), 0);

	struct thread *t = state_thread(&st, ci->pid);
	assert_non_null(t);
	assert_true(t->has_info);
	assert_int_equal(t->pid, ci->pid);
	assert_int_equal(t->tid, ci->pid);
	assert_int_equal(t->ptid, getpid());
	assert_int_equal(t->vpid, ci->pid);
	assert_int_equal(t->vtid, ci->pid);
	assert_int_equal(t->sid, ci->pid);
	assert_int_equal(t->pgid, ci->pid);
	assert_int_equal(t->vpgid, ci->pid);
	assert_string_equal(t->comm, "pscan a) b");
	assert_string_equal(t->exe, "vigil-pscan-child");
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = 0;
	assert_string_equal(t->exepath, exe);
	snprintf(want, sizeof(want), "--pscan-child%carg two%c%s", 0, 0, tmpdir);
	size_t wl = strlen("--pscan-child") + strlen("arg two") + strlen(tmpdir) + 3;
	assert_int_equal(t->args_len, wl);
	assert_memory_equal(t->args, want, wl);
	assert_int_equal(t->env_len, sizeof("PSCAN=1\0HELLO=world"));
	assert_memory_equal(t->env, "PSCAN=1\0HELLO=world", sizeof("PSCAN=1\0HELLO=world"));
	snprintf(want, sizeof(want), "%s/", tmpdir);
	assert_string_equal(t->cwd, want);
	assert_string_equal(t->root, "/");
	assert_int_equal(t->uid, 1234);
	assert_int_equal(t->gid, 4321);
	assert_int_equal(t->tty, tty_nr(ci->tty_rdev));
	assert_int_equal(t->flags, 0);
	if (ci->loginuid_set)
		assert_int_equal(t->loginuid, 1234);
	else
		print_message("loginuid could not be set here: not checked\n");

	/* euid 1234 dropped the effective set, kept the permitted one */
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct cd[2];
	assert_int_equal(syscall(SYS_capget, &hdr, cd), 0);
	assert_int_equal(t->cap_effective, 0);
	assert_int_equal(t->cap_permitted, (uint64_t)cd[1].permitted << 32 | cd[0].permitted);
	assert_int_equal(t->cap_inheritable, (uint64_t)cd[1].inheritable << 32 | cd[0].inheritable);

	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	assert_int_equal(t->fdlimit, rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : rl.rlim_cur);

	/* started a moment ago (stat counts in clock ticks) */
	assert_true(t->clone_ts < t0 + 20000000ull);
	assert_true(t->clone_ts + 1000000000ull > t0);

	struct stat sb;
	assert_int_equal(stat("/proc/self/exe", &sb), 0);
	assert_int_equal(t->exe_ino, sb.st_ino);
	assert_int_equal(t->exe_ino_mtime, (uint64_t)sb.st_mtim.tv_sec * 1000000000ull + sb.st_mtim.tv_nsec);
	assert_int_equal(t->exe_ino_ctime, (uint64_t)sb.st_ctim.tv_sec * 1000000000ull + sb.st_ctim.tv_nsec);
	/* root-owned, not writable by others, and euid 1234 has no caps */
	if (sb.st_uid != 1234 && !(sb.st_mode & S_IWOTH) && !(sb.st_gid == 4321 && (sb.st_mode & S_IWGRP)))
		assert_false(t->exe_writable);
	assert_false(t->exe_from_memfd);

	/* every v1 line of our cgroup file (the child's is the same) */
	FILE *f = fopen("/proc/self/cgroup", "r");
	char line[1024];
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || c2 == c1 + 1)
			continue;
		*c2 = 0;
		for (char *tok = strtok(c1 + 1, ","); tok; tok = strtok(NULL, ",")) {
			snprintf(want, sizeof(want), "%s=%s", tok, c2 + 1);
			if (!has_entry(t->cgroups, t->cgroups_len, want))
				fail_msg("cgroup entry %s missing", want);
		}
	}
	fclose(f);

	/* the second thread: its own comm, the process's fd table */
	struct thread *w = state_thread(&st, ci->worker_tid);
	assert_non_null(w);
	assert_int_equal(w->pid, ci->pid);
	assert_int_equal(w->vtid, ci->worker_tid);
	assert_int_equal(w->ptid, getpid());
	assert_string_equal(w->comm, "pscan worker");
	assert_int_equal(w->flags, VG_CL_CLONE_THREAD | VG_CL_CLONE_FILES);
	assert_ptr_equal(w->fdt, t->fdt);
	assert_int_equal(w->uid, 1234);

	/* fds */
	struct fdinfo *fi = fd_of(t, ci->fd_file);
	char real[PATH_MAX];
	assert_non_null(realpath(tmpdir, real));
	snprintf(want, sizeof(want), "%s/known.txt", real);
	assert_int_equal(fi->kind, FDK_FILE);
	assert_string_equal(fi->name, want);
	assert_int_equal(fi->open_flags, VG_O_WRONLY | VG_O_APPEND | VG_O_CLOEXEC);
	assert_int_equal(stat(want, &sb), 0);
	assert_int_equal(fi->ino, sb.st_ino);
	assert_int_equal(fi->dev, (uint32_t)sb.st_dev);

	fi = fd_of(t, ci->fd_dir);
	assert_int_equal(fi->kind, FDK_DIRECTORY);
	assert_string_equal(fi->name, real);

	snprintf(want, sizeof(want), "pipe:[%llu]", (unsigned long long)ci->pipe_ino);
	fi = fd_of(t, ci->fd_pipe_r);
	assert_int_equal(fi->kind, FDK_FIFO);
	assert_string_equal(fi->name, want);
	assert_int_equal(fi->ino, ci->pipe_ino);
	fi = fd_of(t, ci->fd_pipe_w);
	assert_int_equal(fi->kind, FDK_FIFO);
	assert_int_equal(fi->ino, ci->pipe_ino);

	fi = fd_of(t, ci->fd_listen);
	assert_int_equal(fi->kind, FDK_IPV4_SERVSOCK);
	assert_int_equal(fi->l4proto, L4_TCP);
	assert_true(fi->flags & FDF_ROLE_SERVER);
	snprintf(want, sizeof(want), "127.0.0.1:%u", ci->lport);
	assert_string_equal(fi->name, want);

	for (int i = 0; i < 2; i++) {
		fi = fd_of(t, i ? ci->fd_accepted : ci->fd_client);
		assert_int_equal(fi->kind, FDK_IPV4_SOCK);
		assert_int_equal(fi->l4proto, L4_TCP);
		assert_true(fi->flags & FDF_CONNECTED);
		assert_ports(fi, ci->lport, ci->cport);
	}

	fi = fd_of(t, ci->fd_udp);
	assert_int_equal(fi->kind, FDK_IPV4_SERVSOCK);
	assert_int_equal(fi->l4proto, L4_UDP);
	snprintf(want, sizeof(want), "127.0.0.1:%u", ci->uport);
	assert_string_equal(fi->name, want);
	/* in no socket table: libscap leaves it out */
	assert_null(state_fd(t, ci->fd_udp_unbound));

	if (ci->fd_listen6 < 0)
		print_message("no IPv6 loopback here: TCP6 listener not checked\n");
	if (ci->fd_listen6 >= 0) {
		fi = fd_of(t, ci->fd_listen6);
		assert_int_equal(fi->kind, FDK_IPV6_SERVSOCK);
		assert_int_equal(fi->l4proto, L4_TCP);
		snprintf(want, sizeof(want), "::1:%u", ci->lport6);
		assert_string_equal(fi->name, want);
	}

	fi = fd_of(t, ci->fd_unix);
	assert_int_equal(fi->kind, FDK_UNIX_SOCK);
	snprintf(want, sizeof(want), "%s/u.sock", tmpdir);
	assert_string_equal(fi->name, want);
	assert_true(fi->ino > 0);

	fi = fd_of(t, ci->fd_memfd);
	assert_int_equal(fi->kind, FDK_MEMFD);
	assert_string_equal(fi->name, "/memfd:vigil (deleted)");

	fi = fd_of(t, ci->fd_tty);
	assert_int_equal(fi->kind, FDK_FILE);
	assert_int_equal(fi->open_flags, VG_O_RDWR);
	assert_int_equal(strncmp(fi->name, "/dev/pts/", 9), 0);

	static const struct {
		size_t off;
		uint8_t kind;
	} anon[] = {
		{ offsetof(struct child_info, fd_event), FDK_EVENT },
		{ offsetof(struct child_info, fd_signalfd), FDK_SIGNALFD },
		{ offsetof(struct child_info, fd_epoll), FDK_EVENTPOLL },
		{ offsetof(struct child_info, fd_inotify), FDK_INOTIFY },
		{ offsetof(struct child_info, fd_timerfd), FDK_TIMERFD },
		{ offsetof(struct child_info, fd_pidfd), FDK_PIDFD },
	};
	for (size_t i = 0; i < sizeof(anon) / sizeof(anon[0]); i++) {
		int fd;
		memcpy(&fd, (const char *)ci + anon[i].off, sizeof(fd));
		fi = fd_of(t, fd);
		assert_int_equal(fi->kind, anon[i].kind);
		assert_string_equal(fi->name, "");
	}
	fi = fd_of(t, INFO_FD);
	assert_int_equal(fi->kind, FDK_FIFO);

	child_stop(&ch);
}

/* ===== A fake procfs tree ===== */

#define STATUS(name, tgid, extra)                                                          \
	"Name:\t" name "\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t" tgid "\nNgid:\t0\nPid:\t" tgid \
	"\nPPid:\t1\nUid:\t0\t5\t0\t5\nGid:\t0\t6\t0\t6\n" extra

static void fake_proc(const char *root, const char *pid, const char *status, const char *stat,
		      const char *comm, const char *cmdline, size_t cmdline_len)
{
	char dir[2 * PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/%s", root, pid);
	mkdirf("%s", dir);
	if (status)
		write_str(dir, "status", status);
	if (stat)
		write_str(dir, "stat", stat);
	if (comm)
		write_str(dir, "comm", comm);
	if (cmdline)
		write_file(dir, "cmdline", cmdline, cmdline_len);
}

static void test_fake_procfs(void **state)
{
	(void)state;
	char root[128], dir[256], err[256];
	snprintf(root, sizeof(root), "%s/proc", tmpdir);
	mkdirf("%s", root);

	/* 100: a comm with a space and parentheses, nested pid namespace ids,
	 * a thread, a file and a directory fd */
	fake_proc(root, "100",
		  STATUS("a) b", "100",
			 "NStgid:\t100\t50\t7\nNSpid:\t100\t50\t7\nNSpgid:\t100\t50\t7\nVmSize:\t   1000 kB\n"
			 "CapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t00000000a80425fb\n"),
		  "100 (a) b) S 1 100 100 34817 -1 4194560 11 0 22 0 0 0 0 0 20 0 1 0 12345 1000 10\n",
		  "a) b\n", "fake\0-x\0", 8);
	snprintf(dir, sizeof(dir), "%s/100", root);
	write_str(dir, "loginuid", "42");
	write_file(dir, "environ", "A=1\0", 4);
	write_str(dir, "cgroup", "3:cpu,cpuacct:/a\n1:name=systemd:/x\n2::/ignored\n0::/v2/leaf\n");
	write_str(dir, "limits",
		  "Limit                     Soft Limit           Hard Limit           Units     \n"
		  "Max cpu time              unlimited            unlimited            seconds   \n"
		  "Max open files            1024                 4096                 files     \n");
	write_str(dir, "mountinfo", "999 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
				   "998 999 0:5 / /with\\040space rw - tmpfs tmpfs rw\n");
	link_at(dir, "cwd", "/tmp/x");
	link_at(dir, "root", "/");
	link_at(dir, "exe", "/bin/sh");
	mkdirf("%s/fd", dir);
	mkdirf("%s/fdinfo", dir);
	link_at(dir, "fd/3", "/dev/null");
	link_at(dir, "fd/4", "/");
	link_at(dir, "fd/5", "/nonexistent");
	write_str(dir, "fdinfo/3", "pos:\t0\nflags:\t02000002\nmnt_id:\t999\n");
	mkdirf("%s/task", dir);
	mkdirf("%s/task/100", dir);
	fake_proc(dir, "task/101", STATUS("worker", "100", "NStgid:\t100\nNSpid:\t101\n"),
		  "101 (worker) S 1 100 100 0 -1 0 1 0 2 0 0 0 0 0 20 0 1 0 12346\n", "worker\n", NULL, 0);
	fake_proc(dir, "task/102", STATUS("broken", "100", ""), "102 (broken", "broken\n", NULL, 0);

	/* the cgroup v2 hierarchy, behind init's root, at a path with a space */
	mkdirf("%s/1", root);
	mkdirf("%s/1/root", root);
	mkdirf("%s/1/root/cg two", root);
	mkdirf("%s/1/root/cg two/v2", root);
	mkdirf("%s/1/root/cg two/v2/leaf", root);
	snprintf(dir, sizeof(dir), "%s/1", root);
	write_str(dir, "mounts", "cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n"
			       "cgroup2 /cg\\040two cgroup2 rw,nosuid 0 0\n");
	write_str(dir, "root/cg two/cgroup.controllers", "cpu memory pids\n");
	write_str(dir, "root/cg two/v2/cgroup.controllers", "memory pids\n");
	write_str(dir, "root/cg two/v2/leaf/cgroup.controllers", "memory\n");

	/* broken or absent */
	fake_proc(root, "200", STATUS("trunc", "200", ""), "200 (tr", "trunc\n", "t\0", 2);
	fake_proc(root, "201", STATUS("short", "201", ""), "201 (x) S 1 2", "short\n", "t\0", 2);
	fake_proc(root, "202", STATUS("empty", "202", ""), "", "empty\n", "t\0", 2);
	fake_proc(root, "300", NULL, "300 (nostatus) S 1 300 300 0 -1 0 0 0 0 0\n", "nostatus\n", "t\0", 2);
	fake_proc(root, "301", "Name:\tnotgid\nPPid:\t1\n", "301 (notgid) S 1 301 301 0 -1 0 0 0 0 0\n",
		  "notgid\n", "t\0", 2);
	fake_proc(root, "400", STATUS("kthread", "400", ""), "400 (kthread) S 2 0 0 0 -1 0 0 0 0 0\n",
		  "kthread\n", "", 0);
	fake_proc(root, "401", NULL, NULL, NULL, NULL, 0);
	/* 500: no comm file: the escaped Name of status */
	fake_proc(root, "500", STATUS("n\\\\l\\n", "500", ""), "500 (n\\l\n) S 1 500 500 0 -1 0 0 0 0 0 0\n",
		  NULL, "t\0", 2);
	/* 600: a cmdline longer than libscap's 4 KiB */
	char big[5000];
	memset(big, 'b', sizeof(big));
	memcpy(big, "a\0", 2);
	fake_proc(root, "600", STATUS("big", "600", ""), "600 (big) R 1 600 600 0 -1 0 0 0 0 0\n", "big\n", big,
		  sizeof(big));
	mkdirf("%s/self", root);
	mkdirf("%s/notapid", root);
	mkdirf("%s/12ab", root);

	uint64_t boot = now_ns(CLOCK_REALTIME) - now_ns(CLOCK_BOOTTIME);
	assert_int_equal(proc_scan_all(&st, root, err, sizeof(err)), 0);

	struct thread *t = state_thread(&st, 100);
	assert_non_null(t);
	assert_string_equal(t->comm, "a) b");
	assert_int_equal(t->pid, 100);
	assert_int_equal(t->ptid, 1);
	assert_int_equal(t->sid, 100);
	assert_int_equal(t->pgid, 100);
	assert_int_equal(t->vpgid, 7);
	assert_int_equal(t->vtid, 7);
	assert_int_equal(t->vpid, 7);
	assert_int_equal(t->tty, 34817);
	assert_int_equal(t->uid, 5);
	assert_int_equal(t->gid, 6);
	assert_int_equal(t->loginuid, 42);
	assert_int_equal(t->fdlimit, 1024);
	assert_int_equal(t->cap_permitted, 0x1ffffffffffull);
	assert_int_equal(t->cap_effective, 0xa80425fbull);
	assert_string_equal(t->exe, "fake");
	assert_int_equal(t->args_len, 3);
	assert_memory_equal(t->args, "-x", 3);
	assert_int_equal(t->env_len, 4);
	assert_memory_equal(t->env, "A=1", 4);
	assert_string_equal(t->exepath, "/bin/sh");
	assert_string_equal(t->cwd, "/tmp/x/");
	assert_string_equal(t->root, "/");
	static const char cg[] = "cpu=/a\0cpuacct=/a\0name=systemd=/x\0memory=/v2/leaf\0pids=/v2\0cpu=/";
	assert_int_equal(t->cgroups_len, sizeof(cg));
	assert_memory_equal(t->cgroups, cg, sizeof(cg));
	long hz = sysconf(_SC_CLK_TCK);
	int64_t d = (int64_t)(t->clone_ts - (boot + 12345ull * (1000000000ull / (uint64_t)hz)));
	assert_true(d > -1000000 && d < 1000000);
	struct stat sb;
	assert_int_equal(stat("/bin/sh", &sb), 0);
	assert_int_equal(t->exe_ino, sb.st_ino);

	struct fdinfo *fi = fd_of(t, 3);
	assert_int_equal(fi->kind, FDK_FILE);
	assert_string_equal(fi->name, "/dev/null");
	assert_int_equal(fi->open_flags, VG_O_RDWR | VG_O_CLOEXEC);
	assert_int_equal(fi->dev, makedev(8, 1));
	fi = fd_of(t, 4);
	assert_int_equal(fi->kind, FDK_DIRECTORY);
	assert_string_equal(fi->name, "/");
	assert_null(state_fd(t, 5));	/* a dangling link: closed meanwhile */

	struct thread *w = state_thread(&st, 101);
	assert_non_null(w);
	assert_string_equal(w->comm, "worker");
	assert_int_equal(w->pid, 100);
	assert_int_equal(w->vtid, 101);
	assert_int_equal(w->flags, VG_CL_CLONE_THREAD | VG_CL_CLONE_FILES);
	assert_ptr_equal(w->fdt, t->fdt);
	assert_string_equal(w->exe, "fake");
	assert_null(state_thread(&st, 102));

	for (int64_t bad = 200; bad <= 401; bad++)
		assert_null(state_thread(&st, bad));
	t = state_thread(&st, 500);
	assert_non_null(t);
	assert_string_equal(t->comm, "n\\l\n");
	assert_int_equal(t->clone_ts, 0);	/* stat without starttime */
	assert_int_equal(t->loginuid, UINT32_MAX);
	assert_int_equal(t->fdlimit, UINT64_MAX);
	assert_string_equal(t->cwd, "");

	t = state_thread(&st, 600);
	assert_non_null(t);
	assert_string_equal(t->exe, "a");
	assert_int_equal(t->args_len, 4096 - 2);
	assert_int_equal(t->args[t->args_len - 1], 0);
	assert_int_equal(t->args[t->args_len - 2], 'b');

	/* a procfs that is not there */
	snprintf(dir, sizeof(dir), "%s/nowhere", tmpdir);
	assert_int_equal(proc_scan_all(&st, dir, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "nowhere"));
}

/* ===== Users and groups ===== */

static void test_users(void **state)
{
	(void)state;
	char pw[PATH_MAX], gr[PATH_MAX];
	write_str(tmpdir, "passwd",
		  "root:x:0:0:root:/root:/bin/bash\n"
		  "# a comment\n"
		  "\n"
		  "alice:x:1000:1000:Alice,,,:/home/alice:/bin/zsh\n"
		  "broken line without fields\n"
		  "carol:x:1001:1001::/home/carol:\n");
	/* a group line longer than the first buffer: read again, bigger */
	static char groups[64 * 1024];
	size_t gl = (size_t)snprintf(groups, sizeof(groups), "root:x:0:\nbig:x:99:");
	for (int i = 0; i < 4000; i++)
		gl += (size_t)snprintf(groups + gl, sizeof(groups) - gl, "%suser%04d", i ? "," : "", i);
	snprintf(groups + gl, sizeof(groups) - gl, "\nwheel:x:10:alice,carol\n");
	write_str(tmpdir, "group", groups);
	snprintf(pw, sizeof(pw), "%s/passwd", tmpdir);
	snprintf(gr, sizeof(gr), "%s/group", tmpdir);
	assert_int_equal(proc_scan_users(&st, pw, gr), 0);

	const struct user_info *u = state_user(&st, 1000);
	assert_non_null(u);
	assert_string_equal(u->name, "alice");
	assert_string_equal(u->home, "/home/alice");
	assert_string_equal(u->shell, "/bin/zsh");
	assert_int_equal(u->gid, 1000);
	u = state_user(&st, 1001);
	assert_non_null(u);
	assert_string_equal(u->shell, "");
	assert_non_null(state_user(&st, 0));
	assert_int_equal(st.users.len, 3);
	const struct group_info *g = state_group(&st, 10);
	assert_non_null(g);
	assert_string_equal(g->name, "wheel");
	g = state_group(&st, 99);
	assert_non_null(g);
	assert_string_equal(g->name, "big");
	assert_int_equal(st.groups.len, 3);

	snprintf(pw, sizeof(pw), "%s/missing", tmpdir);
	assert_int_equal(proc_scan_users(&st, pw, NULL), -ENOENT);
	assert_int_equal(proc_scan_users(&st, NULL, pw), -ENOENT);
}

/* ===== One thread on demand ===== */

static int hold_pipe[2];

static void *blocked(void *arg)
{
	int64_t *tid = arg;
	__atomic_store_n(tid, (int64_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	char c;
	while (read(hold_pipe[0], &c, 1) > 0)
		;
	return NULL;
}

static void test_scan_thread(void **state)
{
	(void)state;
	pthread_t th;
	int64_t tid = 0;
	assert_int_equal(pipe(hold_pipe), 0);
	assert_int_equal(pthread_create(&th, NULL, blocked, &tid), 0);
	while (!__atomic_load_n(&tid, __ATOMIC_SEQ_CST))
		usleep(1000);

	/* a thread of a process the state does not know: the process and its
	 * fds come first */
	assert_int_equal(proc_scan_thread(&st, "/proc", tid), 0);
	struct thread *t = state_thread(&st, tid), *m = state_thread(&st, getpid());
	assert_non_null(t);
	assert_non_null(m);
	assert_int_equal(t->pid, getpid());
	assert_int_equal(t->flags, VG_CL_CLONE_THREAD | VG_CL_CLONE_FILES);
	assert_ptr_equal(t->fdt, m->fdt);
	assert_non_null(state_fd(m, hold_pipe[0]));
	assert_int_equal(st.threads.len, 2);	/* not our other threads */
	assert_true(m->exe_writable == (geteuid() == 0));

	/* the same once the process is known */
	state_fini(&st);
	state_init(&st);
	assert_int_equal(proc_scan_thread(&st, "/proc", getpid()), 0);
	assert_int_equal(st.threads.len, 1);
	assert_int_equal(proc_scan_thread(&st, "/proc", tid), 0);
	t = state_thread(&st, tid);
	assert_non_null(t);
	assert_ptr_equal(t->fdt, state_thread(&st, getpid())->fdt);

	close(hold_pipe[1]);
	pthread_join(th, NULL);
	close(hold_pipe[0]);

	/* gone: reaped */
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	assert_int_equal(proc_scan_thread(&st, "/proc", pid), -ENOENT);
	assert_null(state_thread(&st, pid));

	/* a zombie: no cmdline, no exe */
	pid = fork();
	if (pid == 0)
		_exit(0);
	siginfo_t si;
	waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT);
	assert_int_equal(proc_scan_thread(&st, "/proc", pid), -ENOENT);
	assert_null(state_thread(&st, pid));
	waitpid(pid, NULL, 0);
	assert_int_equal(proc_scan_thread(&st, "/proc", 0), -ENOENT);
}

/* A process in a pid namespace of its own sees itself as pid 1. */
static void test_pid_namespace(void **state)
{
	(void)state;
	int info[2], hold[2];
	assert_int_equal(pipe(info), 0);
	assert_int_equal(pipe(hold), 0);
	pid_t mid = fork();
	if (mid == 0) {
		close(info[0]);
		close(hold[1]);
		int64_t gpid = -1;
		if (unshare(CLONE_NEWPID) == 0) {
			pid_t g = fork();
			if (g == 0) {
				char c;
				while (read(hold[0], &c, 1) > 0)
					;
				_exit(0);
			}
			gpid = g;
		}
		if (write(info[1], &gpid, sizeof(gpid)) != sizeof(gpid))
			_exit(1);
		waitpid(-1, NULL, 0);
		_exit(0);
	}
	close(info[1]);
	close(hold[0]);
	int64_t gpid;
	assert_int_equal(read(info[0], &gpid, sizeof(gpid)), (ssize_t)sizeof(gpid));
	close(info[0]);
	if (gpid < 0) {
		close(hold[1]);
		waitpid(mid, NULL, 0);
		skip();
	}
	assert_int_equal(proc_scan_thread(&st, "/proc", gpid), 0);
	struct thread *t = state_thread(&st, gpid);
	assert_non_null(t);
	assert_int_equal(t->pid, gpid);
	assert_int_equal(t->vpid, 1);
	assert_int_equal(t->vtid, 1);
	assert_int_equal(t->ptid, mid);
	close(hold[1]);
	waitpid(mid, NULL, 0);
}

/* ===== The executable: overlayfs layers, memfd ===== */

static pid_t spawn_exe(const char *path, int exefd)
{
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = { "sleep", "30", NULL };
		char *envp[] = { NULL };
		if (exefd >= 0)
			fexecve(exefd, argv, envp);
		else
			execve(path, argv, envp);
		_exit(127);
	}
	/* wait for the exec to be done */
	char want[PATH_MAX], link[PATH_MAX], p[64];
	snprintf(p, sizeof(p), "/proc/%d/exe", pid);
	if (!path || !realpath(path, want))
		snprintf(want, sizeof(want), "%s", path ? path : "/memfd:");
	for (int i = 0; i < 2000; i++) {
		ssize_t n = readlink(p, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = 0;
			if (!strncmp(link, want, strlen(want)))
				break;
		}
		usleep(1000);
	}
	return pid;
}

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ssize_t n;
	assert_true(in >= 0 && out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

static void test_exe_layers(void **state)
{
	(void)state;
	char lower[PATH_MAX], upper[PATH_MAX], work[PATH_MAX], merged[PATH_MAX], opts[4 * PATH_MAX];
	char path[PATH_MAX + 16];
	snprintf(lower, sizeof(lower), "%s/lower", tmpdir);
	snprintf(upper, sizeof(upper), "%s/upper", tmpdir);
	snprintf(work, sizeof(work), "%s/work", tmpdir);
	snprintf(merged, sizeof(merged), "%s/merged", tmpdir);
	mkdirf("%s", lower);
	mkdirf("%s", upper);
	mkdirf("%s", work);
	mkdirf("%s", merged);
	snprintf(path, sizeof(path), "%s/lsleep", lower);
	copy_file("/bin/sleep", path);
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
	if (mount("overlay", merged, "overlay", 0, opts) < 0) {
		print_message("overlayfs mount refused (%s): layer check skipped\n", strerror(errno));
		skip();
	}
	snprintf(path, sizeof(path), "%s/usleep", merged);
	copy_file("/bin/sleep", path);	/* written through the mount: upper layer */

	snprintf(path, sizeof(path), "%s/lsleep", merged);
	pid_t lo = spawn_exe(path, -1);
	snprintf(path, sizeof(path), "%s/usleep", merged);
	pid_t up = spawn_exe(path, -1);
	pid_t host = spawn_exe("/bin/sleep", -1);

	int mfd = memfd_create("vigil-exe", 0);
	assert_true(mfd >= 0);
	int in = open("/bin/sleep", O_RDONLY);
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(mfd, buf, (size_t)n), n);
	close(in);
	pid_t mem = spawn_exe(NULL, mfd);
	close(mfd);

	assert_int_equal(proc_scan_thread(&st, "/proc", lo), 0);
	assert_int_equal(proc_scan_thread(&st, "/proc", up), 0);
	assert_int_equal(proc_scan_thread(&st, "/proc", host), 0);
	assert_int_equal(proc_scan_thread(&st, "/proc", mem), 0);
	struct thread *t = state_thread(&st, lo);
	assert_true(t->exe_lower_layer);
	assert_false(t->exe_upper_layer);
	t = state_thread(&st, up);
	assert_true(t->exe_upper_layer);
	assert_false(t->exe_lower_layer);
	assert_true(t->exe_writable);	/* root owns it */
	t = state_thread(&st, host);
	assert_false(t->exe_upper_layer);
	assert_false(t->exe_lower_layer);
	assert_false(t->exe_from_memfd);
	t = state_thread(&st, mem);
	assert_true(t->exe_from_memfd);
	assert_int_equal(strncmp(t->exepath, "/memfd:vigil-exe", 16), 0);

	pid_t all[] = { lo, up, host, mem };
	for (size_t i = 0; i < 4; i++) {
		kill(all[i], SIGKILL);
		waitpid(all[i], NULL, 0);
	}
	assert_int_equal(umount(merged), 0);
}

/* ===== A whole host, timed ===== */

#define EXTRA 300

static void test_full_scan_timed(void **state)
{
	(void)state;
	int hold[2];
	pid_t kids[EXTRA];
	char err[256];
	assert_int_equal(pipe(hold), 0);
	for (int i = 0; i < EXTRA; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			close(hold[1]);
			prctl(PR_SET_NAME, "pscan-extra");
			int p[2];
			if (pipe(p) < 0)
				_exit(1);
			/* 600 lines of net/udp: over 64 KiB, read in many pieces */
			for (int k = 0; k < 2; k++) {
				struct sockaddr_in a = { .sin_family = AF_INET,
							 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
				int s = socket(AF_INET, SOCK_DGRAM, 0);
				if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0)
					_exit(1);
			}
			char c;
			while (read(hold[0], &c, 1) > 0)
				;
			_exit(0);
		}
	}
	close(hold[0]);
	usleep(200000);

	double best = 1e9;
	size_t threads = 0, fds = 0;
	for (int round = 0; round < 3; round++) {
		state_fini(&st);
		state_init(&st);
		uint64_t t0 = now_ns(CLOCK_MONOTONIC);
		assert_int_equal(proc_scan_all(&st, "/proc", err, sizeof(err)), 0);
		double ms = (double)(now_ns(CLOCK_MONOTONIC) - t0) / 1e6;
		if (ms < best)
			best = ms;
	}
	threads = st.threads.len;
	for (size_t i = 0; i < st.threads.cap; i++) {
		struct thread *t = st.threads.vals[i];
		if (t && t->tid == t->pid && t->fdt)
			fds += t->fdt->fds.len;
	}
	size_t udp = 0;
	for (int i = 0; i < EXTRA; i++) {
		struct thread *t = state_thread(&st, kids[i]);
		assert_non_null(t);
		assert_string_equal(t->comm, "pscan-extra");
		for (size_t j = 0; j < t->fdt->fds.cap; j++) {
			struct fdinfo *fi = t->fdt->fds.vals[j];
			udp += fi && fi->kind == FDK_IPV4_SERVSOCK && fi->l4proto == L4_UDP;
		}
	}
	assert_int_equal(udp, 2 * EXTRA);
	print_message("full /proc scan: %zu threads, %zu fds, best of 3: %.2f ms\n", threads, fds, best);
	assert_true(best < 2000);

	close(hold[1]);
	for (int i = 0; i < EXTRA; i++)
		waitpid(kids[i], NULL, 0);
}

/* ===== Machine info ===== */

static void test_machine(void **state)
{
	(void)state;
	struct scap_machine_info mi;
	char host[256];
	unsetenv("SCAP_HOSTNAME");
	assert_int_equal(proc_scan_machine(&mi), 0);
	gethostname(host, sizeof(host));
	assert_string_equal(mi.hostname, host);
	assert_int_equal(mi.num_cpus, (uint32_t)sysconf(_SC_NPROCESSORS_ONLN));
	assert_true(mi.memory_size_bytes > 0);
	assert_true(mi.max_pid > 0);
	uint64_t boot = now_ns(CLOCK_REALTIME) - now_ns(CLOCK_BOOTTIME);
	int64_t d = (int64_t)(mi.boot_ts_epoch - boot);
	assert_true(d > -10000000 && d < 10000000);
	setenv("SCAP_HOSTNAME", "vigil-test-host", 1);
	assert_int_equal(proc_scan_machine(&mi), 0);
	assert_string_equal(mi.hostname, "vigil-test-host");
	unsetenv("SCAP_HOSTNAME");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--pscan-child"))
		return child_main(argc, argv);
	if (geteuid() != 0) {
		fprintf(stderr, "test_proc_scan: needs root (reads every process, sets ids, mounts)\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_live_child, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fake_procfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_users, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pid_namespace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exe_layers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_scan_timed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_machine, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
