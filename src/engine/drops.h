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
#include <linux/types.h>
#include "vigil/events.h"

/* What an event source lost, cumulative (the live probe's counters; all
 * zero for a capture file). Falco's scap_stats drop fields. */
struct drop_counts {
	uint64_t n_drops;		/* every event lost, whatever the cause */
	uint64_t n_drops_buffer;	/* ring buffer full */
	uint64_t n_drops_buffer_cat[VG_DROP_CAT_MAX];
	uint64_t n_drops_scratch_map;	/* event larger than the probe's scratch space */
	uint64_t n_drops_pf;		/* page faults (not a cause in vigil's probe) */
	uint64_t n_drops_bug;		/* malformed events, missing rings */
};

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
	uint64_t last_evts;
	struct drop_counts last;
	uint64_t occurrences;	/* checks over the threshold */
	uint64_t actions_taken;
};

void drop_mgr_init(struct drop_mgr *dm, double threshold, unsigned actions, double rate, double max_burst,
		   bool simulate);

/* Called with every event's time, the cumulative count of events read and
 * the source's cumulative drop counters. Returns the actions to take now (0
 * if none); *delta and *d_evts get the counts of the last interval. */
unsigned drop_mgr_check(struct drop_mgr *dm, uint64_t ts, uint64_t n_evts, const struct drop_counts *src,
			struct drop_counts *delta, uint64_t *d_evts);

#endif
