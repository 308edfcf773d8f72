/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container_meta.c - the container metadata worker: a pthread that looks
 * containers up in the runtimes (Docker Engine API over unix sockets with
 * libcurl, OCI bundles and containers/storage on disk), turns the answers
 * into container JSON documents (container_conv.c) and queues them for the
 * engine's thread. See container_meta.h for the threads and the sources.
 */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "state/container_conv.h"
#include "state/container_meta.h"

#define MAX_BODY (8u << 20)		/* an API answer larger than this is refused */
#define DOWN_NS 30000000000ull		/* a socket that timed out is skipped this long */

static void add_path(char (*dst)[CMETA_PATH_LEN], int *n, const char *p)
{
	if (*n < CMETA_MAX_PATHS)
		snprintf(dst[(*n)++], CMETA_PATH_LEN, "%s", p);
}

void cmeta_cfg_init(struct cmeta_cfg *cfg)
{
	static const unsigned retry[] = { 125, 250, 500, 1000, 2000 };
	memset(cfg, 0, sizeof(*cfg));
	cfg->docker.enabled = cfg->podman.enabled = cfg->containerd.enabled = cfg->cri.enabled = true;
	add_path(cfg->docker.sockets, &cfg->docker.nsockets, "/var/run/docker.sock");
	add_path(cfg->podman.sockets, &cfg->podman.nsockets, "/run/podman/podman.sock");
	add_path(cfg->podman.dirs, &cfg->podman.ndirs, "/var/lib/containers/storage");
	add_path(cfg->podman.dirs, &cfg->podman.ndirs, "/run/containers/storage");
	add_path(cfg->containerd.dirs, &cfg->containerd.ndirs, "/run/containerd/io.containerd.runtime.v2.task");
	add_path(cfg->containerd.dirs, &cfg->containerd.ndirs, "/run/containerd/io.containerd.runtime.v1.linux");
	add_path(cfg->cri.dirs, &cfg->cri.ndirs, "/run/containers/storage");
	add_path(cfg->cri.dirs, &cfg->cri.ndirs, "/var/lib/containers/storage");
	cfg->timeout = 2.0;
	cfg->label_max_len = CONTAINER_LABEL_MAX_LEN;
	memcpy(cfg->retry_ms, retry, sizeof(retry));
	cfg->nretries = (int)(sizeof(retry) / sizeof(retry[0]));
}

bool cmeta_cfg_any(const struct cmeta_cfg *cfg)
{
	return cfg->docker.enabled || cfg->podman.enabled || cfg->containerd.enabled || cfg->cri.enabled;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ========================================================================
 * One lookup: the sources
 * ======================================================================== */

/* The sockets found unresponsive, shared by the workers: one that timed out
 * is skipped by all of them for a while. */
struct down_table {
	pthread_mutex_t mu;
	struct {
		char path[CMETA_PATH_LEN];
		uint64_t until;
	} v[4 * CMETA_MAX_PATHS];
	int n;
	uint64_t timeouts;	/* API requests that hit the timeout */
};

/* What one lookup needs besides the configuration: a curl handle, the
 * table of unresponsive sockets, and the flag that aborts a request. */
struct lookup_ctx {
	const struct cmeta_cfg *cfg;
	CURL *curl;
	struct down_table *down;
	atomic_bool *stop;	/* may be NULL */
};

static void down_init(struct down_table *d)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->mu, NULL);
}

static bool sock_down(struct lookup_ctx *lc, const char *path, uint64_t now)
{
	struct down_table *d = lc->down;
	bool down = false;
	pthread_mutex_lock(&d->mu);
	for (int i = 0; i < d->n; i++)
		if (!strcmp(d->v[i].path, path))
			down = d->v[i].until > now;
	pthread_mutex_unlock(&d->mu);
	return down;
}

static void mark_down(struct lookup_ctx *lc, const char *path)
{
	struct down_table *d = lc->down;
	int slot = -1;
	pthread_mutex_lock(&d->mu);
	d->timeouts++;
	for (int i = 0; i < d->n && slot < 0; i++)
		if (!strcmp(d->v[i].path, path))
			slot = i;
	if (slot < 0 && d->n < (int)(sizeof(d->v) / sizeof(d->v[0]))) {
		slot = d->n++;
		snprintf(d->v[slot].path, sizeof(d->v[slot].path), "%s", path);
	}
	if (slot >= 0)
		d->v[slot].until = mono_ns() + DOWN_NS;
	pthread_mutex_unlock(&d->mu);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct strbuf *sb = ud;
	if (sb->len + size * n > MAX_BODY)
		return 0;
	strbuf_add(sb, p, size * n);
	return size * n;
}

