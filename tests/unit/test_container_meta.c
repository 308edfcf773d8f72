/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_container_meta.c - unit tests for the container metadata worker
 * (src/state/container_meta.c) against real files and real sockets made
 * here: containerd bundles and containers/storage directories in a temporary
 * tree, and a Docker Engine API served over a unix socket by a thread of this
 * test (HTTP/1.1 answers written by hand) that can answer, answer slowly,
 * answer 404, or accept and never answer. Checked: the sources and their
 * order per runtime, absent sockets skipped, the timeout bounding a request,
 * an unresponsive socket skipped afterwards, retries until a late container
 * shows up, failure after the retries, and that asking and draining never
 * wait for the worker (timed), nor does stopping it mid-request.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "state/container.h"
#include "state/container_meta.h"

#define CID "9f2c1d3e4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0"
#define CID2 "aa2c1d3e4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0"

static char g_tmp[64];

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void write_file(const char *path, const char *text)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(dir, 0755);
			*p = '/';
		}
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A configuration with every runtime pointed into the temporary tree. */
static void cfg_here(struct cmeta_cfg *cfg)
{
	char p[256];
	cmeta_cfg_init(cfg);
	cfg->docker.nsockets = cfg->podman.nsockets = 0;
	cfg->containerd.ndirs = cfg->cri.ndirs = cfg->podman.ndirs = 0;
	snprintf(p, sizeof(p), "%s/docker.sock", g_tmp);
	snprintf(cfg->docker.sockets[cfg->docker.nsockets++], CMETA_PATH_LEN, "%s", p);
	snprintf(p, sizeof(p), "%s/podman.sock", g_tmp);
	snprintf(cfg->podman.sockets[cfg->podman.nsockets++], CMETA_PATH_LEN, "%s", p);
	snprintf(p, sizeof(p), "%s/containerd", g_tmp);
	snprintf(cfg->containerd.dirs[cfg->containerd.ndirs++], CMETA_PATH_LEN, "%s", p);
	snprintf(p, sizeof(p), "%s/storage", g_tmp);
	snprintf(cfg->cri.dirs[cfg->cri.ndirs++], CMETA_PATH_LEN, "%s", p);
	snprintf(cfg->podman.dirs[cfg->podman.ndirs++], CMETA_PATH_LEN, "%s", p);
	cfg->timeout = 0.3;
	for (int i = 0; i < cfg->nretries; i++)
		cfg->retry_ms[i] = 5;
}

static const char OCI_CRI[] =
	"{\"ociVersion\":\"1.0.2\",\"annotations\":{\"io.kubernetes.cri.container-type\":\"container\","
	"\"io.kubernetes.cri.container-name\":\"api\",\"io.kubernetes.cri.image-name\":\"example/api:3\","
	"\"io.kubernetes.cri.sandbox-name\":\"api-0\",\"io.kubernetes.cri.sandbox-namespace\":\"shop\"},"
	"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"}]}}";

/* ===== the fake Docker Engine API ===== */

enum api_mode { API_ANSWER, API_SLOW, API_404, API_HANG };

struct api {
	char path[108];
	int fd;
	enum api_mode mode;
	pthread_t thread;
	int requests;		/* HTTP requests read */
	int held[8];		/* connections of API_HANG, closed at the end */
	int nheld;
};

static const char INSPECT[] =
	"{\"Id\":\"" CID "\",\"Created\":\"2026-03-04T10:20:30Z\",\"Image\":\"sha256:0ca0fed353fb\","
	"\"Name\":\"/billing\",\"HostConfig\":{\"Privileged\":false,\"NetworkMode\":\"bridge\"},\"Mounts\":[],"
	"\"Config\":{\"Image\":\"example/billing:7\",\"Labels\":{\"io.kubernetes.pod.name\":\"billing-1\"}},"
	"\"NetworkSettings\":{\"IPAddress\":\"172.17.0.9\"}}";

