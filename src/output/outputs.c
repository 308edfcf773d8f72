/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outputs.c - the output manager: builds the channels from the
 * configuration, routes each alert (minimum priority, rule/tag/source
 * filters), applies de-duplication and throttling, and delivers it: on the
 * engine's thread for stdout and file, through a worker thread per channel
 * for everything else.
 *
 * Delivery, the same for every backend (backends only format and send):
 * - Each async channel has a bounded queue (queue.capacity alerts); when it
 *   is full the oldest or the newest alert is dropped (queue.policy) and
 *   counted. With a spool (spool.enabled) the queue is the spool itself:
 *   every alert is appended on the engine's thread and the worker reads it
 *   back, so memory stays bounded whatever the backlog, and the backlog
 *   survives a restart; the cap (spool.max_size) refuses new alerts, counted.
 * - The worker sends batches (batch.size; waits batch.flush_interval for a
 *   batch to fill). Each item comes back delivered, failed for good (a 4xx
 *   answer: counted failed, logged) or to retry (connection refused,
 *   timeout, 5xx, 429): the remaining items are retried after an
 *   exponential backoff with full jitter, between retry.initial_backoff and
 *   retry.max_backoff, or after the Retry-After the backend gave, whichever
 *   is longer; retry.max_attempts (0: no limit) turns them into failures.
 * - At stop every worker keeps delivering for drain_timeout; then the
 *   pending request is aborted and what is left is counted dropped (or, with
 *   a spool, stays there for the next start).
 */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "common/diag.h"
#include "common/hashmap.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "output/channel.h"
#include "output/spool.h"
#include "rules/ruleset.h"

#define DEFAULT_QUEUE 10000
#define DEDUP_MAX_KEYS 65536

struct outputs {
	struct outputs_globals g;
	struct channel **ch;
	size_t nch;
	unsigned formats;
	bool need_fields;		/* some channel dedups on output fields */
	bool stopped;
	atomic_bool reopen;
	/* dedup timer */
	pthread_t timer;
	bool timer_started;
	pthread_mutex_t tmu;
	pthread_cond_t tcv;
	bool tstop;
	/* uuid generator (engine and dedup timer threads) */
	pthread_mutex_t rmu;
	uint64_t rng[2];
};

/* ===== Configuration list ===== */

void out_kvlist_add(struct out_kvlist *l, const char *key, const char *val, const char *file, int line, int col,
		    const char *src)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = (struct out_kv){ xstrdup(key), xstrdup(val), file ? xstrdup(file) : NULL, line, col,
					src ? xstrdup(src) : NULL };
}

void out_kvlist_fini(struct out_kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].val);
		free(l->v[i].file);
		free(l->v[i].src);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ===== Messages ===== */

struct amsg *amsg_ref(struct amsg *m)
{
	atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
	return m;
}

void amsg_unref(struct amsg *m)
{
	if (!m || atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1)
		return;
	free(m->rule);
	free(m->source);
	for (size_t i = 0; i < m->ntags; i++)
		free(m->tags[i]);
	free(m->tags);
	free(m->text);
	free(m->json);
	free(m);
}

