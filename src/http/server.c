/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.c - the embedded HTTP server on libmicrohttpd: configuration keys,
 * route table, authentication, whole and streamed responses (see server.h).
 * libmicrohttpd runs one thread per connection, so a streamed response's
 * reader can wait on its queue's condition variable without holding anyone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "http/server.h"

#define HTTP_MAX_BODY (1u << 20)
#define HTTP_MAX_QUEUED (1u << 20)
#define HTTP_SSE_KEEPALIVE_S 15

/* ------------------------------------------------------------------------
 * Configuration
 * ------------------------------------------------------------------------ */

void http_cfg_init(struct http_cfg *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen_address, sizeof(c->listen_address), "127.0.0.1");
	c->listen_port = 8765;
	snprintf(c->k8s_healthz_endpoint, sizeof(c->k8s_healthz_endpoint), "/healthz");
	c->prometheus_metrics_enabled = true;
	c->healthz_stall = 10;
}

static int cfg_bool(bool *dst, const char *key, const char *v, char *err, size_t errlen)
{
	if (!strcmp(v, "true") || !strcmp(v, "false")) {
		*dst = !strcmp(v, "true");
		return 0;
	}
	snprintf(err, errlen, "option %s: '%s' is not true or false", key, v);
	return -EINVAL;
}

static int cfg_str(char *dst, size_t size, const char *key, const char *v, char *err, size_t errlen)
{
	if (strlen(v) >= size) {
		snprintf(err, errlen, "option %s: longer than %zu characters", key, size - 1);
		return -EINVAL;
	}
	snprintf(dst, size, "%s", v);
	return 0;
}

int http_cfg_set(struct http_cfg *c, const char *key, const char *v, char *err, size_t errlen)
{
	if (strncmp(key, "webserver.", 10))
		return 1;
	const char *k = key + 10;
	char *end;
	if (!strcmp(k, "enabled"))
		return cfg_bool(&c->enabled, key, v, err, errlen);
	if (!strcmp(k, "ssl_enabled"))
		return cfg_bool(&c->ssl_enabled, key, v, err, errlen);
	if (!strcmp(k, "prometheus_metrics_enabled"))
		return cfg_bool(&c->prometheus_metrics_enabled, key, v, err, errlen);
	if (!strcmp(k, "listen_address")) {
		struct in_addr a4;
		struct in6_addr a6;
		if (inet_pton(AF_INET, v, &a4) != 1 && inet_pton(AF_INET6, v, &a6) != 1) {
			snprintf(err, errlen, "option %s: '%s' is not an IPv4 or IPv6 address", key, v);
			return -EINVAL;
		}
		return cfg_str(c->listen_address, sizeof(c->listen_address), key, v, err, errlen);
	}
	if (!strcmp(k, "listen_port") || !strcmp(k, "threadiness")) {
		unsigned long n = strtoul(v, &end, 10);
		if (!*v || *end || n > (!strcmp(k, "listen_port") ? 65535ul : 4096ul)) {
			snprintf(err, errlen, "option %s: '%s' is not a %s", key, v,
				 !strcmp(k, "listen_port") ? "port (0 to 65535)" : "count (0 to 4096)");
			return -EINVAL;
		}
		if (!strcmp(k, "listen_port"))
			c->listen_port = (unsigned)n;
		else
			c->threadiness = (unsigned)n;
		return 0;
	}
	if (!strcmp(k, "healthz_stall_seconds")) {
		double d = strtod(v, &end);
		if (!*v || *end || !(d > 0)) {
			snprintf(err, errlen, "option %s: '%s' is not a positive number of seconds", key, v);
			return -EINVAL;
		}
		c->healthz_stall = d;
		return 0;
	}
	if (!strcmp(k, "k8s_healthz_endpoint")) {
		if (*v != '/') {
			snprintf(err, errlen, "option %s: '%s' is not a path starting with /", key, v);
			return -EINVAL;
		}
		return cfg_str(c->k8s_healthz_endpoint, sizeof(c->k8s_healthz_endpoint), key, v, err, errlen);
	}
	if (!strcmp(k, "ssl_certificate"))
		return cfg_str(c->ssl_certificate, sizeof(c->ssl_certificate), key, v, err, errlen);
	if (!strcmp(k, "ssl_key"))
		return cfg_str(c->ssl_key, sizeof(c->ssl_key), key, v, err, errlen);
	if (!strcmp(k, "basic_auth")) {
		if (*v && !strchr(v, ':')) {
			snprintf(err, errlen, "option %s: expected user:password", key);
			return -EINVAL;
		}
		return cfg_str(c->basic_auth, sizeof(c->basic_auth), key, v, err, errlen);
	}
	if (!strcmp(k, "bearer_token"))
		return cfg_str(c->bearer_token, sizeof(c->bearer_token), key, v, err, errlen);
	return 1;
}

