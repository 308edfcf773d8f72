/* SPDX-License-Identifier: Apache-2.0 */
/*
 * parse.c - keeps the state current from the event stream, as libsinsp's
 * parser does: pairs each exit event with its thread's enter event, creates
 * and removes threads (clone/fork/execve/procexit), maintains fd tables
 * (open/socket/bind/connect/accept/dup/pipe/close...), the working directory
 * and credentials, and resolves the fd an event refers to so that fd.* fields
 * can be extracted. Removals are deferred to state_event_post().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "capture/scap.h"
#include "common/xalloc.h"
#include "state/state.h"
#include "state/state_int.h"

#define AT_FDCWD_PPM (-100)

/* What an event code means for the state. */
enum pkind {
	PK_NONE,
	PK_OPEN,	/* open, openat, openat2, creat, open_by_handle_at */
	PK_SOCKET,
	PK_SOCKETPAIR,
	PK_BIND,
	PK_CONNECT,
	PK_ACCEPT,
	PK_IO_TUPLE,	/* sendto, sendmsg, recvfrom, recvmsg */
	PK_CLOSE,
	PK_DUP,
	PK_PIPE,
	PK_NEWFD,	/* eventfd, signalfd, timerfd, inotify, epoll, userfaultfd, bpf... */
	PK_FCNTL,
	PK_CHDIR,
	PK_FCHDIR,
	PK_GETCWD,
	PK_CLONE,
	PK_EXECVE,
	PK_PROCEXIT,
	PK_SETUID,
	PK_SETGID,
	PK_SETRESUID,
	PK_SETRESGID,
	PK_SETSID,
	PK_USER_ADDED,
	PK_GROUP_ADDED,
	PK_CONTAINER,
};

struct ptab {
	uint8_t kind[VG_EV_MAX];
	uint8_t newfd_kind[VG_EV_MAX];
	int8_t fd_idx[VG_EV_MAX];	/* index of the "fd" parameter, -1 if none */
	int8_t res_idx[VG_EV_MAX];	/* index of "res", -1 if none */
	bool pairs[VG_EV_MAX];		/* an enter event followed by an exit event */
	bool ready;
};

static struct ptab g_ptab;

static const struct {
	const char *name;
	enum pkind kind;
	uint8_t fdk;
} kinds[] = {
	{ "open", PK_OPEN, 0 }, { "openat", PK_OPEN, 0 }, { "openat2", PK_OPEN, 0 },
	{ "creat", PK_OPEN, 0 }, { "open_by_handle_at", PK_OPEN, 0 },
	{ "socket", PK_SOCKET, 0 }, { "socketpair", PK_SOCKETPAIR, 0 }, { "bind", PK_BIND, 0 },
	{ "connect", PK_CONNECT, 0 }, { "accept", PK_ACCEPT, 0 }, { "accept4", PK_ACCEPT, 0 },
	{ "sendto", PK_IO_TUPLE, 0 }, { "sendmsg", PK_IO_TUPLE, 0 },
	{ "recvfrom", PK_IO_TUPLE, 0 }, { "recvmsg", PK_IO_TUPLE, 0 },
	{ "close", PK_CLOSE, 0 }, { "dup", PK_DUP, 0 }, { "dup2", PK_DUP, 0 }, { "dup3", PK_DUP, 0 },
	{ "pipe", PK_PIPE, 0 }, { "pipe2", PK_PIPE, 0 },
	{ "eventfd", PK_NEWFD, FDK_EVENT }, { "eventfd2", PK_NEWFD, FDK_EVENT },
	{ "signalfd", PK_NEWFD, FDK_SIGNALFD }, { "signalfd4", PK_NEWFD, FDK_SIGNALFD },
	{ "timerfd_create", PK_NEWFD, FDK_TIMERFD }, { "inotify_init", PK_NEWFD, FDK_INOTIFY },
	{ "inotify_init1", PK_NEWFD, FDK_INOTIFY }, { "epoll_create", PK_NEWFD, FDK_EVENTPOLL },
	{ "epoll_create1", PK_NEWFD, FDK_EVENTPOLL }, { "userfaultfd", PK_NEWFD, FDK_USERFAULTFD },
	{ "bpf", PK_NEWFD, FDK_BPF }, { "memfd_create", PK_NEWFD, FDK_MEMFD },
	{ "pidfd_open", PK_NEWFD, FDK_PIDFD }, { "io_uring_setup", PK_NEWFD, FDK_IOURING },
	{ "fcntl", PK_FCNTL, 0 }, { "chdir", PK_CHDIR, 0 }, { "fchdir", PK_FCHDIR, 0 }, { "getcwd", PK_GETCWD, 0 },
	{ "clone", PK_CLONE, 0 }, { "clone3", PK_CLONE, 0 }, { "fork", PK_CLONE, 0 },
	{ "vfork", PK_CLONE, 0 }, { "execve", PK_EXECVE, 0 }, { "execveat", PK_EXECVE, 0 },
	{ "procexit", PK_PROCEXIT, 0 }, { "setuid", PK_SETUID, 0 }, { "setgid", PK_SETGID, 0 },
	{ "setresuid", PK_SETRESUID, 0 }, { "setresgid", PK_SETRESGID, 0 },
	{ "setsid", PK_SETSID, 0 }, { "useradded", PK_USER_ADDED, 0 },
	{ "groupadded", PK_GROUP_ADDED, 0 }, { "container", PK_CONTAINER, 0 },
};

static void ptab_init(void)
{
	if (g_ptab.ready)
		return;
	for (uint32_t t = 0; t < VG_EV_MAX; t++) {
		const struct ev_info *info = ev_info_get(t);
		g_ptab.fd_idx[t] = -1;
		g_ptab.res_idx[t] = -1;
		if (!info)
			continue;
		const struct ev_info *x = !(t & 1) ? ev_info_get(t + 1) : NULL;
		g_ptab.pairs[t] = x && !(x->flags & EF_UNUSED) && !(info->flags & EF_SKIPPARSERESET) &&
				  info->category != EC_SCHEDULER && info->category != EC_INTERNAL;
		g_ptab.fd_idx[t] = (int8_t)ev_param_index(info, "fd");
		g_ptab.res_idx[t] = (int8_t)ev_param_index(info, "res");
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			if (!strcmp(kinds[k].name, info->name)) {
				g_ptab.kind[t] = (uint8_t)kinds[k].kind;
				g_ptab.newfd_kind[t] = kinds[k].fdk;
				break;
			}
		}
	}
	g_ptab.ready = true;
}

