/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fields.c - the field registry (from fields.def), reference resolution
 * (arguments in brackets or after a dot), and extraction: one switch over the
 * field id that reads the event, its thread, fd and container from the state.
 * A field that does not apply to an event is "missing" (returns false), which
 * makes every comparison on it false, as in Falco.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include "common/util.h"
#include "rules/fields.h"

static const struct field_def g_fields[] = {
#define FIELD(id, name, type, flags, fmt, desc) { FLD_##id, name, VG_PT_##type, flags, fmt, desc },
#include "rules/fields.def"
#undef FIELD
};

#define NFIELDS (sizeof(g_fields) / sizeof(g_fields[0]))

const struct field_def *fields_all(size_t *n)
{
	*n = NFIELDS;
	return g_fields;
}

const struct field_def *field_find(const char *name)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (!strcmp(g_fields[i].name, name))
			return &g_fields[i];
	return NULL;
}

static bool parse_index(const char *s, int64_t *out)
{
	char *end;
	if (!*s)
		return false;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* Type of an evt.rawarg.NAME: the type of the first event parameter called NAME. */
static uint8_t rawarg_type(const char *name)
{
	for (uint32_t t = 0; t < VG_EV_MAX; t++) {
		const struct ev_info *info = ev_info_get(t);
		if (!info)
			continue;
		int i = ev_param_index(info, name);
		if (i >= 0)
			return info->params[i].type;
	}
	return VG_PT_NONE;
}

int field_resolve(const char *name, const char *arg, struct field_ref *ref, char *err, size_t errlen)
{
	const struct field_def *def = field_find(name);
	const char *dotarg = NULL;

	memset(ref, 0, sizeof(*ref));
	if (!def) {
		/* longest registered prefix that accepts an argument after a dot */
		size_t best = 0;
		for (size_t i = 0; i < NFIELDS; i++) {
			size_t l = strlen(g_fields[i].name);
			if ((g_fields[i].flags & FF_ARG_DOT) && l > best && !strncmp(name, g_fields[i].name, l) &&
			    name[l] == '.' && name[l + 1]) {
				best = l;
				def = &g_fields[i];
			}
		}
		if (def)
			dotarg = name + best + 1;
	}
	if (!def) {
		snprintf(err, errlen, "unknown field '%s'", name);
		return -ENOENT;
	}
	ref->def = def;
	ref->type = def->type;
	ref->cache_idx = -2;
	if (dotarg && arg) {
		snprintf(err, errlen, "field '%s' takes one argument, got two", name);
		return -EINVAL;
	}
	if (dotarg)
		arg = dotarg;
	if (arg) {
		if (!(def->flags & (FF_ARG_INDEX | FF_ARG_KEY))) {
			snprintf(err, errlen, "field '%s' does not take an argument", def->name);
			return -EINVAL;
		}
		ref->has_arg = true;
		if ((def->flags & FF_ARG_INDEX) && parse_index(arg, &ref->index)) {
			if (ref->index < 0) {
				snprintf(err, errlen, "negative index %s for field '%s'", arg, def->name);
				return -EINVAL;
			}
			ref->key = NULL;
		} else if (def->flags & FF_ARG_KEY) {
			ref->key = arg;
			ref->keylen = (uint32_t)strlen(arg);
			if (!ref->keylen) {
				snprintf(err, errlen, "empty argument for field '%s'", def->name);
				return -EINVAL;
			}
		} else {
			snprintf(err, errlen, "field '%s' expects a numeric index, got '%s'", def->name, arg);
			return -EINVAL;
		}
	} else if (def->flags & FF_ARG_REQUIRED) {
		snprintf(err, errlen, "field '%s' requires an argument", def->name);
		return -EINVAL;
	}
	if (def->id == FLD_EVT_RAWARG) {
		if (!ref->key) {
			snprintf(err, errlen, "evt.rawarg needs a parameter name");
			return -EINVAL;
		}
		ref->type = rawarg_type(ref->key);
		if (ref->type == VG_PT_NONE) {
			snprintf(err, errlen, "no event has a parameter called '%s'", ref->key);
			return -EINVAL;
		}
	}
	if (def->id == FLD_EVT_ARG && ref->key && !ref->has_arg)
		return 0;
	return 0;
}

void fctx_init(struct fctx *c, const struct state *st)
{
	memset(c, 0, sizeof(*c));
	c->st = st;
	for (int i = 0; i < FCTX_SCRATCH; i++)
		strbuf_init(&c->scratch[i]);
	const char *h = getenv("FALCO_HOSTNAME");
	if (!h)
		h = getenv("VIGIL_HOSTNAME");
	c->hostname = h;
}

void fctx_fini(struct fctx *c)
{
	for (int i = 0; i < FCTX_SCRATCH; i++)
		strbuf_fini(&c->scratch[i]);
	for (int i = 0; i < FCTX_RE_CACHE; i++) {
		free(c->re_cache[i].pat);
		pcre2_code_free(c->re_cache[i].code);
	}
}

static struct strbuf *scratch(struct fctx *c)
{
	struct strbuf *sb = &c->scratch[c->slot];
	c->slot = (c->slot + 1) % FCTX_SCRATCH;
	strbuf_reset(sb);
	return sb;
}

/* ------------------------------------------------------------------------
 * Value helpers
 * ------------------------------------------------------------------------ */

static bool v_str(struct fval *o, const char *s)
{
	if (!s)
		return false;
	o->type = VG_PT_CHARBUF;
	o->v.s = s;
	o->len = (uint32_t)strlen(s);
	return true;
}

static bool v_sb(struct fval *o, struct strbuf *sb)
{
	o->type = VG_PT_CHARBUF;
	o->v.s = sb->buf;
	o->len = (uint32_t)sb->len;
	return true;
}

static bool v_i64(struct fval *o, int64_t i)
{
	o->type = VG_PT_INT64;
	o->v.i = i;
	return true;
}

static bool v_u64(struct fval *o, uint8_t type, uint64_t u)
{
	o->type = type;
	o->v.u = u;
	return true;
}

static bool v_bool(struct fval *o, bool b)
{
	o->type = VG_PT_BOOL;
	o->v.u = b;
	return true;
}

static bool v_ip(struct fval *o, const uint8_t *ip, bool v6)
{
	o->type = VG_PT_IPADDR;
	o->iplen = v6 ? 16 : 4;
	memset(o->v.ip, 0, 16);
	memcpy(o->v.ip, ip, o->iplen);
	return true;
}

/* Join NUL-separated strings with `sep`. */
static void join_nul(struct strbuf *sb, const char *p, size_t n, char sep)
{
	size_t start = sb->len;
	strbuf_add(sb, p, n);
	/* each NUL ends one argument: only the last one is dropped, so empty
	 * arguments still show as spaces (as libsinsp's argument vector does) */
	if (sb->len > start && sb->buf[sb->len - 1] == 0)
		sb->len--;
	for (size_t i = start; i < sb->len; i++)
		if (sb->buf[i] == 0)
			sb->buf[i] = sep;
	sb->buf[sb->len] = 0;
}

/* ------------------------------------------------------------------------
 * Process tree
 * ------------------------------------------------------------------------ */

static struct thread *proc_main(struct fctx *c, struct thread *t)
{
	return state_main_thread(c->st, t);
}

/* The n-th ancestor of t: 0 = the process itself. */
static struct thread *ancestor(struct fctx *c, struct thread *t, int64_t n)
{
	struct thread *a = proc_main(c, t);
	for (int64_t i = 0; a && i < n; i++) {
		struct thread *p = state_parent(c->st, a);
		if (!p || p == a)
			return NULL;
		a = proc_main(c, p);
	}
	return a;
}

static bool cmdline(struct fctx *c, struct thread *t, struct fval *o, bool use_exe)
{
	const char *head = use_exe ? t->exe : t->comm;
	if (!head || (!use_exe && !*head))
		return false;
	struct strbuf *sb = scratch(c);
	strbuf_adds(sb, head);
	if (t->args_len) {
		strbuf_addc(sb, ' ');
		join_nul(sb, t->args, t->args_len, ' ');
	}
	return v_sb(o, sb);
}

static const char *env_lookup(const struct thread *t, const char *key, size_t klen)
{
	const char *p = t->env, *end = t->env + t->env_len;
	if (!p)
		return NULL;
	while (p < end) {
		size_t n = strnlen(p, (size_t)(end - p));
		if (n > klen && !memcmp(p, key, klen) && p[klen] == '=')
			return p + klen + 1;
		p += n + 1;
	}
	return NULL;
}

static bool is_shell(const char *comm)
{
	size_t n = comm ? strlen(comm) : 0;
	return n >= 2 && comm[n - 2] == 's' && comm[n - 1] == 'h';
}

static const char *const cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
	"CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
	"CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

static bool caps(struct fctx *c, uint64_t mask, struct fval *o)
{
	struct strbuf *sb = scratch(c);
	for (size_t i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++) {
		if (mask & (1ull << i)) {
			if (sb->len)
				strbuf_addc(sb, ' ');
			strbuf_adds(sb, cap_names[i]);
		}
	}
	return v_sb(o, sb);
}

/* ------------------------------------------------------------------------
 * Event helpers
 * ------------------------------------------------------------------------ */

/* The result parameter of an exit event: first parameter of type ERRNO, FD
 * or PID (open's "fd" is its result). */
static const struct ev_param *res_param(const struct event *ev)
{
	if (!VG_EV_IS_EXIT(ev->type) || ev->nparams == 0 || !ev->params[0].val)
		return NULL;
	switch (ev->info->params[0].type) {
	case VG_PT_ERRNO: case VG_PT_FD: case VG_PT_PID: case VG_PT_INT64: case VG_PT_UINT64:
	case VG_PT_INT32: case VG_PT_UINT32:
		return &ev->params[0];
	default:
		return NULL;
	}
}

static const char *evt_type_name(const struct event *ev)
{
	if (ev->type == VG_EV_GENERIC_E || ev->type == VG_EV_GENERIC_X) {
		uint64_t id = 0;
		if (ev->nparams && ev_param_u64(&ev->params[0], &id)) {
			const char *n = ev_syscall_name((uint32_t)id);
			if (n)
				return n;
		}
		return "<unknown>";
	}
	return ev->info->name;
}

/* Parameter by name with the cache in ref (exit first, then enter). */
static const struct ev_param *arg_param(const struct event *ev, struct field_ref *ref,
					const struct ev_param_info **pi)
{
	const struct event *src = ev;
	int idx;
	if (ref->cache_type == ev->type && ref->cache_idx != -2) {
		idx = ref->cache_idx;
		if (ref->cache_enter)
			src = ev->enter;
	} else {
		idx = ev_param_index(ev->info, ref->key);
		ref->cache_enter = false;
		ref->cache_type = ev->type;
		ref->cache_idx = (int16_t)idx;
		if (idx < 0 || (uint32_t)idx >= ev->nparams) {
			idx = -1;
			ref->cache_idx = -1;
			if (ev->enter) {
				/* only cache an enter lookup as long as pairing is the same */
				idx = ev_param_index(ev->enter->info, ref->key);
				ref->cache_idx = -2;
				src = ev->enter;
			}
		}
	}
	if (!src || idx < 0 || (uint32_t)idx >= src->nparams)
		return NULL;
	if (pi)
		*pi = &src->info->params[idx];
	return src->params[idx].val ? &src->params[idx] : NULL;
}

static bool param_text(struct fctx *c, const struct ev_param_info *pi, const struct ev_param *p,
		       struct fval *o)
{
	struct strbuf *val = scratch(c), *res = scratch(c);
	render_param(c, c->ev, pi, p, val, res);
	return v_sb(o, res->len ? res : val);
}

static bool param_typed(const struct ev_param_info *pi, const struct ev_param *p, struct fval *o)
{
	int64_t s;
	uint64_t u;
	switch (pi->type) {
	case VG_PT_INT8:
		return v_i64(o, (int8_t)p->val[0]);
	case VG_PT_INT16:
		return p->len >= 2 && v_i64(o, (int16_t)rd16(p->val));
	case VG_PT_INT32:
		return p->len >= 4 && v_i64(o, (int32_t)rd32(p->val));
	case VG_PT_INT64: case VG_PT_ERRNO: case VG_PT_FD: case VG_PT_PID:
		return ev_param_s64(p, &s) && v_i64(o, s);
	case VG_PT_CHARBUF: case VG_PT_FSPATH: case VG_PT_FSRELPATH: {
		o->type = VG_PT_CHARBUF;
		o->v.s = (const char *)p->val;
		o->len = p->len;
		while (o->len && o->v.s[o->len - 1] == 0)
			o->len--;
		return true;
	}
	case VG_PT_BYTEBUF:
		o->type = VG_PT_BYTEBUF;
		o->v.s = (const char *)p->val;
		o->len = p->len;
		return true;
	case VG_PT_IPV4ADDR:
		return p->len == 4 && v_ip(o, p->val, false);
	case VG_PT_IPV6ADDR:
		return p->len == 16 && v_ip(o, p->val, true);
	default:
		return ev_param_u64(p, &u) && v_u64(o, VG_PT_UINT64, u);
	}
}

static bool is_open_event(uint16_t type)
{
	static int8_t tab[VG_EV_MAX]; /* 0 unknown, 1 yes, -1 no */
	if (type >= VG_EV_MAX)
		return false;
	if (!tab[type]) {
		const struct ev_info *info = ev_info_get(type);
		const char *n = info ? info->name : "";
		tab[type] = (!strcmp(n, "open") || !strcmp(n, "openat") || !strcmp(n, "openat2") ||
			     !strcmp(n, "creat") || !strcmp(n, "open_by_handle_at")) ? 1 : -1;
	}
	return tab[type] > 0;
}

static bool open_flags(const struct event *ev, uint32_t *flags, uint32_t *mode)
{
	const struct ev_info *info = ev->info;
	if (!is_open_event(ev->type))
		return false;
	const struct ev_param *p = event_param_by_name(ev, "flags", NULL);
	*flags = 0;
	*mode = 0;
	if (p && p->val)
		ev_param_u32(p, flags);
	else if (strcmp(info->name, "creat"))
		return false;
	else
		*flags = VG_O_CREAT | VG_O_WRONLY | VG_O_TRUNC;
	p = event_param_by_name(ev, "mode", NULL);
	if (p && p->val)
		ev_param_u32(p, mode);
	return true;
}

static void fmt_time(struct strbuf *sb, uint64_t ts, bool date, bool ns, bool utc)
{
	time_t secs = (time_t)(ts / 1000000000ull);
	struct tm tm;
	char buf[64];
	if (utc)
		gmtime_r(&secs, &tm);
	else
		localtime_r(&secs, &tm);
	strftime(buf, sizeof(buf), date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
	strbuf_adds(sb, buf);
	if (ns)
		strbuf_addf(sb, ".%09" PRIu64, (uint64_t)(ts % 1000000000ull));
}

/* Absolute path of a path parameter, resolved against a dirfd parameter or the cwd. */
static bool abs_path(struct fctx *c, const char *pname, const char *dirname, struct fval *o, bool raw)
{
	const struct event *ev = c->ev;
	const struct ev_param *p = event_param_by_name(ev, pname, NULL);
	if (!p || !p->val)
		return false;
	size_t n = p->len;
	while (n && p->val[n - 1] == 0)
		n--;
	struct strbuf *sb = scratch(c);
	strbuf_add(sb, p->val, n);
	if (raw)
		return v_sb(o, sb);
	const char *base = ev->thread && ev->thread->cwd ? ev->thread->cwd : "";
	struct strbuf *dir = scratch(c);
	if (sb->buf[0] != '/' && dirname) {
		int64_t dfd = -100;
		const struct ev_param *d = event_param_by_name(ev, dirname, NULL);
		if (d && d->val)
			ev_param_s64(d, &dfd);
		if (dfd != -100 && ev->thread) {
			struct fdinfo *fi = state_fd(state_main_thread(c->st, ev->thread), dfd);
			if (!fi)
				return false;
			strbuf_adds(dir, fi->name);
			strbuf_addc(dir, '/');
			base = dir->buf;
		}
	}
	char *full = path_resolve(base, sb->buf);
	strbuf_reset(sb);
	strbuf_adds(sb, full);
	free(full);
	return v_sb(o, sb);
}

/* ------------------------------------------------------------------------
 * fd helpers
 * ------------------------------------------------------------------------ */

static bool fd_is_ip(const struct fdinfo *fi)
{
	return fi->kind == FDK_IPV4_SOCK || fi->kind == FDK_IPV6_SOCK || fi->kind == FDK_IPV4_SERVSOCK ||
	       fi->kind == FDK_IPV6_SERVSOCK;
}

static bool fd_is_v6(const struct fdinfo *fi)
{
	return fi->kind == FDK_IPV6_SOCK || fi->kind == FDK_IPV6_SERVSOCK;
}

static bool fd_is_serv(const struct fdinfo *fi)
{
	return fi->kind == FDK_IPV4_SERVSOCK || fi->kind == FDK_IPV6_SERVSOCK;
}

/* Local side is the server for accepted/listening sockets. */
static bool fd_local_is_server(const struct fdinfo *fi)
{
	return fd_is_serv(fi) || (fi->flags & FDF_ROLE_SERVER);
}

enum side { SIDE_CLIENT, SIDE_SERVER, SIDE_LOCAL, SIDE_REMOTE };

static int side_of(const struct fdinfo *fi, enum side s)
{
	/* returns 0 for the tuple's first (client) half, 1 for the second (server) */
	switch (s) {
	case SIDE_CLIENT: return 0;
	case SIDE_SERVER: return 1;
	case SIDE_LOCAL: return fd_local_is_server(fi) ? 1 : 0;
	case SIDE_REMOTE: return fd_local_is_server(fi) ? 0 : 1;
	}
	return 0;
}

static bool fd_ip(const struct fdinfo *fi, enum side s, struct fval *o)
{
	if (!fi || !fd_is_ip(fi) || (fi->flags & FDF_SOCKET_PENDING))
		return false;
	if (fd_is_serv(fi)) {
		if (s == SIDE_CLIENT || s == SIDE_REMOTE)
			return false;
		return v_ip(o, fi->sip, fd_is_v6(fi));
	}
	return v_ip(o, side_of(fi, s) ? fi->dip : fi->sip, fd_is_v6(fi));
}

static bool fd_port(const struct fdinfo *fi, enum side s, struct fval *o)
{
	if (!fi || !fd_is_ip(fi) || (fi->flags & FDF_SOCKET_PENDING))
		return false;
	if (fd_is_serv(fi)) {
		if (s == SIDE_CLIENT || s == SIDE_REMOTE)
			return false;
		return v_u64(o, VG_PT_PORT, fi->sport);
	}
	return v_u64(o, VG_PT_PORT, side_of(fi, s) ? fi->dport : fi->sport);
}

static bool fd_proto_name(struct fctx *c, const struct fdinfo *fi, enum side s, struct fval *o)
{
	struct fval p;
	if (!fd_port(fi, s, &p))
		return false;
	struct strbuf *sb = scratch(c);
	char buf[64];
	const char *proto = fi->l4proto == L4_UDP ? "udp" : "tcp";
	if (port_to_name((uint16_t)p.v.u, proto, buf, sizeof(buf)))
		strbuf_adds(sb, buf);
	else
		strbuf_addf(sb, "%" PRIu64, p.v.u);
	return v_sb(o, sb);
}

static bool fd_dirname(struct fctx *c, const struct fdinfo *fi, struct fval *o, bool want_dir)
{
	if (!fi)
		return false;
	if (fi->kind == FDK_UNKNOWN && want_dir && !strchr(fi->name, '/'))
		return v_str(o, "/");
	if (fi->kind != FDK_FILE && fi->kind != FDK_DIRECTORY)
		return false;
	const char *name = fi->name;
	const char *slash = strrchr(name, '/');
	struct strbuf *sb = scratch(c);
	if (fi->kind == FDK_DIRECTORY && want_dir) {
		strbuf_adds(sb, name);
		return v_sb(o, sb);
	}
	if (!slash)
		return false; /* a relative name (unknown working directory) */
	if (!want_dir && (fi->kind != FDK_FILE || fi->fd < 0))
		return false;
	if (want_dir) {
		if (slash == name)
			strbuf_addc(sb, '/');
		else
			strbuf_add(sb, name, (size_t)(slash - name));
		return v_sb(o, sb);
	}
	return v_str(o, slash + 1);
}

/* ------------------------------------------------------------------------
 * Containers
 * ------------------------------------------------------------------------ */

/*
 * Falco's container plugin extracts from one of three views of a thread:
 * - the host: an entry of its own (id, full id and name "host", type
 *   "host", every string "" and every flag false, so outputs show
 *   `container_image_repository=` and no label);
 * - a container with metadata: what the document says ("" when it says
 *   nothing);
 * - a container known only by its cgroups: container.id, and here also
 *   container.full_id and container.type, which the cgroups name; every
 *   other field is missing (<NA>) until the metadata arrives.
 * container.start_ts and container.duration come from the thread's pid
 * namespace (proc.pidns_init_start_ts), whatever the view.
 */
static const struct container_info g_host_container = {
	.id = "host", .full_id = "host", .type = "host", .name = "host", .image = "", .image_id = "",
	.image_repo = "", .image_tag = "", .image_digest = "", .ip = "", .user = "", .cni_json = "",
	.pod_sandbox_id = "", .has_metadata = true,
};

/* The thread's container view: the host entry, the container's, or NULL
 * when there is no thread. */
static const struct container_info *cont(struct fctx *c)
{
	struct thread *t = c->ev->thread;
	if (!t)
		return NULL;
	const struct container_info *ci = state_thread_container((struct state *)c->st, t);
	return ci ? ci : &g_host_container;
}

/* The same, only when its metadata is known (the host's always is). */
static const struct container_info *cont_meta(struct fctx *c)
{
	const struct container_info *ci = cont(c);
	return ci && ci->has_metadata ? ci : NULL;
}

/* The pod sandbox entry whose pod fields a container shows: its own when it
 * carries the CNI result, else its sandbox container's (the host entry for
 * an empty sandbox id, as the plugin's table keys the host by ""), NULL when
 * the sandbox is not known. */
static const struct container_info *pod_entry(struct fctx *c, const struct container_info *ci)
{
	if (*ci->cni_json)
		return ci;
	if (!*ci->pod_sandbox_id)
		return &g_host_container;
	const struct container_info *sb = container_find(&c->st->containers, ci->pod_sandbox_id);
	return sb && sb->has_metadata ? sb : NULL;
}

/* Labels as the plugin lists them: sorted, "key:value" (or "key" for an
 * empty value) joined by ", ", without annotations and io.kubernetes.*. */
static bool labels_list(struct fctx *c, const struct container_kv *kv, size_t n, struct fval *o)
{
	struct strbuf *sb = scratch(c);
	for (size_t i = 0; i < n; i++) {
		if (!strncmp(kv[i].key, "annotation.", 11) || !strncmp(kv[i].key, "io.kubernetes.", 14))
			continue;
		strbuf_addf(sb, "%s%s", sb->len ? ", " : "", kv[i].key);
		if (*kv[i].value)
			strbuf_addf(sb, ":%s", kv[i].value);
	}
	return v_sb(o, sb);
}

/* A compiled mount path pattern, cached per context. */
static pcre2_code *mount_re(struct fctx *c, const char *pat)
{
	for (int i = 0; i < FCTX_RE_CACHE; i++)
		if (c->re_cache[i].pat && !strcmp(c->re_cache[i].pat, pat))
			return c->re_cache[i].code;
	int err;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_MULTILINE, &err, &off, NULL);
	if (!re)
		return NULL;
	int k = c->re_next;
	c->re_next = (c->re_next + 1) % FCTX_RE_CACHE;
	free(c->re_cache[k].pat);
	pcre2_code_free(c->re_cache[k].code);
	c->re_cache[k].pat = strdup(pat);
	c->re_cache[k].code = re;
	return re;
}

/* container.mount*[ARG]: a mount by index, or the first one whose source
 * (destination for container.mount.source) the regular expression ARG
 * matches somewhere, as the container plugin searches (libsinsp before it
 * used a glob). */
static const struct container_mount *mount_sel(struct fctx *c, const struct container_info *ci,
					       const struct field_ref *ref, bool by_dest)
{
	if (!ci)
		return NULL;
	if (!ref->key) {
		if (ref->index >= 0 && (size_t)ref->index < ci->nmounts)
			return &ci->mounts[ref->index];
		return NULL;
	}
	pcre2_code *re = mount_re(c, ref->key);
	if (!re)
		return NULL;
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	const struct container_mount *found = NULL;
	for (size_t i = 0; i < ci->nmounts && !found; i++) {
		const char *s = by_dest ? ci->mounts[i].dest : ci->mounts[i].source;
		if (pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL) >= 0)
			found = &ci->mounts[i];
	}
	pcre2_match_data_free(md);
	return found;
}

