/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scap.h - reading .scap capture files (the format of sysdig and Falco):
 * pcapng-like blocks, optionally gzip-compressed, section header versions
 * 1.0-1.2. The block reader hands out raw blocks; the parsers below decode
 * the metadata blocks (machine info, process list, fd lists, users and
 * groups, interfaces) into views, and event blocks into struct event.
 *
 * Errors name the byte offset in the (decompressed) stream. Views point into
 * the reader's buffer and are valid until the next call to
 * scap_reader__next_block().
 */
#ifndef VIGIL_SCAP_H
#define VIGIL_SCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event/event.h"

/* Block type ids. */
#define SCAP_BT_SHB		0x0A0D0D0Au
#define SCAP_BT_MI		0x201u
#define SCAP_BT_MI_INT		0x8002ABCDu
#define SCAP_BT_PL_V1		0x202u
#define SCAP_BT_PL_V1_INT	0x8000ABCDu
#define SCAP_BT_PL_V2		0x207u
#define SCAP_BT_PL_V2_INT	0x8013ABCDu
#define SCAP_BT_PL_V3		0x209u
#define SCAP_BT_PL_V3_INT	0x8014ABCDu
#define SCAP_BT_PL_V4		0x210u
#define SCAP_BT_PL_V5		0x211u
#define SCAP_BT_PL_V6		0x212u
#define SCAP_BT_PL_V7		0x213u
#define SCAP_BT_PL_V8		0x214u
#define SCAP_BT_PL_V9		0x215u
#define SCAP_BT_FDL		0x203u
#define SCAP_BT_FDL_INT		0x8001ABCDu
#define SCAP_BT_FDL_V2		0x218u
#define SCAP_BT_EV		0x204u
#define SCAP_BT_EV_INT		0x8010ABCDu
#define SCAP_BT_EV_V2		0x216u
#define SCAP_BT_EV_V2_LARGE	0x221u
#define SCAP_BT_IL		0x205u
#define SCAP_BT_IL_INT		0x8011ABCDu
#define SCAP_BT_IL_V2		0x219u
#define SCAP_BT_UL		0x206u
#define SCAP_BT_UL_INT		0x8012ABCDu
#define SCAP_BT_UL_V2		0x220u
#define SCAP_BT_EVF		0x208u
#define SCAP_BT_EVF_V2		0x217u
#define SCAP_BT_EVF_V2_LARGE	0x222u

#define SCAP_SHB_MAGIC		0x1A2B3C4Du

/* Flags of EVF blocks. */
#define SCAP_DF_STATE_ONLY	1u
#define SCAP_DF_LARGE		4u

/* fd types in fd-list blocks. */
enum scap_fd_type {
	SCAP_FD_UNINITIALIZED = 0,
	SCAP_FD_FILE = 1,
	SCAP_FD_DIRECTORY = 2,
	SCAP_FD_IPV4_SOCK = 3,
	SCAP_FD_IPV6_SOCK = 4,
	SCAP_FD_IPV4_SERVSOCK = 5,
	SCAP_FD_IPV6_SERVSOCK = 6,
	SCAP_FD_FIFO = 7,
	SCAP_FD_UNIX_SOCK = 8,
	SCAP_FD_EVENT = 9,
	SCAP_FD_UNSUPPORTED = 10,
	SCAP_FD_SIGNALFD = 11,
	SCAP_FD_EVENTPOLL = 12,
	SCAP_FD_INOTIFY = 13,
	SCAP_FD_TIMERFD = 14,
	SCAP_FD_NETLINK = 15,
	SCAP_FD_FILE_V2 = 16,
	SCAP_FD_BPF = 17,
	SCAP_FD_USERFAULTFD = 18,
	SCAP_FD_IOURING = 19,
	SCAP_FD_MEMFD = 20,
	SCAP_FD_PIDFD = 21,
};

struct scap_reader;

/* A raw block: type, where it starts, and its body (between the 8-byte
 * header and the trailing length, padding included). */
struct scap_block {
	uint32_t type;
	uint32_t total_len;
	uint64_t offset;
	const uint8_t *body;
	uint32_t body_len;
};

/* A string inside a block: (ptr, len), not NUL-terminated. */
struct scap_str {
	const char *p;
	uint32_t len;
};

struct scap_machine_info {
	uint32_t num_cpus;
	uint64_t memory_size_bytes;
	uint64_t max_pid;
	char hostname[129];
	uint64_t boot_ts_epoch;
};

/* One thread of a process-list block. Fields a version lacks are zero;
 * has_* says which optional groups were present. */
