/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_mqtt.c - MQTT through libmosquitto: one connection per output, kept
 * open (falcosidekick connects per message), QoS 1 by default so that the
 * broker's PUBACK confirms each alert; the worker drives the client loop.
 */
#include <errno.h>
#include <mosquitto.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/xalloc.h"
#include "output/channel.h"

struct mqtt {
	struct mosquitto *mq;
	char *host;
	int port;
	int qos;
	bool connected;
	int conn_rc;
	struct out_item *batch;
	int *mids;
	size_t n, acked;
};

static const struct okey mqtt_keys[] = {
	{ "address", K_HOSTPORT, NULL, NULL },
	{ "topic", K_STR, "falco/events", NULL },
	{ "qos", K_ENUM, "1", "0|1|2" },
	{ "retain", K_BOOL, "false", NULL },
	{ "client_id", K_STR, NULL, NULL },
	{ "username", K_STR, NULL, NULL },
	{ "password", K_STR, NULL, NULL },
	{ "ca_cert", K_FILE, NULL, NULL },
	{ "client_cert", K_FILE, NULL, NULL },
	{ "client_key", K_FILE, NULL, NULL },
	{ "insecure", K_BOOL, "false", NULL },
	{ NULL, 0, NULL, NULL },
};

static int mqtt_init(struct channel *c, struct diag_list *dl)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, (void (*)(void))mosquitto_lib_init);
	struct mqtt *q = xcalloc(1, sizeof(*q));
	c->priv = q;
	if (!ch_kv(c, "format"))
		c->json = true;
	const char *a = ch_str(c, "address");
	if (!a) {
		ch_error(c, dl, "address", "an mqtt output needs 'address' (host:port)");
		return -EINVAL;
	}
	const char *colon = strrchr(a, ':');
	q->host = xstrndup(a, (size_t)(colon - a));
	q->port = atoi(colon + 1);
	q->qos = atoi(ch_str(c, "qos"));
	if (!ch_kv(c, "batch.size"))
		c->max_batch = 100;
	return 0;
}

static void on_connect(struct mosquitto *mq, void *ud, int rc)
{
	struct mqtt *q = ud;
	(void)mq;
	q->conn_rc = rc;
	q->connected = rc == 0;
}

static void on_disconnect(struct mosquitto *mq, void *ud, int rc)
{
	struct mqtt *q = ud;
	(void)mq;
	(void)rc;
	q->connected = false;
}

static void on_publish(struct mosquitto *mq, void *ud, int mid)
{
	struct mqtt *q = ud;
	(void)mq;
	for (size_t i = 0; i < q->n; i++)
		if (q->mids[i] == mid && q->batch[i].status != OUT_OK) {
			q->batch[i].status = OUT_OK;
			q->acked++;
		}
}

static void mqtt_close(struct channel *c)
{
	struct mqtt *q = c->priv;
	if (q->mq) {
		mosquitto_disconnect(q->mq);
		mosquitto_destroy(q->mq);
		q->mq = NULL;
	}
	q->connected = false;
}

static int mqtt_open(struct channel *c, char *err, size_t errlen)
{
	struct mqtt *q = c->priv;
	char id[64];
	const char *cid = ch_str(c, "client_id");
	if (!cid) {
		snprintf(id, sizeof(id), "vigil-%d-%s", (int)getpid(), c->name);
		cid = id;
	}
	q->mq = mosquitto_new(cid, true, q);
	if (!q->mq) {
		snprintf(err, errlen, "mosquitto_new: %s", strerror(errno));
		return -ENOMEM;
	}
	mosquitto_connect_callback_set(q->mq, on_connect);
	mosquitto_disconnect_callback_set(q->mq, on_disconnect);
	mosquitto_publish_callback_set(q->mq, on_publish);
	if (ch_str(c, "username"))
		mosquitto_username_pw_set(q->mq, ch_str(c, "username"), ch_str(c, "password"));
	const char *ca = ch_str(c, "ca_cert");
	if (ca && *ca) {
		mosquitto_tls_set(q->mq, ca, NULL, ch_str(c, "client_cert"), ch_str(c, "client_key"), NULL);
		mosquitto_tls_insecure_set(q->mq, ch_bool(c, "insecure"));
	}
	q->conn_rc = -1;
	int rc = mosquitto_connect(q->mq, q->host, q->port, 60);
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(err, errlen, "connect %s:%d: %s", q->host, q->port,
			 rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		mqtt_close(c);
		return -ECONNREFUSED;
	}
	uint64_t until = out_now_ns() + (c->timeout_ms ?: 10000) * 1000000ull;
	while (!q->connected && q->conn_rc == -1 && out_now_ns() < until && !atomic_load(&c->abort))
		if (mosquitto_loop(q->mq, 50, 1) != MOSQ_ERR_SUCCESS)
			break;
	if (!q->connected) {
		snprintf(err, errlen, "connect %s:%d: %s", q->host, q->port,
			 q->conn_rc > 0 ? mosquitto_connack_string(q->conn_rc) : "no CONNACK");
		mqtt_close(c);
		return -ECONNREFUSED;
	}
	return 0;
}

static int mqtt_send(struct channel *c, struct out_item *it, size_t n, struct send_result *r)
{
	struct mqtt *q = c->priv;
	const char *topic = ch_str(c, "topic");
	bool retain = ch_bool(c, "retain");
	q->batch = it;
	q->n = n;
	q->acked = 0;
	q->mids = xcalloc(n, sizeof(int));
	int ret = 0;
	for (size_t i = 0; i < n; i++) {
		int rc = mosquitto_publish(q->mq, &q->mids[i], topic, (int)it[i].payload.len, it[i].payload.buf, q->qos,
					   retain);
		if (rc != MOSQ_ERR_SUCCESS) {
			snprintf(r->err, sizeof(r->err), "publish: %s", mosquitto_strerror(rc));
			ret = -1;
			goto out;
		}
	}
	uint64_t until = out_now_ns() + (c->timeout_ms ?: 10000) * 1000000ull;
	while (q->acked < n) {
		if (atomic_load(&c->abort) || out_now_ns() >= until) {
			snprintf(r->err, sizeof(r->err), "%zu of %zu alerts not acknowledged", n - q->acked, n);
			ret = -1;
			goto out;
		}
		int rc = mosquitto_loop(q->mq, 50, 1);
		if (rc != MOSQ_ERR_SUCCESS || !q->connected) {
			snprintf(r->err, sizeof(r->err), "connection lost: %s",
				 rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
			ret = -1;
			goto out;
		}
	}
out:
	free(q->mids);
	q->mids = NULL;
	q->batch = NULL;
	q->n = 0;
	return ret;
}

static void mqtt_fini(struct channel *c)
{
	struct mqtt *q = c->priv;
	mqtt_close(c);
	free(q->host);
	free(q);
	c->priv = NULL;
}

const struct backend out_mqtt = {
	.type = "mqtt",
	.keys = mqtt_keys,
	.max_batch = 100,
	.init = mqtt_init,
	.open = mqtt_open,
	.close = mqtt_close,
	.send = mqtt_send,
	.fini = mqtt_fini,
};
