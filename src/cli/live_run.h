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
#include "cli/session.h"

struct policy_run;

struct live_run_opts {
	double duration;	/* seconds; 0 = until SIGINT/SIGTERM */
	uint32_t ring_bytes;	/* per CPU; 0 = default */
	struct policy_run *policy;	/* TracingPolicies to enforce, or NULL */
};

/* Run the started session `s` live. Returns the process exit status. */
int live_run(struct session *s, const struct live_run_opts *o);

/* Parse --duration / --ring-size values; 0 or -EINVAL after a message. */
int live_run_parse_duration(const char *arg, double *out);
int live_run_parse_ring(const char *arg, uint32_t *out);

#endif
