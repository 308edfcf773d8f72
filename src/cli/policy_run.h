/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_run.h - TracingPolicies in `vigil run`: load and compile them
 * (--policy, --policy-mode, --allow-override-downgrade), then turn each
 * policy event of the probe into a Tetragon JSON (or compact) line on
 * stdout or --policy-events FILE.
 */
#ifndef VIGIL_POLICY_RUN_H
#define VIGIL_POLICY_RUN_H

#include <stdbool.h>
#include <stdio.h>
#include "common/strbuf.h"
#include "policy/policy.h"
#include "policy/policy_kernel.h"

struct state;
struct event;

struct policy_run {
	struct policy_set ps;
	struct pol_kernel k;
	bool built;
	FILE *out;
	bool own_out;
	bool compact;
	struct strbuf line;
	uint64_t nevents, nbad;
};

/* Load `paths`, report diagnostics on stderr, compile. `events` is a file
 * to append events to (NULL: stdout). Returns 0 or -EINVAL after a message. */
int policy_run_load(struct policy_run *pr, const char *const *paths, size_t n, const struct policy_load_opts *o,
		    const char *events, bool compact);
/* One VG_EV_POLICY_E event of the probe. */
void policy_run_event(struct policy_run *pr, struct state *st, const struct event *ev);
/* The rule a policy event `ev` acted for (a Falco rule with an `action`),
 * or NULL for a TracingPolicy's event; *what is what was done ("killed",
 * "would kill": the event's monitor flag), in buf. */
struct rule *policy_run_rule_of(const struct policy_run *pr, const struct event *ev, const char **what, char *buf,
				size_t len);
/* The summary line for --stats. */
void policy_run_print_stats(const struct policy_run *pr, const struct vg_pol_counters *c, FILE *f);
void policy_run_fini(struct policy_run *pr);

#endif