uint64_t out_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rng_next(uint64_t s[2])
{
	/* xorshift128+ */
	uint64_t x = s[0], y = s[1];
	s[0] = y;
	x ^= x << 23;
	s[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
	return s[1] + y;
}

static void make_uuid(struct outputs *m, char out[37])
{
	uint8_t b[16];
	pthread_mutex_lock(&m->rmu);
	uint64_t a = rng_next(m->rng), c = rng_next(m->rng);
	pthread_mutex_unlock(&m->rmu);
	memcpy(b, &a, 8);
	memcpy(b + 8, &c, 8);
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
		 b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static struct amsg *amsg_new(struct outputs *m, const struct alert_rec *a)
{
	struct amsg *x = xcalloc(1, sizeof(*x));
	atomic_init(&x->refs, 1);
	x->ts = a->ts;
	x->prio = a->priority;
	x->count = 1;
	make_uuid(m, x->uuid);
	x->rule = xstrdup(a->rule);
	x->source = xstrdup(a->source ? a->source : "syscall");
	x->ntags = a->ntags;
	x->tags = xcalloc(a->ntags ? a->ntags : 1, sizeof(char *));
	for (size_t i = 0; i < a->ntags; i++)
		x->tags[i] = xstrdup(a->tags[i]);
	x->text = xstrndup(a->text ? a->text : "", a->text ? a->text_len : 0);
	x->text_len = a->text ? a->text_len : 0;
	if (a->json) {
		x->json = xstrndup(a->json, a->json_len);
		x->json_len = a->json_len;
	}
	x->hostname = m->g.alert.hostname;
	return x;
}

/* A copy of m standing for `count` alerts (a dedup summary). */
static struct amsg *amsg_summary(struct outputs *mgr, const struct amsg *m, uint32_t count, uint64_t window_ms)
{
	struct amsg *x = xcalloc(1, sizeof(*x));
	atomic_init(&x->refs, 1);
	x->ts = m->ts;
	x->prio = m->prio;
	x->count = count;
	make_uuid(mgr, x->uuid);
	x->rule = xstrdup(m->rule);
	x->source = xstrdup(m->source);
	x->ntags = m->ntags;
	x->tags = xcalloc(m->ntags ? m->ntags : 1, sizeof(char *));
	for (size_t i = 0; i < m->ntags; i++)
		x->tags[i] = xstrdup(m->tags[i]);
	struct strbuf t;
	strbuf_init(&t);
	strbuf_add(&t, m->text, m->text_len);
	strbuf_addf(&t, " (dedup: %u alerts in %.3gs)", count, (double)window_ms / 1000.0);
	x->text_len = t.len;
	x->text = strbuf_detach(&t);
	if (m->json) {
		x->json = xstrndup(m->json, m->json_len);
		x->json_len = m->json_len;
	}
	x->hostname = m->hostname;
	return x;
}

/* ===== Logging ===== */

void ch_log_error(struct channel *c, const char *fmt, ...)
{
	va_list ap;
	uint64_t now = out_now_ns();
	va_start(ap, fmt);
	vsnprintf(c->last_err, sizeof(c->last_err), fmt, ap);
	va_end(ap);
	if (c->last_err_log_ns && now - c->last_err_log_ns < 1000000000ull)
		return;
	c->last_err_log_ns = now;
	fprintf(stderr, "vigil: output %s (%s): %s\n", c->name, c->b->type, c->last_err);
}

/* ===== Configuration: keys and values ===== */

static const struct okey common_keys[] = {
	{ "type", K_STR, NULL, NULL },
	{ "enabled", K_BOOL, "true", NULL },
	{ "format", K_ENUM, NULL, "text|json" },
	{ "minimum_priority", K_PRIO, "debug", NULL },
	{ "rules", K_LIST, NULL, NULL },
	{ "exclude_rules", K_LIST, NULL, NULL },
	{ "tags", K_LIST, NULL, NULL },
	{ "exclude_tags", K_LIST, NULL, NULL },
	{ "sources", K_LIST, NULL, NULL },
	{ "fields", K_MAP, NULL, NULL },
	{ "queue.capacity", K_INT, NULL, NULL },
	{ "queue.policy", K_ENUM, "drop_newest", "drop_oldest|drop_newest" },
	{ "retry.initial_backoff", K_DUR, "500ms", NULL },
	{ "retry.max_backoff", K_DUR, "30s", NULL },
	{ "retry.max_attempts", K_INT, "0", NULL },
	{ "spool.enabled", K_BOOL, "false", NULL },
	{ "spool.dir", K_STR, NULL, NULL },
	{ "spool.max_size", K_SIZE, "100MiB", NULL },
	{ "spool.fsync", K_BOOL, "false", NULL },
	{ "drain_timeout", K_DUR, "5s", NULL },
	{ "timeout", K_DUR, "10s", NULL },
	{ "batch.size", K_INT, NULL, NULL },
	{ "batch.flush_interval", K_DUR, "1s", NULL },
	{ "dedup.window", K_DUR, NULL, NULL },
	{ "dedup.keys", K_LIST, NULL, NULL },
	{ "throttle.rate", K_FLOAT, NULL, NULL },
	{ "throttle.burst", K_INT, "1", NULL },
	{ "throttle.per", K_ENUM, "rule", "rule|output|keys" },
	{ "throttle.keys", K_LIST, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};

static const struct backend *const backends[] = {
	&out_stdout, &out_file, &out_program, &out_syslog, &out_http, &out_slack, &out_elasticsearch,
	&out_opensearch, &out_loki, &out_kafka, &out_redis, &out_nats, &out_mqtt, NULL,
};

/* falco.yaml's own output sections: name, type, enabled by default. */
static const struct {
	const char *name, *type;
	bool enabled;
} falco_sections[] = {
	{ "stdout_output", "stdout", true },
	{ "file_output", "file", false },
	{ "program_output", "program", false },
	{ "syslog_output", "syslog", false },
	{ "http_output", "http", false },
};

static const struct backend *backend_by_type(const char *t)
{
	for (size_t i = 0; backends[i]; i++)
		if (!strcmp(backends[i]->type, t))
			return backends[i];
	if (!strcmp(t, "webhook"))
		return &out_http;
	return NULL;
}

static int falco_section(const char *name)
{
	for (size_t i = 0; i < sizeof(falco_sections) / sizeof(falco_sections[0]); i++)
		if (!strcmp(falco_sections[i].name, name))
			return (int)i;
	return -1;
}

static const struct okey *find_key(const struct backend *b, const char *k, bool *is_map)
{
	const struct okey *tabs[2] = { common_keys, b ? b->keys : NULL };
	*is_map = false;
	for (int t = 0; t < 2; t++) {
		if (!tabs[t])
			continue;
		for (const struct okey *o = tabs[t]; o->name; o++) {
			size_t n = strlen(o->name);
			if (!strcmp(o->name, k))
				return o;
			if (o->kind == K_MAP && !strncmp(o->name, k, n) && k[n] == '.' && k[n + 1]) {
				*is_map = true;
				return o;
			}
		}
	}
	return NULL;
}

static void diag_at(struct diag_list *dl, const struct out_kv *kv, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void diag_at(struct diag_list *dl, const struct out_kv *kv, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (kv && kv->file)
		diag_add(dl, DIAG_ERROR, kv->file, kv->line, kv->col, kv->src, 1, "%s", msg);
	else
		diag_add(dl, DIAG_ERROR, NULL, 0, 0, NULL, 0, "-o %s: %s", kv ? kv->key : "outputs", msg);
}

/* Parse a duration: "250ms", "10s", "2m", "1h", or seconds. */
static int parse_dur(const char *v, uint64_t *ms)
{
	char *end;
	double d = strtod(v, &end);
	if (end == v || d < 0 || !isfinite(d))
		return -EINVAL;
	double mul = 1000;
	if (!*end || !strcmp(end, "s"))
		mul = 1000;
	else if (!strcmp(end, "ms"))
		mul = 1;
	else if (!strcmp(end, "m"))
		mul = 60000;
	else if (!strcmp(end, "h"))
		mul = 3600000;
	else
		return -EINVAL;
	*ms = (uint64_t)(d * mul + 0.5);
	return 0;
}

static int parse_size(const char *v, uint64_t *bytes)
{
	char *end;
	double d = strtod(v, &end);
	if (end == v || d < 0 || !isfinite(d))
		return -EINVAL;
	static const struct { const char *u; double m; } units[] = {
		{ "", 1 }, { "B", 1 }, { "KB", 1e3 }, { "MB", 1e6 }, { "GB", 1e9 },
		{ "KiB", 1024 }, { "MiB", 1048576 }, { "GiB", 1073741824 }, { "K", 1024 }, { "M", 1048576 }, { "G", 1073741824 },
	};
	while (*end == ' ')
		end++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].u)) {
			*bytes = (uint64_t)(d * units[i].m);
			return 0;
		}
	return -EINVAL;
}

static int parse_uint(const char *v, int64_t *out)
{
	char *end;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (!*v || *end || errno || x < 0)
		return -EINVAL;
	*out = x;
	return 0;
}

static bool enum_has(const char *list, const char *v)
{
	size_t n = strlen(v);
	for (const char *p = list; p && *p;) {
		const char *bar = strchr(p, '|');
		size_t l = bar ? (size_t)(bar - p) : strlen(p);
		if (l == n && !strncmp(p, v, n))
			return true;
		p = bar ? bar + 1 : NULL;
	}
	return false;
}

/* Check one value; an error goes to dl at kv. */
static int check_value(const struct okey *k, const struct out_kv *kv, struct diag_list *dl)
{
	const char *v = kv->val;
	uint64_t u;
	int64_t i;
	switch (k->kind) {
	case K_BOOL:
		if (strcmp(v, "true") && strcmp(v, "false"))
			return diag_at(dl, kv, "%s: '%s' is not true or false", k->name, v), -EINVAL;
		return 0;
	case K_INT:
		if (parse_uint(v, &i))
			return diag_at(dl, kv, "%s: '%s' is not a non-negative integer", k->name, v), -EINVAL;
		return 0;
	case K_FLOAT: {
		char *end;
		double d = strtod(v, &end);
		if (end == v || *end || !(d >= 0) || !isfinite(d))
			return diag_at(dl, kv, "%s: '%s' is not a non-negative number", k->name, v), -EINVAL;
		return 0;
	}
	case K_DUR:
		if (parse_dur(v, &u))
			return diag_at(dl, kv, "%s: '%s' is not a duration (500ms, 10s, 2m, 1h)", k->name, v), -EINVAL;
		return 0;
	case K_SIZE:
		if (parse_size(v, &u))
			return diag_at(dl, kv, "%s: '%s' is not a size (65536, 10MB, 1GiB)", k->name, v), -EINVAL;
		return 0;
	case K_PRIO:
		if (priority_parse(v) < 0)
			return diag_at(dl, kv,
				       "%s: unknown priority '%s' (emergency, alert, critical, error, warning, notice, "
				       "informational, debug)",
				       k->name, v),
			       -EINVAL;
		return 0;
	case K_ENUM:
		if (!enum_has(k->enums, v))
			return diag_at(dl, kv, "%s: '%s' is not one of %s", k->name, v, k->enums), -EINVAL;
		return 0;
	case K_FILE: {
		if (!*v)
			return 0;
		int fd = open(v, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return diag_at(dl, kv, "%s: cannot read %s: %s", k->name, v, strerror(errno)), -EINVAL;
		char c;
		ssize_t r = read(fd, &c, 1);
		int e = errno;
		close(fd);
		if (r < 0)
			return diag_at(dl, kv, "%s: cannot read %s: %s", k->name, v, strerror(e)), -EINVAL;
		if (r == 0)
			return diag_at(dl, kv, "%s: %s is empty", k->name, v), -EINVAL;
		return 0;
	}
	case K_URL: {
		if (!*v)
			return 0;
		CURLU *h = curl_url();
		char *scheme = NULL, *host = NULL;
		CURLUcode rc = curl_url_set(h, CURLUPART_URL, v, CURLU_NON_SUPPORT_SCHEME);
		int ret = 0;
		if (rc) {
			diag_at(dl, kv, "%s: '%s' is not a valid URL: %s", k->name, v, curl_url_strerror(rc));
			ret = -EINVAL;
		} else if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) || !enum_has(k->enums, scheme)) {
			diag_at(dl, kv, "%s: '%s': the scheme must be one of %s", k->name, v, k->enums);
			ret = -EINVAL;
		} else if (curl_url_get(h, CURLUPART_HOST, &host, 0) || !host || !*host) {
			diag_at(dl, kv, "%s: '%s' has no host", k->name, v);
			ret = -EINVAL;
		}
		curl_free(scheme);
		curl_free(host);
		curl_url_cleanup(h);
		return ret;
	}
	case K_HOSTPORT: {
		const char *colon = strrchr(v, ':');
		int64_t port;
		if (!colon || colon == v || parse_uint(colon + 1, &port) || port < 1 || port > 65535)
			return diag_at(dl, kv, "%s: '%s' is not host:port", k->name, v), -EINVAL;
		return 0;
	}
	default:
		return 0;
	}
}

