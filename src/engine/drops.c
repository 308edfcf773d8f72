/* SPDX-License-Identifier: Apache-2.0 */
/* drops.c - syscall event drop detection with a token-bucket-throttled response. */
#include <string.h>
#include "engine/drops.h"

#define NS_PER_SEC 1000000000ull

void drop_mgr_init(struct drop_mgr *dm, double threshold, unsigned actions, double rate, double max_burst,
		   bool simulate)
{
	memset(dm, 0, sizeof(*dm));
	dm->threshold = threshold;
	dm->actions = actions;
	dm->rate = rate;
	dm->max_burst = max_burst;
	dm->tokens = max_burst;
	dm->simulate = simulate;
}

unsigned drop_mgr_check(struct drop_mgr *dm, uint64_t ts, uint64_t n_evts, uint64_t n_drops, uint64_t *d_drops,
			uint64_t *d_evts)
{
	if (!dm->last_ts) {
		dm->last_ts = ts;
		return 0;
	}
	if (ts < dm->last_ts + NS_PER_SEC)
		return 0;
	if (!dm->started) {
		/* the first full second gives the baseline counters */
		dm->started = true;
		dm->last_ts = ts;
		dm->last_evts = n_evts;
		dm->last_drops = n_drops;
		return 0;
	}
	double elapsed = (double)(ts - dm->last_ts) / NS_PER_SEC;
	*d_evts = n_evts - dm->last_evts;
	*d_drops = n_drops - dm->last_drops;
	if (dm->simulate)
		*d_drops += 1000000;
	dm->last_ts = ts;
	dm->last_evts = n_evts;
	dm->last_drops = n_drops;
	dm->tokens += elapsed * dm->rate;
	if (dm->tokens > dm->max_burst)
		dm->tokens = dm->max_burst;
	if (*d_drops == 0)
		return 0;
	double ratio = (double)*d_drops / (double)(*d_evts + *d_drops);
	if (ratio <= dm->threshold)
		return 0;
	dm->occurrences++;
	if (dm->tokens < 1.0)
		return 0;
	dm->tokens -= 1.0;
	dm->actions_taken++;
	return dm->actions;
}
