/* SPDX-License-Identifier: Apache-2.0 */
/*
 * channel.h - what the output manager (outputs.c) and the backends
 * (out_*.c) share: the alert message every channel queues, a channel with
 * its validated configuration, and the small adapter interface a backend
 * implements (payload formatting + send). Queueing, retries, backoff,
 * spooling and counters live in outputs.c, once for all backends.
 *
 * Ownership: a message is reference counted (amsg_ref/amsg_unref); a
 * channel owns its configuration view and its backend state (c->priv).
 */
#ifndef VIGIL_OUTPUT_CHANNEL_H
#define VIGIL_OUTPUT_CHANNEL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "common/strbuf.h"
#include "output/outputs.h"

struct json_object;
struct diag_list;

/* ===== The alert message ===== */

struct amsg {
	atomic_int refs;
	uint64_t ts;		/* event time, ns */
	int prio;
	uint32_t count;		/* alerts this one stands for (dedup), >= 1 */
	char uuid[37];
	char *rule, *source;
	char **tags;
	size_t ntags;
	char *text;		/* Falco's text line */
	size_t text_len;
	char *json;		/* Falco's JSON object, or NULL */
	size_t json_len;
	const char *hostname;	/* borrowed from the manager */
	uint64_t spool_seq;	/* position in the spool (spooled channels) */
};

struct amsg *amsg_ref(struct amsg *m);
void amsg_unref(struct amsg *m);

/* ===== Configuration ===== */

enum okind {
	K_STR, K_BOOL, K_INT, K_FLOAT, K_DUR, K_SIZE, K_URL, K_FILE, K_PRIO, K_ENUM,
	K_MAP,		/* a map of free keys: headers.X-Foo, fields.env... */
	K_LIST,		/* a sequence of strings */
	K_HOSTPORT,	/* host:port */
};

struct okey {
	const char *name;
	enum okind kind;
	const char *def;	/* default value (NULL: unset) */
	const char *enums;	/* K_ENUM: "a|b|c"; K_URL: allowed schemes "http|https" */
};

/* ===== Backends ===== */

enum { OUT_OK, OUT_RETRY, OUT_FAIL };

struct out_item {
	struct amsg *m;
	struct strbuf payload;
	int status;		/* OUT_* after send */
};

struct send_result {
	uint64_t retry_after_ms;	/* the backend asked to wait this long (Retry-After) */
	char err[512];			/* why the last item failed, for the log */
};

struct channel;

struct backend {
	const char *type;
	const struct okey *keys;	/* NULL-terminated, besides the common keys */
	bool sync;			/* written on the engine's thread (stdout, file) */
	bool open_at_start;		/* async too: open() once in outputs__start() (the console's
					 * database and API exist before the first alert) */
	size_t max_batch;		/* items per send() */
	/* config time: read c's keys into c->priv, check what a key alone
	 * cannot; report with ch_error(). Returns 0 or -EINVAL. */
	int (*init)(struct channel *c, struct diag_list *dl);
	/* worker thread (or outputs__start() for sync channels): connect */
	int (*open)(struct channel *c, char *err, size_t errlen);
	void (*close)(struct channel *c);
	/* the bytes of one message (default: the JSON document) */
	void (*format)(struct channel *c, struct amsg *m, struct strbuf *out);
	/* deliver n items: set each status. Returns 0, or -1 when the
	 * connection is to be closed and reopened before the next try. */
	int (*send)(struct channel *c, struct out_item *it, size_t n, struct send_result *r);
	void (*fini)(struct channel *c);
};

extern const struct backend out_stdout, out_file, out_program, out_syslog, out_http, out_slack, out_elasticsearch,
	out_opensearch, out_loki, out_kafka, out_redis, out_nats, out_mqtt, out_console;

/* ===== A channel ===== */

struct out_counters {
	atomic_uint_fast64_t sent, retried, failed, dropped, spooled, throttled, deduped, filtered;
};

struct spool;
struct dedup;
struct throttle;

struct channel {
	char *name;
	const struct backend *b;
	struct outputs *m;
	const struct out_kv **cfg;	/* the last entry of each key */
	size_t ncfg;
	void *priv;			/* backend state */
	bool json;			/* format: json (else text) */
	bool falco_json;		/* JSON as Falco prints it (no uuid) */
	/* routing */
	int min_prio;			/* PRIO_*: this or more severe */
	char **rules, **xrules, **tags, **xtags, **sources;
	size_t nrules, nxrules, ntags, nxtags, nsources;
	char **fkeys, **fvals;		/* extra output fields: static, %field, ${ENV} */
	size_t nfields;
	struct dedup *dedup;
	struct throttle *throttle;
	/* delivery */
	size_t max_batch;
	uint64_t flush_ms;		/* batch: wait this long for more items */
	uint64_t backoff_min_ms, backoff_max_ms;
	uint64_t max_attempts;		/* 0: until delivered (or drained) */
	uint64_t drain_ms;		/* at stop, keep delivering this long */
	uint64_t timeout_ms;		/* one request */
	/* queue (async channels) */
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct amsg **q;		/* ring */
	size_t qcap, qhead, qlen;
	bool drop_oldest;
	size_t inflight;
	struct spool *spool;
	atomic_bool stop, abort, reopen;
	uint64_t deadline_ns;		/* monotonic: give up at stop */
	struct out_counters k;
	char last_err[512];
	uint64_t last_err_log_ns;
};

