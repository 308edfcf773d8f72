/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_scap_writer.c - unit tests for the capture writer
 * (src/capture/scap_writer.c), read back with vigil's own reader: the state
 * (threads, every fd kind, users, groups, interfaces, machine info) survives
 * a write and a read; libscap 2022's string limits; merged exit events become
 * 2022 enter/exit pairs only when their enter is not in the stream; raw bytes,
 * cpu ids and dump flags are kept; large events use the _LARGE blocks; event
 * codes vigil does not know pass through; gzip; and every error is reported
 * (/dev/full, a missing directory, misuse). Whether sysdig reads what the
 * writer produces is tested by tests/compat (check_scap_writer.py,
 * check_writer_live.py).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "capture/scap.h"
#include "capture/scap_writer.h"
#include "engine/engine.h"
#include "state/state.h"
#include "evbuild.h"

#define STR(s) ((struct scap_str){ (s), (uint32_t)(sizeof(s) - 1) })
#define TS0 1700000000000000000ull

static char g_path[64];

static int setup(void **state)
{
	(void)state;
	snprintf(g_path, sizeof(g_path), "/tmp/vigil-writer-XXXXXX");
	int fd = mkstemp(g_path);
	assert_true(fd >= 0);
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(g_path);
	return 0;
}

/* ===== A state as a /proc scan (or a capture's metadata) gives it ===== */

static void add_proc(struct state *st, uint64_t tid, uint64_t pid, uint64_t ptid, const char *comm, uint32_t uid)
{
	struct scap_proc_entry e;
	memset(&e, 0, sizeof(e));
	e.tid = tid;
	e.pid = pid;
	e.ptid = ptid;
	e.sid = pid;
	e.vpgid = pid;
	e.has_sid = e.has_vpgid = true;
	e.comm = (struct scap_str){ comm, (uint32_t)strlen(comm) };
	e.exe = STR("/usr/bin/prog");
	e.exepath = STR("/usr/bin/prog");
	e.has_exepath = true;
	e.args = STR("-v\0--name=x\0");
	e.cwd = STR("/home/user");
	e.env = STR("HOME=/home/user\0LANG=C\0");
	e.has_env = true;
	e.cgroups = STR("cpu=/docker/0123456789abcdef0123456789abcdef\0memory=/user.slice\0");
	e.root = STR("/");
	e.vtid = (int64_t)tid;
	e.vpid = (int64_t)pid;
	e.has_vids = e.has_root = true;
	e.fdlimit = 1024;
	e.flags = VG_CL_IS_MAIN_THREAD;
	e.uid = uid;
	e.gid = uid + 1;
	e.loginuid = 1000;
	e.has_loginuid = true;
	e.exe_writable = 1;
	e.cap_inheritable = 0x1;
	e.cap_permitted = 0x1ffffffffffull;
	e.cap_effective = 0x3ull;
	e.has_caps = true;
	e.tty = 34817;
	e.has_tty = true;
	e.pidns_init_start_ts = TS0 - 1000;
	e.exe_upper_layer = 1;
	e.exe_ino = 4242;
	e.exe_ino_ctime = TS0 - 5;
	e.exe_ino_mtime = TS0 - 6;
	e.has_exe_ino = true;
	e.pgid = (int64_t)pid;
	e.has_pgid = true;
	assert_int_equal(state_add_proc(st, &e), 0);
}

static void add_fd(struct state *st, uint64_t tid, int64_t fd, uint8_t type, const char *name)
{
	struct scap_fd_entry e;
	memset(&e, 0, sizeof(e));
	e.fd = fd;
	e.ino = 1000 + (uint64_t)fd;
	e.type = type;
	e.name = (struct scap_str){ name, (uint32_t)strlen(name) };
	if (type == SCAP_FD_FILE_V2) {
		e.open_flags = VG_O_RDWR | VG_O_CLOEXEC;
		e.dev = 0x803;
	}
	assert_int_equal(state_add_fd(st, tid, &e), 0);
}

static void add_sock4(struct state *st, uint64_t tid, int64_t fd, uint8_t type, const char *lip, uint16_t lport,
		      const char *rip, uint16_t rport)
{
	struct scap_fd_entry e;
	memset(&e, 0, sizeof(e));
	e.fd = fd;
	e.type = type;
	e.l4proto = L4_TCP;
	inet_pton(AF_INET, lip, e.sip);
	if (rip)
		inet_pton(AF_INET, rip, e.dip);
	e.sport = lport;
	e.dport = rport;
	e.name = STR("");
	assert_int_equal(state_add_fd(st, tid, &e), 0);
}