static void http_reply(int c, int status, const char *body)
{
	char hdr[256];
	int n = snprintf(hdr, sizeof(hdr), "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
				  "Connection: close\r\n\r\n",
			 status, status == 200 ? "OK" : "Not Found", strlen(body));
	if (write(c, hdr, (size_t)n) < 0 || write(c, body, strlen(body)) < 0)
		return;
}

static void *api_serve(void *arg)
{
	struct api *a = arg;
	for (;;) {
		int c = accept(a->fd, NULL, NULL);
		if (c < 0)
			return NULL;
		char req[2048];
		ssize_t n = read(c, req, sizeof(req) - 1);
		if (n <= 0) {
			close(c);
			continue;
		}
		req[n] = 0;
		a->requests++;
		if (a->mode == API_HANG) {
			if (a->nheld < 8)
				a->held[a->nheld++] = c;
			continue;
		}
		if (a->mode == API_SLOW)
			usleep(150000);
		if (a->mode == API_404 || !strstr(req, "GET /containers/" CID "/json"))
			http_reply(c, 404, "{\"message\":\"No such container\"}");
		else
			http_reply(c, 200, INSPECT);
		close(c);
	}
}

static void api_start(struct api *a, const char *name, enum api_mode mode)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	memset(a, 0, sizeof(*a));
	snprintf(a->path, sizeof(a->path), "%s/%s", g_tmp, name);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", a->path);
	a->mode = mode;
	a->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(a->fd >= 0);
	unlink(a->path);
	assert_int_equal(bind(a->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(a->fd, 16), 0);
	assert_int_equal(pthread_create(&a->thread, NULL, api_serve, a), 0);
}

static void api_stop(struct api *a)
{
	shutdown(a->fd, SHUT_RDWR);
	close(a->fd);
	pthread_join(a->thread, NULL);
	for (int i = 0; i < a->nheld; i++)
		close(a->held[i]);
	unlink(a->path);
}

/* ===== fixtures ===== */

static int setup(void **state)
{
	(void)state;
	snprintf(g_tmp, sizeof(g_tmp), "/tmp/vigil-cmeta-XXXXXX");
	assert_non_null(mkdtemp(g_tmp));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_tmp);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* Drain until one answer came (bounded); the answer's document is copied. */
struct got {
	int n;
	char *json;
	char source[300];
	unsigned attempts;
};

static void on_result(void *ud, const struct cmeta_result *r)
{
	struct got *g = ud;
	g->n++;
	free(g->json);
	g->json = r->json ? strndup(r->json, r->len) : NULL;
	snprintf(g->source, sizeof(g->source), "%s", r->source);
	g->attempts = r->attempts;
}

static void wait_result(struct cmeta *cm, struct got *g, int want, double seconds)
{
	uint64_t end = mono_ns() + (uint64_t)(seconds * 1e9);
	while (g->n < want && mono_ns() < end) {
		container_meta_drain(cm, on_result, g);
		usleep(1000);
	}
	assert_int_equal(g->n, want);
}

/* ===== tests ===== */

