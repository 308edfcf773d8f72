/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scap_writer.c - writes .scap files: builds each block (section header,
 * machine info, interfaces, users, process list, fd lists, events) in a
 * scratch buffer, frames it (type, length, padding, trailing length) and
 * appends it to an output buffer flushed to the file with write(2) or
 * gzwrite(). See scap_writer.h for the layout choices and the error rules.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "capture/scap_writer.h"
#include "common/hashmap.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "state/state.h"

#define OUT_BUF (256u << 10)

/* What libscap 2022 accepts when it reads metadata (scap_savefile.c): longer
 * strings make it refuse the whole file. */
#define MAX_PL_PATH	1024	/* comm, exe, exepath, cwd, root: len <= 1024 */
#define MAX_PL_LIST	4096	/* args, env, cgroups: len <= 4096 */
#define MAX_FD_NAME	1023	/* fd names, interface names: len < 1024 */
#define MAX_CRED_STR	255	/* user and group strings: len < 256 */
/* fd types up to FILE_V2: libscap 2022 refuses a file with a later one. */
#define MAX_FD_TYPE_2022 SCAP_FD_FILE_V2
/* Non-large event blocks: at most this many bytes after the block header. */
#define MAX_EV_READLEN	65536

struct scap_writer {
	char *path;
	int fd;			/* the file, or stdout for "-" */
	bool close_fd;		/* false when writing to stdout without gzip */
	unsigned flags;		/* enum scap_writer_flags */
	gzFile gz;		/* NULL for plain output */
	uint8_t *out;		/* output buffer */
	size_t out_len;
	struct strbuf blk;	/* the block being built */
	int err;		/* first error (negative errno), sticky */
	char msg[256];
	bool state_done;
	bool events_started;
	struct u64map pending;	/* tid -> enter code + 1 of an enter written whose exit is not yet */
	struct scap_writer_stats stats;
};

static int fail(struct scap_writer *w, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct scap_writer *w, int rc, const char *fmt, ...)
{
	va_list ap;
	if (w->err)
		return w->err;
	va_start(ap, fmt);
	vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
	va_end(ap);
	w->err = rc;
	return rc;
}

/* ------------------------------------------------------------------------
 * Output: buffered, to a file descriptor or a gzip stream
 * ------------------------------------------------------------------------ */

static int sink(struct scap_writer *w, const uint8_t *p, size_t n)
{
	while (n && !w->err) {
		size_t chunk = n > (1u << 30) ? (1u << 30) : n;
		ssize_t k;
		if (w->gz) {
			k = gzwrite(w->gz, p, (unsigned)chunk);
			if (k <= 0) {
				int saved = errno, zerr = Z_OK;
				const char *m = gzerror(w->gz, &zerr);
				if (zerr == Z_ERRNO)
					return fail(w, -(saved ? saved : EIO), "%s", strerror(saved ? saved : EIO));
				return fail(w, -EIO, "gzip: %s", m);
			}
		} else {
			k = write(w->fd, p, chunk);
			if (k < 0) {
				if (errno == EINTR)
					continue;
				return fail(w, -errno, "%s", strerror(errno));
			}
		}
		p += k;
		n -= (size_t)k;
		w->stats.bytes += (uint64_t)k;
	}
	return w->err;
}

static int flush(struct scap_writer *w)
{
	int rc = sink(w, w->out, w->out_len);
	w->out_len = 0;
	return rc;
}

static int out_write(struct scap_writer *w, const void *p, size_t n)
{
	if (w->err)
		return w->err;
	if (w->out_len + n > OUT_BUF && flush(w))
		return w->err;
	if (n >= OUT_BUF)
		return sink(w, p, n);
	memcpy(w->out + w->out_len, p, n);
	w->out_len += n;
	return 0;
}

/* ------------------------------------------------------------------------
 * Blocks: built in w->blk, then framed and written
 * ------------------------------------------------------------------------ */