static void build_state(struct state *st)
{
	state_init(st);
	snprintf(st->hostname, sizeof(st->hostname), "writer-host");
	st->num_cpus = 8;
	st->memory_size = 16ull << 30;
	st->max_pid = 4194304;
	st->boot_ts = TS0 - 3600ull * 1000000000ull;
	add_proc(st, 1, 1, 0, "systemd", 0);
	add_proc(st, 100, 100, 1, "nginx", 33);
	add_proc(st, 101, 100, 1, "nginx", 33);	/* a thread of 100 */
	add_proc(st, 200, 200, 100, "curl", 1000);
	add_fd(st, 100, 0, SCAP_FD_FILE, "/dev/null");
	add_fd(st, 100, 3, SCAP_FD_FILE_V2, "/var/log/nginx/access.log");
	add_fd(st, 100, 4, SCAP_FD_DIRECTORY, "/etc/nginx");
	add_sock4(st, 100, 5, SCAP_FD_IPV4_SERVSOCK, "0.0.0.0", 80, NULL, 0);
	add_sock4(st, 100, 6, SCAP_FD_IPV4_SOCK, "10.0.0.1", 80, "10.0.0.9", 51000);	/* accepted */
	add_sock4(st, 200, 3, SCAP_FD_IPV4_SOCK, "10.0.0.9", 51000, "10.0.0.1", 80);	/* connected */
	add_fd(st, 100, 7, SCAP_FD_FIFO, "pipe:[1234]");
	add_fd(st, 100, 8, SCAP_FD_EVENT, "anon_inode:[eventfd]");
	add_fd(st, 100, 9, SCAP_FD_MEMFD, "memfd:jit");
	struct scap_fd_entry u;
	memset(&u, 0, sizeof(u));
	u.fd = 10;
	u.type = SCAP_FD_UNIX_SOCK;
	u.unix_src = 0xffff888012345678ull;
	u.unix_dst = 0xffff888087654321ull;
	u.name = STR("/run/systemd/journal/stdout");
	assert_int_equal(state_add_fd(st, 100, &u), 0);
	struct scap_fd_entry s6;
	memset(&s6, 0, sizeof(s6));
	s6.fd = 11;
	s6.type = SCAP_FD_IPV6_SOCK;
	s6.l4proto = L4_UDP;
	inet_pton(AF_INET6, "2001:db8::1", s6.sip);
	inet_pton(AF_INET6, "2001:db8::53", s6.dip);
	s6.sport = 40000;
	s6.dport = 53;
	s6.name = STR("");
	assert_int_equal(state_add_fd(st, 100, &s6), 0);

	struct scap_user_entry ue = { .uid = 0, .gid = 0, .name = STR("root"), .home = STR("/root"),
				      .shell = STR("/bin/bash") };
	assert_int_equal(state_add_user(st, &ue), 0);
	ue = (struct scap_user_entry){ .uid = 1000, .gid = 1000, .name = STR("alice"), .home = STR("/home/alice"),
				       .shell = STR("/bin/zsh") };
	assert_int_equal(state_add_user(st, &ue), 0);
	struct scap_group_entry ge = { .gid = 1000, .name = STR("alice") };
	assert_int_equal(state_add_group(st, &ge), 0);
	ge = (struct scap_group_entry){ .gid = 27, .name = STR("sudo") };
	assert_int_equal(state_add_group(st, &ge), 0);

	struct scap_iface_entry ie;
	memset(&ie, 0, sizeof(ie));
	ie.type = SCAP_II_IPV4;
	inet_pton(AF_INET, "127.0.0.1", ie.addr);
	inet_pton(AF_INET, "255.0.0.0", ie.netmask);
	inet_pton(AF_INET, "127.255.255.255", ie.bcast);
	ie.name = STR("lo");
	assert_int_equal(state_add_iface(st, &ie), 0);
	memset(&ie, 0, sizeof(ie));
	ie.type = SCAP_II_IPV6;
	inet_pton(AF_INET6, "fe80::1", ie.addr);
	memset(ie.netmask, 0xff, 8);
	ie.linkspeed = 1000;
	ie.name = STR("eth0");
	assert_int_equal(state_add_iface(st, &ie), 0);
}

/* ===== Reading back ===== */

/* Replay `path` into a fresh engine (caller runs engine_fini()). */
static void read_back(struct engine *e, const char *path)
{
	char err[512];
	engine_init(e, NULL, NULL);
	int rc = engine_replay(e, path, err, sizeof(err));
	if (rc)
		fail_msg("replay of the written capture failed: %s", err);
}

/* Every event of `path` as (block type, event) pairs, with the decoded
 * events' raw bytes copied. Returns the count. */
struct rec {
	uint32_t block;
	uint32_t flags;
	uint16_t cpuid;
	uint16_t type;
	uint32_t nparams;
	uint8_t lenwidth;
	uint8_t *bytes;
	uint32_t len;
};

