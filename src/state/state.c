/* SPDX-License-Identifier: Apache-2.0 */
/*
 * state.c - the tables of struct state (threads, fd tables, users, groups),
 * filled from capture metadata, and the helpers the event parser and the
 * fields share: lookups, path resolution, fd kind names, address rendering.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capture/scap.h"
#include "common/xalloc.h"
#include "state/state.h"
#include "state/state_int.h"

void state_init(struct state *st)
{
	memset(st, 0, sizeof(*st));
	u64map_init(&st->threads);
	u64map_init(&st->users);
	u64map_init(&st->groups);
	container_table_init(&st->containers);
	st->remove_tid = -1;
	st->remove_leader = -1;
	st->remove_fd = -1;
	st->scratch_fd.name = xstrdup("");
}

void fdinfo_free(struct fdinfo *fi)
{
	if (!fi)
		return;
	free(fi->name);
	free(fi->nameraw);
	free(fi);
}

void fdtable_put(struct fdtable *t)
{
	if (!t || --t->refs)
		return;
	for (size_t i = 0; i < t->fds.cap; i++)
		if (t->fds.vals[i])
			fdinfo_free(t->fds.vals[i]);
	u64map_fini(&t->fds);
	free(t);
}

struct fdtable *fdtable_new(void)
{
	struct fdtable *t = xcalloc(1, sizeof(*t));
	t->refs = 1;
	u64map_init(&t->fds);
	return t;
}

struct fdinfo *fdinfo_dup(const struct fdinfo *src)
{
	struct fdinfo *fi = xmemdup(src, sizeof(*src));
	fi->name = xstrdup(src->name);
	fi->nameraw = src->nameraw ? xstrdup(src->nameraw) : NULL;
	return fi;
}

struct fdtable *fdtable_copy(const struct fdtable *src)
{
	struct fdtable *t = fdtable_new();
	if (!src)
		return t;
	for (size_t i = 0; i < src->fds.cap; i++)
		if (src->fds.vals[i])
			u64map_put(&t->fds, src->fds.keys[i], fdinfo_dup(src->fds.vals[i]));
	return t;
}

void thread_free(struct thread *t)
{
	if (!t)
		return;
	free(t->comm);
	free(t->exe);
	free(t->exepath);
	free(t->args);
	free(t->env);
	free(t->cgroups);
	free(t->cwd);
	free(t->root);
	free(t->enter_buf);
	fdtable_put(t->fdt);
	free(t);
}

void state_fini(struct state *st)
{
	for (size_t i = 0; i < st->threads.cap; i++)
		if (st->threads.vals[i])
			thread_free(st->threads.vals[i]);
	for (size_t i = 0; i < st->users.cap; i++)
		user_info_free(st->users.vals[i]);
	for (size_t i = 0; i < st->groups.cap; i++)
		group_info_free(st->groups.vals[i]);
	for (size_t i = 0; i < st->nifaces; i++)
		free(st->ifaces[i].name);
	free(st->ifaces);
	u64map_fini(&st->threads);
	u64map_fini(&st->users);
	u64map_fini(&st->groups);
	container_table_fini(&st->containers);
	free(st->scratch_fd.name);
	free(st->scratch_fd.nameraw);
	memset(st, 0, sizeof(*st));
}

/* ------------------------------------------------------------------------
 * Strings and paths
 * ------------------------------------------------------------------------ */

char *dup_str(const char *p, size_t n)
{
	return xstrndup(p, n);
}

void set_str(char **dst, const char *p, size_t n)
{
	free(*dst);
	*dst = xstrndup(p, n);
}

void set_buf(char **dst, uint32_t *dlen, const char *p, size_t n)
{
	free(*dst);
	*dst = xmalloc(n + 1);
	if (n)
		memcpy(*dst, p, n);
	(*dst)[n] = 0;
	*dlen = (uint32_t)n;
}

/* cwd always ends with '/', as libsinsp keeps it. */
void set_cwd(struct thread *t, const char *p, size_t n)
{
	free(t->cwd);
	if (n == 0) {
		/* unknown: relative paths stay relative */
		t->cwd = xstrdup("");
		return;
	}
	bool slash = p[n - 1] == '/';
	t->cwd = xmalloc(n + 2);
	memcpy(t->cwd, p, n);
	if (!slash)
		t->cwd[n++] = '/';
	t->cwd[n] = 0;
}

