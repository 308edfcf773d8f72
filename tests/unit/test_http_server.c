/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_http_server.c - the embedded HTTP server on a real loopback socket,
 * driven with libcurl: route table (prefix boundaries, longest match, 404,
 * 405, exact routes), query parameters and bodies, basic and bearer
 * authentication (401 without or with wrong credentials, public routes),
 * configuration keys, and a Server-Sent Events stream fed from another thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/strbuf.h"
#include "http/server.h"

static void on_echo(void *ud, struct http_req *rq)
{
	char buf[512];
	size_t blen;
	const char *body = http_req_body(rq, &blen);
	const char *q = http_req_query(rq, "q");
	snprintf(buf, sizeof(buf), "%s %s %s sub=%s q=%s body=%zu:%s", (const char *)ud, http_req_method(rq),
		 http_req_path(rq), http_req_subpath(rq), q ? q : "-", blen, body);
	http_req_add_header(rq, "X-Vigil-Test", "1");
	http_reply_text(rq, 200, buf);
}

static void on_silent(void *ud, struct http_req *rq)
{
	(void)ud, (void)rq;
}

struct fetch {
	long status;
	struct strbuf body;
	char hdr[256];
};

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	strbuf_add(&((struct fetch *)ud)->body, p, sz * n);
	return sz * n;
}

static size_t on_hdr(char *p, size_t sz, size_t n, void *ud)
{
	struct fetch *f = ud;
	if (!strncasecmp(p, "X-Vigil-Test:", 13) || !strncasecmp(p, "WWW-Authenticate:", 17))
		snprintf(f->hdr, sizeof(f->hdr), "%.*s", (int)(sz * n), p);
	return sz * n;
}

/* method NULL: GET. auth: a whole Authorization header value, or NULL. */
static void fetch(struct fetch *f, unsigned port, const char *method, const char *path, const char *auth,
		  const char *post)
{
	char url[256], h[300];
	CURL *c = curl_easy_init();
	struct curl_slist *hl = NULL;
	memset(f, 0, sizeof(*f));
	strbuf_init(&f->body);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_hdr);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	if (method)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (post)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	if (auth) {
		snprintf(h, sizeof(h), "Authorization: %s", auth);
		hl = curl_slist_append(hl, h);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	}
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f->status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
}

static struct http_server *start(struct http_cfg *cfg)
{
	char err[256];
	cfg->listen_port = 0;
	struct http_server *srv = http_server_new(cfg, err, sizeof(err));
	assert_non_null(srv);
	http_route(srv, NULL, "/api", 0, on_echo, "api");
	http_route(srv, "GET", "/api/events", 0, on_echo, "events");
	http_route(srv, "POST", "/api/rules", 0, on_echo, "rules");
	http_route(srv, "GET", "/healthz", HTTP_ROUTE_PUBLIC | HTTP_ROUTE_EXACT, on_echo, "health");
	http_route(srv, "GET", "/static/", 0, on_echo, "static");
	http_route(srv, "GET", "/silent", 0, on_silent, NULL);
	assert_int_equal(http_server_start(srv, err, sizeof(err)), 0);
	assert_true(http_server_port(srv) > 0);
	return srv;
}

