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

static void counts_delta(const struct drop_counts *now, const struct drop_counts *then, struct drop_counts *d)
{
	d->n_drops = now->n_drops - then->n_drops;
	d->n_drops_buffer = now->n_drops_buffer - then->n_drops_buffer;
	for (int i = 0; i < VG_DROP_CAT_MAX; i++)
		d->n_drops_buffer_cat[i] = now->n_drops_buffer_cat[i] - then->n_drops_buffer_cat[i];
	d->n_drops_scratch_map = now->n_drops_scratch_map - then->n_drops_scratch_map;
	d->n_drops_pf = now->n_drops_pf - then->n_drops_pf;
	d->n_drops_bug = now->n_drops_bug - then->n_drops_bug;
}

unsigned drop_mgr_check(struct drop_mgr *dm, uint64_t ts, uint64_t n_evts, const struct drop_counts *src,
			struct drop_counts *delta, uint64_t *d_evts)
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
		dm->last = *src;
		return 0;
	}
	double elapsed = (double)(ts - dm->last_ts) / NS_PER_SEC;
	*d_evts = n_evts - dm->last_evts;
	counts_delta(src, &dm->last, delta);
	if (dm->simulate)
		delta->n_drops += 1000000;
	dm->last_ts = ts;
	dm->last_evts = n_evts;
	dm->last = *src;
	dm->tokens += elapsed * dm->rate;
	if (dm->tokens > dm->max_burst)
		dm->tokens = dm->max_burst;
	if (delta->n_drops == 0)
		return 0;
	double ratio = (double)delta->n_drops / (double)(*d_evts + delta->n_drops);
	if (ratio <= dm->threshold)
		return 0;
	dm->occurrences++;
	if (dm->tokens < 1.0)
		return 0;
	dm->tokens -= 1.0;
	dm->actions_taken++;
	return dm->actions;
}
