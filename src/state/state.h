/* SPDX-License-Identifier: Apache-2.0 */
/*
 * state.h - what vigil knows about the machine while events flow: the thread
 * table (process tree, credentials, executable), per-process fd tables
 * (files, sockets, pipes...), users and groups, machine info. Built from a
 * capture's metadata blocks or /proc at start (proc_scan.h), both through
 * state_add_proc/fd/user/group(), then kept current by events
 * (clone/execve/exit, open/socket/connect/accept/dup/close, chdir, setuid...)
 * the way libsinsp does, so that rules see the same field values as Falco.
 *
 * Flow: state_event_pre() runs on every event before the rules (it updates
 * the tables and fills ev->thread/fdinfo/enter), state_event_post() after
 * them (deferred removals, so a close or an exit is still visible to the
 * rules evaluating it).
 *
 * Ownership: the state owns threads, fd infos and strings; events hold
 * borrowed pointers valid until the next state_event_pre().
 */
#ifndef VIGIL_STATE_H
#define VIGIL_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include "common/hashmap.h"
#include "event/event.h"
#include "state/container.h"

/* fd kinds: the scap fd type numbers. */
enum fd_kind {
	FDK_UNKNOWN = 0,
	FDK_FILE = 1,
	FDK_DIRECTORY = 2,
	FDK_IPV4_SOCK = 3,
	FDK_IPV6_SOCK = 4,
	FDK_IPV4_SERVSOCK = 5,
	FDK_IPV6_SERVSOCK = 6,
	FDK_FIFO = 7,
	FDK_UNIX_SOCK = 8,
	FDK_EVENT = 9,
	FDK_UNSUPPORTED = 10,
	FDK_SIGNALFD = 11,
	FDK_EVENTPOLL = 12,
	FDK_INOTIFY = 13,
	FDK_TIMERFD = 14,
	FDK_NETLINK = 15,
	FDK_FILE_V2 = 16,
	FDK_BPF = 17,
	FDK_USERFAULTFD = 18,
	FDK_IOURING = 19,
	FDK_MEMFD = 20,
	FDK_PIDFD = 21,
};

/* IP protocols as stored in fd infos (the scap encoding, as in fd lists). */
enum { L4_UNKNOWN = 0, L4_NA = 1, L4_TCP = 2, L4_UDP = 3, L4_ICMP = 4, L4_RAW = 5 };

/* fdinfo.flags */
enum fdinfo_flags {
	FDF_ROLE_CLIENT = 1 << 0,	/* we connected: local side is the client */
	FDF_ROLE_SERVER = 1 << 1,	/* we accepted/listened: local side is the server */
	FDF_CONNECTED = 1 << 2,		/* a connect()/accept() succeeded */
	FDF_SOCKET_PENDING = 1 << 3,	/* created by socket(), no address yet */
	FDF_CLOEXEC = 1 << 4,
};

struct fdinfo {
	int64_t fd;
	uint8_t kind;		/* enum fd_kind (FILE_V2 is stored as FILE) */
	uint8_t l4proto;
	uint16_t flags;		/* enum fdinfo_flags */
	uint32_t open_flags;	/* PPM_O_* flags of the open */
	uint32_t dev;
	uint64_t ino;
	uint32_t sock_domain;	/* socket() domain (AF_*) when known */
	uint32_t sock_type;
	/* sockets: source/destination as carried by the events (v4 in [0..4)) */
	uint8_t sip[16], dip[16];
	uint16_t sport, dport;
	uint64_t unix_src, unix_dst;
	char *name;		/* fd.name: path or rendered tuple; never NULL */
	char *nameraw;		/* fd.nameraw: the path as passed; NULL = same as name */
	uint64_t fdtable_gen;	/* internal */
};

struct fdtable {
	unsigned refs;		/* threads sharing it (CLONE_FILES / threads of a process) */
	struct u64map fds;	/* fd -> struct fdinfo * */
};

struct thread {
	int64_t tid, pid, ptid, sid, vpgid, pgid, vtid, vpid;
	char *comm;		/* proc.name */
	char *exe;		/* proc.exe: argv[0] as given */
	char *exepath;		/* proc.exepath */
	char *args;		/* NUL-separated argv[1..] */
	uint32_t args_len;
	char *env;		/* NUL-separated */
	uint32_t env_len;
	char *cgroups;		/* NUL-separated "subsys=/path" */
	uint32_t cgroups_len;
	char *cwd;		/* always ends with '/' (libsinsp convention) */
	char *root;
	uint32_t uid, gid, loginuid, tty;
	uint32_t flags;		/* PPM_CL_* thread flags */
	uint64_t fdlimit;
	uint64_t cap_inheritable, cap_permitted, cap_effective;
	uint64_t clone_ts;	/* ns; 0 if unknown */
	uint64_t pidns_init_start_ts;
	uint64_t exe_ino, exe_ino_ctime, exe_ino_mtime;
	bool exe_writable, exe_upper_layer, exe_lower_layer, exe_from_memfd;
	bool has_info;		/* false for threads seen only through their events */
	struct fdtable *fdt;

	/* the last enter event of this thread, for pairing with its exit */
	uint8_t *enter_buf;
	uint32_t enter_cap;
	bool has_enter;
	struct event enter_ev;
	uint64_t lastexec_ts;

	/* container id derived from cgroups, computed on first use */
	char cid[65];
	uint8_t cid_state;	/* 0 = not computed, 1 = host, 2 = container */
	const char *cid_type;
	struct container_info *cinfo;	/* its table entry (cid_state 2) */
};

struct user_info {
	uint32_t uid, gid;
	char *name, *home, *shell;
};

struct group_info {
	uint32_t gid;
	char *name;
};