/* ------------------------------------------------------------------------
 * Authentication
 * ------------------------------------------------------------------------ */

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && CRYPTO_memcmp(a, b, alen) == 0;
}

bool http_auth_ok(const struct http_cfg *cfg, const char *authz)
{
	if (!*cfg->basic_auth && !*cfg->bearer_token)
		return true;
	if (!authz)
		return false;
	if (*cfg->bearer_token && !strncasecmp(authz, "Bearer ", 7)) {
		const char *t = authz + 7;
		while (*t == ' ')
			t++;
		return same(t, strlen(t), cfg->bearer_token, strlen(cfg->bearer_token));
	}
	if (*cfg->basic_auth && !strncasecmp(authz, "Basic ", 6)) {
		const char *t = authz + 6;
		while (*t == ' ')
			t++;
		unsigned char enc[4 * sizeof(cfg->basic_auth) / 3 + 8];
		int n = EVP_EncodeBlock(enc, (const unsigned char *)cfg->basic_auth, (int)strlen(cfg->basic_auth));
		return n > 0 && same(t, strlen(t), (const char *)enc, (size_t)n);
	}
	return false;
}

/* ------------------------------------------------------------------------
 * Server, routes, requests
 * ------------------------------------------------------------------------ */

struct route {
	char *method;	/* NULL: any */
	char *prefix;
	unsigned flags;
	http_handler_fn fn;
	void *ud;
};

struct http_server {
	struct http_cfg cfg;
	struct MHD_Daemon *d;
	unsigned port;
	char *tls_cert, *tls_key;
	pthread_mutex_t mu;	/* routes and the stream list */
	struct route *routes;
	size_t nroutes, caproutes;
	struct http_stream *streams;	/* live streamed responses */
	bool stopping;
};

struct http_stream {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct strbuf q;	/* queued bytes from `off` */
	size_t off;
	bool closed;	/* no more writes: end after the queue */
	bool ended;	/* the response is over (client gone, server stopping) */
	bool sse;
	int refs;
	uint64_t dropped;
	struct http_stream *next;	/* in srv->streams */
};

struct http_req {
	struct http_server *srv;
	struct MHD_Connection *c;
	const char *method, *path, *subpath;
	struct strbuf body;
	bool too_large;
	bool answered;
	struct strbuf hdrs;	/* "name\0value\0"... */
};

const char *http_req_method(const struct http_req *rq)
{
	return rq->method;
}

const char *http_req_path(const struct http_req *rq)
{
	return rq->path;
}

const char *http_req_subpath(const struct http_req *rq)
{
	return rq->subpath ? rq->subpath : "";
}

const char *http_req_query(const struct http_req *rq, const char *key)
{
	return MHD_lookup_connection_value(rq->c, MHD_GET_ARGUMENT_KIND, key);
}

const char *http_req_header(const struct http_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, name);
}

const char *http_req_body(const struct http_req *rq, size_t *len)
{
	if (len)
		*len = rq->body.len;
	return rq->body.buf;
}

void http_req_add_header(struct http_req *rq, const char *name, const char *value)
{
	strbuf_add(&rq->hdrs, name, strlen(name) + 1);
	strbuf_add(&rq->hdrs, value, strlen(value) + 1);
}

static void add_headers(struct http_req *rq, struct MHD_Response *r)
{
	for (size_t i = 0; i < rq->hdrs.len;) {
		const char *n = rq->hdrs.buf + i, *v = n + strlen(n) + 1;
		MHD_add_response_header(r, n, v);
		i = (size_t)(v + strlen(v) + 1 - rq->hdrs.buf);
	}
}

int http_reply(struct http_req *rq, unsigned status, const char *ctype, const void *body, size_t len)
{
	if (rq->answered)
		return -EALREADY;
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return -ENOMEM;
	if (ctype)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	add_headers(rq, r);
	int ok = MHD_queue_response(rq->c, status, r);
	MHD_destroy_response(r);
	rq->answered = true;
	return ok == MHD_YES ? 0 : -EIO;
}

int http_reply_text(struct http_req *rq, unsigned status, const char *text)
{
	return http_reply(rq, status, "text/plain; charset=utf-8", text, strlen(text));
}

