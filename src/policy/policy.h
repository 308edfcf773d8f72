/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy.h - Tetragon TracingPolicy / TracingPolicyNamespaced documents as
 * vigil loads them: the model (hooks, args, selectors, actions, lists,
 * options) read from YAML with the CRD's defaults, validated against
 * Tetragon's limits and against what this kernel can do (the refusals of
 * ../shared/spec/tracing-policy.md §5.5, with their exact messages), then
 * compiled into the kernel-side tables of include/vigil/events.h
 * (policy_kernel.h).
 *
 * Ownership: a policy_set owns every policy, string and array it holds
 * (one arena); policy_set_free() releases everything.
 */
#ifndef VIGIL_POLICY_H
#define VIGIL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/arena.h"
#include "common/diag.h"
#include <linux/types.h>
#include "vigil/events.h"

struct rule;
struct ruleset;

#define POLICY_NSYSCALLS 512
/* x86_64 syscall names by number ("openat"); NULL where none. */
extern const char *const policy_syscall_names[POLICY_NSYSCALLS];
/* The number of syscall `name` ("openat", or "sys_openat"), or -1. */
int policy_syscall_nr(const char *name);

/* A position in a policy file (1-based; 0 = unknown). */
struct pol_pos {
	int line, col;
};

enum pol_hook_kind { PH_KPROBE, PH_TRACEPOINT, PH_UPROBE, PH_USDT, PH_LSM, PH_FENTRY };

/* Argument types: Tetragon's type names (§1.3). */
enum pol_type {
	PT_AUTO = 0, PT_INT, PT_UINT32, PT_INT8, PT_UINT8, PT_INT16, PT_UINT16, PT_LONG, PT_ULONG,
	PT_STRING, PT_CHAR_BUF, PT_CHAR_IOVEC, PT_FILENAME, PT_FD, PT_FILE, PT_PATH, PT_DENTRY,
	PT_KIOCB, PT_IOV_ITER, PT_LINUX_BINPRM, PT_SKB, PT_SOCK, PT_SOCKET, PT_SOCKADDR,
	PT_SOCKADDR_UN, PT_NET_DEVICE, PT_CRED, PT_USER_NAMESPACE, PT_CAPABILITY, PT_KERNEL_CAP,
	PT_CAP_INHERITABLE, PT_CAP_PERMITTED, PT_CAP_EFFECTIVE, PT_BPF_ATTR, PT_BPF_PROG,
	PT_BPF_MAP, PT_PERF_EVENT, PT_BPF_CMD, PT_LOAD_INFO, PT_MODULE, PT_SYSCALL64,
	PT_DATA_LOC, PT_CONST_BUF, PT_NOP,
	PT__COUNT
};

/* Tetragon's operator names (§1.4); aliases map to the same value. */
enum pol_op {
	PO_NONE = 0, PO_EQUAL, PO_NOTEQUAL, PO_GT, PO_LT, PO_MASK, PO_INRANGE, PO_NOTINRANGE,
	PO_INMAP, PO_NOTINMAP, PO_PREFIX, PO_NOTPREFIX, PO_POSTFIX, PO_NOTPOSTFIX,
	PO_SUBSTRING, PO_SUBSTRINGIGNCASE, PO_FILETYPE, PO_NOTFILETYPE,
	PO_SADDR, PO_NOTSADDR, PO_DADDR, PO_NOTDADDR, PO_SPORT, PO_NOTSPORT, PO_DPORT, PO_NOTDPORT,
	PO_SPORTPRIV, PO_NOTSPORTPRIV, PO_DPORTPRIV, PO_NOTDPORTPRIV, PO_PROTOCOL, PO_FAMILY,
	PO_STATE, PO_CAPSGAINED, PO_CELEXPR, PO_IN, PO_NOTIN,
	PO__COUNT
};

enum pol_action {
	PA_POST = 0, PA_FOLLOWFD = 1, PA_SIGKILL = 2, PA_UNFOLLOWFD = 3, PA_OVERRIDE = 4, PA_COPYFD = 5,
	PA_GETURL = 6, PA_DNSLOOKUP = 7, PA_NOPOST = 8, PA_SIGNAL = 9, PA_TRACKSOCK = 10,
	PA_UNTRACKSOCK = 11, PA_NOTIFYENFORCER = 12, PA_CLEANUPENFORCER = 13, PA_SET = 14,
	PA__COUNT
};

enum pol_mode { PM_ENFORCE = 0, PM_MONITOR = 1 };

struct pol_value {
	const char *s;
	struct pol_pos pos;
};

struct pol_values {
	struct pol_value *v;
	size_t n;
};

struct pol_arg {
	int index;
	enum pol_type type;
	const char *type_name;
	const char *label;
	int size_arg_index;	/* 1-based; 0 = none */
	bool return_copy;
	uint32_t max_data;	/* 0 = default */
	const char *resolve;
	const char *source;	/* data[] only */
	struct pol_pos pos, type_pos;
};

struct pol_argfilter {
	int index;		/* `index`, or args[0] when `args:` is given */
	bool by_pos;		/* `args: [n]`: n is a position in the args list */
	int argpos;		/* resolved position in the hook's args list */
	enum pol_op op;
	const char *op_name;
	struct pol_values vals;
	struct pol_pos pos, op_pos;
};

struct pol_pidfilter {
	enum pol_op op;
	bool ns_pid, follow_forks;
	struct pol_values vals;
	struct pol_pos pos;
};