bool state_pairs_enter(uint16_t type)
{
	ptab_init();
	return type < VG_EV_MAX && g_ptab.pairs[type];
}

bool state_event_is_stateful(uint16_t type)
{
	const struct ev_info *info = ev_info_get(type);

	ptab_init();
	if (!info || type >= VG_EV_MAX)
		return false;
	if (g_ptab.kind[type] != PK_NONE || (info->flags & (EF_CREATES_FD | EF_DESTROYS_FD | EF_MODIFIES_STATE)))
		return true;
	/* the enter event of a syscall whose exit changes the state */
	return !VG_EV_IS_EXIT(type) && g_ptab.pairs[type] && state_event_is_stateful((uint16_t)(type + 1));
}

/* ------------------------------------------------------------------------
 * Parameter helpers (exit first, then the paired enter event)
 * ------------------------------------------------------------------------ */

static const struct ev_param *P(const struct event *ev, const char *name)
{
	const struct ev_param *p = event_param_by_name(ev, name, NULL);
	return p && p->val ? p : NULL;
}

static bool p_s64(const struct event *ev, const char *name, int64_t *v)
{
	return ev_param_s64(P(ev, name), v);
}

static bool p_u64(const struct event *ev, const char *name, uint64_t *v)
{
	return ev_param_u64(P(ev, name), v);
}

static bool p_u32(const struct event *ev, const char *name, uint32_t *v)
{
	return ev_param_u32(P(ev, name), v);
}

/* A string parameter without its trailing NUL. */
static bool p_str(const struct event *ev, const char *name, const char **s, size_t *n)
{
	const struct ev_param *p = P(ev, name);
	if (!p)
		return false;
	*s = (const char *)p->val;
	*n = p->len;
	if (*n && (*s)[*n - 1] == 0)
		(*n)--;
	return true;
}

/* The return value: "res", or the created fd for events that name it "fd". */
static bool ev_res(const struct event *ev, int64_t *res)
{
	int i = g_ptab.res_idx[ev->type];
	if (i >= 0 && (uint32_t)i < ev->nparams)
		return ev_param_s64(&ev->params[i], res);
	i = g_ptab.fd_idx[ev->type];
	if (i == 0 && ev->nparams > 0)
		return ev_param_s64(&ev->params[0], res);
	return false;
}

/* ------------------------------------------------------------------------
 * Enter/exit pairing
 * ------------------------------------------------------------------------ */

static void store_enter(struct thread *t, const struct event *ev)
{
	struct event *d = &t->enter_ev;

	if (ev->rawlen > t->enter_cap) {
		free(t->enter_buf);
		t->enter_cap = ev->rawlen < 256 ? 256 : ev->rawlen;
		t->enter_buf = xmalloc(t->enter_cap);
	}
	memcpy(t->enter_buf, ev->raw, ev->rawlen);
	/* copy the header fields and only the parameters the event has (the
	 * whole struct is mostly an unused parameter array) */
	d->num = ev->num;
	d->ts = ev->ts;
	d->tid = ev->tid;
	d->type = ev->type;
	d->cpuid = ev->cpuid;
	d->dump_flags = ev->dump_flags;
	d->nparams = ev->nparams;
	d->info = ev->info;
	d->raw = t->enter_buf;
	d->rawlen = ev->rawlen;
	d->hdrlen = ev->hdrlen;
	d->lenwidth = ev->lenwidth;
	for (uint32_t i = 0; i < ev->nparams; i++) {
		d->params[i].len = ev->params[i].len;
		d->params[i].val = ev->params[i].val ? t->enter_buf + (ev->params[i].val - ev->raw) : NULL;
	}
	d->enter = NULL;
	d->thread = NULL;
	d->fdinfo = NULL;
	d->fd = -1;
	d->sflags = 0;
	t->has_enter = true;
}

/* ------------------------------------------------------------------------
 * fd helpers
 * ------------------------------------------------------------------------ */

static struct fdtable *fdt_of(struct state *st, struct thread *t)
{
	struct thread *m = state_main_thread(st, t);
	if (!m->fdt) {
		m->fdt = fdtable_new();
	}
	if (t != m && t->fdt != m->fdt) {
		fdtable_put(t->fdt);
		t->fdt = m->fdt;
		t->fdt->refs++;
	}
	return m->fdt;
}

static struct fdinfo *fd_lookup(struct state *st, struct thread *t, int64_t fd)
{
	if (!t || fd < -1)
		return NULL;
	return u64map_get(&fdt_of(st, t)->fds, (uint64_t)fd);
}

static struct fdinfo *fd_add(struct state *st, struct thread *t, int64_t fd, uint8_t kind)
{
	struct fdinfo *fi = xcalloc(1, sizeof(*fi));
	fi->fd = fd;
	fi->kind = kind;
	fi->name = xstrdup("");
	fdinfo_free(u64map_put(&fdt_of(st, t)->fds, (uint64_t)fd, fi));
	st->stats.fds_added++;
	return fi;
}

static void set_fd(struct event *ev, int64_t fd, struct fdinfo *fi)
{
	ev->fd = fd;
	ev->sflags |= EVS_HAS_FD;
	ev->fdinfo = fi;
}