static void test_routes(void **state)
{
	(void)state;
	struct http_cfg cfg;
	struct fetch f;
	http_cfg_init(&cfg);
	struct http_server *srv = start(&cfg);
	unsigned port = http_server_port(srv);

	fetch(&f, port, NULL, "/api/x?q=a%20b", NULL, NULL);
	assert_int_equal(f.status, 200);
	assert_string_equal(f.body.buf, "api GET /api/x sub=/x q=a b body=0:");
	assert_string_equal(f.hdr, "X-Vigil-Test: 1\r\n");
	strbuf_fini(&f.body);
	/* longest prefix wins; a prefix only matches at a path boundary */
	fetch(&f, port, NULL, "/api/events/live", NULL, NULL);
	assert_string_equal(f.body.buf, "events GET /api/events/live sub=/live q=- body=0:");
	strbuf_fini(&f.body);
	fetch(&f, port, NULL, "/apix", NULL, NULL);
	assert_int_equal(f.status, 404);
	strbuf_fini(&f.body);
	fetch(&f, port, NULL, "/static/app.js", NULL, NULL);
	assert_string_equal(f.body.buf, "static GET /static/app.js sub=app.js q=- body=0:");
	strbuf_fini(&f.body);
	/* the method: the wider route takes other methods; a path only some methods have is 405 */
	fetch(&f, port, "DELETE", "/api/events", NULL, NULL);
	assert_string_equal(f.body.buf, "api DELETE /api/events sub=/events q=- body=0:");
	strbuf_fini(&f.body);
	fetch(&f, port, "POST", "/healthz", NULL, "x");
	assert_int_equal(f.status, 405);
	strbuf_fini(&f.body);
	fetch(&f, port, NULL, "/healthz/deep", NULL, NULL);
	assert_int_equal(f.status, 404);
	strbuf_fini(&f.body);
	/* a body reaches the handler */
	fetch(&f, port, NULL, "/api/rules", NULL, "- rule: x");
	assert_int_equal(f.status, 200);
	assert_string_equal(f.body.buf, "rules POST /api/rules sub= q=- body=9:- rule: x");
	strbuf_fini(&f.body);
	/* a handler that does not answer */
	fetch(&f, port, NULL, "/silent", NULL, NULL);
	assert_int_equal(f.status, 500);
	strbuf_fini(&f.body);
	/* routes added after the start */
	http_route(srv, "GET", "/late", 0, on_echo, "late");
	fetch(&f, port, NULL, "/late", NULL, NULL);
	assert_int_equal(f.status, 200);
	strbuf_fini(&f.body);
	http_server_free(srv);
}

static void test_auth(void **state)
{
	(void)state;
	struct http_cfg cfg;
	struct fetch f;
	char err[256];
	http_cfg_init(&cfg);
	assert_int_equal(http_cfg_set(&cfg, "webserver.basic_auth", "ops:s3cret", err, sizeof(err)), 0);
	assert_int_equal(http_cfg_set(&cfg, "webserver.bearer_token", "tok-123", err, sizeof(err)), 0);
	struct http_server *srv = start(&cfg);
	unsigned port = http_server_port(srv);

	fetch(&f, port, NULL, "/api", NULL, NULL);
	assert_int_equal(f.status, 401);
	assert_string_equal(f.hdr, "WWW-Authenticate: Basic realm=\"vigil\"\r\n");
	strbuf_fini(&f.body);
	fetch(&f, port, NULL, "/api", "Basic b3BzOnMzY3JldA==", NULL);	/* ops:s3cret */
	assert_int_equal(f.status, 200);
	strbuf_fini(&f.body);
	fetch(&f, port, NULL, "/api", "Basic b3BzOndyb25n", NULL);	/* ops:wrong */
	assert_int_equal(f.status, 401);
	strbuf_fini(&f.body);
	fetch(&f, port, NULL, "/api", "Bearer tok-123", NULL);
	assert_int_equal(f.status, 200);
	strbuf_fini(&f.body);
	fetch(&f, port, NULL, "/api", "Bearer tok-12", NULL);
	assert_int_equal(f.status, 401);
	strbuf_fini(&f.body);
	/* an unknown path is 404 before any authentication; public routes need none */
	fetch(&f, port, NULL, "/healthz", NULL, NULL);
	assert_int_equal(f.status, 200);
	strbuf_fini(&f.body);
	http_server_free(srv);

	/* the check itself */
	struct http_cfg none;
	http_cfg_init(&none);
	assert_true(http_auth_ok(&none, NULL));
	assert_false(http_auth_ok(&cfg, NULL));
	assert_false(http_auth_ok(&cfg, "Digest x"));
	assert_true(http_auth_ok(&cfg, "bearer tok-123"));
	assert_false(http_auth_ok(&cfg, "Basic b3BzOnMzY3JldA"));
}

