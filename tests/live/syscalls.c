/* SPDX-License-Identifier: Apache-2.0 */
/*
 * syscalls.c - vigil-live-syscalls: makes, with known arguments, every
 * syscall that vigil's probe has a dedicated sys_exit program for, and
 * prints what vigil should report for each, as one expectation line:
 *
 *   E <tid> <evt.type> <evt.rawres> <check>...      (tab-separated)
 *
 * Each value comes from the call itself (the return value or -errno, the
 * fds, ports and inodes the kernel gave), never from vigil. A check is
 *   NAME=V    the parameter NAME of evt.args renders V (before any "(...)")
 *   NAME~V    its resolved part, inside the "(...)", is V
 *   NAME&A|B  its resolved flags are exactly {A, B} (any order)
 *   NAME>A|B  its resolved flags include A and B
 *   f.x=V     the field f.x (fd.name, proc.vpid, thread.vtid...) is V
 * check_syscalls.py runs this under `vigil run --print` and compares.
 *
 * usage: vigil-live-syscalls WORKDIR   (waits for a line on stdin first, so
 * that vigil can be started with this pid in its filter)
 *   vigil-live-syscalls --exit          (the program run by the exec tests)
 * Syscalls are made with syscall(2), so that the syscall is the one named.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char W[1024];		/* the work directory (absolute) */
static char SELF[4096];		/* this program (realpath) */
static int failures;

#define NORES LONG_MIN	/* the event has no result evt.rawres reads (bpf: a DYNAMIC parameter) */

static long r_of(long r)
{
	return r < 0 ? -errno : r;
}

/* One expectation line, written with a single write() (atomic on a pipe,
 * whichever process writes it). */
static void E(const char *type, long res, const char *fmt, ...)
{
	char line[4096];
	int n = res == NORES ? snprintf(line, sizeof(line), "E\t%ld\t%s\t-", (long)syscall(SYS_gettid), type)
			     : snprintf(line, sizeof(line), "E\t%ld\t%s\t%ld", (long)syscall(SYS_gettid), type, res);
	if (fmt && *fmt) {
		va_list ap;
		line[n++] = '\t';
		va_start(ap, fmt);
		n += vsnprintf(line + n, sizeof(line) - (size_t)n - 2, fmt, ap);
		va_end(ap);
	}
	line[n++] = '\n';
	if (write(1, line, (size_t)n) != n)
		_exit(3);
}

/* The same, for a tid other than the caller's (a child seen from its parent). */
static void E_for(long tid, const char *type, long res, const char *fmt, ...)
{
	char line[4096];
	int n = snprintf(line, sizeof(line), "E\t%ld\t%s\t%ld", tid, type, res);
	if (fmt && *fmt) {
		va_list ap;
		line[n++] = '\t';
		va_start(ap, fmt);
		n += vsnprintf(line + n, sizeof(line) - (size_t)n - 2, fmt, ap);
		va_end(ap);
	}
	line[n++] = '\n';
	if (write(1, line, (size_t)n) != n)
		_exit(3);
}

/* A setup step that must work, or the run is pointless. */
static void need(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "vigil-live-syscalls: %s: %s\n", what, strerror(errno));
		failures++;
	}
}

/* The dev parameter: the kernel's new_encode_dev() of st_dev, as hex. */
static unsigned enc_dev(dev_t d)
{
	unsigned ma = major(d), mi = minor(d);
	return (mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12);
}

static void dev_ino(int fd, unsigned *dev, unsigned long *ino)
{
	struct stat sb;
	need(fstat(fd, &sb) == 0, "fstat");
	*dev = enc_dev(sb.st_dev);
	*ino = (unsigned long)sb.st_ino;
}

static void wait_child(pid_t c)
{
	int st;
	while (waitpid(c, &st, __WALL) < 0 && errno == EINTR)
		;
}

/* ------------------------------------------------------------ files */