/* ===== Channel configuration accessors ===== */

const struct out_kv *ch_kv(const struct channel *c, const char *key)
{
	size_t pre = strlen("outputs.") + strlen(c->name) + 1;
	for (size_t i = c->ncfg; i-- > 0;)
		if (!strcmp(c->cfg[i]->key + pre, key))
			return c->cfg[i];
	return NULL;
}

static const struct okey *key_def(const struct channel *c, const char *key)
{
	bool is_map;
	return find_key(c->b, key, &is_map);
}

const char *ch_str(const struct channel *c, const char *key)
{
	const struct out_kv *kv = ch_kv(c, key);
	if (kv)
		return kv->val;
	const struct okey *k = key_def(c, key);
	return k ? k->def : NULL;
}

bool ch_bool(const struct channel *c, const char *key)
{
	const char *v = ch_str(c, key);
	return v && !strcmp(v, "true");
}

int64_t ch_int(const struct channel *c, const char *key)
{
	const char *v = ch_str(c, key);
	int64_t i = 0;
	if (v)
		parse_uint(v, &i);
	return i;
}

double ch_float(const struct channel *c, const char *key)
{
	const char *v = ch_str(c, key);
	return v ? strtod(v, NULL) : 0;
}

uint64_t ch_dur_ms(const struct channel *c, const char *key)
{
	const char *v = ch_str(c, key);
	uint64_t ms = 0;
	if (v)
		parse_dur(v, &ms);
	return ms;
}

uint64_t ch_size(const struct channel *c, const char *key)
{
	const char *v = ch_str(c, key);
	uint64_t b = 0;
	if (v)
		parse_size(v, &b);
	return b;
}

void ch_map(const struct channel *c, const char *key, void (*fn)(void *ud, const char *k, const char *v), void *ud)
{
	size_t pre = strlen("outputs.") + strlen(c->name) + 1, kl = strlen(key);
	for (size_t i = 0; i < c->ncfg; i++) {
		const char *k = c->cfg[i]->key + pre;
		if (!strncmp(k, key, kl) && k[kl] == '.')
			fn(ud, k + kl + 1, c->cfg[i]->val);
	}
}

void ch_error(const struct channel *c, struct diag_list *dl, const char *key, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const struct out_kv *kv = key ? ch_kv(c, key) : NULL;
	if (!kv && c->ncfg)
		kv = c->cfg[0];
	if (kv && kv->file)
		diag_add(dl, DIAG_ERROR, kv->file, kv->line, kv->col, kv->src, 1, "output %s: %s", c->name, msg);
	else
		diag_add(dl, DIAG_ERROR, NULL, 0, 0, NULL, 0, "output %s: %s", c->name, msg);
}

/* ===== Building the channels ===== */

static char **split_list(const char *v, size_t *n)
{
	char **out = NULL;
	*n = 0;
	if (!v || !*v)
		return NULL;
	char *buf = xstrdup(v);
	for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ')
			t++;
		size_t l = strlen(t);
		while (l && t[l - 1] == ' ')
			t[--l] = 0;
		if (!l)
			continue;
		out = xrealloc(out, (*n + 1) * sizeof(char *));
		out[(*n)++] = xstrdup(t);
	}
	free(buf);
	return out;
}

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

/* "${VAR}" expanded from the environment. */
static char *expand_env(const char *v)
{
	struct strbuf b;
	strbuf_init(&b);
	for (const char *p = v; *p;) {
		const char *e;
		if (p[0] == '$' && p[1] == '{' && (e = strchr(p + 2, '}'))) {
			char name[256];
			snprintf(name, sizeof(name), "%.*s", (int)(e - p - 2), p + 2);
			const char *val = getenv(name);
			if (val)
				strbuf_adds(&b, val);
			p = e + 1;
			continue;
		}
		strbuf_addc(&b, *p++);
	}
	return strbuf_detach(&b);
}

struct fields_ud {
	struct channel *c;
};

static void add_field(void *ud, const char *k, const char *v)
{
	struct channel *c = ((struct fields_ud *)ud)->c;
	for (size_t i = 0; i < c->nfields; i++)
		if (!strcmp(c->fkeys[i], k)) {
			free(c->fvals[i]);
			c->fvals[i] = expand_env(v);
			return;
		}
	c->fkeys = xrealloc(c->fkeys, (c->nfields + 1) * sizeof(char *));
	c->fvals = xrealloc(c->fvals, (c->nfields + 1) * sizeof(char *));
	c->fkeys[c->nfields] = xstrdup(k);
	c->fvals[c->nfields++] = expand_env(v);
}

struct dedup_ent {
	uint64_t start_ns;
	uint32_t suppressed;
	struct amsg *last;
};

struct dedup {
	uint64_t window_ms;
	char **keys;
	size_t nkeys;
	pthread_mutex_t mu;
	struct u64map map;
};

struct bucket {
	double tokens;
	uint64_t last_ns;
};