static size_t read_events(const char *path, struct rec *out, size_t max)
{
	char err[512];
	struct scap_reader *r = scap_reader__open(path, err, sizeof(err));
	struct scap_block b;
	size_t n = 0;
	int rc;

	if (!r)
		fail_msg("%s", err);
	while ((rc = scap_reader__next_block(r, &b)) > 0) {
		if (!scap_block_is_event(b.type))
			continue;
		struct event ev;
		int prc = scap_parse_event(&b, &ev, err, sizeof(err));
		assert_true(prc == 0 || prc == -ENOENT);
		assert_true(n < max);
		out[n].block = b.type;
		out[n].flags = ev.dump_flags;
		out[n].cpuid = ev.cpuid;
		out[n].type = ev.type;
		out[n].nparams = prc ? 0 : ev.nparams;
		out[n].lenwidth = ev.lenwidth;
		out[n].len = ev.rawlen;
		out[n].bytes = malloc(ev.rawlen);
		memcpy(out[n].bytes, ev.raw, ev.rawlen);
		n++;
	}
	assert_int_equal(rc, 0);
	scap_reader__free(r);
	return n;
}

static void free_recs(struct rec *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(r[i].bytes);
}

static void assert_str_eq(const char *a, const char *b)
{
	assert_string_equal(a ? a : "", b ? b : "");
}

static void assert_thread_eq(const struct thread *a, const struct thread *b, bool current)
{
	assert_int_equal(a->pid, b->pid);
	assert_int_equal(a->ptid, b->ptid);
	assert_int_equal(a->sid, b->sid);
	assert_int_equal(a->vpgid, b->vpgid);
	assert_int_equal(a->vtid, b->vtid);
	assert_int_equal(a->vpid, b->vpid);
	assert_str_eq(a->comm, b->comm);
	assert_str_eq(a->exe, b->exe);
	assert_str_eq(a->exepath, b->exepath);
	assert_str_eq(a->cwd, b->cwd);
	assert_str_eq(a->root, b->root);
	assert_int_equal(a->args_len, b->args_len);
	assert_memory_equal(a->args, b->args, a->args_len);
	assert_int_equal(a->env_len, b->env_len);
	assert_memory_equal(a->env, b->env, a->env_len);
	assert_int_equal(a->cgroups_len, b->cgroups_len);
	assert_memory_equal(a->cgroups, b->cgroups, a->cgroups_len);
	assert_int_equal(a->uid, b->uid);
	assert_int_equal(a->gid, b->gid);
	assert_int_equal(a->loginuid, b->loginuid);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->fdlimit, b->fdlimit);
	assert_int_equal(a->exe_writable, b->exe_writable);
	assert_int_equal(a->cap_inheritable, b->cap_inheritable);
	assert_int_equal(a->cap_permitted, b->cap_permitted);
	assert_int_equal(a->cap_effective, b->cap_effective);
	if (current) {
		assert_int_equal(a->tty, b->tty);
		assert_int_equal(a->pidns_init_start_ts, b->pidns_init_start_ts);
		assert_int_equal(a->exe_upper_layer, b->exe_upper_layer);
		assert_int_equal(a->exe_ino, b->exe_ino);
		assert_int_equal(a->exe_ino_ctime, b->exe_ino_ctime);
		assert_int_equal(a->exe_ino_mtime, b->exe_ino_mtime);
		assert_int_equal(a->pgid, b->pgid);
	} else {
		/* the 2022 layout does not carry them */
		assert_int_equal(b->tty, 0);
		assert_int_equal(b->exe_ino, 0);
		assert_int_equal(b->pgid, -1);
	}
}

static void assert_fd_eq(const struct fdinfo *a, const struct fdinfo *b)
{
	assert_int_equal(a->fd, b->fd);
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->l4proto, b->l4proto);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->open_flags, b->open_flags);
	assert_int_equal(a->dev, b->dev);
	assert_int_equal(a->ino, b->ino);
	assert_memory_equal(a->sip, b->sip, 16);
	assert_memory_equal(a->dip, b->dip, 16);
	assert_int_equal(a->sport, b->sport);
	assert_int_equal(a->dport, b->dport);
	assert_int_equal(a->unix_src, b->unix_src);
	assert_int_equal(a->unix_dst, b->unix_dst);
	assert_string_equal(a->name, b->name);
}

