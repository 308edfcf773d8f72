/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes.c - the alert console on vigil's HTTP server (src/http/server.h):
 * the page's assets, the JSON API (answered by console_handle()) and the
 * /api/stream Server-Sent Events, each client fed by a small pump thread
 * that waits on the store's hub and writes to the client's stream (the
 * server's writes never block).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "common/xalloc.h"
#include "console/console.h"
#include "console/routes.h"
#include "http/server.h"

#define MAX_REQ_ARGS 256

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned pumps;		/* running pump threads */
	bool stop;
} g_routes = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

struct args {
	struct console_arg v[MAX_REQ_ARGS];
	size_t n, total;
};

static void add_arg(void *ud, const char *k, const char *v)
{
	struct args *a = ud;
	if (a->n < MAX_REQ_ARGS) {
		a->v[a->n].key = k;
		a->v[a->n++].val = v ? v : "";
	}
	a->total++;
}

struct pump {
	struct http_stream *st;
	struct console_sub *sub;
};

static void *pump_main(void *arg)
{
	struct pump *p = arg;
	struct strbuf buf;
	strbuf_init(&buf);
	for (;;) {
		pthread_mutex_lock(&g_routes.mu);
		bool stop = g_routes.stop;
		pthread_mutex_unlock(&g_routes.mu);
		if (stop || http_stream_ended(p->st))
			break;
		strbuf_reset(&buf);
		int n = console_sub_next(p->sub, &buf, 500);
		if (n < 0)
			break;
		/* the server sends its own keep-alive comments */
		if (n > 0 && http_stream_write(p->st, buf.buf, buf.len) == -EPIPE)
			break;
	}
	http_stream_close(p->st);
	http_stream_release(p->st);
	console_unsubscribe(p->sub);
	free(p);
	strbuf_fini(&buf);
	pthread_mutex_lock(&g_routes.mu);
	g_routes.pumps--;
	pthread_cond_broadcast(&g_routes.cv);
	pthread_mutex_unlock(&g_routes.mu);
	return NULL;
}

static void start_stream(struct http_req *rq, const struct console_resp *r)
{
	uint64_t after = r->stream_after;
	const char *last = http_req_header(rq, "Last-Event-ID");
	if (last && *last)
		after = strtoull(last, NULL, 10);
	struct console_sub *sub = console_subscribe(after);
	if (!sub) {
		static const char msg[] = "{\"error\":\"no console output is running\"}";
		http_reply(rq, 503, "application/json", msg, sizeof(msg) - 1);
		return;
	}
	struct http_stream *st = http_reply_stream(rq, 200, "text/event-stream", true);
	if (!st) {
		console_unsubscribe(sub);
		return;
	}
	/* tells the page the stream is open (EventSource fires onopen on the
	 * headers; this makes the first bytes visible to any client) */
	http_stream_write(st, "retry: 1000\n\n", 13);
	struct pump *p = xcalloc(1, sizeof(*p));
	p->st = st;
	p->sub = sub;
	pthread_t t;
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_mutex_lock(&g_routes.mu);
	g_routes.pumps++;
	pthread_mutex_unlock(&g_routes.mu);
	if (pthread_create(&t, &at, pump_main, p)) {
		pthread_mutex_lock(&g_routes.mu);
		g_routes.pumps--;
		pthread_mutex_unlock(&g_routes.mu);
		http_stream_close(st);
		http_stream_release(st);
		console_unsubscribe(sub);
		free(p);
	}
	pthread_attr_destroy(&at);
}

static void on_request(void *ud, struct http_req *rq)
{
	struct args *a = xcalloc(1, sizeof(*a));
	struct console_resp r;
	(void)ud;
	http_req_args(rq, add_arg, a);
	struct console_req q = { .method = http_req_method(rq), .path = http_req_path(rq), .args = a->v,
				 .nargs = a->n };
	int rc = console_handle(&q, &r);
	if (a->total > a->n) {
		static const char msg[] = "{\"error\":\"too many parameters\"}";
		http_reply(rq, 400, "application/json", msg, sizeof(msg) - 1);
	} else if (rc) {
		static const char msg[] = "{\"error\":\"not found\"}";
		http_reply(rq, 404, "application/json", msg, sizeof(msg) - 1);
	} else if (r.stream) {
		start_stream(rq, &r);
	} else if (r.data) {
		http_req_add_header(rq, "Cache-Control", "no-cache");
		http_reply(rq, (unsigned)r.status, r.ctype, r.data, r.data_len);
	} else {
		http_req_add_header(rq, "Cache-Control", "no-store");
		http_reply(rq, (unsigned)r.status, r.ctype, r.body.buf, r.body.len);
	}
	console_resp_fini(&r);
	free(a);
}

int console_mount(struct http_server *srv)
{
	int rc = 0;
	pthread_mutex_lock(&g_routes.mu);
	g_routes.stop = false;
	pthread_mutex_unlock(&g_routes.mu);
	rc |= http_route(srv, NULL, "/api", 0, on_request, NULL);
	rc |= http_route(srv, NULL, "/", HTTP_ROUTE_EXACT, on_request, NULL);
	for (size_t i = 0; i < console_nassets; i++)
		rc |= http_route(srv, NULL, console_assets[i].path, HTTP_ROUTE_EXACT, on_request, NULL);
	return rc ? -ENOMEM : 0;
}

void console_routes_stop(void)
{
	pthread_mutex_lock(&g_routes.mu);
	g_routes.stop = true;
	while (g_routes.pumps)
		pthread_cond_wait(&g_routes.cv, &g_routes.mu);
	pthread_mutex_unlock(&g_routes.mu);
}
