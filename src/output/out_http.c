/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_http.c - the backends spoken over HTTP(S), through libcurl: the
 * webhook (and Falco's http_output), Slack, Elasticsearch/OpenSearch (bulk
 * API) and Loki (push API). One connection per output, reused; requests are
 * driven by a multi handle polled every 50 ms so that a stop can abort one
 * that hangs. Status codes are checked: 2xx delivered; 408, 425, 429 and
 * 5xx retried (honouring Retry-After); any other answer fails the alert.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/xalloc.h"
#include "output/channel.h"
#include "rules/ruleset.h"

/* ===== The client ===== */

struct http_client {
	struct channel *c;
	CURL *h;
	CURLM *multi;
	char *ca_cert, *ca_path, *client_cert, *client_key, *user_agent;
	bool insecure;
	struct curl_slist *hdrs;	/* the output's custom headers */
};

static void add_header(void *ud, const char *k, const char *v)
{
	struct http_client *h = ud;
	char buf[2048];
	snprintf(buf, sizeof(buf), "%s: %s", k, v);
	h->hdrs = curl_slist_append(h->hdrs, buf);
}

static char *dup_or_null(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

struct http_client *http_client__new(struct channel *c)
{
	struct http_client *h = xcalloc(1, sizeof(*h));
	h->c = c;
	h->ca_cert = dup_or_null(ch_str(c, "ca_cert"));
	if (!h->ca_cert && ch_kv(c, "ca_bundle"))
		h->ca_cert = dup_or_null(ch_str(c, "ca_bundle"));
	h->ca_path = dup_or_null(ch_str(c, "ca_path"));
	bool mtls = !ch_kv(c, "mtls") || ch_bool(c, "mtls");
	if (mtls) {
		h->client_cert = dup_or_null(ch_str(c, "client_cert"));
		h->client_key = dup_or_null(ch_str(c, "client_key"));
	}
	h->user_agent = dup_or_null(ch_str(c, "user_agent"));
	h->insecure = ch_bool(c, "insecure") || (ch_kv(c, "checkcert") && !ch_bool(c, "checkcert"));
	ch_map(c, "headers", add_header, h);
	return h;
}

void http_client__free(struct http_client *h)
{
	if (!h)
		return;
	if (h->h)
		curl_easy_cleanup(h->h);
	if (h->multi)
		curl_multi_cleanup(h->multi);
	curl_slist_free_all(h->hdrs);
	free(h->ca_cert);
	free(h->ca_path);
	free(h->client_cert);
	free(h->client_key);
	free(h->user_agent);
	free(h);
}

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	struct http_resp *r = ud;
	size_t len = sz * n;
	if (r->body.len < 1 << 20)
		strbuf_add(&r->body, p, len);
	return len;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct http_resp *r = ud;
	size_t len = sz * n;
	if (len > 12 && !strncasecmp(p, "Retry-After:", 12)) {
		char v[128];
		size_t l = len - 12 < sizeof(v) - 1 ? len - 12 : sizeof(v) - 1;
		memcpy(v, p + 12, l);
		v[l] = 0;
		char *s = v;
		while (*s == ' ' || *s == '\t')
			s++;
		s[strcspn(s, "\r\n")] = 0;
		char *end;
		double secs = strtod(s, &end);
		if (end != s && !*end && secs >= 0) {
			r->retry_after_ms = (uint64_t)(secs * 1000);
		} else {
			time_t t = curl_getdate(s, NULL);
			time_t now = time(NULL);
			if (t > now)
				r->retry_after_ms = (uint64_t)(t - now) * 1000;
		}
		/* never wait longer than 10 minutes on a server's word */
		if (r->retry_after_ms > 600000)
			r->retry_after_ms = 600000;
	}
	return len;
}