static int on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	atomic_bool *stop = ud;
	return stop && atomic_load(stop) ? 1 : 0;
}

/* GET `path` from the API on unix socket `sock`. Returns the HTTP status
 * (body in `out`), 0 when the socket is absent or refuses, -ETIMEDOUT when it
 * did not answer in time (it is then skipped for a while), -EIO otherwise. */
static int api_get(struct lookup_ctx *lc, const char *sock, const char *path, struct strbuf *out)
{
	struct stat st;
	char url[512];
	long status = 0;

	strbuf_reset(out);
	if (stat(sock, &st) || sock_down(lc, sock, mono_ns()))
		return 0;
	if (!lc->curl && !(lc->curl = curl_easy_init()))
		return -EIO;
	CURL *c = lc->curl;
	long ms = (long)(lc->cfg->timeout * 1000);
	if (ms <= 0)
		ms = 1;
	curl_easy_reset(c);
	snprintf(url, sizeof(url), "http://localhost%s", path);
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, lc->stop);
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		mark_down(lc, sock);
		return -ETIMEDOUT;
	}
	if (rc == CURLE_COULDNT_CONNECT)
		return 0;
	if (rc != CURLE_OK)
		return -EIO;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	return (int)status;
}

/* A path component of a URL: ids and image references are [0-9a-zA-Z:/@._-]. */
static void url_escape(char *dst, size_t cap, const char *s)
{
	size_t o = 0;
	for (; *s && o + 4 < cap; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || strchr("._-:@", ch))
			dst[o++] = (char)ch;
		else
			o += (size_t)snprintf(dst + o, cap - o, "%%%02X", ch);
	}
	dst[o] = 0;
}

/* The Docker Engine API on each of `sockets`, `type` the runtime it serves. */
static char *from_api(struct lookup_ctx *lc, const struct cmeta_engine_cfg *e, const char *id, const char *type,
		      char *source, size_t sourcelen)
{
	struct strbuf ctr, img;
	char path[512], esc[300];
	char *doc = NULL;

	strbuf_init(&ctr);
	strbuf_init(&img);
	for (int i = 0; i < e->nsockets && !doc; i++) {
		url_escape(esc, sizeof(esc), id);
		snprintf(path, sizeof(path), "/containers/%s/json", esc);
		if (api_get(lc, e->sockets[i], path, &ctr) != 200)
			continue;
		/* the image, for its repository, tag and digest */
		char *ref = container_doc_image_ref(ctr.buf, ctr.len);
		int ist = 0;
		if (ref) {
			url_escape(esc, sizeof(esc), ref);
			snprintf(path, sizeof(path), "/images/%s/json", esc);
			ist = api_get(lc, e->sockets[i], path, &img);
			free(ref);
		}
		doc = container_doc_from_docker(ctr.buf, ctr.len, ist == 200 ? img.buf : NULL, ist == 200 ? img.len : 0,
						type, lc->cfg->label_max_len);
		if (doc)
			snprintf(source, sourcelen, "%s API %s", type, e->sockets[i]);
	}
	strbuf_fini(&ctr);
	strbuf_fini(&img);
	return doc;
}

/* A whole (small) file into sb; false if it cannot be read. */
static bool read_file(const char *path, struct strbuf *sb, int64_t *mtime)
{
	FILE *f = fopen(path, "rb");
	char buf[8192];
	size_t n;
	struct stat st;

	strbuf_reset(sb);
	if (!f)
		return false;
	if (mtime && !fstat(fileno(f), &st))
		*mtime = st.st_mtim.tv_sec;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && sb->len < MAX_BODY)
		strbuf_add(sb, buf, n);
	fclose(f);
	return sb->len < MAX_BODY;
}

