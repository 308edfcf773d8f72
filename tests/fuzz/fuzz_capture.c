/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_capture.c - libFuzzer harness for the .scap reader: each input is
 * written to a memfd and read as a capture file (plain or gzip) the way
 * `vigil capture info` reads one: open, every block, every metadata parser,
 * event decode, and the typed parameter readers. Every view the parsers hand
 * out is read end to end so that ASan checks its bounds. Every decoded event
 * is also written to /dev/null by the capture writer, as `replay -w` does.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "capture/scap.h"
#include "capture/scap_writer.h"

static int g_fd = -1;
static char g_path[64];
static volatile uint8_t g_sink;
static struct scap_writer *g_w;	/* the writer of the current input */

/* Read every byte of (p, n): an out-of-bounds view faults under ASan. */
static void touch(const void *p, size_t n)
{
	const uint8_t *q = p;
	uint8_t x = 0;
	for (size_t i = 0; i < n; i++)
		x ^= q[i];
	g_sink ^= x;
}

static void touch_str(struct scap_str s)
{
	if (s.len && !s.p)
		abort();
	touch(s.p, s.len);
}

static int on_proc(void *ctx, const struct scap_proc_entry *e)
{
	touch_str(e->comm);
	touch_str(e->exe);
	touch_str(e->exepath);
	touch_str(e->args);
	touch_str(e->cwd);
	touch_str(e->env);
	touch_str(e->cgroups);
	touch_str(e->root);
	return 0;
}

static int on_fd(void *ctx, uint64_t tid, const struct scap_fd_entry *e)
{
	touch_str(e->name);
	return 0;
}

static int on_user(void *ctx, const struct scap_user_entry *u)
{
	touch_str(u->name);
	touch_str(u->home);
	touch_str(u->shell);
	touch_str(u->container_id);
	return 0;
}

static int on_group(void *ctx, const struct scap_group_entry *g)
{
	touch_str(g->name);
	touch_str(g->container_id);
	return 0;
}

static int on_iface(void *ctx, const struct scap_iface_entry *i)
{
	touch_str(i->name);
	g_sink ^= i->addr[0] ^ i->netmask[15] ^ (uint8_t)i->linkspeed;
	return 0;
}

/* Exercise the typed readers on every parameter of a decoded event. */
static void touch_event(const struct event *ev)
{
	uint64_t u64;
	uint32_t u32;

	if (!ev->info || ev->nparams > VG_MAX_EVENT_PARAMS)
		abort();
	touch(ev->raw, ev->rawlen);
	for (uint32_t i = 0; i < ev->nparams; i++) {
		const struct ev_param *p = &ev->params[i];
		touch(p->val, p->val ? p->len : 0);
		if (ev_param_u64(p, &u64))
			g_sink ^= (uint8_t)u64;
		if (ev_param_u32(p, &u32))
			g_sink ^= (uint8_t)u32;
		g_sink ^= (uint8_t)ev_param_str(p)[0];
		if (i < ev->info->nparams)
			g_sink ^= event_param_by_name(ev, ev->info->params[i].name, NULL) != NULL;
	}
}

static int parse_block(const struct scap_block *b, const struct scap_meta_cb *cb, struct event *ev,
		       unsigned long *events, char *err, size_t errlen)
{
	struct scap_machine_info mi;
	int rc;

	touch(b->body, b->body_len);
	g_sink ^= scap_block_name(b->type) != NULL;
	switch (b->type) {
	case SCAP_BT_MI: case SCAP_BT_MI_INT:
		rc = scap_parse_mi(b, &mi, err, errlen);
		if (!rc && strlen(mi.hostname) > 128)
			abort();
		return rc;
	case SCAP_BT_PL_V1: case SCAP_BT_PL_V1_INT: case SCAP_BT_PL_V2: case SCAP_BT_PL_V2_INT:
	case SCAP_BT_PL_V3: case SCAP_BT_PL_V3_INT: case SCAP_BT_PL_V4: case SCAP_BT_PL_V5:
	case SCAP_BT_PL_V6: case SCAP_BT_PL_V7: case SCAP_BT_PL_V8: case SCAP_BT_PL_V9:
		return scap_parse_proclist(b, cb, err, errlen);
	case SCAP_BT_FDL: case SCAP_BT_FDL_INT: case SCAP_BT_FDL_V2:
		return scap_parse_fdlist(b, cb, err, errlen);
	case SCAP_BT_UL: case SCAP_BT_UL_INT: case SCAP_BT_UL_V2:
		return scap_parse_userlist(b, cb, err, errlen);
	case SCAP_BT_IL: case SCAP_BT_IL_INT: case SCAP_BT_IL_V2:
		return scap_parse_iflist(b, cb, err, errlen);
	default:
		if (!scap_block_is_event(b->type))
			return 0;
		rc = scap_parse_event(b, ev, err, errlen);
		if (rc == 0 || rc == -ENOENT) {
			/* only an event it cannot encode may fail the writer */
			int wrc = scap_writer__write_event(g_w, ev);
			if (wrc && wrc != -EINVAL)
				abort();
		}
		if (rc == -ENOENT)
			return 0;
		if (rc == 0) {
			touch_event(ev);
			(*events)++;
		}
		return rc;
	}
}

/* Walk the whole capture at g_path; returns 0 or a negative errno (a
 * truncated or corrupt input is an expected outcome, not a finding). */
static int walk(void)
{
	char err[600];
	struct scap_meta_cb cb = { NULL, on_proc, on_fd, on_user, on_group, on_iface };
	struct scap_reader *r = scap_reader__open(g_path, err, sizeof(err));
	struct scap_block b;
	struct event ev;
	unsigned long events = 0;
	uint16_t major, minor;
	int rc;

	if (!r) {
		if (!err[0])
			abort(); /* an open failure must say why */
		return -errno;
	}
	scap_reader__version(r, &major, &minor);
	if (major != 1)
		abort();
	g_w = scap_writer__open("/dev/null", 0, err, sizeof(err));
	if (!g_w)
		abort();
	g_sink ^= scap_reader__is_gzip(r);
	while ((rc = scap_reader__next_block(r, &b)) > 0) {
		if (b.total_len < 12 || b.body_len != b.total_len - 12)
			abort();
		err[0] = 0;
		rc = parse_block(&b, &cb, &ev, &events, err, sizeof(err));
		if (rc < 0) {
			if (!err[0])
				abort(); /* a parser failure must say why */
			break;
		}
	}
	if (rc < 0 && rc != -EINVAL && rc != -EIO)
		abort();
	if (rc == -EINVAL || rc == -EIO)
		g_sink ^= (uint8_t)scap_reader__error(r)[0];
	int wrc = scap_writer__close(g_w, err, sizeof(err));
	if (wrc && (wrc != -EINVAL || !err[0]))
		abort();
	g_w = NULL;
	scap_reader__free(r);
	return rc < 0 ? rc : events ? 0 : -ENODATA;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	g_fd = memfd_create("fuzz_capture", 0);
	if (g_fd < 0) {
		perror("memfd_create");
		exit(1);
	}
	snprintf(g_path, sizeof(g_path), "/proc/self/fd/%d", g_fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t done = 0;

	if (ftruncate(g_fd, 0) < 0)
		abort();
	while (done < size) {
		ssize_t n = pwrite(g_fd, data + done, size - done, (off_t)done);
		if (n <= 0)
			abort();
		done += (size_t)n;
	}
	walk();
	return 0;
}