int http_client__do(struct http_client *h, const struct http_req *q, struct http_resp *resp, struct send_result *r)
{
	struct channel *c = h->c;
	if (!h->h)
		h->h = curl_easy_init();
	if (!h->multi)
		h->multi = curl_multi_init();
	if (!h->h || !h->multi) {
		snprintf(r->err, sizeof(r->err), "libcurl: cannot create a handle");
		return -1;
	}
	CURL *e = h->h;
	struct curl_slist *hdrs = NULL;
	char ct[256];
	snprintf(ct, sizeof(ct), "Content-Type: %s", q->content_type ? q->content_type : "application/json");
	hdrs = curl_slist_append(hdrs, ct);
	for (size_t i = 0; q->headers && q->headers[i]; i++)
		hdrs = curl_slist_append(hdrs, q->headers[i]);
	for (struct curl_slist *s = h->hdrs; s; s = s->next)
		hdrs = curl_slist_append(hdrs, s->data);
	hdrs = curl_slist_append(hdrs, "Expect:");

	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, q->url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, q->body ? q->body : "");
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(q->body ? q->body_len : 0));
	if (q->method && strcmp(q->method, "POST"))
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, q->method);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(e, CURLOPT_USERAGENT, h->user_agent ? h->user_agent : "vigil");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(c->timeout_ms ? c->timeout_ms : 10000));
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(ch_dur_ms(c, "connect_timeout") ?: 5000));
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, resp);
	if (h->ca_cert)
		curl_easy_setopt(e, CURLOPT_CAINFO, h->ca_cert);
	if (h->ca_path)
		curl_easy_setopt(e, CURLOPT_CAPATH, h->ca_path);
	if (h->client_cert)
		curl_easy_setopt(e, CURLOPT_SSLCERT, h->client_cert);
	if (h->client_key)
		curl_easy_setopt(e, CURLOPT_SSLKEY, h->client_key);
	if (h->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	resp->status = 0;
	resp->retry_after_ms = 0;

	CURLcode res = CURLE_OK;
	curl_multi_add_handle(h->multi, e);
	int running = 1;
	bool aborted = false;
	while (running) {
		if (curl_multi_perform(h->multi, &running) != CURLM_OK)
			break;
		if (!running)
			break;
		if (atomic_load(&c->abort)) {
			aborted = true;
			break;
		}
		curl_multi_poll(h->multi, NULL, 0, 50, NULL);
	}
	int left;
	CURLMsg *msg;
	while ((msg = curl_multi_info_read(h->multi, &left)))
		if (msg->msg == CURLMSG_DONE)
			res = msg->data.result;
	curl_multi_remove_handle(h->multi, e);
	curl_slist_free_all(hdrs);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
	if (aborted) {
		snprintf(r->err, sizeof(r->err), "%s: aborted at stop (drain_timeout)", q->url);
		/* the connection is in an unknown state */
		curl_easy_cleanup(h->h);
		h->h = NULL;
		return -1;
	}
	if (res != CURLE_OK) {
		snprintf(r->err, sizeof(r->err), "%s: %s", q->url, curl_easy_strerror(res));
		return -1;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp->status);
	r->retry_after_ms = resp->retry_after_ms;
	return 0;
}

int http_status_class(long s)
{
	if (s >= 200 && s < 300)
		return OUT_OK;
	if (s == 408 || s == 425 || s == 429 || s >= 500)
		return OUT_RETRY;
	return OUT_FAIL;
}

/* The whole batch got one answer. */
static int settle(struct out_item *it, size_t n, const struct http_req *q, struct http_resp *resp, int rc,
		  struct send_result *r)
{
	int st = rc ? OUT_RETRY : http_status_class(resp->status);
	for (size_t i = 0; i < n; i++)
		it[i].status = st;
	if (!rc && st != OUT_OK) {
		char body[300];
		snprintf(body, sizeof(body), "%.*s", (int)(resp->body.len < 280 ? resp->body.len : 280), resp->body.buf);
		for (char *p = body; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		snprintf(r->err, sizeof(r->err), "%s: HTTP %ld%s%s", q->url, resp->status, body[0] ? ": " : "", body);
	}
	return rc;
}

static void resp_init(struct http_resp *r)
{
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->body);
}

/* ===== Webhook, and Falco's http_output ===== */

struct webhook {
	struct http_client *h;
	char *url;
	const char *method;
	bool falco;		/* http_output: Falco's body and content type */
	bool echo;
};

static const struct okey webhook_keys[] = {
	HTTP_KEYS(NULL),
	{ "content_type", K_STR, NULL, NULL },
	/* falco.yaml's http_output */
	{ "ca_bundle", K_FILE, NULL, NULL },
	{ "mtls", K_BOOL, "false", NULL },
	{ "echo", K_BOOL, "false", NULL },
	{ "compress_uploads", K_BOOL, "false", NULL },
	{ "keep_alive", K_BOOL, "false", NULL },
	{ "max_consecutive_timeouts", K_INT, "5", NULL },
	{ "checkcert", K_BOOL, "true", NULL },
	{ NULL, 0, NULL, NULL },
};

static int need_url(struct channel *c, struct diag_list *dl)
{
	const char *u = ch_str(c, "url");
	if (!u || !*u) {
		ch_error(c, dl, "url", "a %s output needs 'url'", c->b->type);
		return -EINVAL;
	}
	return 0;
}

static int webhook_init(struct channel *c, struct diag_list *dl)
{
	if (need_url(c, dl))
		return -EINVAL;
	struct webhook *w = xcalloc(1, sizeof(*w));
	c->priv = w;
	w->falco = !strcmp(c->name, "http_output");
	c->falco_json = w->falco;
	if (!w->falco && !ch_kv(c, "format"))
		c->json = true;
	w->url = xstrdup(ch_str(c, "url"));
	w->method = ch_str(c, "method");
	w->echo = ch_bool(c, "echo");
	return 0;
}

