/* SPDX-License-Identifier: Apache-2.0 */
/*
 * render.c - text rendering of event parameters (evt.arg.*, evt.args,
 * evt.info) and of field values, following libsinsp's conventions so that
 * outputs and string comparisons match Falco's: flags as NAME|NAME, fds as
 * <type>path, errors as ENOENT, pids with the thread name, sockets as
 * ip:port->ip:port.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "rules/fields.h"

static const char *const errno_names[] = {
	[EPERM] = "EPERM", [ENOENT] = "ENOENT", [ESRCH] = "ESRCH", [EINTR] = "EINTR",
	[EIO] = "EIO", [ENXIO] = "ENXIO", [E2BIG] = "E2BIG", [ENOEXEC] = "ENOEXEC",
	[EBADF] = "EBADF", [ECHILD] = "ECHILD", [EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM",
	[EACCES] = "EACCES", [EFAULT] = "EFAULT", [ENOTBLK] = "ENOTBLK", [EBUSY] = "EBUSY",
	[EEXIST] = "EEXIST", [EXDEV] = "EXDEV", [ENODEV] = "ENODEV", [ENOTDIR] = "ENOTDIR",
	[EISDIR] = "EISDIR", [EINVAL] = "EINVAL", [ENFILE] = "ENFILE", [EMFILE] = "EMFILE",
	[ENOTTY] = "ENOTTY", [ETXTBSY] = "ETXTBSY", [EFBIG] = "EFBIG", [ENOSPC] = "ENOSPC",
	[ESPIPE] = "ESPIPE", [EROFS] = "EROFS", [EMLINK] = "EMLINK", [EPIPE] = "EPIPE",
	[EDOM] = "EDOM", [ERANGE] = "ERANGE", [EDEADLK] = "EDEADLK", [ENAMETOOLONG] = "ENAMETOOLONG",
	[ENOLCK] = "ENOLCK", [ENOSYS] = "ENOSYS", [ENOTEMPTY] = "ENOTEMPTY", [ELOOP] = "ELOOP",
	[ENOMSG] = "ENOMSG", [EIDRM] = "EIDRM", [ENOSTR] = "ENOSTR", [ENODATA] = "ENODATA",
	[ETIME] = "ETIME", [ENOSR] = "ENOSR", [EREMOTE] = "EREMOTE", [ENOLINK] = "ENOLINK",
	[EPROTO] = "EPROTO", [EMULTIHOP] = "EMULTIHOP", [EBADMSG] = "EBADMSG",
	[EOVERFLOW] = "EOVERFLOW", [EILSEQ] = "EILSEQ", [EUSERS] = "EUSERS",
	[ENOTSOCK] = "ENOTSOCK", [EDESTADDRREQ] = "EDESTADDRREQ", [EMSGSIZE] = "EMSGSIZE",
	[EPROTOTYPE] = "EPROTOTYPE", [ENOPROTOOPT] = "ENOPROTOOPT",
	[EPROTONOSUPPORT] = "EPROTONOSUPPORT", [ESOCKTNOSUPPORT] = "ESOCKTNOSUPPORT",
	[EOPNOTSUPP] = "EOPNOTSUPP", [EPFNOSUPPORT] = "EPFNOSUPPORT", [EAFNOSUPPORT] = "EAFNOSUPPORT",
	[EADDRINUSE] = "EADDRINUSE", [EADDRNOTAVAIL] = "EADDRNOTAVAIL", [ENETDOWN] = "ENETDOWN",
	[ENETUNREACH] = "ENETUNREACH", [ENETRESET] = "ENETRESET", [ECONNABORTED] = "ECONNABORTED",
	[ECONNRESET] = "ECONNRESET", [ENOBUFS] = "ENOBUFS", [EISCONN] = "EISCONN",
	[ENOTCONN] = "ENOTCONN", [ESHUTDOWN] = "ESHUTDOWN", [ETOOMANYREFS] = "ETOOMANYREFS",
	[ETIMEDOUT] = "ETIMEDOUT", [ECONNREFUSED] = "ECONNREFUSED", [EHOSTDOWN] = "EHOSTDOWN",
	[EHOSTUNREACH] = "EHOSTUNREACH", [EALREADY] = "EALREADY", [EINPROGRESS] = "EINPROGRESS",
	[ESTALE] = "ESTALE", [EDQUOT] = "EDQUOT", [ECANCELED] = "ECANCELED",
	[EOWNERDEAD] = "EOWNERDEAD", [ENOTRECOVERABLE] = "ENOTRECOVERABLE",
	[ERESTART] = "ERESTART",
};

const char *errno_name(int64_t e)
{
	if (e == 512)
		return "ERESTARTSYS";
	if (e == 513)
		return "ERESTARTNOINTR";
	if (e == 514)
		return "ERESTARTNOHAND";
	if (e == 515)
		return "ENOIOCTLCMD";
	if (e == 516)
		return "ERESTART_RESTARTBLOCK";
	if (e > 0 && (size_t)e < sizeof(errno_names) / sizeof(errno_names[0]))
		return errno_names[e];
	return NULL;
}

static void render_flags(const struct ev_flag_name *names, uint64_t v, struct strbuf *out)
{
	bool first = true;
	uint64_t left = v;
	if (!names)
		return;
	for (const struct ev_flag_name *f = names; f->name; f++) {
		if (f->value == 0) {
			if (v == 0) {
				strbuf_adds(out, f->name);
				return;
			}
			continue;
		}
		if ((left & f->value) == f->value) {
			if (!first)
				strbuf_addc(out, '|');
			strbuf_adds(out, f->name);
			first = false;
			left &= ~(uint64_t)f->value;
		}
	}
}

static void render_num(const struct ev_param_info *pi, uint64_t u, int64_t s, bool is_signed,
		       struct strbuf *out)
{
	switch (pi->fmt) {
	case PF_HEX:
		strbuf_addf(out, "%" PRIX64, u);
		break;
	case PF_OCT:
		/* libsinsp: "%#o" (0640, and 0 for 0) */
		strbuf_addf(out, "%#" PRIo64, u);
		break;
	default:
		if (is_signed)
			strbuf_addf(out, "%" PRId64, s);
		else
			strbuf_addf(out, "%" PRIu64, u);
		break;
	}
}