static int files(void)
{
	char buf[4096];
	unsigned dev;
	unsigned long ino;
	long r;

	r = r_of(syscall(SYS_chdir, W));
	E("chdir", r, "path=%s", W);
	r = r_of(syscall(SYS_getcwd, buf, sizeof(buf)));
	E("getcwd", r, "path=%s", W);

	int fo = (int)r_of(syscall(SYS_open, "o_open", O_RDWR | O_CREAT | O_CLOEXEC, 0640));
	need(fo >= 0, "open o_open");
	dev_ino(fo, &dev, &ino);
	E("open", fo, "fd=%d\tfd~<f>%s/o_open\tname=o_open\tflags&O_RDWR|O_CREAT|O_CLOEXEC\tmode=0640\t"
		      "dev=%X\tino=%lu\tfd.name=%s/o_open", fo, W, dev, ino, W);
	r = r_of(syscall(SYS_open, "o_missing/x", O_RDONLY));
	E("open", r, "fd=%ld\tfd~ENOENT\tname=o_missing/x\tflags&O_RDONLY\tmode=0", r);

	int dfd = (int)r_of(syscall(SYS_open, W, O_RDONLY | O_DIRECTORY));
	need(dfd >= 0, "open W");
	E("open", dfd, "fd=%d\tflags&O_RDONLY|O_DIRECTORY\tfd.name=%s", dfd, W);

	int fa = (int)r_of(syscall(SYS_openat, dfd, "o_at", O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600));
	need(fa >= 0, "openat o_at");
	dev_ino(fa, &dev, &ino);
	E("openat", fa, "fd=%d\tdirfd=%d\tdirfd~<d>%s\tname=o_at\tflags&O_WRONLY|O_CREAT|O_TRUNC|O_APPEND\t"
			"mode=0600\tdev=%X\tino=%lu\tfd.name=%s/o_at", fa, dfd, W, dev, ino, W);
	int fa2 = (int)r_of(syscall(SYS_openat, AT_FDCWD, "o_at2", O_RDWR | O_CREAT | O_EXCL | O_NONBLOCK, 0644));
	need(fa2 >= 0, "openat o_at2");
	E("openat", fa2, "dirfd=-100\tdirfd~AT_FDCWD\tname=o_at2\tflags&O_RDWR|O_CREAT|O_EXCL|O_NONBLOCK\t"
			 "mode=0644\tfd.name=%s/o_at2", W);
	r = r_of(syscall(SYS_openat, dfd, "o_at2", O_RDWR | O_CREAT | O_EXCL, 0644));
	E("openat", r, "fd=%ld\tfd~EEXIST\tdirfd=%d\tname=o_at2\tflags&O_RDWR|O_CREAT|O_EXCL", r, dfd);
	int ft = (int)r_of(syscall(SYS_openat, AT_FDCWD, ".", O_TMPFILE | O_RDWR, 0600));
	need(ft >= 0, "openat O_TMPFILE");
	E("openat", ft, "name=.\tflags&O_TMPFILE|O_DIRECTORY|O_RDWR\tmode=0600");

	struct open_how how = { .flags = O_RDWR | O_CREAT, .mode = 0600,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS };
	int f2 = (int)r_of(syscall(SYS_openat2, dfd, "o_at2b", &how, sizeof(how)));
	need(f2 >= 0, "openat2");
	dev_ino(f2, &dev, &ino);
	E("openat2", f2, "fd=%d\tdirfd=%d\tname=o_at2b\tflags&O_RDWR|O_CREAT\tmode=0600\t"
			 "resolve&RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS\tino=%lu\tfd.name=%s/o_at2b", f2, dfd, ino, W);
	struct open_how how2 = { .flags = O_RDONLY, .resolve = RESOLVE_BENEATH };
	r = r_of(syscall(SYS_openat2, dfd, "/etc/hostname", &how2, sizeof(how2)));
	E("openat2", r, "fd=%ld\tfd~EXDEV\tname=/etc/hostname\tresolve&RESOLVE_BENEATH", r);

	int fc = (int)r_of(syscall(SYS_creat, "o_creat", 0604));
	need(fc >= 0, "creat");
	dev_ino(fc, &dev, &ino);
	E("creat", fc, "fd=%d\tname=o_creat\tmode=0604\tdev=%X\tino=%lu\tfd.name=%s/o_creat", fc, dev, ino, W);

	/* descriptors */
	int nd = (int)r_of(syscall(SYS_dup, fo));
	E("dup", nd, "res=%d\tfd=%d\tfd~<f>%s/o_open\tfd.name=%s/o_open", nd, fo, W, W);
	r = r_of(syscall(SYS_dup2, fo, 60));
	E("dup2", r, "res=60\toldfd=%d\tnewfd=60\tfd.name=%s/o_open", fo, W);
	r = r_of(syscall(SYS_dup3, fo, 61, O_CLOEXEC));
	E("dup3", r, "res=61\toldfd=%d\tnewfd=61\tflags&O_CLOEXEC\tfd.name=%s/o_open", fo, W);
	r = r_of(syscall(SYS_fcntl, fo, F_DUPFD_CLOEXEC, 70));
	E("fcntl", r, "fd=%d\tcmd~F_DUPFD_CLOEXEC", fo);
	r = r_of(syscall(SYS_fcntl, fo, F_GETFL));
	E("fcntl", r, "fd=%d\tcmd~F_GETFL", fo);
	r = r_of(syscall(SYS_close, nd));
	E("close", r, "res=0\tfd=%d\tfd~<f>%s/o_open\tfd.name=%s/o_open", nd, W, W);
	r = r_of(syscall(SYS_close, 9999));
	E("close", r, "res=-9\tres~EBADF\tfd=9999");

	int p[2] = { -1, -1 };
	r = r_of(syscall(SYS_pipe, p));
	dev_ino(p[0], &dev, &ino);
	E("pipe", r, "res=0\tfd1=%d\tfd2=%d\tino=%lu", p[0], p[1], ino);
	r = r_of(syscall(SYS_pipe2, p, O_CLOEXEC | O_NONBLOCK));
	dev_ino(p[0], &dev, &ino);
	E("pipe2", r, "res=0\tfd1=%d\tfd2=%d\tino=%lu\tflags&O_CLOEXEC|O_NONBLOCK", p[0], p[1], ino);

	/* working directory */
	r = r_of(syscall(SYS_chdir, "/"));
	E("chdir", r, "path=/");
	r = r_of(syscall(SYS_fchdir, dfd));
	E("fchdir", r, "res=0\tfd=%d\tfd~<d>%s", dfd, W);
	r = r_of(syscall(SYS_chdir, "o_missing"));
	E("chdir", r, "res=-2\tres~ENOENT\tpath=o_missing");

	/* names */
	r = r_of(syscall(SYS_link, "o_open", "o_link"));
	E("link", r, "res=0\toldpath=o_open\tnewpath=o_link");
	r = r_of(syscall(SYS_linkat, dfd, "o_open", AT_FDCWD, "o_linkat", AT_SYMLINK_FOLLOW));
	E("linkat", r, "res=0\tolddir=%d\tolddir~<d>%s\toldpath=o_open\tnewdir=-100\tnewpath=o_linkat\t"
		       "flags&AT_SYMLINK_FOLLOW", dfd, W);
	r = r_of(syscall(SYS_symlink, "o_open", "o_sym"));
	E("symlink", r, "res=0\ttarget=o_open\tlinkpath=o_sym");
	r = r_of(syscall(SYS_symlinkat, "/nonexistent-target", dfd, "o_symat"));
	E("symlinkat", r, "res=0\ttarget=/nonexistent-target\tlinkdirfd=%d\tlinkpath=o_symat", dfd);
	r = r_of(syscall(SYS_unlink, "o_sym"));
	E("unlink", r, "res=0\tpath=o_sym");
	r = r_of(syscall(SYS_unlink, "o_missing"));
	E("unlink", r, "res=-2\tpath=o_missing");
	r = r_of(syscall(SYS_unlinkat, dfd, "o_symat", 0));
	E("unlinkat", r, "res=0\tdirfd=%d\tname=o_symat\tflags=0", dfd);
	r = r_of(syscall(SYS_rename, "o_link", "o_link2"));
	E("rename", r, "res=0\toldpath=o_link\tnewpath=o_link2");
	r = r_of(syscall(SYS_renameat, dfd, "o_link2", AT_FDCWD, "o_link3"));
	E("renameat", r, "res=0\tolddirfd=%d\toldpath=o_link2\tnewdirfd=-100\tnewpath=o_link3", dfd);
	r = r_of(syscall(SYS_renameat2, dfd, "o_link3", dfd, "o_linkat", RENAME_NOREPLACE));
	E("renameat2", r, "res=-17\tolddirfd=%d\toldpath=o_link3\tnewdirfd=%d\tnewpath=o_linkat\t"
			  "flags&RENAME_NOREPLACE", dfd, dfd);
	r = r_of(syscall(SYS_mkdir, "o_dir", 0750));
	E("mkdir", r, "res=0\tpath=o_dir\tmode=%X", 0750);
	r = r_of(syscall(SYS_mkdirat, dfd, "o_dir2", 0700));
	E("mkdirat", r, "res=0\tdirfd=%d\tpath=o_dir2\tmode=%X", dfd, 0700);
	r = r_of(syscall(SYS_rmdir, "o_dir"));
	E("rmdir", r, "res=0\tpath=o_dir");
	r = r_of(syscall(SYS_unlinkat, dfd, "o_dir2", AT_REMOVEDIR));
	E("unlinkat", r, "res=0\tname=o_dir2\tflags&AT_REMOVEDIR");

	/* permissions */
	r = r_of(syscall(SYS_chmod, "o_open", 0604));
	E("chmod", r, "res=0\tfilename=o_open\tmode=0604\tmode&S_IRUSR|S_IWUSR|S_IROTH");
	r = r_of(syscall(SYS_fchmod, fo, 0640));
	E("fchmod", r, "res=0\tfd=%d\tmode=0640\tmode&S_IRUSR|S_IWUSR|S_IRGRP", fo);
	r = r_of(syscall(SYS_fchmodat, dfd, "o_open", 0600, 0));
	E("fchmodat", r, "res=0\tdirfd=%d\tfilename=o_open\tmode=0600\tmode&S_IRUSR|S_IWUSR", dfd);

	close(fa);
	close(fa2);
	close(ft);
	close(f2);
	close(fc);
	close(60);
	close(61);
	return dfd;
}