static void b8(struct scap_writer *w, uint8_t v) { strbuf_add(&w->blk, &v, 1); }
static void b16(struct scap_writer *w, uint16_t v) { strbuf_add(&w->blk, &v, 2); }
static void b32(struct scap_writer *w, uint32_t v) { strbuf_add(&w->blk, &v, 4); }
static void b64(struct scap_writer *w, uint64_t v) { strbuf_add(&w->blk, &v, 8); }

static void bbytes(struct scap_writer *w, const void *p, size_t n)
{
	if (n)
		strbuf_add(&w->blk, p, n);
}

static void patch32(struct scap_writer *w, size_t off, uint32_t v)
{
	memcpy(w->blk.buf + off, &v, 4);
}

/* A metadata string: u16 length + bytes, at most `max` bytes. */
static void bstr(struct scap_writer *w, const char *s, size_t max)
{
	size_t n = s ? strnlen(s, max) : 0;
	b16(w, (uint16_t)n);
	bbytes(w, s, n);
}

/* A NUL-separated list (args, env, cgroups) of `n` bytes, cut at the last
 * element boundary that fits in `max`. */
static void blist(struct scap_writer *w, const char *p, size_t n, size_t max)
{
	if (!p)
		n = 0;
	if (n > max) {
		size_t cut = max;
		while (cut && p[cut - 1] != 0)
			cut--;
		n = cut ? cut : max;
	}
	b16(w, (uint16_t)n);
	bbytes(w, p, n);
}

static void blk_begin(struct scap_writer *w, uint32_t type)
{
	strbuf_reset(&w->blk);
	b32(w, type);
	b32(w, 0);	/* total length, patched by blk_end() */
}

/* Pad to 4 bytes, add the trailing length, write the block. */
static int blk_end(struct scap_writer *w)
{
	static const uint8_t zero[4];
	size_t pad = (4 - (w->blk.len & 3)) & 3;
	bbytes(w, zero, pad);
	uint32_t total = (uint32_t)w->blk.len + 4;
	patch32(w, 4, total);
	b32(w, total);
	return out_write(w, w->blk.buf, w->blk.len);
}

/* ------------------------------------------------------------------------
 * Open and close
 * ------------------------------------------------------------------------ */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

static void free_writer(struct scap_writer *w)
{
	u64map_fini(&w->pending);
	strbuf_fini(&w->blk);
	free(w->out);
	free(w->path);
	free(w);
}

struct scap_writer *scap_writer__open(const char *path, unsigned flags, char *err, size_t errlen)
{
	bool to_stdout = !strcmp(path, "-");
	bool gz = (flags & SCAP_W_GZIP) || ends_with(path, ".gz");
	int fd = to_stdout ? (gz ? dup(STDOUT_FILENO) : STDOUT_FILENO)
			   : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct scap_writer *w;

	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(e));
		errno = e;
		return NULL;
	}
	w = xcalloc(1, sizeof(*w));
	w->path = xstrdup(path);
	w->fd = fd;
	w->close_fd = !to_stdout || gz;
	w->flags = flags;
	w->out = xmalloc(OUT_BUF);
	strbuf_init(&w->blk);
	u64map_init(&w->pending);
	if (gz) {
		w->gz = gzdopen(fd, "wb");
		if (!w->gz) {
			snprintf(err, errlen, "%s: cannot start gzip compression", path);
			close(fd);
			free_writer(w);
			errno = ENOMEM;
			return NULL;
		}
		gzbuffer(w->gz, 256u << 10);
	}
	/* section header: magic, version 1.2, section length unknown */
	blk_begin(w, SCAP_BT_SHB);
	b32(w, SCAP_SHB_MAGIC);
	b16(w, 1);
	b16(w, 2);
	b64(w, UINT64_MAX);
	blk_end(w);
	return w;
}