/* Bytes rendered printable: non-printable characters as '.'. */
static void render_bytes(const uint8_t *p, uint32_t n, struct strbuf *out)
{
	strbuf_grow(out, n);
	for (uint32_t i = 0; i < n; i++)
		strbuf_addc(out, (p[i] >= 32 && p[i] < 127) ? (char)p[i] : '.');
}

static void render_addr(uint8_t fam, const uint8_t *ip, uint16_t port, struct strbuf *out)
{
	char a[INET6_ADDRSTRLEN];
	ip_render(ip, fam == VG_AF_INET6, a, sizeof(a));
	strbuf_addf(out, "%s:%u", a, port);
}

static void render_sockaddr(const struct ev_param *p, struct strbuf *out)
{
	const uint8_t *v = p->val;
	if (v[0] == VG_AF_INET && p->len >= 7) {
		render_addr(VG_AF_INET, v + 1, rd16(v + 5), out);
	} else if (v[0] == VG_AF_INET6 && p->len >= 19) {
		render_addr(VG_AF_INET6, v + 1, rd16(v + 17), out);
	} else if (v[0] == VG_AF_UNIX) {
		size_t n = p->len - 1;
		while (n && v[n] == 0)
			n--;
		strbuf_add(out, v + 1, n);
	} else {
		strbuf_addf(out, "family %u", v[0]);
	}
}

