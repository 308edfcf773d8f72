/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pevent.h - policy events as Tetragon's JSON (pevent.c) and Tetragon's
 * compact one-line format (compact.c).
 */
#ifndef VIGIL_PEVENT_H
#define VIGIL_PEVENT_H

#include <stdint.h>
#include "common/strbuf.h"

struct pol_kernel;
struct state;
struct event;

/* What a policy event said, for counters and tests. */
struct pol_event_info {
	uint32_t hook, action, flags, sig;
	int64_t pid;
	const char *policy;
};

/* Append the Tetragon JSON of policy event `ev` (no newline) to `out`.
 * The process and its parent come from `st`. Returns 0, or -1 when `ev`
 * is not a policy event of `k`. */
int pol_event_json(const struct pol_kernel *k, struct state *st, const struct event *ev, const char *node,
		   struct strbuf *out, struct pol_event_info *info);

/* Append the compact line (`tetra getevents -o compact`) of one Tetragon
 * JSON event (no newline). Returns 0, or -1 when the JSON is not an event
 * (nothing appended). */
int pol_event_compact(const char *json, struct strbuf *out);

#endif