int scap_writer__close(struct scap_writer *w, char *err, size_t errlen)
{
	int rc;

	if (!w)
		return 0;
	flush(w);
	if (w->gz) {
		errno = 0;
		int zrc = gzclose(w->gz);
		if (zrc != Z_OK)
			fail(w, zrc == Z_ERRNO && errno ? -errno : -EIO, "%s",
			     zrc == Z_ERRNO && errno ? strerror(errno) : "gzip stream error");
	} else if (w->close_fd && close(w->fd) < 0) {
		fail(w, -errno, "%s", strerror(errno));
	}
	rc = w->err;
	if (rc)
		snprintf(err, errlen, "%s: write error: %s (%llu %sbytes written, the capture is incomplete)", w->path,
			 w->msg, (unsigned long long)w->stats.bytes, w->gz ? "uncompressed " : "");
	free_writer(w);
	return rc;
}

bool scap_writer__wants_state(const struct scap_writer *w)
{
	return !w->state_done && !w->events_started;
}

const char *scap_writer__error(const struct scap_writer *w)
{
	return w->err ? w->msg : "";
}

const struct scap_writer_stats *scap_writer__stats(const struct scap_writer *w)
{
	return &w->stats;
}

/* ------------------------------------------------------------------------
 * State: machine info, interfaces, users, process list, fd lists
 * ------------------------------------------------------------------------ */

static void write_mi(struct scap_writer *w, const struct state *st, const struct scap_machine_info *mi)
{
	char host[128];
	const char *h = mi ? mi->hostname : st->hostname;

	memset(host, 0, sizeof(host));
	memcpy(host, h, strnlen(h, sizeof(host)));
	blk_begin(w, SCAP_BT_MI);
	b32(w, mi ? mi->num_cpus : st->num_cpus);
	b64(w, mi ? mi->memory_size_bytes : st->memory_size);
	b64(w, mi ? mi->max_pid : st->max_pid);
	bbytes(w, host, sizeof(host));
	b64(w, mi ? mi->boot_ts_epoch : st->boot_ts);
	b64(w, 0);	/* flags */
	b64(w, 0);
	b64(w, 0);
	blk_end(w);
}