/* Configuration accessors (values are already validated). */
const char *ch_str(const struct channel *c, const char *key);	/* value or default, NULL if unset */
bool ch_bool(const struct channel *c, const char *key);
int64_t ch_int(const struct channel *c, const char *key);
uint64_t ch_dur_ms(const struct channel *c, const char *key);
uint64_t ch_size(const struct channel *c, const char *key);
double ch_float(const struct channel *c, const char *key);
/* Entries of a K_MAP key: calls fn(ud, subkey, value) in configuration order. */
void ch_map(const struct channel *c, const char *key, void (*fn)(void *ud, const char *k, const char *v), void *ud);
/* The entry of a key (for positions), or NULL. */
const struct out_kv *ch_kv(const struct channel *c, const char *key);
/* Report a configuration error at key's position (or the channel's). */
void ch_error(const struct channel *c, struct diag_list *dl, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ===== Payload helpers (payload.c) ===== */

/* The channel's JSON document of m: Falco's object plus uuid (and
 * dedup_count, the channel's extra fields); Falco's bytes as they are for
 * Falco-compatible channels. */
void pl_json(const struct channel *c, const struct amsg *m, struct strbuf *out);
/* The default format: pl_json(), or the text line. */
void pl_default(struct channel *c, struct amsg *m, struct strbuf *out);
/* pl_json() parsed (caller json_object_put()s it), or NULL. */
struct json_object *pl_parse(const struct channel *c, const struct amsg *m);
/* Serialize a json-c value the way alert.c writes JSON: sorted keys, no
 * spaces, Falco's string escaping. */
void pl_write_json(struct strbuf *out, struct json_object *v);
/* A string value of output_fields (NULL when absent or not a string). */
const char *pl_field_str(struct json_object *doc, const char *name);
/* RFC 3339 time of ns: "2025-04-02T15:15:03.434319636Z" (digits: 9 or 6). */
void pl_time(struct strbuf *out, uint64_t ns, int digits);
/* Extra fields values: static text, "%field" from output_fields, with
 * "${VAR}" expanded at configuration time. */
const char *pl_tagsjoin(const struct amsg *m, const char *sep, struct strbuf *tmp);

/* Shared HTTP client (out_http.c) for the libcurl backends. */
struct http_req {
	const char *url;
	const char *method;		/* NULL: POST */
	const char *body;
	size_t body_len;
	const char *content_type;
	const char *const *headers;	/* "Name: value", NULL-terminated, may be NULL */
};
struct http_resp {
	long status;
	struct strbuf body;
	uint64_t retry_after_ms;
};
struct http_client;
struct http_client *http_client__new(struct channel *c);
void http_client__free(struct http_client *h);
/* Perform one request. Returns 0 when a response came (any status), or -1
 * with r->err set (connection, TLS, timeout, aborted). */
int http_client__do(struct http_client *h, const struct http_req *q, struct http_resp *resp, struct send_result *r);
/* Map an HTTP status to OUT_*: 2xx ok; 408, 425, 429, 5xx retry; other fail. */
int http_status_class(long status);
/* The common HTTP keys (url, headers, timeouts, TLS) for a backend's table. */
#define HTTP_KEYS(scheme_def)                                   \
	{ "url", K_URL, scheme_def, "http|https" },              \
	{ "method", K_ENUM, "POST", "POST|PUT" },                \
	{ "headers", K_MAP, NULL, NULL },                        \
	{ "user_agent", K_STR, "vigil", NULL },                  \
	{ "connect_timeout", K_DUR, "5s", NULL },                \
	{ "insecure", K_BOOL, "false", NULL },                   \
	{ "ca_cert", K_FILE, NULL, NULL },                       \
	{ "ca_path", K_STR, NULL, NULL },                        \
	{ "client_cert", K_FILE, NULL, NULL },                   \
	{ "client_key", K_FILE, NULL, NULL }

/* The manager's global settings. */
const struct outputs_globals *outputs__globals(const struct outputs *m);

/* Monotonic clock, ns. */
uint64_t out_now_ns(void);
/* Log a delivery problem of c at most once per second (the counters say
 * how many). */
void ch_log_error(struct channel *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
