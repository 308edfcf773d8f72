/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reload.h - hot reload of `vigil run`: on SIGHUP, on a change of a watched
 * rules or configuration file (inotify; Falco's watch_config_files) or on
 * request, a worker thread re-reads the configuration files, re-applies the
 * command line's -o settings, loads and compiles the rules and builds the
 * outputs (only when their settings changed), all on the side. A failure
 * keeps the running set and is reported (file:line:col diagnostics on
 * stderr and as an internal alert). A success is swapped in by the live
 * loop between two events (reload_apply()): ruleset, engine options, outputs,
 * log level, drop settings and the probe's syscall set; the old outputs are
 * then drained and freed by the worker. The probe never stops: events that
 * arrive during the reload wait in the rings.
 */
#ifndef VIGIL_RELOAD_H
#define VIGIL_RELOAD_H

#include <stdbool.h>
#include <stdint.h>
#include "cli/live_run.h"

struct reload;

struct reload_stats {
	uint64_t ok, failed;
	uint64_t last_ok_unix_ns;	/* wall time of the last swap, 0: none */
	double last_ms;			/* the last successful reload: prepare + swap */
};

/* Start the worker (and the watches when `watch`). NULL with a message. */
struct reload *reload_start(struct live_loop *lp, bool watch, char *err, size_t errlen);
/* Ask for a reload (any thread; async-signal-safe). */
void reload_request(struct reload *rl);
/* Loop thread, between two events: swap in a prepared reload, or raise the
 * alert of a failed one. Returns 1 when a new set was swapped in. */
int reload_apply(struct reload *rl);
void reload_get_stats(struct reload *rl, struct reload_stats *out);
void reload_stop(struct reload *rl);

/* TracingPolicy reload: when set (vigil run with --policy), called on the
 * worker after the rules compiled; it replaces the policies in force when
 * their files changed (policy_run_replace). Returns 0 or a negative errno
 * with the reason in err: the whole reload is refused. */
extern int (*reload_policy_hook)(struct live_loop *lp, char *err, size_t errlen);
/* More files or directories to watch with the rules (the --policy paths). */
extern const char *const *reload_extra_watch;
extern size_t reload_nextra_watch;

#endif