static void render_socktuple(const struct ev_param *p, struct strbuf *out)
{
	const uint8_t *v = p->val;
	if (v[0] == VG_AF_INET && p->len >= 13) {
		render_addr(VG_AF_INET, v + 1, rd16(v + 5), out);
		strbuf_adds(out, "->");
		render_addr(VG_AF_INET, v + 7, rd16(v + 11), out);
	} else if (v[0] == VG_AF_INET6 && p->len >= 37) {
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (!memcmp(v + 1, mapped, 12) && !memcmp(v + 19, mapped, 12)) {
			render_addr(VG_AF_INET, v + 13, rd16(v + 17), out);
			strbuf_adds(out, "->");
			render_addr(VG_AF_INET, v + 31, rd16(v + 35), out);
		} else {
			render_addr(VG_AF_INET6, v + 1, rd16(v + 17), out);
			strbuf_adds(out, "->");
			render_addr(VG_AF_INET6, v + 19, rd16(v + 35), out);
		}
	} else if (v[0] == VG_AF_UNIX && p->len >= 17) {
		size_t n = p->len - 17;
		while (n && v[17 + n - 1] == 0)
			n--;
		strbuf_addf(out, "%" PRIx64 "->%" PRIx64 " ", rd64(v + 1), rd64(v + 9));
		strbuf_add(out, v + 17, n);
	} else {
		strbuf_addf(out, "family %u", v[0]);
	}
}

