/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.c - the console's alert store: an SQLite database in WAL mode with
 * one row per alert (the full JSON document plus the columns the filters
 * use, each indexed), a tags table, a trigram full-text index on the output
 * text, bounded by count and by age (pruned in batches); the rules of the
 * running engine; and the hub that hands newly stored alerts to the
 * /api/stream subscribers.
 *
 * The writer is the console output's worker thread (out_console.c): an
 * insert never runs on the engine's thread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/xalloc.h"
#include "console/console_int.h"
#include "output/alert.h"
#include "rules/ruleset.h"

#define SCHEMA_VERSION 2
#define HUB_CAP 1024		/* alerts the stream keeps for slow subscribers */

/* alerts holds the small columns the filters and charts scan (a full scan
 * reads no JSON); alert_body the output text and the JSON document, read for
 * the rows shown. */
static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
	"CREATE TABLE IF NOT EXISTS alerts("
	" id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, priority INTEGER NOT NULL, prio_name TEXT NOT NULL,"
	" rule TEXT NOT NULL, source TEXT, hostname TEXT, tags TEXT NOT NULL DEFAULT '[]',"
	" container_id TEXT, container_name TEXT, image TEXT, image_repo TEXT, k8s_ns TEXT, k8s_pod TEXT);"
	"CREATE TABLE IF NOT EXISTS alert_body(id INTEGER PRIMARY KEY, uuid TEXT, output TEXT, json TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS alerts_ts ON alerts(ts, priority);"
	"CREATE INDEX IF NOT EXISTS alerts_priority ON alerts(priority);"
	"CREATE INDEX IF NOT EXISTS alerts_rule ON alerts(rule);"
	"CREATE INDEX IF NOT EXISTS alerts_source ON alerts(source);"
	"CREATE INDEX IF NOT EXISTS alerts_container_id ON alerts(container_id);"
	"CREATE INDEX IF NOT EXISTS alerts_container_name ON alerts(container_name, container_id);"
	"CREATE INDEX IF NOT EXISTS alerts_image ON alerts(image);"
	"CREATE INDEX IF NOT EXISTS alerts_image_repo ON alerts(image_repo);"
	"CREATE INDEX IF NOT EXISTS alerts_k8s_ns ON alerts(k8s_ns);"
	"CREATE INDEX IF NOT EXISTS alerts_k8s_pod ON alerts(k8s_pod);"
	"CREATE TABLE IF NOT EXISTS alert_tags(tag TEXT NOT NULL, alert_id INTEGER NOT NULL,"
	" PRIMARY KEY(tag, alert_id)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS alert_tags_id ON alert_tags(alert_id, tag);"
	"CREATE VIRTUAL TABLE IF NOT EXISTS alerts_fts USING fts5(output, content='alert_body', content_rowid='id',"
	" tokenize='trigram');"
	"CREATE TRIGGER IF NOT EXISTS alerts_ad AFTER DELETE ON alerts BEGIN"
	" DELETE FROM alert_body WHERE id = old.id; DELETE FROM alert_tags WHERE alert_id = old.id; END;"
	"CREATE TRIGGER IF NOT EXISTS alert_body_ad AFTER DELETE ON alert_body BEGIN"
	" INSERT INTO alerts_fts(alerts_fts, rowid, output) VALUES('delete', old.id, old.output); END;";

/* ===== The hub: recently stored alerts for the stream ===== */

struct hub_item {
	uint64_t id;
	char *json;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct hub_item ring[HUB_CAP];
	size_t head, len;	/* oldest at head */
	uint64_t last_id;
	bool open;		/* a console store is running */
	unsigned gen;		/* bumps at every close (subscribers end) */
	char *path;		/* its database */
	char *rules;		/* console_set_rules() */
} g_hub = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static void hub_push(uint64_t id, char *json)
{
	struct hub_item *it;
	if (g_hub.len == HUB_CAP) {
		it = &g_hub.ring[g_hub.head];
		free(it->json);
		g_hub.head = (g_hub.head + 1) % HUB_CAP;
		g_hub.len--;
	}
	it = &g_hub.ring[(g_hub.head + g_hub.len) % HUB_CAP];
	it->id = id;
	it->json = json;
	g_hub.len++;
	g_hub.last_id = id;
}

static void hub_clear(void)
{
	for (size_t i = 0; i < g_hub.len; i++)
		free(g_hub.ring[(g_hub.head + i) % HUB_CAP].json);
	g_hub.head = g_hub.len = 0;
}

struct console_sub {
	uint64_t after;
	unsigned gen;
};

struct console_sub *console_subscribe(uint64_t after)
{
	struct console_sub *s = NULL;
	pthread_mutex_lock(&g_hub.mu);
	if (g_hub.open) {
		s = xcalloc(1, sizeof(*s));
		s->after = after && after <= g_hub.last_id ? after : g_hub.last_id;
		s->gen = g_hub.gen;
	}
	pthread_mutex_unlock(&g_hub.mu);
	return s;
}

