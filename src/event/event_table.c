/* SPDX-License-Identifier: Apache-2.0 */
/*
 * event_table.c - lookups over the event schema: the generated 2022 table
 * (event_table_gen.c) plus the later ids vigil knows (user/group metadata
 * events and the async event), and helpers the reader and fields use.
 */
#include <stdbool.h>
#include <string.h>
#include "event/event_table.h"

/* Ids >= 336 (falcosecurity libs after 2022). Capture files from current
 * libs carry the user/group events in their metadata section. */
static const struct ev_info ev_user_added = {
	"useradded", EC_INTERNAL, EF_MODIFIES_STATE, 6, {
		{ "uid", VG_PT_UINT32, PF_DEC, NULL, 0 },
		{ "gid", VG_PT_UINT32, PF_DEC, NULL, 0 },
		{ "name", VG_PT_CHARBUF, PF_NA, NULL, 0 },
		{ "home", VG_PT_CHARBUF, PF_NA, NULL, 0 },
		{ "shell", VG_PT_CHARBUF, PF_NA, NULL, 0 },
		{ "container_id", VG_PT_CHARBUF, PF_NA, NULL, 0 },
	} };
static const struct ev_info ev_user_deleted = {
	"userdeleted", EC_INTERNAL, EF_MODIFIES_STATE, 6, {
		{ "uid", VG_PT_UINT32, PF_DEC, NULL, 0 },
		{ "gid", VG_PT_UINT32, PF_DEC, NULL, 0 },
		{ "name", VG_PT_CHARBUF, PF_NA, NULL, 0 },
		{ "home", VG_PT_CHARBUF, PF_NA, NULL, 0 },
		{ "shell", VG_PT_CHARBUF, PF_NA, NULL, 0 },
		{ "container_id", VG_PT_CHARBUF, PF_NA, NULL, 0 },
	} };
static const struct ev_info ev_group_added = {
	"groupadded", EC_INTERNAL, EF_MODIFIES_STATE, 3, {
		{ "gid", VG_PT_UINT32, PF_DEC, NULL, 0 },
		{ "name", VG_PT_CHARBUF, PF_NA, NULL, 0 },
		{ "container_id", VG_PT_CHARBUF, PF_NA, NULL, 0 },
	} };
static const struct ev_info ev_group_deleted = {
	"groupdeleted", EC_INTERNAL, EF_MODIFIES_STATE, 3, {
		{ "gid", VG_PT_UINT32, PF_DEC, NULL, 0 },
		{ "name", VG_PT_CHARBUF, PF_NA, NULL, 0 },
		{ "container_id", VG_PT_CHARBUF, PF_NA, NULL, 0 },
	} };
static const struct ev_info ev_async = {
	"asyncevent", EC_OTHER, EF_LARGE_PAYLOAD, 3, {
		{ "plugin_id", VG_PT_UINT32, PF_DEC, NULL, 0 },
		{ "name", VG_PT_CHARBUF, PF_NA, NULL, 0 },
		{ "data", VG_PT_BYTEBUF, PF_NA, NULL, 0 },
	} };

/* vigil's TracingPolicy event (bpf/policy.bpf.c; events.h VG_POL_EV_*):
 * handled by the policy side, never by the rules. */
static const struct ev_info ev_policy = {
	"policy", EC_INTERNAL, 0, VG_POL_EV_NPARAMS, {
		{ "hook", VG_PT_UINT32, PF_DEC, NULL, 0 },
		{ "selector", VG_PT_UINT32, PF_DEC, NULL, 0 },
		{ "action", VG_PT_UINT32, PF_DEC, NULL, 0 },
		{ "flags", VG_PT_UINT32, PF_HEX, NULL, 0 },
		{ "sig", VG_PT_UINT32, PF_DEC, NULL, 0 },
		{ "nr", VG_PT_UINT32, PF_DEC, NULL, 0 },
		{ "pid", VG_PT_PID, PF_DEC, NULL, 0 },
		{ "ret", VG_PT_INT64, PF_DEC, NULL, 0 },
		{ "arg0", VG_PT_BYTEBUF, PF_NA, NULL, 0 },
		{ "arg1", VG_PT_BYTEBUF, PF_NA, NULL, 0 },
		{ "arg2", VG_PT_BYTEBUF, PF_NA, NULL, 0 },
		{ "arg3", VG_PT_BYTEBUF, PF_NA, NULL, 0 },
		{ "arg4", VG_PT_BYTEBUF, PF_NA, NULL, 0 },
	} };