static void write_iflist(struct scap_writer *w, const struct state *st)
{
	if (!st->nifaces)
		return;
	blk_begin(w, SCAP_BT_IL_V2);
	for (size_t i = 0; i < st->nifaces; i++) {
		const struct iface_info *ii = &st->ifaces[i];
		size_t alen = ii->type == SCAP_II_IPV6 ? 16 : 4;
		size_t nlen = ii->name ? strnlen(ii->name, MAX_FD_NAME) : 0;
		/* the entry length excludes itself, unlike the other lists */
		b32(w, (uint32_t)(2 + 2 + 3 * alen + 8 + nlen));
		b16(w, ii->type == SCAP_II_IPV6 ? SCAP_II_IPV6 : SCAP_II_IPV4);
		b16(w, (uint16_t)nlen);
		bbytes(w, ii->addr, alen);
		bbytes(w, ii->netmask, alen);
		bbytes(w, ii->bcast, alen);
		b64(w, ii->linkspeed);
		bbytes(w, ii->name, nlen);
	}
	blk_end(w);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The keys of a u64map, sorted (the file is the same for the same state). */
static uint64_t *sorted_keys(const struct u64map *m, size_t *n)
{
	uint64_t *k = xmalloc((m->len + 1) * sizeof(*k));
	*n = 0;
	for (size_t i = 0; i < m->cap; i++)
		if (m->vals[i])
			k[(*n)++] = m->keys[i];
	qsort(k, *n, sizeof(*k), cmp_u64);
	return k;
}

static void write_userlist(struct scap_writer *w, const struct state *st)
{
	size_t nu, ng;
	uint64_t *uids, *gids;

	if (!st->users.len && !st->groups.len)
		return;
	uids = sorted_keys(&st->users, &nu);
	gids = sorted_keys(&st->groups, &ng);
	blk_begin(w, SCAP_BT_UL_V2);
	for (size_t i = 0; i < nu; i++) {
		const struct user_info *u = u64map_get(&st->users, uids[i]);
		size_t start = w->blk.len;
		b32(w, 0);	/* entry length, itself included */
		b8(w, 0);	/* user */
		b32(w, u->uid);
		b32(w, u->gid);
		bstr(w, u->name, MAX_CRED_STR);
		bstr(w, u->home, MAX_CRED_STR);
		bstr(w, u->shell, MAX_CRED_STR);
		patch32(w, start, (uint32_t)(w->blk.len - start));
	}
	for (size_t i = 0; i < ng; i++) {
		const struct group_info *g = u64map_get(&st->groups, gids[i]);
		size_t start = w->blk.len;
		b32(w, 0);
		b8(w, 1);	/* group */
		b32(w, g->gid);
		bstr(w, g->name, MAX_CRED_STR);
		patch32(w, start, (uint32_t)(w->blk.len - start));
	}
	blk_end(w);
	free(uids);
	free(gids);
}

static void pl_entry(struct scap_writer *w, const struct thread *t)
{
	size_t start = w->blk.len;

	b32(w, 0);	/* entry length, itself included */
	b64(w, (uint64_t)t->tid);
	b64(w, (uint64_t)t->pid);
	b64(w, (uint64_t)t->ptid);
	b64(w, (uint64_t)t->sid);
	b64(w, (uint64_t)t->vpgid);
	bstr(w, t->comm, MAX_PL_PATH);
	bstr(w, t->exe, MAX_PL_PATH);
	bstr(w, t->exepath, MAX_PL_PATH);
	blist(w, t->args, t->args_len, MAX_PL_LIST);
	bstr(w, t->cwd, MAX_PL_PATH);
	b64(w, t->fdlimit);
	b32(w, t->flags);
	b32(w, t->uid);
	b32(w, t->gid);
	b32(w, 0);	/* vmsize_kb, vmrss_kb, vmswap_kb: not kept */
	b32(w, 0);
	b32(w, 0);
	b64(w, 0);	/* pfmajor, pfminor: not kept */
	b64(w, 0);
	blist(w, t->env, t->env_len, MAX_PL_LIST);
	b64(w, (uint64_t)t->vtid);
	b64(w, (uint64_t)t->vpid);
	blist(w, t->cgroups, t->cgroups_len, MAX_PL_LIST);
	bstr(w, t->root, MAX_PL_PATH);
	/* libs < 0.10 end here, after 29 bytes (see scap_writer.h); libs >= 0.10
	 * put pidns_init_start_ts and tty first and append the rest */
	bool current = w->flags & SCAP_W_CURRENT_LIBS;
	if (current) {
		b64(w, t->pidns_init_start_ts);
		b32(w, t->tty);
	}
	b32(w, t->loginuid);
	b8(w, t->exe_writable);
	b64(w, t->cap_inheritable);
	b64(w, t->cap_permitted);
	b64(w, t->cap_effective);
	if (current) {
		b8(w, t->exe_upper_layer);
		b64(w, t->exe_ino);
		b64(w, t->exe_ino_ctime);
		b64(w, t->exe_ino_mtime);
		b8(w, t->exe_from_memfd);
		b8(w, t->exe_lower_layer);
		b64(w, (uint64_t)t->pgid);
	}
	patch32(w, start, (uint32_t)(w->blk.len - start));
}

/* A socket's address pair as the fd list carries it: local side first. The
 * state keeps (client, server); the reader swaps a pair back when the local
 * port is the lower one, as libsinsp does. */
static void sock_pair(struct scap_writer *w, const struct fdinfo *fi, size_t alen)
{
	bool server = fi->flags & FDF_ROLE_SERVER;
	bbytes(w, server ? fi->dip : fi->sip, alen);
	bbytes(w, server ? fi->sip : fi->dip, alen);
	b16(w, server ? fi->dport : fi->sport);
	b16(w, server ? fi->sport : fi->dport);
	b8(w, fi->l4proto);
}

static void fd_entry(struct scap_writer *w, const struct fdinfo *fi)
{
	size_t start = w->blk.len;
	uint8_t type = fi->kind == FDK_FILE ? SCAP_FD_FILE_V2 : fi->kind;

	if (type > MAX_FD_TYPE_2022 && !(w->flags & SCAP_W_CURRENT_LIBS))
		type = SCAP_FD_UNSUPPORTED;

	b32(w, 0);	/* entry length, itself included */
	b64(w, (uint64_t)fi->fd);
	b64(w, fi->ino);
	b8(w, type);
	switch (type) {
	case SCAP_FD_IPV4_SOCK:
		sock_pair(w, fi, 4);
		break;
	case SCAP_FD_IPV6_SOCK:
		sock_pair(w, fi, 16);
		break;
	case SCAP_FD_IPV4_SERVSOCK:
		bbytes(w, fi->sip, 4);
		b16(w, fi->sport);
		b8(w, fi->l4proto);
		break;
	case SCAP_FD_IPV6_SERVSOCK:
		bbytes(w, fi->sip, 16);
		b16(w, fi->sport);
		b8(w, fi->l4proto);
		break;
	case SCAP_FD_UNIX_SOCK:
		b64(w, fi->unix_src);
		b64(w, fi->unix_dst);
		bstr(w, fi->name, MAX_FD_NAME);
		break;
	case SCAP_FD_FILE_V2:
		b32(w, fi->open_flags);
		bstr(w, fi->name, MAX_FD_NAME);
		b32(w, fi->dev);
		break;
	default:
		bstr(w, fi->name, MAX_FD_NAME);
		break;
	}
	patch32(w, start, (uint32_t)(w->blk.len - start));
}

static void write_proclist(struct scap_writer *w, const struct state *st)
{
	size_t n;
	uint64_t *tids;

	if (!st->threads.len)
		return;
	tids = sorted_keys(&st->threads, &n);
	blk_begin(w, SCAP_BT_PL_V9);
	for (size_t i = 0; i < n; i++)
		pl_entry(w, u64map_get(&st->threads, tids[i]));
	blk_end(w);
	w->stats.threads += n;

	/* one fd list per process: threads share their main thread's table */
	for (size_t i = 0; i < n && !w->err; i++) {
		struct thread *t = u64map_get(&st->threads, tids[i]);
		if (state_main_thread(st, t) != t || !t->fdt || !t->fdt->fds.len)
			continue;
		size_t nfd;
		uint64_t *fds = sorted_keys(&t->fdt->fds, &nfd);
		blk_begin(w, SCAP_BT_FDL_V2);
		b64(w, (uint64_t)t->tid);
		for (size_t j = 0; j < nfd; j++)
			fd_entry(w, u64map_get(&t->fdt->fds, fds[j]));
		blk_end(w);
		w->stats.fds += nfd;
		free(fds);
	}
	free(tids);
}

int scap_writer__write_state(struct scap_writer *w, const struct state *st, const struct scap_machine_info *mi)
{
	if (w->err)
		return w->err;
	if (w->state_done || w->events_started)
		return fail(w, -EINVAL, "the state is written once, before the first event");
	w->state_done = true;
	write_mi(w, st, mi);
	write_iflist(w, st);
	write_userlist(w, st);
	write_proclist(w, st);
	return w->err;
}

/* ------------------------------------------------------------------------
 * Events
 * ------------------------------------------------------------------------ */

/* Start an event block of `evlen` event bytes with the event's cpu and dump
 * flags; `large` when the event type has 4-byte parameter lengths. */
static void ev_block_begin(struct scap_writer *w, const struct event *ev, uint32_t evlen, bool large)
{
	uint32_t flags = ev->dump_flags & ~SCAP_DF_LARGE;
	uint64_t total = 8 + 2 + (flags ? 4 : 0) + (uint64_t)evlen + 4;
	if (total - 8 > MAX_EV_READLEN)
		large = true;	/* libscap reads larger non-large blocks as corrupt */
	if (flags)
		blk_begin(w, large ? SCAP_BT_EVF_V2_LARGE : SCAP_BT_EVF_V2);
	else
		blk_begin(w, large ? SCAP_BT_EV_V2_LARGE : SCAP_BT_EV_V2);
	b16(w, ev->cpuid);
	if (flags)
		b32(w, flags);
}

/* Encode event `type` with the header of `ev` and the given parameters. */
static int put_params(struct scap_writer *w, const struct event *ev, uint16_t type, const struct ev_param *params,
		      uint32_t nparams)
{
	const struct ev_info *info = ev_info_get(type);
	bool large = info && (info->flags & EF_LARGE_PAYLOAD);
	uint64_t evlen = VG_EVT_HDR_SIZE + (uint64_t)nparams * (large ? 4 : 2);

	for (uint32_t i = 0; i < nparams; i++) {
		uint32_t len = params[i].val ? params[i].len : 0;
		if (!large && len > UINT16_MAX)
			return fail(w, -EINVAL, "event %s (%u), parameter %u: %u bytes do not fit its 16-bit length",
				    info ? info->name : "?", type, i + 1, len);
		evlen += len;
	}
	if (evlen > UINT32_MAX - 64)
		return fail(w, -EINVAL, "event %u of %llu bytes is too large", type, (unsigned long long)evlen);
	ev_block_begin(w, ev, (uint32_t)evlen, large);
	b64(w, ev->ts);
	b64(w, (uint64_t)ev->tid);
	b32(w, (uint32_t)evlen);
	b16(w, type);
	b32(w, nparams);
	for (uint32_t i = 0; i < nparams; i++) {
		uint32_t len = params[i].val ? params[i].len : 0;
		if (large)
			b32(w, len);
		else
			b16(w, (uint16_t)len);
	}
	for (uint32_t i = 0; i < nparams; i++)
		if (params[i].val)
			bbytes(w, params[i].val, params[i].len);
	w->stats.events++;
	return blk_end(w);
}

/* An event as it came: its raw bytes when they are a v2 event, else
 * re-encoded from its parameters (v1 events gain their nparams). */
static int put_as_is(struct scap_writer *w, const struct event *ev, const struct ev_info *info)
{
	if (!ev->raw || ev->hdrlen != VG_EVT_HDR_SIZE || ev->rawlen < VG_EVT_HDR_SIZE) {
		if (info)
			return put_params(w, ev, ev->type, ev->params, ev->nparams);
		if (!ev->raw || ev->rawlen < ev->hdrlen)
			return fail(w, -EINVAL, "event code %u is unknown and the event has no raw bytes", ev->type);
		/* an unknown v1 event: no schema to count its parameters, keep the v1 block */
		blk_begin(w, SCAP_BT_EV);
		b16(w, ev->cpuid);
		bbytes(w, ev->raw, ev->rawlen);
		w->stats.events++;
		return blk_end(w);
	}
	ev_block_begin(w, ev, ev->rawlen, info && (info->flags & EF_LARGE_PAYLOAD));
	bbytes(w, ev->raw, ev->rawlen);
	w->stats.events++;
	return blk_end(w);
}

/* A merged exit event as the 2022 pair: the enter event, its parameters
 * taken by name from the exit, then the exit with its 2022 parameters. */
static int put_pair(struct scap_writer *w, const struct event *ev, const struct ev_info *xinfo, int enter_type)
{
	const struct ev_info *einfo = ev_info_get((uint32_t)enter_type);
	struct ev_param ep[VG_MAX_EVENT_PARAMS];

	for (uint32_t i = 0; i < einfo->nparams; i++) {
		int j = ev_param_index(xinfo, einfo->params[i].name);
		if (j >= 0 && (uint32_t)j < ev->nparams)
			ep[i] = ev->params[j];
		else
			ep[i] = (struct ev_param){ NULL, 0 };
	}
	if (put_params(w, ev, (uint16_t)enter_type, ep, einfo->nparams))
		return w->err;
	w->stats.enters_added++;
	/* the exit keeps the parameters later libs appended (sysdig 0.29.3
	 * reads past them), not the enter ones */
	uint32_t own = ev_exit_own_nparams(ev->type);
	return put_params(w, ev, ev->type, ev->params, own < ev->nparams ? own : ev->nparams);
}

/* Does a merged exit carry parameters that belong to its enter event (the
 * enter has some the exit's own parameters lack)? Only those need the pair. */
static bool carries_enter_params(const struct event *ev, const struct ev_info *xinfo, int enter_type)
{
	const struct ev_info *einfo = ev_info_get((uint32_t)enter_type);
	uint32_t own = ev_exit_own_nparams(ev->type);
	for (uint32_t i = 0; einfo && i < einfo->nparams; i++) {
		int j = ev_param_index(xinfo, einfo->params[i].name);
		if (j >= (int)own && (uint32_t)j < ev->nparams)
			return true;
	}
	return false;
}

/* An event later libs split out of a 2022 one (dup2 out of dup...) goes to
 * the file as the 2022 event, for 2022 readers: its parameters by name
 * (dup2's oldfd is dup's fd), fixed-size integers resized to the 2022 type,
 * then written like any merged exit (a 2022 pair when it carries enter
 * parameters). */
static int put_split(struct scap_writer *w, const struct event *ev, const struct ev_info *si, uint32_t old_exit)
{
	const struct ev_info *oi = ev_info_get(old_exit);
	struct event tmp = *ev;
	uint64_t conv[VG_MAX_EVENT_PARAMS];
	tmp.type = (uint16_t)old_exit;
	tmp.info = oi;
	tmp.raw = NULL;
	tmp.rawlen = 0;
	tmp.nparams = oi->nparams;
	for (uint32_t i = 0; i < oi->nparams; i++) {
		const char *name = oi->params[i].name;
		int j = ev_param_index(si, name);
		if (j < 0 && !strcmp(name, "fd"))
			j = ev_param_index(si, "oldfd");
		struct ev_param p = { NULL, 0 };
		if (j >= 0 && (uint32_t)j < ev->nparams)
			p = ev->params[j];
		size_t want = ev_param_type_size(oi->params[i].type);
		if (p.val && want && p.len != want && p.len <= 8) {
			uint64_t v = 0;
			memcpy(&v, p.val, p.len);	/* little endian: low bytes first */
			conv[i] = v;
			p.val = (const uint8_t *)&conv[i];
			p.len = (uint32_t)want;
		}
		tmp.params[i] = p;
	}
	return scap_writer__write_event(w, &tmp);
}

int scap_writer__write_event(struct scap_writer *w, const struct event *ev)
{
	const struct ev_info *info = ev_info_get(ev->type);

	if (w->err)
		return w->err;
	w->events_started = true;
	if (!info)
		return put_as_is(w, ev, NULL);
	uint32_t old_exit = ev_split_old_exit(ev->type);
	if (old_exit && !(w->flags & SCAP_W_CURRENT_LIBS))
		return put_split(w, ev, info, old_exit);
	if (VG_EV_IS_EXIT(ev->type)) {
		int et = ev_enter_type(ev->type);
		uintptr_t pending = (uintptr_t)u64map_del(&w->pending, (uint64_t)ev->tid);
		if (et >= 0 && pending != (uintptr_t)et + 1 && ev->nparams > ev_exit_native_nparams(ev->type)) {
			if (carries_enter_params(ev, info, et))
				return put_pair(w, ev, info, et);
			/* no enter parameters: written as it is (readers of 2022
			 * skip the parameters later libs appended) */
			return put_as_is(w, ev, info);
		}
	} else if (ev_enter_type(ev->type + 1u) == (int)ev->type) {
		u64map_put(&w->pending, (uint64_t)ev->tid, (void *)((uintptr_t)ev->type + 1));
	}
	return put_as_is(w, ev, info);
}