int console_sub_next(struct console_sub *s, struct strbuf *out, int timeout_ms)
{
	struct timespec dl;
	int n = 0;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&g_hub.mu);
	while (g_hub.open && g_hub.gen == s->gen && g_hub.last_id <= s->after)
		if (pthread_cond_timedwait(&g_hub.cv, &g_hub.mu, &dl) == ETIMEDOUT)
			break;
	if (!g_hub.open || g_hub.gen != s->gen) {
		pthread_mutex_unlock(&g_hub.mu);
		return -ESHUTDOWN;
	}
	for (size_t i = 0; i < g_hub.len; i++) {
		struct hub_item *it = &g_hub.ring[(g_hub.head + i) % HUB_CAP];
		if (it->id <= s->after)
			continue;
		strbuf_addf(out, "id: %llu\nevent: alert\ndata: %s\n\n", (unsigned long long)it->id, it->json);
		s->after = it->id;
		n++;
	}
	/* fell behind by more than the ring holds: skip ahead */
	if (g_hub.last_id > s->after)
		s->after = g_hub.last_id;
	pthread_mutex_unlock(&g_hub.mu);
	if (!n)
		strbuf_adds(out, ": keep-alive\n\n");
	return n;
}

void console_unsubscribe(struct console_sub *s)
{
	free(s);
}

bool console_active(void)
{
	pthread_mutex_lock(&g_hub.mu);
	bool on = g_hub.open;
	pthread_mutex_unlock(&g_hub.mu);
	return on;
}

bool console_active_path(char *buf, size_t len)
{
	bool on;
	pthread_mutex_lock(&g_hub.mu);
	on = g_hub.open && g_hub.path;
	if (on)
		snprintf(buf, len, "%s", g_hub.path);
	pthread_mutex_unlock(&g_hub.mu);
	return on;
}

/* ===== Rules ===== */

void console_set_rules(const struct ruleset *rs)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addc(&sb, '[');
	for (size_t i = 0; rs && i < rs->nrules; i++) {
		const struct rule *r = rs->rules[i];
		if (i)
			strbuf_addc(&sb, ',');
		strbuf_adds(&sb, "{\"name\":\"");
		json_escape(&sb, r->name, strlen(r->name));
		strbuf_adds(&sb, "\",\"desc\":\"");
		if (r->desc)
			json_escape(&sb, r->desc, strlen(r->desc));
		strbuf_adds(&sb, "\",\"priority\":\"");
		strbuf_adds(&sb, priority_name(r->priority));
		strbuf_adds(&sb, "\",\"source\":\"");
		if (r->source)
			json_escape(&sb, r->source, strlen(r->source));
		strbuf_addf(&sb, "\",\"enabled\":%s,\"tags\":[", r->enabled ? "true" : "false");
		for (size_t t = 0; t < r->ntags; t++) {
			strbuf_adds(&sb, t ? ",\"" : "\"");
			json_escape(&sb, r->tags[t], strlen(r->tags[t]));
			strbuf_addc(&sb, '"');
		}
		strbuf_adds(&sb, "]}");
	}
	strbuf_addc(&sb, ']');
	pthread_mutex_lock(&g_hub.mu);
	free(g_hub.rules);
	g_hub.rules = rs ? strbuf_detach(&sb) : NULL;
	pthread_mutex_unlock(&g_hub.mu);
	strbuf_fini(&sb);
}

bool console_rules_json(struct strbuf *out)
{
	bool ok;
	pthread_mutex_lock(&g_hub.mu);
	ok = g_hub.rules != NULL;
	if (ok)
		strbuf_adds(out, g_hub.rules);
	pthread_mutex_unlock(&g_hub.mu);
	return ok;
}

/* ===== The store ===== */

struct console_store {
	struct console_store_opts o;
	char *path;
	sqlite3 *db;
	sqlite3_stmt *ins, *ins_body, *ins_fts, *ins_tag, *item;
	uint64_t count;
	uint64_t max_ts;
	uint64_t last_age_prune_ts;
	bool registered;	/* the one the API and the stream serve */
};

static int db_err(sqlite3 *db, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
	return -EIO;
}