/* Parameters that exit events gained after the 2022 table, appended to it
 * (libs only ever append): vigil's live capture fills them, and captures from
 * later libs carry them. */
#define P_(n, t, f) { n, t, f, NULL, 0 }
static const struct ev_param_info p_exec_later[] = {
	P_("cap_inheritable", VG_PT_UINT64, PF_HEX), P_("cap_permitted", VG_PT_UINT64, PF_HEX),
	P_("cap_effective", VG_PT_UINT64, PF_HEX), P_("exe_ino", VG_PT_UINT64, PF_DEC),
	P_("exe_ino_ctime", VG_PT_ABSTIME, PF_DEC), P_("exe_ino_mtime", VG_PT_ABSTIME, PF_DEC),
	P_("uid", VG_PT_UID, PF_DEC), P_("trusted_exepath", VG_PT_FSPATH, PF_NA),
	P_("pgid", VG_PT_PID, PF_NA), P_("gid", VG_PT_GID, PF_DEC),
};
static const struct ev_param_info p_ino = P_("ino", VG_PT_UINT64, PF_DEC);
/* execve's "flags": the 2022 table names only EXE_WRITABLE. */
static const struct ev_flag_name exe_flags_later[] = {
	{ "EXE_WRITABLE", VG_EXE_WRITABLE },
	{ "EXE_UPPER_LAYER", VG_EXE_UPPER_LAYER },
	{ "EXE_FROM_MEMFD", VG_EXE_FROM_MEMFD },
	{ "EXE_LOWER_LAYER", VG_EXE_LOWER_LAYER },
	{ NULL, 0 },
};
static const struct ev_param_info p_pidns = P_("pidns_init_start_ts", VG_PT_UINT64, PF_DEC);
static const struct ev_param_info p_reaper = P_("reaper_tid", VG_PT_PID, PF_DEC);
#undef P_

/* Append n parameters to m; with `missing_only`, those whose name m lacks. */
static void append_params(struct ev_info *m, const struct ev_param_info *p, uint32_t n, bool missing_only)
{
	for (uint32_t i = 0; i < n && m->nparams < VG_MAX_EVENT_PARAMS; i++)
		if (!missing_only || ev_param_index(m, p[i].name) < 0)
			m->params[m->nparams++] = p[i];
}

/* Exit events as vigil's live capture emits them (and as current libs lay
 * them out): the 2022 exit parameters, the parameters added since, then the
 * parameters of the matching enter event that the exit lacks, by name and in
 * the enter's order. A capture with separate enter and exit events simply
 * carries fewer parameters; the capture writer splits a merged exit back
 * into the two. */
static struct ev_info g_merged[EV_TABLE_GEN_MAX];
static uint8_t g_later_n[EV_TABLE_GEN_MAX];	/* params before the merged enter ones */
static bool g_merged_ready;

/* Syscalls later libs gave events of their own, split out of 2022 events
 * (dup2 out of dup...): the probe sends these, a capture for 2022 readers
 * carries the event they replace (`old_exit`, see the writer). Their
 * layouts are built from the 2022 events, then given later libs' params. */
struct ev_split {
	uint16_t exit, old_exit;
	const char *name;
	uint16_t nr;		/* x86_64 syscall number */
};
static const struct ev_split g_splits[] = {
	{ VG_EV_DUP2_X, VG_EV_DUP_X, "dup2", 33 },
	{ VG_EV_DUP3_X, VG_EV_DUP_X, "dup3", 292 },
	{ VG_EV_ACCEPT4_6_X, VG_EV_ACCEPT4_5_X, "accept4", 288 },
	{ VG_EV_UMOUNT2_X, VG_EV_UMOUNT_X, "umount2", 166 },
	{ VG_EV_PIPE2_X, VG_EV_PIPE_X, "pipe2", 293 },
	{ VG_EV_INOTIFY_INIT1_X, VG_EV_INOTIFY_INIT_X, "inotify_init1", 294 },
	{ VG_EV_EVENTFD2_X, VG_EV_EVENTFD_X, "eventfd2", 290 },
	{ VG_EV_SIGNALFD4_X, VG_EV_SIGNALFD_X, "signalfd4", 289 },
};
#define NSPLITS (sizeof(g_splits) / sizeof(g_splits[0]))
#define SPLIT_BASE VG_EV_DUP2_E
static struct ev_info g_split[VG_EV_SIGNALFD4_X + 1 - SPLIT_BASE];

