/* SPDX-License-Identifier: Apache-2.0 */
/*
 * evbuild.c - the test event builder (see evbuild.h): parameters by name
 * through ev_param_index(), bytes laid out as a scap v2 event, decoded with
 * event_decode().
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "evbuild.h"

static void die(const char *fmt, const char *a, unsigned b)
{
	fprintf(stderr, "evbuild: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	abort();
}

void evb_fini(struct evbuild *b)
{
	for (uint32_t i = 0; i < VG_MAX_EVENT_PARAMS; i++)
		free(b->val[i]);
	free(b->raw);
	memset(b, 0, sizeof(*b));
}

void evb_init(struct evbuild *b, uint16_t type, int64_t tid, uint64_t ts)
{
	evb_fini(b);
	b->type = type;
	b->tid = tid;
	b->ts = ts;
	b->info = ev_info_get(type);
	if (!b->info)
		die("unknown event code %s%u", "", type);
}

void evb_bytes(struct evbuild *b, const char *name, const void *p, uint32_t n)
{
	int i = ev_param_index(b->info, name);
	if (i < 0)
		die("event %s has no parameter of that name (code %u)", b->info->name, b->type);
	free(b->val[i]);
	b->val[i] = malloc(n ? n : 1);
	memcpy(b->val[i], p, n);
	b->len[i] = n;
}

void evb_s64(struct evbuild *b, const char *name, int64_t v) { evb_bytes(b, name, &v, 8); }
void evb_u64(struct evbuild *b, const char *name, uint64_t v) { evb_bytes(b, name, &v, 8); }
void evb_u32(struct evbuild *b, const char *name, uint32_t v) { evb_bytes(b, name, &v, 4); }
void evb_u16(struct evbuild *b, const char *name, uint16_t v) { evb_bytes(b, name, &v, 2); }
void evb_u8(struct evbuild *b, const char *name, uint8_t v) { evb_bytes(b, name, &v, 1); }

void evb_str(struct evbuild *b, const char *name, const char *s)
{
	evb_bytes(b, name, s, (uint32_t)strlen(s) + 1);
}

void evb_list(struct evbuild *b, const char *name, const char *const *items)
{
	char buf[8192];
	size_t n = 0;
	for (; *items; items++) {
		size_t k = strlen(*items) + 1;
		if (n + k > sizeof(buf))
			die("list parameter %s too long%u", name, 0);
		memcpy(buf + n, *items, k);
		n += k;
	}
	evb_bytes(b, name, buf, (uint32_t)n);
}

static void ip4(const char *s, uint8_t out[4])
{
	if (inet_pton(AF_INET, s, out) != 1)
		die("bad IPv4 address %s%u", s, 0);
}

void evb_sockaddr4(struct evbuild *b, const char *name, const char *ip, uint16_t port)
{
	uint8_t v[7];
	v[0] = VG_AF_INET;
	ip4(ip, v + 1);
	memcpy(v + 5, &port, 2);
	evb_bytes(b, name, v, sizeof(v));
}

void evb_tuple4(struct evbuild *b, const char *name, const char *sip, uint16_t sport, const char *dip,
		uint16_t dport)
{
	uint8_t v[13];
	v[0] = VG_AF_INET;
	ip4(sip, v + 1);
	memcpy(v + 5, &sport, 2);
	ip4(dip, v + 7);
	memcpy(v + 11, &dport, 2);
	evb_bytes(b, name, v, sizeof(v));
}

struct event *evb_event(struct evbuild *b, uint32_t nparams)
{
	unsigned lw = (b->info->flags & EF_LARGE_PAYLOAD) ? 4 : 2;
	uint32_t np = nparams ? nparams : b->info->nparams;
	uint64_t total = VG_EVT_HDR_SIZE + (uint64_t)np * lw;
	const char *why = NULL;

	for (uint32_t i = 0; i < np; i++)
		total += b->len[i];
	free(b->raw);
	b->raw = malloc(total);
	uint8_t *p = b->raw;
	uint32_t t32 = (uint32_t)total;
	memcpy(p, &b->ts, 8);
	memcpy(p + 8, &b->tid, 8);
	memcpy(p + 16, &t32, 4);
	memcpy(p + 20, &b->type, 2);
	memcpy(p + 22, &np, 4);
	uint8_t *q = p + VG_EVT_HDR_SIZE + np * lw;
	for (uint32_t i = 0; i < np; i++) {
		if (lw == 2) {
			uint16_t l = (uint16_t)b->len[i];
			memcpy(p + VG_EVT_HDR_SIZE + 2 * i, &l, 2);
		} else {
			memcpy(p + VG_EVT_HDR_SIZE + 4 * i, &b->len[i], 4);
		}
		if (b->len[i])
			memcpy(q, b->val[i], b->len[i]);
		q += b->len[i];
	}
	if (event_decode(&b->ev, p, t32, VG_EVT_HDR_SIZE, &why))
		die("event_decode: %s%u", why ? why : "?", b->type);
	b->ev.cpuid = b->cpuid;
	b->ev.dump_flags = b->dump_flags;
	return &b->ev;
}
