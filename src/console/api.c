/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api.c - the console's JSON API over the alert store: /api/alerts (filters,
 * keyset paging), /api/alerts/<id>, /api/stats, /api/rules, the /api/stream
 * marker, and the static assets. Every parameter is checked (known name,
 * valid UTF-8, bounded length, numbers in range) and bound into the SQL,
 * never pasted into it; a bad one is a 400 with a JSON message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/xalloc.h"
#include "console/console_int.h"
#include "output/alert.h"
#include "rules/ruleset.h"

#define MAX_ARGS 64
#define MAX_VALUE 1024		/* bytes of one parameter value */
#define MAX_LIMIT 1000
#define DEF_LIMIT 100
#define MAX_TOTAL 1000		/* /api/alerts counts matches up to this */

/* ===== Responses ===== */

static int reply_json(struct console_resp *r, int status)
{
	r->status = status;
	r->ctype = "application/json";
	return 0;
}

static int fail(struct console_resp *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct console_resp *r, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	strbuf_reset(&r->body);
	strbuf_adds(&r->body, "{\"error\":\"");
	json_escape(&r->body, msg, strlen(msg));
	strbuf_adds(&r->body, "\"}");
	return reply_json(r, status);
}

void console_resp_fini(struct console_resp *r)
{
	strbuf_fini(&r->body);
}

/* ===== Parameters ===== */

static bool utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p, n;
		uint32_t cp;
		if (c < 0x80) {
			p++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1, cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3, cp = c & 0x07;
		} else {
			return false;
		}
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* A non-negative decimal integer in [lo, hi]. */
static bool parse_int(const char *v, long long lo, long long hi, long long *out)
{
	char *end;
	if (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 18)
		return false;
	long long x = strtoll(v, &end, 10);
	if (x < lo || x > hi)
		return false;
	*out = x;
	return true;
}

/* A time: seconds since the epoch (fraction allowed) or RFC 3339
 * ("2026-01-01T00:00:00Z", fraction and offset allowed). ns out. */
static bool parse_time(const char *v, uint64_t *ns)
{
	size_t ni = strspn(v, "0123456789");
	if (ni && (!v[ni] || (v[ni] == '.' && strspn(v + ni + 1, "0123456789") == strlen(v + ni + 1)))) {
		/* integer seconds and up to 9 digits of fraction, exactly */
		if (ni > 10 || (v[ni] && strlen(v + ni + 1) > 9))
			return false;
		uint64_t sec = strtoull(v, NULL, 10), frac = 0, mul = 100000000;
		if (v[ni])
			for (const char *c = v + ni + 1; *c; c++, mul /= 10)
				frac += (uint64_t)(*c - '0') * mul;
		*ns = sec * 1000000000ull + frac;
		return true;
	}
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *p = strptime(v, "%Y-%m-%dT%H:%M", &tm);
	if (!p)
		return false;
	uint64_t frac = 0;
	if (*p == ':') {
		if (p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
			return false;
		tm.tm_sec = (p[1] - '0') * 10 + (p[2] - '0');
		p += 3;
		if (*p == '.') {
			uint64_t mul = 100000000;
			for (p++; *p >= '0' && *p <= '9'; p++, mul /= 10)
				frac += (uint64_t)(*p - '0') * mul;
		}
	}
	long off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		int h = atoi(p + 1), m = atoi(p + 4);
		off = (h * 3600L + m * 60L) * (*p == '-' ? -1 : 1);
		p += 6;
	}
	if (*p || tm.tm_sec > 60)
		return false;
	time_t t = timegm(&tm);
	if (t < 0)
		return false;
	*ns = (uint64_t)(t - off) * 1000000000ull + frac;
	return true;
}

/* The list-valued filters: parameter, SQL condition with one '?' per value
 * ("%s" is where the list of '?' goes). */
static const struct {
	const char *name, *cond;
} list_filters[] = {
	{ "rule", "rule IN (%s)" },
	{ "source", "source IN (%s)" },
	{ "tag", "EXISTS (SELECT 1 FROM alert_tags WHERE alert_tags.alert_id = alerts.id AND alert_tags.tag IN (%s))" },
	{ "ns", "k8s_ns IN (%s)" },
	{ "pod", "k8s_pod IN (%s)" },
};

struct bind {
	bool is_int;
	long long i;
	const char *s;
};

struct query {
	struct strbuf where;	/* " WHERE ..." or "" */
	struct bind b[MAX_ARGS * 2];
	size_t nb;
	char *owned[4];
	size_t nowned;
	long long limit, cursor, buckets;
};

