/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proc_scan_fd.c - the fds of a process for the /proc scanner: each entry
 * of <pid>/fd becomes the scap_fd_entry a capture's FDL_V2 block would hold
 * (kind from the target's file type and link name, open flags and mount
 * device from fdinfo and mountinfo) and goes to state_add_fd(). Sockets are
 * resolved by inode in the socket tables of the process's network
 * namespace (net/{tcp,udp,raw,unix,netlink,tcp6,udp6,raw6}), read the first
 * time a process of that namespace has a socket and kept for the scan.
 *
 * Tuples are stored as libscap stores them: addresses in network byte order
 * (v4 in the first 4 bytes), ports in host order, (local, remote); a socket
 * whose remote address is all zeroes is a server socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "capture/scap.h"
#include "common/xalloc.h"
#include "state/proc_scan_int.h"
#include "state/state.h"
#include "vigil/events.h"

/* A socket of a namespace's tables. */
struct sock_ent {
	uint8_t type;		/* enum scap_fd_type */
	uint8_t l4proto;
	uint16_t sport, dport;
	uint8_t sip[16], dip[16];
	uint64_t unix_src;
	char *name;		/* unix: the path column, or NULL */
};

struct pscan_socks {
	struct u64map by_ino;	/* socket inode -> struct sock_ent * */
};

/* ------------------------------------------------------------------------
 * Socket tables
 * ------------------------------------------------------------------------ */

static void sock_put(struct pscan_socks *t, uint64_t ino, struct sock_ent *se)
{
	struct sock_ent *old = u64map_put(&t->by_ino, ino, se);
	if (old) {
		free(old->name);
		free(old);
	}
}

/* Skip n blank-separated fields. */
static const char *skip_fields(const char *p, int n)
{
	while (n-- > 0) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return NULL;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	return p;
}

/* "HHHHHHHH:PPPP" (v4) or 32 hex digits and a port (v6): the kernel prints
 * each 32-bit word of the address as a number, so storing the numbers
 * back in memory order gives the network-order bytes. */
static bool parse_endpoint(const char **pp, bool v6, uint8_t *ip, uint16_t *port)
{
	const char *p = *pp;
	while (*p == ' ')
		p++;
	for (int w = 0; w < (v6 ? 4 : 1); w++) {
		uint32_t v = 0;
		for (int i = 0; i < 8; i++, p++) {
			int dg = *p >= '0' && *p <= '9' ? *p - '0'
			       : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10
			       : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
			if (dg < 0)
				return false;
			v = v << 4 | (uint32_t)dg;
		}
		memcpy(ip + 4 * w, &v, 4);
	}
	uint64_t pv;
	if (*p++ != ':' || !pscan_num(&p, 16, &pv))
		return false;
	*port = (uint16_t)pv;
	*pp = p;
	return true;
}

struct inet_load {
	struct pscan_socks *t;
	uint8_t l4proto;
	bool v6;
};

/* "  sl  local_address rem_address st tx_queue:rx_queue tr:tm->when
 *  retrnsmt uid timeout inode ..." of net/{tcp,udp,raw}[6]. */
static int inet_line(void *ud, char *line, size_t len)
{
	struct inet_load *l = ud;
	const char *p = line;
	uint64_t sl, ino;
	uint8_t sip[16] = { 0 }, dip[16] = { 0 };
	uint16_t sport, dport;
	(void)len;
	if (!pscan_num(&p, 10, &sl) || *p++ != ':')
		return 0;	/* the header */
	if (!parse_endpoint(&p, l->v6, sip, &sport) || !parse_endpoint(&p, l->v6, dip, &dport))
		return 0;
	p = skip_fields(p, 6);
	if (!p || !pscan_num(&p, 10, &ino) || !ino)
		return 0;	/* TIME_WAIT and such: no inode, no fd */

	static const uint8_t zero[16];
	struct sock_ent *se = xcalloc(1, sizeof(*se));
	se->l4proto = l->l4proto;
	memcpy(se->sip, sip, 16);
	se->sport = sport;
	if (!memcmp(dip, zero, l->v6 ? 16 : 4)) {
		se->type = l->v6 ? SCAP_FD_IPV6_SERVSOCK : SCAP_FD_IPV4_SERVSOCK;
	} else {
		se->type = l->v6 ? SCAP_FD_IPV6_SOCK : SCAP_FD_IPV4_SOCK;
		memcpy(se->dip, dip, 16);
		se->dport = dport;
	}
	sock_put(l->t, ino, se);
	return 0;
}

/* "Num RefCount Protocol Flags Type St Inode Path" of net/unix. */
static int unix_line(void *ud, char *line, size_t len)
{
	struct pscan_socks *t = ud;
	const char *p = line;
	uint64_t num, ino;
	(void)len;
	if (!pscan_num(&p, 16, &num) || *p++ != ':')
		return 0;	/* the header */
	p = skip_fields(p, 5);
	if (!p || !pscan_num(&p, 10, &ino))
		return 0;
	while (*p == ' ')
		p++;
	struct sock_ent *se = xcalloc(1, sizeof(*se));
	se->type = SCAP_FD_UNIX_SOCK;
	se->unix_src = num;
	se->name = *p ? xstrdup(p) : NULL;
	sock_put(t, ino, se);
	return 0;
}