static void test_cfg(void **state)
{
	(void)state;
	struct http_cfg c;
	char err[256];
	http_cfg_init(&c);
	assert_false(c.enabled);
	assert_string_equal(c.listen_address, "127.0.0.1");
	assert_int_equal(c.listen_port, 8765);
	assert_string_equal(c.k8s_healthz_endpoint, "/healthz");
	assert_int_equal(http_cfg_set(&c, "webserver.enabled", "true", err, sizeof(err)), 0);
	assert_true(c.enabled);
	assert_int_equal(http_cfg_set(&c, "webserver.listen_port", "9100", err, sizeof(err)), 0);
	assert_int_equal(c.listen_port, 9100);
	assert_int_equal(http_cfg_set(&c, "webserver.listen_port", "70000", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "webserver.listen_port"));
	assert_int_equal(http_cfg_set(&c, "webserver.listen_address", "::1", err, sizeof(err)), 0);
	assert_int_equal(http_cfg_set(&c, "webserver.listen_address", "localhost", err, sizeof(err)), -EINVAL);
	assert_int_equal(http_cfg_set(&c, "webserver.enabled", "yes", err, sizeof(err)), -EINVAL);
	assert_int_equal(http_cfg_set(&c, "webserver.basic_auth", "nocolon", err, sizeof(err)), -EINVAL);
	assert_int_equal(http_cfg_set(&c, "webserver.k8s_healthz_endpoint", "health", err, sizeof(err)), -EINVAL);
	assert_int_equal(http_cfg_set(&c, "webserver.nope", "1", err, sizeof(err)), 1);
	assert_int_equal(http_cfg_set(&c, "metrics.enabled", "true", err, sizeof(err)), 1);
	/* TLS without a certificate, or one that is not there */
	assert_int_equal(http_cfg_set(&c, "webserver.ssl_enabled", "true", err, sizeof(err)), 0);
	assert_null(http_server_new(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "ssl_certificate"));
	assert_int_equal(http_cfg_set(&c, "webserver.ssl_certificate", "/nonexistent.pem", err, sizeof(err)), 0);
	assert_null(http_server_new(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent.pem"));
}

/* SSE: the handler hands the stream to a producer thread, which writes
 * three events and closes it. */
static void *produce(void *ud)
{
	struct http_stream *st = ud;
	char data[64];
	for (int i = 0; i < 3; i++) {
		snprintf(data, sizeof(data), "{\"n\":%d}\nsecond line", i);
		assert_int_equal(http_stream_sse(st, i ? NULL : "hello", data), 0);
		usleep(20000);
	}
	http_stream_close(st);
	assert_int_equal(http_stream_write(st, "x", 1), -EPIPE);
	http_stream_release(st);
	return NULL;
}

static pthread_t g_producer;

static void on_sse(void *ud, struct http_req *rq)
{
	(void)ud;
	struct http_stream *st = http_reply_stream(rq, 200, NULL, true);
	assert_non_null(st);
	pthread_create(&g_producer, NULL, produce, st);
}

/* A stream whose client leaves: writes end with -EPIPE. */
static struct http_stream *_Atomic g_abandoned;

static void on_forever(void *ud, struct http_req *rq)
{
	(void)ud;
	g_abandoned = http_reply_stream(rq, 200, "text/plain", false);
	http_stream_write(g_abandoned, "first\n", 6);
}

static size_t stop_after_first(char *p, size_t sz, size_t n, void *ud)
{
	(void)p, (void)ud;
	return sz * n - 1;	/* curl aborts the transfer */
}

static void test_sse(void **state)
{
	(void)state;
	struct http_cfg cfg;
	struct fetch f;
	http_cfg_init(&cfg);
	struct http_server *srv = start(&cfg);
	http_route(srv, "GET", "/sse", 0, on_sse, NULL);
	http_route(srv, "GET", "/forever", 0, on_forever, NULL);
	fetch(&f, http_server_port(srv), NULL, "/sse", NULL, NULL);
	pthread_join(g_producer, NULL);
	assert_int_equal(f.status, 200);
	assert_string_equal(f.body.buf, "event: hello\ndata: {\"n\":0}\ndata: second line\n\n"
					"data: {\"n\":1}\ndata: second line\n\n"
					"data: {\"n\":2}\ndata: second line\n\n");
	strbuf_fini(&f.body);

	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/forever", http_server_port(srv));
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, stop_after_first);
	assert_int_equal(curl_easy_perform(c), CURLE_WRITE_ERROR);
	curl_easy_cleanup(c);
	int rc = 0;
	for (int i = 0; i < 400 && rc != -EPIPE; i++) {
		rc = http_stream_write(g_abandoned, "more\n", 5);
		usleep(10000);
	}
	assert_int_equal(rc, -EPIPE);
	http_stream_release(g_abandoned);
	http_server_free(srv);
}

/* The server stops while a stream is open and its owner still holds it. */
static void test_stop_with_stream(void **state)
{
	(void)state;
	struct http_cfg cfg;
	http_cfg_init(&cfg);
	struct http_server *srv = start(&cfg);
	http_route(srv, "GET", "/forever", 0, on_forever, NULL);
	g_abandoned = NULL;
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/forever", http_server_port(srv));
	pid_t pid = fork();
	if (pid == 0) {
		CURL *c = curl_easy_init();
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
		_exit(curl_easy_perform(c) == CURLE_OK ? 0 : 1);
	}
	for (int i = 0; i < 500 && !g_abandoned; i++)
		usleep(10000);
	assert_non_null(g_abandoned);
	http_server_free(srv);	/* ends the stream: the client sees the end */
	assert_int_equal(http_stream_write(g_abandoned, "x", 1), -EPIPE);
	http_stream_release(g_abandoned);
	int ws;
	waitpid(pid, &ws, 0);
	assert_true(WIFEXITED(ws));
}

/* TLS with Falco's combined PEM (certificate and key in one file). */
static void test_tls(void **state)
{
	(void)state;
	char dir[] = "/tmp/vigil-http-tls-XXXXXX", cmd[512], pem[128], url[128], err[256];
	if (!mkdtemp(dir))
		fail();
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey rsa:2048 -nodes -keyout %s/k -out %s/c -days 1 -subj /CN=localhost "
		 ">/dev/null 2>&1 && cat %s/c %s/k > %s/both.pem",
		 dir, dir, dir, dir, dir);
	if (system(cmd)) {
		print_message("openssl cannot make a certificate: TLS not tested\n");
		skip();
	}
	struct http_cfg cfg;
	http_cfg_init(&cfg);
	snprintf(pem, sizeof(pem), "%s/both.pem", dir);
	assert_int_equal(http_cfg_set(&cfg, "webserver.ssl_enabled", "true", err, sizeof(err)), 0);
	assert_int_equal(http_cfg_set(&cfg, "webserver.ssl_certificate", pem, err, sizeof(err)), 0);
	cfg.listen_port = 0;
	struct http_server *srv = http_server_new(&cfg, err, sizeof(err));
	assert_non_null(srv);
	http_route(srv, "GET", "/api", 0, on_echo, "tls");
	assert_int_equal(http_server_start(srv, err, sizeof(err)), 0);
	struct fetch f = { 0 };
	strbuf_init(&f.body);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/api", http_server_port(srv));
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f.status);
	assert_int_equal(f.status, 200);
	assert_string_equal(f.body.buf, "tls GET /api sub= q=- body=0:");
	curl_easy_cleanup(c);
	strbuf_fini(&f.body);
	/* plain HTTP to the TLS port does not get an answer */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/api", http_server_port(srv));
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
	strbuf_init(&f.body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
	f.status = 0;
	CURLcode cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f.status);
	assert_true(cc != CURLE_OK || f.status != 200);
	curl_easy_cleanup(c);
	strbuf_fini(&f.body);
	http_server_free(srv);
	/* a certificate file without a key is refused with its name */
	snprintf(pem, sizeof(pem), "%s/c", dir);
	assert_int_equal(http_cfg_set(&cfg, "webserver.ssl_certificate", pem, err, sizeof(err)), 0);
	assert_null(http_server_new(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "no PEM private key"));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfg),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_sse),
		cmocka_unit_test(test_stop_with_stream),
		cmocka_unit_test(test_tls),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