/* Apply a SOCKTUPLE parameter to an fd. Returns true if the name changed. */
static bool apply_tuple(struct fdinfo *fi, const struct ev_param *p)
{
	if (!p || !p->val || p->len < 1)
		return false;
	const uint8_t *v = p->val;
	uint8_t fam = v[0];
	char *old = xstrdup(fi->name);
	bool changed;

	if (fam == VG_AF_INET && p->len >= 13) {
		if (fi->kind != FDK_IPV4_SOCK && fi->kind != FDK_IPV4_SERVSOCK)
			fi->kind = FDK_IPV4_SOCK;
		fi->kind = FDK_IPV4_SOCK;
		memset(fi->sip, 0, 16);
		memset(fi->dip, 0, 16);
		memcpy(fi->sip, v + 1, 4);
		fi->sport = rd16(v + 5);
		memcpy(fi->dip, v + 7, 4);
		fi->dport = rd16(v + 11);
		/* an unbound source (0.0.0.0) is shown with the destination's address */
		if (!rd32(fi->sip))
			memcpy(fi->sip, fi->dip, 4);
		fdinfo_render_name(fi);
	} else if (fam == VG_AF_INET6 && p->len >= 37) {
		fi->kind = FDK_IPV6_SOCK;
		memcpy(fi->sip, v + 1, 16);
		fi->sport = rd16(v + 17);
		memcpy(fi->dip, v + 19, 16);
		fi->dport = rd16(v + 35);
		static const uint8_t zero[16];
		if (!memcmp(fi->sip, zero, 16))
			memcpy(fi->sip, fi->dip, 16);
		/* v4-mapped addresses on a v6 socket are shown as IPv4 */
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (!memcmp(fi->sip, mapped, 12) && !memcmp(fi->dip, mapped, 12)) {
			fi->kind = FDK_IPV4_SOCK;
			memmove(fi->sip, fi->sip + 12, 4);
			memmove(fi->dip, fi->dip + 12, 4);
			memset(fi->sip + 4, 0, 12);
			memset(fi->dip + 4, 0, 12);
		}
		fdinfo_render_name(fi);
	} else if (fam == VG_AF_UNIX && p->len >= 17) {
		fi->kind = FDK_UNIX_SOCK;
		fi->unix_src = rd64(v + 1);
		fi->unix_dst = rd64(v + 9);
		size_t n = p->len - 17;
		const char *path = (const char *)v + 17;
		while (n && path[n - 1] == 0)
			n--;
		fdinfo_render_unix(fi, path, n);
	}
	if (fam == VG_AF_INET || fam == VG_AF_INET6 || fam == VG_AF_UNIX)
		fi->flags &= (uint16_t)~FDF_SOCKET_PENDING;
	changed = strcmp(old, fi->name) != 0;
	free(old);
	return changed;
}

/* ------------------------------------------------------------------------
 * Event handlers
 * ------------------------------------------------------------------------ */

static void parse_open(struct state *st, struct thread *t, struct event *ev)
{
	int64_t fd = -1, dirfd = AT_FDCWD_PPM;
	uint32_t flags = 0, dev = 0;
	uint64_t ino = 0;
	const char *name;
	size_t nlen;

	ev_res(ev, &fd);
	if (!p_str(ev, "name", &name, &nlen))
		return;
	p_s64(ev, "dirfd", &dirfd);
	p_u32(ev, "flags", &flags);
	p_u32(ev, "dev", &dev);
	p_u64(ev, "ino", &ino);

	char *raw = xstrndup(name, nlen);
	struct thread *m = state_main_thread(st, t);
	const char *base = m->cwd ? m->cwd : t->cwd;
	char *dirbuf = NULL;
	if (raw[0] != '/' && dirfd != AT_FDCWD_PPM && ev->info->params[0].type == VG_PT_FD) {
		struct fdinfo *d = fd_lookup(st, t, dirfd);
		if (d && d->name[0] == '/') {
			size_t dl = strlen(d->name);
			dirbuf = xmalloc(dl + 2);
			memcpy(dirbuf, d->name, dl);
			if (!dl || d->name[dl - 1] != '/')
				dirbuf[dl++] = '/';
			dirbuf[dl] = 0;
			base = dirbuf;
		}
	}
	char *full = path_resolve(base ? base : "", raw);
	free(dirbuf);

	struct fdinfo *fi;
	if (fd >= 0) {
		fi = fd_add(st, t, fd, (flags & VG_O_DIRECTORY) ? FDK_DIRECTORY : FDK_FILE);
	} else {
		fi = &st->scratch_fd;
		memset(fi->sip, 0, sizeof(fi->sip));
		free(fi->nameraw);
		fi->nameraw = NULL;
		fi->fd = -1;
		fi->kind = (flags & VG_O_DIRECTORY) ? FDK_DIRECTORY : FDK_FILE;
		fi->flags = 0;
	}
	free(fi->name);
	fi->name = full;
	if (strcmp(raw, full)) {
		free(fi->nameraw);
		fi->nameraw = raw;
	} else {
		free(raw);
	}
	fi->open_flags = flags;
	fi->dev = dev;
	fi->ino = ino;
	if (flags & VG_O_CLOEXEC)
		fi->flags |= FDF_CLOEXEC;
	set_fd(ev, fd >= 0 ? fd : -1, fi);
}

static void parse_socket(struct state *st, struct thread *t, struct event *ev)
{
	int64_t fd = -1;
	uint32_t domain = 0, type = 0, proto = 0;

	ev_res(ev, &fd);
	p_u32(ev, "domain", &domain);
	p_u32(ev, "type", &type);
	p_u32(ev, "proto", &proto);
	if (fd < 0)
		return;
	uint8_t kind = FDK_UNKNOWN;
	switch (domain) {
	case VG_PF_INET: kind = FDK_IPV4_SOCK; break;
	case VG_PF_INET6: kind = FDK_IPV6_SOCK; break;
	case VG_PF_UNIX: kind = FDK_UNIX_SOCK; break;
	case VG_PF_NETLINK: kind = FDK_NETLINK; break;
	default: kind = FDK_UNKNOWN; break;
	}
	struct fdinfo *fi = fd_add(st, t, fd, kind);
	fi->sock_domain = domain;
	fi->sock_type = type;
	fi->flags |= FDF_SOCKET_PENDING;
	if (domain == VG_PF_INET || domain == VG_PF_INET6) {
		switch (type & 0xf) {
		case 1: fi->l4proto = L4_TCP; break;
		case 2: fi->l4proto = L4_UDP; break;
		case 3: fi->l4proto = proto == 1 || proto == 58 ? L4_ICMP : L4_RAW; break;
		default: fi->l4proto = L4_UNKNOWN; break;
		}
	}
	set_fd(ev, fd, fi);
}