sqlite3 *console_db_open_ro(const char *path, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 2000);
	return db;
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static uint64_t scalar(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	uint64_t v = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void write_rules(struct console_store *s)
{
	struct strbuf sb;
	sqlite3_stmt *st;
	strbuf_init(&sb);
	if (console_rules_json(&sb) &&
	    sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta(key, value) VALUES('rules', ?)", -1, &st, NULL) ==
		    SQLITE_OK) {
		sqlite3_bind_text(st, 1, sb.buf, (int)sb.len, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	strbuf_fini(&sb);
}

int console_store_open(const struct console_store_opts *o, struct console_store **out, char *err, size_t errlen)
{
	struct console_store *s = xcalloc(1, sizeof(*s));
	char ver[64];
	int rc;
	s->o = *o;
	s->path = xstrdup(o->path);
	if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		rc = db_err(s->db, s->path, err, errlen);
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	/* WAL: the API's readers never block the writer; NORMAL sync: a
	 * power loss may lose the last transactions, never the database */
	if ((rc = exec(s->db,
		       "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;"
		       " PRAGMA journal_size_limit=67108864;",	/* the WAL shrinks back after checkpoints */
		       err, errlen)))
		goto fail;
	if ((rc = exec(s->db, "BEGIN", err, errlen)) || (rc = exec(s->db, schema, err, errlen)))
		goto fail;
	uint64_t have = scalar(s->db, "SELECT value FROM meta WHERE key = 'schema'");
	if (have && have != SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: schema version %llu, this vigil writes %d: move the file away", s->path,
			 (unsigned long long)have, SCHEMA_VERSION);
		rc = -EINVAL;
		goto fail;
	}
	snprintf(ver, sizeof(ver), "INSERT OR REPLACE INTO meta(key, value) VALUES('schema', '%d')", SCHEMA_VERSION);
	if ((rc = exec(s->db, ver, err, errlen)))
		goto fail;
	write_rules(s);
	if ((rc = exec(s->db, "COMMIT", err, errlen)))
		goto fail;
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO alerts(ts, priority, prio_name, rule, source, hostname, tags,"
			       " container_id, container_name, image, image_repo, k8s_ns, k8s_pod)"
			       " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
			       -1, &s->ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT INTO alert_body(id, uuid, output, json) VALUES(?,?,?,?)", -1,
			       &s->ins_body, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT INTO alerts_fts(rowid, output) VALUES(?, ?)", -1, &s->ins_fts, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO alert_tags(tag, alert_id) VALUES(?, ?)", -1, &s->ins_tag,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "SELECT " CONSOLE_ITEM_SQL " FROM alerts WHERE id = ?", -1, &s->item, NULL) !=
		    SQLITE_OK) {
		rc = db_err(s->db, "prepare", err, errlen);
		goto fail;
	}
	s->count = scalar(s->db, "SELECT count(*) FROM alerts");
	s->max_ts = scalar(s->db, "SELECT max(ts) FROM alerts");
	pthread_mutex_lock(&g_hub.mu);
	if (!g_hub.open) {
		g_hub.open = true;
		g_hub.path = xstrdup(s->path);
		g_hub.last_id = scalar(s->db, "SELECT max(id) FROM alerts");
		s->registered = true;
	}
	pthread_mutex_unlock(&g_hub.mu);
	*out = s;
	return 0;
fail:
	console_store_close(s);
	return rc;
}

static int bind_opt(sqlite3_stmt *st, int i, const char *v)
{
	return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static int insert_one(struct console_store *s, const struct console_alert *a, struct strbuf *tags)
{
	sqlite3_stmt *st = s->ins;
	strbuf_reset(tags);
	strbuf_addc(tags, '[');
	for (size_t t = 0; t < a->ntags; t++) {
		strbuf_adds(tags, t ? ",\"" : "\"");
		json_escape(tags, a->tags[t], strlen(a->tags[t]));
		strbuf_addc(tags, '"');
	}
	strbuf_addc(tags, ']');
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)a->ts);
	sqlite3_bind_int(st, 2, a->prio);
	sqlite3_bind_text(st, 3, priority_name(a->prio), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->rule ? a->rule : "", -1, SQLITE_STATIC);
	bind_opt(st, 5, a->source);
	bind_opt(st, 6, a->hostname);
	sqlite3_bind_text(st, 7, tags->buf, (int)tags->len, SQLITE_STATIC);
	bind_opt(st, 8, a->container_id);
	bind_opt(st, 9, a->container_name);
	bind_opt(st, 10, a->image);
	bind_opt(st, 11, a->image_repo);
	bind_opt(st, 12, a->k8s_ns);
	bind_opt(st, 13, a->k8s_pod);
	if (sqlite3_step(st) != SQLITE_DONE)
		return -1;
	sqlite3_int64 id = sqlite3_last_insert_rowid(s->db);
	st = s->ins_body;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, id);
	bind_opt(st, 2, a->uuid);
	bind_opt(st, 3, a->output);
	sqlite3_bind_text(st, 4, a->json ? a->json : "{}", a->json ? (int)a->json_len : 2, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return -1;
	if (a->output) {
		sqlite3_reset(s->ins_fts);
		sqlite3_bind_int64(s->ins_fts, 1, id);
		sqlite3_bind_text(s->ins_fts, 2, a->output, -1, SQLITE_STATIC);
		if (sqlite3_step(s->ins_fts) != SQLITE_DONE)
			return -1;
	}
	for (size_t t = 0; t < a->ntags; t++) {
		sqlite3_reset(s->ins_tag);
		sqlite3_bind_text(s->ins_tag, 1, a->tags[t], -1, SQLITE_STATIC);
		sqlite3_bind_int64(s->ins_tag, 2, id);
		if (sqlite3_step(s->ins_tag) != SQLITE_DONE)
			return -1;
	}
	if (a->ts > s->max_ts)
		s->max_ts = a->ts;
	s->count++;
	return 0;
}

