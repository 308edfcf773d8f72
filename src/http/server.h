/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.h - vigil's embedded HTTP server (libmicrohttpd): a route table
 * (method + path prefix -> handler), optional basic or bearer
 * authentication, TLS when a certificate is configured, and long-lived
 * streaming responses (Server-Sent Events) fed from any thread. It runs in
 * its own threads (one per connection) and never calls into the event loop:
 * handlers read what the loop publishes (snapshots, atomics).
 *
 * Usage:
 *   struct http_server *srv = http_server_new(&cfg, err, sizeof(err));
 *   http_route(srv, "GET", "/api/events", 0, on_events, ud);
 *   http_server_start(srv, err, sizeof(err));   // then http_server_port(srv)
 *   ...
 *   http_server_free(srv);   // ends the streams, joins the threads
 *
 * A handler runs in the connection's thread and answers exactly once, with
 * http_reply() (a whole body) or http_reply_stream() (a body produced later,
 * by anyone: the stream is thread-safe and outlives the handler). Routes can
 * be added before or after the start.
 */
#ifndef VIGIL_HTTP_SERVER_H
#define VIGIL_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* falco.yaml's `webserver` section (same key names), plus vigil's auth keys. */
struct http_cfg {
	bool enabled;			/* webserver.enabled (false) */
	char listen_address[64];	/* webserver.listen_address (127.0.0.1) */
	unsigned listen_port;		/* webserver.listen_port (8765; 0: any free port) */
	unsigned threadiness;		/* webserver.threadiness: max connections (0: 64) */
	bool ssl_enabled;		/* webserver.ssl_enabled */
	char ssl_certificate[512];	/* webserver.ssl_certificate: PEM certificate (+ key, as Falco's) */
	char ssl_key[512];		/* webserver.ssl_key: PEM key when not in the certificate file */
	char k8s_healthz_endpoint[128];	/* webserver.k8s_healthz_endpoint (/healthz) */
	bool prometheus_metrics_enabled;	/* webserver.prometheus_metrics_enabled (true in vigil) */
	char basic_auth[256];		/* webserver.basic_auth: "user:password" */
	char bearer_token[256];		/* webserver.bearer_token */
	double healthz_stall;		/* webserver.healthz_stall_seconds: loop silent longer = 503 (10) */
};

void http_cfg_init(struct http_cfg *c);
/* Apply one flattened key ("webserver.listen_port") = value. Returns 0, 1
 * when `key` is not a webserver key, or -EINVAL with a message in err. */
int http_cfg_set(struct http_cfg *c, const char *key, const char *v, char *err, size_t errlen);

struct http_server;
struct http_req;
struct http_stream;

/* Route flags. */
#define HTTP_ROUTE_PUBLIC 1u	/* no authentication (health probes) */
#define HTTP_ROUTE_EXACT 2u	/* the path must equal the prefix */

/* A handler: answer `rq` with http_reply*() before returning (not answering
 * is a 500). */
typedef void (*http_handler_fn)(void *ud, struct http_req *rq);

struct http_server *http_server_new(const struct http_cfg *cfg, char *err, size_t errlen);
/* method: "GET", "POST"... or NULL for any; prefix: "/api" matches "/api",
 * "/api/x" and "/api?q", never "/apix". The longest matching prefix wins.
 * Returns 0 or -ENOMEM. */
int http_route(struct http_server *srv, const char *method, const char *prefix, unsigned flags, http_handler_fn fn,
	       void *ud);
/* Listen. Returns 0, or a negative errno with the reason in err. */
int http_server_start(struct http_server *srv, char *err, size_t errlen);
/* The port listened on (the configured one, or the one the kernel chose). */
unsigned http_server_port(const struct http_server *srv);
/* Stop listening, end every stream, wait for the connections; NULL is fine. */
void http_server_free(struct http_server *srv);

/* The request, valid during the handler. */
const char *http_req_method(const struct http_req *rq);
const char *http_req_path(const struct http_req *rq);	/* without the query */
const char *http_req_query(const struct http_req *rq, const char *key);	/* decoded; NULL: absent */
const char *http_req_header(const struct http_req *rq, const char *name);
const char *http_req_body(const struct http_req *rq, size_t *len);	/* up to 1 MiB, NUL-terminated */
/* The route's prefix matched, and what follows it ("" or "/x"). */
const char *http_req_subpath(const struct http_req *rq);

/* Add a response header (before answering). */
void http_req_add_header(struct http_req *rq, const char *name, const char *value);
/* Answer with a whole body (copied). Returns 0 or a negative errno. */
int http_reply(struct http_req *rq, unsigned status, const char *content_type, const void *body, size_t len);
int http_reply_text(struct http_req *rq, unsigned status, const char *text);	/* text/plain */
/* Answer with a body streamed later: the headers go out now, then whatever
 * is written to the returned stream, until http_stream_close(), the client
 * leaving or the server stopping. The caller owns one reference
 * (http_stream_release()). `sse`: text/event-stream, no caching, and a
 * comment line every 15 s so that a gone client is noticed. NULL on error. */
struct http_stream *http_reply_stream(struct http_req *rq, unsigned status, const char *content_type, bool sse);

/* Queue bytes (any thread, never blocks). Returns 0, -EPIPE when the stream
 * ended (client gone, closed, server stopping: release it), or -ENOBUFS when
 * more than `max_queued` (1 MiB) wait: the bytes are dropped and counted. */
int http_stream_write(struct http_stream *st, const void *data, size_t len);
/* One Server-Sent Event: "event: EVENT" (when not NULL), a "data:" line per
 * line of `data`, a blank line. Same returns. */
int http_stream_sse(struct http_stream *st, const char *event, const char *data);
/* End the response once the queued bytes are sent. */
void http_stream_close(struct http_stream *st);
bool http_stream_ended(struct http_stream *st);
uint64_t http_stream_dropped(struct http_stream *st);	/* bytes refused with -ENOBUFS */
void http_stream_release(struct http_stream *st);

/* Authentication check on raw header values (exposed for the unit tests):
 * true when `authorization` satisfies cfg's basic_auth or bearer_token, or
 * when neither is configured. */
bool http_auth_ok(const struct http_cfg *cfg, const char *authorization);

#endif