struct throttle {
	double rate, burst;
	int per;		/* 0 rule, 1 output, 2 keys */
	char **keys;
	size_t nkeys;
	struct u64map map;
};

static void channel_free(struct channel *c)
{
	if (!c)
		return;
	if (c->b && c->b->fini && c->priv)
		c->b->fini(c);
	free(c->name);
	free(c->cfg);
	free_list(c->rules, c->nrules);
	free_list(c->xrules, c->nxrules);
	free_list(c->tags, c->ntags);
	free_list(c->xtags, c->nxtags);
	free_list(c->sources, c->nsources);
	free_list(c->fkeys, c->nfields);
	free_list(c->fvals, c->nfields);
	if (c->dedup) {
		for (size_t i = 0; i < c->dedup->map.cap; i++)
			if (c->dedup->map.vals[i]) {
				struct dedup_ent *e = c->dedup->map.vals[i];
				amsg_unref(e->last);
				free(e);
			}
		u64map_fini(&c->dedup->map);
		free_list(c->dedup->keys, c->dedup->nkeys);
		pthread_mutex_destroy(&c->dedup->mu);
		free(c->dedup);
	}
	if (c->throttle) {
		for (size_t i = 0; i < c->throttle->map.cap; i++)
			free(c->throttle->map.vals[i]);
		u64map_fini(&c->throttle->map);
		free_list(c->throttle->keys, c->throttle->nkeys);
		free(c->throttle);
	}
	if (c->q) {
		for (size_t i = 0; i < c->qlen; i++)
			amsg_unref(c->q[(c->qhead + i) % c->qcap]);
		free(c->q);
	}
	spool__close(c->spool);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}

static struct channel *channel_build(struct outputs *m, const char *name, const struct out_kv **kvs, size_t n,
				     struct diag_list *dl)
{
	size_t before = dl->nerrors;
	int fs = falco_section(name);
	const struct out_kv *tkv = NULL;
	size_t pre = strlen("outputs.") + strlen(name) + 1;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(kvs[i]->key + pre, "type"))
			tkv = kvs[i];
	const char *type = tkv ? tkv->val : fs >= 0 ? falco_sections[fs].type : name;
	const struct backend *b = backend_by_type(type);
	if (!b) {
		const char *names[32];
		size_t nn = 0;
		for (size_t i = 0; backends[i]; i++)
			names[nn++] = backends[i]->type;
		const char *sug = diag_suggest(type, names, nn);
		if (tkv)
			diag_at(dl, tkv, "outputs.%s: unknown type '%s'%s%s%s", name, type, sug ? " (did you mean '" : "",
				sug ? sug : "", sug ? "'?)" : "");
		else
			diag_at(dl, kvs[0], "outputs.%s: no type: add 'type:' (one of stdout, file, syslog, program, http, "
					    "slack, elasticsearch, opensearch, loki, kafka, redis, nats, mqtt)",
				name);
		return NULL;
	}
	struct channel *c = xcalloc(1, sizeof(*c));
	pthread_mutex_init(&c->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);
	c->name = xstrdup(name);
	c->b = b;
	c->m = m;
	c->cfg = xcalloc(n, sizeof(*c->cfg));
	c->ncfg = n;
	memcpy(c->cfg, kvs, n * sizeof(*kvs));

	/* is it on? (values of a disabled output are not checked) */
	const struct out_kv *ekv = ch_kv(c, "enabled");
	bool enabled = ekv ? !strcmp(ekv->val, "true") : fs >= 0 ? falco_sections[fs].enabled : true;
	if (ekv && strcmp(ekv->val, "true") && strcmp(ekv->val, "false"))
		diag_at(dl, ekv, "enabled: '%s' is not true or false", ekv->val);

	/* every key known, every value valid */
	for (size_t i = 0; i < n; i++) {
		const char *k = kvs[i]->key + pre;
		bool is_map;
		const struct okey *o = find_key(b, k, &is_map);
		if (!o) {
			const char *names[128];
			size_t nn = 0;
			for (const struct okey *x = common_keys; x->name && nn < 64; x++)
				names[nn++] = x->name;
			for (const struct okey *x = b->keys; x && x->name && nn < 128; x++)
				names[nn++] = x->name;
			const char *sug = diag_suggest(k, names, nn);
			diag_at(dl, kvs[i], "outputs.%s: unknown key '%s' for a %s output%s%s%s", name, k, b->type,
				sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
			continue;
		}
		if (enabled && !is_map)
			check_value(o, kvs[i], dl);
	}
	if (dl->nerrors > before || !enabled) {
		if (!enabled && dl->nerrors == before) {
			channel_free(c);
			return (struct channel *)-1; /* disabled */
		}
		channel_free(c);
		return NULL;
	}

	/* routing */
	c->min_prio = priority_parse(ch_str(c, "minimum_priority"));
	c->rules = split_list(ch_str(c, "rules"), &c->nrules);
	c->xrules = split_list(ch_str(c, "exclude_rules"), &c->nxrules);
	c->tags = split_list(ch_str(c, "tags"), &c->ntags);
	c->xtags = split_list(ch_str(c, "exclude_tags"), &c->nxtags);
	c->sources = split_list(ch_str(c, "sources"), &c->nsources);
	struct fields_ud fu = { c };
	ch_map(c, "fields", add_field, &fu);
	const char *fmt = ch_str(c, "format");
	c->json = fmt ? !strcmp(fmt, "json") : m->g.alert.json;

	/* delivery */
	c->max_batch = b->max_batch ? b->max_batch : 1;
	if (ch_kv(c, "batch.size"))
		c->max_batch = (size_t)ch_int(c, "batch.size");
	if (!c->max_batch)
		c->max_batch = 1;
	c->flush_ms = ch_dur_ms(c, "batch.flush_interval");
	c->backoff_min_ms = ch_dur_ms(c, "retry.initial_backoff");
	c->backoff_max_ms = ch_dur_ms(c, "retry.max_backoff");
	if (c->backoff_max_ms < c->backoff_min_ms)
		c->backoff_max_ms = c->backoff_min_ms;
	c->max_attempts = (uint64_t)ch_int(c, "retry.max_attempts");
	c->drain_ms = ch_dur_ms(c, "drain_timeout");
	c->timeout_ms = ch_dur_ms(c, "timeout");
	c->qcap = ch_kv(c, "queue.capacity") ? (size_t)ch_int(c, "queue.capacity")
					     : m->g.queue_capacity ? m->g.queue_capacity : DEFAULT_QUEUE;
	if (!c->qcap)
		c->qcap = 1;
	c->drop_oldest = !strcmp(ch_str(c, "queue.policy"), "drop_oldest");
	if (ch_bool(c, "spool.enabled")) {
		if (b->sync)
			ch_error(c, dl, "spool.enabled", "a %s output writes synchronously and has no spool", b->type);
		else if (!ch_str(c, "spool.dir"))
			ch_error(c, dl, "spool.enabled", "spool.dir is required with spool.enabled");
	}
	if (ch_kv(c, "dedup.window")) {
		struct dedup *d = xcalloc(1, sizeof(*d));
		d->window_ms = ch_dur_ms(c, "dedup.window");
		d->keys = split_list(ch_str(c, "dedup.keys"), &d->nkeys);
		pthread_mutex_init(&d->mu, NULL);
		u64map_init(&d->map);
		c->dedup = d;
		if (d->nkeys)
			m->need_fields = true;
	} else if (ch_kv(c, "dedup.keys")) {
		ch_error(c, dl, "dedup.keys", "dedup.keys needs dedup.window");
	}
	if (ch_kv(c, "throttle.rate")) {
		struct throttle *t = xcalloc(1, sizeof(*t));
		t->rate = ch_float(c, "throttle.rate");
		t->burst = (double)ch_int(c, "throttle.burst");
		if (t->burst < 1)
			t->burst = 1;
		const char *per = ch_str(c, "throttle.per");
		t->per = !strcmp(per, "rule") ? 0 : !strcmp(per, "output") ? 1 : 2;
		t->keys = split_list(ch_str(c, "throttle.keys"), &t->nkeys);
		u64map_init(&t->map);
		c->throttle = t;
		if (t->per == 2)
			m->need_fields = true;
	}
	if (b->init && b->init(c, dl))
		goto bad;
	if (dl->nerrors > before)
		goto bad;
	return c;
bad:
	channel_free(c);
	return NULL;
}