static void parse_socketpair(struct state *st, struct thread *t, struct event *ev)
{
	int64_t res = -1, fd1 = -1, fd2 = -1;
	uint64_t src = 0, peer = 0;
	ev_res(ev, &res);
	if (res < 0 || !p_s64(ev, "fd1", &fd1) || !p_s64(ev, "fd2", &fd2))
		return;
	p_u64(ev, "source", &src);
	p_u64(ev, "peer", &peer);
	struct fdinfo *a = fd_add(st, t, fd1, FDK_UNIX_SOCK);
	a->unix_src = src;
	a->unix_dst = peer;
	struct fdinfo *b = fd_add(st, t, fd2, FDK_UNIX_SOCK);
	b->unix_src = peer;
	b->unix_dst = src;
	set_fd(ev, fd1, a);
}

/* The fd an event uses: from the paired enter event when the capture holds
 * one (libsinsp's "last event fd"), else from the event's own parameter. */
static int64_t event_fd(const struct event *ev)
{
	int64_t fd = -1;
	int i;
	if (ev->enter) {
		i = g_ptab.fd_idx[ev->enter->type];
		if (i >= 0 && (uint32_t)i < ev->enter->nparams && ev_param_s64(&ev->enter->params[i], &fd))
			return fd;
		return -1;
	}
	i = g_ptab.fd_idx[ev->type];
	if (i >= 0 && (uint32_t)i < ev->nparams && ev_param_s64(&ev->params[i], &fd))
		return fd;
	/* an exit whose enter event is not in the capture and that carries no
	 * fd: libsinsp's per-thread "last fd" starts at 0 */
	return VG_EV_IS_EXIT(ev->type) ? 0 : -1;
}

static void parse_bind(struct state *st, struct thread *t, struct event *ev, struct fdinfo *fi)
{
	int64_t res = -1;
	const struct ev_param *addr = P(ev, "addr");
	ev_res(ev, &res);
	if (res < 0 || !fi || !addr || addr->len < 1)
		return;
	const uint8_t *v = addr->val;
	if (v[0] == VG_AF_INET && addr->len >= 7) {
		fi->kind = FDK_IPV4_SERVSOCK;
		memset(fi->sip, 0, 16);
		memcpy(fi->sip, v + 1, 4);
		fi->sport = rd16(v + 5);
		fi->flags |= FDF_ROLE_SERVER;
		fdinfo_render_name(fi);
	} else if (v[0] == VG_AF_INET6 && addr->len >= 19) {
		fi->kind = FDK_IPV6_SERVSOCK;
		memcpy(fi->sip, v + 1, 16);
		fi->sport = rd16(v + 17);
		fi->flags |= FDF_ROLE_SERVER;
		fdinfo_render_name(fi);
	} else if (v[0] == VG_AF_UNIX) {
		size_t n = addr->len - 1;
		const char *path = (const char *)v + 1;
		while (n && path[n - 1] == 0)
			n--;
		free(fi->name);
		fi->name = xstrndup(path, n);
	}
}

static void parse_connect(struct state *st, struct event *ev, struct fdinfo *fi)
{
	int64_t res = 0;
	if (!fi)
		return;
	ev_res(ev, &res);
	if (res < 0 && res != -EINPROGRESS) {
		/* a failed connect shows its tuple on this event only */
		struct fdinfo *tmp = &st->scratch_fd;
		free(tmp->name);
		free(tmp->nameraw);
		*tmp = *fi;
		tmp->name = xstrdup(fi->name);
		tmp->nameraw = NULL;
		apply_tuple(tmp, P(ev, "tuple"));
		ev->fdinfo = tmp;
		return;
	}
	if (apply_tuple(fi, P(ev, "tuple")))
		ev->sflags |= EVS_FD_NAME_CHANGED;
	fi->flags |= FDF_ROLE_CLIENT | FDF_CONNECTED;
	fi->flags &= (uint16_t)~FDF_SOCKET_PENDING;
}

static void parse_accept(struct state *st, struct thread *t, struct event *ev, struct fdinfo *lfi)
{
	int64_t fd = -1;
	ev_res(ev, &fd);
	if (fd < 0) {
		/* a failed accept refers to no new fd: show the listening socket's
		 * type with the (empty) tuple, as libsinsp does */
		struct fdinfo *tmp = &st->scratch_fd;
		free(tmp->name);
		free(tmp->nameraw);
		memset(tmp, 0, sizeof(*tmp));
		tmp->fd = -1;
		tmp->kind = lfi && lfi->kind ? (lfi->kind == FDK_IPV6_SERVSOCK ? FDK_IPV6_SOCK :
						  lfi->kind == FDK_IPV4_SERVSOCK ? FDK_IPV4_SOCK : lfi->kind) : FDK_IPV4_SOCK;
		const struct ev_param *tp = P(ev, "tuple");
		tmp->name = xstrdup(tp ? "" : "NULL");
		if (tp)
			apply_tuple(tmp, tp);
		set_fd(ev, -1, tmp);
		return;
	}
	struct fdinfo *fi = fd_add(st, t, fd, FDK_UNKNOWN);
	const struct ev_param *tp = P(ev, "tuple");
	apply_tuple(fi, tp);
	fi->flags |= FDF_ROLE_SERVER | FDF_CONNECTED;
	/* the listening socket knows the protocol */
	fi->l4proto = lfi && lfi->l4proto ? lfi->l4proto : L4_TCP;
	/* the listening socket knows the protocol */
	set_fd(ev, fd, fi);
}

/* True if the tuple is the fd's current one seen from the other side (a
 * reply on a UDP socket): libsinsp keeps the original orientation. */
static bool tuple_is_reverse(const struct fdinfo *fi, const struct ev_param *p)
{
	const uint8_t *v = p->val;
	if (v[0] == VG_AF_INET && p->len >= 13 && fi->kind == FDK_IPV4_SOCK)
		return !memcmp(v + 1, fi->dip, 4) && rd16(v + 5) == fi->dport && !memcmp(v + 7, fi->sip, 4) &&
		       rd16(v + 11) == fi->sport;
	if (v[0] == VG_AF_INET6 && p->len >= 37 && fi->kind == FDK_IPV6_SOCK)
		return !memcmp(v + 1, fi->dip, 16) && rd16(v + 17) == fi->dport && !memcmp(v + 19, fi->sip, 16) &&
		       rd16(v + 35) == fi->sport;
	return false;
}