static void q_and(struct query *q, const char *cond)
{
	strbuf_adds(&q->where, q->where.len ? " AND " : " WHERE ");
	strbuf_adds(&q->where, cond);
}

static void q_text(struct query *q, const char *s)
{
	q->b[q->nb].is_int = false;
	q->b[q->nb++].s = s;
}

static void q_int(struct query *q, long long v)
{
	q->b[q->nb].is_int = true;
	q->b[q->nb++].i = v;
}

static void q_fini(struct query *q)
{
	strbuf_fini(&q->where);
	for (size_t i = 0; i < q->nowned; i++)
		free(q->owned[i]);
}

static int q_bind(const struct query *q, sqlite3_stmt *st)
{
	for (size_t i = 0; i < q->nb; i++) {
		int rc = q->b[i].is_int ? sqlite3_bind_int64(st, (int)i + 1, q->b[i].i)
					: sqlite3_bind_text(st, (int)i + 1, q->b[i].s, -1, SQLITE_STATIC);
		if (rc != SQLITE_OK)
			return -1;
	}
	return 0;
}

static bool allowed(const char *k, const char *const *names)
{
	for (; *names; names++)
		if (!strcmp(*names, k))
			return true;
	return false;
}

static size_t count_key(const struct console_req *rq, const char *k)
{
	size_t n = 0;
	for (size_t i = 0; i < rq->nargs; i++)
		n += !strcmp(rq->args[i].key, k);
	return n;
}

static const char *single(const struct console_req *rq, const char *k)
{
	for (size_t i = 0; i < rq->nargs; i++)
		if (!strcmp(rq->args[i].key, k))
			return rq->args[i].val;
	return NULL;
}

