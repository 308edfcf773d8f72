/* SPDX-License-Identifier: Apache-2.0 */
/*
 * names.c - the words of the TracingPolicy language: argument type names
 * with their aliases (Tetragon's genericStringToType), operator spellings
 * (SelectorOp), action names and their KprobeAction enum strings, namespace
 * and capability names, and syscall names.
 */
#include <stdio.h>
#include <string.h>
#include "policy/policy.h"
#include "policy/policy_int.h"

static const struct { const char *name; enum pol_type t; } type_names[] = {
	{ "auto", PT_AUTO }, { "int", PT_INT }, { "sint32", PT_INT }, { "int32", PT_INT },
	{ "uint32", PT_UINT32 }, { "sint8", PT_INT8 }, { "int8", PT_INT8 }, { "uint8", PT_UINT8 },
	{ "sint16", PT_INT16 }, { "int16", PT_INT16 }, { "uint16", PT_UINT16 },
	{ "long", PT_LONG }, { "sint64", PT_LONG }, { "int64", PT_LONG },
	{ "ulong", PT_ULONG }, { "uint64", PT_ULONG }, { "unsigned long", PT_ULONG }, { "size_t", PT_ULONG },
	{ "string", PT_STRING }, { "char_buf", PT_CHAR_BUF }, { "char_iovec", PT_CHAR_IOVEC },
	{ "filename", PT_FILENAME }, { "fd", PT_FD }, { "file", PT_FILE }, { "path", PT_PATH },
	{ "dentry", PT_DENTRY }, { "kiocb", PT_KIOCB }, { "iov_iter", PT_IOV_ITER },
	{ "linux_binprm", PT_LINUX_BINPRM }, { "skb", PT_SKB }, { "sock", PT_SOCK }, { "socket", PT_SOCKET },
	{ "sockaddr", PT_SOCKADDR }, { "sockaddr_un", PT_SOCKADDR_UN }, { "net_device", PT_NET_DEVICE },
	{ "cred", PT_CRED }, { "user_namespace", PT_USER_NAMESPACE }, { "capability", PT_CAPABILITY },
	{ "kernel_cap_t", PT_KERNEL_CAP }, { "cap_inheritable", PT_CAP_INHERITABLE },
	{ "cap_permitted", PT_CAP_PERMITTED }, { "cap_effective", PT_CAP_EFFECTIVE },
	{ "bpf_attr", PT_BPF_ATTR }, { "bpf_prog", PT_BPF_PROG }, { "bpf_map", PT_BPF_MAP },
	{ "perf_event", PT_PERF_EVENT }, { "bpf_cmd", PT_BPF_CMD }, { "load_info", PT_LOAD_INFO },
	{ "module", PT_MODULE }, { "syscall64", PT_SYSCALL64 }, { "data_loc", PT_DATA_LOC },
	{ "const_buf", PT_CONST_BUF }, { "nop", PT_NOP },
};

int pol_type_lookup(const char *s, enum pol_type *out)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if (!strcmp(type_names[i].name, s)) {
			*out = type_names[i].t;
			return 0;
		}
	}
	return -1;
}

const char *pol_type_name(enum pol_type t)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].t == t)
			return type_names[i].name;
	return "?";
}

const char *const *pol_type_all(size_t *n)
{
	static const char *v[sizeof(type_names) / sizeof(type_names[0])];
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		v[i] = type_names[i].name;
	*n = sizeof(type_names) / sizeof(type_names[0]);
	return v;
}