static uint64_t pidns_start(struct fctx *c, struct thread *t)
{
	if (!t)
		return 0;
	if (!t->pidns_init_start_ts)
		t = proc_main(c, t);
	return t->pidns_init_start_ts;
}

/* ------------------------------------------------------------------------
 * Extraction
 * ------------------------------------------------------------------------ */

bool field_extract(struct fctx *c, const struct field_ref *cref, struct fval *o)
{
	struct field_ref *ref = (struct field_ref *)cref; /* caches only */
	const struct event *ev = c->ev;
	struct thread *t = ev->thread;
	struct fdinfo *fi = ev->fdinfo;
	const struct container_info *cc;
	const struct user_info *ui;
	const struct group_info *gi;
	struct thread *a;
	uint32_t flags, mode;
	struct strbuf *sb;

	o->len = 0;
	o->iplen = 0;
	switch (ref->def->id) {
	/* ---- evt ---- */
	case FLD_EVT_NUM:
		return v_u64(o, VG_PT_UINT64, ev->num);
	case FLD_EVT_TIME:
		sb = scratch(c);
		fmt_time(sb, ev->ts, false, true, false);
		return v_sb(o, sb);
	case FLD_EVT_TIME_S:
		sb = scratch(c);
		fmt_time(sb, ev->ts, false, false, false);
		return v_sb(o, sb);
	case FLD_EVT_TIME_ISO8601:
		sb = scratch(c);
		{
			time_t secs = (time_t)(ev->ts / 1000000000ull);
			struct tm tm;
			char buf[40];
			gmtime_r(&secs, &tm);
			strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
			strbuf_addf(sb, "%s.%09" PRIu64 "Z", buf, (uint64_t)(ev->ts % 1000000000ull));
		}
		return v_sb(o, sb);
	case FLD_EVT_DATETIME:
		sb = scratch(c);
		fmt_time(sb, ev->ts, true, true, false);
		return v_sb(o, sb);
	case FLD_EVT_DATETIME_S:
		sb = scratch(c);
		fmt_time(sb, ev->ts, true, false, false);
		return v_sb(o, sb);
	case FLD_EVT_RAWTIME:
		return v_u64(o, VG_PT_ABSTIME, ev->ts);
	case FLD_EVT_RAWTIME_S:
		return v_u64(o, VG_PT_ABSTIME, ev->ts / 1000000000ull);
	case FLD_EVT_RAWTIME_NS:
		return v_u64(o, VG_PT_ABSTIME, (uint64_t)(ev->ts % 1000000000ull));
	case FLD_EVT_RELTIME:
		return v_u64(o, VG_PT_RELTIME, ev->ts - c->st->first_ts);
	case FLD_EVT_RELTIME_S:
		return v_u64(o, VG_PT_RELTIME, (ev->ts - c->st->first_ts) / 1000000000ull);
	case FLD_EVT_RELTIME_NS:
		return v_u64(o, VG_PT_RELTIME, (ev->ts - c->st->first_ts) % 1000000000ull);
	case FLD_EVT_LATENCY:
		if (!ev->enter)
			return v_u64(o, VG_PT_RELTIME, 0);
		return v_u64(o, VG_PT_RELTIME, ev->ts - ev->enter->ts);
	case FLD_EVT_DELTATIME:
		return false;
	case FLD_EVT_DIR:
		return v_str(o, VG_EV_IS_EXIT(ev->type) ? "<" : ">");
	case FLD_EVT_TYPE:
		return v_str(o, evt_type_name(ev));
	case FLD_EVT_TYPE_IS:
		return v_u64(o, VG_PT_UINT32, !strcmp(evt_type_name(ev), ref->key));
	case FLD_SYSCALL_TYPE:
		if (ev->info->category == EC_INTERNAL || (ev->info->category & EC_SCHEDULER))
			return false;
		return v_str(o, evt_type_name(ev));
	case FLD_EVT_CATEGORY: {
		static const struct { uint16_t c; const char *n; } cats[] = {
			{ EC_UNKNOWN, "unknown" }, { EC_OTHER, "other" }, { EC_FILE, "file" },
			{ EC_NET, "net" }, { EC_IPC, "IPC" }, { EC_MEMORY, "memory" },
			{ EC_PROCESS, "process" }, { EC_SLEEP, "sleep" }, { EC_SYSTEM, "system" },
			{ EC_SIGNAL, "signal" }, { EC_USER, "user" }, { EC_TIME, "time" },
			{ EC_PROCESSING, "processing" }, { EC_IO_READ, "file" }, { EC_IO_WRITE, "file" },
			{ EC_IO_OTHER, "file" }, { EC_WAIT, "wait" }, { EC_SCHEDULER, "scheduler" },
			{ EC_INTERNAL, "internal" },
		};
		uint16_t cat = ev->info->category;
		if ((cat & 32) && fi) {
			switch (fi->kind) {
			case FDK_IPV4_SOCK: case FDK_IPV6_SOCK: case FDK_IPV4_SERVSOCK:
			case FDK_IPV6_SERVSOCK: case FDK_UNIX_SOCK:
				return v_str(o, "net");
			case FDK_FIFO: case FDK_EVENT: case FDK_SIGNALFD:
				return v_str(o, "IPC");
			default:
				break;
			}
		}
		for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
			if (cats[i].c == cat)
				return v_str(o, cats[i].n);
		return v_str(o, "unknown");
	}
	case FLD_EVT_CPU:
		o->type = VG_PT_INT16;
		o->v.i = ev->cpuid;
		return true;
	case FLD_EVT_ARGS:
	case FLD_EVT_INFO: {
		sb = scratch(c);
		struct strbuf *val = scratch(c), *res = scratch(c);
		for (uint32_t i = 0; i < ev->nparams && i < ev->info->nparams; i++) {
			const struct ev_param_info *pi = &ev->info->params[i];
			strbuf_reset(val);
			strbuf_reset(res);
			render_param(c, ev, pi, &ev->params[i], val, res);
			strbuf_addf(sb, "%s=%s", pi->name, val->buf);
			if (res->len)
				strbuf_addf(sb, "(%s)", res->buf);
			strbuf_addc(sb, ' ');
		}
		return v_sb(o, sb);
	}
	case FLD_EVT_ARG: {
		const struct ev_param_info *pi;
		const struct ev_param *p;
		if (!ref->key) {
			if (ref->index >= (int64_t)ev->nparams || ref->index >= (int64_t)ev->info->nparams)
				return false;
			pi = &ev->info->params[ref->index];
			p = &ev->params[ref->index];
			if (!p->val)
				return false;
		} else {
			p = arg_param(ev, ref, &pi);
			if (!p)
				return false;
		}
		return param_text(c, pi, p, o);
	}
	case FLD_EVT_RAWARG: {
		const struct ev_param_info *pi;
		const struct ev_param *p = arg_param(ev, ref, &pi);
		if (!p)
			return false;
		return param_typed(pi, p, o);
	}
	case FLD_EVT_BUFFER: {
		const struct ev_param *p = event_param_by_name(ev, "data", NULL);
		if (!p || !p->val)
			return false;
		o->type = VG_PT_BYTEBUF;
		o->v.s = (const char *)p->val;
		o->len = p->len;
		return true;
	}
	case FLD_EVT_BUFLEN: {
		const struct ev_param *p = event_param_by_name(ev, "data", NULL);
		if (!p || !VG_EV_IS_EXIT(ev->type))
			return false;
		const struct ev_param *r = res_param(ev);
		int64_t res;
		if (r && ev_param_s64(r, &res) && res >= 0)
			return v_u64(o, VG_PT_UINT64, (uint64_t)res);
		return false;
	}
	case FLD_EVT_RES: {
		const struct ev_param *r = res_param(ev);
		int64_t res;
		if (!r || !ev_param_s64(r, &res))
			return false;
		if (res >= 0)
			return v_str(o, "SUCCESS");
		const char *n = errno_name(-res);
		if (n)
			return v_str(o, n);
		sb = scratch(c);
		strbuf_addf(sb, "%" PRId64, res);
		return v_sb(o, sb);
	}
	case FLD_EVT_RAWRES: {
		const struct ev_param *r = res_param(ev);
		int64_t res;
		if (!r || !ev_param_s64(r, &res))
			return false;
		return v_i64(o, res);
	}
	case FLD_EVT_FAILED: {
		const struct ev_param *r = res_param(ev);
		int64_t res;
		if (!r || !ev_param_s64(r, &res))
			return v_bool(o, false);
		return v_bool(o, res < 0);
	}
	case FLD_EVT_IS_IO:
		return v_bool(o, (ev->info->flags & (EF_READS_FROM_FD | EF_WRITES_TO_FD)) != 0);
	case FLD_EVT_IS_IO_READ:
		return v_bool(o, (ev->info->flags & EF_READS_FROM_FD) != 0);
	case FLD_EVT_IS_IO_WRITE:
		return v_bool(o, (ev->info->flags & EF_WRITES_TO_FD) != 0);
	case FLD_EVT_IO_DIR:
		if (ev->info->flags & EF_READS_FROM_FD)
			return v_str(o, "r");
		if (ev->info->flags & EF_WRITES_TO_FD)
			return v_str(o, "w");
		return false;
	case FLD_EVT_IS_WAIT:
		return v_bool(o, (ev->info->flags & EF_WAITS) != 0);
	case FLD_EVT_IS_SYSLOG:
		return v_bool(o, fi && (ev->info->flags & EF_WRITES_TO_FD) && !strcmp(fi->name, "/dev/log"));
	case FLD_EVT_COUNT:
		return v_u64(o, VG_PT_UINT32, 1);
	case FLD_EVT_COUNT_ERROR: {
		const struct ev_param *r = res_param(ev);
		int64_t res = 0;
		return v_u64(o, VG_PT_UINT32, r && ev_param_s64(r, &res) && res < 0);
	}
	case FLD_EVT_COUNT_EXIT:
		return v_u64(o, VG_PT_UINT32, VG_EV_IS_EXIT(ev->type));
	case FLD_EVT_ABSPATH:
		if (ref->key) {
			const char *dir = !strcmp(ref->key, "src") ? "olddirfd" : !strcmp(ref->key, "dst") ? "newdirfd" : "dirfd";
			const char *name = !strcmp(ref->key, "src") ? "oldpath" : !strcmp(ref->key, "dst") ? "newpath" : "name";
			return abs_path(c, name, dir, o, false);
		}
		if (abs_path(c, "name", "dirfd", o, false))
			return true;
		return abs_path(c, "path", "dirfd", o, false);
	case FLD_EVT_IS_OPEN_READ:
		if (!open_flags(ev, &flags, &mode))
			return false;
		return v_bool(o, (flags & VG_O_RDONLY) != 0);
	case FLD_EVT_IS_OPEN_WRITE:
		if (!open_flags(ev, &flags, &mode))
			return false;
		return v_bool(o, (flags & VG_O_WRONLY) != 0);
	case FLD_EVT_IS_OPEN_EXEC:
		if (!open_flags(ev, &flags, &mode))
			return false;
		return v_bool(o, (flags & (VG_O_CREAT | VG_O_TMPFILE)) && (mode & 0111));
	case FLD_EVT_IS_OPEN_CREATE:
		if (!open_flags(ev, &flags, &mode))
			return false;
		return v_bool(o, (flags & VG_O_CREAT) != 0);
	case FLD_EVT_HOSTNAME:
		return v_str(o, c->hostname ? c->hostname : c->st->hostname);
	case FLD_EVT_SOURCE:
		return v_str(o, "syscall");
	case FLD_EVT_IS_ASYNC:
		return v_bool(o, ev->type == VG_EV_ASYNCEVENT_E || ev->type == VG_EV_CONTAINER_JSON_E ||
				       ev->type == VG_EV_CONTAINER_JSON_2_E);
	case FLD_EVT_ASYNCTYPE:
		if (ev->type == VG_EV_CONTAINER_JSON_E || ev->type == VG_EV_CONTAINER_JSON_2_E)
			return v_str(o, "container");
		return false;
	case FLD_EVT_PLUGINNAME:
		return false;

	/* ---- proc / thread ---- */
	case FLD_PROC_EXE:
		return t && v_str(o, t->exe);
	case FLD_PROC_PEXE:
		a = t ? ancestor(c, t, 1) : NULL;
		return a && v_str(o, a->exe);
	case FLD_PROC_AEXE:
		a = t ? ancestor(c, t, ref->index) : NULL;
		return a && v_str(o, a->exe);
	case FLD_PROC_EXEPATH:
		if (!t)
			return false;
		a = proc_main(c, t);
		return v_str(o, a->exepath ? a->exepath : t->exepath ? t->exepath : "");
	case FLD_PROC_PEXEPATH:
		a = t ? ancestor(c, t, 1) : NULL;
		return a && v_str(o, a->exepath);
	case FLD_PROC_AEXEPATH:
		a = t ? ancestor(c, t, ref->index) : NULL;
		return a && v_str(o, a->exepath);
	case FLD_PROC_NAME:
		return t && t->comm && t->comm[0] && v_str(o, t->comm);
	case FLD_PROC_PNAME:
		a = t ? ancestor(c, t, 1) : NULL;
		return a && a->comm && a->comm[0] && v_str(o, a->comm);
	case FLD_PROC_ANAME:
		a = t ? (ref->index == 0 ? t : ancestor(c, t, ref->index)) : NULL;
		return a && a->comm && a->comm[0] && v_str(o, a->comm);
	case FLD_PROC_ARGS:
		if (!t || !t->comm || !t->comm[0])
			return false;
		sb = scratch(c);
		join_nul(sb, t->args ? t->args : "", t->args_len, ' ');
		return v_sb(o, sb);
	case FLD_PROC_CMDLINE:
		return t && cmdline(c, t, o, false);
	case FLD_PROC_PCMDLINE:
		a = t ? ancestor(c, t, 1) : NULL;
		return a && cmdline(c, a, o, false);
	case FLD_PROC_ACMDLINE:
		a = t ? ancestor(c, t, ref->index) : NULL;
		return a && cmdline(c, a, o, false);
	case FLD_PROC_EXELINE:
		return t && t->exe && cmdline(c, t, o, true);
	case FLD_PROC_CMDNARGS: {
		if (!t)
			return false;
		uint64_t n = 0;
		for (uint32_t i = 0; i < t->args_len; i++)
			n += t->args[i] == 0;
		if (t->args_len && t->args[t->args_len - 1] != 0)
			n++;
		return v_u64(o, VG_PT_UINT64, n);
	}
	case FLD_PROC_CMDLENARGS: {
		if (!t)
			return false;
		uint64_t n = 0;
		for (uint32_t i = 0; i < t->args_len; i++)
			n += t->args[i] != 0;
		return v_u64(o, VG_PT_UINT64, n);
	}
	case FLD_PROC_ENV:
		if (!t)
			return false;
		if (ref->key) {
			return v_str(o, env_lookup(proc_main(c, t), ref->key, ref->keylen));
		}
		sb = scratch(c);
		join_nul(sb, proc_main(c, t)->env ? proc_main(c, t)->env : "", proc_main(c, t)->env_len, ' ');
		return v_sb(o, sb);
	case FLD_PROC_AENV:
		if (!t || !ref->key)
			return false;
		for (int64_t i = 0; i < FIELD_MAX_ANCESTORS; i++) {
			a = ancestor(c, t, i);
			if (!a)
				break;
			const char *v = env_lookup(a, ref->key, ref->keylen);
			if (v)
				return v_str(o, v);
		}
		return false;
	case FLD_PROC_CWD:
		if (!t)
			return false;
		/* the working directory belongs to the process (its main thread) */
		a = proc_main(c, t);
		return v_str(o, a->cwd ? a->cwd : "");
	case FLD_PROC_LOGINSHELLID: {
		if (!t)
			return false;
		int64_t id = -1;
		for (int64_t i = 0; i < FIELD_MAX_ANCESTORS; i++) {
			a = ancestor(c, t, i);
			if (!a)
				break;
			if (is_shell(a->comm))
				id = a->pid;
		}
		return id >= 0 && v_i64(o, id);
	}
	case FLD_PROC_TTY:
		return t && v_u64(o, VG_PT_UINT32, t->tty);
	case FLD_PROC_PID:
		return t && v_i64(o, t->pid);
	case FLD_PROC_PPID:
		return t && v_i64(o, proc_main(c, t)->ptid);
	case FLD_PROC_APID:
		a = t ? ancestor(c, t, ref->index) : NULL;
		return a && v_i64(o, a->pid);
	case FLD_PROC_VPID:
		return t && t->vpid >= 0 && v_i64(o, t->vpid);
	case FLD_PROC_PVPID:
		a = t ? ancestor(c, t, 1) : NULL;
		return a && a->vpid >= 0 && v_i64(o, a->vpid);
	case FLD_PROC_SID:
		return t && t->sid >= 0 && v_i64(o, t->sid);
	case FLD_PROC_SNAME:
	case FLD_PROC_SID_EXE:
	case FLD_PROC_SID_EXEPATH:
	case FLD_PROC_VPGID_NAME:
	case FLD_PROC_VPGID_EXE:
	case FLD_PROC_VPGID_EXEPATH: {
		if (!t)
			return false;
		bool by_sid = ref->def->id == FLD_PROC_SNAME || ref->def->id == FLD_PROC_SID_EXE ||
			      ref->def->id == FLD_PROC_SID_EXEPATH;
		int64_t want = by_sid ? t->sid : t->vpgid;
		struct thread *leader = NULL;
		if (want < 0)
			return false;
		for (int64_t i = 0; i < FIELD_MAX_ANCESTORS; i++) {
			a = ancestor(c, t, i);
			if (!a)
				break;
			if ((by_sid ? a->pid : (a->vpid >= 0 ? a->vpid : a->pid)) == want)
				leader = a;
		}
		if (!leader)
			return false;
		switch (ref->def->id) {
		case FLD_PROC_SNAME: case FLD_PROC_VPGID_NAME:
			return v_str(o, leader->comm);
		case FLD_PROC_SID_EXE: case FLD_PROC_VPGID_EXE:
			return v_str(o, leader->exe);
		default:
			return v_str(o, leader->exepath);
		}
	}
	case FLD_PROC_VPGID:
		return t && t->vpgid >= 0 && v_i64(o, t->vpgid);
	case FLD_PROC_PGID:
		return t && t->pgid >= 0 && v_i64(o, t->pgid);
	case FLD_PROC_DURATION:
		a = t ? proc_main(c, t) : NULL;
		return a && a->clone_ts && ev->ts >= a->clone_ts && v_u64(o, VG_PT_RELTIME, ev->ts - a->clone_ts);
	case FLD_PROC_PPID_DURATION:
		a = t ? ancestor(c, t, 1) : NULL;
		return a && a->clone_ts && ev->ts >= a->clone_ts && v_u64(o, VG_PT_RELTIME, ev->ts - a->clone_ts);
	case FLD_PROC_PID_TS:
		a = t ? proc_main(c, t) : NULL;
		return a && a->clone_ts && v_u64(o, VG_PT_RELTIME, a->clone_ts);
	case FLD_PROC_PPID_TS:
		a = t ? ancestor(c, t, 1) : NULL;
		return a && a->clone_ts && v_u64(o, VG_PT_RELTIME, a->clone_ts);
	case FLD_PROC_IS_EXE_WRITABLE:
		return t && v_bool(o, t->exe_writable);
	case FLD_PROC_IS_EXE_UPPER_LAYER:
		return t && v_bool(o, t->exe_upper_layer);
	case FLD_PROC_IS_EXE_LOWER_LAYER:
		return t && v_bool(o, t->exe_lower_layer);
	case FLD_PROC_IS_EXE_FROM_MEMFD:
		return t && v_bool(o, t->exe_from_memfd);
	case FLD_PROC_IS_SID_LEADER:
		return t && t->sid >= 0 && v_bool(o, t->sid == t->pid);
	case FLD_PROC_IS_VPGID_LEADER:
		return t && t->vpgid >= 0 && v_bool(o, t->vpgid == (t->vpid >= 0 ? t->vpid : t->pid));
	case FLD_PROC_EXE_INO:
		return t && t->exe_ino && v_i64(o, (int64_t)t->exe_ino);
	case FLD_PROC_EXE_INO_CTIME:
		return t && t->exe_ino_ctime && v_u64(o, VG_PT_ABSTIME, t->exe_ino_ctime);
	case FLD_PROC_EXE_INO_MTIME:
		return t && t->exe_ino_mtime && v_u64(o, VG_PT_ABSTIME, t->exe_ino_mtime);
	case FLD_PROC_EXE_INO_CTIME_DURATION_PROC_START:
		a = t ? proc_main(c, t) : NULL;
		return a && a->exe_ino_ctime && a->clone_ts >= a->exe_ino_ctime && a->clone_ts &&
		       v_u64(o, VG_PT_ABSTIME, a->clone_ts - a->exe_ino_ctime);
	case FLD_PROC_EXE_INO_CTIME_DURATION_PIDNS_START:
		return t && t->exe_ino_ctime && t->pidns_init_start_ts &&
		       t->pidns_init_start_ts >= t->exe_ino_ctime &&
		       v_u64(o, VG_PT_ABSTIME, t->pidns_init_start_ts - t->exe_ino_ctime);
	case FLD_PROC_PIDNS_INIT_START_TS:
		return t && t->pidns_init_start_ts && v_u64(o, VG_PT_UINT64, t->pidns_init_start_ts);
	case FLD_PROC_FDLIMIT:
		return t && v_i64(o, (int64_t)t->fdlimit);
	case FLD_PROC_FDOPENCOUNT:
		return t && t->fdt && v_u64(o, VG_PT_UINT64, t->fdt->fds.len);
	case FLD_PROC_NTHREADS:
	case FLD_PROC_NCHILDS: {
		if (!t)
			return false;
		uint64_t n = 0;
		for (size_t i = 0; i < c->st->threads.cap; i++) {
			struct thread *x = c->st->threads.vals[i];
			if (x && x->pid == t->pid)
				n++;
		}
		if (ref->def->id == FLD_PROC_NCHILDS && n)
			n--;
		return v_u64(o, VG_PT_UINT64, n);
	}
	case FLD_PROC_STDIN_TYPE: case FLD_PROC_STDOUT_TYPE: case FLD_PROC_STDERR_TYPE:
	case FLD_PROC_STDIN_NAME: case FLD_PROC_STDOUT_NAME: case FLD_PROC_STDERR_NAME: {
		if (!t)
			return false;
		int fdn = (ref->def->id == FLD_PROC_STDIN_TYPE || ref->def->id == FLD_PROC_STDIN_NAME) ? 0 :
			  (ref->def->id == FLD_PROC_STDOUT_TYPE || ref->def->id == FLD_PROC_STDOUT_NAME) ? 1 : 2;
		struct fdinfo *f = state_fd(proc_main(c, t), fdn);
		if (!f)
			return false;
		if (ref->def->id == FLD_PROC_STDIN_NAME || ref->def->id == FLD_PROC_STDOUT_NAME ||
		    ref->def->id == FLD_PROC_STDERR_NAME)
			return v_str(o, f->name);
		return v_str(o, fd_kind_name(f->kind));
	}
	case FLD_THREAD_TID:
		return t && v_i64(o, t->tid);
	case FLD_THREAD_VTID:
		return t && t->vtid >= 0 && v_i64(o, t->vtid);
	case FLD_THREAD_ISMAIN:
		return t && v_bool(o, t->tid == t->pid);
	case FLD_THREAD_CAP_PERMITTED:
		return t && t->has_info && caps(c, t->cap_permitted, o);
	case FLD_THREAD_CAP_INHERITABLE:
		return t && t->has_info && caps(c, t->cap_inheritable, o);
	case FLD_THREAD_CAP_EFFECTIVE:
		return t && t->has_info && caps(c, t->cap_effective, o);
	case FLD_THREAD_CGROUPS:
		if (!t || !t->cgroups)
			return false;
		sb = scratch(c);
		join_nul(sb, t->cgroups, t->cgroups_len, ' ');
		return v_sb(o, sb);
	case FLD_THREAD_CGROUP: {
		if (!t || !t->cgroups)
			return false;
		const char *p = t->cgroups, *end = t->cgroups + t->cgroups_len;
		while (p < end) {
			size_t n = strnlen(p, (size_t)(end - p));
			if (n > ref->keylen && !memcmp(p, ref->key, ref->keylen) && p[ref->keylen] == '=')
				return v_str(o, p + ref->keylen + 1);
			p += n + 1;
		}
		return false;
	}

	/* ---- user / group ---- */
	case FLD_USER_UID:
		return t && v_u64(o, VG_PT_UINT32, t->uid);
	case FLD_USER_NAME:
		ui = t ? state_thread_user((struct state *)c->st, t, t->uid) : NULL;
		return ui && v_str(o, ui->name);
	case FLD_USER_HOMEDIR:
		ui = t ? state_thread_user((struct state *)c->st, t, t->uid) : NULL;
		return ui && v_str(o, ui->home);
	case FLD_USER_SHELL:
		ui = t ? state_thread_user((struct state *)c->st, t, t->uid) : NULL;
		return ui && v_str(o, ui->shell);
	case FLD_USER_LOGINUID:
		return t && v_i64(o, t->loginuid == UINT32_MAX ? -1 : (int64_t)t->loginuid);
	case FLD_USER_LOGINNAME:
		if (!t || t->loginuid == UINT32_MAX)
			return false;
		ui = state_thread_user((struct state *)c->st, t, t->loginuid);
		return ui && v_str(o, ui->name);
	case FLD_GROUP_GID:
		return t && v_u64(o, VG_PT_UINT32, t->gid);
	case FLD_GROUP_NAME:
		gi = t ? state_thread_group((struct state *)c->st, t, t->gid) : NULL;
		return gi && v_str(o, gi->name);

	/* ---- fd ---- */
	case FLD_FD_NUM:
		if (!(ev->sflags & EVS_HAS_FD))
			return false;
		return v_i64(o, fi && fi->fd < 0 ? -1 : ev->fd);
	case FLD_FD_TYPE:
		/* a failed open has no fd: its type is unknown (its typechar is 'f') */
		return fi && fi->fd >= 0 && v_str(o, fd_kind_name(fi->kind));
	case FLD_FD_TYPECHAR:
		if (!fi)
			return false;
		sb = scratch(c);
		strbuf_addc(sb, fd_kind_char(fi->kind));
		return v_sb(o, sb);
	case FLD_FD_NAME:
		return fi && v_str(o, fi->name);
	case FLD_FD_DIRECTORY:
		return fd_dirname(c, fi, o, true);
	case FLD_FD_FILENAME:
		return fd_dirname(c, fi, o, false);
	case FLD_FD_IP:
	case FLD_FD_NET:
		/* compared specially (client or server); extraction yields the server */
		return fd_ip(fi, SIDE_SERVER, o) && (o->type = ref->def->id == FLD_FD_NET ? VG_PT_IPNET : VG_PT_IPADDR, true);
	case FLD_FD_CIP:
		return fd_ip(fi, SIDE_CLIENT, o);
	case FLD_FD_SIP:
		return fd_ip(fi, SIDE_SERVER, o);
	case FLD_FD_LIP:
		return fd_ip(fi, SIDE_LOCAL, o);
	case FLD_FD_RIP:
		return fd_ip(fi, SIDE_REMOTE, o);
	case FLD_FD_CNET:
		return fd_ip(fi, SIDE_CLIENT, o) && (o->type = VG_PT_IPNET, true);
	case FLD_FD_SNET:
		return fd_ip(fi, SIDE_SERVER, o) && (o->type = VG_PT_IPNET, true);
	case FLD_FD_LNET:
		return fd_ip(fi, SIDE_LOCAL, o) && (o->type = VG_PT_IPNET, true);
	case FLD_FD_RNET:
		return fd_ip(fi, SIDE_REMOTE, o) && (o->type = VG_PT_IPNET, true);
	case FLD_FD_PORT:
	case FLD_FD_PROTO:
		return fd_port(fi, SIDE_SERVER, o);
	case FLD_FD_CPORT:
		return fd_port(fi, SIDE_CLIENT, o);
	case FLD_FD_SPORT:
		return fd_port(fi, SIDE_SERVER, o);
	case FLD_FD_LPORT:
		return fd_port(fi, SIDE_LOCAL, o);
	case FLD_FD_RPORT:
		return fd_port(fi, SIDE_REMOTE, o);
	case FLD_FD_CPROTO:
		return fd_proto_name(c, fi, SIDE_CLIENT, o);
	case FLD_FD_SPROTO:
		return fd_proto_name(c, fi, SIDE_SERVER, o);
	case FLD_FD_LPROTO:
		return fd_proto_name(c, fi, SIDE_LOCAL, o);
	case FLD_FD_RPROTO:
		return fd_proto_name(c, fi, SIDE_REMOTE, o);
	case FLD_FD_L4PROTO:
		/* known once the socket has an address (libsinsp) */
		if (!fi || !fd_is_ip(fi) || (fi->flags & FDF_SOCKET_PENDING))
			return false;
		switch (fi->l4proto) {
		case L4_TCP: return v_str(o, "tcp");
		case L4_UDP: return v_str(o, "udp");
		case L4_ICMP: return v_str(o, "icmp");
		case L4_RAW: return v_str(o, "raw");
		default: return false;
		}
	case FLD_FD_SOCKFAMILY:
		if (!fi)
			return false;
		if (fd_is_ip(fi))
			return v_str(o, "ip");
		if (fi->kind == FDK_UNIX_SOCK)
			return v_str(o, "unix");
		return false;
	case FLD_FD_IS_SERVER:
		return fi && fd_is_ip(fi) && v_bool(o, fd_local_is_server(fi));
	case FLD_FD_UID:
		if (!fi || !t)
			return false;
		sb = scratch(c);
		strbuf_addf(sb, "%" PRId64 "%" PRId64, t->tid, fi->fd);
		return v_sb(o, sb);
	case FLD_FD_CONTAINERNAME:
	case FLD_FD_CONTAINERDIRECTORY: {
		if (!fi)
			return false;
		cc = cont(c);
		sb = scratch(c);
		strbuf_adds(sb, cc ? cc->id : "host");
		strbuf_addc(sb, ':');
		struct fval d;
		if (ref->def->id == FLD_FD_CONTAINERNAME)
			strbuf_adds(sb, fi->name);
		else if (fd_dirname(c, fi, &d, true))
			strbuf_adds(sb, d.v.s);
		else
			return false;
		return v_sb(o, sb);
	}
	case FLD_FD_CONNECTED:
		return fi && fd_is_ip(fi) && v_bool(o, (fi->flags & FDF_CONNECTED) != 0);
	case FLD_FD_NAME_CHANGED:
		return fi && v_bool(o, (ev->sflags & EVS_FD_NAME_CHANGED) != 0);
	case FLD_FD_CIP_NAME: case FLD_FD_SIP_NAME: case FLD_FD_LIP_NAME: case FLD_FD_RIP_NAME:
		return false;
	case FLD_FD_DEV:
		return fi && (fi->kind == FDK_FILE || fi->kind == FDK_DIRECTORY) && (o->type = VG_PT_INT32, o->v.i = fi->dev, true);
	case FLD_FD_DEV_MAJOR:
		return fi && (fi->kind == FDK_FILE || fi->kind == FDK_DIRECTORY) && (o->type = VG_PT_INT32, o->v.i = (fi->dev >> 20) & 0xfff, true);
	case FLD_FD_DEV_MINOR:
		return fi && (fi->kind == FDK_FILE || fi->kind == FDK_DIRECTORY) && (o->type = VG_PT_INT32, o->v.i = fi->dev & 0xfffff, true);
	case FLD_FD_INO:
		return fi && v_i64(o, (int64_t)fi->ino);
	case FLD_FD_NAMERAW:
		return fi && v_str(o, fi->nameraw ? fi->nameraw : fi->name);
	case FLD_FD_TYPES:
		if (!fi)
			return false;
		return v_str(o, fd_kind_name(fi->kind));

	/* ---- fs.path ---- */
	case FLD_FS_PATH_NAME:
	case FLD_FS_PATH_NAMERAW: {
		bool raw = ref->def->id == FLD_FS_PATH_NAMERAW;
		const char *n = ev->info->name;
		if (!strcmp(n, "rename") || !strcmp(n, "renameat") || !strcmp(n, "renameat2") ||
		    !strcmp(n, "link") || !strcmp(n, "linkat") || !strcmp(n, "symlink") || !strcmp(n, "symlinkat"))
			return false;
		if (abs_path(c, "name", "dirfd", o, raw))
			return true;
		if (abs_path(c, "path", "dirfd", o, raw))
			return true;
		return abs_path(c, "pathname", "dirfd", o, raw);
	}
	case FLD_FS_PATH_SOURCE:
	case FLD_FS_PATH_SOURCERAW: {
		bool raw = ref->def->id == FLD_FS_PATH_SOURCERAW;
		const char *n = ev->info->name;
		if (!strncmp(n, "symlink", 7))
			return abs_path(c, "target", NULL, o, raw);
		if (!strcmp(n, "linkat"))
			return abs_path(c, "oldpath", "olddir", o, raw);
		return abs_path(c, "oldpath", "olddirfd", o, raw);
	}
	case FLD_FS_PATH_TARGET:
	case FLD_FS_PATH_TARGETRAW: {
		bool raw = ref->def->id == FLD_FS_PATH_TARGETRAW;
		const char *n = ev->info->name;
		if (!strncmp(n, "symlink", 7))
			return abs_path(c, "linkpath", "linkdirfd", o, raw);
		if (!strcmp(n, "linkat"))
			return abs_path(c, "newpath", "newdir", o, raw);
		return abs_path(c, "newpath", "newdirfd", o, raw);
	}

	/* ---- container / k8s (see cont()) ---- */
	case FLD_CONTAINER_ID:
		return (cc = cont(c)) && v_str(o, cc->id);
	case FLD_CONTAINER_FULL_ID:
		return (cc = cont(c)) && v_str(o, cc->full_id);
	case FLD_CONTAINER_TYPE:
		return (cc = cont(c)) && v_str(o, cc->type);
	case FLD_CONTAINER_NAME:
		return (cc = cont_meta(c)) && v_str(o, cc->name);
	case FLD_CONTAINER_IMAGE:
		return (cc = cont_meta(c)) && v_str(o, cc->image);
	case FLD_CONTAINER_IMAGE_ID:
		return (cc = cont_meta(c)) && v_str(o, cc->image_id);
	case FLD_CONTAINER_IMAGE_REPOSITORY:
		return (cc = cont_meta(c)) && v_str(o, cc->image_repo);
	case FLD_CONTAINER_IMAGE_TAG:
		return (cc = cont_meta(c)) && v_str(o, cc->image_tag);
	case FLD_CONTAINER_IMAGE_DIGEST:
		return (cc = cont_meta(c)) && v_str(o, cc->image_digest);
	case FLD_CONTAINER_IP:
		return (cc = cont_meta(c)) && v_str(o, cc->ip);
	case FLD_CONTAINER_CNI_JSON:
		return (cc = cont_meta(c)) && v_str(o, cc->cni_json);
	case FLD_CONTAINER_PRIVILEGED:
		return (cc = cont_meta(c)) && v_bool(o, cc->privileged);
	case FLD_CONTAINER_HOST_PID:
		return (cc = cont_meta(c)) && v_bool(o, cc->host_pid);
	case FLD_CONTAINER_HOST_NETWORK:
		return (cc = cont_meta(c)) && v_bool(o, cc->host_network);
	case FLD_CONTAINER_HOST_IPC:
		return (cc = cont_meta(c)) && v_bool(o, cc->host_ipc);
	case FLD_CONTAINER_MOUNTS:
		if (!(cc = cont_meta(c)))
			return false;
		sb = scratch(c);
		for (size_t i = 0; i < cc->nmounts; i++)
			strbuf_addf(sb, "%s%s:%s:%s:%s:%s", i ? "," : "", cc->mounts[i].source, cc->mounts[i].dest,
				    cc->mounts[i].mode, cc->mounts[i].rdwr ? "true" : "false", cc->mounts[i].propagation);
		return v_sb(o, sb);
	case FLD_CONTAINER_MOUNT:
	case FLD_CONTAINER_MOUNT_SOURCE:
	case FLD_CONTAINER_MOUNT_DEST:
	case FLD_CONTAINER_MOUNT_MODE:
	case FLD_CONTAINER_MOUNT_RDWR:
	case FLD_CONTAINER_MOUNT_PROPAGATION: {
		const struct container_mount *m = mount_sel(c, cont_meta(c), ref, ref->def->id == FLD_CONTAINER_MOUNT_SOURCE);
		if (!m)
			return false;
		switch (ref->def->id) {
		case FLD_CONTAINER_MOUNT_SOURCE:
			return v_str(o, m->source);
		case FLD_CONTAINER_MOUNT_DEST:
			return v_str(o, m->dest);
		case FLD_CONTAINER_MOUNT_MODE:
			return v_str(o, m->mode);
		case FLD_CONTAINER_MOUNT_RDWR:
			return v_str(o, m->rdwr ? "true" : "false");
		case FLD_CONTAINER_MOUNT_PROPAGATION:
			return v_str(o, m->propagation);
		default:
			sb = scratch(c);
			strbuf_addf(sb, "%s:%s:%s:%s:%s", m->source, m->dest, m->mode, m->rdwr ? "true" : "false",
				    m->propagation);
			return v_sb(o, sb);
		}
	}
	case FLD_CONTAINER_START_TS: {
		uint64_t ts = pidns_start(c, t);
		return ts && v_u64(o, VG_PT_ABSTIME, ts);
	}
	case FLD_CONTAINER_DURATION: {
		uint64_t ts = pidns_start(c, t);
		return ts && v_u64(o, VG_PT_RELTIME, ev->ts - ts);
	}
	case FLD_CONTAINER_LABEL:
		return (cc = cont_meta(c)) && v_str(o, container_label(cc, ref->key));
	case FLD_CONTAINER_LABELS:
		return (cc = cont_meta(c)) && labels_list(c, cc->labels, cc->nlabels, o);
	case FLD_K8S_POD_NAME:
		return (cc = cont_meta(c)) && v_str(o, container_label(cc, "io.kubernetes.pod.name"));
	case FLD_K8S_NS_NAME:
		return (cc = cont_meta(c)) && v_str(o, container_label(cc, "io.kubernetes.pod.namespace"));
	case FLD_K8S_POD_ID:
	case FLD_K8S_POD_UID:
		return (cc = cont_meta(c)) && v_str(o, container_label(cc, "io.kubernetes.pod.uid"));
	case FLD_K8S_POD_SANDBOX_ID:
		if (!(cc = cont_meta(c)))
			return false;
		sb = scratch(c);
		strbuf_add(sb, cc->pod_sandbox_id, strnlen(cc->pod_sandbox_id, 12));
		return v_sb(o, sb);
	case FLD_K8S_POD_FULL_SANDBOX_ID:
		return (cc = cont_meta(c)) && v_str(o, cc->pod_sandbox_id);
	case FLD_K8S_POD_LABEL: {
		if (!(cc = cont_meta(c)))
			return false;
		const struct container_info *pod = *cc->cni_json ? NULL : pod_entry(c, cc);
		const char *v = pod ? container_pod_label(pod, ref->key) : NULL;
		return v_str(o, v ? v : container_pod_label(cc, ref->key));
	}
	case FLD_K8S_POD_LABELS: {
		if (!(cc = cont_meta(c)))
			return false;
		const struct container_info *pod = *cc->cni_json ? NULL : pod_entry(c, cc);
		if (!pod)
			pod = cc;
		return labels_list(c, pod->pod_labels, pod->npod_labels, o);
	}
	case FLD_K8S_POD_IP: {
		const struct container_info *pod = (cc = cont_meta(c)) ? pod_entry(c, cc) : NULL;
		return pod && v_str(o, pod->ip);
	}
	case FLD_K8S_POD_CNI_JSON: {
		const struct container_info *pod = (cc = cont_meta(c)) ? pod_entry(c, cc) : NULL;
		return pod && v_str(o, pod->cni_json);
	}
	case FLD__COUNT:
		break;
	}
	return false;
}

