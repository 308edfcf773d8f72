/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_run.h - TracingPolicies in `vigil run`: load and compile them
 * (--policy, --policy-mode, --allow-override-downgrade), turn each policy
 * event of the probe into a Tetragon JSON (or compact) line on stdout or
 * --policy-events FILE, and change them while running: policy_run_replace()
 * (any caller, e.g. a reload on SIGHUP) and the control socket of
 * --policy-socket, which `vigil policy add|delete|list` talk to (as
 * `tetra tracingpolicy add|delete|list` talk to Tetragon's agent).
 *
 * Two generations of policies exist (events.h VG_POL_GENS): the one in
 * force, and the previous one, kept so that events still in the rings name
 * their policy. A change compiles the other generation and swaps it in
 * atomically (live_policy_swap). Changes and event formatting are
 * serialised by pr->lock; the live loop never waits on a compile.
 */
#ifndef VIGIL_POLICY_RUN_H
#define VIGIL_POLICY_RUN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include "common/strbuf.h"
#include "policy/policy.h"
#include "policy/policy_kernel.h"

struct state;
struct event;
struct live;

/* The default control socket of `vigil run --policy-socket` and the
 * clients (VIGIL_POLICY_SOCKET overrides it for the clients). */
#define POLICY_SOCKET_DEFAULT "/run/vigil/vigil.sock"

struct policy_gen {
	struct policy_set ps;
	struct pol_kernel k;
	bool built;
};

/* A policy file's text, kept to rebuild the set on add/delete. */
struct policy_src {
	char *file;
	char *text;
	size_t len;
};

struct policy_run {
	pthread_mutex_t lock;		/* the generations, the output */
	pthread_mutex_t chg;		/* one change at a time */
	struct policy_gen gen[2];
	unsigned cur;			/* the generation in force */
	struct policy_load_opts lopts;
	bool dynamic;			/* live changes enabled (--policy-socket) */
	struct policy_src *src;		/* the texts of the policies in force */
	size_t nsrc;
	struct live *live;		/* set once the probe runs (policy_run_attach) */
	bool stopping;			/* the probe was detached: no more changes */
	FILE *out;
	bool own_out;
	bool compact;
	struct strbuf line;
	uint64_t nevents, nbad;
	/* control socket */
	int srv_fd, srv_stop[2];
	pthread_t srv;
	bool serving;
	char *sock_path;
};

/* Load `paths`, report diagnostics on stderr, compile. `events` is a file
 * to append events to (NULL: stdout). `dynamic`: live changes will follow
 * (every policy program is attached even with no policy; 32 matchBinaries
 * selectors per generation). Returns 0 or -EINVAL after a message. */
int policy_run_load(struct policy_run *pr, const char *const *paths, size_t n, const struct policy_load_opts *o,
		    const char *events, bool compact, bool dynamic);
/* The compiled policies in force (for live_open). */
const struct pol_kernel *policy_run_kernel(struct policy_run *pr);
/* The policies and hooks in force (any thread). */
void policy_run_counts(struct policy_run *pr, size_t *npolicies, size_t *nhooks);
/* The probe runs: changes go to it from now on (NULL: it is about to go;
 * waits for a change in progress, refuses the next ones). */
void policy_run_attach(struct policy_run *pr, struct live *l);
/* Replace every policy in force by those of `next` (loaded and validated by
 * the caller; policy_run takes it over, even on failure). Compiles the
 * unused generation, installs it and swaps it in atomically. Thread-safe.
 * Returns 0, or a negative errno with a message in err (nothing changed). */
int policy_run_replace(struct policy_run *pr, struct policy_set *next, char *err, size_t errlen);
/* Serve the control socket at `path` on a thread: add / delete / list. */
int policy_run_serve(struct policy_run *pr, const char *path);
/* One VG_EV_POLICY_E event of the probe. */
void policy_run_event(struct policy_run *pr, struct state *st, const struct event *ev);
/* The rule a policy event `ev` acted for (a Falco rule with an `action`),
 * or NULL for a TracingPolicy's event; *what is what was done ("killed",
 * "would kill": the event's monitor flag), in buf. */
struct rule *policy_run_rule_of(struct policy_run *pr, const struct event *ev, const char **what, char *buf,
				size_t len);
/* The summary line for --stats. */
void policy_run_print_stats(struct policy_run *pr, const struct vg_pol_counters *c, FILE *f);
void policy_run_fini(struct policy_run *pr);

/* Client side of the control socket: send `request` (a command line, then
 * an optional body) and copy the answer to `out`. Returns 0 when the
 * running vigil answered "ok", 1 when it refused, -errno when unreachable. */
int policy_ctl(const char *path, const char *cmd, const char *body, size_t len, FILE *out);

#endif
