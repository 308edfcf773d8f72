/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fields.h - the registry of fields that conditions and outputs can use
 * (evt.*, proc.*, thread.*, user.*, group.*, fd.*, fs.path.*, container.*,
 * k8s.*), with their types, argument syntax and descriptions, and the
 * extraction of a field's value from an event and the state.
 *
 * A field reference (struct field_ref) is resolved once at compile time;
 * extraction is a switch over the field id. Extracted strings point into the
 * event, the state, or one of the context's scratch buffers, and are valid
 * until the next extraction into the same scratch slot.
 */
#ifndef VIGIL_FIELDS_H
#define VIGIL_FIELDS_H

#include <stdbool.h>
#include <stdint.h>
#include "common/strbuf.h"
#include "event/event.h"
#include "state/state.h"

/* Argument syntax and behaviour flags of a field. */
enum field_flags {
	FF_ARG_INDEX = 1 << 0,		/* takes an optional numeric [N] */
	FF_ARG_KEY = 1 << 1,		/* takes a [key] or .key argument */
	FF_ARG_REQUIRED = 1 << 2,	/* the argument must be given */
	FF_ANCESTOR = 1 << 3,		/* without an index: "any ancestor" in conditions */
	FF_IS_LIST = 1 << 4,		/* value is a list (in/intersects only) */
	FF_NO_RHS = 1 << 5,		/* cannot be used in val() */
	FF_NO_TRANSFORMER = 1 << 6,
	FF_DEPRECATED = 1 << 7,
	FF_HIDDEN = 1 << 8,		/* accepted, not listed */
	FF_SPECIAL_CMP = 1 << 9,	/* fd.ip/net/port/proto: client or server */
	FF_ARG_DOT = 1 << 10,		/* key may follow after a dot: evt.arg.flags */
};

enum field_id {
#define FIELD(id, name, type, flags, fmt, desc) FLD_##id,
#include "rules/fields.def"
#undef FIELD
	FLD__COUNT
};

struct field_def {
	enum field_id id;
	const char *name;
	uint8_t type;		/* VG_PT_* */
	uint16_t flags;		/* enum field_flags */
	uint8_t fmt;		/* PF_DEC, PF_HEX... for numbers */
	const char *desc;
};

/* A resolved reference to a field, with its argument. */
struct field_ref {
	const struct field_def *def;
	bool has_arg;
	int64_t index;		/* numeric argument ([2]) */
	const char *key;	/* string argument ([HOME], .flags) */
	uint32_t keylen;
	uint8_t type;		/* value type (may differ from def->type: evt.rawarg) */
	/* per-reference cache for evt.arg.NAME lookups */
	uint16_t cache_type;
	int16_t cache_idx;
	bool cache_enter;
};

/* A field value. Strings are (s, len) and NUL-terminated. */
struct fval {
	uint8_t type;		/* VG_PT_* */
	uint8_t iplen;		/* 4 or 16 for IP types */
	uint8_t netbits;	/* prefix length for IPNET values (constants) */
	uint32_t len;
	union {
		int64_t i;
		uint64_t u;
		double d;
		const char *s;
		uint8_t ip[16];
	} v;
};

#define FCTX_SCRATCH 4
#define FCTX_RE_CACHE 8

struct container_table;

/* Everything extraction needs besides the event. */
struct fctx {
	const struct event *ev;
	const struct state *st;
	const char *hostname;
	struct strbuf scratch[FCTX_SCRATCH];
	int slot;		/* scratch slot to use next (round robin) */
	uint64_t seq;		/* changes with every event: keys memoized results */
	/* compiled container.mount*[REGEX] patterns (pcre2_code *), round robin */
	struct {
		char *pat;
		void *code;
	} re_cache[FCTX_RE_CACHE];
	int re_next;
};

void fctx_init(struct fctx *c, const struct state *st);
void fctx_fini(struct fctx *c);

/* The whole registry, in listing order. */
const struct field_def *fields_all(size_t *n);
/* Find a field by exact name. */
const struct field_def *field_find(const char *name);

/* Resolve `name` and optional bracket argument `arg` (NULL if none) into a
 * reference. Handles dot arguments ("evt.arg.flags", "k8s.pod.label.app").
 * Returns 0, or -ENOENT (unknown field) / -EINVAL (bad argument) with a
 * message in err. */
int field_resolve(const char *name, const char *arg, struct field_ref *ref, char *err, size_t errlen);

/* Extract the value of `ref` for c->ev. Returns false when the field cannot
 * be extracted for this event (Falco's "missing value"). For FF_ANCESTOR
 * fields, ref->index selects the ancestor (0 = the process itself). */
bool field_extract(struct fctx *c, const struct field_ref *ref, struct fval *out);

/* Number of ancestors that exist for an any-ancestor comparison (walk limit). */
#define FIELD_MAX_ANCESTORS 64

/* Render a value as Falco prints it in outputs (numbers per the field's
 * format, bools as true/false, IPs dotted). */
void fval_render(const struct field_ref *ref, const struct fval *v, struct strbuf *out);

/* Render a field for output: extract and render, or "<NA>" when missing.
 * Ancestor fields without an index render every ancestor, space separated.
 * Returns false if the value was missing. */
bool field_render(struct fctx *c, const struct field_ref *ref, struct strbuf *out);

/* Render one event parameter the libsinsp way: `val` gets the value text,
 * `resolved` (if not NULL) the resolved form (flag names, fd path, errno
 * name, thread name), empty when there is none. */
void render_param(struct fctx *c, const struct event *ev, const struct ev_param_info *pi,
		  const struct ev_param *p, struct strbuf *val, struct strbuf *resolved);

/* errno name ("ENOENT") for a positive errno value, or NULL. */
const char *errno_name(int64_t e);

#endif /* VIGIL_FIELDS_H */