struct outputs *outputs__new(const struct out_kvlist *kv, const struct outputs_globals *g, struct diag_list *dl)
{
	struct outputs *m = xcalloc(1, sizeof(*m));
	size_t before = dl->nerrors;
	static bool curl_ready;
	if (!curl_ready) {
		/* before any thread: libcurl's global state is not thread-safe to set up */
		curl_global_init(CURL_GLOBAL_DEFAULT);
		curl_ready = true;
	}
	m->g = *g;
	pthread_mutex_init(&m->tmu, NULL);
	pthread_mutex_init(&m->rmu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->tcv, &ca);
	pthread_condattr_destroy(&ca);
	if (getrandom(m->rng, sizeof(m->rng), 0) != sizeof(m->rng)) {
		m->rng[0] = out_now_ns() ^ (uint64_t)getpid() << 32;
		m->rng[1] = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull;
	}
	m->rng[0] |= 1;

	/* names in order of first appearance; stdout_output first (Falco's default) */
	char **names = NULL;
	size_t nnames = 0;
	bool has_stdout = false;
	for (size_t i = 0; i < kv->n; i++)
		if (!strncmp(kv->v[i].key, "outputs.stdout_output.", 22))
			has_stdout = true;
	if (!has_stdout) {
		names = xrealloc(names, sizeof(char *));
		names[nnames++] = xstrdup("stdout_output");
	}
	for (size_t i = 0; i < kv->n; i++) {
		const char *k = kv->v[i].key;
		if (strncmp(k, "outputs.", 8))
			continue;
		const char *dot = strchr(k + 8, '.');
		if (!dot || dot == k + 8) {
			/* Falco < 0.37's token bucket {rate, max_burst}: gone upstream */
			const char *sub = k + 8;
			if (!strcmp(sub, "rate") || !strcmp(sub, "max_burst"))
				continue;
			diag_at(dl, &kv->v[i], "outputs.%s must be a map (an output's settings)", sub);
			continue;
		}
		size_t l = (size_t)(dot - (k + 8));
		bool seen = false;
		for (size_t j = 0; j < nnames; j++)
			if (strlen(names[j]) == l && !strncmp(names[j], k + 8, l))
				seen = true;
		if (!seen) {
			names = xrealloc(names, (nnames + 1) * sizeof(char *));
			names[nnames++] = xstrndup(k + 8, l);
		}
	}
	const struct out_kv **sel = xcalloc(kv->n + 1, sizeof(*sel));
	for (size_t j = 0; j < nnames; j++) {
		size_t ns = 0, l = strlen(names[j]);
		for (size_t i = 0; i < kv->n; i++) {
			const char *k = kv->v[i].key;
			if (!strncmp(k, "outputs.", 8) && !strncmp(k + 8, names[j], l) && k[8 + l] == '.')
				sel[ns++] = &kv->v[i];
		}
		struct channel *c;
		if (!ns && !strcmp(names[j], "stdout_output")) {
			static const struct out_kv def = { (char *)"outputs.stdout_output.enabled", (char *)"true", NULL, 0,
							   0, NULL };
			sel[ns++] = &def;
		}
		c = channel_build(m, names[j], sel, ns, dl);
		if (c == (struct channel *)-1 || !c)
			continue;
		m->ch = xrealloc(m->ch, (m->nch + 1) * sizeof(*m->ch));
		m->ch[m->nch++] = c;
		m->formats |= ALERT_FMT_TEXT;
		if (c->json || !c->falco_json || m->need_fields)
			m->formats |= ALERT_FMT_JSON;
	}
	free(sel);
	free_list(names, nnames);
	if (dl->nerrors > before) {
		outputs__free(m);
		return NULL;
	}
	return m;
}

const struct outputs_globals *outputs__globals(const struct outputs *m)
{
	return &m->g;
}

unsigned outputs__formats(const struct outputs *m)
{
	return m->formats;
}

/* ===== Routing, dedup, throttling ===== */

static bool glob_any(char **pats, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (fnmatch_nopath(pats[i], s))
			return true;
	return false;
}

static bool tag_any(char **want, size_t n, const struct alert_rec *a)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < a->ntags; j++)
			if (fnmatch_nopath(want[i], a->tags[j]))
				return true;
	return false;
}

static bool route(const struct channel *c, const struct alert_rec *a)
{
	if (a->priority > c->min_prio)
		return false;
	if (c->nrules && !glob_any(c->rules, c->nrules, a->rule))
		return false;
	if (c->nxrules && glob_any(c->xrules, c->nxrules, a->rule))
		return false;
	if (c->ntags && !tag_any(c->tags, c->ntags, a))
		return false;
	if (c->nxtags && tag_any(c->xtags, c->nxtags, a))
		return false;
	if (c->nsources && !glob_any(c->sources, c->nsources, a->source ? a->source : "syscall"))
		return false;
	return true;
}

static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (uint8_t)s[i];
		h *= 0x100000001b3ull;
	}
	h ^= 0xff;
	h *= 0x100000001b3ull;
	return h;
}

/* The hash of the rule and the key fields' values (from output_fields;
 * rule, priority, source and hostname name the alert's own). */
static uint64_t key_hash(const struct alert_rec *a, struct json_object *fields, const char *hostname, char **keys,
			 size_t n)
{
	uint64_t h = fnv(0xcbf29ce484222325ull, a->rule, strlen(a->rule));
	for (size_t i = 0; i < n; i++) {
		const char *k = keys[i];
		const char *v = NULL;
		struct json_object *o;
		if (!strcmp(k, "rule"))
			continue;
		else if (!strcmp(k, "priority"))
			v = priority_name(a->priority);
		else if (!strcmp(k, "source"))
			v = a->source;
		else if (!strcmp(k, "hostname"))
			v = hostname;
		else if (fields && json_object_object_get_ex(fields, k, &o) && o)
			v = json_object_get_string(o);
		h = fnv(h, v ? v : "\x01", v ? strlen(v) : 1);
	}
	return h;
}