struct scap_proc_entry {
	uint64_t tid, pid, ptid, sid, vpgid;
	int64_t pgid;
	struct scap_str comm, exe, exepath, args, cwd, env, cgroups, root;
	uint64_t fdlimit;
	uint32_t flags, uid, gid;
	uint32_t vmsize_kb, vmrss_kb, vmswap_kb;
	uint64_t pfmajor, pfminor;
	int64_t vtid, vpid;
	uint64_t pidns_init_start_ts;
	uint32_t tty, loginuid;
	uint8_t exe_writable, exe_upper_layer, exe_from_memfd, exe_lower_layer;
	uint64_t cap_inheritable, cap_permitted, cap_effective;
	uint64_t exe_ino, exe_ino_ctime, exe_ino_mtime;
	uint64_t clone_ts;		/* epoch ns; capture files do not carry it (0),
					 * the /proc scanner does */
	bool has_sid, has_vpgid, has_exepath, has_env, has_vids, has_root;
	bool has_loginuid, has_tty, has_caps, has_exe_ino, has_pgid;
};

/* One entry of an fd-list block. */
struct scap_fd_entry {
	int64_t fd;
	uint64_t ino;
	uint8_t type;			/* enum scap_fd_type */
	uint8_t l4proto;
	uint16_t sport, dport;		/* host order */
	uint8_t sip[16], dip[16];	/* network order; v4 uses the first 4 bytes */
	uint64_t unix_src, unix_dst;
	uint32_t open_flags, dev;
	struct scap_str name;
};

struct scap_user_entry {
	uint32_t uid, gid;
	struct scap_str name, home, shell, container_id;
};

struct scap_group_entry {
	uint32_t gid;
	struct scap_str name, container_id;
};

/* Interface entry types (the NOLINKSPEED variants are reported as IPV4/IPV6
 * with a zero link speed). */
enum scap_iface_type {
	SCAP_II_IPV4 = 1,
	SCAP_II_IPV6 = 2,
	SCAP_II_IPV4_NOLINKSPEED = 3,
	SCAP_II_IPV6_NOLINKSPEED = 4,
};

/* One address of an interface-list block. */
struct scap_iface_entry {
	uint16_t type;			/* SCAP_II_IPV4 or SCAP_II_IPV6 */
	uint8_t addr[16], netmask[16], bcast[16];	/* network order; v4 uses 4 bytes */
	uint64_t linkspeed;
	struct scap_str name;
};

struct scap_meta_cb {
	void *ctx;
	int (*proc)(void *ctx, const struct scap_proc_entry *e);
	int (*fd)(void *ctx, uint64_t tid, const struct scap_fd_entry *e);
	int (*user)(void *ctx, const struct scap_user_entry *u);
	int (*group)(void *ctx, const struct scap_group_entry *g);
	int (*iface)(void *ctx, const struct scap_iface_entry *i);
};

/* Open `path` (plain or gzip). Returns NULL with errno set and a message in
 * `err` (errlen bytes) when the file cannot be opened or its section header
 * is invalid. */
struct scap_reader *scap_reader__open(const char *path, char *err, size_t errlen);
void scap_reader__free(struct scap_reader *r);

/* Next block. Returns 1 with *b filled, 0 at a clean end of file, or a
 * negative errno with the reason (naming the byte offset) in
 * scap_reader__error(). The SHB itself is returned as the first block. */
int scap_reader__next_block(struct scap_reader *r, struct scap_block *b);
const char *scap_reader__error(const struct scap_reader *r);
void scap_reader__version(const struct scap_reader *r, uint16_t *major, uint16_t *minor);
bool scap_reader__is_gzip(const struct scap_reader *r);

/* Inventory name of a block type ("EV_V2", "PL_V9"...), or NULL if unknown. */
const char *scap_block_name(uint32_t type);
bool scap_block_is_event(uint32_t type);

/* Block parsers. Each returns 0 or -EINVAL with a message (block-relative
 * detail; the caller prefixes the block offset) in err. Callback errors are
 * returned as is. */
int scap_parse_mi(const struct scap_block *b, struct scap_machine_info *mi, char *err, size_t errlen);
int scap_parse_proclist(const struct scap_block *b, const struct scap_meta_cb *cb, char *err, size_t errlen);
int scap_parse_fdlist(const struct scap_block *b, const struct scap_meta_cb *cb, char *err, size_t errlen);
int scap_parse_userlist(const struct scap_block *b, const struct scap_meta_cb *cb, char *err, size_t errlen);
int scap_parse_iflist(const struct scap_block *b, const struct scap_meta_cb *cb, char *err, size_t errlen);

/* Decode an event block into *ev (see event_decode()). Returns 0, -ENOENT
 * for an unknown event code, or -EINVAL with the reason in err. */
int scap_parse_event(const struct scap_block *b, struct event *ev, char *err, size_t errlen);

#endif /* VIGIL_SCAP_H */
