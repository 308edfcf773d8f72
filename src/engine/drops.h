/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drops.h - Falco's syscall_event_drops behaviour: once a second (event
 * time) compare the events and drops counted since the last check; when the
 * drop ratio passes the threshold, take the configured actions (ignore, log,
 * alert, exit), throttled by a token bucket (rate, max_burst).
 * `simulate_drops` makes every check see drops, to test the actions.
 */
#ifndef VIGIL_DROPS_H
#define VIGIL_DROPS_H

#include <stdbool.h>
#include <stdint.h>

enum drop_action {
	DROP_ACT_IGNORE = 1 << 0,
	DROP_ACT_LOG = 1 << 1,
	DROP_ACT_ALERT = 1 << 2,
	DROP_ACT_EXIT = 1 << 3,
};

struct drop_mgr {
	double threshold;	/* fraction of events dropped that triggers actions */
	unsigned actions;	/* enum drop_action */
	double rate;		/* tokens per second */
	double max_burst;
	double tokens;
	bool simulate;
	bool started;
	uint64_t last_ts;	/* ns of the last check */
	uint64_t last_evts, last_drops;
	uint64_t occurrences;	/* checks over the threshold */
	uint64_t actions_taken;
};

void drop_mgr_init(struct drop_mgr *dm, double threshold, unsigned actions, double rate, double max_burst,
		   bool simulate);

/* Called with every event's time and the cumulative event/drop counters.
 * Returns the actions to take now (0 if none); d_drops and d_evts get the
 * counts of the last interval. */
unsigned drop_mgr_check(struct drop_mgr *dm, uint64_t ts, uint64_t n_evts, uint64_t n_drops, uint64_t *d_drops,
			uint64_t *d_evts);

#endif