/* ------------------------------------------------------------ sockets */

static uint16_t port_of(int s)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	need(getsockname(s, (struct sockaddr *)&a, &l) == 0, "getsockname");
	return ntohs(a.sin_port);
}

static void sockets(void)
{
	long r;
	struct sockaddr_in lo = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	int s = (int)r_of(syscall(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	need(s >= 0, "socket");
	E("socket", s, "fd=%d\tdomain=2\tdomain~AF_INET\ttype=%d\tproto=0", s, SOCK_STREAM | SOCK_CLOEXEC);
	r = r_of(syscall(SYS_bind, s, &lo, sizeof(lo)));
	uint16_t sp = port_of(s);
	E("bind", r, "res=0\taddr=127.0.0.1:0\tfd=%d", s);
	r = r_of(syscall(SYS_listen, s, 7));
	E("listen", r, "res=0\tfd=%d\tbacklog=7", s);

	struct sockaddr_in to = lo;
	to.sin_port = htons(sp);
	int c = (int)r_of(syscall(SYS_socket, AF_INET, SOCK_STREAM, 0));
	E("socket", c, "fd=%d\tdomain~AF_INET\ttype=%d", c, SOCK_STREAM);
	r = r_of(syscall(SYS_connect, c, &to, sizeof(to)));
	uint16_t cp = port_of(c);
	char tup[128];
	snprintf(tup, sizeof(tup), "127.0.0.1:%u->127.0.0.1:%u", cp, sp);
	E("connect", r, "res=0\ttuple=%s\tfd=%d\taddr=127.0.0.1:%u\tfd.name=%s", tup, c, sp, tup);
	int a = (int)r_of(syscall(SYS_accept, s, NULL, NULL));
	E("accept", a, "fd=%d\ttuple=%s\tqueuemax=7\tfd.name=%s", a, tup, tup);

	int c2 = (int)r_of(syscall(SYS_socket, AF_INET, SOCK_STREAM, 0));
	r = r_of(syscall(SYS_connect, c2, &to, sizeof(to)));
	char tup2[128];
	snprintf(tup2, sizeof(tup2), "127.0.0.1:%u->127.0.0.1:%u", port_of(c2), sp);
	E("connect", r, "res=0\ttuple=%s\tfd=%d", tup2, c2);
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	int a2 = (int)r_of(syscall(SYS_accept4, s, &from, &fl, SOCK_CLOEXEC));
	/* flags: INT32 printed in hex (PF_HEX) */
	E("accept4", a2, "fd=%d\ttuple=%s\tqueuemax=7\tflags=%X\tfd.name=%s", a2, tup2, SOCK_CLOEXEC, tup2);
	struct sockaddr_in bad = lo;
	bad.sin_port = htons(1);	/* nothing listens on port 1 of loopback */
	int c3 = (int)r_of(syscall(SYS_socket, AF_INET, SOCK_STREAM, 0));
	r = r_of(syscall(SYS_connect, c3, &bad, sizeof(bad)));
	E("connect", r, "res~ECONNREFUSED\tfd=%d\taddr=127.0.0.1:1", c3);

	r = r_of(syscall(SYS_sendto, c, "hello", 5, 0, NULL, 0));
	E("sendto", r, "res=5\tfd=%d\tsize=5\ttuple=%s", c, tup);
	char buf[128];
	fl = sizeof(from);
	r = r_of(syscall(SYS_recvfrom, a, buf, 100, 0, &from, &fl));
	E("recvfrom", r, "res=5\tfd=%d\tsize=100\ttuple=%s", a, tup);
	struct iovec iov = { .iov_base = "sendmsg", .iov_len = 7 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	r = r_of(syscall(SYS_sendmsg, c, &mh, 0));
	E("sendmsg", r, "res=7\tfd=%d\tsize=7\ttuple=%s", c, tup);
	struct iovec riov = { .iov_base = buf, .iov_len = 100 };
	struct msghdr rmh = { .msg_iov = &riov, .msg_iovlen = 1 };
	r = r_of(syscall(SYS_recvmsg, a, &rmh, 0));
	E("recvmsg", r, "res=7\tsize=7\tfd=%d\ttuple=%s", a, tup);
	r = r_of(syscall(SYS_shutdown, c, SHUT_WR));
	E("shutdown", r, "res=0\tfd=%d\thow=1\thow~SHUT_WR", c);

	int sv[2] = { -1, -1 };
	r = r_of(syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv));
	E("socketpair", r, "res=0\tfd1=%d\tfd2=%d\tdomain~AF_LOCAL\ttype=%d\tproto=0", sv[0], sv[1], SOCK_STREAM);
	for (int fd = 0; fd < 2; fd++)
		close(sv[fd]);
	close(s);
	close(c);
	close(c2);
	close(c3);
	close(a);
	close(a2);
}

/* ------------------------------------------------------------ other fds */

static void fd_creators(void)
{
	long r;
	r = r_of(syscall(SYS_eventfd, 5));
	E("eventfd", r, "res=%ld\tinitval=5\tflags=0", r);
	r = r_of(syscall(SYS_eventfd2, 7, EFD_CLOEXEC));
	E("eventfd2", r, "res=%ld\tinitval=7\tflags&O_CLOEXEC", r);

	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	r = r_of(syscall(SYS_signalfd, -1, &m, 8));
	/* mask: UINT32 in hex */
	E("signalfd", r, "res=%ld\tfd=-1\tmask=%X", r, 1u << (SIGUSR1 - 1));
	r = r_of(syscall(SYS_signalfd4, -1, &m, 8, SFD_NONBLOCK));
	E("signalfd4", r, "res=%ld\tfd=-1\tmask=%X\tflags&O_NONBLOCK", r, 1u << (SIGUSR1 - 1));
	r = r_of(syscall(SYS_inotify_init));
	E("inotify_init", r, "res=%ld\tflags=0", r);
	r = r_of(syscall(SYS_inotify_init1, IN_NONBLOCK));
	E("inotify_init1", r, "res=%ld\tflags&O_NONBLOCK", r);
	r = r_of(syscall(SYS_timerfd_create, CLOCK_MONOTONIC, TFD_NONBLOCK));
	E("timerfd_create", r, "res=%ld\tclockid=%d", r, CLOCK_MONOTONIC);
	r = r_of(syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK));
	/* flags: the raw kernel value, as Falco's drivers send it */
	E("userfaultfd", r, "res=%ld\tflags=%d", r, O_CLOEXEC | O_NONBLOCK);

	union bpf_attr at;
	memset(&at, 0, sizeof(at));
	at.map_type = BPF_MAP_TYPE_ARRAY;
	at.key_size = 4;
	at.value_size = 4;
	at.max_entries = 1;
	r = r_of(syscall(SYS_bpf, BPF_MAP_CREATE, &at, sizeof(at)));
	E("bpf", NORES, "res_or_fd=%ld\tcmd=%d", r, BPF_MAP_CREATE);
	at.key_size = 0;	/* invalid */
	r = r_of(syscall(SYS_bpf, BPF_MAP_CREATE, &at, sizeof(at)));
	E("bpf", NORES, "res_or_fd=%ld\tres_or_fd~EINVAL\tcmd=%d", r, BPF_MAP_CREATE);
}

/* ------------------------------------------------------------ processes */

static void *thread_main(void *arg)
{
	(void)arg;
	long r = r_of(syscall(SYS_close, -1));
	E("close", r, "fd=-1\tproc.pid=%d", (int)getpid());
	return NULL;
}

static void execs(int dfd)
{
	extern char **environ;
	char *av[] = { "sc-exec-child", "--exit", NULL };
	char *env[] = { "VIGIL_LIVE=1", NULL };

	/* execve: success, then failure */
	pid_t c = fork();
	if (c == 0) {
		syscall(SYS_execve, SELF, av, env);
		_exit(9);
	}
	E_for(c, "execve", 0, "exe=sc-exec-child\targs=--exit.\tfilename=%s\ttrusted_exepath=%s\t"
			      "comm=vigil-live-sysc\tpid=%d\tproc.pid=%d", SELF, SELF, c, c);
	wait_child(c);
	c = fork();
	if (c == 0) {
		long r = r_of(syscall(SYS_execve, "/nonexistent/prog", av, env));
		E("execve", r, "res~ENOENT\tfilename=/nonexistent/prog");
		_exit(0);
	}
	wait_child(c);

	/* execveat: failure (an execveat event), success (an execve event on x86_64) */
	c = fork();
	if (c == 0) {
		long r = r_of(syscall(SYS_execveat, dfd, "o_missing", av, env, 0));
		E("execveat", r, "res~ENOENT\tdirfd=%d\tpathname=o_missing", dfd);
		int self = open(SELF, O_RDONLY);
		char dev_fd[64];
		snprintf(dev_fd, sizeof(dev_fd), "/dev/fd/%d", self);
		E("execve", 0, "exe=sc-exec-child\tfilename=%s\ttrusted_exepath=%s", dev_fd, SELF);
		syscall(SYS_execveat, self, "", av, env, AT_EMPTY_PATH);
		_exit(9);
	}
	wait_child(c);
	(void)environ;
}

static void forks(void)
{
	long r;
	pid_t me = getpid();

	/* fork */
	pid_t c = (pid_t)syscall(SYS_fork);
	if (c == 0) {
		E("fork", 0, "tid=%d\tpid=%d\tptid=%d\tvtid=%d\tvpid=%d", (int)getpid(), (int)getpid(), (int)me,
		  (int)getpid(), (int)getpid());
		_exit(0);
	}
	E("fork", c, "res=%d\ttid=%d\tpid=%d", (int)c, (int)me, (int)me);
	wait_child(c);

	/* vfork: the child only exits */
	c = vfork();	/* glibc's: the vfork syscall, without a wrapper frame the child could clobber */
	if (c == 0)
		_exit(0);
	E("vfork", c, "res=%d\tflags>CLONE_VFORK|CLONE_VM", (int)c);
	wait_child(c);

	/* clone, fork-like, with CLONE_FS */
	c = (pid_t)syscall(SYS_clone, CLONE_FS | SIGCHLD, 0, NULL, NULL, 0);
	if (c == 0) {
		E("clone", 0, "flags&CLONE_FS\tptid=%d\tvpid=%d", (int)me, (int)getpid());
		_exit(0);
	}
	E("clone", c, "res=%d\tflags&CLONE_FS", (int)c);
	wait_child(c);

	/* clone3 */
	struct clone_args ca = { .flags = CLONE_FILES, .exit_signal = SIGCHLD };
	c = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (c == 0) {
		E("clone3", 0, "flags&CLONE_FILES\tptid=%d", (int)me);
		_exit(0);
	}
	E("clone3", c, "res=%d\tflags&CLONE_FILES", (int)c);
	wait_child(c);

	/* a thread (glibc: clone3 with CLONE_THREAD) */
	pthread_t th;
	need(pthread_create(&th, NULL, thread_main, NULL) == 0, "pthread_create");
	pthread_join(th, NULL);

	/* a child in a new pid namespace: pid 1 there */
	c = fork();
	if (c == 0) {
		r = r_of(syscall(SYS_unshare, CLONE_NEWPID));
		E("unshare", r, "res=0\tflags&CLONE_NEWPID");
		pid_t g = (pid_t)syscall(SYS_fork);
		if (g == 0) {
			/* pid 1 here: gettid() is not the host's tid, the parent speaks for it */
			syscall(SYS_close, -1);
			_exit(0);
		}
		/* 536870912: the child-in-pid-namespace flag (1 << 29) */
		E("fork", g, "res=%d\tflags=536870912", (int)g);
		E_for(g, "fork", 0, "vtid=1\tvpid=1\tflags=536870912");
		E_for(g, "close", -EBADF, "fd=-1\tproc.vpid=1\tthread.vtid=1");
		wait_child(g);
		_exit(0);
	}
	wait_child(c);
	(void)r;
}

static void ids_and_signals(void)
{
	long r;
	uid_t u = getuid();
	gid_t g = getgid();
	r = r_of(syscall(SYS_setuid, u));
	E("setuid", r, "res=0\tuid=%u", u);
	r = r_of(syscall(SYS_setgid, g));
	E("setgid", r, "res=0\tgid=%u", g);
	r = r_of(syscall(SYS_setresuid, u, u, u));
	E("setresuid", r, "res=0\truid=%u\teuid=%u\tsuid=%u", u, u, u);
	r = r_of(syscall(SYS_setresgid, g, g, g));
	E("setresgid", r, "res=0\trgid=%u\tegid=%u\tsgid=%u", g, g, g);

	pid_t c = fork();
	if (c == 0) {
		r = r_of(syscall(SYS_setsid));
		E("setsid", r, "res=%d", (int)getpid());
		r = r_of(syscall(SYS_setpgid, 0, 0));
		E("setpgid", r, "res=-1\tpid=0\tpgid=0");	/* EPERM: a session leader cannot */
		_exit(0);
	}
	wait_child(c);
	c = fork();
	if (c == 0) {
		r = r_of(syscall(SYS_setpgid, 0, 0));
		E("setpgid", r, "res=0\tpid=0\tpgid=0");
		_exit(0);
	}
	wait_child(c);

	/* ptrace: TRACEME in a child that stops itself, CONT from here;
	 * ATTACH to and DETACH from another */
	c = fork();
	if (c == 0) {
		r = r_of(syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0));
		E("ptrace", r, "res=0\trequest~PTRACE_TRACEME");
		raise(SIGSTOP);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	r = r_of(syscall(SYS_ptrace, PTRACE_CONT, c, 0, 0));
	E("ptrace", r, "res=0\trequest~PTRACE_CONT\tpid=%d", (int)c);
	wait_child(c);
	c = fork();
	if (c == 0) {
		for (;;)
			pause();
	}
	r = r_of(syscall(SYS_ptrace, PTRACE_ATTACH, c, 0, 0));
	E("ptrace", r, "res=0\trequest~PTRACE_ATTACH\tpid=%d", (int)c);
	waitpid(c, &st, 0);
	r = r_of(syscall(SYS_ptrace, PTRACE_DETACH, c, 0, 0));
	E("ptrace", r, "res=0\trequest~PTRACE_DETACH\tpid=%d", (int)c);

	/* signals */
	r = r_of(syscall(SYS_kill, c, 0));
	E("kill", r, "res=0\tpid=%d\tsig=0", (int)c);
	r = r_of(syscall(SYS_kill, c, SIGKILL));
	E("kill", r, "res=0\tpid=%d\tsig=9\tsig~SIGKILL", (int)c);
	wait_child(c);
	r = r_of(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), 0));
	E("tgkill", r, "res=0\tpid=%d\ttid=%ld\tsig=0", (int)getpid(), (long)syscall(SYS_gettid));
	r = r_of(syscall(SYS_kill, 999999999, SIGTERM));
	E("kill", r, "res~ESRCH\tpid=999999999\tsig~SIGTERM");
}