static void parse_io_tuple(struct event *ev, struct fdinfo *fi)
{
	if (!fi || (fi->kind != FDK_IPV4_SOCK && fi->kind != FDK_IPV6_SOCK && fi->kind != FDK_IPV4_SERVSOCK &&
		    fi->kind != FDK_IPV6_SERVSOCK))
		return;
	const struct ev_param *tp = P(ev, "tuple");
	if (!tp || tp->len < 13)
		return;
	/* connected TCP sockets keep their name; UDP peers may change per call */
	if ((fi->flags & FDF_CONNECTED) && fi->l4proto == L4_TCP)
		return;
	if (tuple_is_reverse(fi, tp))
		return;
	if (apply_tuple(fi, tp))
		ev->sflags |= EVS_FD_NAME_CHANGED;
}

static void parse_dup(struct state *st, struct thread *t, struct event *ev)
{
	int64_t res = -1, oldfd = -1;
	ev_res(ev, &res);
	if (!p_s64(ev, "oldfd", &oldfd))
		oldfd = event_fd(ev);
	if (res < 0)
		return;
	struct fdinfo *src = fd_lookup(st, t, oldfd);
	if (src) {
		struct fdinfo *fi = fdinfo_dup(src);
		fi->fd = res;
		fi->flags &= (uint16_t)~FDF_CLOEXEC;
		fdinfo_free(u64map_put(&fdt_of(st, t)->fds, (uint64_t)res, fi));
	}
	set_fd(ev, oldfd, fd_lookup(st, t, oldfd));
}

static void parse_pipe(struct state *st, struct thread *t, struct event *ev)
{
	int64_t res = -1, fd1 = -1, fd2 = -1;
	uint64_t ino = 0;
	ev_res(ev, &res);
	if (res < 0 || !p_s64(ev, "fd1", &fd1) || !p_s64(ev, "fd2", &fd2))
		return;
	p_u64(ev, "ino", &ino);
	fd_add(st, t, fd1, FDK_FIFO)->ino = ino;
	struct fdinfo *b = fd_add(st, t, fd2, FDK_FIFO);
	b->ino = ino;
	set_fd(ev, fd2, b);
}

static void parse_newfd(struct state *st, struct thread *t, struct event *ev)
{
	int64_t fd = -1;
	ev_res(ev, &fd);
	if (fd < 0)
		return;
	struct fdinfo *fi = fd_add(st, t, fd, g_ptab.newfd_kind[ev->type]);
	set_fd(ev, fd, fi);
}

static void parse_fcntl(struct state *st, struct thread *t, struct event *ev)
{
	uint32_t cmd = 0;
	int64_t res = -1, fd = event_fd(ev);
	p_u32(ev, "cmd", &cmd);
	ev_res(ev, &res);
	if ((cmd == 1 || cmd == 0x1a) && res >= 0) { /* F_DUPFD, F_DUPFD_CLOEXEC */
		struct fdinfo *src = fd_lookup(st, t, fd);
		if (src) {
			struct fdinfo *fi = fdinfo_dup(src);
			fi->fd = res;
			fdinfo_free(u64map_put(&fdt_of(st, t)->fds, (uint64_t)res, fi));
			set_fd(ev, res, fi);
		}
	}
}

static void parse_chdir(struct state *st, struct thread *t, struct event *ev)
{
	int64_t res = -1;
	const char *path;
	size_t n;
	ev_res(ev, &res);
	if (res < 0 || !p_str(ev, "path", &path, &n))
		return;
	char *p = xstrndup(path, n);
	char *full = path_resolve(t->cwd ? t->cwd : "", p);
	struct thread *m = state_main_thread(st, t);
	set_cwd(m, full, strlen(full));
	if (m != t)
		set_cwd(t, full, strlen(full));
	free(p);
	free(full);
}

static void parse_fchdir(struct state *st, struct thread *t, struct event *ev, struct fdinfo *fi)
{
	int64_t res = -1;
	ev_res(ev, &res);
	if (res < 0 || !fi || fi->name[0] != '/')
		return;
	struct thread *m = state_main_thread(st, t);
	set_cwd(m, fi->name, strlen(fi->name));
	if (m != t)
		set_cwd(t, fi->name, strlen(fi->name));
}

/* Copy the process-level attributes of `src` into a new thread `t`. */
static void inherit(struct state *st, struct thread *t, const struct thread *src)
{
	if (!src)
		return;
	t->comm = src->comm ? xstrdup(src->comm) : NULL;
	t->exe = src->exe ? xstrdup(src->exe) : NULL;
	t->exepath = src->exepath ? xstrdup(src->exepath) : NULL;
	if (src->args)
		set_buf(&t->args, &t->args_len, src->args, src->args_len);
	if (src->env)
		set_buf(&t->env, &t->env_len, src->env, src->env_len);
	if (src->cgroups)
		set_buf(&t->cgroups, &t->cgroups_len, src->cgroups, src->cgroups_len);
	t->cwd = src->cwd ? xstrdup(src->cwd) : NULL;
	t->root = src->root ? xstrdup(src->root) : NULL;
	t->uid = src->uid;
	t->gid = src->gid;
	t->loginuid = src->loginuid;
	t->tty = src->tty;
	t->sid = src->sid;
	t->vpgid = src->vpgid;
	t->pgid = src->pgid;
	t->fdlimit = src->fdlimit;
	t->cap_inheritable = src->cap_inheritable;
	t->cap_permitted = src->cap_permitted;
	t->cap_effective = src->cap_effective;
	t->pidns_init_start_ts = src->pidns_init_start_ts;
	t->exe_ino = src->exe_ino;
	t->exe_ino_ctime = src->exe_ino_ctime;
	t->exe_ino_mtime = src->exe_ino_mtime;
	t->exe_writable = src->exe_writable;
	t->exe_upper_layer = src->exe_upper_layer;
	t->exe_lower_layer = src->exe_lower_layer;
	t->exe_from_memfd = src->exe_from_memfd;
	t->has_info = src->has_info;
	(void)st;
}

