/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_console.c - the `console` output: stores every alert it is routed in
 * the alert console's SQLite database (src/console/store.c) from its own
 * worker, in batches of one transaction, with the indexed columns read from
 * the alert's output fields. The web console and its API read that
 * database.
 */
#include <errno.h>
#include <json-c/json.h>
#include <sys/resource.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include "common/xalloc.h"
#include "console/console.h"
#include "output/channel.h"

struct out_console_priv {
	struct console_store_opts o;
	struct console_store *s;
	struct console_alert *rows;
	struct json_object **docs;
	char **images;
	size_t cap;
	int nice;		/* the worker's: detection first when CPUs are busy */
	bool niced;
};

static const struct okey console_keys[] = {
	{ "path", K_STR, "/var/lib/vigil/alerts.db", NULL },
	{ "max_alerts", K_INT, "100000", NULL },
	{ "max_age", K_DUR, "168h", NULL },
	{ "prune_batch", K_INT, NULL, NULL },
	{ "nice", K_INT, "10", NULL },
	{ NULL, 0, NULL, NULL },
};

static int console_init(struct channel *c, struct diag_list *dl)
{
	struct out_console_priv *p = xcalloc(1, sizeof(*p));
	c->priv = p;
	p->o.path = ch_str(c, "path");
	if (!*p->o.path) {
		ch_error(c, dl, "path", "a console output needs 'path' (its SQLite database)");
		return -EINVAL;
	}
	p->o.max_alerts = (uint64_t)ch_int(c, "max_alerts");
	p->o.max_age_ms = ch_dur_ms(c, "max_age");
	p->o.prune_batch = ch_kv(c, "prune_batch") ? (uint64_t)ch_int(c, "prune_batch") : p->o.max_alerts / 10;
	if (!p->o.prune_batch)
		p->o.prune_batch = 100;
	p->nice = (int)ch_int(c, "nice");
	if (p->nice > 19) {
		ch_error(c, dl, "nice", "nice: %d is not from 0 to 19", p->nice);
		return -EINVAL;
	}
	/* a live view: do not hold alerts for a full batch second */
	if (!ch_kv(c, "batch.flush_interval"))
		c->flush_ms = 50;
	return 0;
}

static int console_open(struct channel *c, char *err, size_t errlen)
{
	struct out_console_priv *p = c->priv;
	if (p->s)
		return 0;
	char e2[512];
	int rc = console_store_open(&p->o, &p->s, e2, sizeof(e2));
	if (rc)
		snprintf(err, errlen, "output %s: %s", c->name, e2);
	return rc;
}

static void console_close(struct channel *c)
{
	struct out_console_priv *p = c->priv;
	console_store_close(p->s);
	p->s = NULL;
}

/* The store takes the full JSON document (Falco's object plus uuid). */
static void console_format(struct channel *c, struct amsg *m, struct strbuf *out)
{
	pl_json(c, m, out);
}

static const char *field(struct json_object *doc, const char *name)
{
	const char *v = pl_field_str(doc, name);
	return v && *v ? v : NULL;
}

static int console_send(struct channel *c, struct out_item *it, size_t n, struct send_result *r)
{
	struct out_console_priv *p = c->priv;
	if (!p->niced) {
		/* this thread only (Linux: a thread's own nice value): when the
		 * CPUs are all busy, the engine's thread goes first and the
		 * queue absorbs (or drops) the difference */
		p->niced = true;
		if (p->nice && setpriority(PRIO_PROCESS, (id_t)gettid(), p->nice))
			ch_log_error(c, "cannot lower the worker's priority: %s", strerror(errno));
	}
	if (n > p->cap) {
		p->cap = n;
		p->rows = xrealloc(p->rows, n * sizeof(*p->rows));
		p->docs = xrealloc(p->docs, n * sizeof(*p->docs));
		p->images = xrealloc(p->images, n * sizeof(*p->images));
	}
	for (size_t i = 0; i < n; i++) {
		struct amsg *m = it[i].m;
		struct console_alert *a = &p->rows[i];
		struct json_object *doc = json_tokener_parse(it[i].payload.buf), *o;
		memset(a, 0, sizeof(*a));
		p->docs[i] = doc;
		p->images[i] = NULL;
		a->ts = m->ts;
		a->prio = m->prio;
		a->rule = m->rule;
		a->source = m->source;
		a->hostname = m->hostname;
		a->uuid = m->uuid;
		a->tags = (const char *const *)m->tags;
		a->ntags = m->ntags;
		a->json = it[i].payload.buf;
		a->json_len = it[i].payload.len;
		if (doc && json_object_object_get_ex(doc, "output", &o) && json_object_is_type(o, json_type_string))
			a->output = json_object_get_string(o);
		a->container_id = field(doc, "container.id");
		a->container_name = field(doc, "container.name");
		a->image_repo = field(doc, "container.image.repository");
		const char *tag = field(doc, "container.image.tag");
		if (a->image_repo && tag) {
			size_t l = strlen(a->image_repo) + strlen(tag) + 2;
			p->images[i] = xmalloc(l);
			snprintf(p->images[i], l, "%s:%s", a->image_repo, tag);
			a->image = p->images[i];
		} else {
			a->image = a->image_repo;
		}
		a->k8s_ns = field(doc, "k8s.ns.name");
		a->k8s_pod = field(doc, "k8s.pod.name");
	}
	int rc = console_store_insert(p->s, p->rows, n, r->err, sizeof(r->err));
	for (size_t i = 0; i < n; i++) {
		json_object_put(p->docs[i]);
		free(p->images[i]);
		it[i].status = rc ? OUT_RETRY : OUT_OK;
	}
	return rc ? -1 : 0;
}

static void console_fini(struct channel *c)
{
	struct out_console_priv *p = c->priv;
	if (!p)
		return;
	console_close(c);
	free(p->rows);
	free(p->docs);
	free(p->images);
	free(p);
	c->priv = NULL;
}

const struct backend out_console = {
	.type = "console",
	.keys = console_keys,
	.max_batch = 256,
	.open_at_start = true,
	.init = console_init,
	.open = console_open,
	.close = console_close,
	.format = console_format,
	.send = console_send,
	.fini = console_fini,
};