/* mount, umount2, chroot, unshare and setns in a child with its own mount
 * and UTS namespaces (nothing leaks to the host). */
static void namespaces(void)
{
	pid_t c = fork();
	if (c == 0) {
		long r = r_of(syscall(SYS_unshare, CLONE_NEWNS));
		E("unshare", r, "res=0\tflags&CLONE_NEWNS");
		r = r_of(syscall(SYS_mount, "none", "/", NULL, MS_REC | MS_PRIVATE, NULL));
		E("mount", r, "res=0\tdev=none\tdir=/\tflags&REC|PRIVATE");
		char mnt[1200];
		snprintf(mnt, sizeof(mnt), "%s/mnt", W);
		mkdir(mnt, 0700);
		r = r_of(syscall(SYS_mount, "vigiltmp", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m"));
		E("mount", r, "res=0\tdev=vigiltmp\tdir=%s\ttype=tmpfs\tflags&NOSUID|NODEV", mnt);
		r = r_of(syscall(SYS_umount2, mnt, MNT_DETACH));
		E("umount2", r, "res=0\tname=%s\tflags&DETACH", mnt);
		r = r_of(syscall(SYS_umount2, mnt, 0));
		E("umount2", r, "res~EINVAL\tname=%s", mnt);

		int ns = open("/proc/self/ns/uts", O_RDONLY);
		need(ns >= 0, "open /proc/self/ns/uts");
		r = r_of(syscall(SYS_unshare, CLONE_NEWUTS));
		E("unshare", r, "res=0\tflags&CLONE_NEWUTS");
		r = r_of(syscall(SYS_setns, ns, CLONE_NEWUTS));
		E("setns", r, "res=0\tfd=%d\tnstype&CLONE_NEWUTS", ns);
		r = r_of(syscall(SYS_setns, ns, CLONE_NEWNET));
		E("setns", r, "res~EINVAL\tfd=%d\tnstype&CLONE_NEWNET", ns);
		r = r_of(syscall(SYS_chroot, "/nonexistent-root"));
		E("chroot", r, "res=-2\tres~ENOENT\tpath=/nonexistent-root");
		r = r_of(syscall(SYS_chroot, W));
		E("chroot", r, "res=0\tpath=%s", W);

		_exit(0);
	}
	wait_child(c);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--exit"))
		return 0;
	if (argc != 2) {
		fprintf(stderr, "usage: vigil-live-syscalls WORKDIR\n");
		return 2;
	}
	if (!realpath(argv[1], W) || !realpath("/proc/self/exe", SELF)) {
		perror("realpath");
		return 2;
	}
	/* wait for "go": vigil is started with this pid in its filter */
	char go[16];
	if (!fgets(go, sizeof(go), stdin))
		return 2;
	int dfd = files();
	sockets();
	fd_creators();
	execs(dfd);
	forks();
	ids_and_signals();
	namespaces();
	printf("DONE\t%d\n", failures);
	fflush(stdout);
	return failures ? 1 : 0;
}