static const struct ev_split *split_of(uint32_t type)
{
	for (size_t i = 0; i < NSPLITS; i++)
		if (g_splits[i].exit == type || g_splits[i].exit - 1u == type)
			return &g_splits[i];
	return NULL;
}

int ev_enter_type(uint32_t type)
{
	if (!(type & 1))
		return -1;
	if (type >= EV_TABLE_GEN_MAX)
		return split_of(type) && split_of(type)->exit == type ? (int)type - 1 : -1;
	if (!ev_table_gen[type].name || !ev_table_gen[type - 1].name ||
	    strcmp(ev_table_gen[type].name, ev_table_gen[type - 1].name))
		return -1;
	return (int)type - 1;
}

static void set_param(struct ev_info *m, uint32_t i, const char *name, uint8_t type, const void *flag_names)
{
	m->params[i] = (struct ev_param_info){ name, type, type == VG_PT_FD ? PF_DEC : PF_HEX, flag_names, 0 };
	if (i >= m->nparams)
		m->nparams = i + 1;
}

static void build_splits(void)
{
	const void *file_flags = ev_table_gen[VG_EV_OPEN_X].params[2].info;
	for (size_t i = 0; i < NSPLITS; i++) {
		const struct ev_split *s = &g_splits[i];
		struct ev_info *x = &g_split[s->exit - SPLIT_BASE], *e = &g_split[s->exit - 1 - SPLIT_BASE];
		*x = g_merged[s->old_exit];
		*e = ev_table_gen[s->old_exit - 1];
		x->name = e->name = s->name;
		switch (s->exit) {
		case VG_EV_DUP2_X: case VG_EV_DUP3_X:
			/* res, oldfd, newfd[, flags] */
			x->nparams = 1;
			set_param(x, 1, "oldfd", VG_PT_FD, NULL);
			set_param(x, 2, "newfd", VG_PT_FD, NULL);
			if (s->exit == VG_EV_DUP3_X)
				set_param(x, 3, "flags", VG_PT_FLAGS32, file_flags);
			break;
		case VG_EV_PIPE2_X:
			set_param(x, x->nparams, "flags", VG_PT_FLAGS32, file_flags);
			break;
		case VG_EV_INOTIFY_INIT1_X:
			set_param(x, 1, "flags", VG_PT_FLAGS16, file_flags);
			break;
		case VG_EV_EVENTFD2_X:
			/* res, flags, then the enter's initval */
			x->nparams = 1;
			set_param(x, 1, "flags", VG_PT_FLAGS16, file_flags);
			x->params[2] = ev_table_gen[VG_EV_EVENTFD_E].params[0];
			x->nparams = 3;
			e->nparams = 1;
			break;
		case VG_EV_SIGNALFD4_X:
			/* res, flags, then the enter's fd and mask */
			x->nparams = 1;
			set_param(x, 1, "flags", VG_PT_FLAGS16, file_flags);
			x->params[2] = ev_table_gen[VG_EV_SIGNALFD_E].params[0];
			x->params[3] = ev_table_gen[VG_EV_SIGNALFD_E].params[1];
			x->nparams = 4;
			e->nparams = 2;
			break;
		default:
			break;	/* accept4, umount2: the 2022 layout, merged */
		}
	}
}

uint32_t ev_split_old_exit(uint32_t type)
{
	const struct ev_split *s = type >= EV_TABLE_GEN_MAX ? split_of(type) : NULL;
	return s && s->exit == type ? s->old_exit : 0;
}