static void check_state_round_trip(unsigned flags)
{
	struct state st;
	struct engine e;
	char err[512];

	build_state(&st);
	struct scap_writer *w = scap_writer__open(g_path, flags, err, sizeof(err));
	assert_non_null(w);
	assert_true(scap_writer__wants_state(w));
	assert_int_equal(scap_writer__write_state(w, &st, NULL), 0);
	assert_false(scap_writer__wants_state(w));
	assert_int_equal(scap_writer__stats(w)->threads, 4);
	assert_int_equal(scap_writer__close(w, err, sizeof(err)), 0);

	read_back(&e, g_path);
	const struct state *r = &e.st;
	assert_string_equal(r->hostname, "writer-host");
	assert_int_equal(r->num_cpus, 8);
	assert_int_equal(r->memory_size, st.memory_size);
	assert_int_equal(r->max_pid, st.max_pid);
	assert_int_equal(r->boot_ts, st.boot_ts);
	assert_int_equal(r->threads.len, st.threads.len);
	for (size_t i = 0; i < st.threads.cap; i++) {
		struct thread *a = st.threads.vals[i];
		if (!a)
			continue;
		struct thread *b = state_thread(r, a->tid);
		assert_non_null(b);
		assert_thread_eq(a, b, flags & SCAP_W_CURRENT_LIBS);
		/* fd tables: the process's, shared by its threads */
		struct thread *ma = state_main_thread(&st, a), *mb = state_main_thread(r, b);
		assert_int_equal(ma->fdt->fds.len, mb->fdt->fds.len);
		for (size_t j = 0; j < ma->fdt->fds.cap; j++) {
			struct fdinfo *fa = ma->fdt->fds.vals[j];
			if (fa && (fa->kind <= FDK_FILE_V2 || (flags & SCAP_W_CURRENT_LIBS)))
				assert_fd_eq(fa, state_fd(mb, fa->fd));
		}
	}
	assert_int_equal(r->users.len, 2);
	assert_string_equal(state_user(r, 1000)->name, "alice");
	assert_string_equal(state_user(r, 1000)->home, "/home/alice");
	assert_string_equal(state_user(r, 1000)->shell, "/bin/zsh");
	assert_int_equal(state_user(r, 1000)->gid, 1000);
	assert_string_equal(state_group(r, 27)->name, "sudo");
	assert_int_equal(r->nifaces, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(r->ifaces[i].type, st.ifaces[i].type);
		assert_memory_equal(r->ifaces[i].addr, st.ifaces[i].addr, 16);
		assert_memory_equal(r->ifaces[i].netmask, st.ifaces[i].netmask, 16);
		assert_memory_equal(r->ifaces[i].bcast, st.ifaces[i].bcast, 16);
		assert_int_equal(r->ifaces[i].linkspeed, st.ifaces[i].linkspeed);
		assert_string_equal(r->ifaces[i].name, st.ifaces[i].name);
	}
	/* sockets keep their (client, server) orientation and role */
	struct fdinfo *acc = state_fd(state_thread(r, 100), 6);
	assert_string_equal(acc->name, "10.0.0.9:51000->10.0.0.1:80");
	assert_true(acc->flags & FDF_ROLE_SERVER);
	struct fdinfo *con = state_fd(state_thread(r, 200), 3);
	assert_string_equal(con->name, "10.0.0.9:51000->10.0.0.1:80");
	assert_true(con->flags & FDF_ROLE_CLIENT);
	/* fd types libs 2022 do not know: "unsupported" unless for current libs */
	struct fdinfo *mem = state_fd(state_thread(r, 100), 9);
	assert_int_equal(mem->kind, flags & SCAP_W_CURRENT_LIBS ? FDK_MEMFD : FDK_UNSUPPORTED);
	assert_string_equal(mem->name, "memfd:jit");
	engine_fini(&e);
	state_fini(&st);
}

static void test_state_round_trip(void **state)
{
	(void)state;
	check_state_round_trip(0);
}

static void test_state_round_trip_current_layout(void **state)
{
	(void)state;
	check_state_round_trip(SCAP_W_CURRENT_LIBS);
}

/* The process-list block is the one libscap 2022 writes (2022 layout). */
static void test_proclist_layout(void **state)
{
	(void)state;
	struct state st;
	char err[512];
	state_init(&st);
	add_proc(&st, 42, 42, 1, "x", 0);
	struct scap_writer *w = scap_writer__open(g_path, 0, err, sizeof(err));
	assert_int_equal(scap_writer__write_state(w, &st, NULL), 0);
	assert_int_equal(scap_writer__close(w, err, sizeof(err)), 0);

	struct scap_reader *r = scap_reader__open(g_path, err, sizeof(err));
	struct scap_block b;
	uint16_t major, minor;
	scap_reader__version(r, &major, &minor);
	assert_int_equal(major, 1);
	assert_int_equal(minor, 2);
	const uint32_t want[] = { SCAP_BT_SHB, SCAP_BT_MI, SCAP_BT_PL_V9 };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(scap_reader__next_block(r, &b), 1);
		assert_int_equal(b.type, want[i]);
		if (b.type == SCAP_BT_MI)
			assert_int_equal(b.total_len, 192);
	}
	/* entry: len, 5 ids, comm "x", exe, exepath, args, cwd, fdlimit .. pfminor,
	 * env, vtid, vpid, cgroups, root, then exactly 29 bytes */
	uint32_t elen;
	memcpy(&elen, b.body, 4);
	size_t fixed = 4 + 40 + (2 + 1) + (2 + 13) + (2 + 13) + (2 + 12) + (2 + 11) + 48 + (2 + 23) + 16 +
		       (2 + 64) + (2 + 1) + 29;
	assert_int_equal(elen, fixed);
	assert_int_equal(scap_reader__next_block(r, &b), 0);
	scap_reader__free(r);
	state_fini(&st);
}