/* "sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode" of net/netlink.
 * libscap files netlink sockets as unix sockets with no address and no
 * name, and captures carry them that way. */
static int netlink_line(void *ud, char *line, size_t len)
{
	struct pscan_socks *t = ud;
	const char *p = line;
	uint64_t sk, ino;
	(void)len;
	if (!pscan_num(&p, 16, &sk) || (*p != ' ' && *p != '\t'))
		return 0;	/* the header */
	p = skip_fields(p, 8);
	if (!p || !pscan_num(&p, 10, &ino))
		return 0;
	struct sock_ent *se = xcalloc(1, sizeof(*se));
	se->type = SCAP_FD_UNIX_SOCK;
	sock_put(t, ino, se);
	return 0;
}

/* The socket tables of the network namespace of the process in piddir. */
static struct pscan_socks *socks_of(struct pscan *c, int piddir)
{
	struct stat st;
	uint64_t ns = fstatat(piddir, "ns/net", &st, 0) == 0 ? (uint64_t)st.st_ino : 0;
	struct pscan_socks *t = u64map_get(&c->socks, ns);
	if (t)
		return t;
	t = xcalloc(1, sizeof(*t));
	u64map_init(&t->by_ino);
	u64map_put(&c->socks, ns, t);

	/* a namespace we cannot name: the tables of procfs's own net/, as
	 * libscap falls back to /proc/net */
	int dir = ns ? piddir : c->procfd;
	static const struct {
		const char *file;
		uint8_t l4proto;
		bool v6;
	} inet[] = {
		{ "net/tcp", L4_TCP, false }, { "net/udp", L4_UDP, false }, { "net/raw", L4_RAW, false },
		{ "net/tcp6", L4_TCP, true }, { "net/udp6", L4_UDP, true }, { "net/raw6", L4_RAW, true },
	};
	for (size_t i = 0; i < sizeof(inet) / sizeof(inet[0]); i++) {
		struct inet_load l = { t, inet[i].l4proto, inet[i].v6 };
		pscan_each_line(dir, inet[i].file, c->big, c->bigcap, inet_line, &l);
	}
	pscan_each_line(dir, "net/unix", c->big, c->bigcap, unix_line, t);
	pscan_each_line(dir, "net/netlink", c->big, c->bigcap, netlink_line, t);
	return t;
}

void pscan_socks_free(struct pscan *c)
{
	for (size_t i = 0; i < c->socks.cap; i++) {
		struct pscan_socks *t = c->socks.vals[i];
		if (!t)
			continue;
		for (size_t j = 0; j < t->by_ino.cap; j++) {
			struct sock_ent *se = t->by_ino.vals[j];
			if (se) {
				free(se->name);
				free(se);
			}
		}
		u64map_fini(&t->by_ino);
		free(t);
	}
	u64map_fini(&c->socks);
}

/* ------------------------------------------------------------------------
 * fds
 * ------------------------------------------------------------------------ */

/* Kernel open flags (fdinfo "flags:", octal) as VG_O_* flags, bit for bit
 * as libscap converts them with the C library's O_* values (O_SYNC and
 * O_TMPFILE include O_DSYNC and O_DIRECTORY; O_LARGEFILE is 0 on 64-bit,
 * so never reported). */
static uint32_t open_flags_to_vg(uint64_t f)
{
	static const struct {
		uint64_t o;
		uint32_t vg;
	} map[] = {
		{ O_CREAT, VG_O_CREAT },	 { O_TMPFILE, VG_O_TMPFILE },	{ O_APPEND, VG_O_APPEND },
		{ O_DSYNC, VG_O_DSYNC },	 { O_EXCL, VG_O_EXCL },		{ O_NONBLOCK, VG_O_NONBLOCK },
		{ O_SYNC, VG_O_SYNC },		 { O_TRUNC, VG_O_TRUNC },	{ O_DIRECT, VG_O_DIRECT },
		{ O_DIRECTORY, VG_O_DIRECTORY }, { O_LARGEFILE, VG_O_LARGEFILE }, { O_CLOEXEC, VG_O_CLOEXEC },
	};
	uint32_t r;
	switch (f & O_ACCMODE) {
	case O_WRONLY: r = VG_O_WRONLY; break;
	case O_RDWR: r = VG_O_RDWR; break;
	default: r = VG_O_RDONLY; break;
	}
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].o && (f & map[i].o))
			r |= map[i].vg;
	return r;
}