static int webhook_open(struct channel *c, char *err, size_t errlen)
{
	struct webhook *w = c->priv;
	(void)err;
	(void)errlen;
	if (!w->h)
		w->h = http_client__new(c);
	return 0;
}

static int webhook_send(struct channel *c, struct out_item *it, size_t n, struct send_result *r)
{
	struct webhook *w = c->priv;
	char ua[64];
	const char *hdrs[2] = { NULL, NULL };
	if (w->falco && !ch_kv(c, "user_agent")) {
		snprintf(ua, sizeof(ua), "User-Agent: falcosecurity/falco");
		hdrs[0] = ua;
	}
	const char *ct = ch_str(c, "content_type");
	if (!ct)
		ct = c->json ? "application/json" : "text/plain";
	for (size_t i = 0; i < n; i++) {
		struct http_req q = { w->url, w->method, it[i].payload.buf, it[i].payload.len, ct, hdrs };
		struct http_resp resp;
		resp_init(&resp);
		int rc = http_client__do(w->h, &q, &resp, r);
		settle(&it[i], 1, &q, &resp, rc, r);
		if (!rc && w->echo)
			fprintf(stdout, "%.*s\n", (int)resp.body.len, resp.body.buf);
		strbuf_fini(&resp.body);
		if (rc)
			return -1;
	}
	return 0;
}

static void webhook_fini(struct channel *c)
{
	struct webhook *w = c->priv;
	http_client__free(w->h);
	free(w->url);
	free(w);
	c->priv = NULL;
}

const struct backend out_http = {
	.type = "http",
	.keys = webhook_keys,
	.init = webhook_init,
	.open = webhook_open,
	.send = webhook_send,
	.fini = webhook_fini,
};

/* ===== Slack (falcosidekick's payload) ===== */

struct slack {
	struct http_client *h;
	char *url;
	int mode;		/* 0 all, 1 text, 2 fields */
};

