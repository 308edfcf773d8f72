/* SPDX-License-Identifier: Apache-2.0 */
/*
 * event_table.h - the event schema: for every event code, its name, category,
 * flags and the name, type and print format of each parameter, plus the names
 * of flag values and of syscalls. It drives the capture reader (parameter
 * layout), the state engine, `evt.arg.*` fields and the text rendering of
 * parameters. Tables are static and read-only.
 */
#ifndef VIGIL_EVENT_TABLE_H
#define VIGIL_EVENT_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "vigil/events.h"

/* Event categories (a field of evt.category). */
enum ev_category {
	EC_UNKNOWN = 0,
	EC_OTHER = 1,
	EC_FILE = 2,
	EC_NET = 3,
	EC_IPC = 4,
	EC_MEMORY = 5,
	EC_PROCESS = 6,
	EC_SLEEP = 7,
	EC_SYSTEM = 8,
	EC_SIGNAL = 9,
	EC_USER = 10,
	EC_TIME = 11,
	EC_PROCESSING = 12,
	EC_IO_READ = 32,
	EC_IO_WRITE = 33,
	EC_IO_OTHER = 34,
	EC_WAIT = 64,
	EC_SCHEDULER = 128,
	EC_INTERNAL = 256,
};

/* Event flags. */
enum ev_flags {
	EF_CREATES_FD = 1 << 0,
	EF_DESTROYS_FD = 1 << 1,
	EF_USES_FD = 1 << 2,
	EF_READS_FROM_FD = 1 << 3,
	EF_WRITES_TO_FD = 1 << 4,
	EF_MODIFIES_STATE = 1 << 5,
	EF_UNUSED = 1 << 6,
	EF_WAITS = 1 << 7,
	EF_SKIPPARSERESET = 1 << 8,
	EF_OLD_VERSION = 1 << 9,
	EF_DROP_SIMPLE_CONS = 1 << 10,
	EF_LARGE_PAYLOAD = 1 << 11,
};

/* Print formats of numeric parameters. */
enum ev_print_fmt {
	PF_NA = 0,
	PF_DEC = 1,
	PF_HEX = 2,
	PF_10_PADDED_DEC = 3,
	PF_ID = 4,
	PF_DIR = 5,
	PF_OCT = 6,
};

struct ev_flag_name {
	const char *name;
	uint32_t value;
};

struct ev_param_info {
	const char *name;
	uint8_t type;		/* enum vg_param_type */
	uint8_t fmt;		/* enum ev_print_fmt */
	const void *info;	/* flag names (struct ev_flag_name[], NULL-terminated)
				   or, for VG_PT_DYN, struct ev_param_info[ninfo] */
	uint32_t ninfo;		/* VG_PT_DYN: entries in info; VG_PT_FSRELPATH: index
				   of the dirfd parameter */
};

struct ev_info {
	const char *name;
	uint16_t category;	/* enum ev_category */
	uint16_t flags;		/* enum ev_flags */
	uint32_t nparams;
	struct ev_param_info params[VG_MAX_EVENT_PARAMS];
};

#define EV_TABLE_GEN_MAX 336		/* ids covered by the generated table */
#define EV_SYSCALL_NAMES_MAX 329	/* syscall codes (VG_PT_SYSCALLID values) */
#define EV_SYSCALL_ROUTES_MAX 512	/* x86_64 syscall numbers */

/* x86_64 syscall number -> enter/exit event and syscall code. */
struct ev_syscall_route {
	uint16_t enter;
	uint16_t exit;
	uint16_t sc;		/* index in ev_syscall_names */
	uint16_t flags;
};

extern const struct ev_info ev_table_gen[EV_TABLE_GEN_MAX];
extern const char *const ev_syscall_names[EV_SYSCALL_NAMES_MAX];
extern const struct ev_syscall_route ev_syscall_routes_x86_64[EV_SYSCALL_ROUTES_MAX];

/* The schema of event code `type`, or NULL when vigil does not know it. */
const struct ev_info *ev_info_get(uint32_t type);

/* Number of parameters an exit event has in the 2022 layout (before the
 * parameters later libs appended and the enter parameters that merged exit
 * events carry after them). */
uint32_t ev_exit_native_nparams(uint32_t type);
/* Number of the exit event's own parameters: the 2022 ones and those later
 * libs appended, before the merged enter parameters. */
uint32_t ev_exit_own_nparams(uint32_t type);

/* The enter event of exit event `type` (its code minus one, when both are the
 * same syscall in the 2022 table), or -1 when it has none. */
int ev_enter_type(uint32_t type);
/* For an exit event later libs split out of a 2022 one (dup2 out of dup),
 * the 2022 exit event it replaces; 0 otherwise. */
uint32_t ev_split_old_exit(uint32_t type);
/* The exit event of x86_64 syscall nr, as the live probe sends it (the
 * later event where libs split one out). */
uint32_t ev_syscall_exit(uint32_t nr);

/* Name of a syscall code (VG_PT_SYSCALLID value), or NULL. */
const char *ev_syscall_name(uint32_t sc);

/* Index of the parameter called `name` in `info`, or -1. */
int ev_param_index(const struct ev_info *info, const char *name);

/* True if some known event is called `name` ("open", "execve"...). */
int ev_name_known(const char *name);

/* Name of a parameter type ("FD", "CHARBUF"...). */
const char *ev_param_type_name(uint32_t type);

/* Number of bytes a fixed-size parameter type takes, or 0 if variable. */
size_t ev_param_type_size(uint32_t type);

#endif /* VIGIL_EVENT_TABLE_H */