char *path_resolve(const char *cwd, const char *path)
{
	size_t cl = cwd ? strlen(cwd) : 0, pl = strlen(path);
	char *buf = xmalloc(cl + pl + 3);
	size_t n = 0;

	bool relative = path[0] != '/' && cwd && !cl;	/* unknown cwd: stays relative */
	if (path[0] != '/' && !relative) {
		if (cl) {
			memcpy(buf, cwd, cl);
			n = cl;
		} else {
			buf[n++] = '/';
		}
		if (n && buf[n - 1] != '/')
			buf[n++] = '/';
	}
	memcpy(buf + n, path, pl);
	n += pl;
	buf[n] = 0;

	/* normalise: collapse //, /./ and /dir/../; a leading "//" (and only
	 * exactly two) is kept, as POSIX allows and libsinsp does */
	char *out = xmalloc(n + 3);
	size_t o = 0;
	const char *s = buf;
	if (buf[0] == '/' && buf[1] == '/' && buf[2] != '/') {
		out[o++] = '/';
	}
	while (*s) {
		while (*s == '/')
			s++;
		const char *e = s;
		while (*e && *e != '/')
			e++;
		size_t len = (size_t)(e - s);
		if (len == 0)
			break;
		if (len == 1 && s[0] == '.') {
			/* skip */
		} else if (len == 2 && s[0] == '.' && s[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--; /* drop the slash before the removed component */
		} else {
			if (o || !relative)
				out[o++] = '/';
			memcpy(out + o, s, len);
			o += len;
		}
		s = e;
	}
	if (o == 0 && !relative)
		out[o++] = '/';
	out[o] = 0;
	free(buf);
	return out;
}

void ip_render(const uint8_t *ip, bool v6, char *buf, size_t len)
{
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, ip, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* ------------------------------------------------------------------------
 * fd kinds
 * ------------------------------------------------------------------------ */

const char *fd_kind_name(uint8_t kind)
{
	switch (kind) {
	case FDK_FILE: case FDK_FILE_V2: return "file";
	case FDK_DIRECTORY: return "directory";
	case FDK_IPV4_SOCK: case FDK_IPV4_SERVSOCK: return "ipv4";
	case FDK_IPV6_SOCK: case FDK_IPV6_SERVSOCK: return "ipv6";
	case FDK_UNIX_SOCK: return "unix";
	case FDK_FIFO: return "pipe";
	case FDK_EVENT: return "event";
	case FDK_SIGNALFD: return "signalfd";
	case FDK_EVENTPOLL: return "eventpoll";
	case FDK_INOTIFY: return "inotify";
	case FDK_TIMERFD: return "timerfd";
	case FDK_NETLINK: return "netlink";
	case FDK_BPF: return "bpf";
	case FDK_USERFAULTFD: return "userfaultfd";
	case FDK_IOURING: return "io_uring";
	case FDK_MEMFD: return "memfd";
	case FDK_PIDFD: return "pidfd";
	default: return "<NA>";
	}
}

char fd_kind_char(uint8_t kind)
{
	switch (kind) {
	case FDK_FILE: case FDK_FILE_V2: return 'f';
	case FDK_DIRECTORY: return 'd';
	case FDK_IPV4_SOCK: case FDK_IPV4_SERVSOCK: return '4';
	case FDK_IPV6_SOCK: case FDK_IPV6_SERVSOCK: return '6';
	case FDK_UNIX_SOCK: return 'u';
	case FDK_FIFO: return 'p';
	case FDK_EVENT: return 'e';
	case FDK_SIGNALFD: return 's';
	case FDK_EVENTPOLL: return 'l';
	case FDK_INOTIFY: return 'i';
	case FDK_TIMERFD: return 't';
	case FDK_NETLINK: return 'n';
	case FDK_BPF: return 'b';
	case FDK_USERFAULTFD: return 'u';
	case FDK_IOURING: return 'r';
	case FDK_MEMFD: return 'm';
	case FDK_PIDFD: return 'P';
	default: return 'o';
	}
}

/* ------------------------------------------------------------------------
 * Lookups
 * ------------------------------------------------------------------------ */

struct thread *state_thread(const struct state *st, int64_t tid)
{
	return u64map_get(&st->threads, (uint64_t)tid);
}

struct thread *state_main_thread(const struct state *st, struct thread *t)
{
	if (!t || t->pid == t->tid || t->pid <= 0)
		return t;
	struct thread *m = state_thread(st, t->pid);
	return m ? m : t;
}

struct thread *state_parent(const struct state *st, const struct thread *t)
{
	if (!t || t->ptid <= 0 || t->ptid == t->tid)
		return NULL;
	return state_thread(st, t->ptid);
}

struct fdinfo *state_fd(const struct thread *t, int64_t fd)
{
	if (!t || !t->fdt)
		return NULL;
	return u64map_get(&t->fdt->fds, (uint64_t)fd);
}

const struct user_info *state_user(const struct state *st, uint32_t uid)
{
	return u64map_get(&st->users, uid);
}

const struct group_info *state_group(const struct state *st, uint32_t gid)
{
	return u64map_get(&st->groups, gid);
}

struct thread *thread_new(struct state *st, int64_t tid)
{
	struct thread *t = xcalloc(1, sizeof(*t));
	t->tid = tid;
	t->pid = tid;
	t->ptid = -1;
	t->sid = -1;
	t->vpgid = -1;
	t->pgid = -1;
	t->vtid = -1;
	t->vpid = -1;
	t->loginuid = UINT32_MAX;
	t->uid = UINT32_MAX;
	t->gid = UINT32_MAX;
	struct thread *old = u64map_put(&st->threads, (uint64_t)tid, t);
	if (old)
		thread_free(old);
	st->stats.threads_created++;
	return t;
}

/* ------------------------------------------------------------------------
 * Metadata
 * ------------------------------------------------------------------------ */

int state_add_proc(struct state *st, const struct scap_proc_entry *e)
{
	struct thread *t = thread_new(st, (int64_t)e->tid);

	t->has_info = true;
	t->pid = (int64_t)e->pid;
	t->ptid = (int64_t)e->ptid;
	t->sid = e->has_sid ? (int64_t)e->sid : -1;
	t->vpgid = e->has_vpgid ? (int64_t)e->vpgid : -1;
	t->pgid = e->has_pgid ? e->pgid : -1;
	t->comm = dup_str(e->comm.p, e->comm.len);
	t->exe = dup_str(e->exe.p, e->exe.len);
	t->exepath = dup_str(e->exepath.p, e->exepath.len);
	set_buf(&t->args, &t->args_len, e->args.p, e->args.len);
	set_buf(&t->env, &t->env_len, e->env.p, e->env.len);
	set_buf(&t->cgroups, &t->cgroups_len, e->cgroups.p, e->cgroups.len);
	set_cwd(t, e->cwd.p, e->cwd.len);
	t->root = dup_str(e->root.p, e->root.len);
	t->fdlimit = e->fdlimit;
	t->flags = e->flags;
	t->uid = e->uid;
	t->gid = e->gid;
	t->vtid = e->has_vids ? e->vtid : -1;
	t->vpid = e->has_vids ? e->vpid : -1;
	t->pidns_init_start_ts = e->pidns_init_start_ts;
	t->tty = e->tty;
	t->loginuid = e->has_loginuid ? e->loginuid : UINT32_MAX;
	t->cap_inheritable = e->cap_inheritable;
	t->cap_permitted = e->cap_permitted;
	t->cap_effective = e->cap_effective;
	t->exe_writable = e->exe_writable;
	t->exe_upper_layer = e->exe_upper_layer;
	t->exe_lower_layer = e->exe_lower_layer;
	t->exe_from_memfd = e->exe_from_memfd;
	t->exe_ino = e->exe_ino;
	t->exe_ino_ctime = e->exe_ino_ctime;
	t->exe_ino_mtime = e->exe_ino_mtime;
	t->clone_ts = e->clone_ts;

	/* threads of one process share the leader's fd table */
	struct thread *leader = t->pid != t->tid ? state_thread(st, t->pid) : NULL;
	if (leader && leader->fdt) {
		t->fdt = leader->fdt;
		t->fdt->refs++;
	} else {
		t->fdt = fdtable_new();
	}
	return 0;
}

/* Rendering of socket names, the libsinsp way. */
void fdinfo_render_name(struct fdinfo *fi)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], buf[2 * INET6_ADDRSTRLEN + 32];
	bool v6 = fi->kind == FDK_IPV6_SOCK || fi->kind == FDK_IPV6_SERVSOCK;

	switch (fi->kind) {
	case FDK_IPV4_SOCK:
	case FDK_IPV6_SOCK:
		ip_render(fi->sip, v6, a, sizeof(a));
		ip_render(fi->dip, v6, b, sizeof(b));
		snprintf(buf, sizeof(buf), "%s:%u->%s:%u", a, fi->sport, b, fi->dport);
		break;
	case FDK_IPV4_SERVSOCK:
	case FDK_IPV6_SERVSOCK:
		ip_render(fi->sip, v6, a, sizeof(a));
		snprintf(buf, sizeof(buf), "%s:%u", a, fi->sport);
		break;
	default:
		return;
	}
	free(fi->name);
	fi->name = xstrdup(buf);
}