static const struct okey slack_keys[] = {
	HTTP_KEYS(NULL),
	{ "channel", K_STR, NULL, NULL },
	{ "username", K_STR, "vigil", NULL },
	{ "icon_url", K_STR, NULL, NULL },
	{ "footer", K_STR, "vigil", NULL },
	{ "output_format", K_ENUM, "all", "all|text|fields" },
	{ "message_format", K_STR, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};

static const char *slack_color(int prio)
{
	static const char *const colors[] = { "#e20b0b", "#ff5400", "#ff5400", "#e20b0b",
					      "#ffc700", "#5bffb5", "#68c2ff", "#ccfff2" };
	return prio >= 0 && prio < 8 ? colors[prio] : "#ccfff2";
}

static void jstr(struct strbuf *b, const char *s)
{
	strbuf_addc(b, '"');
	json_escape(b, s, strlen(s));
	strbuf_addc(b, '"');
}

/* Go's time.Time.String() in UTC: "2025-04-04 09:24:54.1 +0000 UTC". */
static void go_time(struct strbuf *b, uint64_t ns)
{
	time_t secs = (time_t)(ns / 1000000000ull);
	struct tm tm;
	char buf[40], frac[16];
	gmtime_r(&secs, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	strbuf_adds(b, buf);
	uint64_t f = ns % 1000000000ull;
	if (f) {
		snprintf(frac, sizeof(frac), "%09" PRIu64, f);
		size_t l = strlen(frac);
		while (l && frac[l - 1] == '0')
			frac[--l] = 0;
		strbuf_addf(b, ".%s", frac);
	}
	strbuf_adds(b, " +0000 UTC");
}

static size_t utf8_runes(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* falcosidekick's messageformat, for the Go template forms people use:
 * {{ .Rule }} {{ .Priority }} {{ .Output }} {{ .Source }} {{ .Hostname }}
 * {{ .Time }} {{ index .OutputFields "name" }}. */
static void render_template(struct strbuf *out, const char *t, const struct amsg *m, struct json_object *doc)
{
	while (*t) {
		const char *open = strstr(t, "{{"), *close;
		if (!open || !(close = strstr(open, "}}"))) {
			strbuf_adds(out, t);
			return;
		}
		strbuf_add(out, t, (size_t)(open - t));
		char expr[256];
		const char *a = open + 2, *z = close;
		while (a < z && (*a == ' ' || *a == '-'))
			a++;
		while (z > a && (z[-1] == ' ' || z[-1] == '-'))
			z--;
		snprintf(expr, sizeof(expr), "%.*s", (int)(z - a), a);
		char name[200];
		if (!strcmp(expr, ".Rule"))
			strbuf_adds(out, m->rule);
		else if (!strcmp(expr, ".Priority"))
			strbuf_adds(out, priority_name(m->prio));
		else if (!strcmp(expr, ".Output"))
			strbuf_add(out, m->text, m->text_len);
		else if (!strcmp(expr, ".Source"))
			strbuf_adds(out, m->source);
		else if (!strcmp(expr, ".Hostname"))
			strbuf_adds(out, m->hostname);
		else if (!strcmp(expr, ".Time"))
			go_time(out, m->ts);
		else if (sscanf(expr, "index .OutputFields \"%199[^\"]\"", name) == 1) {
			struct json_object *f, *v;
			if (doc && json_object_object_get_ex(doc, "output_fields", &f) && json_object_object_get_ex(f, name, &v))
				strbuf_adds(out, v ? json_object_get_string(v) : "<nil>");
			else
				strbuf_adds(out, "<no value>");
		}
		t = close + 2;
	}
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void slack_field(struct strbuf *b, bool *first, const char *title, const char *value, bool shortf)
{
	if (!*first)
		strbuf_addc(b, ',');
	*first = false;
	strbuf_adds(b, "{\"title\":");
	jstr(b, title);
	strbuf_adds(b, ",\"value\":");
	jstr(b, value);
	strbuf_addf(b, ",\"short\":%s}", shortf ? "true" : "false");
}

static void slack_format(struct channel *c, struct amsg *m, struct strbuf *out)
{
	struct slack *s = c->priv;
	struct json_object *doc = pl_parse(c, m);
	struct strbuf tmp, output;
	strbuf_init(&tmp);
	strbuf_init(&output);
	/* the output as the JSON carries it: unescaped */
	struct json_object *o;
	if (doc && json_object_object_get_ex(doc, "output", &o))
		strbuf_adds(&output, json_object_get_string(o));
	else
		strbuf_add(&output, m->text, m->text_len);

	strbuf_addc(out, '{');
	bool comma = false;
	const char *mf = ch_str(c, "message_format");
	if (mf && *mf) {
		render_template(&tmp, mf, m, doc);
		strbuf_adds(out, "\"text\":");
		jstr(out, tmp.buf);
		comma = true;
	}
	const char *v;
	if ((v = ch_str(c, "username")) && *v) {
		strbuf_adds(out, comma ? ",\"username\":" : "\"username\":");
		jstr(out, v);
		comma = true;
	}
	if ((v = ch_str(c, "icon_url")) && *v) {
		strbuf_adds(out, comma ? ",\"icon_url\":" : "\"icon_url\":");
		jstr(out, v);
		comma = true;
	}
	if ((v = ch_str(c, "channel")) && *v) {
		strbuf_adds(out, comma ? ",\"channel\":" : "\"channel\":");
		jstr(out, v);
		comma = true;
	}
	strbuf_adds(out, comma ? ",\"attachments\":[{" : "\"attachments\":[{");
	strbuf_adds(out, "\"fallback\":");
	jstr(out, output.buf);
	strbuf_addf(out, ",\"color\":\"%s\"", slack_color(m->prio));
	if (s->mode != 2) {
		strbuf_adds(out, ",\"text\":");
		jstr(out, output.buf);
	}
	if (s->mode != 1) {
		bool first = true;
		strbuf_adds(out, ",\"fields\":[");
		slack_field(out, &first, "rule", m->rule, true);
		slack_field(out, &first, "priority", priority_name(m->prio), true);
		slack_field(out, &first, "source", m->source, true);
		if (m->hostname && *m->hostname)
			slack_field(out, &first, "hostname", m->hostname, true);
		if (m->ntags)
			slack_field(out, &first, "tags", pl_tagsjoin(m, ", ", &tmp), true);
		struct json_object *f;
		if (doc && json_object_object_get_ex(doc, "output_fields", &f) && json_object_is_type(f, json_type_object)) {
			size_t nk = (size_t)json_object_object_length(f), i = 0;
			const char **keys = xcalloc(nk ? nk : 1, sizeof(char *));
			json_object_object_foreach(f, k, val)
			{
				/* falcosidekick lists string fields only */
				if (val && json_object_is_type(val, json_type_string))
					keys[i++] = k;
			}
			qsort(keys, i, sizeof(*keys), cmp_cstr);
			for (size_t j = 0; j < i; j++) {
				const char *sv = json_object_get_string(json_object_object_get(f, keys[j]));
				slack_field(out, &first, keys[j], sv, utf8_runes(sv) < 36);
			}
			free(keys);
		}
		strbuf_reset(&tmp);
		go_time(&tmp, m->ts);
		slack_field(out, &first, "time", tmp.buf, false);
		strbuf_addc(out, ']');
	}
	if ((v = ch_str(c, "footer")) && *v) {
		strbuf_adds(out, ",\"footer\":");
		jstr(out, v);
	}
	strbuf_adds(out, "}]}");
	if (doc)
		json_object_put(doc);
	strbuf_fini(&tmp);
	strbuf_fini(&output);
}

static int slack_init(struct channel *c, struct diag_list *dl)
{
	if (need_url(c, dl))
		return -EINVAL;
	struct slack *s = xcalloc(1, sizeof(*s));
	c->priv = s;
	c->json = true;
	s->url = xstrdup(ch_str(c, "url"));
	const char *f = ch_str(c, "output_format");
	s->mode = !strcmp(f, "text") ? 1 : !strcmp(f, "fields") ? 2 : 0;
	return 0;
}

static int slack_open(struct channel *c, char *err, size_t errlen)
{
	struct slack *s = c->priv;
	(void)err;
	(void)errlen;
	if (!s->h)
		s->h = http_client__new(c);
	return 0;
}

static int slack_send(struct channel *c, struct out_item *it, size_t n, struct send_result *r)
{
	struct slack *s = c->priv;
	for (size_t i = 0; i < n; i++) {
		struct http_req q = { s->url, NULL, it[i].payload.buf, it[i].payload.len, "application/json", NULL };
		struct http_resp resp;
		resp_init(&resp);
		int rc = http_client__do(s->h, &q, &resp, r);
		settle(&it[i], 1, &q, &resp, rc, r);
		strbuf_fini(&resp.body);
		if (rc)
			return -1;
		if (it[i].status == OUT_RETRY)
			break; /* rate limited: keep the order, wait */
	}
	return 0;
}

static void slack_fini(struct channel *c)
{
	struct slack *s = c->priv;
	http_client__free(s->h);
	free(s->url);
	free(s);
	c->priv = NULL;
}

const struct backend out_slack = {
	.type = "slack",
	.keys = slack_keys,
	.init = slack_init,
	.open = slack_open,
	.format = slack_format,
	.send = slack_send,
	.fini = slack_fini,
};

/* ===== Elasticsearch / OpenSearch ===== */

struct es {
	struct http_client *h;
	char *url;		/* without a trailing '/' */
	char *index;
	int suffix;		/* 0 none, 1 daily, 2 monthly, 3 annually */
	bool event_date;	/* index date from the event time (else now) */
	bool bulk, flatten;
	char *pipeline;
	char *auth;		/* "Authorization: ..." */
};

static const struct okey es_keys[] = {
	HTTP_KEYS(NULL),
	{ "index", K_STR, "falco", NULL },
	{ "suffix", K_ENUM, "daily", "daily|monthly|annually|none" },
	{ "index_date", K_ENUM, "event", "event|now" },
	{ "pipeline", K_STR, NULL, NULL },
	{ "api_key", K_STR, NULL, NULL },
	{ "username", K_STR, NULL, NULL },
	{ "password", K_STR, NULL, NULL },
	{ "flatten_fields", K_BOOL, "false", NULL },
	{ "bulk", K_BOOL, "true", NULL },
	{ NULL, 0, NULL, NULL },
};

static void es_index(const struct es *e, const struct amsg *m, struct strbuf *out)
{
	strbuf_adds(out, e->index);
	if (!e->suffix)
		return;
	time_t secs = e->event_date ? (time_t)(m->ts / 1000000000ull) : time(NULL);
	struct tm tm;
	char buf[32];
	gmtime_r(&secs, &tm);
	strftime(buf, sizeof(buf), e->suffix == 1 ? "-%Y.%m.%d" : e->suffix == 2 ? "-%Y.%m" : "-%Y", &tm);
	strbuf_adds(out, buf);
}

/* The document: "@timestamp" then the JSON (dots in output field names
 * turned into '_' with flatten_fields). */
static void es_doc(struct channel *c, struct amsg *m, struct strbuf *out)
{
	struct es *e = c->priv;
	struct strbuf doc;
	strbuf_init(&doc);
	if (e->flatten) {
		struct json_object *d = pl_parse(c, m), *f;
		if (d && json_object_object_get_ex(d, "output_fields", &f) && json_object_is_type(f, json_type_object)) {
			struct json_object *nf = json_object_new_object();
			json_object_object_foreach(f, k, v)
			{
				char *nk = xstrdup(k);
				for (char *p = nk; *p; p++)
					if (*p == '.')
						*p = '_';
				json_object_object_add(nf, nk, json_object_get(v));
				free(nk);
			}
			json_object_object_add(d, "output_fields", nf);
		}
		if (d) {
			pl_write_json(&doc, d);
			json_object_put(d);
		}
	}
	if (!doc.len)
		pl_json(c, m, &doc);
	strbuf_adds(out, "{\"@timestamp\":\"");
	pl_time(out, m->ts, 9);
	strbuf_adds(out, "\",");
	strbuf_add(out, doc.buf + 1, doc.len - 1);
	strbuf_fini(&doc);
}

static void es_format(struct channel *c, struct amsg *m, struct strbuf *out)
{
	struct es *e = c->priv;
	if (e->bulk) {
		strbuf_adds(out, "{\"create\":{\"_index\":\"");
		es_index(e, m, out);
		strbuf_adds(out, "\"}}\n");
		es_doc(c, m, out);
		strbuf_addc(out, '\n');
		return;
	}
	es_doc(c, m, out);
}

static int es_init(struct channel *c, struct diag_list *dl)
{
	if (need_url(c, dl))
		return -EINVAL;
	struct es *e = xcalloc(1, sizeof(*e));
	c->priv = e;
	c->json = true;
	e->url = xstrdup(ch_str(c, "url"));
	size_t l = strlen(e->url);
	while (l && e->url[l - 1] == '/')
		e->url[--l] = 0;
	e->index = xstrdup(ch_str(c, "index"));
	const char *s = ch_str(c, "suffix");
	e->suffix = !strcmp(s, "daily") ? 1 : !strcmp(s, "monthly") ? 2 : !strcmp(s, "annually") ? 3 : 0;
	e->event_date = !strcmp(ch_str(c, "index_date"), "event");
	e->bulk = ch_bool(c, "bulk");
	e->flatten = ch_bool(c, "flatten_fields");
	if (ch_str(c, "pipeline"))
		e->pipeline = xstrdup(ch_str(c, "pipeline"));
	const char *key = ch_str(c, "api_key"), *user = ch_str(c, "username"), *pass = ch_str(c, "password");
	if (key && *key) {
		size_t n = strlen(key) + 40;
		e->auth = xmalloc(n);
		snprintf(e->auth, n, "Authorization: ApiKey %s", key);
	} else if (user && *user) {
		/* Basic: base64(user:pass) */
		static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		struct strbuf in, out;
		strbuf_init(&in);
		strbuf_init(&out);
		strbuf_addf(&in, "%s:%s", user, pass ? pass : "");
		strbuf_adds(&out, "Authorization: Basic ");
		const unsigned char *p = (const unsigned char *)in.buf;
		for (size_t i = 0; i < in.len; i += 3) {
			uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < in.len ? (uint32_t)p[i + 1] << 8 : 0) |
				     (i + 2 < in.len ? p[i + 2] : 0);
			strbuf_addc(&out, b64[(v >> 18) & 63]);
			strbuf_addc(&out, b64[(v >> 12) & 63]);
			strbuf_addc(&out, i + 1 < in.len ? b64[(v >> 6) & 63] : '=');
			strbuf_addc(&out, i + 2 < in.len ? b64[v & 63] : '=');
		}
		e->auth = strbuf_detach(&out);
		strbuf_fini(&in);
	}
	if (!ch_kv(c, "batch.size"))
		c->max_batch = e->bulk ? 100 : 1;
	if (!e->bulk)
		c->max_batch = 1;
	return 0;
}

static int es_open(struct channel *c, char *err, size_t errlen)
{
	struct es *e = c->priv;
	(void)err;
	(void)errlen;
	if (!e->h)
		e->h = http_client__new(c);
	return 0;
}

static int es_send(struct channel *c, struct out_item *it, size_t n, struct send_result *r)
{
	struct es *e = c->priv;
	struct strbuf url, body;
	const char *hdrs[2] = { e->auth, NULL };
	int ret = 0;
	strbuf_init(&url);
	strbuf_init(&body);
	if (e->bulk) {
		strbuf_addf(&url, "%s/_bulk", e->url);
		for (size_t i = 0; i < n; i++)
			strbuf_add(&body, it[i].payload.buf, it[i].payload.len);
	} else {
		strbuf_addf(&url, "%s/", e->url);
		es_index(e, it[0].m, &url);
		strbuf_adds(&url, "/_doc");
		strbuf_add(&body, it[0].payload.buf, it[0].payload.len);
		n = 1;
	}
	if (e->pipeline)
		strbuf_addf(&url, "?pipeline=%s", e->pipeline);
	struct http_req q = { url.buf, "POST", body.buf, body.len, e->bulk ? "application/x-ndjson" : "application/json",
			      hdrs };
	struct http_resp resp;
	resp_init(&resp);
	int rc = http_client__do(e->h, &q, &resp, r);
	ret = settle(it, n, &q, &resp, rc, r);
	if (!rc && e->bulk && http_status_class(resp.status) == OUT_OK) {
		/* per-item results: 2xx delivered, 429 retried, the rest failed */
		struct json_object *doc = json_tokener_parse(resp.body.buf), *items, *errors;
		if (!doc || !json_object_object_get_ex(doc, "items", &items) ||
		    json_object_array_length(items) != n) {
			for (size_t i = 0; i < n; i++)
				it[i].status = OUT_RETRY;
			snprintf(r->err, sizeof(r->err), "%s: a bulk answer without one item per document", url.buf);
		} else if (json_object_object_get_ex(doc, "errors", &errors) && json_object_get_boolean(errors)) {
			for (size_t i = 0; i < n; i++) {
				struct json_object *item = json_object_array_get_idx(items, i), *act = NULL, *st, *er;
				json_object_object_foreach(item, k, v)
				{
					(void)k;
					act = v;
					break;
				}
				long status = act && json_object_object_get_ex(act, "status", &st) ? json_object_get_int(st) : 0;
				it[i].status = http_status_class(status);
				if (it[i].status != OUT_OK && act && json_object_object_get_ex(act, "error", &er))
					snprintf(r->err, sizeof(r->err), "%s: item %zu: %d %s", url.buf, i, (int)status,
						 json_object_to_json_string_ext(er, JSON_C_TO_STRING_PLAIN));
			}
		}
		if (doc)
			json_object_put(doc);
	}
	strbuf_fini(&resp.body);
	strbuf_fini(&url);
	strbuf_fini(&body);
	return ret;
}

static void es_fini(struct channel *c)
{
	struct es *e = c->priv;
	http_client__free(e->h);
	free(e->url);
	free(e->index);
	free(e->pipeline);
	free(e->auth);
	free(e);
	c->priv = NULL;
}

const struct backend out_elasticsearch = {
	.type = "elasticsearch",
	.keys = es_keys,
	.max_batch = 100,
	.init = es_init,
	.open = es_open,
	.format = es_format,
	.send = es_send,
	.fini = es_fini,
};

const struct backend out_opensearch = {
	.type = "opensearch",
	.keys = es_keys,
	.max_batch = 100,
	.init = es_init,
	.open = es_open,
	.format = es_format,
	.send = es_send,
	.fini = es_fini,
};

/* ===== Loki ===== */

struct loki {
	struct http_client *h;
	char *url;
	char *auth, *tenant;
};

static const struct okey loki_keys[] = {
	HTTP_KEYS(NULL),
	{ "endpoint", K_STR, "/loki/api/v1/push", NULL },
	{ "tenant", K_STR, NULL, NULL },
	{ "user", K_STR, NULL, NULL },
	{ "api_key", K_STR, NULL, NULL },
	{ "labels", K_MAP, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};

static int loki_init(struct channel *c, struct diag_list *dl)
{
	if (need_url(c, dl))
		return -EINVAL;
	struct loki *l = xcalloc(1, sizeof(*l));
	c->priv = l;
	if (!ch_kv(c, "format"))
		c->json = false;
	struct strbuf u;
	strbuf_init(&u);
	strbuf_adds(&u, ch_str(c, "url"));
	while (u.len && u.buf[u.len - 1] == '/')
		strbuf_truncate(&u, u.len - 1);
	strbuf_adds(&u, ch_str(c, "endpoint"));
	l->url = strbuf_detach(&u);
	const char *t = ch_str(c, "tenant");
	if (t && *t) {
		size_t n = strlen(t) + 32;
		l->tenant = xmalloc(n);
		snprintf(l->tenant, n, "X-Scope-OrgID: %s", t);
	}
	const char *user = ch_str(c, "user"), *key = ch_str(c, "api_key");
	if (user && *user && key && *key) {
		l->auth = xmalloc(strlen(user) + strlen(key) + 2);
		sprintf(l->auth, "%s:%s", user, key);
	}
	if (!ch_kv(c, "batch.size"))
		c->max_batch = 100;
	return 0;
}

static int loki_open(struct channel *c, char *err, size_t errlen)
{
	struct loki *l = c->priv;
	(void)err;
	(void)errlen;
	if (!l->h)
		l->h = http_client__new(c);
	return 0;
}

/* A label name: [a-zA-Z_][a-zA-Z0-9_]*, other characters become '_'. */
static void label_name(char *s)
{
	char *w = s;
	for (char *p = s; *p; p++) {
		if (*p == '[' || *p == ']')
			continue;
		*w++ = (isalnum((unsigned char)*p) || *p == '_') ? *p : '_';
	}
	*w = 0;
	if (isdigit((unsigned char)s[0]))
		s[0] = '_';
}

static void label_add(struct json_object *labels, const char *name, const char *value)
{
	char n[256];
	snprintf(n, sizeof(n), "%s", name);
	label_name(n);
	if (!n[0])
		return;
	struct strbuf v;
	strbuf_init(&v);
	for (const char *p = value; *p; p++)
		if (*p != '"')
			strbuf_addc(&v, *p);
	json_object_object_add(labels, n, json_object_new_string(v.buf));
	strbuf_fini(&v);
}

struct label_ud {
	struct json_object *labels;
};

static void static_label(void *ud, const char *k, const char *v)
{
	label_add(((struct label_ud *)ud)->labels, k, v);
}

/* The labels of one alert: bounded (no uuid, no pids). */
static struct json_object *loki_labels(struct channel *c, struct amsg *m)
{
	struct json_object *labels = json_object_new_object(), *doc = pl_parse(c, m);
	struct strbuf tmp;
	strbuf_init(&tmp);
	label_add(labels, "rule", m->rule);
	label_add(labels, "source", m->source);
	label_add(labels, "priority", priority_name(m->prio));
	if (m->hostname && *m->hostname)
		label_add(labels, "hostname", m->hostname);
	if (m->ntags)
		label_add(labels, "tags", pl_tagsjoin(m, ",", &tmp));
	const char *v;
	if ((v = pl_field_str(doc, "k8s.ns.name")))
		label_add(labels, "k8s_ns_name", v);
	if ((v = pl_field_str(doc, "k8s.pod.name")))
		label_add(labels, "k8s_pod_name", v);
	for (size_t i = 0; i < c->nfields; i++) {
		const char *fv = c->fvals[i][0] == '%' ? pl_field_str(doc, c->fvals[i] + 1) : c->fvals[i];
		if (fv)
			label_add(labels, c->fkeys[i], fv);
	}
	struct label_ud ud = { labels };
	ch_map(c, "labels", static_label, &ud);
	if (doc)
		json_object_put(doc);
	strbuf_fini(&tmp);
	return labels;
}

struct loki_val {
	uint64_t ts;
	size_t idx;
};

static int cmp_val(const void *a, const void *b)
{
	const struct loki_val *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int loki_send(struct channel *c, struct out_item *it, size_t n, struct send_result *r)
{
	struct loki *l = c->priv;
	/* group by label set: one stream each, values in time order */
	struct strbuf *keys = xcalloc(n, sizeof(*keys));
	size_t *stream = xcalloc(n, sizeof(*stream)), nstreams = 0;
	size_t *first = xcalloc(n, sizeof(*first));
	for (size_t i = 0; i < n; i++) {
		struct json_object *lab = loki_labels(c, it[i].m);
		strbuf_init(&keys[i]);
		pl_write_json(&keys[i], lab);
		json_object_put(lab);
		size_t s;
		for (s = 0; s < nstreams; s++)
			if (!strcmp(keys[first[s]].buf, keys[i].buf))
				break;
		if (s == nstreams)
			first[nstreams++] = i;
		stream[i] = s;
	}
	struct strbuf body;
	strbuf_init(&body);
	strbuf_adds(&body, "{\"streams\":[");
	struct loki_val *vals = xcalloc(n, sizeof(*vals));
	for (size_t s = 0; s < nstreams; s++) {
		size_t nv = 0;
		for (size_t i = 0; i < n; i++)
			if (stream[i] == s)
				vals[nv++] = (struct loki_val){ it[i].m->ts, i };
		qsort(vals, nv, sizeof(*vals), cmp_val);
		strbuf_adds(&body, s ? ",{\"stream\":" : "{\"stream\":");
		strbuf_add(&body, keys[first[s]].buf, keys[first[s]].len);
		strbuf_adds(&body, ",\"values\":[");
		for (size_t v = 0; v < nv; v++) {
			struct out_item *x = &it[vals[v].idx];
			strbuf_addf(&body, "%s[\"%" PRIu64 "\",\"", v ? "," : "", x->m->ts);
			json_escape(&body, x->payload.buf, x->payload.len);
			strbuf_adds(&body, "\"]");
		}
		strbuf_adds(&body, "]}");
	}
	strbuf_adds(&body, "]}");
	const char *hdrs[3] = { NULL, NULL, NULL };
	size_t nh = 0;
	if (l->tenant)
		hdrs[nh++] = l->tenant;
	struct strbuf basic;
	strbuf_init(&basic);
	if (l->auth) {
		static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const unsigned char *p = (const unsigned char *)l->auth;
		size_t len = strlen(l->auth);
		strbuf_adds(&basic, "Authorization: Basic ");
		for (size_t i = 0; i < len; i += 3) {
			uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0) |
				     (i + 2 < len ? p[i + 2] : 0);
			strbuf_addc(&basic, b64[(v >> 18) & 63]);
			strbuf_addc(&basic, b64[(v >> 12) & 63]);
			strbuf_addc(&basic, i + 1 < len ? b64[(v >> 6) & 63] : '=');
			strbuf_addc(&basic, i + 2 < len ? b64[v & 63] : '=');
		}
		hdrs[nh++] = basic.buf;
	}
	struct http_req q = { l->url, "POST", body.buf, body.len, "application/json", hdrs };
	struct http_resp resp;
	resp_init(&resp);
	int rc = http_client__do(l->h, &q, &resp, r);
	int ret = settle(it, n, &q, &resp, rc, r);
	strbuf_fini(&resp.body);
	strbuf_fini(&basic);
	strbuf_fini(&body);
	for (size_t i = 0; i < n; i++)
		strbuf_fini(&keys[i]);
	free(keys);
	free(stream);
	free(first);
	free(vals);
	return ret;
}

static void loki_fini(struct channel *c)
{
	struct loki *l = c->priv;
	http_client__free(l->h);
	free(l->url);
	free(l->auth);
	free(l->tenant);
	free(l);
	c->priv = NULL;
}

const struct backend out_loki = {
	.type = "loki",
	.keys = loki_keys,
	.max_batch = 100,
	.init = loki_init,
	.open = loki_open,
	.send = loki_send,
	.fini = loki_fini,
};