/* Strings longer than libscap 2022 accepts are cut to its limits. */
static void test_string_limits(void **state)
{
	(void)state;
	struct state st;
	struct engine e;
	char err[512];
	char longname[3000], env[5000], user[300];

	state_init(&st);
	memset(longname, 'a', sizeof(longname));
	longname[0] = '/';
	longname[sizeof(longname) - 1] = 0;
	/* 49 elements of 100 bytes: the cut falls after the 40th (4000 bytes) */
	for (int i = 0; i < 49; i++) {
		memset(env + 100 * i, 'A' + i % 26, 99);
		env[100 * i + 99] = 0;
	}
	memset(user, 'u', sizeof(user));
	user[sizeof(user) - 1] = 0;
	struct scap_proc_entry p;
	memset(&p, 0, sizeof(p));
	p.tid = p.pid = 7;
	p.comm = (struct scap_str){ longname, 2999 };
	p.env = (struct scap_str){ env, 4900 };
	p.has_env = true;
	assert_int_equal(state_add_proc(&st, &p), 0);
	add_fd(&st, 7, 3, SCAP_FD_FILE_V2, longname);
	struct scap_user_entry ue = { .uid = 5, .name = { user, 299 } };
	assert_int_equal(state_add_user(&st, &ue), 0);

	struct scap_writer *w = scap_writer__open(g_path, 0, err, sizeof(err));
	assert_int_equal(scap_writer__write_state(w, &st, NULL), 0);
	assert_int_equal(scap_writer__close(w, err, sizeof(err)), 0);
	read_back(&e, g_path);
	struct thread *t = state_thread(&e.st, 7);
	assert_int_equal(strlen(t->comm), 1024);
	assert_int_equal(t->env_len, 4000);
	assert_memory_equal(t->env, env, 4000);
	assert_int_equal(strlen(state_fd(t, 3)->name), 1023);
	assert_int_equal(strlen(state_user(&e.st, 5)->name), 255);
	engine_fini(&e);
	state_fini(&st);
}

/* ===== Events ===== */

static struct scap_writer *open_with_state(void)
{
	char err[512];
	struct state st;
	state_init(&st);
	add_proc(&st, 300, 300, 1, "curl", 1000);
	struct scap_writer *w = scap_writer__open(g_path, 0, err, sizeof(err));
	assert_non_null(w);
	assert_int_equal(scap_writer__write_state(w, &st, NULL), 0);
	state_fini(&st);
	return w;
}

static void close_ok(struct scap_writer *w)
{
	char err[512];
	int rc = scap_writer__close(w, err, sizeof(err));
	if (rc)
		fail_msg("%s", err);
}

/* A merged connect exit (res, tuple, fd, addr): what live capture emits. */
static struct event *merged_connect(struct evbuild *b, int64_t tid, uint64_t ts)
{
	evb_init(b, VG_EV_CONNECT_X, tid, ts);
	b->cpuid = 3;
	evb_s64(b, "res", 0);
	evb_tuple4(b, "tuple", "10.0.0.9", 51000, "93.184.216.34", 443);
	evb_s64(b, "fd", 5);
	evb_sockaddr4(b, "addr", "93.184.216.34", 443);
	return evb_event(b, 0);
}

static const struct ev_param *rec_param(const struct rec *r, uint32_t i, struct ev_param *out)
{
	const uint8_t *p = r->bytes;
	uint32_t off = VG_EVT_HDR_SIZE + r->nparams * r->lenwidth;
	for (uint32_t k = 0; k <= i; k++) {
		uint32_t len = 0;
		memcpy(&len, p + VG_EVT_HDR_SIZE + k * r->lenwidth, r->lenwidth);
		if (k == i) {
			out->val = len ? p + off : NULL;
			out->len = len;
			return out;
		}
		off += len;
	}
	return NULL;
}

