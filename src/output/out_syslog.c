/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_syslog.c - syslog: local (syslog(3) to /dev/log, as Falco's
 * syslog_output: facility user, severity = the rule's priority), or remote
 * in RFC 5424 over UDP (one datagram per alert), TCP (RFC 6587 octet
 * counting, or LF framing) and TLS (RFC 5425, OpenSSL). The message is the
 * alert's text line, its JSON document, or CEF with proper escaping.
 *
 *   <PRI>1 2026-01-01T00:00:00.001000Z host vigil 4242 - [vigil@32473
 *   rule="..." priority="Warning" source="syscall" uuid="..."] MSG
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>
#include "common/xalloc.h"
#include "output/channel.h"
#include "rules/ruleset.h"

enum { SL_LOCAL, SL_UDP, SL_TCP, SL_TLS };

struct slog {
	int mode;
	int facility;
	bool lf;		/* TCP/TLS framing: LF instead of octet counting */
	bool cef;
	char *host, *port, *app;
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
};

static const struct okey syslog_keys[] = {
	{ "mode", K_ENUM, "local", "local|udp|tcp|tls" },
	{ "address", K_HOSTPORT, NULL, NULL },
	{ "facility", K_ENUM, "user", "kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local0|local1|local2|local3|local4|local5|local6|local7" },
	{ "framing", K_ENUM, "octet_counting", "octet_counting|lf" },
	{ "message", K_ENUM, NULL, "text|json|cef" },
	{ "app_name", K_STR, "vigil", NULL },
	{ "ca_cert", K_FILE, NULL, NULL },
	{ "client_cert", K_FILE, NULL, NULL },
	{ "client_key", K_FILE, NULL, NULL },
	{ "insecure", K_BOOL, "false", NULL },
	{ NULL, 0, NULL, NULL },
};

static int facility_code(const char *f)
{
	static const char *const names[] = { "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
					     "uucp", "cron", "authpriv", "ftp" };
	for (int i = 0; i < 12; i++)
		if (!strcmp(names[i], f))
			return i;
	if (!strncmp(f, "local", 5))
		return 16 + (f[5] - '0');
	return 1;
}

static int syslog_init(struct channel *c, struct diag_list *dl)
{
	struct slog *s = xcalloc(1, sizeof(*s));
	c->priv = s;
	s->fd = -1;
	const char *mode = ch_str(c, "mode");
	s->mode = !strcmp(mode, "udp") ? SL_UDP : !strcmp(mode, "tcp") ? SL_TCP : !strcmp(mode, "tls") ? SL_TLS : SL_LOCAL;
	s->facility = facility_code(ch_str(c, "facility"));
	s->lf = !strcmp(ch_str(c, "framing"), "lf");
	s->app = xstrdup(ch_str(c, "app_name"));
	const char *msg = ch_str(c, "message");
	if (msg) {
		s->cef = !strcmp(msg, "cef");
		c->json = !strcmp(msg, "json");
	}
	c->falco_json = s->mode == SL_LOCAL;
	if (s->mode != SL_LOCAL) {
		const char *a = ch_str(c, "address");
		if (!a) {
			ch_error(c, dl, "mode", "syslog mode %s needs 'address' (host:port)", mode);
			return -EINVAL;
		}
		const char *colon = strrchr(a, ':');
		s->host = xstrndup(a, (size_t)(colon - a));
		if (s->host[0] == '[') {
			memmove(s->host, s->host + 1, strlen(s->host));
			s->host[strcspn(s->host, "]")] = 0;
		}
		s->port = xstrdup(colon + 1);
	}
	return 0;
}

static void sl_disconnect(struct slog *s)
{
	if (s->ssl) {
		SSL_free(s->ssl);
		s->ssl = NULL;
	}
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
}

static int syslog_open(struct channel *c, char *err, size_t errlen)
{
	struct slog *s = c->priv;
	if (s->mode == SL_LOCAL) {
		openlog(s->app, LOG_NDELAY, s->facility << 3);
		return 0;
	}
	struct addrinfo hints = { .ai_socktype = s->mode == SL_UDP ? SOCK_DGRAM : SOCK_STREAM }, *ai;
	int rc = getaddrinfo(s->host, s->port, &hints, &ai);
	if (rc) {
		snprintf(err, errlen, "%s:%s: %s", s->host, s->port, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		freeaddrinfo(ai);
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -errno;
	}
	rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (rc && errno == EINPROGRESS) {
		struct pollfd p = { fd, POLLOUT, 0 };
		int soerr = 0;
		socklen_t l = sizeof(soerr);
		if (poll(&p, 1, (int)(c->timeout_ms ?: 10000)) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &l) || soerr) {
			snprintf(err, errlen, "connect %s:%s: %s", s->host, s->port, strerror(soerr ? soerr : ETIMEDOUT));
			close(fd);
			return -ECONNREFUSED;
		}
		rc = 0;
	}
	if (rc) {
		snprintf(err, errlen, "connect %s:%s: %s", s->host, s->port, strerror(errno));
		close(fd);
		return -errno;
	}
	/* blocking from here, bounded by SO_SNDTIMEO */
	struct timeval tv = { (time_t)((c->timeout_ms ?: 10000) / 1000), (suseconds_t)((c->timeout_ms ?: 10000) % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	s->fd = fd;
	if (s->mode != SL_TLS)
		return 0;
	if (!s->ctx) {
		s->ctx = SSL_CTX_new(TLS_client_method());
		SSL_CTX_set_min_proto_version(s->ctx, TLS1_2_VERSION);
		const char *ca = ch_str(c, "ca_cert");
		if (ca && *ca)
			SSL_CTX_load_verify_locations(s->ctx, ca, NULL);
		else
			SSL_CTX_set_default_verify_paths(s->ctx);
		SSL_CTX_set_verify(s->ctx, ch_bool(c, "insecure") ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
		const char *cc = ch_str(c, "client_cert"), *ck = ch_str(c, "client_key");
		if (cc && *cc && (SSL_CTX_use_certificate_chain_file(s->ctx, cc) != 1 ||
				  SSL_CTX_use_PrivateKey_file(s->ctx, ck && *ck ? ck : cc, SSL_FILETYPE_PEM) != 1)) {
			snprintf(err, errlen, "TLS client certificate: %s", ERR_reason_error_string(ERR_get_error()));
			sl_disconnect(s);
			return -EINVAL;
		}
	}
	s->ssl = SSL_new(s->ctx);
	SSL_set_fd(s->ssl, fd);
	SSL_set_tlsext_host_name(s->ssl, s->host);
	if (!ch_bool(c, "insecure"))
		SSL_set1_host(s->ssl, s->host);
	if (SSL_connect(s->ssl) != 1) {
		unsigned long e = ERR_get_error();
		snprintf(err, errlen, "TLS handshake with %s:%s: %s", s->host, s->port,
			 e ? ERR_reason_error_string(e) : "failed");
		sl_disconnect(s);
		return -ECONNREFUSED;
	}
	return 0;
}

static void syslog_close(struct channel *c)
{
	struct slog *s = c->priv;
	if (s->mode == SL_LOCAL)
		closelog();
	sl_disconnect(s);
}

/* CEF: '\' and '|' escaped in the header, '\', '=' and newlines in values. */
static void cef_hdr(struct strbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '|')
			strbuf_addc(b, '\\');
		strbuf_addc(b, *s);
	}
}

static void cef_val(struct strbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n') {
			strbuf_adds(b, "\\n");
			continue;
		}
		if (*s == '\r') {
			strbuf_adds(b, "\\r");
			continue;
		}
		if (*s == '\\' || *s == '=')
			strbuf_addc(b, '\\');
		strbuf_addc(b, *s);
	}
}