static const struct { const char *name; enum pol_op op; } op_names[] = {
	{ "Equal", PO_EQUAL }, { "eq", PO_EQUAL }, { "NotEqual", PO_NOTEQUAL }, { "neq", PO_NOTEQUAL },
	{ "GreaterThan", PO_GT }, { "gt", PO_GT }, { "GT", PO_GT },
	{ "LessThan", PO_LT }, { "lt", PO_LT }, { "LT", PO_LT },
	{ "Mask", PO_MASK }, { "mask", PO_MASK }, { "InRange", PO_INRANGE }, { "NotInRange", PO_NOTINRANGE },
	{ "InMap", PO_INMAP }, { "NotInMap", PO_NOTINMAP }, { "Prefix", PO_PREFIX }, { "NotPrefix", PO_NOTPREFIX },
	{ "Postfix", PO_POSTFIX }, { "NotPostfix", PO_NOTPOSTFIX }, { "SubString", PO_SUBSTRING },
	{ "SubStringIgnCase", PO_SUBSTRINGIGNCASE }, { "FileType", PO_FILETYPE }, { "NotFileType", PO_NOTFILETYPE },
	{ "SAddr", PO_SADDR }, { "NotSAddr", PO_NOTSADDR }, { "DAddr", PO_DADDR }, { "NotDAddr", PO_NOTDADDR },
	{ "SPort", PO_SPORT }, { "NotSPort", PO_NOTSPORT }, { "DPort", PO_DPORT }, { "NotDPort", PO_NOTDPORT },
	{ "SPortPriv", PO_SPORTPRIV }, { "NotSPortPriv", PO_NOTSPORTPRIV }, { "DPortPriv", PO_DPORTPRIV },
	{ "NotDPortPriv", PO_NOTDPORTPRIV }, { "Protocol", PO_PROTOCOL }, { "Family", PO_FAMILY },
	{ "State", PO_STATE }, { "CapabilitiesGained", PO_CAPSGAINED }, { "CelExpr", PO_CELEXPR },
	{ "In", PO_IN }, { "NotIn", PO_NOTIN },
};

int pol_op_lookup(const char *s, enum pol_op *out)
{
	for (size_t i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++) {
		if (!strcmp(op_names[i].name, s)) {
			*out = op_names[i].op;
			return 0;
		}
	}
	return -1;
}

