/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scap_meta.c - decoders for the metadata blocks of a .scap file (machine
 * info, process list V1-V9, fd lists, users/groups, interfaces) and for event
 * blocks. Every read is bounds-checked through a cursor; a short or
 * inconsistent block yields -EINVAL with the block-relative position.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "capture/scap.h"

struct cur {
	const uint8_t *p, *end, *start;
	bool bad;
};

static void cur_init(struct cur *c, const uint8_t *p, size_t n)
{
	c->p = c->start = p;
	c->end = p + n;
	c->bad = false;
}

static size_t cur_left(const struct cur *c)
{
	return c->bad ? 0 : (size_t)(c->end - c->p);
}

static const uint8_t *take(struct cur *c, size_t n)
{
	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = true;
		return NULL;
	}
	const uint8_t *q = c->p;
	c->p += n;
	return q;
}

static uint8_t g8(struct cur *c) { const uint8_t *q = take(c, 1); return q ? q[0] : 0; }
static uint16_t g16(struct cur *c) { const uint8_t *q = take(c, 2); return q ? rd16(q) : 0; }
static uint32_t g32(struct cur *c) { const uint8_t *q = take(c, 4); return q ? rd32(q) : 0; }
static uint64_t g64(struct cur *c) { const uint8_t *q = take(c, 8); return q ? rd64(q) : 0; }

static struct scap_str gstr(struct cur *c)
{
	struct scap_str s = { "", 0 };
	uint16_t n = g16(c);
	const uint8_t *q = take(c, n);
	if (q) {
		s.p = (const char *)q;
		s.len = n;
	}
	return s;
}

static void gbytes(struct cur *c, uint8_t *out, size_t n)
{
	const uint8_t *q = take(c, n);
	if (q)
		memcpy(out, q, n);
}

static int bad(char *err, size_t errlen, const struct cur *c, const char *what, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, what);
	vsnprintf(msg, sizeof(msg), what, ap);
	va_end(ap);
	snprintf(err, errlen, "%s (at byte %zu of the block body)", msg, (size_t)(c->p - c->start));
	return -EINVAL;
}

int scap_parse_mi(const struct scap_block *b, struct scap_machine_info *mi, char *err, size_t errlen)
{
	struct cur c;
	cur_init(&c, b->body, b->body_len);
	memset(mi, 0, sizeof(*mi));
	mi->num_cpus = g32(&c);
	mi->memory_size_bytes = g64(&c);
	mi->max_pid = g64(&c);
	const uint8_t *h = take(&c, 128);
	if (h) {
		memcpy(mi->hostname, h, 128);
		mi->hostname[128] = 0;
	}
	if (cur_left(&c) >= 8)
		mi->boot_ts_epoch = g64(&c);
	if (c.bad)
		return bad(err, errlen, &c, "machine info block too short");
	return 0;
}

static int pl_version(uint32_t type)
{
	switch (type) {
	case SCAP_BT_PL_V1: case SCAP_BT_PL_V1_INT: return 1;
	case SCAP_BT_PL_V2: case SCAP_BT_PL_V2_INT: return 2;
	case SCAP_BT_PL_V3: case SCAP_BT_PL_V3_INT: return 3;
	case SCAP_BT_PL_V4: return 4;
	case SCAP_BT_PL_V5: return 5;
	case SCAP_BT_PL_V6: return 6;
	case SCAP_BT_PL_V7: return 7;
	case SCAP_BT_PL_V8: return 8;
	case SCAP_BT_PL_V9: return 9;
	default: return 0;
	}
}

/* Fields appended after `root` in V9 entries, each present only if the entry
 * is long enough. Writers of libs 0.10 and later put pidns_init_start_ts and
 * tty first; older V9 writers stop after the capability sets (29 bytes). */