static void cef_msg(struct channel *c, struct amsg *m, struct strbuf *out)
{
	static const int sev[8] = { 10, 9, 8, 7, 6, 4, 3, 0 };
	struct json_object *doc = pl_parse(c, m);
	struct strbuf t;
	strbuf_init(&t);
	strbuf_adds(out, "CEF:0|Falcosecurity|vigil|" VIGIL_VERSION "|Falco Event|");
	cef_hdr(out, m->rule);
	strbuf_addf(out, "|%d|uuid=%s start=", sev[m->prio & 7], m->uuid);
	pl_time(out, m->ts, 9);
	strbuf_adds(out, " msg=");
	struct json_object *o;
	if (doc && json_object_object_get_ex(doc, "output", &o))
		cef_val(out, json_object_get_string(o));
	else
		cef_val(out, m->text);
	strbuf_adds(out, " source=");
	cef_val(out, m->source);
	strbuf_adds(out, " hostname=");
	cef_val(out, m->hostname);
	strbuf_adds(out, " outputfields=");
	struct json_object *f;
	if (doc && json_object_object_get_ex(doc, "output_fields", &f) && json_object_is_type(f, json_type_object)) {
		bool first = true;
		json_object_object_foreach(f, k, v)
		{
			strbuf_reset(&t);
			strbuf_addf(&t, "%s%s:%s", first ? "" : " ", k, v ? json_object_get_string(v) : "<NA>");
			cef_val(out, t.buf);
			first = false;
		}
	}
	strbuf_adds(out, " tags=");
	cef_val(out, pl_tagsjoin(m, ",", &t));
	if (doc)
		json_object_put(doc);
	strbuf_fini(&t);
}

