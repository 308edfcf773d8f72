/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine.h - the pipeline that every event goes through, whatever its
 * source: state update, rule evaluation (per event type, first or all
 * matches), alert formatting and delivery, then deferred state removals.
 * `vigil replay` drives it from a .scap file; live capture drives it from
 * the ring buffers.
 */
#ifndef VIGIL_ENGINE_H
#define VIGIL_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "common/arena.h"
#include "engine/drops.h"
#include "output/alert.h"
#include "rules/format.h"
#include "rules/ruleset.h"
#include "state/state.h"

/* Alert delivery: called on the engine's thread with the alert, formatted
 * in the forms e->sink_formats asks for (borrowed for the call). */
typedef void (*alert_sink)(void *ud, const struct alert_rec *a);

struct engine_opts {
	enum match_mode matching;	/* rule_matching: first (default) or all */
	bool evaluate_enter;		/* also evaluate syscall enter events (pre-0.42 Falco) */
	struct alert_opts alert;
};

void engine_opts_init(struct engine_opts *o);

struct engine_stats {
	uint64_t events;		/* events read */
	uint64_t evaluated;		/* events the rules saw */
	uint64_t alerts;
	uint64_t alerts_by_prio[PRIO__COUNT];
	uint64_t unknown_events;	/* event codes vigil does not know */
};

struct engine {
	struct state st;
	struct ruleset *rs;		/* borrowed; may be NULL (print only) */
	struct fctx fc;
	struct engine_opts opts;
	alert_sink sink;
	void *sink_ud;
	unsigned sink_formats;		/* ALERT_FMT_* bits; 0: the one opts.alert.json names */
	struct strbuf json;		/* the JSON form when both are wanted */
	/* --print */
	struct arena print_arena;
	struct filter_ctx print_fc;
	struct format *print_fmt;
	bool print_missing_ok;		/* format started with '*': print <NA> */
	struct cnode *filter;		/* --filter: what --print prints and -w writes */
	FILE *print_out;
	/* -w */
	struct scap_writer *writer;	/* borrowed */
	struct strbuf line;
	struct engine_stats stats;
	uint64_t seq;			/* evt.num of the last event read */
	uint64_t last_ts;		/* ts of the last event run */
	/* syscall_event_drops */
	struct drop_mgr drops;
	bool drops_enabled;
	struct drop_counts src_drops;	/* what the source lost (live capture) */
	bool src_drops_live;		/* the source is the BPF probe */
	bool stop;			/* an action asked the run to end (exit) */
	int exit_status;
};

/* Enable drop monitoring with Falco's syscall_event_drops settings. */
void engine_set_drops(struct engine *e, double threshold, unsigned actions, double rate, double max_burst,
		      bool simulate);

void engine_init(struct engine *e, struct ruleset *rs, const struct engine_opts *o);
void engine_fini(struct engine *e);

/* Print every event that passes `filter` (may be NULL) with `format`
 * (sysdig -p style). Returns 0 or -EINVAL with a message in err. */
int engine_set_print(struct engine *e, const char *format, const char *filter, FILE *out, char *err, size_t errlen);

/* Restrict --print and the writer to events that pass `filter` (a condition).
 * Returns 0 or -EINVAL with a message in err. */
int engine_set_filter(struct engine *e, const char *filter, char *err, size_t errlen);

/* Write the events that flow through the engine to `w` (borrowed until
 * engine_fini()); the state is written first, at the first event, unless the
 * writer already holds it. Without a filter every event is written as it
 * comes (events of codes vigil does not know included). With a filter:
 * - exit events (and events without an exit, such as procexit) that pass it
 *   are written, each exit preceded by its enter event;
 * - the other events that can change the state (clone, execve, open, close,
 *   connect...) are written too, enter and exit, flagged state-only
 *   (SCAP_DF_STATE_ONLY), so that readers rebuild the same threads and fds
 *   without showing them: sysdig and vigil both hide such events;
 * - everything else is dropped.
 * A write error stops the run (e->stop); scap_writer__close() reports it. */
struct scap_writer;
void engine_set_writer(struct engine *e, struct scap_writer *w);

/* Deliver one of vigil's own alerts (source "internal", Falco's "Falco
 * internal: ..." form) through the sink, as the rules' alerts go. */
void engine_internal_alert(struct engine *e, uint64_t ts, int prio, const char *rule, const char *msg,
			   const struct alert_field *fields, size_t nfields);

/* Run one event through the pipeline. */
void engine_event(struct engine *e, struct event *ev);

/* The alert of rule r, which the kernel evaluated: raised from its policy
 * event `ev` (the process fields come from the state of ev's thread) with
 * output field vigil.action = `action` ("killed", "would kill"...). */
void engine_action_alert(struct engine *e, struct rule *r, struct event *ev, const char *action);

/* A container JSON document a live lookup produced (container_meta.h), run
 * through the pipeline as the container event that carries it, stamped with
 * the last event's time: the state takes the metadata, and -w writes the
 * event (PPME_CONTAINER_JSON_E, or the large-payload _2_E beyond 64 KiB), so
 * that a replay and sysdig see the metadata from the same point of the
 * stream. Returns 0, or -EINVAL for a document the state refused. */
int engine_container_json(struct engine *e, const char *json, size_t len);

/* -w: write the users and groups of container `ci` (just loaded from its
 * root) as user/group-added events carrying its id, flagged state-only when
 * a filter selects the events, so that a replay names them as the live run
 * did. Does nothing before the writer holds the state. */
void engine_container_users(struct engine *e, const struct container_info *ci);

/* Replay a capture file. Returns 0, or a negative errno with a message
 * (naming the byte offset for corrupt input) in err. */
int engine_replay(struct engine *e, const char *path, char *err, size_t errlen);

#endif