uint32_t ev_syscall_exit(uint32_t nr)
{
	for (size_t i = 0; i < NSPLITS; i++)
		if (g_splits[i].nr == nr)
			return g_splits[i].exit;
	return nr < EV_SYSCALL_ROUTES_MAX ? ev_syscall_routes_x86_64[nr].exit : 0;
}

static void build_merged(void)
{
	for (uint32_t t = 0; t < EV_TABLE_GEN_MAX; t++) {
		g_merged[t] = ev_table_gen[t];
		if (t == VG_EV_PROCEXIT_1_E) {
			/* not a syscall pair: libs appended who adopts the children */
			append_params(&g_merged[t], &p_reaper, 1, false);
			continue;
		}
		if (ev_enter_type(t) < 0)
			continue;
		struct ev_info *m = &g_merged[t];
		switch (t) {
		case VG_EV_EXECVE_19_X: case VG_EV_EXECVEAT_X: {
			int fi = ev_param_index(m, "flags");
			if (fi >= 0)
				m->params[fi].info = exe_flags_later;
			append_params(m, p_exec_later, sizeof(p_exec_later) / sizeof(p_exec_later[0]), false);
			break;
		}
		case VG_EV_OPEN_X: case VG_EV_OPENAT_2_X: case VG_EV_OPENAT2_X: case VG_EV_CREAT_X:
			append_params(m, &p_ino, 1, false);
			break;
		case VG_EV_CLONE_20_X: case VG_EV_FORK_20_X: case VG_EV_VFORK_20_X: case VG_EV_CLONE3_X:
			append_params(m, &p_pidns, 1, false);
			break;
		default:
			break;
		}
		g_later_n[t] = (uint8_t)m->nparams;
		const struct ev_info *e = &ev_table_gen[t - 1];
		append_params(m, e->params, e->nparams, true);
	}
	build_splits();
	g_merged_ready = true;
}

uint32_t ev_exit_native_nparams(uint32_t type)
{
	return type < EV_TABLE_GEN_MAX ? ev_table_gen[type].nparams : 0;
}

uint32_t ev_exit_own_nparams(uint32_t type)
{
	if (type >= EV_TABLE_GEN_MAX)
		return 0;
	if (!g_merged_ready)
		build_merged();
	return g_later_n[type] ? g_later_n[type] : ev_table_gen[type].nparams;
}

const struct ev_info *ev_info_get(uint32_t type)
{
	if (!g_merged_ready)
		build_merged();
	if (type < EV_TABLE_GEN_MAX)
		return g_merged[type].name ? &g_merged[type] : NULL;
	if (type >= SPLIT_BASE && type <= VG_EV_SIGNALFD4_X)
		return g_split[type - SPLIT_BASE].name ? &g_split[type - SPLIT_BASE] : NULL;
	switch (type) {
	case VG_EV_USER_ADDED_E:
		return &ev_user_added;
	case VG_EV_USER_DELETED_E:
		return &ev_user_deleted;
	case VG_EV_GROUP_ADDED_E:
		return &ev_group_added;
	case VG_EV_GROUP_DELETED_E:
		return &ev_group_deleted;
	case VG_EV_ASYNCEVENT_E:
		return &ev_async;
	case VG_EV_POLICY_E:
		return &ev_policy;
	default:
		return NULL;
	}
}

const char *ev_syscall_name(uint32_t sc)
{
	if (sc >= EV_SYSCALL_NAMES_MAX || !ev_syscall_names[sc] || !ev_syscall_names[sc][0])
		return NULL;
	return ev_syscall_names[sc];
}

int ev_param_index(const struct ev_info *info, const char *name)
{
	for (uint32_t i = 0; i < info->nparams; i++)
		if (strcmp(info->params[i].name, name) == 0)
			return (int)i;
	return -1;
}

int ev_name_known(const char *name)
{
	for (uint32_t t = 0; t < VG_EV_MAX; t++) {
		const struct ev_info *info = ev_info_get(t);
		if (info && strcmp(info->name, name) == 0)
			return 1;
	}
	return 0;
}

