/* SPDX-License-Identifier: Apache-2.0 */
/*
 * evbuild.h - builds events for tests the way vigil's live capture emits
 * them: scap v2 bytes laid out by vigil's event table (exit events in the
 * merged layout: the 2022 exit parameters, then the enter parameters), with
 * parameters set by name, then decoded by event_decode() like any event.
 * Parameters not set are absent (zero length).
 *
 * Ownership: the builder owns the bytes; the decoded event points into them
 * and is valid until the next evb_init() or evb_fini() on the same builder.
 */
#ifndef VIGIL_TEST_EVBUILD_H
#define VIGIL_TEST_EVBUILD_H

#include <stdint.h>
#include "event/event.h"

struct evbuild {
	uint16_t type;
	int64_t tid;
	uint64_t ts;
	uint16_t cpuid;
	uint32_t dump_flags;
	const struct ev_info *info;
	uint8_t *val[VG_MAX_EVENT_PARAMS];	/* owned copies, NULL = absent */
	uint32_t len[VG_MAX_EVENT_PARAMS];
	uint8_t *raw;
	struct event ev;
};

/* Start event `type` of thread `tid` at `ts`, releasing the builder's
 * previous event; aborts on an unknown code. A builder starts zeroed
 * (`struct evbuild b = { 0 };`). */
void evb_init(struct evbuild *b, uint16_t type, int64_t tid, uint64_t ts);
void evb_fini(struct evbuild *b);

/* Set parameter `name` (aborts when the layout has no such parameter). */
void evb_bytes(struct evbuild *b, const char *name, const void *p, uint32_t n);
void evb_s64(struct evbuild *b, const char *name, int64_t v);
void evb_u64(struct evbuild *b, const char *name, uint64_t v);
void evb_u32(struct evbuild *b, const char *name, uint32_t v);
void evb_u16(struct evbuild *b, const char *name, uint16_t v);
void evb_u8(struct evbuild *b, const char *name, uint8_t v);
/* A CHARBUF/FSPATH: the string and its NUL. */
void evb_str(struct evbuild *b, const char *name, const char *s);
/* NUL-separated list (args, env, cgroups) from a NULL-terminated array. */
void evb_list(struct evbuild *b, const char *name, const char *const *items);
/* SOCKADDR / SOCKTUPLE for IPv4; addresses as "a.b.c.d", ports host order. */
void evb_sockaddr4(struct evbuild *b, const char *name, const char *ip, uint16_t port);
void evb_tuple4(struct evbuild *b, const char *name, const char *sip, uint16_t sport, const char *dip,
		uint16_t dport);

/* Encode the first `nparams` parameters of the layout (0: all of them) and
 * decode them; aborts if the bytes do not decode. */
struct event *evb_event(struct evbuild *b, uint32_t nparams);

#endif