/* Build the filters of rq into q. Returns 0, or a 400 in r. */
static int build_query(const struct console_req *rq, const char *const *extra, struct query *q,
		       struct console_resp *r)
{
	static const char *const common[] = { "rule", "priority", "tag", "source", "container", "image", "ns",
					      "pod", "q", "since", "until", NULL };
	static const char *const singles[] = { "q", "since", "until", "limit", "cursor", "buckets", NULL };
	strbuf_init(&q->where);
	if (rq->nargs > MAX_ARGS)
		return fail(r, 400, "too many parameters (%zu, at most %d)", rq->nargs, MAX_ARGS), -EINVAL;
	for (size_t i = 0; i < rq->nargs; i++) {
		const char *k = rq->args[i].key, *v = rq->args[i].val ? rq->args[i].val : "";
		if (!utf8_valid(k) || strlen(k) > 64)
			return fail(r, 400, "a parameter name is not valid UTF-8 or too long"), -EINVAL;
		if (!allowed(k, common) && !allowed(k, extra))
			return fail(r, 400, "unknown parameter '%s'", k), -EINVAL;
		if (!utf8_valid(v))
			return fail(r, 400, "parameter '%s' is not valid UTF-8", k), -EINVAL;
		if (strlen(v) > MAX_VALUE)
			return fail(r, 400, "parameter '%s' is longer than %d bytes", k, MAX_VALUE), -EINVAL;
		if (allowed(k, singles) && count_key(rq, k) > 1)
			return fail(r, 400, "parameter '%s' given more than once", k), -EINVAL;
	}
	/* list filters: values of one name are alternatives */
	for (size_t f = 0; f < sizeof(list_filters) / sizeof(list_filters[0]); f++) {
		struct strbuf marks;
		size_t n = 0;
		strbuf_init(&marks);
		for (size_t i = 0; i < rq->nargs; i++)
			if (!strcmp(rq->args[i].key, list_filters[f].name)) {
				strbuf_adds(&marks, n++ ? ",?" : "?");
				q_text(q, rq->args[i].val ? rq->args[i].val : "");
			}
		if (n) {
			struct strbuf cond;
			strbuf_init(&cond);
			strbuf_addf(&cond, list_filters[f].cond, marks.buf);
			q_and(q, cond.buf);
			strbuf_fini(&cond);
		}
		strbuf_fini(&marks);
	}
	/* priority: names, as alternatives */
	struct strbuf marks;
	size_t np = 0;
	strbuf_init(&marks);
	for (size_t i = 0; i < rq->nargs; i++) {
		if (strcmp(rq->args[i].key, "priority"))
			continue;
		const char *pv = rq->args[i].val ? rq->args[i].val : "";
		int p = priority_parse(pv);
		if (p < 0) {
			strbuf_fini(&marks);
			return fail(r, 400,
				    "priority: unknown priority '%s' (emergency, alert, critical, error, warning, notice, "
				    "informational, debug)",
				    pv),
			       -EINVAL;
		}
		strbuf_adds(&marks, np++ ? ",?" : "priority IN (?");
		q_int(q, p);
	}
	if (np) {
		strbuf_addc(&marks, ')');
		q_and(q, marks.buf);
	}
	/* container: its id (short or full) or name; image: name:tag or repository */
	for (size_t k = 0; k < 2; k++) {
		size_t n = 0;
		strbuf_reset(&marks);
		for (size_t i = 0; i < rq->nargs; i++) {
			if (strcmp(rq->args[i].key, k ? "image" : "container"))
				continue;
			strbuf_adds(&marks, n++ ? " OR " : "(");
			strbuf_adds(&marks, k ? "image = ? OR image_repo = ?" : "container_id = ? OR container_name = ?");
			q_text(q, rq->args[i].val ? rq->args[i].val : "");
			q_text(q, rq->args[i].val ? rq->args[i].val : "");
		}
		if (n) {
			strbuf_addc(&marks, ')');
			q_and(q, marks.buf);
		}
	}
	strbuf_fini(&marks);
	const char *v;
	if ((v = single(rq, "q")) && *v) {
		/* substring of the output: the trigram index for 3 characters
		 * or more (a quoted phrase: no query syntax), LIKE below */
		if (utf8_chars(v) >= 3) {
			struct strbuf ph;
			strbuf_init(&ph);
			strbuf_addc(&ph, '"');
			for (const char *c = v; *c; c++) {
				if (*c == '"')
					strbuf_addc(&ph, '"');
				strbuf_addc(&ph, *c);
			}
			strbuf_addc(&ph, '"');
			q->owned[q->nowned] = strbuf_detach(&ph);
			q_and(q, "id IN (SELECT rowid FROM alerts_fts WHERE alerts_fts MATCH ?)");
			q_text(q, q->owned[q->nowned++]);
		} else {
			struct strbuf like;
			strbuf_init(&like);
			strbuf_addc(&like, '%');
			for (const char *c = v; *c; c++) {
				if (*c == '%' || *c == '_' || *c == '\\')
					strbuf_addc(&like, '\\');
				strbuf_addc(&like, *c);
			}
			strbuf_addc(&like, '%');
			q->owned[q->nowned] = strbuf_detach(&like);
			q_and(q, "id IN (SELECT id FROM alert_body WHERE output LIKE ? ESCAPE '\\')");
			q_text(q, q->owned[q->nowned++]);
		}
	}
	uint64_t t;
	if ((v = single(rq, "since"))) {
		if (!parse_time(v, &t))
			return fail(r, 400, "since: '%s' is not a time (seconds since the epoch or RFC 3339)", v), -EINVAL;
		q_and(q, "ts >= ?");
		q_int(q, (long long)t);
	}
	if ((v = single(rq, "until"))) {
		if (!parse_time(v, &t))
			return fail(r, 400, "until: '%s' is not a time (seconds since the epoch or RFC 3339)", v), -EINVAL;
		q_and(q, "ts < ?");
		q_int(q, (long long)t);
	}
	q->limit = DEF_LIMIT;
	if ((v = single(rq, "limit")) && !parse_int(v, 1, MAX_LIMIT, &q->limit))
		return fail(r, 400, "limit: '%s' is not an integer from 1 to %d", v, MAX_LIMIT), -EINVAL;
	q->cursor = 0;
	if ((v = single(rq, "cursor")) && !parse_int(v, 1, (1ll << 62), &q->cursor))
		return fail(r, 400, "cursor: '%s' is not a cursor this API gave (a positive integer)", v), -EINVAL;
	q->buckets = 60;
	if ((v = single(rq, "buckets")) && !parse_int(v, 1, 500, &q->buckets))
		return fail(r, 400, "buckets: '%s' is not an integer from 1 to 500", v), -EINVAL;
	return 0;
}

/* ===== Queries ===== */

/* Run sql (with q's bindings when q) and append its rows' first column,
 * separated by sep. Returns rows, or -1 with a 500 in r. */