/* ------------------------------------------------------------------------
 * Rendering
 * ------------------------------------------------------------------------ */

void fval_render(const struct field_ref *ref, const struct fval *v, struct strbuf *out)
{
	switch (v->type) {
	case VG_PT_CHARBUF:
	case VG_PT_FSPATH:
	case VG_PT_FSRELPATH:
		strbuf_add(out, v->v.s, v->len);
		break;
	case VG_PT_BYTEBUF:
		for (uint32_t i = 0; i < v->len; i++) {
			unsigned char ch = (unsigned char)v->v.s[i];
			strbuf_addc(out, (ch >= 32 && ch < 127) ? (char)ch : '.');
		}
		break;
	case VG_PT_BOOL:
		strbuf_adds(out, v->v.u ? "true" : "false");
		break;
	case VG_PT_IPADDR:
	case VG_PT_IPNET:
	case VG_PT_IPV4ADDR:
	case VG_PT_IPV6ADDR: {
		char a[64];
		ip_render(v->v.ip, v->iplen == 16, a, sizeof(a));
		strbuf_adds(out, a);
		break;
	}
	case VG_PT_INT8: case VG_PT_INT16: case VG_PT_INT32: case VG_PT_INT64:
	case VG_PT_ERRNO: case VG_PT_FD: case VG_PT_PID:
		if (ref && ref->def->fmt == PF_HEX)
			strbuf_addf(out, "%" PRIX64, (uint64_t)v->v.i);
		else
			strbuf_addf(out, "%" PRId64, v->v.i);
		break;
	case VG_PT_DOUBLE:
		strbuf_addf(out, "%.2f", v->v.d);
		break;
	default:
		if (ref && ref->def->fmt == PF_HEX)
			strbuf_addf(out, "%" PRIX64, v->v.u);
		else
			strbuf_addf(out, "%" PRIu64, v->v.u);
		break;
	}
}

bool field_render(struct fctx *c, const struct field_ref *ref, struct strbuf *out)
{
	struct fval v;
	if ((ref->def->flags & FF_ANCESTOR) && !ref->has_arg) {
		/* every ancestor, space separated */
		struct field_ref r = *ref;
		bool any = false;
		for (int64_t i = 1; i < FIELD_MAX_ANCESTORS; i++) {
			r.index = i;
			if (!field_extract(c, &r, &v))
				break;
			if (any)
				strbuf_addc(out, ' ');
			fval_render(ref, &v, out);
			any = true;
		}
		if (!any)
			strbuf_adds(out, "<NA>");
		return any;
	}
	if (!field_extract(c, ref, &v)) {
		strbuf_adds(out, "<NA>");
		return false;
	}
	fval_render(ref, &v, out);
	return true;
}