/* An SD-PARAM value: '"', '\' and ']' escaped (RFC 5424 6.3.3). */
static void sd_val(struct strbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\' || *s == ']')
			strbuf_addc(b, '\\');
		strbuf_addc(b, *s);
	}
}

static void syslog_format(struct channel *c, struct amsg *m, struct strbuf *out)
{
	struct slog *s = c->priv;
	struct strbuf msg;
	strbuf_init(&msg);
	if (s->cef)
		cef_msg(c, m, &msg);
	else
		pl_default(c, m, &msg);
	if (s->mode == SL_LOCAL) {
		strbuf_add(out, msg.buf, msg.len);
		strbuf_fini(&msg);
		return;
	}
	char host[256];
	snprintf(host, sizeof(host), "%s", m->hostname && *m->hostname ? m->hostname : "-");
	for (char *p = host; *p; p++)
		if (*p <= ' ' || *p > '~')
			*p = '_';
	strbuf_addf(out, "<%d>1 ", s->facility * 8 + (m->prio & 7));
	/* RFC 5424 allows 6 fractional digits */
	pl_time(out, m->ts, 6);
	strbuf_addf(out, " %.255s %.48s %d - [vigil@32473 rule=\"", host, s->app, (int)getpid());
	sd_val(out, m->rule);
	strbuf_addf(out, "\" priority=\"%s\" source=\"", priority_name(m->prio));
	sd_val(out, m->source);
	strbuf_addf(out, "\" uuid=\"%s\"] ", m->uuid);
	strbuf_add(out, msg.buf, msg.len);
	strbuf_fini(&msg);
}

static int write_all(struct slog *s, const char *p, size_t n)
{
	while (n) {
		ssize_t w;
		if (s->ssl) {
			int r = SSL_write(s->ssl, p, (int)n);
			w = r > 0 ? r : -1;
		} else {
			w = send(s->fd, p, n, MSG_NOSIGNAL);
		}
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int syslog_send(struct channel *c, struct out_item *it, size_t n, struct send_result *r)
{
	struct slog *s = c->priv;
	struct strbuf frame;
	strbuf_init(&frame);
	for (size_t i = 0; i < n; i++) {
		if (s->mode == SL_LOCAL) {
			syslog((s->facility << 3) | (it[i].m->prio & 7), "%s", it[i].payload.buf);
			it[i].status = OUT_OK;
			continue;
		}
		if (s->mode == SL_UDP) {
			if (send(s->fd, it[i].payload.buf, it[i].payload.len, MSG_NOSIGNAL) < 0) {
				snprintf(r->err, sizeof(r->err), "send to %s:%s: %s", s->host, s->port, strerror(errno));
				strbuf_fini(&frame);
				return -1;
			}
			it[i].status = OUT_OK;
			continue;
		}
		strbuf_reset(&frame);
		if (s->lf) {
			strbuf_add(&frame, it[i].payload.buf, it[i].payload.len);
			strbuf_addc(&frame, '\n');
		} else {
			strbuf_addf(&frame, "%zu ", it[i].payload.len);
			strbuf_add(&frame, it[i].payload.buf, it[i].payload.len);
		}
		if (write_all(s, frame.buf, frame.len)) {
			snprintf(r->err, sizeof(r->err), "write to %s:%s: %s", s->host, s->port, strerror(errno));
			strbuf_fini(&frame);
			return -1;
		}
		it[i].status = OUT_OK;
	}
	strbuf_fini(&frame);
	return 0;
}

static void syslog_fini(struct channel *c)
{
	struct slog *s = c->priv;
	sl_disconnect(s);
	if (s->ctx)
		SSL_CTX_free(s->ctx);
	free(s->host);
	free(s->port);
	free(s->app);
	free(s);
	c->priv = NULL;
}

const struct backend out_syslog = {
	.type = "syslog",
	.keys = syslog_keys,
	.init = syslog_init,
	.open = syslog_open,
	.close = syslog_close,
	.format = syslog_format,
	.send = syslog_send,
	.fini = syslog_fini,
};