/* Open flags and mount device of a file fd, from fdinfo/<fd>. */
static void file_fdinfo(struct pscan *c, int piddir, const char *fdname, struct scap_fd_entry *e)
{
	char path[32], buf[512];
	snprintf(path, sizeof(path), "fdinfo/%s", fdname);
	if (pscan_read(piddir, path, buf, sizeof(buf)) <= 0)
		return;
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		const char *v;
		uint64_t n;
		if (!strncmp(line, "flags:", 6)) {
			v = line + 6;
			if (pscan_num(&v, 8, &n))
				e->open_flags = open_flags_to_vg(n);
		} else if (!strncmp(line, "mnt_id:", 7)) {
			v = line + 7;
			const struct pscan_mount *m = pscan_num(&v, 10, &n) ? pscan_mount(c, piddir, n) : NULL;
			if (m)
				e->dev = m->dev;
		}
		line = nl ? nl + 1 : NULL;
	}
}

/* Kinds of anonymous-inode fds by link name; the name itself is dropped. */
static uint8_t anon_kind(const char *link)
{
	static const struct {
		const char *name;
		uint8_t type;
	} kinds[] = {
		{ "anon_inode:[eventfd]", SCAP_FD_EVENT },	   { "anon_inode:[signalfd]", SCAP_FD_SIGNALFD },
		{ "anon_inode:[eventpoll]", SCAP_FD_EVENTPOLL },   { "anon_inode:inotify", SCAP_FD_INOTIFY },
		{ "anon_inode:[timerfd]", SCAP_FD_TIMERFD },	   { "anon_inode:[io_uring]", SCAP_FD_IOURING },
		{ "anon_inode:[userfaultfd]", SCAP_FD_USERFAULTFD }, { "anon_inode:[pidfd]", SCAP_FD_PIDFD },
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(link, kinds[i].name))
			return kinds[i].type;
	/* bpf-map, bpf-prog, bpf_link, bpf_iter...: libscap tests for
	 * "anon_inode:[bpf", a form the kernel does not use */
	if (!strncmp(link, "anon_inode:bpf", 14) || !strncmp(link, "anon_inode:[bpf", 15))
		return SCAP_FD_BPF;
	return SCAP_FD_UNSUPPORTED;
}

/* "<prefix>[<number>]" -> number. */
static bool bracket_num(const char *s, const char *prefix, uint64_t *out)
{
	size_t pl = strlen(prefix);
	if (strncmp(s, prefix, pl) || s[pl] != '[')
		return false;
	const char *p = s + pl + 1;
	return pscan_num(&p, 10, out) && p[0] == ']' && !p[1];
}

void pscan_fds(struct pscan *c, int piddir, int64_t pid)
{
	struct pscan_dir d;
	struct pscan_socks *socks = NULL;
	const char *name;
	int64_t fd;

	if (pscan_dir_open(&d, piddir, "fd") < 0)
		return;	/* gone, or not ours to read */
	while ((fd = pscan_dir_next_num(&d, &name)) >= 0) {
		struct stat sb;
		char link[PSCAN_MAX_PATH];
		struct scap_fd_entry e;
		ssize_t ln;
		uint64_t ino;

		if (fstatat(d.fd, name, &sb, 0) < 0 || (ln = pscan_readlink(d.fd, name, link, sizeof(link))) < 0)
			continue;	/* closed meanwhile */
		memset(&e, 0, sizeof(e));
		e.fd = fd;
		e.ino = (uint64_t)sb.st_ino;
		e.name.p = link;
		e.name.len = (uint32_t)ln;
		switch (sb.st_mode & S_IFMT) {
		case S_IFIFO:
			e.type = SCAP_FD_FIFO;
			if (bracket_num(link, "pipe:", &ino))
				e.ino = ino;
			break;
		case S_IFREG:
		case S_IFBLK:
		case S_IFCHR:
			if (!strncmp(link, "/memfd:", 7)) {
				e.type = SCAP_FD_MEMFD;
			} else {
				e.type = SCAP_FD_FILE_V2;
				file_fdinfo(c, piddir, name, &e);
			}
			break;
		case S_IFDIR:
			e.type = SCAP_FD_DIRECTORY;
			break;
		case S_IFSOCK: {
			if (!bracket_num(link, "socket:", &ino)) {
				e.type = SCAP_FD_UNSUPPORTED;
				break;
			}
			if (!socks)
				socks = socks_of(c, piddir);
			const struct sock_ent *se = u64map_get(&socks->by_ino, ino);
			if (!se)
				continue;	/* in no table (packet, vsock, unbound...): left out */
			e.ino = ino;
			e.type = se->type;
			e.l4proto = se->l4proto;
			memcpy(e.sip, se->sip, 16);
			memcpy(e.dip, se->dip, 16);
			e.sport = se->sport;
			e.dport = se->dport;
			e.unix_src = se->unix_src;
			e.name.p = se->name ? se->name : "";
			e.name.len = (uint32_t)strlen(e.name.p);
			break;
		}
		default:
			e.type = anon_kind(link);
			e.name.p = "";
			e.name.len = 0;
			break;
		}
		state_add_fd(c->st, (uint64_t)pid, &e);
	}
	pscan_dir_close(&d);
}
