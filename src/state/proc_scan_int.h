/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proc_scan_int.h - what the files of the /proc scanner share: the scan
 * context (procfs directory fd, clock, caches for one scan), the procfs
 * readers (openat on a directory fd, one read() where one does) and the
 * mount table. proc_scan.c reads threads, proc_scan_fd.c fds and sockets,
 * proc_scan_io.c holds the readers and mounts. Not for use outside
 * src/state/.
 */
#ifndef VIGIL_PROC_SCAN_INT_H
#define VIGIL_PROC_SCAN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "common/hashmap.h"

/* libscap's limits (SCAP_MAX_*_SIZE): what a process list entry keeps. */
#define PSCAN_MAX_PATH		1024
#define PSCAN_MAX_ARGS		4096
#define PSCAN_MAX_ENV		4096
#define PSCAN_MAX_CGROUPS	4096

struct state;

/* One mount, from a mountinfo line. */
struct pscan_mount {
	uint32_t dev;		/* makedev(major, minor), as libscap keeps it */
	bool ro;		/* the mount or its superblock is read-only */
	bool overlay;		/* filesystem type "overlay" */
	char *point;		/* mount point, relative to the process's root */
	char *root;		/* the directory of the filesystem mounted there */
	char *upperdir;		/* overlay: the upperdir= option, or NULL */
};

struct pscan {
	struct state *st;
	int procfd;		/* the procfs directory */
	uint64_t boot_ns;	/* boot time, epoch ns */
	uint64_t tick_ns;	/* ns per clock tick (USER_HZ) */
	struct u64map socks;	/* netns inode (0: unknown) -> struct pscan_socks * */
	struct u64map mounts;	/* mount id -> struct pscan_mount * */
	struct u64map mntns;	/* mount ns inodes whose mountinfo was read */
	/* cgroup v2: found on first use */
	int cg2_state;		/* 0 = not looked for, 1 = none, 2 = found */
	char *cg2_mount;	/* directory of the v2 hierarchy */
	char *cg2_ctrls;	/* its root's controllers, NUL-separated */
	size_t cg2_ctrls_len;
	struct strmap cg2_cache;	/* cgroup path -> controllers (struct pscan_ctrls *) */
	char *big;		/* buffer for long files (socket tables) */
	size_t bigcap;
};

int pscan_init(struct pscan *c, struct state *st, const char *procfs, char *err, size_t errlen);
void pscan_fini(struct pscan *c);

/* Read `name` under dirfd into buf (at most cap - 1 bytes), NUL-terminated.
 * Returns the length or a negative errno. */
ssize_t pscan_read(int dirfd, const char *name, char *buf, size_t cap);
/* readlinkat into buf, NUL-terminated; a target longer than cap - 1 is cut.
 * Returns the length or a negative errno. */
ssize_t pscan_readlink(int dirfd, const char *name, char *buf, size_t cap);

/* Call fn for each line of `name` (without its '\n', NUL-terminated,
 * writable), reading through buf. A line longer than cap - 1 is cut there.
 * fn returns 0 to go on; anything else stops and is returned. Returns 0 or a
 * negative errno if the file cannot be opened or read. */
typedef int (*pscan_line_fn)(void *ud, char *line, size_t len);
int pscan_each_line(int dirfd, const char *name, char *buf, size_t cap, pscan_line_fn fn, void *ud);

/* Directory entries, with getdents64 on an fd opened here. */
struct pscan_dir {
	int fd;
	size_t pos, len;
	char buf[8192];
};
int pscan_dir_open(struct pscan_dir *d, int dirfd, const char *name);
/* The next entry name made of digits only (a pid, tid or fd), as a number;
 * -1 at the end. */
int64_t pscan_dir_next_num(struct pscan_dir *d, const char **name);
void pscan_dir_close(struct pscan_dir *d);

/* Parse a decimal or (base 16/8) unsigned number at *p after blanks; moves
 * *p past it. Returns false if there is none. */
bool pscan_num(const char **p, int base, uint64_t *out);

/* The next space-separated field at *p, NUL-terminated in place (NULL at
 * the end of the line), and the \ooo octal escapes of procfs mount files
 * decoded in place. */
char *pscan_field(char **p);
void pscan_unescape(char *s);

/* The mount with id mnt_id as seen by the process whose directory is piddir
 * (its mountinfo is read once per mount namespace), or NULL. */
const struct pscan_mount *pscan_mount(struct pscan *c, int piddir, uint64_t mnt_id);
void pscan_mounts_free(struct pscan *c);

/* The fds of the process whose directory is piddir, into the state under
 * its main thread pid. */
void pscan_fds(struct pscan *c, int piddir, int64_t pid);
void pscan_socks_free(struct pscan *c);

#endif /* VIGIL_PROC_SCAN_INT_H */