int http_route(struct http_server *srv, const char *method, const char *prefix, unsigned flags, http_handler_fn fn,
	       void *ud)
{
	pthread_mutex_lock(&srv->mu);
	if (srv->nroutes == srv->caproutes) {
		srv->caproutes = srv->caproutes ? 2 * srv->caproutes : 8;
		srv->routes = xrealloc(srv->routes, srv->caproutes * sizeof(*srv->routes));
	}
	srv->routes[srv->nroutes++] = (struct route){ .method = method ? xstrdup(method) : NULL,
						      .prefix = xstrdup(prefix), .flags = flags, .fn = fn, .ud = ud };
	pthread_mutex_unlock(&srv->mu);
	return 0;
}

/* The route for method + path: *r filled and 200, or 404 (no path) / 405
 * (the path exists for other methods). */
static unsigned find_route(struct http_server *srv, const char *method, const char *path, struct route *out)
{
	size_t best = 0;
	unsigned st = MHD_HTTP_NOT_FOUND;
	pthread_mutex_lock(&srv->mu);
	for (size_t i = 0; i < srv->nroutes; i++) {
		const struct route *r = &srv->routes[i];
		size_t l = strlen(r->prefix);
		if (strncmp(path, r->prefix, l))
			continue;
		if (path[l] && ((r->flags & HTTP_ROUTE_EXACT) || (path[l] != '/' && (!l || r->prefix[l - 1] != '/'))))
			continue;
		if (r->method && strcmp(r->method, method)) {
			if (st == MHD_HTTP_NOT_FOUND)
				st = MHD_HTTP_METHOD_NOT_ALLOWED;
			continue;
		}
		if (l >= best || st != MHD_HTTP_OK) {
			if (st == MHD_HTTP_OK && l < best)
				continue;
			best = l;
			*out = *r;
			st = MHD_HTTP_OK;
		}
	}
	pthread_mutex_unlock(&srv->mu);
	return st;
}

/* ------------------------------------------------------------------------
 * Streams
 * ------------------------------------------------------------------------ */

/* A stream has three references: its owner's, the response's and the
 * server list's (dropped when the server prunes ended streams or stops). */
static void stream_unref(struct http_stream *st)
{
	pthread_mutex_lock(&st->mu);
	bool last = --st->refs == 0;
	pthread_mutex_unlock(&st->mu);
	if (!last)
		return;
	strbuf_fini(&st->q);
	pthread_cond_destroy(&st->cv);
	pthread_mutex_destroy(&st->mu);
	free(st);
}

/* Drop the list's reference of the streams that are over (srv->mu held). */
static void prune_streams(struct http_server *srv)
{
	for (struct http_stream **p = &srv->streams; *p;) {
		struct http_stream *st = *p;
		pthread_mutex_lock(&st->mu);
		bool over = st->ended && st->refs <= 2;
		pthread_mutex_unlock(&st->mu);
		if (over) {
			*p = st->next;
			stream_unref(st);
		} else {
			p = &st->next;
		}
	}
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct http_stream *st = cls;
	(void)pos;
	pthread_mutex_lock(&st->mu);
	for (;;) {
		if (st->ended) {
			pthread_mutex_unlock(&st->mu);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		if (st->off < st->q.len) {
			size_t n = st->q.len - st->off < max ? st->q.len - st->off : max;
			memcpy(buf, st->q.buf + st->off, n);
			st->off += n;
			if (st->off == st->q.len) {
				strbuf_reset(&st->q);
				st->off = 0;
			}
			pthread_mutex_unlock(&st->mu);
			return (ssize_t)n;
		}
		if (st->closed) {
			st->ended = true;
			continue;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += HTTP_SSE_KEEPALIVE_S;
		if (pthread_cond_timedwait(&st->cv, &st->mu, &ts) == ETIMEDOUT && st->sse && st->q.len == st->off &&
		    !st->closed && !st->ended)
			strbuf_adds(&st->q, ": keepalive\n\n");
	}
}

static void stream_done(void *cls)
{
	struct http_stream *st = cls;
	pthread_mutex_lock(&st->mu);
	st->ended = true;
	pthread_mutex_unlock(&st->mu);
	stream_unref(st);
}

struct http_stream *http_reply_stream(struct http_req *rq, unsigned status, const char *ctype, bool sse)
{
	if (rq->answered)
		return NULL;
	struct http_stream *st = xcalloc(1, sizeof(*st));
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->cv, NULL);
	strbuf_init(&st->q);
	st->sse = sse;
	st->refs = 3;	/* the caller, the response, the server's list */
	struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, st, stream_done);
	if (!r) {
		strbuf_fini(&st->q);
		free(st);
		return NULL;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, sse ? "text/event-stream" : ctype);
	if (sse) {
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
		MHD_add_response_header(r, "X-Accel-Buffering", "no");
	}
	add_headers(rq, r);
	pthread_mutex_lock(&rq->srv->mu);
	prune_streams(rq->srv);
	st->next = rq->srv->streams;
	rq->srv->streams = st;
	if (rq->srv->stopping)
		st->ended = true;
	pthread_mutex_unlock(&rq->srv->mu);
	int ok = MHD_queue_response(rq->c, status, r);
	MHD_destroy_response(r);
	rq->answered = true;
	if (ok != MHD_YES) {
		/* MHD frees the response, and calls stream_done, when it drops it */
		log_warn("http: cannot queue a streamed response");
	}
	return st;
}

