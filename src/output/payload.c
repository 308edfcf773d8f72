/* SPDX-License-Identifier: Apache-2.0 */
/*
 * payload.c - the JSON document every network backend starts from: Falco's
 * alert object (sorted keys, typed output_fields) plus a `uuid`, as
 * falcosidekick adds one, plus `dedup_count` for a de-duplication summary
 * and the output's extra fields in output_fields. When nothing is added the
 * bytes are Falco's, spliced; otherwise the object is parsed with json-c
 * and written back the way alert.c writes it (sorted keys, Falco's
 * escaping), so both paths give the same bytes for the same content.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "output/channel.h"
#include "rules/ruleset.h"

void pl_time(struct strbuf *out, uint64_t ns, int digits)
{
	time_t secs = (time_t)(ns / 1000000000ull);
	struct tm tm;
	char buf[40];
	gmtime_r(&secs, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	if (digits == 6)
		strbuf_addf(out, "%s.%06" PRIu64 "Z", buf, (uint64_t)((ns % 1000000000ull) / 1000));
	else
		strbuf_addf(out, "%s.%09" PRIu64 "Z", buf, (uint64_t)(ns % 1000000000ull));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void pl_write_json(struct strbuf *out, struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		strbuf_adds(out, "null");
		return;
	case json_type_string:
		strbuf_addc(out, '"');
		json_escape(out, json_object_get_string(v), (size_t)json_object_get_string_len(v));
		strbuf_addc(out, '"');
		return;
	case json_type_array: {
		size_t n = json_object_array_length(v);
		strbuf_addc(out, '[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				strbuf_addc(out, ',');
			pl_write_json(out, json_object_array_get_idx(v, i));
		}
		strbuf_addc(out, ']');
		return;
	}
	case json_type_object: {
		size_t n = (size_t)json_object_object_length(v), i = 0;
		const char **keys = malloc(sizeof(char *) * (n ? n : 1));
		json_object_object_foreach(v, k, val)
		{
			(void)val;
			keys[i++] = k;
		}
		qsort(keys, n, sizeof(*keys), cmp_str);
		strbuf_addc(out, '{');
		for (i = 0; i < n; i++) {
			if (i)
				strbuf_addc(out, ',');
			strbuf_addc(out, '"');
			json_escape(out, keys[i], strlen(keys[i]));
			strbuf_adds(out, "\":");
			pl_write_json(out, json_object_object_get(v, keys[i]));
		}
		strbuf_addc(out, '}');
		free(keys);
		return;
	}
	default:
		strbuf_adds(out, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		return;
	}
}

const char *pl_field_str(struct json_object *doc, const char *name)
{
	struct json_object *f, *v;
	if (!doc || !json_object_object_get_ex(doc, "output_fields", &f) || !json_object_object_get_ex(f, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

const char *pl_tagsjoin(const struct amsg *m, const char *sep, struct strbuf *tmp)
{
	strbuf_reset(tmp);
	for (size_t i = 0; i < m->ntags; i++) {
		if (i)
			strbuf_adds(tmp, sep);
		strbuf_adds(tmp, m->tags[i]);
	}
	return tmp->buf;
}

/* Falco's object when the engine did not make one (it always does when a
 * JSON channel exists): the keys Falco always writes. */
static void minimal_json(const struct amsg *m, struct strbuf *out)
{
	strbuf_adds(out, "{\"hostname\":\"");
	json_escape(out, m->hostname, strlen(m->hostname));
	strbuf_adds(out, "\",\"output\":\"");
	strbuf_add(out, m->text, m->text_len); /* already escaped */
	strbuf_adds(out, "\",\"priority\":\"");
	strbuf_adds(out, priority_name(m->prio));
	strbuf_adds(out, "\",\"rule\":\"");
	json_escape(out, m->rule, strlen(m->rule));
	strbuf_adds(out, "\",\"source\":\"");
	json_escape(out, m->source, strlen(m->source));
	strbuf_adds(out, "\",\"tags\":[");
	for (size_t i = 0; i < m->ntags; i++) {
		strbuf_adds(out, i ? ",\"" : "\"");
		json_escape(out, m->tags[i], strlen(m->tags[i]));
		strbuf_addc(out, '"');
	}
	strbuf_adds(out, "],\"time\":\"");
	pl_time(out, m->ts, 9);
	strbuf_adds(out, "\"}");
}

static void add_extra(const struct channel *c, struct json_object *doc)
{
	struct json_object *fields;
	if (!json_object_object_get_ex(doc, "output_fields", &fields) || !json_object_is_type(fields, json_type_object)) {
		fields = json_object_new_object();
		json_object_object_add(doc, "output_fields", fields);
	}
	for (size_t i = 0; i < c->nfields; i++) {
		const char *v = c->fvals[i];
		struct json_object *val;
		if (v[0] == '%' && v[1]) {
			struct json_object *src;
			if (json_object_object_get_ex(fields, v + 1, &src) && src)
				val = json_object_get(src);
			else
				val = NULL;
		} else {
			val = json_object_new_string(v);
		}
		json_object_object_add(fields, c->fkeys[i], val);
	}
}

void pl_json(const struct channel *c, const struct amsg *m, struct strbuf *out)
{
	struct strbuf tmp;
	const char *base = m->json;
	size_t blen = m->json_len;
	strbuf_init(&tmp);
	if (!base) {
		minimal_json(m, &tmp);
		base = tmp.buf;
		blen = tmp.len;
	}
	if (!c->nfields) {
		if (m->count > 1) {
			strbuf_addf(out, "{\"dedup_count\":%u,", m->count);
			strbuf_add(out, base + 1, blen - 1);
		} else {
			strbuf_add(out, base, blen);
		}
		if (!c->falco_json) {
			strbuf_truncate(out, out->len - 1);
			strbuf_addf(out, ",\"uuid\":\"%s\"}", m->uuid);
		}
		strbuf_fini(&tmp);
		return;
	}
	struct json_object *doc = json_tokener_parse(base);
	if (!doc) {
		strbuf_add(out, base, blen);
		strbuf_fini(&tmp);
		return;
	}
	add_extra(c, doc);
	if (m->count > 1)
		json_object_object_add(doc, "dedup_count", json_object_new_int64(m->count));
	if (!c->falco_json)
		json_object_object_add(doc, "uuid", json_object_new_string(m->uuid));
	pl_write_json(out, doc);
	json_object_put(doc);
	strbuf_fini(&tmp);
}

void pl_default(struct channel *c, struct amsg *m, struct strbuf *out)
{
	if (c->json) {
		pl_json(c, m, out);
		return;
	}
	strbuf_add(out, m->text, m->text_len);
}

struct json_object *pl_parse(const struct channel *c, const struct amsg *m)
{
	struct strbuf b;
	strbuf_init(&b);
	pl_json(c, m, &b);
	struct json_object *doc = json_tokener_parse(b.buf);
	strbuf_fini(&b);
	return doc;
}
