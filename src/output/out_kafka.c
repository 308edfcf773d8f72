/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_kafka.c - Kafka through librdkafka: a producer per output with
 * acks=all and idempotence by default, the alert's JSON document as the
 * value and a key (the hostname by default, so one host's alerts keep their
 * order in one partition). A batch is produced, then polled until every
 * delivery report is in: delivered, retried (timed out, brokers down) or
 * failed (a permanent error such as a message too large).
 */
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>
#include "common/xalloc.h"
#include "output/channel.h"

struct kafka {
	rd_kafka_t *rk;
	char *topic;
	int key;		/* 0 hostname, 1 rule, 2 uuid, 3 none */
	size_t outstanding;
};

static const struct okey kafka_keys[] = {
	{ "brokers", K_LIST, NULL, NULL },
	{ "topic", K_STR, "falco", NULL },
	{ "key", K_ENUM, "hostname", "hostname|rule|uuid|none" },
	{ "acks", K_ENUM, "all", "all|1|0" },
	{ "idempotence", K_BOOL, "true", NULL },
	{ "compression", K_ENUM, "none", "none|gzip|snappy|lz4|zstd" },
	{ "options", K_MAP, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};

struct conf_ud {
	rd_kafka_conf_t *conf;
	struct channel *c;
	struct diag_list *dl;
	int bad;
};

static void set_opt(void *ud, const char *k, const char *v)
{
	struct conf_ud *u = ud;
	char err[256];
	if (rd_kafka_conf_set(u->conf, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
		char key[300];
		snprintf(key, sizeof(key), "options.%s", k);
		if (u->dl)
			ch_error(u->c, u->dl, key, "librdkafka: %s", err);
		u->bad = 1;
	}
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
	struct kafka *k = opaque;
	struct out_item *it = msg->_private;
	(void)rk;
	if (!it)
		return;
	if (!msg->err)
		it->status = OUT_OK;
	else if (msg->err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE || msg->err == RD_KAFKA_RESP_ERR__INVALID_ARG ||
		 msg->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED || msg->err == RD_KAFKA_RESP_ERR__FATAL)
		it->status = OUT_FAIL;
	else
		it->status = OUT_RETRY;
	if (k->outstanding)
		k->outstanding--;
}

/* The producer configuration; NULL (errors in dl, or err) when bad. */
static rd_kafka_conf_t *make_conf(struct channel *c, struct kafka *k, struct diag_list *dl, char *err, size_t errlen)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	struct conf_ud u = { conf, c, dl, 0 };
	char tmo[32];
	set_opt(&u, "bootstrap.servers", ch_str(c, "brokers"));
	set_opt(&u, "acks", ch_str(c, "acks"));
	set_opt(&u, "enable.idempotence", ch_bool(c, "idempotence") ? "true" : "false");
	set_opt(&u, "compression.codec", ch_str(c, "compression"));
	snprintf(tmo, sizeof(tmo), "%llu", (unsigned long long)(c->timeout_ms ?: 10000));
	set_opt(&u, "message.timeout.ms", tmo);
	set_opt(&u, "log_level", "3");
	ch_map(c, "options", set_opt, &u);
	if (u.bad) {
		if (err)
			snprintf(err, errlen, "bad librdkafka configuration");
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_opaque(conf, k);
	return conf;
}

static int kafka_init(struct channel *c, struct diag_list *dl)
{
	struct kafka *k = xcalloc(1, sizeof(*k));
	c->priv = k;
	if (!ch_kv(c, "format"))
		c->json = true;
	if (!ch_str(c, "brokers") || !*ch_str(c, "brokers")) {
		ch_error(c, dl, "brokers", "a kafka output needs 'brokers' (host:port, ...)");
		return -EINVAL;
	}
	k->topic = xstrdup(ch_str(c, "topic"));
	const char *key = ch_str(c, "key");
	k->key = !strcmp(key, "hostname") ? 0 : !strcmp(key, "rule") ? 1 : !strcmp(key, "uuid") ? 2 : 3;
	rd_kafka_conf_t *conf = make_conf(c, k, dl, NULL, 0);
	if (!conf)
		return -EINVAL;
	rd_kafka_conf_destroy(conf);
	if (!ch_kv(c, "batch.size"))
		c->max_batch = 100;
	return 0;
}

static int kafka_open(struct channel *c, char *err, size_t errlen)
{
	struct kafka *k = c->priv;
	if (k->rk)
		return 0;
	rd_kafka_conf_t *conf = make_conf(c, k, NULL, err, errlen);
	if (!conf)
		return -EINVAL;
	char e[512];
	k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
	if (!k->rk) {
		rd_kafka_conf_destroy(conf);
		snprintf(err, errlen, "librdkafka: %s", e);
		return -EINVAL;
	}
	return 0;
}

static void kafka_close(struct channel *c)
{
	struct kafka *k = c->priv;
	if (!k->rk)
		return;
	rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	rd_kafka_poll(k->rk, 0);
	rd_kafka_destroy(k->rk);
	k->rk = NULL;
}

static int kafka_send(struct channel *c, struct out_item *it, size_t n, struct send_result *r)
{
	struct kafka *k = c->priv;
	k->outstanding = 0;
	for (size_t i = 0; i < n; i++) {
		const char *key = k->key == 0 ? it[i].m->hostname : k->key == 1 ? it[i].m->rule
						: k->key == 2 ? it[i].m->uuid : NULL;
		rd_kafka_resp_err_t e = rd_kafka_producev(
			k->rk, RD_KAFKA_V_TOPIC(k->topic), RD_KAFKA_V_VALUE(it[i].payload.buf, it[i].payload.len),
			RD_KAFKA_V_KEY(key, key ? strlen(key) : 0), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			RD_KAFKA_V_OPAQUE(&it[i]), RD_KAFKA_V_END);
		if (e) {
			snprintf(r->err, sizeof(r->err), "produce: %s", rd_kafka_err2str(e));
			it[i].status = e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ? OUT_FAIL : OUT_RETRY;
			continue;
		}
		k->outstanding++;
	}
	while (k->outstanding) {
		if (atomic_load(&c->abort)) {
			/* the reports of purged messages still point at the items */
			rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
			while (k->outstanding && rd_kafka_outq_len(k->rk) > 0)
				rd_kafka_poll(k->rk, 10);
			snprintf(r->err, sizeof(r->err), "aborted at stop (drain_timeout)");
			return -1;
		}
		rd_kafka_poll(k->rk, 50);
	}
	for (size_t i = 0; i < n; i++)
		if (it[i].status == OUT_RETRY && !r->err[0])
			snprintf(r->err, sizeof(r->err), "delivery to %s not confirmed (brokers down or slow)",
				 ch_str(c, "brokers"));
	return 0;
}

static void kafka_fini(struct channel *c)
{
	struct kafka *k = c->priv;
	kafka_close(c);
	free(k->topic);
	free(k);
	c->priv = NULL;
}

const struct backend out_kafka = {
	.type = "kafka",
	.keys = kafka_keys,
	.max_batch = 100,
	.init = kafka_init,
	.open = kafka_open,
	.close = kafka_close,
	.send = kafka_send,
	.fini = kafka_fini,
};
