/* SPDX-License-Identifier: Apache-2.0 */
/*
 * event.h - the decoded view of one event, the unit that flows from a
 * capture source (replay file or live ring buffer) through the state engine
 * into the rule engine and the outputs.
 *
 * Ownership: `raw` and every params[i].val point into the source's buffer and
 * are valid only while the event is being dispatched. The state engine fills
 * `thread`, `fdinfo` and `enter`, which are borrowed from state as well.
 */
#ifndef VIGIL_EVENT_H
#define VIGIL_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include "event/event_table.h"

struct thread;
struct fdinfo;

struct ev_param {
	const uint8_t *val;	/* NULL when the parameter is absent */
	uint32_t len;
};

/* Bits in event.sflags, set by the state engine for the fields that need them. */
enum ev_state_flags {
	EVS_FD_NAME_CHANGED = 1 << 0,	/* this event changed the fd's name (fd.name_changed) */
	EVS_HAS_FD = 1 << 1,		/* `fd` holds the fd the event refers to */
};

struct event {
	uint64_t num;			/* evt.num, 1-based position in the stream */
	uint64_t ts;			/* ns since epoch */
	int64_t tid;
	uint16_t type;			/* event code */
	uint16_t cpuid;
	uint32_t dump_flags;		/* EVF block flags (state-only, ...) */
	uint32_t nparams;
	const struct ev_info *info;	/* never NULL for a dispatched event */
	const uint8_t *raw;		/* header + lengths + params */
	uint32_t rawlen;
	uint8_t hdrlen;			/* 26 (v2) or 22 (v1 blocks, no nparams) */
	uint8_t lenwidth;		/* 2, or 4 for large-payload events */
	struct ev_param params[VG_MAX_EVENT_PARAMS];

	/* filled by the state engine */
	const struct event *enter;	/* paired enter event (captures that hold them) */
	struct thread *thread;		/* the thread that made the event, or NULL */
	struct fdinfo *fdinfo;		/* the fd the event refers to, or NULL */
	int64_t fd;			/* valid when sflags & EVS_HAS_FD */
	uint32_t sflags;
};

/* Decode an event whose bytes are (p, n): header (`hdrlen` bytes: 26, or 22
 * for v1 blocks, whose nparams is inferred), length array and parameters.
 * Fills everything but the state fields. Returns 0, -ENOENT for an event code
 * the schema does not know (ev->type is still set), or -EINVAL when the event
 * is malformed, with a reason in `why`. */
int event_decode(struct event *ev, const uint8_t *p, uint32_t n, unsigned hdrlen, const char **why);

/* Parameter `i` of the event, falling back to the paired enter event's
 * parameter of the same name when the exit event lacks it. */
const struct ev_param *event_param_by_name(const struct event *ev, const char *name,
					   const struct ev_param_info **pinfo);

/* Typed parameter readers; return false if the parameter is absent/short. */
bool ev_param_s64(const struct ev_param *p, int64_t *out);
bool ev_param_u64(const struct ev_param *p, uint64_t *out);
bool ev_param_u32(const struct ev_param *p, uint32_t *out);
bool ev_param_u16(const struct ev_param *p, uint16_t *out);
bool ev_param_u8(const struct ev_param *p, uint8_t *out);
/* A CHARBUF/FSPATH parameter as a C string (always NUL-terminated in a valid
 * event); "" when absent. */
const char *ev_param_str(const struct ev_param *p);

/* Read an unaligned little-endian integer (the capture's byte order). */
static inline uint16_t rd16(const uint8_t *p) { uint16_t v; __builtin_memcpy(&v, p, 2); return v; }
static inline uint32_t rd32(const uint8_t *p) { uint32_t v; __builtin_memcpy(&v, p, 4); return v; }
static inline uint64_t rd64(const uint8_t *p) { uint64_t v; __builtin_memcpy(&v, p, 8); return v; }

#endif /* VIGIL_EVENT_H */