static void test_sources_on_disk(void **state)
{
	(void)state;
	struct cmeta_cfg cfg;
	char path[512], source[512];
	cfg_here(&cfg);
	/* containerd: any namespace */
	snprintf(path, sizeof(path), "%s/containerd/k8s.io/%s/config.json", g_tmp, CID);
	write_file(path, OCI_CRI);
	char *doc = container_meta_lookup(&cfg, CID, "cri", source, sizeof(source));
	assert_non_null(doc);
	assert_non_null(strstr(source, "containerd bundle"));
	assert_non_null(strstr(doc, "\"name\":\"api\""));
	assert_non_null(strstr(doc, "\"type\":7"));
	free(doc);
	/* the runtime disabled: nobody else knows it */
	cfg.containerd.enabled = false;
	errno = 0;
	assert_null(container_meta_lookup(&cfg, CID, "containerd", source, sizeof(source)));
	assert_int_equal(errno, ENOENT);
	cfg.containerd.enabled = true;
	/* podman's storage, with containers.json in the same root */
	snprintf(path, sizeof(path), "%s/storage/overlay-containers/%s/userdata/config.json", g_tmp, CID2);
	write_file(path, "{\"ociVersion\":\"1.0.2\",\"annotations\":{\"io.podman.annotations.privileged\":\"TRUE\"}}");
	snprintf(path, sizeof(path), "%s/storage/overlay-containers/containers.json", g_tmp);
	write_file(path, "[{\"id\":\"" CID2 "\",\"names\":[\"db\"],\"metadata\":\"{\\\"image-name\\\":\\\"postgres:16\\\"}\"}]");
	doc = container_meta_lookup(&cfg, CID2, "podman", source, sizeof(source));
	assert_non_null(doc);
	assert_non_null(strstr(source, "podman storage"));
	assert_non_null(strstr(doc, "\"name\":\"db\""));
	assert_non_null(strstr(doc, "\"imagerepo\":\"postgres\""));
	assert_non_null(strstr(doc, "\"privileged\":true"));
	free(doc);
	/* the sockets do not exist: skipped, not an error */
	doc = container_meta_lookup(&cfg, CID2, "podman", source, sizeof(source));
	assert_non_null(doc);
	free(doc);
	/* an unknown id */
	assert_null(container_meta_lookup(&cfg, "0123456789ab0123456789ab0123456789ab0123456789ab0123456789abcdef", "docker",
					  source, sizeof(source)));
}

static void test_api_answer(void **state)
{
	(void)state;
	struct cmeta_cfg cfg;
	struct api a;
	char source[512];
	cfg_here(&cfg);
	api_start(&a, "docker.sock", API_ANSWER);
	char *doc = container_meta_lookup(&cfg, CID, "docker", source, sizeof(source));
	assert_non_null(doc);
	assert_non_null(strstr(source, "docker API"));
	/* the container, then its image (404 here: names from the image name) */
	assert_int_equal(a.requests, 2);
	struct container_table ct;
	struct container_info *ci;
	container_table_init(&ct);
	assert_int_equal(container_apply_json(&ct, doc, strlen(doc), &ci), 0);
	assert_string_equal(ci->name, "billing");
	assert_string_equal(ci->image_repo, "example/billing");
	assert_string_equal(ci->image_tag, "7");
	assert_string_equal(ci->ip, "172.17.0.9");
	assert_string_equal(container_label(ci, "io.kubernetes.pod.name"), "billing-1");
	container_table_fini(&ct);
	free(doc);
	api_stop(&a);

	/* podman's service on the podman socket, asked first for podman */
	api_start(&a, "podman.sock", API_SLOW);
	uint64_t t0 = mono_ns();
	doc = container_meta_lookup(&cfg, CID, "podman", source, sizeof(source));
	assert_non_null(doc);
	assert_true(mono_ns() - t0 >= 150000000ull);
	assert_non_null(strstr(source, "podman API"));
	assert_non_null(strstr(doc, "\"type\":11"));
	free(doc);
	api_stop(&a);
}

static void test_api_404_falls_back(void **state)
{
	(void)state;
	struct cmeta_cfg cfg;
	struct api a;
	char path[512], source[512];
	cfg_here(&cfg);
	api_start(&a, "podman.sock", API_404);
	snprintf(path, sizeof(path), "%s/storage/overlay-containers/%s/userdata/config.json", g_tmp, CID);
	write_file(path, "{\"ociVersion\":\"1.0.2\",\"annotations\":{}}");
	char *doc = container_meta_lookup(&cfg, CID, "podman", source, sizeof(source));
	assert_non_null(doc);
	assert_true(a.requests >= 1);
	assert_non_null(strstr(source, "podman storage"));
	free(doc);
	api_stop(&a);
}

/* An API that accepts and never answers: the request gives up at the
 * timeout, the socket is then skipped, and the caller never waits. */
