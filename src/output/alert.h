/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert.h - an alert as Falco prints it: the text line
 * `<time>: <Priority> <output>` (JSON-escaped, one line) or the JSON object
 * with sorted keys (hostname, output, output_fields, priority, rule, source,
 * tags, time), typed output_fields and evt.time.
 */
#ifndef VIGIL_ALERT_H
#define VIGIL_ALERT_H

#include <stdbool.h>
#include "common/strbuf.h"
#include "rules/ruleset.h"

struct alert_opts {
	bool json;
	bool json_include_output;		/* json_include_output_property (true) */
	bool json_include_tags;			/* json_include_tags_property (true) */
	bool json_include_message;		/* json_include_message_property (false) */
	bool json_include_output_fields;	/* json_include_output_fields_property (true) */
	bool time_iso8601;			/* time_format_iso_8601 (false) */
	const char *hostname;			/* FALCO_HOSTNAME, or the host name */
};

void alert_opts_init(struct alert_opts *o);

/* One alert as the engine hands it to the outputs: borrowed for the call.
 * `text` is Falco's text line and `json` Falco's JSON object (both without
 * a newline); either is NULL when the receiver did not ask for it. */
struct alert_rec {
	uint64_t ts;			/* event time, ns since the epoch */
	int priority;			/* PRIO_* */
	const char *rule;
	const char *source;		/* "syscall", or "internal" */
	const char *const *tags;	/* sorted */
	size_t ntags;
	const char *text;
	size_t text_len;
	const char *json;
	size_t json_len;
};

/* Which forms a receiver of alert_rec wants. */
enum { ALERT_FMT_TEXT = 1, ALERT_FMT_JSON = 2 };

/* Format one alert for the rule that matched c->ev into out (no newline). */
void alert_format(const struct alert_opts *o, struct fctx *c, const struct rule *r, struct strbuf *out);

/* Both forms at once: the text line into `text` and the JSON object into
 * `json` (either may be NULL); o->json is ignored. */
void alert_format2(const struct alert_opts *o, struct fctx *c, const struct rule *r, struct strbuf *text,
		   struct strbuf *json);

/* alert_format2() for a rule whose action the kernel took (or, in audit
 * mode, would have taken): `action` ("killed", "would kill") is appended to
 * the output as vigil.action=... and is output field "vigil.action". */
void alert_format_action(const struct alert_opts *o, struct fctx *c, const struct rule *r, const char *action,
			 struct strbuf *text, struct strbuf *json);

/* A counter of an internal alert. */
struct alert_field {
	const char *name;
	uint64_t value;
};

/* Format one of vigil's own alerts (source "internal"), as Falco's
 * "Falco internal: ..." alerts: the counters become output fields, sorted by
 * name, their values strings as Falco sends them. */
void alert_format_internal(const struct alert_opts *o, uint64_t ts, int prio, const char *rule, const char *msg,
			   const struct alert_field *fields, size_t nfields, struct strbuf *out);

/* alert_format_internal() into both forms (either may be NULL). */
void alert_format_internal2(const struct alert_opts *o, uint64_t ts, int prio, const char *rule, const char *msg,
			    const struct alert_field *fields, size_t nfields, struct strbuf *text, struct strbuf *json);

/* Append s (n bytes) as the inside of a JSON string: quotes, backslashes and
 * control characters escaped, invalid UTF-8 replaced with U+FFFD. */
void json_escape(struct strbuf *out, const char *s, size_t n);

#endif