int state_add_fd(struct state *st, uint64_t tid, const struct scap_fd_entry *e)
{
	struct thread *t = state_thread(st, (int64_t)tid);
	if (!t)
		return 0; /* fd list of a thread that is not in the process list */
	struct thread *m = state_main_thread(st, t);
	if (!m->fdt)
		m->fdt = fdtable_new();
	struct fdinfo *fi = xcalloc(1, sizeof(*fi));
	fi->fd = e->fd;
	fi->kind = e->type == SCAP_FD_FILE_V2 ? FDK_FILE : e->type;
	fi->ino = e->ino;
	fi->l4proto = e->l4proto;
	fi->open_flags = e->open_flags;
	fi->dev = e->dev;
	fi->unix_src = e->unix_src;
	fi->unix_dst = e->unix_dst;
	memcpy(fi->sip, e->sip, 16);
	memcpy(fi->dip, e->dip, 16);
	fi->sport = e->sport;
	fi->dport = e->dport;
	fi->name = dup_str(e->name.p, e->name.len);
	if (fi->kind == FDK_IPV4_SERVSOCK || fi->kind == FDK_IPV6_SERVSOCK)
		fi->flags |= FDF_ROLE_SERVER;
	if ((fi->kind == FDK_IPV4_SOCK || fi->kind == FDK_IPV6_SOCK) && fi->sport < fi->dport) {
		/* fd lists give (local, remote); show (client, server) with the
		 * lower port as the server, as libsinsp does */
		uint8_t tmp[16];
		memcpy(tmp, fi->sip, 16);
		memcpy(fi->sip, fi->dip, 16);
		memcpy(fi->dip, tmp, 16);
		uint16_t p = fi->sport;
		fi->sport = fi->dport;
		fi->dport = p;
		fi->flags |= FDF_ROLE_SERVER;
	} else if (fi->kind == FDK_IPV4_SOCK || fi->kind == FDK_IPV6_SOCK) {
		fi->flags |= FDF_ROLE_CLIENT;
	}
	if (fi->l4proto == L4_TCP && (fi->kind == FDK_IPV4_SOCK || fi->kind == FDK_IPV6_SOCK))
		fi->flags |= FDF_CONNECTED;
	fdinfo_render_name(fi);
	if (fi->kind == FDK_UNIX_SOCK) {
		/* fd lists carry the socket's path as /proc shows it */
		size_t n = e->name.len;
		while (n && (e->name.p[n - 1] == '\n' || e->name.p[n - 1] == ' '))
			n--;
		free(fi->name);
		fi->name = dup_str(e->name.p, n);
	}
	struct fdinfo *old = u64map_put(&m->fdt->fds, (uint64_t)e->fd, fi);
	fdinfo_free(old);
	return 0;
}