/* containerd's runtime bundles: <dir>/<namespace>/<id>/config.json. */
static char *from_containerd(struct lookup_ctx *lc, const struct cmeta_engine_cfg *e, const char *id,
			     const char *type, char *source, size_t sourcelen)
{
	struct strbuf cfg;
	char path[1024];
	char *doc = NULL;
	int64_t mtime = 0;

	strbuf_init(&cfg);
	for (int i = 0; i < e->ndirs && !doc; i++) {
		DIR *d = opendir(e->dirs[i]);
		struct dirent *de;
		while (d && !doc && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s/config.json", e->dirs[i], de->d_name, id);
			if (!read_file(path, &cfg, &mtime))
				continue;
			doc = container_doc_from_oci(id, strcmp(type, "cri") ? type : "containerd", cfg.buf, cfg.len, NULL, 0,
						     mtime, lc->cfg->label_max_len);
			if (doc)
				snprintf(source, sourcelen, "containerd bundle %s", path);
		}
		if (d)
			closedir(d);
	}
	strbuf_fini(&cfg);
	return doc;
}

/* containers/storage (podman, CRI-O): <dir>/<driver>-containers/<id>/userdata/config.json,
 * and the names and images in <dir>/<driver>-containers/containers.json. */
static char *from_storage(struct lookup_ctx *lc, const struct cmeta_engine_cfg *e, const char *id, const char *type,
			  char *source, size_t sourcelen)
{
	static const char *const drivers[] = { "overlay", "vfs", "btrfs", "zfs" };
	struct strbuf cfg, list;
	char path[1024];
	char *doc = NULL;
	int64_t mtime = 0;

	strbuf_init(&cfg);
	strbuf_init(&list);
	for (int i = 0; i < e->ndirs && !doc; i++) {
		for (size_t k = 0; k < sizeof(drivers) / sizeof(drivers[0]) && !doc; k++) {
			snprintf(path, sizeof(path), "%s/%s-containers/%s/userdata/config.json", e->dirs[i], drivers[k], id);
			if (!read_file(path, &cfg, &mtime))
				continue;
			char lpath[1024];
			bool have_list = false;
			/* the list lives in the graph root, which may be another of the dirs */
			for (int j = 0; j < e->ndirs && !have_list; j++) {
				snprintf(lpath, sizeof(lpath), "%s/%s-containers/containers.json", e->dirs[j], drivers[k]);
				have_list = read_file(lpath, &list, NULL) && strstr(list.buf, id);
			}
			doc = container_doc_from_oci(id, type, cfg.buf, cfg.len, have_list ? list.buf : NULL,
						     have_list ? list.len : 0, mtime, lc->cfg->label_max_len);
			if (doc)
				snprintf(source, sourcelen, "%s storage %s", type, path);
		}
	}
	strbuf_fini(&cfg);
	strbuf_fini(&list);
	return doc;
}

static char *lookup_once(struct lookup_ctx *lc, const char *id, const char *type, char *source, size_t sourcelen)
{
	const struct cmeta_cfg *cfg = lc->cfg;
	char *doc = NULL;
	enum { API, CONTAINERD, STORAGE };
	struct step {
		int kind;
		const struct cmeta_engine_cfg *e;
		const char *as;		/* the runtime the source describes */
	} steps[4];
	int n = 0;

	if (!strcmp(type, "podman")) {
		steps[n++] = (struct step){ API, &cfg->podman, "podman" };
		steps[n++] = (struct step){ API, &cfg->docker, "podman" };
		steps[n++] = (struct step){ STORAGE, &cfg->podman, "podman" };
	} else if (!strcmp(type, "cri-o")) {
		steps[n++] = (struct step){ STORAGE, &cfg->cri, "cri-o" };
	} else if (!strcmp(type, "containerd") || !strcmp(type, "cri")) {
		steps[n++] = (struct step){ CONTAINERD, &cfg->containerd, "containerd" };
		steps[n++] = (struct step){ STORAGE, &cfg->cri, "cri-o" };
		steps[n++] = (struct step){ API, &cfg->docker, "docker" };
	} else {
		steps[n++] = (struct step){ API, &cfg->docker, "docker" };
		steps[n++] = (struct step){ CONTAINERD, &cfg->containerd, "docker" };
	}
	for (int i = 0; i < n && !doc; i++) {
		if (!steps[i].e->enabled || (lc->stop && atomic_load(lc->stop)))
			continue;
		switch (steps[i].kind) {
		case API:
			doc = from_api(lc, steps[i].e, id, steps[i].as, source, sourcelen);
			break;
		case CONTAINERD:
			doc = from_containerd(lc, steps[i].e, id, steps[i].as, source, sourcelen);
			break;
		default:
			doc = from_storage(lc, steps[i].e, id, steps[i].as, source, sourcelen);
			break;
		}
	}
	return doc;
}