static void test_merged_exit_becomes_pair(void **state)
{
	(void)state;
	struct evbuild b = { 0 };
	struct rec recs[8];
	struct ev_param p;
	struct scap_writer *w = open_with_state();

	struct event *ev = merged_connect(&b, 300, TS0 + 10);
	assert_int_equal(ev->nparams, 4);
	assert_int_equal(ev_exit_native_nparams(VG_EV_CONNECT_X), 2);
	assert_int_equal(scap_writer__write_event(w, ev), 0);
	assert_int_equal(scap_writer__stats(w)->enters_added, 1);
	assert_int_equal(scap_writer__stats(w)->events, 2);
	close_ok(w);

	size_t n = read_events(g_path, recs, 8);
	assert_int_equal(n, 2);
	/* the enter: connect_e (fd, addr) taken by name, same tid, cpu and time */
	assert_int_equal(recs[0].type, VG_EV_CONNECT_E);
	assert_int_equal(recs[0].nparams, 2);
	assert_int_equal(recs[0].block, SCAP_BT_EV_V2);
	assert_int_equal(recs[0].cpuid, 3);
	assert_memory_equal(recs[0].bytes, &ev->ts, 8);
	assert_memory_equal(recs[0].bytes + 8, &ev->tid, 8);
	rec_param(&recs[0], 0, &p);
	assert_int_equal(p.len, 8);
	assert_memory_equal(p.val, ev->params[2].val, 8);
	rec_param(&recs[0], 1, &p);
	assert_int_equal(p.len, ev->params[3].len);
	assert_memory_equal(p.val, ev->params[3].val, p.len);
	/* the exit: the 2022 parameters only */
	assert_int_equal(recs[1].type, VG_EV_CONNECT_X);
	assert_int_equal(recs[1].nparams, 2);
	rec_param(&recs[1], 1, &p);
	assert_memory_equal(p.val, ev->params[1].val, 13);
	free_recs(recs, n);

	/* vigil reads the pair back as the one syscall it was */
	struct engine e;
	char out[1024] = "";
	FILE *f = fmemopen(out, sizeof(out), "w");
	engine_init(&e, NULL, NULL);
	char err[256];
	assert_int_equal(engine_set_print(&e, "%evt.type %evt.rawarg.fd %fd.name %evt.rawres", NULL, f, err, sizeof(err)),
			 0);
	assert_int_equal(engine_replay(&e, g_path, err, sizeof(err)), 0);
	fclose(f);
	assert_string_equal(out, "connect 5 10.0.0.9:51000->93.184.216.34:443 0\n");
	engine_fini(&e);
	evb_fini(&b);
}

/* An exit whose enter was written just before is written as it is. */
static void test_enter_in_stream(void **state)
{
	(void)state;
	struct evbuild be = { 0 }, bx = { 0 }, bo = { 0 };
	struct rec recs[8];
	struct scap_writer *w = open_with_state();

	evb_init(&be, VG_EV_CONNECT_E, 300, TS0 + 1);
	evb_s64(&be, "fd", 5);
	evb_sockaddr4(&be, "addr", "93.184.216.34", 443);
	assert_int_equal(scap_writer__write_event(w, evb_event(&be, 0)), 0);
	/* another thread's events in between do not matter */
	evb_init(&bo, VG_EV_CLOSE_X, 301, TS0 + 2);
	evb_s64(&bo, "res", 0);
	evb_s64(&bo, "fd", 9);
	assert_int_equal(scap_writer__write_event(w, evb_event(&bo, 0)), 0);
	assert_int_equal(scap_writer__write_event(w, merged_connect(&bx, 300, TS0 + 3)), 0);
	/* a native (2022) exit without an enter: as it is, nothing to pair */
	evb_init(&bo, VG_EV_CONNECT_X, 300, TS0 + 4);
	evb_s64(&bo, "res", -111);
	assert_int_equal(scap_writer__write_event(w, evb_event(&bo, 2)), 0);
	assert_int_equal(scap_writer__stats(w)->enters_added, 1);	/* close_x 301: merged, no enter */
	close_ok(w);

	size_t n = read_events(g_path, recs, 8);
	assert_int_equal(n, 5);
	assert_int_equal(recs[0].type, VG_EV_CONNECT_E);
	assert_int_equal(recs[1].type, VG_EV_CLOSE_E);
	assert_int_equal(recs[2].type, VG_EV_CLOSE_X);
	assert_int_equal(recs[3].type, VG_EV_CONNECT_X);
	assert_int_equal(recs[3].nparams, 4);	/* untouched: its enter is there */
	assert_int_equal(recs[3].len, bx.ev.rawlen);
	assert_memory_equal(recs[3].bytes, bx.ev.raw, bx.ev.rawlen);
	assert_int_equal(recs[4].type, VG_EV_CONNECT_X);
	assert_int_equal(recs[4].nparams, 2);
	free_recs(recs, n);
	evb_fini(&be);
	evb_fini(&bx);
	evb_fini(&bo);
}