int http_stream_write(struct http_stream *st, const void *data, size_t len)
{
	int rc = 0;
	pthread_mutex_lock(&st->mu);
	if (st->ended || st->closed)
		rc = -EPIPE;
	else if (st->q.len - st->off + len > HTTP_MAX_QUEUED) {
		st->dropped += len;
		rc = -ENOBUFS;
	} else {
		strbuf_add(&st->q, data, len);
		pthread_cond_signal(&st->cv);
	}
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int http_stream_sse(struct http_stream *st, const char *event, const char *data)
{
	struct strbuf sb;
	strbuf_init(&sb);
	if (event)
		strbuf_addf(&sb, "event: %s\n", event);
	for (const char *p = data;;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		strbuf_adds(&sb, "data: ");
		strbuf_add(&sb, p, l);
		strbuf_addc(&sb, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	strbuf_addc(&sb, '\n');
	int rc = http_stream_write(st, sb.buf, sb.len);
	strbuf_fini(&sb);
	return rc;
}

void http_stream_close(struct http_stream *st)
{
	pthread_mutex_lock(&st->mu);
	st->closed = true;
	pthread_cond_signal(&st->cv);
	pthread_mutex_unlock(&st->mu);
}

bool http_stream_ended(struct http_stream *st)
{
	pthread_mutex_lock(&st->mu);
	bool e = st->ended || st->closed;
	pthread_mutex_unlock(&st->mu);
	return e;
}

uint64_t http_stream_dropped(struct http_stream *st)
{
	pthread_mutex_lock(&st->mu);
	uint64_t d = st->dropped;
	pthread_mutex_unlock(&st->mu);
	return d;
}

void http_stream_release(struct http_stream *st)
{
	if (st)
		stream_unref(st);
}

/* ------------------------------------------------------------------------
 * libmicrohttpd callbacks
 * ------------------------------------------------------------------------ */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct http_req *rq = *con_cls;
	(void)version;
	if (!rq) {
		rq = xcalloc(1, sizeof(*rq));
		rq->srv = srv;
		rq->c = c;
		strbuf_init(&rq->body);
		strbuf_init(&rq->hdrs);
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		if (rq->body.len + *upload_size > HTTP_MAX_BODY)
			rq->too_large = true;
		else
			strbuf_add(&rq->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	rq->method = method;
	rq->path = url;
	struct route r;
	unsigned st = find_route(srv, method, url, &r);
	if (st == MHD_HTTP_OK && !(r.flags & HTTP_ROUTE_PUBLIC) &&
	    !http_auth_ok(&srv->cfg, MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION))) {
		http_req_add_header(rq, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
				    *srv->cfg.basic_auth ? "Basic realm=\"vigil\"" : "Bearer realm=\"vigil\"");
		http_reply_text(rq, MHD_HTTP_UNAUTHORIZED, "unauthorized\n");
		return MHD_YES;
	}
	if (st != MHD_HTTP_OK) {
		http_reply_text(rq, st, st == MHD_HTTP_NOT_FOUND ? "not found\n" : "method not allowed\n");
		return MHD_YES;
	}
	if (rq->too_large) {
		http_reply_text(rq, MHD_HTTP_CONTENT_TOO_LARGE, "request body larger than 1 MiB\n");
		return MHD_YES;
	}
	rq->subpath = url + strlen(r.prefix);
	r.fn(r.ud, rq);
	if (!rq->answered)
		http_reply_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "no answer\n");
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct http_req *rq = *con_cls;
	(void)cls, (void)c, (void)toe;
	if (!rq)
		return;
	strbuf_fini(&rq->body);
	strbuf_fini(&rq->hdrs);
	free(rq);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t l = strlen(msg);
	while (l && msg[l - 1] == '\n')
		msg[--l] = 0;
	log_debug("http: %s", msg);
}

static char *read_pem(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "webserver.ssl_certificate: cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	struct strbuf sb;
	char buf[4096];
	size_t n;
	strbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	return strbuf_detach(&sb);
}

struct http_server *http_server_new(const struct http_cfg *cfg, char *err, size_t errlen)
{
	struct http_server *srv = xcalloc(1, sizeof(*srv));
	srv->cfg = *cfg;
	pthread_mutex_init(&srv->mu, NULL);
	if (cfg->ssl_enabled) {
		if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
			snprintf(err, errlen, "webserver.ssl_enabled: this libmicrohttpd has no TLS support");
			goto fail;
		}
		if (!*cfg->ssl_certificate) {
			snprintf(err, errlen, "webserver.ssl_enabled: no webserver.ssl_certificate given");
			goto fail;
		}
		srv->tls_cert = read_pem(cfg->ssl_certificate, err, errlen);
		if (!srv->tls_cert)
			goto fail;
		srv->tls_key = read_pem(*cfg->ssl_key ? cfg->ssl_key : cfg->ssl_certificate, err, errlen);
		if (!srv->tls_key)
			goto fail;
		if (!strstr(srv->tls_key, "PRIVATE KEY-----")) {
			snprintf(err, errlen, "webserver.ssl_certificate: %s holds no PEM private key (give webserver.ssl_key)",
				 *cfg->ssl_key ? cfg->ssl_key : cfg->ssl_certificate);
			goto fail;
		}
	}
	return srv;
fail:
	free(srv->tls_cert);
	free(srv->tls_key);
	pthread_mutex_destroy(&srv->mu);
	free(srv);
	return NULL;
}

int http_server_start(struct http_server *srv, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG |
			 MHD_USE_ITC;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, srv->cfg.listen_address, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)srv->cfg.listen_port);
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, srv->cfg.listen_address, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)srv->cfg.listen_port);
		sl = sizeof(*s6);
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errlen, "webserver.listen_address: '%s' is not an address", srv->cfg.listen_address);
		return -EINVAL;
	}
	if (srv->tls_cert)
		flags |= MHD_USE_TLS;
	struct MHD_OptionItem opts[] = {
		{ MHD_OPTION_SOCK_ADDR, 0, &ss },
		{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL },
		{ MHD_OPTION_CONNECTION_LIMIT, srv->cfg.threadiness ? srv->cfg.threadiness : 64, NULL },
		{ MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL },
		{ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, NULL },
		{ srv->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, srv->tls_cert },
		{ srv->tls_cert ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, srv->tls_key },
		{ MHD_OPTION_END, 0, NULL },
	};
	(void)sl;
	errno = 0;
	srv->d = MHD_start_daemon(flags, (uint16_t)srv->cfg.listen_port, NULL, NULL, on_request, srv,
				  MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!srv->d) {
		int e = errno ? errno : EADDRINUSE;
		snprintf(err, errlen, "cannot listen on %s:%u%s: %s", srv->cfg.listen_address, srv->cfg.listen_port,
			 srv->tls_cert ? " (TLS)" : "", errno ? strerror(errno) : "libmicrohttpd refused (port in use, bad certificate?)");
		return -e;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = di && di->port ? di->port : srv->cfg.listen_port;
	return 0;
}

unsigned http_server_port(const struct http_server *srv)
{
	return srv->port;
}

void http_server_free(struct http_server *srv)
{
	if (!srv)
		return;
	pthread_mutex_lock(&srv->mu);
	srv->stopping = true;
	for (struct http_stream *st = srv->streams; st; st = st->next) {
		pthread_mutex_lock(&st->mu);
		st->ended = true;
		pthread_cond_broadcast(&st->cv);
		pthread_mutex_unlock(&st->mu);
	}
	pthread_mutex_unlock(&srv->mu);
	if (srv->d)
		MHD_stop_daemon(srv->d);
	for (size_t i = 0; i < srv->nroutes; i++) {
		free(srv->routes[i].method);
		free(srv->routes[i].prefix);
	}
	free(srv->routes);
	free(srv->tls_cert);
	free(srv->tls_key);
	/* the list's references; owners may release theirs later */
	while (srv->streams) {
		struct http_stream *st = srv->streams;
		srv->streams = st->next;
		stream_unref(st);
	}
	pthread_mutex_destroy(&srv->mu);
	free(srv);
}
