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
struct live_deny;

/* Before load: attach the policy programs only with policies; size state. */
void live_policy_prepare(struct vigil_bpf *skel, const struct pol_kernel *k, int ncpu);
/* After load, before attach: fill the maps. 0 or a negative errno + message. */
int live_policy_install(struct vigil_bpf *skel, const struct pol_kernel *k, char *err, size_t errlen);
/* Override's deny points (live_deny.c): before load, which cgroup programs
 * load; after attach, attach them to the root cgroup and start the fanotify
 * responder (*out: NULL when no Override is routed). 0 or a negative errno +
 * message. live_deny_stop() detaches, closes and frees (NULL is fine). */
void live_deny_prepare(struct vigil_bpf *skel, const struct pol_kernel *k);
int live_deny_start(struct vigil_bpf *skel, const struct pol_kernel *k, struct live_deny **out, char *err,
		    size_t errlen);
void live_deny_stop(struct live_deny *d);
/* Opens and execs the fanotify responder denied so far. */
unsigned long long live_deny_count(const struct live_deny *d);
/* Take generation k's tables out of the probe once vg_pol_gen no longer
 * names it: its syscall lists, sets and matchBinaries bits (`now`: the
 * generation in force, NULL none). */
void live_policy_uninstall(struct vigil_bpf *skel, const struct pol_kernel *k, const struct pol_kernel *now);
/* TracingPolicyNamespaced: cgroup id `cgid` is a container of a pod of
 * Kubernetes namespace `ns` (vg_pol_cgns). 0 or a negative errno. */
int live_policy_pod_cgroup(struct vigil_bpf *skel, uint64_t cgid, const char *ns);
/* The policy programs' counters, summed over CPUs. */
void live_policy_counters(struct vigil_bpf *skel, int ncpu, struct vg_pol_counters *out);

#endif