/* Token bucket: true if the alert may go. */
static bool throttle_ok(struct channel *c, const struct alert_rec *a, struct json_object *fields, uint64_t now)
{
	struct throttle *t = c->throttle;
	uint64_t key = t->per == 1 ? 1 : key_hash(a, fields, c->m->g.alert.hostname, t->keys, t->nkeys);
	struct bucket *b = u64map_get(&t->map, key);
	if (!b) {
		if (t->map.len >= DEDUP_MAX_KEYS)
			return true;
		b = xcalloc(1, sizeof(*b));
		b->tokens = t->burst;
		b->last_ns = now;
		u64map_put(&t->map, key, b);
	}
	b->tokens += (double)(now - b->last_ns) / 1e9 * t->rate;
	if (b->tokens > t->burst)
		b->tokens = t->burst;
	b->last_ns = now;
	if (b->tokens >= 1) {
		b->tokens -= 1;
		return true;
	}
	return false;
}

static void deliver(struct channel *c, struct amsg *x);

/* Send the summary of an expired window (dedup lock held). */
static void dedup_close(struct channel *c, struct dedup_ent *e)
{
	if (e->suppressed && e->last) {
		struct amsg *s = amsg_summary(c->m, e->last, e->suppressed, c->dedup->window_ms);
		deliver(c, s);
		amsg_unref(s);
	}
	amsg_unref(e->last);
	e->last = NULL;
	e->suppressed = 0;
}

/* Dedup: true if the alert goes now (the first of its window). *x is
 * created when needed. */
static bool dedup_ok(struct channel *c, const struct alert_rec *a, struct json_object *fields, struct amsg **x,
		     uint64_t now)
{
	struct dedup *d = c->dedup;
	uint64_t key = key_hash(a, fields, c->m->g.alert.hostname, d->keys, d->nkeys);
	bool go = true;
	pthread_mutex_lock(&d->mu);
	struct dedup_ent *e = u64map_get(&d->map, key);
	if (e && now - e->start_ns < d->window_ms * 1000000ull) {
		if (!*x)
			*x = amsg_new(c->m, a);
		amsg_unref(e->last);
		e->last = amsg_ref(*x);
		e->suppressed++;
		atomic_fetch_add(&c->k.deduped, 1);
		go = false;
	} else if (e) {
		dedup_close(c, e);
		e->start_ns = now;
	} else if (d->map.len < DEDUP_MAX_KEYS) {
		e = xcalloc(1, sizeof(*e));
		e->start_ns = now;
		u64map_put(&d->map, key, e);
	}
	pthread_mutex_unlock(&d->mu);
	return go;
}

/* Close expired windows (all of them when `all`). */
static void dedup_sweep(struct channel *c, uint64_t now, bool all)
{
	struct dedup *d = c->dedup;
	pthread_mutex_lock(&d->mu);
	for (size_t i = 0; i < d->map.cap; i++) {
		struct dedup_ent *e = d->map.vals[i];
		if (!e || (!all && now - e->start_ns < d->window_ms * 1000000ull))
			continue;
		dedup_close(c, e);
		uint64_t k = d->map.keys[i];
		u64map_del(&d->map, k);
		free(e);
		i--; /* backward-shift deletion may move an entry here */
	}
	pthread_mutex_unlock(&d->mu);
}

static void *timer_main(void *arg)
{
	struct outputs *m = arg;
	pthread_mutex_lock(&m->tmu);
	while (!m->tstop) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 200000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&m->tcv, &m->tmu, &ts);
		if (m->tstop)
			break;
		pthread_mutex_unlock(&m->tmu);
		uint64_t now = out_now_ns();
		for (size_t i = 0; i < m->nch; i++)
			if (m->ch[i]->dedup)
				dedup_sweep(m->ch[i], now, false);
		pthread_mutex_lock(&m->tmu);
	}
	pthread_mutex_unlock(&m->tmu);
	return NULL;
}

/* ===== Delivery ===== */

static void item_fini(struct out_item *it)
{
	amsg_unref(it->m);
	strbuf_fini(&it->payload);
	it->m = NULL;
}

/* A synchronous channel: write now, on the caller's thread. */
static void deliver_sync(struct channel *c, struct amsg *x)
{
	struct out_item it = { x, { 0 }, OUT_RETRY };
	struct send_result r = { 0 };
	strbuf_init(&it.payload);
	pthread_mutex_lock(&c->mu);
	if (atomic_exchange(&c->reopen, false) && c->b->close) {
		c->b->close(c);
		char err[512];
		if (c->b->open && c->b->open(c, err, sizeof(err)))
			ch_log_error(c, "%s", err);
	}
	(c->b->format ? c->b->format : pl_default)(c, x, &it.payload);
	c->b->send(c, &it, 1, &r);
	pthread_mutex_unlock(&c->mu);
	if (it.status == OUT_OK) {
		atomic_fetch_add(&c->k.sent, 1);
	} else {
		atomic_fetch_add(it.status == OUT_FAIL ? &c->k.failed : &c->k.dropped, 1);
		if (r.err[0])
			ch_log_error(c, "%s", r.err);
	}
	strbuf_fini(&it.payload);
}

static void deliver(struct channel *c, struct amsg *x)
{
	if (c->b->sync) {
		deliver_sync(c, x);
		return;
	}
	if (c->spool) {
		int rc = spool__append(c->spool, x);
		if (rc) {
			atomic_fetch_add(&c->k.dropped, 1);
			if (rc == -ENOSPC)
				ch_log_error(c, "spool full (spool.max_size): alert dropped");
			else
				ch_log_error(c, "spool write: %s: alert dropped", strerror(-rc));
			return;
		}
		atomic_fetch_add(&c->k.spooled, 1);
		pthread_mutex_lock(&c->mu);
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
		return;
	}
	pthread_mutex_lock(&c->mu);
	if (c->qlen == c->qcap) {
		atomic_fetch_add(&c->k.dropped, 1);
		if (!c->drop_oldest) {
			pthread_mutex_unlock(&c->mu);
			return;
		}
		amsg_unref(c->q[c->qhead]);
		c->qhead = (c->qhead + 1) % c->qcap;
		c->qlen--;
	}
	c->q[(c->qhead + c->qlen) % c->qcap] = amsg_ref(x);
	c->qlen++;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

void outputs__emit(struct outputs *m, const struct alert_rec *a)
{
	struct amsg *x = NULL;
	struct json_object *doc = NULL, *fields = NULL;
	bool parsed = false;
	uint64_t now = 0;
	for (size_t i = 0; i < m->nch; i++) {
		struct channel *c = m->ch[i];
		if (!route(c, a)) {
			atomic_fetch_add(&c->k.filtered, 1);
			continue;
		}
		if (!now && (c->dedup || c->throttle))
			now = out_now_ns();
		if (m->need_fields && (c->dedup || c->throttle) && !parsed) {
			parsed = true;
			if (a->json && (doc = json_tokener_parse(a->json)))
				json_object_object_get_ex(doc, "output_fields", &fields);
		}
		if (c->throttle && !throttle_ok(c, a, fields, now)) {
			atomic_fetch_add(&c->k.throttled, 1);
			continue;
		}
		if (c->dedup && !dedup_ok(c, a, fields, &x, now))
			continue;
		if (!x)
			x = amsg_new(m, a);
		deliver(c, x);
	}
	if (doc)
		json_object_put(doc);
	amsg_unref(x);
}

void outputs__request_reopen(struct outputs *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nch; i++)
		atomic_store(&m->ch[i]->reopen, true);
}