char *container_meta_lookup(const struct cmeta_cfg *cfg, const char *id, const char *type, char *source,
			    size_t sourcelen)
{
	struct down_table down;
	down_init(&down);
	struct lookup_ctx lc = { .cfg = cfg, .down = &down };
	char *doc = lookup_once(&lc, id, type, source, sourcelen);
	if (lc.curl)
		curl_easy_cleanup(lc.curl);
	pthread_mutex_destroy(&down.mu);
	if (!doc)
		errno = ENOENT;
	return doc;
}

/* ========================================================================
 * The worker and its queues
 * ======================================================================== */

struct req {
	char id[65];
	char type[16];
	unsigned attempts;
	uint64_t asked;		/* mono ns of the request */
	uint64_t due;		/* mono ns of the next lookup */
	struct req *next;
};

struct res {
	char id[65];
	char *json;
	size_t len;
	char source[CMETA_PATH_LEN + 64];
	unsigned attempts;
	uint64_t elapsed;
	struct res *next;
};

#define NWORKERS 4

struct cmeta;

/* One worker thread and its own lookup context. */
struct worker {
	struct cmeta *cm;
	pthread_t thread;
	bool started;
	struct lookup_ctx lc;
};

struct cmeta {
	struct cmeta_cfg cfg;
	struct worker workers[NWORKERS];	/* a slow container does not hold the others up */
	struct down_table down;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_bool stop;
	struct req *reqs;		/* pending, unordered; the worker takes the earliest due */
	struct res *res_head, **res_tail;
	atomic_size_t nres;		/* answers ready: lets drain skip the lock */
	struct cmeta_stats stats;	/* under mu */
};

static void push_result(struct cmeta *cm, const struct req *r, char *json, const char *source)
{
	struct res *a = xcalloc(1, sizeof(*a));
	snprintf(a->id, sizeof(a->id), "%s", r->id);
	a->json = json;
	a->len = json ? strlen(json) : 0;
	snprintf(a->source, sizeof(a->source), "%s", source);
	a->attempts = r->attempts;
	a->elapsed = mono_ns() - r->asked;
	pthread_mutex_lock(&cm->mu);
	*cm->res_tail = a;
	cm->res_tail = &a->next;
	if (json)
		cm->stats.found++;
	else
		cm->stats.failed++;
	cm->stats.pending--;
	atomic_fetch_add(&cm->nres, 1);
	pthread_mutex_unlock(&cm->mu);
}

/* Take the request due first, waiting for it; NULL when stopping. */
static struct req *take_due(struct cmeta *cm)
{
	pthread_mutex_lock(&cm->mu);
	for (;;) {
		if (atomic_load(&cm->stop)) {
			pthread_mutex_unlock(&cm->mu);
			return NULL;
		}
		struct req **best = NULL;
		for (struct req **pp = &cm->reqs; *pp; pp = &(*pp)->next)
			if (!best || (*pp)->due < (*best)->due)
				best = pp;
		uint64_t now = mono_ns();
		if (best && (*best)->due <= now) {
			struct req *r = *best;
			*best = r->next;
			pthread_mutex_unlock(&cm->mu);
			return r;
		}
		if (!best) {
			pthread_cond_wait(&cm->cv, &cm->mu);
		} else {
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			uint64_t wake = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + ((*best)->due - now);
			ts.tv_sec = (time_t)(wake / 1000000000ull);
			ts.tv_nsec = (long)(wake % 1000000000ull);
			pthread_cond_timedwait(&cm->cv, &cm->mu, &ts);
		}
	}
}

