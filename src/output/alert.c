/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert.c - renders alerts in Falco's text and JSON formats. JSON is written
 * directly (keys are a fixed, already-sorted set) so the bytes match
 * Falco's: nlohmann-style escaping, U+FFFD for invalid UTF-8, integers for
 * numeric fields, null for missing values.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "common/xalloc.h"
#include "output/alert.h"
#include "rules/format.h"

void alert_opts_init(struct alert_opts *o)
{
	static char host[256];
	memset(o, 0, sizeof(*o));
	o->json_include_output = true;
	o->json_include_tags = true;
	o->json_include_output_fields = true;
	const char *h = getenv("FALCO_HOSTNAME");
	if (!h)
		h = getenv("VIGIL_HOSTNAME");
	if (!h) {
		if (gethostname(host, sizeof(host) - 1))
			snprintf(host, sizeof(host), "localhost");
		h = host;
	}
	o->hostname = h;
}

/* Length of the valid UTF-8 sequence at s (max n bytes), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

void json_escape(struct strbuf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	strbuf_grow(out, n + 8);
	for (size_t i = 0; i < n;) {
		/* the common case: a run of printable ASCII, copied at once */
		size_t j = i;
		while (j < n && p[j] >= 0x20 && p[j] < 0x80 && p[j] != '"' && p[j] != '\\')
			j++;
		if (j > i) {
			strbuf_add(out, p + i, j - i);
			i = j;
			continue;
		}
		unsigned char c = p[i];
		switch (c) {
		case '"': strbuf_add(out, "\\\"", 2); i++; continue;
		case '\\': strbuf_add(out, "\\\\", 2); i++; continue;
		case '\b': strbuf_add(out, "\\b", 2); i++; continue;
		case '\f': strbuf_add(out, "\\f", 2); i++; continue;
		case '\n': strbuf_add(out, "\\n", 2); i++; continue;
		case '\r': strbuf_add(out, "\\r", 2); i++; continue;
		case '\t': strbuf_add(out, "\\t", 2); i++; continue;
		default: break;
		}
		if (c < 0x20) {
			strbuf_addf(out, "\\u%04x", c);
			i++;
			continue;
		}
		size_t l = utf8_len(p + i, n - i);
		if (!l) {
			strbuf_add(out, "\xef\xbf\xbd", 3);
			i++;
			continue;
		}
		strbuf_add(out, p + i, l);
		i += l;
	}
}

static void json_str(struct strbuf *out, const char *s, size_t n)
{
	strbuf_addc(out, '"');
	json_escape(out, s, n);
	strbuf_addc(out, '"');
}

