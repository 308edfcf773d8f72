/* SPDX-License-Identifier: Apache-2.0 */
/*
 * session.h - what the commands that run the engine share (`vigil replay`,
 * `vigil run`, `vigil capture`): the options Falco users know (-r, -c, -o,
 * --json, -D/-t/-T, --print/--filter, --stats), loading the configuration and
 * the rules, setting up the engine with its alert outputs, and the summary
 * printed at the end.
 */
#ifndef VIGIL_SESSION_H
#define VIGIL_SESSION_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include "cli/options.h"
#include "engine/engine.h"

/* How alerts reach the outputs. */
struct session_sink {
	bool flush;		/* flush stdout after every alert (live runs) */
};

struct scap_writer;

struct session {
	struct cli_options opts;
	const char *config;	/* the last -c FILE, NULL when none was given */
	struct ruleset_opts ro;
	struct engine_opts eo;
	const char **rules, **dis, **ten, **tdis;
	size_t nrules;
	size_t nrules_cli;	/* how many of `rules` came from -r (the others: rules_files) */
	bool rules_from_config;	/* no -r: the configuration's rules_files were loaded */
	/* what a reload re-applies: the -c files and the -o/-j/-E settings, in order */
	const char **cfg_paths, **overrides;
	size_t ncfg_paths, noverrides;
	const char *print, *filter;
	bool stats;
	struct ruleset *rs;
	struct engine e;
	bool engine_ready;
	struct session_sink sink;
	struct outputs *outputs;	/* the output manager (output/outputs.h) */
	bool outputs_stopped, outputs_printed;
	/* -w: the capture being written */
	const char *wpath;
	unsigned wflags;	/* SCAP_W_* */
	struct scap_writer *writer;
	/* alert taps (session_add_alert_tap) */
	struct {
		void (*fn)(void *ud, const struct alert_rec *a);
		void *ud;
	} taps[4];
	size_t ntaps;
	unsigned tap_formats;
};

/* getopt_long options of a session; a command appends its own. */
#define SESSION_SHORTOPTS "r:c:o:p:D:t:T:Aw:z"
extern const struct option session_longopts[];
#define SESSION_NLONGOPTS 11

/* The help lines of the session options, for a command's usage text. */
void session_usage_options(FILE *f);

/* Allocate, and apply configuration files (-c) first so that -o overrides
 * them. Returns 0, or -EINVAL after printing the diagnostics. */
int session_init(struct session *s, int argc, char **argv);

/* The configuration an installed vigil reads when no -c is given:
 * SYSCONFDIR/vigil/vigil.yaml (/etc/vigil/vigil.yaml for PREFIX=/usr). */
extern const char session_default_config[];

/* No -c given: load session_default_config when it exists (its rules_files
 * become the rules when no -r is given). Returns 1 if it was loaded, 0 if
 * -c was given or the file does not exist, -EINVAL after printing its
 * diagnostics. */
int session_load_default_config(struct session *s);

/* One getopt result: 1 if it was a session option, 0 if not, -EINVAL on a
 * bad value (reported on stderr). */
int session_opt(struct session *s, int c, const char *arg);

/* Validate the options, load the rules (when `need_rules` and none were
 * given, fall back to the configuration's rules_files), set up the engine,
 * its sinks and --print. Returns 0, or a negative errno after reporting. */
int session_start(struct session *s, bool need_rules);

/* The ruleset and engine options the configuration `o` gives (with the
 * session's -D/-t/-T); eo->alert keeps its host name. */
void session_derive_opts(struct session *s, const struct cli_options *o, struct ruleset_opts *ro,
			 struct engine_opts *eo);
/* The outputs' global settings for `o`. */
struct outputs_globals;
void session_outputs_globals(struct session *s, const struct cli_options *o, const struct engine_opts *eo,
			     struct outputs_globals *g);
/* Make `m` the session's output manager (a reload; loop thread). The caller
 * stops and frees the previous one. */
void session_swap_outputs(struct session *s, struct outputs *m);

/* Also hand every alert (rules' and internal) to fn, on the engine's
 * thread, after the outputs got it; `formats` (ALERT_FMT_*) are the forms fn
 * needs in the alert_rec. fn must not block (queue and return). At most 4
 * taps: -ENOSPC. */
int session_add_alert_tap(struct session *s, void (*fn)(void *ud, const struct alert_rec *a), void *ud,
			  unsigned formats);

/* -w: open the capture writer on s->wpath and attach it to the engine
 * (after session_start(); --filter then selects what is written). `input`
 * is the file being read, if any: writing over it is refused. Returns 0 or
 * a negative errno after reporting. */
int session_open_writer(struct session *s, const char *input);

/* Close the writer: its counters with --stats, any write error (the file
 * is then incomplete). Returns 0, or -EIO after reporting. */
int session_close_writer(struct session *s);

/* Falco's end-of-run summary (events, rule counts by severity and name),
 * then each output's counters (after delivering what is queued). */
void session_print_stats(struct session *s, FILE *f);

/* Deliver what the outputs still hold (each within its drain_timeout) and
 * stop their workers; the counters stay readable. Idempotent. */
void session_stop_outputs(struct session *s);

/* Falco's drop-monitoring summary, when drops were detected. */
void session_print_drops(struct session *s, FILE *f);

/* Stop the outputs (their counters on stderr when something was not
 * delivered or network outputs ran, unless --stats printed them), free the
 * engine and the rules. */
void session_fini(struct session *s);

#endif