const char *pol_op_name(enum pol_op op)
{
	for (size_t i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
		if (op_names[i].op == op)
			return op_names[i].name;
	return "?";
}

const char *const *pol_op_all(size_t *n)
{
	static const char *v[sizeof(op_names) / sizeof(op_names[0])];
	for (size_t i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
		v[i] = op_names[i].name;
	*n = sizeof(op_names) / sizeof(op_names[0]);
	return v;
}

/* ParseMatchAction accepts the names case-insensitively. */
static const char *const action_names[PA__COUNT] = {
	[PA_POST] = "Post", [PA_FOLLOWFD] = "FollowFD", [PA_SIGKILL] = "Sigkill",
	[PA_UNFOLLOWFD] = "UnfollowFD", [PA_OVERRIDE] = "Override", [PA_COPYFD] = "CopyFD",
	[PA_GETURL] = "GetUrl", [PA_DNSLOOKUP] = "DnsLookup", [PA_NOPOST] = "NoPost",
	[PA_SIGNAL] = "Signal", [PA_TRACKSOCK] = "TrackSock", [PA_UNTRACKSOCK] = "UntrackSock",
	[PA_NOTIFYENFORCER] = "NotifyEnforcer", [PA_CLEANUPENFORCER] = "CleanupEnforcerNotification",
	[PA_SET] = "Set",
};

static const char *const action_enums[PA__COUNT] = {
	[PA_POST] = "KPROBE_ACTION_POST", [PA_FOLLOWFD] = "KPROBE_ACTION_FOLLOWFD",
	[PA_SIGKILL] = "KPROBE_ACTION_SIGKILL", [PA_UNFOLLOWFD] = "KPROBE_ACTION_UNFOLLOWFD",
	[PA_OVERRIDE] = "KPROBE_ACTION_OVERRIDE", [PA_COPYFD] = "KPROBE_ACTION_COPYFD",
	[PA_GETURL] = "KPROBE_ACTION_GETURL", [PA_DNSLOOKUP] = "KPROBE_ACTION_DNSLOOKUP",
	[PA_NOPOST] = "KPROBE_ACTION_NOPOST", [PA_SIGNAL] = "KPROBE_ACTION_SIGNAL",
	[PA_TRACKSOCK] = "KPROBE_ACTION_TRACKSOCK", [PA_UNTRACKSOCK] = "KPROBE_ACTION_UNTRACKSOCK",
	[PA_NOTIFYENFORCER] = "KPROBE_ACTION_NOTIFYENFORCER",
	[PA_CLEANUPENFORCER] = "KPROBE_ACTION_CLEANUPENFORCERNOTIFICATION", [PA_SET] = "KPROBE_ACTION_SET",
};

int pol_action_lookup(const char *s, enum pol_action *out)
{
	for (int i = 0; i < PA__COUNT; i++) {
		if (action_names[i] && !strcasecmp(action_names[i], s)) {
			*out = (enum pol_action)i;
			return 0;
		}
	}
	return -1;
}

const char *pol_action_name(enum pol_action a)
{
	return a < PA__COUNT && action_names[a] ? action_names[a] : "?";
}

const char *pol_action_enum(enum pol_action a)
{
	return a < PA__COUNT && action_enums[a] ? action_enums[a] : "KPROBE_ACTION_UNKNOWN";
}

const char *const *pol_action_all(size_t *n)
{
	*n = PA__COUNT;
	return action_names;
}

/* matchNamespaces names (Tetragon: Uts, Ipc, Mnt, Pid, PidForChildren, Net,
 * Time, TimeForChildren, Cgroup, User). */
static const char *const ns_names[] = {
	"Uts", "Ipc", "Mnt", "Pid", "PidForChildren", "Net", "Time", "TimeForChildren", "Cgroup", "User",
};
/* their /proc/<pid>/ns/ entries */
static const char *const ns_proc[] = {
	"uts", "ipc", "mnt", "pid", "pid_for_children", "net", "time", "time_for_children", "cgroup", "user",
};

int pol_ns_lookup(const char *s)
{
	for (size_t i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++)
		if (!strcasecmp(ns_names[i], s))
			return (int)i;
	return -1;
}

const char *pol_ns_proc_name(int ns)
{
	return ns >= 0 && (size_t)ns < sizeof(ns_proc) / sizeof(ns_proc[0]) ? ns_proc[ns] : "?";
}

static const char *const cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
	"CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
	"CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

int pol_cap_lookup(const char *s)
{
	for (size_t i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
		if (!strcmp(cap_names[i], s))
			return (int)i;
	return -1;
}

/* Syscalls whose kernel entry point is not named after the table entry
 * (x86_64: __x64_sys_newuname serves uname). Tetragon hooks the kernel
 * symbol, so policies write `sys_newuname`; both spellings are accepted and
 * events report the kernel's name. */
static const struct { int nr; const char *sym; } sym_alias[] = {
	{ 4, "newstat" }, { 5, "newfstat" }, { 6, "newlstat" }, { 40, "sendfile64" },
	{ 63, "newuname" }, { 166, "umount" },
};

int policy_syscall_nr(const char *name)
{
	if (!strncmp(name, "sys_", 4))
		name += 4;
	for (int i = 0; i < POLICY_NSYSCALLS; i++)
		if (policy_syscall_names[i] && !strcmp(policy_syscall_names[i], name))
			return i;
	for (size_t i = 0; i < sizeof(sym_alias) / sizeof(sym_alias[0]); i++)
		if (!strcmp(sym_alias[i].sym, name))
			return sym_alias[i].nr;
	return -1;
}

const char *pol_function_name(int nr, char *buf, size_t len)
{
	const char *n = nr >= 0 && nr < POLICY_NSYSCALLS ? policy_syscall_names[nr] : NULL;
	for (size_t i = 0; i < sizeof(sym_alias) / sizeof(sym_alias[0]); i++)
		if (sym_alias[i].nr == nr)
			n = sym_alias[i].sym;
	snprintf(buf, len, "__x64_sys_%s", n ? n : "unknown");
	return buf;
}