/* The user and group lists a capture entry belongs to: the host's, or a
 * container's (entries with a container id, as libs write them). */
static struct u64map *user_list(struct state *st, const struct scap_str *cid, bool groups)
{
	char id[65];
	if (!cid || !cid->len)
		return groups ? &st->groups : &st->users;
	snprintf(id, sizeof(id), "%.*s", (int)(cid->len < 64 ? cid->len : 64), cid->p);
	struct container_info *ci = container_get(&st->containers, id, NULL, NULL);
	ci->has_users = true;
	return groups ? &ci->groups : &ci->users;
}

void user_info_free(struct user_info *u)
{
	if (!u)
		return;
	free(u->name);
	free(u->home);
	free(u->shell);
	free(u);
}

void group_info_free(struct group_info *g)
{
	if (!g)
		return;
	free(g->name);
	free(g);
}

int state_add_user(struct state *st, const struct scap_user_entry *u)
{
	struct user_info *ui = xcalloc(1, sizeof(*ui));
	ui->uid = u->uid;
	ui->gid = u->gid;
	ui->name = dup_str(u->name.p, u->name.len);
	ui->home = dup_str(u->home.p, u->home.len);
	ui->shell = dup_str(u->shell.p, u->shell.len);
	user_info_free(u64map_put(user_list(st, &u->container_id, false), u->uid, ui));
	return 0;
}

