/* SPDX-License-Identifier: Apache-2.0 */
/*
 * actions.c - vigil-live-actions: the real actions the live rule scenarios
 * (check_live_rules.py) perform, one per invocation:
 *
 *   vigil-live-actions ACTION [ARGS...] [NONCE]
 *
 * Every action makes its syscalls for real and reports what it did on
 * stderr as "vigil-live: key=value ..." lines (its pid, the ids and ports
 * it got), so that the test can compare vigil's alert with facts it did not
 * get from vigil. A trailing argument the action does not use (the test's
 * nonce) only makes the command line unique. Exit status: 0 when the
 * action was performed, 1 when a syscall it needed failed (with errno).
 *
 * The binary is also built statically, to run alone in a container image.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "vigil-live: FAILED %s: %s (errno %d)\n", what, strerror(errno), errno);
	return 1;
}

static void report_self(void)
{
	char comm[32] = "";
	FILE *f = fopen("/proc/self/comm", "r");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
	}
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	/* the exe path may hold spaces (" (deleted)"): it goes last, to the end of the line */
	fprintf(stderr, "vigil-live: pid=%d ppid=%d comm=%s exe=%s\n", (int)getpid(), (int)getppid(), comm, exe);
}

/* symlink DIR: DIR/shadow-symlink -> /etc/shadow (the symlinkat syscall) */
static int act_symlink(const char *dir)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/shadow-symlink", dir);
	if (symlinkat("/etc/shadow", AT_FDCWD, p))
		return fail("symlinkat");
	fprintf(stderr, "vigil-live: linkpath=%s\n", p);
	return 0;
}

/* hardlink DIR: DIR/shadow-hardlink, a second name of /etc/shadow (linkat) */
static int act_hardlink(const char *dir)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/shadow-hardlink", dir);
	if (linkat(AT_FDCWD, "/etc/shadow", AT_FDCWD, p, 0))
		return fail("linkat");
	fprintf(stderr, "vigil-live: linkpath=%s\n", p);
	return 0;
}

/* A child that waits to be traced, then is killed. */
static pid_t sleeper(void)
{
	pid_t c = fork();
	if (c == 0) {
		for (;;)
			pause();
	}
	return c;
}

/* ptrace-attach [seize]: attach to (or seize) a child of ours, detach, kill it */
static int act_ptrace_attach(int seize)
{
	pid_t c = sleeper();
	if (c < 0)
		return fail("fork");
	long r = seize ? ptrace(PTRACE_SEIZE, c, NULL, NULL) : ptrace(PTRACE_ATTACH, c, NULL, NULL);
	if (r) {
		int e = errno;
		kill(c, SIGKILL);
		waitpid(c, NULL, 0);
		errno = e;
		return fail(seize ? "ptrace(PTRACE_SEIZE)" : "ptrace(PTRACE_ATTACH)");
	}
	fprintf(stderr, "vigil-live: tracee=%d\n", (int)c);
	if (!seize) {
		int st;
		waitpid(c, &st, 0);	/* the SIGSTOP of the attach */
		ptrace(PTRACE_DETACH, c, NULL, NULL);
	}
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	return 0;
}

/* ptrace-traceme: declare this process traced by its parent */
static int act_ptrace_traceme(void)
{
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
		return fail("ptrace(PTRACE_TRACEME)");
	return 0;
}

/* memfd-exec NONCE: copy this binary into a memfd and run it from there
 * (execveat with AT_EMPTY_PATH); the copy runs the "noop" action. */
static int act_memfd_exec(const char *nonce)
{
	int fd = memfd_create("vigil-live-memfd", 0);
	if (fd < 0)
		return fail("memfd_create");
	int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return fail("open /proc/self/exe");
	struct stat sb;
	if (fstat(self, &sb))
		return fail("fstat");
	off_t off = 0;
	while (off < sb.st_size) {
		ssize_t n = sendfile(fd, self, &off, (size_t)(sb.st_size - off));
		if (n <= 0)
			return fail("sendfile");
	}
	close(self);
	fprintf(stderr, "vigil-live: memfd=%d\n", fd);
	char *argv[] = { "vigil-live-actions", "noop", (char *)nonce, NULL };
	extern char **environ;
	syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	return fail("execveat");
}

/* truncate PATH: open PATH for writing with O_TRUNC (creating it) */
static int act_truncate(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return fail("open");
	fprintf(stderr, "vigil-live: fd=%d\n", fd);
	close(fd);
	return 0;
}

/* packet-socket: socket(AF_PACKET, SOCK_RAW, ETH_P_ALL) */
static int act_packet_socket(void)
{
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0)
		return fail("socket(AF_PACKET)");
	fprintf(stderr, "vigil-live: fd=%d\n", fd);
	close(fd);
	return 0;
}

/* reverse-shell IP PORT NONCE: connect to IP:PORT and make the connection
 * this process's stdin, stdout and stderr, as a reverse shell does; then
 * say hello through it (the test's listener checks the nonce arrived). */
static int act_reverse_shell(const char *ip, const char *port, const char *nonce)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1) {
		errno = EINVAL;
		return fail("inet_pton");
	}
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		return fail("socket");
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)))
		return fail("connect");
	struct sockaddr_in me;
	socklen_t ml = sizeof(me);
	getsockname(s, (struct sockaddr *)&me, &ml);
	fprintf(stderr, "vigil-live: sock=%d lport=%u\n", s, ntohs(me.sin_port));
	for (int i = 0; i < 3; i++)
		if (dup2(s, i) != i)
			return fail("dup2");
	/* from here stdout and stderr are the connection */
	printf("hello from %d %s\n", (int)getpid(), nonce);
	fflush(stdout);
	shutdown(s, SHUT_WR);
	close(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: vigil-live-actions ACTION [ARGS...] [NONCE]\n");
		return 2;
	}
	const char *a = argv[1];
	report_self();
	if (!strcmp(a, "noop"))
		return 0;
	if (!strcmp(a, "symlink") && argc >= 3)
		return act_symlink(argv[2]);
	if (!strcmp(a, "hardlink") && argc >= 3)
		return act_hardlink(argv[2]);
	if (!strcmp(a, "ptrace-attach"))
		return act_ptrace_attach(0);
	if (!strcmp(a, "ptrace-seize"))
		return act_ptrace_attach(1);
	if (!strcmp(a, "ptrace-traceme"))
		return act_ptrace_traceme();
	if (!strcmp(a, "memfd-exec") && argc >= 3)
		return act_memfd_exec(argv[2]);
	if (!strcmp(a, "truncate") && argc >= 3)
		return act_truncate(argv[2]);
	if (!strcmp(a, "packet-socket"))
		return act_packet_socket();
	if (!strcmp(a, "reverse-shell") && argc >= 5)
		return act_reverse_shell(argv[2], argv[3], argv[4]);
	fprintf(stderr, "vigil-live-actions: unknown action or missing argument: %s\n", a);
	return 2;
}