/* Delete down to the bounds, in one statement per bound. */
static int prune(struct console_store *s, char *err, size_t errlen)
{
	char sql[256];
	uint64_t batch = s->o.prune_batch ? s->o.prune_batch : 1;
	if (s->o.max_alerts && s->count >= s->o.max_alerts + batch) {
		snprintf(sql, sizeof(sql),
			 "DELETE FROM alerts WHERE id <= (SELECT id FROM alerts ORDER BY id DESC LIMIT 1 OFFSET %llu)",
			 (unsigned long long)s->o.max_alerts);
		if (exec(s->db, sql, err, errlen))
			return -EIO;
		s->count -= (uint64_t)sqlite3_changes(s->db);
	}
	uint64_t age_ns = s->o.max_age_ms * 1000000ull;
	/* age: relative to the newest alert (a replayed capture keeps its
	 * own times); checked when the newest moved on by a tenth of it */
	if (age_ns && s->max_ts > age_ns && s->max_ts - s->last_age_prune_ts >= age_ns / 10) {
		snprintf(sql, sizeof(sql), "DELETE FROM alerts WHERE ts < %llu",
			 (unsigned long long)(s->max_ts - age_ns));
		if (exec(s->db, sql, err, errlen))
			return -EIO;
		s->count -= (uint64_t)sqlite3_changes(s->db);
		s->last_age_prune_ts = s->max_ts;
	}
	return 0;
}

int console_store_insert(struct console_store *s, const struct console_alert *a, size_t n, char *err, size_t errlen)
{
	struct strbuf tags;
	int rc = 0;
	sqlite3_int64 first;
	if (exec(s->db, "BEGIN IMMEDIATE", err, errlen))
		return -EIO;
	first = (sqlite3_int64)scalar(s->db, "SELECT coalesce(max(id), 0) FROM alerts") + 1;
	strbuf_init(&tags);
	for (size_t i = 0; i < n && !rc; i++)
		if (insert_one(s, &a[i], &tags))
			rc = db_err(s->db, "insert", err, errlen);
	strbuf_fini(&tags);
	if (!rc)
		rc = prune(s, err, errlen);
	if (rc) {
		exec(s->db, "ROLLBACK", err + strlen(err), 0);
		s->count = scalar(s->db, "SELECT count(*) FROM alerts");
		return rc;
	}
	if (exec(s->db, "COMMIT", err, errlen))
		return -EIO;
	if (!s->registered)
		return 0;
	/* publish: the list items of the rows just written */
	sqlite3_int64 last = sqlite3_last_insert_rowid(s->db);
	pthread_mutex_lock(&g_hub.mu);
	for (sqlite3_int64 id = first; id <= last; id++) {
		sqlite3_reset(s->item);
		sqlite3_bind_int64(s->item, 1, id);
		if (sqlite3_step(s->item) == SQLITE_ROW)
			hub_push((uint64_t)id, xstrdup((const char *)sqlite3_column_text(s->item, 0)));
	}
	/* a stepped statement holds its read snapshot: the WAL could never be
	 * checkpointed */
	sqlite3_reset(s->item);
	pthread_cond_broadcast(&g_hub.cv);
	pthread_mutex_unlock(&g_hub.mu);
	return 0;
}

uint64_t console_store_count(struct console_store *s)
{
	return s->count;
}

void console_store_close(struct console_store *s)
{
	if (!s)
		return;
	if (s->registered) {
		pthread_mutex_lock(&g_hub.mu);
		g_hub.open = false;
		g_hub.gen++;
		free(g_hub.path);
		g_hub.path = NULL;
		hub_clear();
		pthread_cond_broadcast(&g_hub.cv);
		pthread_mutex_unlock(&g_hub.mu);
	}
	sqlite3_finalize(s->ins);
	sqlite3_finalize(s->ins_body);
	sqlite3_finalize(s->ins_fts);
	sqlite3_finalize(s->ins_tag);
	sqlite3_finalize(s->item);
	if (s->db)
		sqlite3_close_v2(s->db);
	free(s->path);
	free(s);
}