struct pol_binfilter {
	enum pol_op op;		/* IN, NOTIN, PREFIX, NOTPREFIX, POSTFIX, NOTPOSTFIX */
	const char *op_name;
	bool follow_children;
	bool comm;		/* vigil's, for rules' proc.name: values are process names (comm at exec); IN/NOTIN */
	struct pol_values vals;
	struct pol_pos pos, op_pos;
};

struct pol_nsfilter {
	int ns;			/* enum vg_pol_ns */
	const char *ns_name;
	enum pol_op op;
	struct pol_values vals;
	struct pol_pos pos;
};

struct pol_capfilter {
	int type;		/* 0 effective, 1 inheritable, 2 permitted */
	enum pol_op op;
	bool ns_cap;
	uint64_t mask;
	struct pol_values vals;
	struct pol_pos pos;
};

struct pol_actionspec {
	enum pol_action type;
	const char *name;
	int32_t arg_error;
	bool has_error;
	uint32_t arg_sig;
	bool has_sig;
	uint32_t rate_ms;
	int rate_scope;		/* 0 thread, 1 process, 2 global */
	bool kernel_stack, user_stack, ima_hash;
	const char *arg_url, *arg_fqdn;
	struct pol_pos pos;
};

#define POL_LIST(T) struct { T *v; size_t n; }

struct pol_selector {
	POL_LIST(struct pol_argfilter) args;
	POL_LIST(struct pol_argfilter) data;
	POL_LIST(struct pol_argfilter) ret;
	POL_LIST(struct pol_pidfilter) pids;
	POL_LIST(struct pol_binfilter) bins;
	POL_LIST(struct pol_binfilter) parent_bins;
	POL_LIST(struct pol_nsfilter) ns;
	POL_LIST(struct pol_capfilter) caps;
	size_t n_ns_changes, n_cap_changes;
	POL_LIST(struct pol_actionspec) actions;
	POL_LIST(struct pol_actionspec) ret_actions;
	const char *label;
	struct pol_pos pos;
};

struct pol_hook {
	enum pol_hook_kind kind;
	const char *call;	/* kprobe call, lsm hook, "subsystem/event" */
	const char *subsystem, *event;
	bool syscall;
	bool ret;		/* return: true */
	bool has_ret_arg;
	struct pol_arg ret_arg;
	bool raw;
	bool ignore_call_not_found;
	POL_LIST(struct pol_arg) args;
	POL_LIST(struct pol_arg) data;
	POL_LIST(struct pol_selector) sels;
	const char *message;
	POL_LIST(const char *) tags;
	struct pol_pos pos, call_pos;

	/* kprobe tcp_connect translated to connect(2) (spec §5.1): its `sock`
	 * argument is read as connect's destination sockaddr, TCP sockets only */
	bool xlate_tcp_connect;
	/* resolved by validation (kprobes with syscall: true, lists expanded) */
	int *nrs;		/* syscall numbers this hook applies to */
	size_t nnrs;
	bool all_syscalls;	/* raw_syscalls tracepoint without a syscall filter */
};

struct pol_list {
	bool reported;		/* its errors were reported once */
	const char *name;
	const char *type;
	struct pol_values vals;
	struct pol_pos pos;
};

struct policy {
	const char *file;
	const char *text;	/* the file's bytes, for diagnostics */
	size_t text_len;
	const char *name;
	bool namespaced;
	const char *ns;		/* metadata.namespace */
	enum pol_mode mode;
	POL_LIST(struct pol_hook) hooks;
	POL_LIST(struct pol_list) lists;
	bool has_enforcers;
	struct pol_values enforcer_calls;	/* spec.enforcers[].calls */
	int *enf_nrs;			/* ... resolved to syscalls */
	size_t nenf;
	struct pol_pos pos;
	size_t first_hook;	/* index of its first compiled hook (policy_kernel) */
	const struct rule *rule;	/* a Falco rule with an `action` (from_rule.c), or NULL */
};

struct policy_set {
	struct arena a;
	struct policy **v;
	size_t n;
};

struct policy_load_opts {
	bool allow_override_downgrade;	/* --allow-override-downgrade=sigkill */
	bool force_monitor;		/* --policy-mode monitor, --audit */
	const struct ruleset *rules;	/* its acting rules are compiled with the policies (from_rule.c) */
};

void policy_set_init(struct policy_set *ps);
void policy_set_free(struct policy_set *ps);

/* Load the policies of `path` (a file with one or more YAML documents, or a
 * directory whose *.yaml / *.yml files load in name order) into `ps`, then
 * validate them. Every problem goes to `dl` as file:line:col with the
 * source line. Returns 0, or -EINVAL when an error was reported (the policy
 * that has it is not added). */
int policy_load_path(struct policy_set *ps, const char *path, const struct policy_load_opts *o,
		     struct diag_list *dl);

/* The same for a text in memory (tests); `file` names it in diagnostics. */
int policy_load_text(struct policy_set *ps, const char *file, const char *text, size_t len,
		     const struct policy_load_opts *o, struct diag_list *dl);

/* Names, for events and messages. */
const char *pol_type_name(enum pol_type t);
const char *pol_op_name(enum pol_op op);
const char *pol_action_name(enum pol_action a);
/* Tetragon's KprobeAction enum string ("KPROBE_ACTION_SIGKILL"). */
const char *pol_action_enum(enum pol_action a);
/* "__x64_sys_openat" for syscall nr. */
const char *pol_function_name(int nr, char *buf, size_t len);

#endif