int state_add_group(struct state *st, const struct scap_group_entry *g)
{
	struct group_info *gi = xcalloc(1, sizeof(*gi));
	gi->gid = g->gid;
	gi->name = dup_str(g->name.p, g->name.len);
	group_info_free(u64map_put(user_list(st, &g->container_id, true), g->gid, gi));
	return 0;
}

int state_add_iface(struct state *st, const struct scap_iface_entry *i)
{
	struct iface_info *ii;

	st->ifaces = xrealloc(st->ifaces, (st->nifaces + 1) * sizeof(*st->ifaces));
	ii = &st->ifaces[st->nifaces++];
	memset(ii, 0, sizeof(*ii));
	ii->type = i->type;
	memcpy(ii->addr, i->addr, 16);
	memcpy(ii->netmask, i->netmask, 16);
	memcpy(ii->bcast, i->bcast, 16);
	ii->linkspeed = i->linkspeed;
	ii->name = dup_str(i->name.p, i->name.len);
	return 0;
}

void fdinfo_render_unix(struct fdinfo *fi, const char *path, size_t n)
{
	char buf[96];

	snprintf(buf, sizeof(buf), "%llx->%llx ", (unsigned long long)fi->unix_src,
		 (unsigned long long)fi->unix_dst);
	size_t bl = strlen(buf);
	char *name = xmalloc(bl + n + 1);
	memcpy(name, buf, bl);
	memcpy(name + bl, path, n);
	name[bl + n] = 0;
	free(fi->name);
	fi->name = name;
}

struct container_info *state_container(struct state *st, struct thread *t)
{
	if (!t)
		return NULL;
	if (!t->cid_state) {
		const char *type = NULL;
		t->cinfo = NULL;
		if (t->cgroups && container_id_from_cgroups(t->cgroups, t->cgroups_len, t->cid, sizeof(t->cid), &type)) {
			t->cid_state = 2;
			t->cid_type = type;
		} else {
			t->cid_state = 1;
		}
	}
	if (t->cid_state != 2)
		return NULL;
	if (!t->cinfo)
		t->cinfo = container_get(&st->containers, t->cid, t->cid_type, NULL);
	if (t->cinfo->lookup == CLOOKUP_NONE && !t->cinfo->has_metadata && st->new_container)
		st->new_container(st->container_ud, st, t->cinfo);
	return t->cinfo;
}

struct container_info *state_thread_container(struct state *st, struct thread *t)
{
	if (!t)
		return NULL;
	return state_container(st, t->cgroups_len ? t : state_main_thread(st, t));
}

/* The container's lists, or NULL to use the host's. */
static struct u64map *thread_lists(struct state *st, struct thread *t, bool groups)
{
	struct container_info *ci = state_thread_container(st, t);
	if (!ci)
		return NULL;
	if (!ci->has_users && st->container_users)
		st->container_users(st->container_ud, st, ci, t);
	if (ci->has_users || st->container_users)
		return groups ? &ci->groups : &ci->users;
	return NULL;
}

const struct user_info *state_thread_user(struct state *st, struct thread *t, uint32_t uid)
{
	struct u64map *m = thread_lists(st, t, false);
	return m ? u64map_get(m, uid) : state_user(st, uid);
}

const struct group_info *state_thread_group(struct state *st, struct thread *t, uint32_t gid)
{
	struct u64map *m = thread_lists(st, t, true);
	return m ? u64map_get(m, gid) : state_group(st, gid);
}
