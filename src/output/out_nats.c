/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_nats.c - NATS through libnats (cnats): one connection per output,
 * kept open; each alert's JSON document is published on a subject made
 * from a template (falcosidekick's default "falco.<priority>.<rule>":
 * lower case, runs of other characters as '_'), then the batch is flushed
 * with a PING round trip so the server has taken every message.
 */
#include <ctype.h>
#include <errno.h>
#include <nats/nats.h>
#include <stdlib.h>
#include <string.h>
#include "common/xalloc.h"
#include "output/channel.h"
#include "rules/ruleset.h"

struct nats {
	natsConnection *nc;
	char *subject;
};

static const struct okey nats_keys[] = {
	{ "url", K_URL, NULL, "nats|tls" },
	{ "subject", K_STR, "falco.<priority>.<rule>", NULL },
	{ "user", K_STR, NULL, NULL },
	{ "password", K_STR, NULL, NULL },
	{ "token", K_STR, NULL, NULL },
	{ "ca_cert", K_FILE, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};

static int nats_init(struct channel *c, struct diag_list *dl)
{
	struct nats *n = xcalloc(1, sizeof(*n));
	c->priv = n;
	if (!ch_kv(c, "format"))
		c->json = true;
	if (!ch_str(c, "url") || !*ch_str(c, "url")) {
		ch_error(c, dl, "url", "a nats output needs 'url' (nats://host:4222)");
		return -EINVAL;
	}
	n->subject = xstrdup(ch_str(c, "subject"));
	if (!ch_kv(c, "batch.size"))
		c->max_batch = 100;
	return 0;
}

/* lower case, each run of [^a-z0-9] as one '_', no '_' at either end */
static void slug(struct strbuf *out, const char *s)
{
	size_t start = out->len;
	bool under = false;
	for (; *s; s++) {
		char ch = (char)tolower((unsigned char)*s);
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
			if (under && out->len > start)
				strbuf_addc(out, '_');
			under = false;
			strbuf_addc(out, ch);
		} else {
			under = true;
		}
	}
}

static void subject(const struct nats *n, const struct amsg *m, struct strbuf *out)
{
	for (const char *p = n->subject; *p;) {
		if (!strncmp(p, "<priority>", 10)) {
			slug(out, priority_name(m->prio));
			p += 10;
		} else if (!strncmp(p, "<rule>", 6)) {
			slug(out, m->rule);
			p += 6;
		} else if (!strncmp(p, "<source>", 8)) {
			slug(out, m->source);
			p += 8;
		} else {
			strbuf_addc(out, *p++);
		}
	}
}

static void nats_close(struct channel *c)
{
	struct nats *n = c->priv;
	if (n->nc) {
		natsConnection_Destroy(n->nc);
		n->nc = NULL;
	}
}

static int nats_open(struct channel *c, char *err, size_t errlen)
{
	struct nats *n = c->priv;
	natsOptions *o = NULL;
	natsStatus s = natsOptions_Create(&o);
	if (s == NATS_OK)
		s = natsOptions_SetURL(o, ch_str(c, "url"));
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(o, (int64_t)(c->timeout_ms ?: 10000));
	if (s == NATS_OK)
		s = natsOptions_SetAllowReconnect(o, false); /* the worker reconnects, with backoff */
	if (s == NATS_OK && ch_str(c, "user"))
		s = natsOptions_SetUserInfo(o, ch_str(c, "user"), ch_str(c, "password"));
	if (s == NATS_OK && ch_str(c, "token"))
		s = natsOptions_SetToken(o, ch_str(c, "token"));
	if (s == NATS_OK && ch_str(c, "ca_cert") && *ch_str(c, "ca_cert"))
		s = natsOptions_LoadCATrustedCertificates(o, ch_str(c, "ca_cert"));
	if (s == NATS_OK)
		s = natsConnection_Connect(&n->nc, o);
	natsOptions_Destroy(o);
	if (s != NATS_OK) {
		snprintf(err, errlen, "connect %s: %s", ch_str(c, "url"), natsStatus_GetText(s));
		n->nc = NULL;
		return -ECONNREFUSED;
	}
	return 0;
}

static int nats_send(struct channel *c, struct out_item *it, size_t cnt, struct send_result *r)
{
	struct nats *n = c->priv;
	struct strbuf subj;
	strbuf_init(&subj);
	for (size_t i = 0; i < cnt; i++) {
		strbuf_reset(&subj);
		subject(n, it[i].m, &subj);
		natsStatus s = natsConnection_Publish(n->nc, subj.buf, it[i].payload.buf, (int)it[i].payload.len);
		if (s != NATS_OK) {
			snprintf(r->err, sizeof(r->err), "publish %s: %s", subj.buf, natsStatus_GetText(s));
			strbuf_fini(&subj);
			return -1;
		}
	}
	strbuf_fini(&subj);
	natsStatus s = natsConnection_FlushTimeout(n->nc, (int64_t)(c->timeout_ms ?: 10000));
	if (s != NATS_OK) {
		snprintf(r->err, sizeof(r->err), "flush: %s", natsStatus_GetText(s));
		return -1;
	}
	for (size_t i = 0; i < cnt; i++)
		it[i].status = OUT_OK;
	return 0;
}

static void nats_fini(struct channel *c)
{
	struct nats *n = c->priv;
	nats_close(c);
	free(n->subject);
	free(n);
	c->priv = NULL;
}

const struct backend out_nats = {
	.type = "nats",
	.keys = nats_keys,
	.max_batch = 100,
	.init = nats_init,
	.open = nats_open,
	.close = nats_close,
	.send = nats_send,
	.fini = nats_fini,
};
