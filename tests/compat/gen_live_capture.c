/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gen_live_capture.c - writes, through scap_writer, the capture that vigil's
 * live capture would write for a small scenario: the state a /proc scan gives
 * (systemd, sshd, an interactive bash of user alice with its terminal fds and
 * fds of types libs 2022 do not know; a daemon whose environment and an fd
 * name exceed libscap 2022's limits), then
 * the events as the BPF side emits them: exit events only, in the merged
 * layout (the 2022 exit parameters followed by the enter parameters).
 *
 *   bash forks, the child execs curl, which opens a file by a relative path,
 *   reads and closes it, opens a TCP socket, connects, writes, closes it,
 *   fails a connect on a second socket, and exits.
 *
 * check_writer_live.py reads the result with sysdig 0.29.3 and with vigil.
 *
 * usage: gen_live_capture OUT.scap [--control]
 *   --control: write each exit with its 2022 parameters only and no enter
 *   event (what a writer without enter/exit pairs would give sysdig).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capture/scap_writer.h"
#include "evbuild.h"
#include "state/state.h"

#define S(s) ((struct scap_str){ (s), (uint32_t)(sizeof(s) - 1) })
#define TS0 1767225600000000000ull	/* 2026-01-01 */

static struct scap_writer *g_w;
static bool g_control;
static uint64_t g_ts = TS0;
static struct evbuild g_b;

static void die(const char *what, const char *err)
{
	fprintf(stderr, "gen_live_capture: %s: %s\n", what, err);
	exit(1);
}

static void proc(struct state *st, uint64_t tid, uint64_t ptid, struct scap_str comm, struct scap_str exepath,
		 struct scap_str args, struct scap_str cwd, uint32_t uid, struct scap_str env)
{
	struct scap_proc_entry e;
	memset(&e, 0, sizeof(e));
	e.tid = e.pid = tid;
	e.ptid = ptid;
	e.sid = e.vpgid = tid;
	e.has_sid = e.has_vpgid = true;
	e.comm = comm;
	e.exe = comm;
	e.exepath = exepath;
	e.has_exepath = true;
	e.args = args;
	e.cwd = cwd;
	e.env = env;
	e.has_env = true;
	e.vtid = e.vpid = (int64_t)tid;
	e.has_vids = true;
	e.root = S("/");
	e.has_root = true;
	e.fdlimit = 1024;
	e.flags = VG_CL_IS_MAIN_THREAD;
	e.uid = e.gid = uid;
	e.loginuid = uid;
	e.has_loginuid = true;
	if (state_add_proc(st, &e))
		die("state", "add_proc");
}

static void file_fd(struct state *st, uint64_t tid, int64_t fd, const char *name, uint32_t flags)
{
	struct scap_fd_entry e;
	memset(&e, 0, sizeof(e));
	e.fd = fd;
	e.type = SCAP_FD_FILE_V2;
	e.open_flags = flags;
	e.name = (struct scap_str){ name, (uint32_t)strlen(name) };
	if (state_add_fd(st, tid, &e))
		die("state", "add_fd");
}

static void other_fd(struct state *st, uint64_t tid, int64_t fd, uint8_t type, const char *name)
{
	struct scap_fd_entry e;
	memset(&e, 0, sizeof(e));
	e.fd = fd;
	e.type = type;
	e.name = (struct scap_str){ name, (uint32_t)strlen(name) };
	if (state_add_fd(st, tid, &e))
		die("state", "add_fd");
}

static void build_state(struct state *st)
{
	static char env[6000], longpath[1500];

	state_init(st);
	snprintf(st->hostname, sizeof(st->hostname), "live-host");
	st->num_cpus = 2;
	st->memory_size = 4ull << 30;
	st->max_pid = 32768;
	proc(st, 1, 0, S("systemd"), S("/usr/lib/systemd/systemd"), S(""), S("/"), 0, S(""));
	proc(st, 800, 1, S("sshd"), S("/usr/sbin/sshd"), S("-D\0"), S("/"), 0, S(""));
	proc(st, 1000, 800, S("bash"), S("/usr/bin/bash"), S(""), S("/home/alice"), 1000,
	     S("HOME=/home/alice\0USER=alice\0"));
	for (int fd = 0; fd < 3; fd++)
		file_fd(st, 1000, fd, "/dev/pts/0", VG_O_RDWR);
	file_fd(st, 1000, 255, "/dev/pts/0", VG_O_RDWR | VG_O_CLOEXEC);
	/* fd types libs 2022 do not know (sysdig 0.29.3 refuses them), and an
	 * fd of unknown type */
	other_fd(st, 1000, 5, SCAP_FD_MEMFD, "memfd:jit (deleted)");
	other_fd(st, 1000, 6, SCAP_FD_PIDFD, "anon_inode:[pidfd]");
	other_fd(st, 1000, 7, SCAP_FD_UNINITIALIZED, "anon_inode:[io_uring]");

	/* a daemon with more than libscap 2022 takes: the writer must cut */
	for (size_t i = 0; i + 100 <= sizeof(env); i += 100) {
		memset(env + i, 'A' + (int)(i / 100) % 26, 99);
		env[i + 99] = 0;
	}
	memset(longpath, 'd', sizeof(longpath));
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = 0;
	proc(st, 900, 1, S("daemon"), S("/usr/sbin/daemon"), S(""), S("/"), 0,
	     (struct scap_str){ env, sizeof(env) });
	file_fd(st, 900, 3, longpath, VG_O_WRONLY);

	struct scap_user_entry u = { .uid = 0, .gid = 0, .name = S("root"), .home = S("/root"),
				     .shell = S("/bin/bash") };
	state_add_user(st, &u);
	u = (struct scap_user_entry){ .uid = 1000, .gid = 1000, .name = S("alice"), .home = S("/home/alice"),
				      .shell = S("/bin/bash") };
	state_add_user(st, &u);
	struct scap_group_entry g = { .gid = 1000, .name = S("alice") };
	state_add_group(st, &g);
	struct scap_iface_entry i;
	memset(&i, 0, sizeof(i));
	i.type = SCAP_II_IPV4;
	inet_pton(AF_INET, "127.0.0.1", i.addr);
	inet_pton(AF_INET, "255.0.0.0", i.netmask);
	i.name = S("lo");
	state_add_iface(st, &i);
	inet_pton(AF_INET, "10.0.0.9", i.addr);
	inet_pton(AF_INET, "255.255.255.0", i.netmask);
	inet_pton(AF_INET, "10.0.0.255", i.bcast);
	i.name = S("eth0");
	state_add_iface(st, &i);
}

/* ===== Events as the BPF side emits them ===== */

static void start(uint16_t type, int64_t tid)
{
	evb_init(&g_b, type, tid, g_ts += 1000);
	g_b.cpuid = 1;
}

/* Write the event: merged (every parameter), or for the control its 2022
 * exit parameters only. */
static void emit(void)
{
	uint32_t n = g_control && VG_EV_IS_EXIT(g_b.type) ? ev_exit_native_nparams(g_b.type) : 0;
	if (scap_writer__write_event(g_w, evb_event(&g_b, n)))
		die("write", scap_writer__error(g_w));
}

static void clone_exit(int64_t tid, int64_t res, int64_t ptid)
{
	static const char *const args[] = { NULL };
	start(VG_EV_CLONE_20_X, tid);
	evb_s64(&g_b, "res", res);
	evb_str(&g_b, "exe", "bash");
	evb_list(&g_b, "args", args);
	evb_s64(&g_b, "tid", res ? tid : 1234);
	evb_s64(&g_b, "pid", res ? tid : 1234);
	evb_s64(&g_b, "ptid", ptid);
	evb_str(&g_b, "cwd", "");
	evb_s64(&g_b, "fdlimit", 1024);
	evb_u64(&g_b, "pgft_maj", 0);
	evb_u64(&g_b, "pgft_min", 120);
	evb_u32(&g_b, "vm_size", 8800);
	evb_u32(&g_b, "vm_rss", 5000);
	evb_u32(&g_b, "vm_swap", 0);
	evb_str(&g_b, "comm", "bash");
	evb_bytes(&g_b, "cgroups", "cpu=/user.slice\0", 16);
	evb_u32(&g_b, "flags", 0);
	evb_u32(&g_b, "uid", 1000);
	evb_u32(&g_b, "gid", 1000);
	evb_s64(&g_b, "vtid", res ? tid : 1234);
	evb_s64(&g_b, "vpid", res ? tid : 1234);
	emit();
}

static void execve_exit(void)
{
	static const char *const args[] = { "-s", "http://93.184.216.34/", NULL };
	static const char *const env[] = { "HOME=/home/alice", "USER=alice", NULL };
	start(VG_EV_EXECVE_19_X, 1234);
	evb_s64(&g_b, "res", 0);
	evb_str(&g_b, "exe", "curl");
	evb_list(&g_b, "args", args);
	evb_s64(&g_b, "tid", 1234);
	evb_s64(&g_b, "pid", 1234);
	evb_s64(&g_b, "ptid", 1000);
	evb_str(&g_b, "cwd", "");
	evb_u64(&g_b, "fdlimit", 1024);
	evb_u64(&g_b, "pgft_maj", 0);
	evb_u64(&g_b, "pgft_min", 0);
	evb_u32(&g_b, "vm_size", 0);
	evb_u32(&g_b, "vm_rss", 0);
	evb_u32(&g_b, "vm_swap", 0);
	evb_str(&g_b, "comm", "curl");
	evb_bytes(&g_b, "cgroups", "cpu=/user.slice\0", 16);
	evb_list(&g_b, "env", env);
	evb_u32(&g_b, "tty", 34816);
	evb_s64(&g_b, "pgid", 1234);
	evb_u32(&g_b, "loginuid", 1000);
	evb_u32(&g_b, "flags", 0);
	evb_str(&g_b, "filename", "/usr/bin/curl");	/* enter parameter */
	emit();
}

static void openat_exit(int64_t fd, const char *name)
{
	start(VG_EV_OPENAT_2_X, 1234);
	evb_s64(&g_b, "fd", fd);
	evb_s64(&g_b, "dirfd", -100);	/* AT_FDCWD */
	evb_str(&g_b, "name", name);
	evb_u32(&g_b, "flags", VG_O_RDONLY | VG_O_CLOEXEC);
	evb_u32(&g_b, "mode", 0);
	evb_u32(&g_b, "dev", 0x803);
	emit();
}

static void read_exit(int64_t fd, const char *data)
{
	start(VG_EV_READ_X, 1234);
	evb_s64(&g_b, "res", (int64_t)strlen(data));
	evb_bytes(&g_b, "data", data, (uint32_t)strlen(data));
	evb_s64(&g_b, "fd", fd);	/* enter parameters */
	evb_u32(&g_b, "size", 4096);
	emit();
}

static void write_exit(int64_t fd, const char *data)
{
	start(VG_EV_WRITE_X, 1234);
	evb_s64(&g_b, "res", (int64_t)strlen(data));
	evb_bytes(&g_b, "data", data, (uint32_t)strlen(data));
	evb_s64(&g_b, "fd", fd);
	evb_u32(&g_b, "size", (uint32_t)strlen(data));
	emit();
}

static void close_exit(int64_t fd)
{
	start(VG_EV_CLOSE_X, 1234);
	evb_s64(&g_b, "res", 0);
	evb_s64(&g_b, "fd", fd);
	emit();
}

static void socket_exit(int64_t fd)
{
	start(VG_EV_SOCKET_X, 1234);
	evb_s64(&g_b, "fd", fd);
	evb_u32(&g_b, "domain", VG_PF_INET);	/* enter parameters */
	evb_u32(&g_b, "type", 1);		/* SOCK_STREAM */
	evb_u32(&g_b, "proto", 0);
	emit();
}

static void connect_exit(int64_t fd, int64_t res, uint16_t sport, const char *dip, uint16_t dport)
{
	start(VG_EV_CONNECT_X, 1234);
	evb_s64(&g_b, "res", res);
	evb_tuple4(&g_b, "tuple", "10.0.0.9", sport, dip, dport);
	evb_s64(&g_b, "fd", fd);
	evb_sockaddr4(&g_b, "addr", dip, dport);
	emit();
}

static void procexit(void)
{
	start(VG_EV_PROCEXIT_1_E, 1234);
	evb_s64(&g_b, "status", 0);
	evb_s64(&g_b, "ret", 0);
	evb_u8(&g_b, "sig", 0);
	evb_u8(&g_b, "core", 0);
	emit();
}

int main(int argc, char **argv)
{
	char err[512];
	struct state st;

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--control"))) {
		fprintf(stderr, "usage: gen_live_capture OUT.scap [--control]\n");
		return 2;
	}
	g_control = argc == 3;
	build_state(&st);
	g_w = scap_writer__open(argv[1], 0, err, sizeof(err));
	if (!g_w)
		die("open", err);
	if (scap_writer__write_state(g_w, &st, NULL))
		die("state", scap_writer__error(g_w));

	clone_exit(1000, 1234, 800);	/* bash, parent side */
	clone_exit(1234, 0, 1000);	/* the child */
	execve_exit();
	openat_exit(3, "../../etc/hosts");
	read_exit(3, "127.0.0.1 localhost\n");
	close_exit(3);
	socket_exit(3);
	connect_exit(3, 0, 51234, "93.184.216.34", 80);
	write_exit(3, "GET / HTTP/1.1\r\n\r\n");
	close_exit(3);
	socket_exit(4);
	connect_exit(4, -111, 51240, "93.184.216.34", 8080);	/* ECONNREFUSED */
	procexit();

	if (scap_writer__close(g_w, err, sizeof(err)))
		die("close", err);
	evb_fini(&g_b);
	state_fini(&st);
	return 0;
}