/* Fill a thread from the parameters a clone/fork exit carries. */
static void clone_params(struct thread *t, const struct event *ev)
{
	const char *s;
	size_t n;
	uint32_t u;
	uint64_t v;

	if (p_str(ev, "comm", &s, &n))
		set_str(&t->comm, s, n);
	if (p_str(ev, "exe", &s, &n))
		set_str(&t->exe, s, n);
	if (P(ev, "args")) {
		const struct ev_param *a = P(ev, "args");
		set_buf(&t->args, &t->args_len, (const char *)a->val, a->len);
	}
	/* the working directory is inherited; the parameter only fills a gap */
	if (!t->cwd && p_str(ev, "cwd", &s, &n))
		set_cwd(t, s, n);
	if (P(ev, "cgroups")) {
		const struct ev_param *c = P(ev, "cgroups");
		set_buf(&t->cgroups, &t->cgroups_len, (const char *)c->val, c->len);
		t->cid_state = 0;
	}
	if (p_u32(ev, "uid", &u))
		t->uid = u;
	if (p_u32(ev, "gid", &u))
		t->gid = u;
	if (p_u64(ev, "fdlimit", &v))
		t->fdlimit = v;
	if (p_u64(ev, "pidns_init_start_ts", &v))
		t->pidns_init_start_ts = v;
	t->has_info = true;
}

static void parse_clone(struct state *st, struct thread *t, struct event *ev)
{
	int64_t res = -1, ptid = -1, pid = -1, vtid = -1, vpid = -1;
	uint32_t flags = 0;

	ev_res(ev, &res);
	if (res < 0)
		return;
	p_u32(ev, "flags", &flags);
	p_s64(ev, "ptid", &ptid);
	p_s64(ev, "pid", &pid);
	p_s64(ev, "vtid", &vtid);
	p_s64(ev, "vpid", &vpid);

	if (res == 0) {
		/* the child's side: ev->tid is the new thread */
		struct thread *c = t;
		if (c->has_info && c->clone_ts) {
			/* already created from the parent's side, which cannot know
			 * the ids of a child in another pid namespace: take them */
			if (c->vtid < 0 && vtid >= 0) {
				c->vtid = vtid;
				c->vpid = vpid;
			}
			return;
		}
		struct thread *parent = state_thread(st, ptid);
		inherit(st, c, parent);
		if (!parent && st->current_ppid) {
			/* the creator exited before this event: the kernel has
			 * reparented the child, name its adoptive parent */
			int64_t now = st->current_ppid(st->missing_ud, c->tid);
			if (now > 0 && state_thread(st, now))
				ptid = now;
		}
		if (!parent) {
			/* libsinsp: a new process of an unknown parent starts at 0; a new
			 * thread takes its process's value */
			struct thread *leader = (flags & VG_CL_CLONE_THREAD) ? state_thread(st, pid) : NULL;
			c->loginuid = (flags & VG_CL_CLONE_THREAD) ? (leader ? leader->loginuid : UINT32_MAX) : 0;
		}
		clone_params(c, ev);
		c->pid = pid >= 0 ? pid : c->tid;
		c->ptid = ptid;
		c->vtid = vtid;
		c->vpid = vpid;
		c->flags = flags;
		c->clone_ts = ev->ts;
		fdtable_put(c->fdt);
		c->fdt = NULL;
		if (flags & VG_CL_CLONE_THREAD) {
			struct thread *leader = state_thread(st, c->pid);
			if (!leader && c->pid != c->tid) {
				/* the process was never seen: stand in for its main thread */
				leader = thread_new(st, c->pid);
				leader->fdt = fdtable_new();
			}
			if (leader && leader != c)
				c->fdt = fdt_of(st, leader), c->fdt->refs++;
		} else if (parent) {
			struct fdtable *pf = fdt_of(st, parent);
			if (flags & VG_CL_CLONE_FILES)
				c->fdt = pf, pf->refs++;
			else
				c->fdt = fdtable_copy(pf);
		}
		if (!c->fdt)
			c->fdt = fdtable_new();
		return;
	}

	/* the parent's side: res is the child's tid. A child in another pid
	 * namespace (a container's processes) is left to its own clone event,
	 * which knows its namespace ids and real parent (libsinsp does the same). */
	if (flags & VG_CL_CHILD_IN_PIDNS)
		return;
	struct thread *c = state_thread(st, res);
	if (c && c->has_info)
		return;
	c = thread_new(st, res);
	inherit(st, c, t);
	clone_params(c, ev);
	c->pid = (flags & VG_CL_CLONE_THREAD) ? t->pid : res;
	/* the caller is recorded as the parent, CLONE_PARENT or not (libsinsp) */
	c->ptid = t->tid;
	c->flags = flags;
	c->clone_ts = ev->ts;
	c->vtid = -1;
	c->vpid = -1;
	if (!(flags & VG_CL_CHILD_IN_PIDNS) && vtid >= 0 && t->vtid >= 0) {
		/* same pid namespace as the parent: vtid/vpid follow the tids */
		c->vtid = res;
		c->vpid = c->pid;
	}
	struct fdtable *pf = fdt_of(st, t);
	if (flags & (VG_CL_CLONE_THREAD | VG_CL_CLONE_FILES))
		c->fdt = pf, pf->refs++;
	else
		c->fdt = fdtable_copy(pf);
}

static void close_cloexec(struct state *st, struct thread *t)
{
	struct fdtable *ft = fdt_of(st, t);
	for (size_t i = 0; i < ft->fds.cap; i++) {
		struct fdinfo *fi = ft->fds.vals[i];
		if (fi && (fi->flags & FDF_CLOEXEC)) {
			u64map_del(&ft->fds, ft->fds.keys[i]);
			fdinfo_free(fi);
			i--; /* backward shift may have moved an entry here */
		}
	}
}

