/* SPDX-License-Identifier: Apache-2.0 */
/*
 * console.h - the alert console: an SQLite store of the most recent alerts
 * (written by the `console` output channel from its own worker), the JSON
 * API that reads it (/api/alerts, /api/alerts/<id>, /api/stats, /api/rules),
 * the Server-Sent Events feed of new alerts (/api/stream) and the page's
 * static assets built into the binary.
 *
 * The HTTP server only transports: it hands console_handle() the method,
 * the path and the query arguments (repeated keys allowed, in order) and
 * sends back the status, content type and body it gets; for /api/stream it
 * opens a subscription and sends what console_sub_next() appends.
 *
 * Threads: the store's writer is the output worker; every API call opens
 * its own read-only connection (WAL: readers never wait for the writer), so
 * handlers may run on any number of server threads at once.
 */
#ifndef VIGIL_CONSOLE_H
#define VIGIL_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/strbuf.h"

struct ruleset;

/* ===== Store (store.c) ===== */

struct console_store_opts {
	const char *path;		/* the database file */
	uint64_t max_alerts;		/* keep at most this many (0: no bound) */
	uint64_t max_age_ms;		/* drop alerts older than the newest one by this (0: no bound) */
	uint64_t prune_batch;		/* delete when this many are over the bound */
};

struct console_store;

/* A stored alert as the channel hands it over. */
struct console_alert {
	uint64_t ts;			/* event time, ns */
	int prio;
	const char *rule, *source, *hostname, *uuid;
	const char *const *tags;
	size_t ntags;
	const char *output;		/* the output text (may be NULL) */
	const char *json;		/* the full alert JSON document */
	size_t json_len;
	/* output_fields worth an index (NULL when absent) */
	const char *container_id, *container_name, *image, *image_repo, *k8s_ns, *k8s_pod;
};

/* Open (creating the schema) or reopen the database. Returns 0 or a
 * negative errno with a message in err. */
int console_store_open(const struct console_store_opts *o, struct console_store **out, char *err, size_t errlen);
/* Insert n alerts in one transaction, prune when over a bound, and
 * publish them to the stream subscribers. Returns 0 or -EIO (err set). */
int console_store_insert(struct console_store *s, const struct console_alert *a, size_t n, char *err, size_t errlen);
/* Rows stored now. */
uint64_t console_store_count(struct console_store *s);
void console_store_close(struct console_store *s);

/* The loaded ruleset (name, description, priority, source, tags, enabled),
 * kept for /api/rules and written into every console database opened
 * afterwards (so an offline query still has it). Call before the outputs
 * start; NULL clears. */
void console_set_rules(const struct ruleset *rs);

/* ===== API (api.c) ===== */

struct console_arg {
	const char *key, *val;
};

struct console_req {
	const char *method;		/* "GET" */
	const char *path;		/* "/api/alerts", without the query string */
	const struct console_arg *args;	/* decoded query arguments */
	size_t nargs;
	const char *db;			/* database to read (NULL: the running console output's) */
};

struct console_resp {
	int status;			/* 200, 400, 404, 405, 503 */
	const char *ctype;		/* static string */
	struct strbuf body;		/* owned: strbuf_fini() it */
	const void *data;		/* static assets: the bytes (body unused) */
	size_t data_len;
	bool stream;			/* /api/stream: open a subscription instead */
	uint64_t stream_after;		/* ?after=ID (the Last-Event-ID header wins) */
};

/* Answer one request under /api/ or a static asset (/, /index.html,
 * /app.js, /app.css). Returns 0 when the path is the console's (resp set),
 * -ENOENT when it is not (the server answers 404 itself). */
int console_handle(const struct console_req *q, struct console_resp *r);
void console_resp_fini(struct console_resp *r);

/* Whether a running console output exists (the server mounts the routes). */
bool console_active(void);

/* ===== Live stream (store.c) ===== */

struct console_sub;

/* Subscribe to alerts stored after id `after` (0: from now; the
 * Last-Event-ID header gives it back after a reconnect). NULL when no console
 * output runs. */
struct console_sub *console_subscribe(uint64_t after);
/* Wait up to timeout_ms for new alerts and append them to out as SSE
 * events ("id: N\nevent: alert\ndata: {...}\n\n"); on timeout append a
 * comment line (keep-alive). Returns the number of events appended (0 on
 * timeout), or -ESHUTDOWN when the store closed. */
int console_sub_next(struct console_sub *s, struct strbuf *out, int timeout_ms);
void console_unsubscribe(struct console_sub *s);

/* ===== Static assets (generated assets.c) ===== */

struct console_asset {
	const char *path;		/* "/app.js" */
	const char *ctype;
	const unsigned char *data;
	size_t len;
};
extern const struct console_asset console_assets[];
extern const size_t console_nassets;

#endif