static void time_prefix(const struct alert_opts *o, uint64_t ts, struct strbuf *out)
{
	time_t secs = (time_t)(ts / 1000000000ull);
	struct tm tm;
	char buf[64];
	if (o->time_iso8601) {
		gmtime_r(&secs, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
		strbuf_addf(out, "%s.%09" PRIu64 "+0000", buf, (uint64_t)(ts % 1000000000ull));
	} else {
		localtime_r(&secs, &tm);
		strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
		strbuf_addf(out, "%s.%09" PRIu64, buf, (uint64_t)(ts % 1000000000ull));
	}
}

/* One typed value of output_fields. */
static void json_value(struct fctx *c, const struct cop *op, struct strbuf *out)
{
	struct fval v;
	const struct field_ref *ref = &op->ref;
	if ((ref->def->flags & FF_ANCESTOR) && !ref->has_arg) {
		struct strbuf tmp;
		strbuf_init(&tmp);
		if (field_render(c, ref, &tmp))
			json_str(out, tmp.buf, tmp.len);
		else
			strbuf_adds(out, "null");
		strbuf_fini(&tmp);
		return;
	}
	if (!field_extract(c, ref, &v)) {
		strbuf_adds(out, "null");
		return;
	}
	switch (v.type) {
	case VG_PT_BOOL:
		strbuf_adds(out, v.v.u ? "true" : "false");
		return;
	case VG_PT_INT8: case VG_PT_INT16: case VG_PT_INT32: case VG_PT_INT64:
	case VG_PT_ERRNO: case VG_PT_FD: case VG_PT_PID:
		if (ref->def->fmt != PF_HEX) {
			strbuf_addf(out, "%" PRId64, v.v.i);
			return;
		}
		break;
	case VG_PT_UINT8: case VG_PT_UINT16: case VG_PT_UINT32: case VG_PT_UINT64:
	case VG_PT_PORT: case VG_PT_RELTIME: case VG_PT_ABSTIME: case VG_PT_UID: case VG_PT_GID:
	case VG_PT_FLAGS8: case VG_PT_FLAGS16: case VG_PT_FLAGS32: case VG_PT_MODE:
		if (ref->def->fmt != PF_HEX) {
			strbuf_addf(out, "%" PRIu64, v.v.u);
			return;
		}
		break;
	default:
		break;
	}
	struct strbuf tmp;
	strbuf_init(&tmp);
	fval_render(ref, &v, &tmp);
	json_str(out, tmp.buf, tmp.len);
	strbuf_fini(&tmp);
}

static int cmp_cop(const void *a, const void *b)
{
	return strcmp((*(const struct cop *const *)a)->text, (*(const struct cop *const *)b)->text);
}

void alert_format(const struct alert_opts *o, struct fctx *c, const struct rule *r, struct strbuf *out)
{
	alert_format2(o, c, r, o->json ? NULL : out, o->json ? out : NULL);
}

void alert_format2(const struct alert_opts *o, struct fctx *c, const struct rule *r, struct strbuf *text,
		   struct strbuf *out)
{
	alert_format_action(o, c, r, NULL, text, out);
}

#define ACTION_KEY "vigil.action"

void alert_format_action(const struct alert_opts *o, struct fctx *c, const struct rule *r, const char *action,
			 struct strbuf *text, struct strbuf *out)
{
	struct strbuf msg, line;
	uint64_t ts = c->ev->ts;

	strbuf_init(&msg);
	strbuf_init(&line);
	format_render(c, r->fmt, &msg);
	if (action)
		strbuf_addf(&msg, " " ACTION_KEY "=%s", action);
	time_prefix(o, ts, &line);
	strbuf_addf(&line, ": %s ", priority_name(r->priority));
	strbuf_add(&line, msg.buf, msg.len);

	if (text)
		json_escape(text, line.buf, line.len);
	if (!out)
		goto done;

	/* keys in alphabetical order */
	strbuf_addf(out, "{\"hostname\":");
	json_str(out, o->hostname, strlen(o->hostname));
	if (o->json_include_message) {
		strbuf_adds(out, ",\"message\":");
		json_str(out, msg.buf, msg.len);
	}
	if (o->json_include_output) {
		strbuf_adds(out, ",\"output\":");
		json_str(out, line.buf, line.len);
	}
	if (o->json_include_output_fields) {
		size_t n = r->fmt->nfields;
		const struct cop **fs = malloc(sizeof(*fs) * (n ? n : 1));
		if (n)
			memcpy(fs, r->fmt->fields, sizeof(*fs) * n);
		qsort(fs, n, sizeof(*fs), cmp_cop);
		const char *tkey = o->time_iso8601 ? "evt.time.iso8601" : "evt.time";
		bool time_done = false;
		strbuf_adds(out, ",\"output_fields\":{");
		bool first = true;
		bool action_done = !action;
		for (size_t i = 0; i <= n; i++) {
			if (!time_done && (i == n || strcmp(tkey, fs[i]->text) < 0)) {
				strbuf_addf(out, "%s\"%s\":%" PRIu64, first ? "" : ",", tkey, ts);
				time_done = true;
				first = false;
			}
			/* after evt.time, which sorts first */
			if (!action_done && (i == n || strcmp(ACTION_KEY, fs[i]->text) < 0)) {
				strbuf_addf(out, ",\"" ACTION_KEY "\":");
				json_str(out, action, strlen(action));
				action_done = true;
			}
			if (i == n)
				break;
			if (!strcmp(fs[i]->text, tkey))
				continue;
			if (!first)
				strbuf_addc(out, ',');
			json_str(out, fs[i]->text, strlen(fs[i]->text));
			strbuf_addc(out, ':');
			json_value(c, fs[i], out);
			first = false;
		}
		strbuf_addc(out, '}');
		free(fs);
	}
	strbuf_adds(out, ",\"priority\":");
	json_str(out, priority_name(r->priority), strlen(priority_name(r->priority)));
	strbuf_adds(out, ",\"rule\":");
	json_str(out, r->name, strlen(r->name));
	strbuf_adds(out, ",\"source\":\"syscall\"");
	if (o->json_include_tags) {
		strbuf_adds(out, ",\"tags\":[");
		for (size_t i = 0; i < r->ntags; i++) {
			if (i)
				strbuf_addc(out, ',');
			json_str(out, r->tags[i], strlen(r->tags[i]));
		}
		strbuf_addc(out, ']');
	}
	{
		time_t secs = (time_t)(ts / 1000000000ull);
		struct tm tm;
		char buf[40];
		gmtime_r(&secs, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
		strbuf_addf(out, ",\"time\":\"%s.%09" PRIu64 "Z\"}", buf, (uint64_t)(ts % 1000000000ull));
	}
done:
	strbuf_fini(&msg);
	strbuf_fini(&line);
}

static int field_cmp(const void *a, const void *b)
{
	const struct alert_field *x = *(const struct alert_field *const *)a;
	const struct alert_field *y = *(const struct alert_field *const *)b;
	return strcmp(x->name, y->name);
}

void alert_format_internal(const struct alert_opts *o, uint64_t ts, int prio, const char *rule, const char *msg,
			   const struct alert_field *fields, size_t nfields, struct strbuf *out)
{
	alert_format_internal2(o, ts, prio, rule, msg, fields, nfields, o->json ? NULL : out, o->json ? out : NULL);
}

void alert_format_internal2(const struct alert_opts *o, uint64_t ts, int prio, const char *rule, const char *msg,
			    const struct alert_field *fields, size_t nfields, struct strbuf *text, struct strbuf *out)
{
	struct strbuf line;
	strbuf_init(&line);
	time_prefix(o, ts, &line);
	strbuf_addf(&line, ": %s %s", priority_name(prio), msg);
	if (text)
		json_escape(text, line.buf, line.len);
	if (!out) {
		strbuf_fini(&line);
		return;
	}
	strbuf_adds(out, "{\"hostname\":");
	json_str(out, o->hostname, strlen(o->hostname));
	if (o->json_include_output) {
		strbuf_adds(out, ",\"output\":");
		json_str(out, line.buf, line.len);
	}
	if (o->json_include_output_fields) {
		const struct alert_field **sorted = xcalloc(nfields ? nfields : 1, sizeof(*sorted));
		for (size_t i = 0; i < nfields; i++)
			sorted[i] = &fields[i];
		qsort(sorted, nfields, sizeof(*sorted), field_cmp);
		strbuf_adds(out, ",\"output_fields\":{");
		for (size_t i = 0; i < nfields; i++) {
			strbuf_adds(out, i ? ",\"" : "\"");
			json_escape(out, sorted[i]->name, strlen(sorted[i]->name));
			strbuf_addf(out, "\":\"%" PRIu64 "\"", sorted[i]->value);
		}
		strbuf_adds(out, "}");
		free(sorted);
	}
	strbuf_adds(out, ",\"priority\":");
	json_str(out, priority_name(prio), strlen(priority_name(prio)));
	strbuf_adds(out, ",\"rule\":");
	json_str(out, rule, strlen(rule));
	strbuf_adds(out, ",\"source\":\"internal\"");
	if (o->json_include_tags)
		strbuf_adds(out, ",\"tags\":[]");
	time_t secs = (time_t)(ts / 1000000000ull);
	struct tm tm;
	char buf[40];
	gmtime_r(&secs, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	strbuf_addf(out, ",\"time\":\"%s.%09" PRIu64 "Z\"}", buf, (uint64_t)(ts % 1000000000ull));
	strbuf_fini(&line);
}
