/* SPDX-License-Identifier: Apache-2.0 */
/*
 * live_run.h - the live main loop that `vigil run` and `vigil capture -w`
 * share: load the probe with the syscalls the session needs, read the host
 * from /proc, then feed every event to the engine (rules, --print, the
 * capture writer) until a signal, --duration or an exit action.
 */
#ifndef VIGIL_LIVE_RUN_H
#define VIGIL_LIVE_RUN_H

#include <stdint.h>
#include "capture/live.h"
#include "cli/session.h"

struct cmeta;
struct policy_run;

struct live_run_opts {
	double duration;	/* seconds; 0 = until SIGINT/SIGTERM */
	uint32_t ring_bytes;	/* per CPU; 0 = default */
	struct policy_run *policy;	/* TracingPolicies to enforce, or NULL */
	bool ops;		/* `vigil run`: web server, metrics, hot reload (ops.h) */
};

/* Run the started session `s` live. Returns the process exit status. */
int live_run(struct session *s, const struct live_run_opts *o);

/* The same loop in steps, for a caller that drives it (`vigil rules test`):
 * live_loop_open() loads the probe with the syscalls `s` needs and reads the
 * host from /proc; live_loop_step() runs at most one event through the
 * engine and applies the container metadata that arrived; live_loop_drain()
 * evaluates what the rings still hold (bounded to two seconds);
 * live_loop_close() stops the metadata worker and unloads the probe. Nothing
 * is printed but the session's --stats. The loop must not move once open:
 * the state calls back into it. */
struct live_loop {
	struct session *s;
	struct live *l;
	struct event ev;	/* the last event read */
	uint64_t last_stats;	/* ns, monotonic */
	struct cmeta *cm;	/* container metadata worker; NULL: none enabled */
	struct policy_run *policy;	/* TracingPolicy events go there; NULL: none */
	struct vg_pol_counters pol_counters;	/* the probe's, read at close */
};

/* Returns 0, or a negative errno with the reason (privileges, BTF...) in err. */
int live_loop_open(struct live_loop *lp, struct session *s, const struct live_run_opts *o, char *err,
		   size_t errlen);
/* Returns 1 when an event was read (*ev, if not NULL, points to it until the
 * next step): a TracingPolicy event went to the policy, any other through the
 * engine, 0 when none came within timeout_ms, or a
 * negative errno. */
int live_loop_step(struct live_loop *lp, int timeout_ms, const struct event **ev);
void live_loop_drain(struct live_loop *lp);
/* Send the probe the syscalls the session's current rules need (after a
 * reload swapped them). */
void live_loop_set_interesting(struct live_loop *lp);
/* Fill *ls (may be NULL) with the probe's counters, then unload it. */
void live_loop_close(struct live_loop *lp, struct live_stats *ls);

/* Parse --duration / --ring-size values; 0 or -EINVAL after a message. */
int live_run_parse_duration(const char *arg, double *out);
int live_run_parse_ring(const char *arg, uint32_t *out);

#endif