static void parse_execve(struct state *st, struct thread *t, struct event *ev)
{
	int64_t res = -1, v;
	const char *s;
	size_t n;
	uint32_t u;
	uint64_t x;

	ev_res(ev, &res);
	if (res < 0)
		return;
	if (p_str(ev, "comm", &s, &n))
		set_str(&t->comm, s, n);
	if (p_str(ev, "exe", &s, &n)) {
		set_str(&t->exe, s, n);
		if (!t->comm) {
			const char *b = memrchr(s, '/', n);
			b = b ? b + 1 : s;
			set_str(&t->comm, b, n - (size_t)(b - s));
		}
	}
	const struct ev_param *a = P(ev, "args");
	if (a)
		set_buf(&t->args, &t->args_len, (const char *)a->val, a->len);
	else
		set_buf(&t->args, &t->args_len, "", 0);
	/* the working directory survives execve: the cwd parameter is not used */
	const struct ev_param *e = P(ev, "env");
	if (e)
		set_buf(&t->env, &t->env_len, (const char *)e->val, e->len);
	const struct ev_param *c = P(ev, "cgroups");
	if (c) {
		set_buf(&t->cgroups, &t->cgroups_len, (const char *)c->val, c->len);
		t->cid_state = 0;
	}
	/* the process tree is the one clone built; the parameters only fill a gap */
	if (!t->has_info) {
		if (p_s64(ev, "pid", &v) && v > 0)
			t->pid = v;
		if (p_s64(ev, "ptid", &v) && v > 0)
			t->ptid = v;
	}
	if (p_u32(ev, "tty", &u))
		t->tty = u;
	if (p_s64(ev, "pgid", &v))
		t->vpgid = v;
	if (p_u32(ev, "loginuid", &u))
		t->loginuid = u;
	if (p_u64(ev, "fdlimit", &x))
		t->fdlimit = x;
	if (p_u32(ev, "flags", &u)) {
		t->exe_writable = (u & VG_EXE_WRITABLE) != 0;
		t->exe_upper_layer = (u & VG_EXE_UPPER_LAYER) != 0;
		t->exe_from_memfd = (u & VG_EXE_FROM_MEMFD) != 0;
		t->exe_lower_layer = (u & VG_EXE_LOWER_LAYER) != 0;
	}
	if (p_u64(ev, "cap_inheritable", &x))
		t->cap_inheritable = x;
	if (p_u64(ev, "cap_permitted", &x))
		t->cap_permitted = x;
	if (p_u64(ev, "cap_effective", &x))
		t->cap_effective = x;
	if (p_u64(ev, "exe_ino", &x))
		t->exe_ino = x;
	if (p_u64(ev, "exe_ino_ctime", &x))
		t->exe_ino_ctime = x;
	if (p_u64(ev, "exe_ino_mtime", &x))
		t->exe_ino_mtime = x;
	if (p_u32(ev, "uid", &u))
		t->uid = u;
	if (p_u32(ev, "gid", &u))
		t->gid = u;

	/* exepath: the kernel's trusted path when present, else the enter
	 * event's filename resolved against the cwd */
	if (p_str(ev, "trusted_exepath", &s, &n) && n) {
		set_str(&t->exepath, s, n);
	} else if (p_str(ev, "filename", &s, &n) && n) {
		char *f = xstrndup(s, n);
		char *full = path_resolve(t->cwd ? t->cwd : "", f);
		free(t->exepath);
		t->exepath = full;
		free(f);
	} else {
		set_str(&t->exepath, "", 0);
	}
	t->has_info = true;
	t->lastexec_ts = ev->ts;
	close_cloexec(st, t);
}

static void parse_setuid(struct thread *t, struct event *ev, enum pkind k)
{
	int64_t res = -1;
	uint32_t id;
	ev_res(ev, &res);
	if (res != 0)
		return;
	switch (k) {
	case PK_SETUID:
		if (p_u32(ev, "uid", &id))
			t->uid = id;
		break;
	case PK_SETGID:
		if (p_u32(ev, "gid", &id))
			t->gid = id;
		break;
	case PK_SETRESUID:
		if (p_u32(ev, "euid", &id) && id != UINT32_MAX)
			t->uid = id;
		break;
	case PK_SETRESGID:
		if (p_u32(ev, "egid", &id) && id != UINT32_MAX)
			t->gid = id;
		break;
	default:
		break;
	}
}

static void parse_user_added(struct state *st, struct event *ev, bool group)
{
	const char *s;
	size_t n;
	if (group) {
		struct scap_group_entry g = { 0 };
		p_u32(ev, "gid", &g.gid);
		if (p_str(ev, "name", &s, &n))
			g.name = (struct scap_str){ s, (uint32_t)n };
		if (p_str(ev, "container_id", &s, &n))
			g.container_id = (struct scap_str){ s, (uint32_t)n };
		state_add_group(st, &g);
	} else {
		struct scap_user_entry u = { 0 };
		p_u32(ev, "uid", &u.uid);
		p_u32(ev, "gid", &u.gid);
		if (p_str(ev, "name", &s, &n))
			u.name = (struct scap_str){ s, (uint32_t)n };
		if (p_str(ev, "home", &s, &n))
			u.home = (struct scap_str){ s, (uint32_t)n };
		if (p_str(ev, "shell", &s, &n))
			u.shell = (struct scap_str){ s, (uint32_t)n };
		if (p_str(ev, "container_id", &s, &n))
			u.container_id = (struct scap_str){ s, (uint32_t)n };
		state_add_user(st, &u);
	}
}

/* ------------------------------------------------------------------------
 * Entry points
 * ------------------------------------------------------------------------ */

/* The children of an exiting process (whichever of its threads made them)
 * now have `reaper` as parent: what the kernel did, as the procexit event of
 * current libs says. */
static void reparent_children(struct state *st, int64_t pid, int64_t reaper)
{
	for (size_t i = 0; i < st->threads.cap; i++) {
		struct thread *c = st->threads.vals[i];
		if (!c || c->tid == reaper || c->pid == pid)
			continue;
		struct thread *p = state_thread(st, c->ptid);
		if (c->ptid == pid || (p && p->pid == pid))
			c->ptid = reaper;
	}
}

/* A thread exits. With the reaper the probe reports (current libs), a main
 * thread that exits before the other threads of its process stays, closed,
 * so that they keep their process's name and parent; when the process is
 * gone its children move to the reaper. Without it (older captures), the
 * thread goes, as before. */
