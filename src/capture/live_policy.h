/* SPDX-License-Identifier: Apache-2.0 */
/*
 * live_policy.h - TracingPolicy tables into the live probe (live.c calls
 * these around the skeleton's load; see live_policy.c).
 */
#ifndef VIGIL_LIVE_POLICY_H
#define VIGIL_LIVE_POLICY_H

#include <stddef.h>
#include "policy/policy_kernel.h"

struct vigil_bpf;

/* Before load: attach the policy programs only with policies; size state. */
void live_policy_prepare(struct vigil_bpf *skel, const struct pol_kernel *k, int ncpu);
/* After load, before attach: fill the maps. 0 or a negative errno + message. */
int live_policy_install(struct vigil_bpf *skel, const struct pol_kernel *k, char *err, size_t errlen);
/* The policy programs' counters, summed over CPUs. */
void live_policy_counters(struct vigil_bpf *skel, int ncpu, struct vg_pol_counters *out);

#endif