static long run(sqlite3 *db, const char *sql, const struct query *q, const char *sep, struct strbuf *out,
		struct console_resp *r)
{
	sqlite3_stmt *st;
	long n = 0;
	int rc;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fail(r, 500, "query: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (q && q_bind(q, st)) {
		sqlite3_finalize(st);
		fail(r, 500, "bind: %s", sqlite3_errmsg(db));
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		if (n++ && sep)
			strbuf_adds(out, sep);
		strbuf_adds(out, t ? t : "null");
	}
	if (rc != SQLITE_DONE) {
		fail(r, 500, "query: %s", sqlite3_errmsg(db));
		n = -1;
	}
	sqlite3_finalize(st);
	return n;
}

static int api_alerts(sqlite3 *db, const struct console_req *rq, struct console_resp *r)
{
	static const char *const extra[] = { "limit", "cursor", NULL };
	struct query q = { 0 };
	struct strbuf sql, items;
	int rc = -1;
	strbuf_init(&sql);
	strbuf_init(&items);
	if (build_query(rq, extra, &q, r))
		goto out;
	/* the total before the cursor condition */
	strbuf_addf(&sql, "SELECT count(*) FROM (SELECT 1 FROM alerts%s LIMIT %d)", q.where.buf, MAX_TOTAL + 1);
	struct strbuf total;
	strbuf_init(&total);
	long ok = run(db, sql.buf, &q, NULL, &total, r);
	if (ok < 0) {
		strbuf_fini(&total);
		goto out;
	}
	if (q.cursor) {
		q_and(&q, "id < ?");
		q_int(&q, q.cursor);
	}
	strbuf_reset(&sql);
	/* the ids first: a plan that sorts then builds no item it drops */
	strbuf_adds(&sql, "SELECT " CONSOLE_ITEM_SQL " FROM alerts WHERE id IN (SELECT id FROM alerts");
	strbuf_addf(&sql, "%s ORDER BY id DESC LIMIT %lld) ORDER BY id DESC", q.where.buf, q.limit + 1);
	long n = run(db, sql.buf, &q, "\n", &items, r);
	if (n < 0) {
		strbuf_fini(&total);
		goto out;
	}
	/* one more than asked: there is a next page, after the last shown */
	long long next = 0;
	if (n > q.limit) {
		char *last = strrchr(items.buf, '\n');
		*last = 0;
		items.len = (size_t)(last - items.buf);
		char *prev = strrchr(items.buf, '\n');
		next = atoll((prev ? prev + 1 : items.buf) + strlen("{\"id\":"));
		n = q.limit;
	}
	for (char *c = items.buf; *c; c++)
		if (*c == '\n')
			*c = ',';
	strbuf_reset(&r->body);
	/* the newest id of all: the page's stream starts after it, so no
	 * alert falls between the list and the stream */
	struct strbuf last;
	strbuf_init(&last);
	if (run(db, "SELECT coalesce(max(id), 0) FROM alerts", NULL, NULL, &last, r) < 0) {
		strbuf_fini(&last);
		strbuf_fini(&total);
		goto out;
	}
	/* counting stops past MAX_TOTAL: a page never pays for a full count */
	long long tot = atoll(total.buf);
	strbuf_addf(&r->body,
		    "{\"alerts\":[%s],\"count\":%ld,\"total\":%lld,\"total_capped\":%s,\"last_id\":%s,\"next_cursor\":",
		    items.buf, n, tot > MAX_TOTAL ? MAX_TOTAL : tot, tot > MAX_TOTAL ? "true" : "false", last.buf);
	strbuf_fini(&last);
	if (next)
		strbuf_addf(&r->body, "\"%lld\"}", next);
	else
		strbuf_adds(&r->body, "null}");
	strbuf_fini(&total);
	rc = reply_json(r, 200);
out:
	q_fini(&q);
	strbuf_fini(&sql);
	strbuf_fini(&items);
	return rc;
}

static int api_alert(sqlite3 *db, const char *idtext, const struct console_req *rq, struct console_resp *r)
{
	long long id;
	struct query q = { 0 };
	struct strbuf out;
	if (rq->nargs)
		return fail(r, 400, "unknown parameter '%s'", rq->args[0].key);
	if (!parse_int(idtext, 1, (1ll << 62), &id))
		return fail(r, 400, "'%s' is not an alert id", idtext);
	strbuf_init(&out);
	q_int(&q, id);
	long n = run(db,
		     "SELECT json_object('alert'," CONSOLE_ITEM_SQL ",'event',(SELECT json(json) FROM alert_body WHERE alert_body.id = alerts.id),'rule',"
		     "(SELECT value FROM json_each((SELECT value FROM meta WHERE key = 'rules'))"
		     " WHERE json_extract(value, '$.name') = alerts.rule LIMIT 1)) FROM alerts WHERE id = ?",
		     &q, NULL, &out, r);
	int rc = 0;
	if (n == 0)
		rc = fail(r, 404, "no alert %lld (pruned, or never stored)", id);
	else if (n > 0) {
		strbuf_reset(&r->body);
		strbuf_add(&r->body, out.buf, out.len);
		rc = reply_json(r, 200);
	}
	strbuf_fini(&out);
	return rc;
}