static void parse_procexit(struct state *st, struct thread *t, struct event *ev)
{
	int64_t reaper = -1;
	st->remove_tid = ev->tid;
	if (!p_s64(ev, "reaper_tid", &reaper) || reaper <= 0)
		return;
	bool group_alive = reaper == t->pid && t->pid != t->tid;
	if (t->tid == t->pid && reaper == t->pid) {
		/* the main thread leaves first: keep it for its threads */
		t->flags |= VG_CL_CLOSED;
		st->remove_tid = -1;
		return;
	}
	if (group_alive) {
		/* another thread of a live process: its children go to the
		 * process (the kernel gives them to a live thread of it); if the
		 * main thread already left and this is its last thread, the
		 * process is gone */
		for (size_t i = 0; i < st->threads.cap; i++) {
			struct thread *c = st->threads.vals[i];
			if (c && c->ptid == t->tid && c->pid != t->pid)
				c->ptid = t->pid;
		}
		struct thread *leader = state_thread(st, t->pid);
		bool others = false;
		for (size_t i = 0; leader && (leader->flags & VG_CL_CLOSED) && i < st->threads.cap && !others; i++) {
			struct thread *o = st->threads.vals[i];
			others = o && o != t && o != leader && o->pid == t->pid;
		}
		if (!leader || !(leader->flags & VG_CL_CLOSED) || others)
			return;
	}
	/* the process is gone */
	if (t->pid != t->tid && state_thread(st, t->pid))
		st->remove_leader = t->pid;
	reparent_children(st, t->pid, reaper);
}

void state_event_pre(struct state *st, struct event *ev)
{
	struct thread *t = NULL;
	enum pkind k;

	ptab_init();
	st->stats.events++;
	if (!st->first_ts)
		st->first_ts = ev->ts;
	ev->thread = NULL;
	ev->fdinfo = NULL;
	ev->enter = NULL;
	ev->sflags = 0;
	ev->fd = -1;
	k = ev->type < VG_EV_MAX ? (enum pkind)g_ptab.kind[ev->type] : PK_NONE;

	if (k == PK_USER_ADDED || k == PK_GROUP_ADDED) {
		parse_user_added(st, ev, k == PK_GROUP_ADDED);
		return;
	}
	if (k == PK_CONTAINER) {
		const char *js;
		size_t jn;
		st->last_container = NULL;
		if (p_str(ev, "json", &js, &jn))
			container_apply_json(&st->containers, js, jn, &st->last_container);
		return;
	}
	if (ev->tid <= 0 || ev->info->category == EC_INTERNAL)
		return;
	t = state_thread(st, ev->tid);
	if (!t && st->missing_thread && k != PK_CLONE && k != PK_PROCEXIT) {
		st->missing_thread(st->missing_ud, st, ev->tid);
		t = state_thread(st, ev->tid);
	}
	if (!t)
		t = thread_new(st, ev->tid);
	ev->thread = t;
	if (!t->fdt)
		fdt_of(st, t);

	if (!VG_EV_IS_EXIT(ev->type)) {
		if (g_ptab.pairs[ev->type])
			store_enter(t, ev);
		if (ev->info->flags & (EF_USES_FD | EF_DESTROYS_FD)) {
			int64_t fd = event_fd(ev);
			set_fd(ev, fd, fd_lookup(st, t, fd));
		}
		if (k == PK_PROCEXIT && st->remove_tid < 0)
			parse_procexit(st, t, ev);
		return;
	}

	/* exit event: pair it with the enter event of the same syscall */
	if (t->has_enter && t->enter_ev.type == ev->type - 1)
		ev->enter = &t->enter_ev;
	else
		st->stats.enter_unpaired++;
	t->has_enter = false;

	struct fdinfo *fi = NULL;
	if (ev->info->flags & (EF_USES_FD | EF_DESTROYS_FD)) {
		int64_t fd = event_fd(ev);
		fi = fd_lookup(st, t, fd);
		/* an fd the state never saw opened: known from now on, of unknown type */
		if (!fi)
			fi = fd_add(st, t, fd, FDK_UNKNOWN);
		set_fd(ev, fd, fi);
	}

	switch (k) {
	case PK_OPEN: parse_open(st, t, ev); break;
	case PK_SOCKET: parse_socket(st, t, ev); break;
	case PK_SOCKETPAIR: parse_socketpair(st, t, ev); break;
	case PK_BIND: parse_bind(st, t, ev, fi); break;
	case PK_CONNECT: parse_connect(st, ev, fi); break;
	case PK_ACCEPT: parse_accept(st, t, ev, fi); break;
	case PK_IO_TUPLE: parse_io_tuple(ev, fi); break;
	case PK_CLOSE: {
		int64_t res = -1;
		ev_res(ev, &res);
		if (res >= 0 && fi) {
			st->remove_fd_tid = t->tid;
			st->remove_fd = ev->fd;
		}
		break;
	}
	case PK_DUP: parse_dup(st, t, ev); break;
	case PK_PIPE: parse_pipe(st, t, ev); break;
	case PK_NEWFD: parse_newfd(st, t, ev); break;
	case PK_FCNTL: parse_fcntl(st, t, ev); break;
	case PK_CHDIR: parse_chdir(st, t, ev); break;
	case PK_FCHDIR: parse_fchdir(st, t, ev, fi); break;
	case PK_GETCWD: {
		/* getcwd tells the real working directory */
		int64_t res = -1;
		const char *path;
		size_t n;
		ev_res(ev, &res);
		if (res >= 0 && p_str(ev, "path", &path, &n) && n && path[0] == '/') {
			struct thread *m = state_main_thread(st, t);
			set_cwd(m, path, n);
		}
		break;
	}
	case PK_CLONE: parse_clone(st, t, ev); break;
	case PK_EXECVE: parse_execve(st, t, ev); break;
	case PK_SETUID: case PK_SETGID: case PK_SETRESUID: case PK_SETRESGID:
		parse_setuid(t, ev, k);
		break;
	case PK_SETSID: {
		int64_t res = -1;
		ev_res(ev, &res);
		if (res > 0)
			t->sid = res;
		break;
	}
	default:
		break;
	}
}

void state_event_post(struct state *st, struct event *ev)
{
	(void)ev;
	if (st->remove_fd >= 0) {
		struct thread *t = state_thread(st, st->remove_fd_tid);
		if (t && t->fdt) {
			struct fdinfo *fi = u64map_del(&t->fdt->fds, (uint64_t)st->remove_fd);
			if (fi) {
				fdinfo_free(fi);
				st->stats.fds_removed++;
			}
		}
		st->remove_fd = -1;
	}
	int64_t rm[2] = { st->remove_tid, st->remove_leader };
	for (int i = 0; i < 2; i++) {
		struct thread *t = rm[i] >= 0 ? u64map_del(&st->threads, (uint64_t)rm[i]) : NULL;
		if (t) {
			thread_free(t);
			st->stats.threads_removed++;
		}
	}
	st->remove_tid = -1;
	st->remove_leader = -1;
}