static const char *const type_names[VG_PT_MAX] = {
	[VG_PT_NONE] = "NONE", [VG_PT_INT8] = "INT8", [VG_PT_INT16] = "INT16",
	[VG_PT_INT32] = "INT32", [VG_PT_INT64] = "INT64", [VG_PT_UINT8] = "UINT8",
	[VG_PT_UINT16] = "UINT16", [VG_PT_UINT32] = "UINT32", [VG_PT_UINT64] = "UINT64",
	[VG_PT_CHARBUF] = "CHARBUF", [VG_PT_BYTEBUF] = "BYTEBUF", [VG_PT_ERRNO] = "ERRNO",
	[VG_PT_SOCKADDR] = "SOCKADDR", [VG_PT_SOCKTUPLE] = "SOCKTUPLE", [VG_PT_FD] = "FD",
	[VG_PT_PID] = "PID", [VG_PT_FDLIST] = "FDLIST", [VG_PT_FSPATH] = "FSPATH",
	[VG_PT_SYSCALLID] = "SYSCALLID", [VG_PT_SIGTYPE] = "SIGTYPE",
	[VG_PT_RELTIME] = "RELTIME", [VG_PT_ABSTIME] = "ABSTIME", [VG_PT_PORT] = "PORT",
	[VG_PT_L4PROTO] = "L4PROTO", [VG_PT_SOCKFAMILY] = "SOCKFAMILY", [VG_PT_BOOL] = "BOOL",
	[VG_PT_IPV4ADDR] = "IPV4ADDR", [VG_PT_DYN] = "DYNAMIC", [VG_PT_FLAGS8] = "FLAGS8",
	[VG_PT_FLAGS16] = "FLAGS16", [VG_PT_FLAGS32] = "FLAGS32", [VG_PT_UID] = "UID",
	[VG_PT_GID] = "GID", [VG_PT_DOUBLE] = "DOUBLE", [VG_PT_SIGSET] = "SIGSET",
	[VG_PT_CHARBUFARRAY] = "CHARBUFARRAY", [VG_PT_CHARBUF_PAIR_ARRAY] = "CHARBUF_PAIR_ARRAY",
	[VG_PT_IPV4NET] = "IPV4NET", [VG_PT_IPV6ADDR] = "IPV6ADDR", [VG_PT_IPV6NET] = "IPV6NET",
	[VG_PT_IPADDR] = "IPADDR", [VG_PT_IPNET] = "IPNET", [VG_PT_MODE] = "MODE",
	[VG_PT_FSRELPATH] = "FSRELPATH", [VG_PT_ENUMFLAGS8] = "ENUMFLAGS8",
	[VG_PT_ENUMFLAGS16] = "ENUMFLAGS16", [VG_PT_ENUMFLAGS32] = "ENUMFLAGS32",
};

const char *ev_param_type_name(uint32_t type)
{
	return type < VG_PT_MAX && type_names[type] ? type_names[type] : "UNKNOWN";
}

size_t ev_param_type_size(uint32_t type)
{
	switch (type) {
	case VG_PT_INT8: case VG_PT_UINT8: case VG_PT_FLAGS8: case VG_PT_SIGTYPE:
	case VG_PT_L4PROTO: case VG_PT_SOCKFAMILY: case VG_PT_ENUMFLAGS8:
		return 1;
	case VG_PT_INT16: case VG_PT_UINT16: case VG_PT_FLAGS16: case VG_PT_PORT:
	case VG_PT_SYSCALLID: case VG_PT_ENUMFLAGS16:
		return 2;
	case VG_PT_INT32: case VG_PT_UINT32: case VG_PT_FLAGS32: case VG_PT_UID:
	case VG_PT_GID: case VG_PT_BOOL: case VG_PT_MODE: case VG_PT_SIGSET:
	case VG_PT_IPV4ADDR: case VG_PT_ENUMFLAGS32:
		return 4;
	case VG_PT_INT64: case VG_PT_UINT64: case VG_PT_ERRNO: case VG_PT_FD:
	case VG_PT_PID: case VG_PT_RELTIME: case VG_PT_ABSTIME: case VG_PT_DOUBLE:
		return 8;
	case VG_PT_IPV6ADDR:
		return 16;
	default:
		return 0;
	}
}