/* Wait on c->cv until `until_ns` (monotonic); c->mu held. */
static void cv_wait_until(struct channel *c, uint64_t until_ns)
{
	struct timespec ts = { (time_t)(until_ns / 1000000000ull), (long)(until_ns % 1000000000ull) };
	pthread_cond_timedwait(&c->cv, &c->mu, &ts);
}

/* Up to max items for the next batch: blocks until there is one, or returns
 * 0 when stopping with nothing left. */
static size_t take(struct channel *c, struct out_item *it, size_t max)
{
	struct amsg *tmp[256];
	size_t n = 0;
	if (max > 256)
		max = 256;
	pthread_mutex_lock(&c->mu);
	uint64_t flush_at = 0;
	for (;;) {
		if (c->spool) {
			pthread_mutex_unlock(&c->mu);
			n += spool__read(c->spool, tmp + n, max - n, c->m->g.alert.hostname);
			pthread_mutex_lock(&c->mu);
		} else {
			while (n < max && c->qlen) {
				tmp[n++] = c->q[c->qhead];
				c->qhead = (c->qhead + 1) % c->qcap;
				c->qlen--;
			}
		}
		if (atomic_load(&c->abort))
			break;
		if (n == max || (n && atomic_load(&c->stop)))
			break;
		if (!n && atomic_load(&c->stop))
			break;
		uint64_t now = out_now_ns();
		if (n) {
			if (!flush_at)
				flush_at = now + c->flush_ms * 1000000ull;
			if (now >= flush_at)
				break;
			cv_wait_until(c, flush_at);
		} else {
			cv_wait_until(c, now + (c->spool ? 100000000ull : 1000000000ull));
		}
	}
	c->inflight = n;
	pthread_mutex_unlock(&c->mu);
	for (size_t i = 0; i < n; i++) {
		it[i].m = tmp[i];
		strbuf_init(&it[i].payload);
		(c->b->format ? c->b->format : pl_default)(c, tmp[i], &it[i].payload);
		it[i].status = OUT_RETRY;
	}
	return n;
}

/* Sleep ms unless the channel is aborted; false if aborted. */
static bool backoff_sleep(struct channel *c, uint64_t ms)
{
	uint64_t until = out_now_ns() + ms * 1000000ull;
	pthread_mutex_lock(&c->mu);
	while (!atomic_load(&c->abort) && out_now_ns() < until) {
		uint64_t t = until;
		/* at stop, do not sleep past the drain deadline */
		if (atomic_load(&c->stop) && c->deadline_ns && c->deadline_ns < t)
			t = c->deadline_ns;
		if (out_now_ns() >= t)
			break;
		cv_wait_until(c, t);
		if (atomic_load(&c->stop) && c->deadline_ns && out_now_ns() >= c->deadline_ns)
			break;
	}
	bool ok = !atomic_load(&c->abort);
	pthread_mutex_unlock(&c->mu);
	return ok;
}

static uint64_t backoff_ms(struct channel *c, unsigned attempt)
{
	uint64_t cap = c->backoff_min_ms;
	for (unsigned i = 1; i < attempt && cap < c->backoff_max_ms; i++)
		cap *= 2;
	if (cap > c->backoff_max_ms)
		cap = c->backoff_max_ms;
	/* "equal jitter": half fixed, half random, so retries of many agents spread */
	static __thread uint64_t seed[2];
	if (!seed[0]) {
		seed[0] = out_now_ns() | 1;
		seed[1] = (uint64_t)(uintptr_t)c * 0x9e3779b97f4a7c15ull;
	}
	uint64_t r = rng_next(seed) % (cap / 2 + 1);
	return cap / 2 + r;
}

static void *worker_main(void *arg)
{
	struct channel *c = arg;
	size_t cap = c->max_batch > 256 ? 256 : c->max_batch;
	struct out_item *it = xcalloc(cap, sizeof(*it));
	size_t n = 0;
	bool open = false;
	unsigned attempt = 0;
	char err[512];
	for (;;) {
		if (!n) {
			attempt = 0;
			n = take(c, it, cap);
			if (!n)
				break;
		}
		if (atomic_load(&c->abort))
			break;
		if (atomic_exchange(&c->reopen, false) && open) {
			if (c->b->close)
				c->b->close(c);
			open = false;
		}
		struct send_result r = { 0 };
		if (!open) {
			err[0] = 0;
			if (c->b->open && c->b->open(c, err, sizeof(err))) {
				ch_log_error(c, "%s", err[0] ? err : "cannot connect");
				goto retry;
			}
			open = true;
		}
		for (size_t i = 0; i < n; i++)
			it[i].status = OUT_RETRY;
		if (c->b->send(c, it, n, &r) < 0) {
			if (c->b->close)
				c->b->close(c);
			open = false;
		}
		size_t keep = 0;
		for (size_t i = 0; i < n; i++) {
			if (it[i].status == OUT_RETRY) {
				it[keep++] = it[i];
				continue;
			}
			atomic_fetch_add(it[i].status == OUT_OK ? &c->k.sent : &c->k.failed, 1);
			if (it[i].status == OUT_FAIL)
				ch_log_error(c, "alert %s given up: %s", it[i].m->uuid, r.err[0] ? r.err : "refused");
			item_fini(&it[i]);
		}
		n = keep;
		if (!n) {
			if (c->spool)
				spool__commit(c->spool);
			continue;
		}
		if (r.err[0])
			ch_log_error(c, "%s", r.err);
	retry:
		attempt++;
		if (c->max_attempts && attempt >= c->max_attempts) {
			for (size_t i = 0; i < n; i++) {
				atomic_fetch_add(&c->k.failed, 1);
				item_fini(&it[i]);
			}
			n = 0;
			if (c->spool)
				spool__commit(c->spool);
			continue;
		}
		if (atomic_load(&c->stop) && out_now_ns() >= c->deadline_ns)
			break;
		atomic_fetch_add(&c->k.retried, n);
		uint64_t wait = backoff_ms(c, attempt);
		if (r.retry_after_ms > wait)
			wait = r.retry_after_ms;
		if (!backoff_sleep(c, wait))
			break;
		if (atomic_load(&c->stop) && out_now_ns() >= c->deadline_ns)
			break;
	}
	/* stopped: what is left was not delivered */
	for (size_t i = 0; i < n; i++) {
		if (!c->spool)
			atomic_fetch_add(&c->k.dropped, 1);
		item_fini(&it[i]);
	}
	pthread_mutex_lock(&c->mu);
	c->inflight = 0;
	if (!c->spool) {
		atomic_fetch_add(&c->k.dropped, c->qlen);
		for (size_t i = 0; i < c->qlen; i++)
			amsg_unref(c->q[(c->qhead + i) % c->qcap]);
		c->qlen = 0;
	}
	pthread_mutex_unlock(&c->mu);
	if (open && c->b->close)
		c->b->close(c);
	free(it);
	return NULL;
}