/* Bucket widths of the time series, ns: the smallest giving at most
 * `buckets` buckets. */
static const uint64_t nice_steps[] = {
	1000000ull, 10000000ull, 100000000ull, 1000000000ull, 5000000000ull, 10000000000ull, 30000000000ull,
	60000000000ull, 300000000000ull, 600000000000ull, 1800000000000ull, 3600000000000ull, 10800000000000ull,
	21600000000000ull, 43200000000000ull, 86400000000000ull, 604800000000000ull,
};

static int api_stats(sqlite3 *db, const struct console_req *rq, struct console_resp *r)
{
	static const char *const extra[] = { "buckets", NULL };
	struct query q = { 0 };
	struct strbuf sql, range, part;
	int rc = -1;
	strbuf_init(&sql);
	strbuf_init(&range);
	strbuf_init(&part);
	if (build_query(rq, extra, &q, r))
		goto out;
	strbuf_addf(&sql, "SELECT json_array(count(*), min(ts), max(ts)) FROM alerts%s", q.where.buf);
	if (run(db, sql.buf, &q, NULL, &range, r) < 0)
		goto out;
	unsigned long long total = 0, lo = 0, hi = 0;
	sscanf(range.buf, "[%llu,%llu,%llu]", &total, &lo, &hi);
	size_t nsteps = sizeof(nice_steps) / sizeof(nice_steps[0]);
	uint64_t step = nice_steps[nsteps - 1];
	for (size_t i = 0; i < nsteps; i++)
		if ((hi - lo) / nice_steps[i] < (uint64_t)q.buckets) {
			step = nice_steps[i];
			break;
		}
	strbuf_reset(&r->body);
	strbuf_addf(&r->body, "{\"total\":%llu,\"from\":%llu,\"to\":%llu,\"bucket_ns\":%llu", total, lo, hi,
		    (unsigned long long)step);
	static const struct {
		const char *key, *fmt;
	} parts[] = {
		{ "series", "SELECT json_group_array(json_array(b, " CONSOLE_PRIO_NAME_SQL("p") ", c)) FROM (SELECT"
			    " (ts / %llu) * %llu AS b, priority AS p, count(*) AS c FROM alerts%s GROUP BY b, p ORDER BY b, p)" },
		{ "priorities", "SELECT json_group_array(json_object('name', " CONSOLE_PRIO_NAME_SQL("p") ", 'count', c))"
				" FROM (SELECT priority AS p, count(*) AS c FROM alerts%s GROUP BY p ORDER BY p)" },
		{ "top_rules", "SELECT json_group_array(json_object('name', rule, 'count', c)) FROM (SELECT rule,"
			       " count(*) AS c FROM alerts%s GROUP BY rule ORDER BY c DESC, rule LIMIT 10)" },
		{ "top_containers", "SELECT json_group_array(json_object('name', n, 'count', c)) FROM (SELECT"
				    " coalesce(container_name, container_id) AS n, count(*) AS c FROM alerts%s%s"
				    " GROUP BY n ORDER BY c DESC, n LIMIT 10)" },
		{ "top_namespaces", "SELECT json_group_array(json_object('name', k8s_ns, 'count', c)) FROM (SELECT"
				    " k8s_ns, count(*) AS c FROM alerts%s%s GROUP BY k8s_ns ORDER BY c DESC, k8s_ns LIMIT 10)" },
		{ "mitre", "SELECT json_group_array(json_object('tactic', tag, 'count', c)) FROM (SELECT alert_tags.tag AS tag,"
			   " count(*) AS c FROM alert_tags JOIN alerts ON alerts.id = alert_tags.alert_id%s%s GROUP BY alert_tags.tag"
			   " ORDER BY c DESC, alert_tags.tag)" },
	};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		strbuf_reset(&sql);
		strbuf_reset(&part);
		if (i == 0)
			strbuf_addf(&sql, parts[i].fmt, (unsigned long long)step, (unsigned long long)step, q.where.buf);
		else if (i == 3)
			strbuf_addf(&sql, parts[i].fmt, q.where.buf, q.where.len ? " AND container_id IS NOT NULL AND container_id <> 'host'"
										: " WHERE container_id IS NOT NULL AND container_id <> 'host'");
		else if (i == 4)
			strbuf_addf(&sql, parts[i].fmt, q.where.buf, q.where.len ? " AND k8s_ns IS NOT NULL" : " WHERE k8s_ns IS NOT NULL");
		else if (i == 5 && q.where.len)
			strbuf_addf(&sql, parts[i].fmt, q.where.buf, " AND alert_tags.tag GLOB 'mitre_*'");
		else if (i == 5)	/* no filter: the tags table alone */
			strbuf_adds(&sql, "SELECT json_group_array(json_object('tactic', tag, 'count', c)) FROM (SELECT tag,"
					  " count(*) AS c FROM alert_tags WHERE tag GLOB 'mitre_*' GROUP BY tag ORDER BY c DESC, tag)");
		else
			strbuf_addf(&sql, parts[i].fmt, q.where.buf);
		if (run(db, sql.buf, &q, NULL, &part, r) < 0)
			goto out;
		strbuf_addf(&r->body, ",\"%s\":%s", parts[i].key, part.buf);
	}
	strbuf_addc(&r->body, '}');
	rc = reply_json(r, 200);
