/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outputs.h - alert delivery: the output manager that takes every alert the
 * engine raises and routes it to the configured channels (stdout, file,
 * syslog, program, HTTP webhook, Slack, Elasticsearch/OpenSearch, Loki,
 * Kafka, Redis, NATS, MQTT).
 *
 * Configuration comes as a flat list of `outputs.<name>.<key>=<value>`
 * entries, each with the file:line:col it was read from (falco.yaml's
 * stdout_output, file_output, program_output, syslog_output and http_output
 * sections arrive as outputs named after them). outputs__new() validates
 * everything (unknown keys, bad URLs, unreadable certificates...) and
 * reports each problem as a diagnostic at its position.
 *
 * Threads: outputs__emit() runs on the engine's thread. stdout and file
 * channels write there (bounded by output_timeout); every other channel has
 * its own worker thread fed through a bounded queue (or, with a spool, an
 * append-only log on disk), so a slow or dead backend never stalls detection
 * or the other channels. See outputs.c for the delivery rules.
 *
 * Ownership: the manager copies what it keeps from the configuration and
 * from each alert.
 */
#ifndef VIGIL_OUTPUTS_H
#define VIGIL_OUTPUTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "output/alert.h"

struct diag_list;

/* One configuration entry: key "outputs.<name>.<key...>", its value (YAML
 * sequences joined with ','), and where it was read ("file" NULL: -o). */
struct out_kv {
	char *key;
	char *val;
	char *file;
	int line, col;
	char *src;		/* the source line, for the caret (may be NULL) */
};

struct out_kvlist {
	struct out_kv *v;
	size_t n, cap;
};

void out_kvlist_add(struct out_kvlist *l, const char *key, const char *val, const char *file, int line, int col,
		    const char *src);
void out_kvlist_fini(struct out_kvlist *l);

/* Settings that apply to every channel. */
struct outputs_globals {
	struct alert_opts alert;	/* json_output and friends, hostname */
	bool buffered;			/* buffered_outputs */
	uint64_t output_timeout_ms;	/* output_timeout: longest a synchronous write may block */
	uint64_t queue_capacity;	/* outputs_queue.capacity (0: vigil's default) */
	const bool *live_flush;		/* when *live_flush: flush stdout after every alert (vigil run) */
};

struct outputs;

/* Build the channels from the configuration. Returns NULL with every
 * problem in dl (file:line:col) when the configuration is bad. Nothing is
 * started: no thread, no connection, no file opened. */
struct outputs *outputs__new(const struct out_kvlist *kv, const struct outputs_globals *g, struct diag_list *dl);

/* Open files, replay spools and start the workers. Returns 0, or a negative
 * errno with a message in err (a file output that cannot be opened). */
int outputs__start(struct outputs *m, char *err, size_t errlen);

/* ALERT_FMT_* forms outputs__emit() needs. */
unsigned outputs__formats(const struct outputs *m);

/* Route one alert (engine thread). Never blocks on a backend. */
void outputs__emit(struct outputs *m, const struct alert_rec *a);

/* SIGUSR1: reopen files, respawn programs (safe to call from a signal
 * handler: it only sets a flag). */
void outputs__request_reopen(struct outputs *m);

/* Per-output counters: sent, retried, failed, dropped, spooled... */
void outputs__print_stats(struct outputs *m, FILE *f);

/* One output's counters, read from any thread (atomics) while the manager
 * lives. `name` and `type` are the manager's. */
struct outputs_stat {
	const char *name, *type;
	uint64_t sent, retried, failed, dropped, spooled, throttled, deduped, filtered;
	uint64_t spool_pending;
};
/* Fill up to `max` entries; returns the number of outputs. */
size_t outputs__stats(struct outputs *m, struct outputs_stat *out, size_t max);

/* True when the counters are worth printing without --stats: a network
 * output ran, or something was dropped or failed. */
bool outputs__noteworthy(struct outputs *m);

/* Stop: flush dedup summaries, deliver what is queued within each output's
 * drain_timeout, stop the workers, close the channels. Counters stay
 * readable. Idempotent. */
void outputs__stop(struct outputs *m);

/* Stop (if not yet) and free. NULL is a no-op. */
void outputs__free(struct outputs *m);

/* The --help text for the configuration keys. */
void outputs_usage(FILE *f);

#endif