static void *worker(void *arg)
{
	struct worker *w = arg;
	struct cmeta *cm = w->cm;
	struct req *r;
	char source[CMETA_PATH_LEN + 64];

	while ((r = take_due(cm))) {
		source[0] = 0;
		char *doc = lookup_once(&w->lc, r->id, r->type, source, sizeof(source));
		r->attempts++;
		if (doc || r->attempts > (unsigned)cm->cfg.nretries || atomic_load(&cm->stop)) {
			push_result(cm, r, doc, doc ? source : "");
			free(r);
			continue;
		}
		/* nobody knows it yet: ask again later, paced from now */
		r->due = mono_ns() + (uint64_t)cm->cfg.retry_ms[r->attempts - 1] * 1000000ull;
		pthread_mutex_lock(&cm->mu);
		r->next = cm->reqs;
		cm->reqs = r;
		cm->stats.retries++;
		pthread_cond_signal(&cm->cv);
		pthread_mutex_unlock(&cm->mu);
	}
	return NULL;
}

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct cmeta *container_meta__new(const struct cmeta_cfg *cfg)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct cmeta *cm = calloc(1, sizeof(*cm));
	pthread_condattr_t ca;

	if (!cm) {
		errno = ENOMEM;
		return NULL;
	}
	pthread_once(&once, curl_init_once);
	cm->cfg = *cfg;
	if (cm->cfg.nretries > (int)(sizeof(cm->cfg.retry_ms) / sizeof(cm->cfg.retry_ms[0])))
		cm->cfg.nretries = (int)(sizeof(cm->cfg.retry_ms) / sizeof(cm->cfg.retry_ms[0]));
	cm->res_tail = &cm->res_head;
	down_init(&cm->down);
	pthread_mutex_init(&cm->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cm->cv, &ca);
	pthread_condattr_destroy(&ca);
	for (int i = 0; i < NWORKERS; i++) {
		struct worker *w = &cm->workers[i];
		w->cm = cm;
		w->lc = (struct lookup_ctx){ .cfg = &cm->cfg, .down = &cm->down, .stop = &cm->stop };
		int rc = pthread_create(&w->thread, NULL, worker, w);
		if (rc) {
			container_meta__free(cm);
			errno = rc;
			return NULL;
		}
		w->started = true;
	}
	return cm;
}

void container_meta__free(struct cmeta *cm)
{
	if (!cm)
		return;
	pthread_mutex_lock(&cm->mu);
	atomic_store(&cm->stop, true);
	pthread_cond_broadcast(&cm->cv);
	pthread_mutex_unlock(&cm->mu);
	for (int i = 0; i < NWORKERS; i++) {
		if (cm->workers[i].started)
			pthread_join(cm->workers[i].thread, NULL);
		if (cm->workers[i].lc.curl)
			curl_easy_cleanup(cm->workers[i].lc.curl);
	}
	while (cm->reqs) {
		struct req *r = cm->reqs;
		cm->reqs = r->next;
		free(r);
	}
	while (cm->res_head) {
		struct res *a = cm->res_head;
		cm->res_head = a->next;
		free(a->json);
		free(a);
	}
	pthread_cond_destroy(&cm->cv);
	pthread_mutex_destroy(&cm->mu);
	pthread_mutex_destroy(&cm->down.mu);
	free(cm);
}

int container_meta_request(struct cmeta *cm, const char *id, const char *type)
{
	struct req *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	snprintf(r->id, sizeof(r->id), "%s", id);
	snprintf(r->type, sizeof(r->type), "%s", type ? type : "docker");
	r->asked = r->due = mono_ns();
	pthread_mutex_lock(&cm->mu);
	r->next = cm->reqs;
	cm->reqs = r;
	cm->stats.requested++;
	cm->stats.pending++;
	pthread_cond_signal(&cm->cv);
	pthread_mutex_unlock(&cm->mu);
	return 0;
}

size_t container_meta_drain(struct cmeta *cm, cmeta_result_cb cb, void *ud)
{
	if (!atomic_load_explicit(&cm->nres, memory_order_acquire))
		return 0;
	pthread_mutex_lock(&cm->mu);
	struct res *list = cm->res_head;
	cm->res_head = NULL;
	cm->res_tail = &cm->res_head;
	atomic_store(&cm->nres, 0);
	pthread_mutex_unlock(&cm->mu);
	size_t n = 0;
	while (list) {
		struct res *a = list;
		list = a->next;
		struct cmeta_result r = { a->id, a->json, a->len, a->source, a->attempts, a->elapsed };
		cb(ud, &r);
		free(a->json);
		free(a);
		n++;
	}
	return n;
}

void container_meta_stats(struct cmeta *cm, struct cmeta_stats *out)
{
	pthread_mutex_lock(&cm->mu);
	*out = cm->stats;
	pthread_mutex_unlock(&cm->mu);
	pthread_mutex_lock(&cm->down.mu);
	out->api_timeouts = cm->down.timeouts;
	pthread_mutex_unlock(&cm->down.mu);
}