out:
	q_fini(&q);
	strbuf_fini(&sql);
	strbuf_fini(&range);
	strbuf_fini(&part);
	return rc;
}

static int api_rules(sqlite3 *db, const struct console_req *rq, struct console_resp *r)
{
	struct strbuf out;
	if (rq->nargs)
		return fail(r, 400, "unknown parameter '%s'", rq->args[0].key);
	strbuf_init(&out);
	long n = run(db, "SELECT value FROM meta WHERE key = 'rules'", NULL, NULL, &out, r);
	if (n >= 0) {
		strbuf_reset(&r->body);
		strbuf_addf(&r->body, "{\"rules\":%s}", n ? out.buf : "[]");
		reply_json(r, 200);
	}
	strbuf_fini(&out);
	return 0;
}

/* ===== Dispatch ===== */

int console_handle(const struct console_req *rq, struct console_resp *r)
{
	char path[4096], err[512];
	const char *p = rq->path;
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->body);
	if (strncmp(p, "/api/", 5)) {
		if (!strcmp(p, "/"))
			p = "/index.html";
		for (size_t i = 0; i < console_nassets; i++)
			if (!strcmp(console_assets[i].path, p)) {
				if (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD"))
					return fail(r, 405, "method %s not allowed", rq->method);
				r->status = 200;
				r->ctype = console_assets[i].ctype;
				r->data = console_assets[i].data;
				r->data_len = console_assets[i].len;
				return 0;
			}
		return -ENOENT;
	}
	if (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD"))
		return fail(r, 405, "method %s not allowed", rq->method);
	p += 4;
	bool known = !strcmp(p, "/alerts") || !strncmp(p, "/alerts/", 8) || !strcmp(p, "/stats") ||
		     !strcmp(p, "/rules") || !strcmp(p, "/stream");
	if (!known)
		return fail(r, 404, "no such API: %s", rq->path);
	if (!strcmp(p, "/stream")) {
		for (size_t i = 0; i < rq->nargs; i++)
			if (strcmp(rq->args[i].key, "after"))
				return fail(r, 400, "unknown parameter '%s'", rq->args[i].key);
		const char *after = single(rq, "after");
		long long a = 0;
		if (after && !parse_int(after, 0, (1ll << 62), &a))
			return fail(r, 400, "after: '%s' is not an alert id", after);
		r->stream_after = (uint64_t)a;
		if (!console_active())
			return fail(r, 503, "no console output is running");
		r->status = 200;
		r->ctype = "text/event-stream";
		r->stream = true;
		return 0;
	}
	const char *dbpath = rq->db;
	if (!dbpath) {
		if (!console_active_path(path, sizeof(path)))
			return fail(r, 503, "no console output is running (outputs.NAME.type=console)");
		dbpath = path;
	}
	sqlite3 *db = console_db_open_ro(dbpath, err, sizeof(err));
	if (!db)
		return fail(r, 503, "%s", err);
	if (!strcmp(p, "/alerts"))
		api_alerts(db, rq, r);
	else if (!strncmp(p, "/alerts/", 8))
		api_alert(db, p + 8, rq, r);
	else if (!strcmp(p, "/stats"))
		api_stats(db, rq, r);
	else
		api_rules(db, rq, r);
	sqlite3_close_v2(db);
	return 0;
}