static void pl_v9_tail(struct cur *c, struct scap_proc_entry *e)
{
	size_t left = cur_left(c);
	if (left > 29) {
		e->pidns_init_start_ts = g64(c);
		e->tty = g32(c);
		e->has_tty = !c->bad;
	}
	if (cur_left(c) >= 4) {
		e->loginuid = g32(c);
		e->has_loginuid = true;
	}
	if (cur_left(c) >= 1)
		e->exe_writable = g8(c);
	if (cur_left(c) >= 24) {
		e->cap_inheritable = g64(c);
		e->cap_permitted = g64(c);
		e->cap_effective = g64(c);
		e->has_caps = true;
	}
	if (cur_left(c) >= 1)
		e->exe_upper_layer = g8(c);
	if (cur_left(c) >= 24) {
		e->exe_ino = g64(c);
		e->exe_ino_ctime = g64(c);
		e->exe_ino_mtime = g64(c);
		e->has_exe_ino = true;
	}
	if (cur_left(c) >= 1)
		e->exe_from_memfd = g8(c);
	if (cur_left(c) >= 1)
		e->exe_lower_layer = g8(c);
	if (cur_left(c) >= 8) {
		e->pgid = (int64_t)g64(c);
		e->has_pgid = true;
	}
}

int scap_parse_proclist(const struct scap_block *b, const struct scap_meta_cb *cb, char *err, size_t errlen)
{
	int v = pl_version(b->type);
	struct cur c;

	cur_init(&c, b->body, b->body_len);
	if (!v)
		return bad(err, errlen, &c, "not a process list block");
	/* Entries continue while at least a minimal entry fits; the rest is padding. */
	while (cur_left(&c) >= 24) {
		struct scap_proc_entry e;
		struct cur ec;
		memset(&e, 0, sizeof(e));
		e.pgid = -1;
		if (v >= 9) {
			/* the entry length counts its own 4 bytes */
			uint32_t elen = g32(&c);
			const uint8_t *body = elen >= 4 ? take(&c, elen - 4) : NULL;
			if (!body)
				return bad(err, errlen, &c, "invalid process entry length %u", elen);
			elen -= 4;
			cur_init(&ec, body, elen);
		} else {
			ec = c;
		}
		e.tid = g64(&ec);
		e.pid = g64(&ec);
		e.ptid = g64(&ec);
		if (v >= 6) {
			e.sid = g64(&ec);
			e.has_sid = true;
		}
		if (v >= 8) {
			e.vpgid = g64(&ec);
			e.has_vpgid = true;
		}
		e.comm = gstr(&ec);
		e.exe = gstr(&ec);
		if (v >= 7) {
			e.exepath = gstr(&ec);
			e.has_exepath = true;
		}
		e.args = gstr(&ec);
		e.cwd = gstr(&ec);
		e.fdlimit = g64(&ec);
		e.flags = g32(&ec);
		e.uid = g32(&ec);
		e.gid = g32(&ec);
		if (v >= 2) {
			e.vmsize_kb = g32(&ec);
			e.vmrss_kb = g32(&ec);
			e.vmswap_kb = g32(&ec);
			e.pfmajor = g64(&ec);
			e.pfminor = g64(&ec);
		}
		if (v >= 3) {
			e.env = gstr(&ec);
			e.has_env = true;
		}
		if (v >= 4) {
			e.vtid = (int64_t)g64(&ec);
			e.vpid = (int64_t)g64(&ec);
			e.cgroups = gstr(&ec);
			e.has_vids = true;
		}
		if (v >= 5) {
			e.root = gstr(&ec);
			e.has_root = true;
		}
		if (v >= 9)
			pl_v9_tail(&ec, &e);
		if (ec.bad)
			return bad(err, errlen, &c, "truncated process entry (V%d) for tid %llu", v,
				   (unsigned long long)e.tid);
		if (v < 9)
			c = ec;
		if (cb && cb->proc) {
			int rc = cb->proc(cb->ctx, &e);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* `sized`: the entry has an explicit length, so optional trailing fields can
 * be detected; v1 entries never carry them. */
static void fd_body(struct cur *c, struct scap_fd_entry *e, bool sized)
{
	switch (e->type) {
	case SCAP_FD_IPV4_SOCK:
		gbytes(c, e->sip, 4);
		gbytes(c, e->dip, 4);
		e->sport = g16(c);
		e->dport = g16(c);
		e->l4proto = g8(c);
		break;
	case SCAP_FD_IPV6_SOCK:
		gbytes(c, e->sip, 16);
		gbytes(c, e->dip, 16);
		e->sport = g16(c);
		e->dport = g16(c);
		e->l4proto = g8(c);
		break;
	case SCAP_FD_IPV4_SERVSOCK:
		gbytes(c, e->sip, 4);
		e->sport = g16(c);
		e->l4proto = g8(c);
		break;
	case SCAP_FD_IPV6_SERVSOCK:
		gbytes(c, e->sip, 16);
		e->sport = g16(c);
		e->l4proto = g8(c);
		break;
	case SCAP_FD_UNIX_SOCK:
		e->unix_src = g64(c);
		e->unix_dst = g64(c);
		e->name = gstr(c);
		break;
	case SCAP_FD_FILE_V2:
		e->open_flags = g32(c);
		e->name = gstr(c);
		if (sized && cur_left(c) >= 4)
			e->dev = g32(c);
		break;
	default:
		e->name = gstr(c);
		break;
	}
}

int scap_parse_fdlist(const struct scap_block *b, const struct scap_meta_cb *cb, char *err, size_t errlen)
{
	bool v2 = b->type == SCAP_BT_FDL_V2;
	struct cur c;

	cur_init(&c, b->body, b->body_len);
	uint64_t tid = g64(&c);
	if (c.bad)
		return bad(err, errlen, &c, "fd list block too short");
	while (cur_left(&c) >= (v2 ? 4u : 17u)) {
		struct scap_fd_entry e;
		struct cur ec;
		memset(&e, 0, sizeof(e));
		e.name.p = "";
		if (v2) {
			/* the entry length counts its own 4 bytes */
			uint32_t elen = g32(&c);
			if (elen == 0)
				break; /* padding */
			const uint8_t *body = elen >= 4 ? take(&c, elen - 4) : NULL;
			if (!body)
				return bad(err, errlen, &c, "invalid fd entry length %u", elen);
			elen -= 4;
			cur_init(&ec, body, elen);
		} else {
			ec = c;
		}
		e.fd = (int64_t)g64(&ec);
		e.ino = g64(&ec);
		e.type = g8(&ec);
		fd_body(&ec, &e, v2);
		if (ec.bad)
			return bad(err, errlen, &c, "truncated fd entry (type %u) for tid %llu", e.type,
				   (unsigned long long)tid);
		if (!v2)
			c = ec;
		if (cb && cb->fd) {
			int rc = cb->fd(cb->ctx, tid, &e);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int scap_parse_userlist(const struct scap_block *b, const struct scap_meta_cb *cb, char *err, size_t errlen)
{
	bool v2 = b->type == SCAP_BT_UL_V2;
	struct cur c;

	cur_init(&c, b->body, b->body_len);
	while (cur_left(&c) >= (v2 ? 4u : 5u)) {
		struct cur ec;
		if (v2) {
			/* the entry length counts its own 4 bytes */
			uint32_t elen = g32(&c);
			if (elen == 0)
				break;
			const uint8_t *body = elen >= 4 ? take(&c, elen - 4) : NULL;
			if (!body)
				return bad(err, errlen, &c, "invalid user entry length %u", elen);
			elen -= 4;
			cur_init(&ec, body, elen);
		} else {
			ec = c;
		}
		uint8_t type = g8(&ec);
		int rc = 0;
		if (type == 0) {
			struct scap_user_entry u = { 0 };
			u.uid = g32(&ec);
			u.gid = g32(&ec);
			u.name = gstr(&ec);
			u.home = gstr(&ec);
			u.shell = gstr(&ec);
			if (cur_left(&ec) >= 2 && v2)
				u.container_id = gstr(&ec);
			if (ec.bad)
				return bad(err, errlen, &c, "truncated user entry");
			if (cb && cb->user)
				rc = cb->user(cb->ctx, &u);
		} else if (type == 1) {
			struct scap_group_entry g = { 0 };
			g.gid = g32(&ec);
			g.name = gstr(&ec);
			if (cur_left(&ec) >= 2 && v2)
				g.container_id = gstr(&ec);
			if (ec.bad)
				return bad(err, errlen, &c, "truncated group entry");
			if (cb && cb->group)
				rc = cb->group(cb->ctx, &g);
		} else if (!v2 && type == 0 && cur_left(&c) < 12) {
			break;
		} else {
			if (!v2 && cur_left(&ec) < 12)
				break; /* trailing padding in a v1 block */
			return bad(err, errlen, &c, "unknown user list entry type %u", type);
		}
		if (rc)
			return rc;
		if (!v2)
			c = ec;
	}
	return 0;
}

int scap_parse_iflist(const struct scap_block *b, const struct scap_meta_cb *cb, char *err, size_t errlen)
{
	bool v2 = b->type == SCAP_BT_IL_V2;
	struct cur c;

	cur_init(&c, b->body, b->body_len);
	while (cur_left(&c) >= 4) {
		struct cur ec;
		if (v2) {
			/* unlike the other v2 lists, this length excludes itself */
			uint32_t elen = g32(&c);
			if (elen == 0)
				break;
			const uint8_t *body = take(&c, elen);
			if (!body)
				return bad(err, errlen, &c, "interface entry of %u bytes runs past the block", elen);
			cur_init(&ec, body, elen);
		} else {
			ec = c;
		}
		uint16_t type = g16(&ec);
		uint16_t namelen = g16(&ec);
		size_t addr = (type == 1 || type == 3) ? 12 : (type == 2 || type == 4) ? 48 : 0;
		if (!addr) {
			if (!v2 && type == 0 && namelen == 0)
				break; /* padding */
			return bad(err, errlen, &c, "unknown interface entry type %u", type);
		}
		struct scap_iface_entry ie;
		memset(&ie, 0, sizeof(ie));
		ie.type = addr == 12 ? SCAP_II_IPV4 : SCAP_II_IPV6;
		gbytes(&ec, ie.addr, addr / 3);
		gbytes(&ec, ie.netmask, addr / 3);
		gbytes(&ec, ie.bcast, addr / 3);
		if (type <= 2)
			ie.linkspeed = g64(&ec);
		const uint8_t *name = take(&ec, namelen);
		if (ec.bad)
			return bad(err, errlen, &c, "truncated interface entry");
		ie.name = (struct scap_str){ (const char *)name, namelen };
		if (!v2)
			c = ec;
		if (cb && cb->iface) {
			int rc = cb->iface(cb->ctx, &ie);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int scap_parse_event(const struct scap_block *b, struct event *ev, char *err, size_t errlen)
{
	struct cur c;
	unsigned hdrlen = VG_EVT_HDR_SIZE;
	const char *why;
	int rc;

	cur_init(&c, b->body, b->body_len);
	ev->cpuid = g16(&c);
	ev->dump_flags = 0;
	switch (b->type) {
	case SCAP_BT_EV: case SCAP_BT_EV_INT:
		hdrlen = 22;
		break;
	case SCAP_BT_EVF:
		hdrlen = 22;
		ev->dump_flags = g32(&c);
		break;
	case SCAP_BT_EVF_V2: case SCAP_BT_EVF_V2_LARGE:
		ev->dump_flags = g32(&c);
		break;
	default:
		break;
	}
	/* checked here so that ev->type below is never stale */
	if (c.bad || cur_left(&c) < hdrlen)
		return bad(err, errlen, &c, "event block too short");
	rc = event_decode(ev, c.p, (uint32_t)cur_left(&c), hdrlen, &why);
	if (rc == -EINVAL) {
		snprintf(err, errlen, "malformed event (type %u): %s", ev->type, why);
		return rc;
	}
	return rc;
}