/* cpu ids and dump flags are kept; flags make EVF blocks, SCAP_DF_LARGE is a
 * block property only; events larger than a 64 KiB block use _LARGE blocks;
 * large-payload events keep 4-byte lengths. */
static void test_blocks_flags_large(void **state)
{
	(void)state;
	struct evbuild b = { 0 };
	struct rec recs[8];
	static char big[40000];
	struct scap_writer *w = open_with_state();

	evb_init(&b, VG_EV_CLOSE_E, 300, TS0);
	evb_s64(&b, "fd", 3);
	b.cpuid = 7;
	b.dump_flags = SCAP_DF_STATE_ONLY | SCAP_DF_LARGE;
	assert_int_equal(scap_writer__write_event(w, evb_event(&b, 0)), 0);

	memset(big, 'p', sizeof(big) - 1);
	big[0] = '/';
	evb_init(&b, VG_EV_RENAME_X, 300, TS0 + 1);
	evb_s64(&b, "res", 0);
	evb_str(&b, "oldpath", big);
	evb_str(&b, "newpath", big);
	assert_int_equal(scap_writer__write_event(w, evb_event(&b, 3)), 0);

	evb_init(&b, VG_EV_ASYNCEVENT_E, 0, TS0 + 2);
	evb_u32(&b, "plugin_id", 0);
	evb_str(&b, "name", "container");
	static char json[100000];
	memset(json, '{', sizeof(json) - 1);
	evb_str(&b, "data", json);
	assert_int_equal(scap_writer__write_event(w, evb_event(&b, 0)), 0);
	close_ok(w);

	size_t n = read_events(g_path, recs, 8);
	assert_int_equal(n, 3);
	assert_int_equal(recs[0].block, SCAP_BT_EVF_V2);
	assert_int_equal(recs[0].flags, SCAP_DF_STATE_ONLY);
	assert_int_equal(recs[0].cpuid, 7);
	assert_int_equal(recs[1].block, SCAP_BT_EV_V2_LARGE);
	assert_int_equal(recs[1].lenwidth, 2);
	assert_int_equal(recs[1].len, VG_EVT_HDR_SIZE + 3 * 2 + 8 + 2 * sizeof(big));
	assert_int_equal(recs[2].block, SCAP_BT_EV_V2_LARGE);
	assert_int_equal(recs[2].type, VG_EV_ASYNCEVENT_E);
	assert_int_equal(recs[2].lenwidth, 4);
	free_recs(recs, n);
	evb_fini(&b);
}

/* Event codes vigil does not know pass through byte for byte; v1 events (no
 * nparams in the header) are written as v2. */
static void test_unknown_and_v1_events(void **state)
{
	(void)state;
	struct rec recs[4];
	uint8_t raw[26 + 2 + 4];
	uint64_t ts = TS0;
	int64_t tid = 300;
	uint32_t len = sizeof(raw), np = 1;
	uint16_t type = 700, plen = 4;
	memcpy(raw, &ts, 8);
	memcpy(raw + 8, &tid, 8);
	memcpy(raw + 16, &len, 4);
	memcpy(raw + 20, &type, 2);
	memcpy(raw + 22, &np, 4);
	memcpy(raw + 26, &plen, 2);
	memcpy(raw + 28, "abcd", 4);
	struct event ev;
	const char *why;
	assert_int_equal(event_decode(&ev, raw, len, VG_EVT_HDR_SIZE, &why), -ENOENT);
	ev.cpuid = 1;
	ev.dump_flags = 0;

	/* a v1 close exit: 22-byte header, nparams inferred */
	uint8_t v1[22 + 2 + 8];
	uint32_t v1len = sizeof(v1);
	uint16_t v1type = VG_EV_CLOSE_X, v1plen = 8;
	int64_t res = 0;
	memcpy(v1, &ts, 8);
	memcpy(v1 + 8, &tid, 8);
	memcpy(v1 + 16, &v1len, 4);
	memcpy(v1 + 20, &v1type, 2);
	memcpy(v1 + 22, &v1plen, 2);
	memcpy(v1 + 24, &res, 8);
	struct event e1;
	assert_int_equal(event_decode(&e1, v1, v1len, 22, &why), 0);
	e1.cpuid = 2;
	e1.dump_flags = 0;

	struct scap_writer *w = open_with_state();
	assert_int_equal(scap_writer__write_event(w, &ev), 0);
	assert_int_equal(scap_writer__write_event(w, &e1), 0);
	close_ok(w);
	size_t n = read_events(g_path, recs, 4);
	assert_int_equal(n, 2);
	assert_int_equal(recs[0].type, 700);
	assert_int_equal(recs[0].len, sizeof(raw));
	assert_memory_equal(recs[0].bytes, raw, sizeof(raw));
	assert_int_equal(recs[1].block, SCAP_BT_EV_V2);
	assert_int_equal(recs[1].type, VG_EV_CLOSE_X);
	assert_int_equal(recs[1].nparams, 1);
	assert_int_equal(recs[1].len, sizeof(v1) + 4);
	free_recs(recs, n);
}