static void test_api_unresponsive(void **state)
{
	(void)state;
	struct cmeta_cfg cfg;
	struct api a;
	struct got g = { 0 };
	cfg_here(&cfg);
	cfg.nretries = 1;
	api_start(&a, "docker.sock", API_HANG);
	struct cmeta *cm = container_meta__new(&cfg);
	assert_non_null(cm);

	uint64_t t0 = mono_ns();
	assert_int_equal(container_meta_request(cm, CID, "docker"), 0);
	uint64_t asked = mono_ns() - t0;
	/* while the worker waits on the socket: drains come back at once */
	uint64_t worst = 0;
	for (int i = 0; i < 100; i++) {
		uint64_t d0 = mono_ns();
		assert_int_equal(container_meta_drain(cm, on_result, &g), 0);
		uint64_t d = mono_ns() - d0;
		if (d > worst)
			worst = d;
		usleep(1000);
	}
	assert_true(a.requests >= 1);
	/* a second container meanwhile: queued, not waited for */
	uint64_t t1 = mono_ns();
	assert_int_equal(container_meta_request(cm, CID2, "docker"), 0);
	uint64_t asked2 = mono_ns() - t1;
	print_message("request %.3f ms and %.3f ms, worst drain %.3f ms while the API hangs\n", asked / 1e6,
		      asked2 / 1e6, worst / 1e6);
	assert_true(asked < 5000000ull && asked2 < 5000000ull && worst < 5000000ull);

	/* both lookups (two workers) wait on the socket until the timeout; the
	 * retries skip it; both containers end failed, well within 5 s */
	wait_result(cm, &g, 2, 5.0);
	assert_null(g.json);
	struct cmeta_stats cs;
	container_meta_stats(cm, &cs);
	assert_int_equal(cs.requested, 2);
	assert_int_equal(cs.failed, 2);
	assert_int_equal(cs.api_timeouts, 2);
	assert_int_equal(a.requests, 2);
	assert_int_equal(cs.pending, 0);
	container_meta__free(cm);
	free(g.json);
	api_stop(&a);
}

/* Stopping the worker while it waits on a hung API does not wait for the
 * timeout. */
static void test_stop_while_hung(void **state)
{
	(void)state;
	struct cmeta_cfg cfg;
	struct api a;
	cfg_here(&cfg);
	cfg.timeout = 30;
	api_start(&a, "docker.sock", API_HANG);
	struct cmeta *cm = container_meta__new(&cfg);
	assert_int_equal(container_meta_request(cm, CID, "docker"), 0);
	while (a.requests < 1)
		usleep(1000);
	uint64_t t0 = mono_ns();
	container_meta__free(cm);
	uint64_t took = mono_ns() - t0;
	print_message("stopped in %.1f ms with a request hung\n", took / 1e6);
	assert_true(took < 2000000000ull);
	api_stop(&a);
}

/* A container no runtime knows yet is asked again; it is found once its
 * bundle appears, and given up after the retries otherwise. */
static void test_retries(void **state)
{
	(void)state;
	struct cmeta_cfg cfg;
	struct got g = { 0 };
	char path[512];
	cfg_here(&cfg);
	cfg.retry_ms[0] = 30;
	cfg.retry_ms[1] = 30;
	cfg.retry_ms[2] = 200;
	cfg.nretries = 3;
	struct cmeta *cm = container_meta__new(&cfg);
	assert_int_equal(container_meta_request(cm, CID, "containerd"), 0);
	usleep(100000); /* three misses: at 0, 30 and 60 ms */
	snprintf(path, sizeof(path), "%s/containerd/default/%s/config.json", g_tmp, CID);
	write_file(path, OCI_CRI);
	wait_result(cm, &g, 1, 3.0);
	assert_non_null(g.json);
	assert_int_equal(g.attempts, 4); /* the fourth, 200 ms after the third */
	/* never there: 1 + 3 lookups, then failed */
	assert_int_equal(container_meta_request(cm, CID2, "cri-o"), 0);
	wait_result(cm, &g, 2, 3.0);
	assert_null(g.json);
	assert_int_equal(g.attempts, 4);
	struct cmeta_stats cs;
	container_meta_stats(cm, &cs);
	assert_int_equal(cs.found, 1);
	assert_int_equal(cs.failed, 1);
	assert_int_equal(cs.retries, 3 + 3);
	container_meta__free(cm);
	free(g.json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sources_on_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_404_falls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_unresponsive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_while_hung, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retries, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