/* A network interface address (from a capture's interface list or the
 * host); kept so that a capture written from the state carries it. */
struct iface_info {
	uint16_t type;		/* 1 = IPv4, 2 = IPv6 */
	uint8_t addr[16], netmask[16], bcast[16];	/* network order; v4 uses 4 bytes */
	uint64_t linkspeed;
	char *name;
};

struct state_stats {
	uint64_t events;
	uint64_t threads_created, threads_removed;
	uint64_t fds_added, fds_removed;
	uint64_t enter_unpaired;
};

struct state {
	struct u64map threads;	/* tid -> struct thread * */
	struct u64map users;	/* uid -> struct user_info * */
	struct u64map groups;	/* gid -> struct group_info * */
	struct container_table containers;
	struct container_info *last_container;	/* applied by the last container event, or NULL */
	struct iface_info *ifaces;
	size_t nifaces;
	/* machine info */
	char hostname[129];
	uint32_t num_cpus;
	uint64_t memory_size;	/* bytes */
	uint64_t max_pid;
	uint64_t boot_ts;
	uint64_t first_ts;	/* timestamp of the first event (evt.reltime) */

	/* deferred work done in state_event_post() */
	int64_t remove_tid;	/* -1 = none */
	int64_t remove_leader;	/* a process's closed main thread, once its last thread exits */
	int64_t remove_fd_tid;
	int64_t remove_fd;	/* -1 = none */

	/* an fdinfo for events that refer to a file without creating an fd
	 * (failed opens): not in any table */
	struct fdinfo scratch_fd;
	struct state_stats stats;

	/* Live sources: called for an event of a thread the state does not
	 * know (it existed before the capture started and the /proc scan missed
	 * it), to add it from /proc. Not called for clone children and exits. */
	int (*missing_thread)(void *ud, struct state *st, int64_t tid);
	/* Live sources: the current parent of a thread, for a clone child whose
	 * creator already exited (-1 if unknown). */
	int64_t (*current_ppid)(void *ud, int64_t tid);
	void *missing_ud;

	/* Live sources: called when a thread's cgroups name a container whose
	 * metadata nobody asked for yet (ci->lookup is CLOOKUP_NONE), to start
	 * a lookup; it must not block. */
	void (*new_container)(void *ud, struct state *st, struct container_info *ci);
	/* Live sources: called when a user or group of a thread in container ci
	 * is needed and the container's lists are not loaded, to load them from
	 * the container's own root (thread t's, or another of its threads). With
	 * this hook set, a uid the container's lists lack has no name (Falco's
	 * <NA>); without it (captures), the host's lists stand in. */
	void (*container_users)(void *ud, struct state *st, struct container_info *ci, struct thread *t);
	void *container_ud;
};

void state_init(struct state *st);
void state_fini(struct state *st);

/* Metadata (from a capture's blocks, or from /proc). */
struct scap_proc_entry;
struct scap_fd_entry;
struct scap_user_entry;
struct scap_group_entry;
int state_add_proc(struct state *st, const struct scap_proc_entry *e);
int state_add_fd(struct state *st, uint64_t tid, const struct scap_fd_entry *e);
int state_add_user(struct state *st, const struct scap_user_entry *u);
int state_add_group(struct state *st, const struct scap_group_entry *g);
struct scap_iface_entry;
int state_add_iface(struct state *st, const struct scap_iface_entry *i);

/* Per-event processing (see the header comment). */
void state_event_pre(struct state *st, struct event *ev);
void state_event_post(struct state *st, struct event *ev);

/* True if the parser keeps enter events of this type until their exit (the
 * exit's ev->enter then points to that copy). */
bool state_pairs_enter(uint16_t type);

/* True if events of this type (enter or exit) can change the state: threads,
 * fd tables, credentials, working directory, users, containers. */
bool state_event_is_stateful(uint16_t type);

/* Lookups (borrowed). */
struct thread *state_thread(const struct state *st, int64_t tid);
/* The thread-group leader (main thread) of t, or t itself. */
struct thread *state_main_thread(const struct state *st, struct thread *t);
/* The parent of t (by ptid), or NULL. */
struct thread *state_parent(const struct state *st, const struct thread *t);
struct fdinfo *state_fd(const struct thread *t, int64_t fd);
const struct user_info *state_user(const struct state *st, uint32_t uid);
const struct group_info *state_group(const struct state *st, uint32_t gid);

/* The container of thread t (NULL for host processes), from its own cgroups.
 * Creates the table entry from the cgroup-derived id when no metadata is
 * known yet, and calls st->new_container for a container nobody asked about. */
struct container_info *state_container(struct state *st, struct thread *t);
/* The container of thread t, from its cgroups, or its main thread's when the
 * thread carries none (threads seen only through their events). */
struct container_info *state_thread_container(struct state *st, struct thread *t);

/* The user / group `id` as thread t sees it: from its container's own lists
 * when t is in a container (loaded through st->container_users when live),
 * from the host's otherwise. NULL if unknown. */
const struct user_info *state_thread_user(struct state *st, struct thread *t, uint32_t uid);
const struct group_info *state_thread_group(struct state *st, struct thread *t, uint32_t gid);

/* fd type names and characters (fd.type / fd.typechar). */
const char *fd_kind_name(uint8_t kind);
char fd_kind_char(uint8_t kind);

/* Normalise `path` (collapse //, ., ..) relative to `cwd` (which ends with
 * '/') into a newly allocated absolute path; caller frees. */
char *path_resolve(const char *cwd, const char *path);

/* Render an IPv4/IPv6 address (network order bytes) into buf. */
void ip_render(const uint8_t *ip, bool v6, char *buf, size_t len);

#endif /* VIGIL_STATE_H */
