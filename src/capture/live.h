/* SPDX-License-Identifier: Apache-2.0 */
/*
 * live.h - the live event source: loads vigil's BPF probe (a libbpf
 * skeleton built from bpf/), routes the wanted syscalls to their programs,
 * and hands out the events of the per-CPU ring buffers in timestamp order,
 * decoded into struct event exactly as the capture reader does.
 *
 * Ownership: an event returned by live_next() points into the ring buffer
 * and stays valid until the next call to live_next().
 */
#ifndef VIGIL_LIVE_H
#define VIGIL_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event/event.h"
#include "vigil/events.h"

struct evtset;
struct drop_counts;

/* Counters of the probe, summed over CPUs, plus what user space saw. */
struct live_stats {
	uint64_t n_evts;		/* events the probe wrote */
	uint64_t n_drops_buffer;	/* lost: a ring was full */
	uint64_t n_drops_buffer_cat[VG_DROP_CAT_MAX];
	uint64_t n_drops_scratch;	/* lost: too large */
	uint64_t n_drops_nomap;
	uint64_t n_drops_recursion;	/* lost: the kernel skipped a nested run */
	uint64_t n_truncated;
	uint64_t n_unreadable;
	uint64_t n_bad;			/* events that failed to decode (a probe bug) */
	uint64_t n_read;		/* events handed out */
};

struct pol_kernel;

struct live_opts {
	uint32_t ring_bytes;		/* per CPU, a power of two >= page size */
	const struct pol_kernel *policy;	/* TracingPolicies to enforce, or NULL */
};

struct live;

/* Can live capture run here? Returns 0, or a negative errno with a sentence
 * saying what is missing (privileges, BTF, a build without the probe). */
int live_check_support(char *why, size_t len);

/* Load and attach the probe. Returns NULL with errno and a message. */
struct live *live_open(const struct live_opts *o, char *err, size_t errlen);
void live_close(struct live *l);

/* Which syscalls reach user space: those whose events (or, for syscalls
 * only generic events carry, whose syscall code) `types` holds, plus the
 * base set the state engine needs. NULL: every syscall. */
void live_set_interesting(struct live *l, const struct evtset *types);
/* Number of syscalls currently wanted. */
unsigned live_wanted_count(const struct live *l);

/* Next event in timestamp order. Returns 1 with *ev filled, 0 when nothing
 * arrived within timeout_ms, or a negative errno. */
int live_next(struct live *l, struct event *ev, int timeout_ms);

void live_get_stats(struct live *l, struct live_stats *s);

/* The probe's counters per CPU (the user-space ones stay zero): fills up to
 * `max` entries, returns how many, or a negative errno. */
int live_get_cpu_stats(struct live *l, struct live_stats *per_cpu, int max);

/* Every loaded program's kernel statistics: run time and run count (non-zero
 * only while kernel BPF statistics are enabled: kernel.bpf_stats_enabled or
 * a BPF_ENABLE_STATS descriptor) and recursion misses. Returns the number of
 * programs. */
typedef void (*live_prog_stat_fn)(void *ud, const char *prog, uint64_t run_time_ns, uint64_t run_cnt,
				  uint64_t recursion_misses);
int live_prog_stats(struct live *l, live_prog_stat_fn fn, void *ud);

/* Turn the kernel's BPF run-time statistics on for as long as the returned
 * descriptor stays open (BPF_ENABLE_STATS; the sysctl is left alone).
 * Returns the descriptor or a negative errno. */
int live_enable_bpf_stats(void);

/* The TracingPolicy programs' counters (zero without policies). */
struct vg_pol_counters;
void live_get_policy_counters(struct live *l, struct vg_pol_counters *out);

/* Replace the TracingPolicies in force (thread-safe against live_next: it
 * only touches BPF maps and the probe's globals). `next` must have been
 * compiled for the generation `cur` does not use (pol_kernel_opts.gen); its
 * tables are written, its deny points started, then one store makes it the
 * generation in force, and after the runs in flight are over `cur`'s tables
 * and deny points go. On failure nothing changed in force. */
int live_policy_swap(struct live *l, const struct pol_kernel *next, const struct pol_kernel *cur, char *err,
		     size_t errlen);

/* Where cgroup v2 is mounted (/sys/fs/cgroup, or .../unified on hybrid
 * hosts): its root is the root cgroup every process is under, and its
 * directories' inodes are the ids bpf_get_current_cgroup_id() gives.
 * 0 or a negative errno. */
int live_cgroup2_root(char *out, size_t len);

/* TracingPolicyNamespaced: tell the probe that cgroup `cgid` (a cgroup v2
 * directory's inode) holds a container of a pod of Kubernetes namespace
 * `ns`. 0 or a negative errno. */
int live_pod_cgroup(struct live *l, uint64_t cgid, const char *ns);

/* The drop counters the engine's drop manager and alert use. */
void live_drop_counts(const struct live_stats *s, struct drop_counts *d);

#endif /* VIGIL_LIVE_H */