void render_param(struct fctx *c, const struct event *ev, const struct ev_param_info *pi,
		  const struct ev_param *p, struct strbuf *val, struct strbuf *resolved)
{
	uint64_t u = 0;
	int64_t s = 0;

	if (!p || !p->val) {
		strbuf_adds(val, "NULL");
		return;
	}
	switch (pi->type) {
	case VG_PT_INT8:
		s = (int8_t)p->val[0];
		render_num(pi, (uint64_t)s, s, true, val);
		break;
	case VG_PT_INT16:
		s = p->len >= 2 ? (int16_t)rd16(p->val) : 0;
		render_num(pi, (uint64_t)s, s, true, val);
		break;
	case VG_PT_INT32:
		s = p->len >= 4 ? (int32_t)rd32(p->val) : 0;
		render_num(pi, (uint64_t)s, s, true, val);
		break;
	case VG_PT_INT64:
	case VG_PT_RELTIME:
	case VG_PT_ABSTIME:
		ev_param_s64(p, &s);
		if (pi->type == VG_PT_INT64)
			render_num(pi, (uint64_t)s, s, true, val);
		else
			strbuf_addf(val, "%" PRIu64, (uint64_t)s);
		break;
	case VG_PT_UINT8:
	case VG_PT_UINT16:
	case VG_PT_UINT32:
	case VG_PT_UINT64:
	case VG_PT_PORT:
	case VG_PT_L4PROTO:
	case VG_PT_SIGSET:
	case VG_PT_UID:
	case VG_PT_GID:
		ev_param_u64(p, &u);
		render_num(pi, u, (int64_t)u, false, val);
		break;
	case VG_PT_BOOL:
		ev_param_u64(p, &u);
		strbuf_adds(val, u ? "true" : "false");
		break;
	case VG_PT_SOCKFAMILY:
		ev_param_u64(p, &u);
		strbuf_addf(val, "%" PRIu64, u);
		break;
	case VG_PT_ERRNO:
		ev_param_s64(p, &s);
		strbuf_addf(val, "%" PRId64, s);
		if (s < 0 && resolved) {
			const char *n = errno_name(-s);
			if (n)
				strbuf_adds(resolved, n);
		}
		break;
	case VG_PT_FD:
		ev_param_s64(p, &s);
		strbuf_addf(val, "%" PRId64, s);
		if (resolved && c && ev->thread) {
			if (s == -100) {
				strbuf_adds(resolved, "AT_FDCWD");
			} else if (s < 0) {
				/* a failed fd-returning call: fd=-2(ENOENT), as libsinsp */
				const char *n = errno_name(-s);
				if (n)
					strbuf_adds(resolved, n);
			} else {
				struct fdinfo *fi = state_fd(state_main_thread(c->st, ev->thread), s);
				if (fi)
					strbuf_addf(resolved, "<%c>%s", fd_kind_char(fi->kind), fi->name);
			}
		}
		break;
	case VG_PT_PID:
		ev_param_s64(p, &s);
		strbuf_addf(val, "%" PRId64, s);
		if (resolved && c) {
			struct thread *t = state_thread(c->st, s);
			if (t && t->comm)
				strbuf_adds(resolved, t->comm);
		}
		break;
	case VG_PT_CHARBUF:
	case VG_PT_FSPATH:
	case VG_PT_FSRELPATH: {
		size_t n = p->len;
		while (n && p->val[n - 1] == 0)
			n--;
		strbuf_add(val, p->val, n);
		break;
	}
	case VG_PT_BYTEBUF:
		render_bytes(p->val, p->len, val);
		break;
	case VG_PT_SOCKADDR:
		render_sockaddr(p, val);
		break;
	case VG_PT_SOCKTUPLE:
		render_socktuple(p, val);
		break;
	case VG_PT_FDLIST: {
		uint16_t n = p->len >= 2 ? rd16(p->val) : 0;
		for (uint32_t i = 0; i < n && 2u + 10u * (i + 1) <= p->len; i++) {
			const uint8_t *e = p->val + 2 + 10 * i;
			strbuf_addf(val, "%s%" PRId64 ":%u", i ? " " : "", (int64_t)rd64(e), rd16(e + 8));
		}
		break;
	}
	case VG_PT_SYSCALLID: {
		ev_param_u64(p, &u);
		const char *n = ev_syscall_name((uint32_t)u);
		if (n)
			strbuf_adds(val, n);
		else
			strbuf_addf(val, "%" PRIu64, u);
		break;
	}
	case VG_PT_SIGTYPE:
		ev_param_u64(p, &u);
		strbuf_addf(val, "%" PRIu64, u);
		if (resolved && u > 0 && u < 65) {
			const char *n = sigabbrev_np((int)u);
			if (n)
				strbuf_addf(resolved, "SIG%s", n);
		}
		break;
	case VG_PT_IPV4ADDR:
	case VG_PT_IPV6ADDR:
	case VG_PT_IPADDR: {
		char a[INET6_ADDRSTRLEN];
		ip_render(p->val, p->len == 16, a, sizeof(a));
		strbuf_adds(val, a);
		break;
	}
	case VG_PT_DOUBLE: {
		double d;
		memcpy(&d, p->val, p->len >= 8 ? 8 : 0);
		strbuf_addf(val, "%.2f", p->len >= 8 ? d : 0.0);
		break;
	}
	case VG_PT_FLAGS8:
	case VG_PT_FLAGS16:
	case VG_PT_FLAGS32:
	case VG_PT_ENUMFLAGS8:
	case VG_PT_ENUMFLAGS16:
	case VG_PT_ENUMFLAGS32:
	case VG_PT_MODE:
		ev_param_u64(p, &u);
		if (pi->type == VG_PT_MODE)
			strbuf_addf(val, "%#" PRIo64, u);
		else
			strbuf_addf(val, "%" PRIu64, u);
		if (resolved)
			render_flags(pi->info, u, resolved);
		break;
	case VG_PT_DYN: {
		uint8_t idx = p->val[0];
		if (pi->info && idx < pi->ninfo) {
			const struct ev_param_info *sub = &((const struct ev_param_info *)pi->info)[idx];
			struct ev_param sp = { p->val + 1, p->len - 1 };
			if (sp.len == 0)
				sp.val = NULL;
			render_param(c, ev, sub, &sp, val, resolved);
		} else {
			render_bytes(p->val, p->len, val);
		}
		break;
	}
	default:
		render_bytes(p->val, p->len, val);
		break;
	}
}