int outputs__start(struct outputs *m, char *err, size_t errlen)
{
	for (size_t i = 0; i < m->nch; i++) {
		struct channel *c = m->ch[i];
		if (c->b->sync) {
			if (c->b->open && c->b->open(c, err, errlen))
				return -EIO;
			continue;
		}
		if (ch_bool(c, "spool.enabled")) {
			char e2[600];
			c->spool = spool__open(ch_str(c, "spool.dir"), ch_size(c, "spool.max_size"), ch_bool(c, "spool.fsync"),
					       e2, sizeof(e2));
			if (!c->spool) {
				snprintf(err, errlen, "output %s: %s", c->name, e2);
				return -EIO;
			}
			if (spool__recovered(c->spool))
				fprintf(stderr, "vigil: output %s: %" PRIu64 " alerts in the spool from a previous run\n",
					c->name, spool__recovered(c->spool));
		} else {
			c->q = xcalloc(c->qcap, sizeof(*c->q));
		}
	}
	for (size_t i = 0; i < m->nch; i++) {
		struct channel *c = m->ch[i];
		if (c->b->sync)
			continue;
		if (pthread_create(&c->thread, NULL, worker_main, c)) {
			snprintf(err, errlen, "output %s: cannot start its thread", c->name);
			return -EAGAIN;
		}
		c->started = true;
	}
	bool dedup = false;
	for (size_t i = 0; i < m->nch; i++)
		dedup |= m->ch[i]->dedup != NULL;
	if (dedup && !pthread_create(&m->timer, NULL, timer_main, m))
		m->timer_started = true;
	return 0;
}

void outputs__print_stats(struct outputs *m, FILE *f)
{
	if (!m || !m->nch)
		return;
	fprintf(f, "Outputs:\n");
	for (size_t i = 0; i < m->nch; i++) {
		struct channel *c = m->ch[i];
		struct out_counters *k = &c->k;
		fprintf(f,
			"   %s (%s): sent %" PRIu64 ", retried %" PRIu64 ", failed %" PRIu64 ", dropped %" PRIu64
			", spooled %" PRIu64,
			c->name, c->b->type, (uint64_t)atomic_load(&k->sent), (uint64_t)atomic_load(&k->retried),
			(uint64_t)atomic_load(&k->failed), (uint64_t)atomic_load(&k->dropped),
			(uint64_t)atomic_load(&k->spooled));
		if (c->throttle)
			fprintf(f, ", throttled %" PRIu64, (uint64_t)atomic_load(&k->throttled));
		if (c->dedup)
			fprintf(f, ", deduplicated %" PRIu64, (uint64_t)atomic_load(&k->deduped));
		if (c->spool)
			fprintf(f, ", pending in spool %" PRIu64 " (%" PRIu64 " bytes)", spool__pending(c->spool),
				spool__bytes(c->spool));
		if (c->spool && spool__corrupt(c->spool))
			fprintf(f, ", corrupt spool records %" PRIu64, spool__corrupt(c->spool));
		fprintf(f, ", filtered out %" PRIu64 "\n", (uint64_t)atomic_load(&k->filtered));
	}
}

size_t outputs__stats(struct outputs *m, struct outputs_stat *out, size_t max)
{
	for (size_t i = 0; m && i < m->nch && i < max; i++) {
		struct channel *c = m->ch[i];
		struct out_counters *k = &c->k;
		out[i] = (struct outputs_stat){
			.name = c->name, .type = c->b->type, .sent = atomic_load(&k->sent),
			.retried = atomic_load(&k->retried), .failed = atomic_load(&k->failed),
			.dropped = atomic_load(&k->dropped), .spooled = atomic_load(&k->spooled),
			.throttled = atomic_load(&k->throttled), .deduped = atomic_load(&k->deduped),
			.filtered = atomic_load(&k->filtered), .spool_pending = c->spool ? spool__pending(c->spool) : 0,
		};
	}
	return m ? m->nch : 0;
}

bool outputs__noteworthy(struct outputs *m)
{
	for (size_t i = 0; m && i < m->nch; i++) {
		struct channel *c = m->ch[i];
		if (!c->b->sync || atomic_load(&c->k.dropped) || atomic_load(&c->k.failed))
			return true;
	}
	return false;
}

void outputs__stop(struct outputs *m)
{
	if (!m || m->stopped)
		return;
	m->stopped = true;
	/* dedup summaries still pending go out before the workers stop */
	if (m->timer_started) {
		pthread_mutex_lock(&m->tmu);
		m->tstop = true;
		pthread_cond_signal(&m->tcv);
		pthread_mutex_unlock(&m->tmu);
		pthread_join(m->timer, NULL);
	}
	uint64_t now = out_now_ns();
	for (size_t i = 0; i < m->nch; i++)
		if (m->ch[i]->dedup)
			dedup_sweep(m->ch[i], now, true);
	for (size_t i = 0; i < m->nch; i++) {
		struct channel *c = m->ch[i];
		if (!c->started)
			continue;
		pthread_mutex_lock(&c->mu);
		c->deadline_ns = now + c->drain_ms * 1000000ull;
		atomic_store(&c->stop, true);
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
	}
	/* wait for each worker until its deadline, then abort what it does */
	for (size_t i = 0; i < m->nch; i++) {
		struct channel *c = m->ch[i];
		if (!c->started)
			continue;
		for (;;) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 20000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			if (!pthread_timedjoin_np(c->thread, NULL, &ts))
				break;
			if (out_now_ns() >= c->deadline_ns && !atomic_load(&c->abort)) {
				pthread_mutex_lock(&c->mu);
				atomic_store(&c->abort, true);
				pthread_cond_broadcast(&c->cv);
				pthread_mutex_unlock(&c->mu);
			}
		}
		c->started = false;
	}
	for (size_t i = 0; i < m->nch; i++) {
		struct channel *c = m->ch[i];
		if (c->b->sync && c->b->close)
			c->b->close(c);
	}
}

void outputs__free(struct outputs *m)
{
	if (!m)
		return;
	outputs__stop(m);
	for (size_t i = 0; i < m->nch; i++)
		channel_free(m->ch[i]);
	free(m->ch);
	pthread_mutex_destroy(&m->tmu);
	pthread_mutex_destroy(&m->rmu);
	pthread_cond_destroy(&m->tcv);
	free(m);
}

void outputs_usage(FILE *f)
{
	fprintf(f, "  outputs:               named outputs (see README, 'Alert outputs'); -o outputs.NAME.KEY=VALUE\n");
}
