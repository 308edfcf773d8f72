/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_redis.c - Redis through hiredis: one connection per output, the
 * alert's JSON document appended to a list (one RPUSH per batch, atomic) or
 * a stream (XADD with the document and the rule, priority and uuid as
 * fields, pipelined; MAXLEN ~ when set). AUTH (user or password) and SELECT
 * after each connect.
 */
#include <errno.h>
#include <stdarg.h>
#include <hiredis/hiredis.h>
#include <stdlib.h>
#include <string.h>
#include "common/xalloc.h"
#include "output/channel.h"
#include "rules/ruleset.h"

struct redis {
	redisContext *ctx;
	char *host;
	int port;
	bool stream;
};

static const struct okey redis_keys[] = {
	{ "address", K_HOSTPORT, NULL, NULL },
	{ "username", K_STR, NULL, NULL },
	{ "password", K_STR, NULL, NULL },
	{ "database", K_INT, "0", NULL },
	{ "key", K_STR, "falco", NULL },
	{ "storage", K_ENUM, "list", "list|stream" },
	{ "stream_maxlen", K_INT, "0", NULL },
	{ NULL, 0, NULL, NULL },
};

static int redis_init(struct channel *c, struct diag_list *dl)
{
	struct redis *r = xcalloc(1, sizeof(*r));
	c->priv = r;
	if (!ch_kv(c, "format"))
		c->json = true;
	const char *a = ch_str(c, "address");
	if (!a) {
		ch_error(c, dl, "address", "a redis output needs 'address' (host:port)");
		return -EINVAL;
	}
	const char *colon = strrchr(a, ':');
	r->host = xstrndup(a, (size_t)(colon - a));
	r->port = atoi(colon + 1);
	r->stream = !strcmp(ch_str(c, "storage"), "stream");
	if (!ch_kv(c, "batch.size"))
		c->max_batch = 100;
	return 0;
}

static void redis_close(struct channel *c)
{
	struct redis *r = c->priv;
	if (r->ctx) {
		redisFree(r->ctx);
		r->ctx = NULL;
	}
}

static int command_ok(struct redis *r, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	redisReply *rep = redisvCommand(r->ctx, fmt, ap);
	va_end(ap);
	if (!rep || rep->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "%s", rep ? rep->str : r->ctx->errstr);
		if (rep)
			freeReplyObject(rep);
		return -1;
	}
	freeReplyObject(rep);
	return 0;
}

static int redis_open(struct channel *c, char *err, size_t errlen)
{
	struct redis *r = c->priv;
	uint64_t t = c->timeout_ms ?: 10000;
	struct timeval tv = { (time_t)(t / 1000), (suseconds_t)(t % 1000) * 1000 };
	r->ctx = redisConnectWithTimeout(r->host, r->port, tv);
	if (!r->ctx || r->ctx->err) {
		snprintf(err, errlen, "connect %s:%d: %s", r->host, r->port, r->ctx ? r->ctx->errstr : "out of memory");
		redis_close(c);
		return -ECONNREFUSED;
	}
	redisSetTimeout(r->ctx, tv);
	const char *user = ch_str(c, "username"), *pass = ch_str(c, "password");
	char e[256];
	if (pass && *pass &&
	    (user && *user ? command_ok(r, e, sizeof(e), "AUTH %s %s", user, pass) : command_ok(r, e, sizeof(e), "AUTH %s", pass))) {
		snprintf(err, errlen, "AUTH: %s", e);
		redis_close(c);
		return -EACCES;
	}
	if (ch_int(c, "database") && command_ok(r, e, sizeof(e), "SELECT %lld", (long long)ch_int(c, "database"))) {
		snprintf(err, errlen, "SELECT: %s", e);
		redis_close(c);
		return -EINVAL;
	}
	return 0;
}

static int redis_send(struct channel *c, struct out_item *it, size_t n, struct send_result *res)
{
	struct redis *r = c->priv;
	const char *key = ch_str(c, "key");
	if (!r->stream) {
		const char **argv = xcalloc(n + 2, sizeof(char *));
		size_t *lens = xcalloc(n + 2, sizeof(size_t));
		argv[0] = "RPUSH";
		lens[0] = 5;
		argv[1] = key;
		lens[1] = strlen(key);
		for (size_t i = 0; i < n; i++) {
			argv[i + 2] = it[i].payload.buf;
			lens[i + 2] = it[i].payload.len;
		}
		redisReply *rep = redisCommandArgv(r->ctx, (int)(n + 2), argv, lens);
		free(argv);
		free(lens);
		if (!rep) {
			snprintf(res->err, sizeof(res->err), "RPUSH: %s", r->ctx->errstr);
			return -1;
		}
		int st = rep->type == REDIS_REPLY_ERROR ? OUT_FAIL : OUT_OK;
		if (st != OUT_OK) {
			snprintf(res->err, sizeof(res->err), "RPUSH %s: %s", key, rep->str);
			/* a server still loading its data, or read-only: later */
			if (!strncmp(rep->str, "LOADING", 7) || !strncmp(rep->str, "READONLY", 8) ||
			    !strncmp(rep->str, "BUSY", 4) || !strncmp(rep->str, "MASTERDOWN", 10))
				st = OUT_RETRY;
		}
		freeReplyObject(rep);
		for (size_t i = 0; i < n; i++)
			it[i].status = st;
		return 0;
	}
	int64_t maxlen = ch_int(c, "stream_maxlen");
	char ml[32];
	snprintf(ml, sizeof(ml), "%lld", (long long)maxlen);
	for (size_t i = 0; i < n; i++) {
		const char *argv[16];
		size_t lens[16], a = 0;
#define ARG(s, l) (argv[a] = (s), lens[a++] = (l))
		ARG("XADD", 4);
		ARG(key, strlen(key));
		if (maxlen) {
			ARG("MAXLEN", 6);
			ARG("~", 1);
			ARG(ml, strlen(ml));
		}
		ARG("*", 1);
		ARG("payload", 7);
		ARG(it[i].payload.buf, it[i].payload.len);
		ARG("rule", 4);
		ARG(it[i].m->rule, strlen(it[i].m->rule));
		ARG("priority", 8);
		ARG(priority_name(it[i].m->prio), strlen(priority_name(it[i].m->prio)));
		ARG("uuid", 4);
		ARG(it[i].m->uuid, strlen(it[i].m->uuid));
#undef ARG
		redisAppendCommandArgv(r->ctx, (int)a, argv, lens);
	}
	for (size_t i = 0; i < n; i++) {
		redisReply *rep = NULL;
		if (redisGetReply(r->ctx, (void **)&rep) != REDIS_OK || !rep) {
			snprintf(res->err, sizeof(res->err), "XADD: %s", r->ctx->errstr);
			return -1;
		}
		it[i].status = rep->type == REDIS_REPLY_ERROR ? OUT_FAIL : OUT_OK;
		if (rep->type == REDIS_REPLY_ERROR)
			snprintf(res->err, sizeof(res->err), "XADD %s: %s", key, rep->str);
		freeReplyObject(rep);
	}
	return 0;
}

static void redis_fini(struct channel *c)
{
	struct redis *r = c->priv;
	redis_close(c);
	free(r->host);
	free(r);
	c->priv = NULL;
}

const struct backend out_redis = {
	.type = "redis",
	.keys = redis_keys,
	.max_batch = 100,
	.init = redis_init,
	.open = redis_open,
	.close = redis_close,
	.send = redis_send,
	.fini = redis_fini,
};