static void test_gzip(void **state)
{
	(void)state;
	char gz[80], err[512];
	struct evbuild b = { 0 };
	struct rec recs[4];
	snprintf(gz, sizeof(gz), "%s.gz", g_path);
	for (int mode = 0; mode < 2; mode++) {
		const char *path = mode ? g_path : gz;	/* by name, then by flag */
		struct scap_writer *w = scap_writer__open(path, mode ? SCAP_W_GZIP : 0, err, sizeof(err));
		assert_non_null(w);
		assert_int_equal(scap_writer__write_event(w, merged_connect(&b, 300, TS0)), 0);
		assert_int_equal(scap_writer__close(w, err, sizeof(err)), 0);
		FILE *f = fopen(path, "rb");
		unsigned char magic[2];
		assert_int_equal(fread(magic, 1, 2, f), 2);
		fclose(f);
		assert_int_equal(magic[0], 0x1f);
		assert_int_equal(magic[1], 0x8b);
		assert_int_equal(read_events(path, recs, 4), 2);
		free_recs(recs, 2);
	}
	unlink(gz);
	evb_fini(&b);
}

/* ===== Errors ===== */

static void test_write_error_dev_full(void **state)
{
	(void)state;
	char err[512];
	struct state st;
	build_state(&st);
	for (int gz = 0; gz < 2; gz++) {
		struct scap_writer *w = scap_writer__open("/dev/full", gz ? SCAP_W_GZIP : 0, err, sizeof(err));
		assert_non_null(w);
		/* buffered: the state fits in the buffer, the error shows at the latest on close */
		int rc = scap_writer__write_state(w, &st, NULL);
		assert_true(rc == 0 || rc == -ENOSPC);
		assert_int_equal(scap_writer__close(w, err, sizeof(err)), -ENOSPC);
		assert_non_null(strstr(err, "/dev/full: write error: No space left on device"));
		assert_non_null(strstr(err, "the capture is incomplete"));
	}
	/* an error in the middle is sticky: nothing more is written */
	struct scap_writer *w = scap_writer__open("/dev/full", 0, err, sizeof(err));
	struct evbuild b = { 0 };
	static char big[60000];
	memset(big, 'x', sizeof(big) - 1);
	int rc = 0;
	for (int i = 0; i < 20 && !rc; i++) {
		evb_init(&b, VG_EV_RENAME_X, 300, TS0 + (uint64_t)i);
		evb_str(&b, "oldpath", big);
		rc = scap_writer__write_event(w, evb_event(&b, 3));
	}
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(scap_writer__write_event(w, evb_event(&b, 3)), -ENOSPC);
	assert_string_equal(scap_writer__error(w), "No space left on device");
	assert_int_equal(scap_writer__close(w, err, sizeof(err)), -ENOSPC);
	evb_fini(&b);
	state_fini(&st);
}

static void test_open_error_and_misuse(void **state)
{
	(void)state;
	char err[512];
	errno = 0;
	assert_null(scap_writer__open("/nonexistent-dir/out.scap", 0, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_string_equal(err, "/nonexistent-dir/out.scap: cannot create: No such file or directory");

	/* the state goes before the events, once */
	struct evbuild b = { 0 };
	struct state st;
	state_init(&st);
	struct scap_writer *w = scap_writer__open(g_path, 0, err, sizeof(err));
	assert_int_equal(scap_writer__write_event(w, merged_connect(&b, 300, TS0)), 0);
	assert_false(scap_writer__wants_state(w));
	assert_int_equal(scap_writer__write_state(w, &st, NULL), -EINVAL);
	assert_int_equal(scap_writer__close(w, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "the state is written once, before the first event"));

	/* a parameter too long for its 16-bit length */
	w = scap_writer__open(g_path, 0, err, sizeof(err));
	struct event ev = *merged_connect(&b, 300, TS0);
	ev.raw = NULL;	/* not from a v2 block: encoded from its parameters */
	ev.params[1].len = 70000;
	assert_int_equal(scap_writer__write_event(w, &ev), -EINVAL);
	assert_int_equal(scap_writer__close(w, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "do not fit its 16-bit length"));
	assert_int_equal(scap_writer__close(NULL, err, sizeof(err)), 0);
	state_fini(&st);
	evb_fini(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_state_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_round_trip_current_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proclist_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_string_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merged_exit_becomes_pair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enter_in_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocks_flags_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_and_v1_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_error_dev_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_error_and_misuse, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
