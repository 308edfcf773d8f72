/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_kernel.h - loaded TracingPolicies compiled into the tables the
 * probe's policy programs read (include/vigil/events.h): one struct
 * vg_pol_hook per hook, its selectors as struct vg_pol_sel, the hooks of
 * each syscall, and the contents of the string, prefix, integer and binary
 * sets. live_policy.c writes them into the BPF maps; user space also keeps
 * them to describe the events the probe sends back (hook id -> policy,
 * hook, argument types).
 *
 * Ownership: a pol_kernel owns its arrays; it borrows the policy_set it was
 * built from (pol_kernel.info), which must outlive it.
 */
#ifndef VIGIL_POLICY_KERNEL_H
#define VIGIL_POLICY_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "policy/policy.h"

struct pol_kstr {		/* an Equal string of a set */
	uint32_t set;
	uint32_t len;		/* bytes, without the NUL */
	const char *s;
};

struct pol_klpm {		/* a Prefix (or reversed Postfix) of a set */
	uint32_t set;
	uint32_t len;
	uint8_t data[VG_POL_LPM];
};

struct pol_kint {		/* an InMap value of a set */
	uint32_t set;
	uint64_t v;
};

struct pol_kcidr {		/* an address or CIDR of a set */
	uint32_t set;
	uint16_t family;	/* AF_INET / AF_INET6 */
	uint16_t bits;
	uint8_t addr[16];
};

/* The deny points an Override of the loaded policies is routed to. */
enum pol_route {
	POL_ROUTE_CONNECT = 1 << 0,	/* cgroup/connect4, connect6 */
	POL_ROUTE_BIND = 1 << 1,	/* cgroup/bind4, bind6 */
	POL_ROUTE_SENDMSG = 1 << 2,	/* cgroup/sendmsg4, sendmsg6 */
	POL_ROUTE_SOCKET = 1 << 3,	/* cgroup/sock_create */
	POL_ROUTE_OPEN = 1 << 4,	/* fanotify FAN_OPEN_PERM */
	POL_ROUTE_EXEC = 1 << 5,	/* fanotify FAN_OPEN_EXEC_PERM */
};
/* The route of syscall nr's Override, or 0. */
unsigned pol_route_of(int nr);

enum pol_kbin_kind { PKB_EXACT, PKB_PREFIX, PKB_POSTFIX, PKB_COMM };

struct pol_kbin {		/* a matchBinaries value and the sets it is in */
	enum pol_kbin_kind kind;
	const char *path;	/* PKB_COMM: a process name */
	uint64_t mask;		/* prefixes/postfixes: OR of every shorter one it extends */
};

struct pol_khook {		/* what user space knows of a kernel hook */
	const struct policy *p;
	const struct pol_hook *h;
};

struct pol_kernel {
	struct vg_pol_hook *hooks;
	struct pol_khook *info;
	size_t nhooks;
	struct vg_pol_sel *sels;
	size_t nsels;
	struct vg_pol_sc sc[VG_SYSCALL_MAX];
	uint16_t *sclist;
	size_t nsclist;
	struct pol_kstr *strs;
	size_t nstrs;
	struct pol_klpm *lpms;
	size_t nlpms;
	struct pol_kint *ints;
	size_t nints;
	struct pol_kbin *bins;
	size_t nbins;
	struct pol_kcidr *cidrs;
	size_t ncidrs;
	unsigned routes;	/* enum pol_route: deny points to attach */
	uint32_t nsets;		/* set ids handed out (all kinds share the numbering) */
	uint64_t bin_sets;	/* bits used by matchBinaries selectors */
	uint64_t follow_mask;	/* ... of them with followChildren */
	bool monitor_all;	/* --policy-mode monitor */
	/* the generation of tables it fills (events.h VG_POL_GENS): hooks[i]
	 * is hook id hook_base + i, sels[i] selector sel_base + i, set ids
	 * start at set_base, matchBinaries bits are within bin_bits */
	uint32_t gen, hook_base, sel_base, set_base;
	uint64_t bin_bits;
	bool dynamic;		/* live changes may follow: attach every policy program */
};

struct pol_kernel_opts {
	bool monitor;		/* every policy in monitor mode */
	const char *proc;	/* /proc, for host_ns; NULL = "/proc" */
	unsigned gen;		/* generation of tables (0 or 1) */
	bool split_bins;	/* live changes: 32 matchBinaries bits per generation */
	bool dynamic;		/* live changes may follow (pol_kernel.dynamic) */
};

/* Compile every policy of `ps`. Returns 0, or -E2BIG/-EINVAL with a message
 * (too many hooks, selectors, binary sets; unreadable host namespaces). */
int pol_kernel_build(struct pol_kernel *k, const struct policy_set *ps, const struct pol_kernel_opts *o,
		     char *err, size_t errlen);
void pol_kernel_free(struct pol_kernel *k);

/* The binary sets an executable at `path` is in (as the probe computes at
 * exec), for processes that already run when the policies load. */
uint64_t pol_kernel_bin_mask(const struct pol_kernel *k, const char *path);
/* ... and the sets its name (comm, at most 15 bytes) is in. */
uint64_t pol_kernel_comm_mask(const struct pol_kernel *k, const char *comm);

#endif
