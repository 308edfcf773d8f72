/* SPDX-License-Identifier: Apache-2.0 */
/*
 * live_run.c - the live main loop shared by `vigil run` and `vigil capture`:
 * probe, /proc bootstrap, event loop with drop monitoring, drain at stop.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include "capture/live.h"
#include "capture/scap.h"
#include "cli/live_run.h"
#include "cli/ops.h"
#include "cli/policy_run.h"
#include "common/log.h"
#include "rules/compile.h"
#include "state/container_meta.h"
#include "state/proc_scan.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static int on_missing_thread(void *ud, struct state *st, int64_t tid)
{
	(void)ud;
	return proc_scan_thread(st, "/proc", tid);
}

static int64_t on_current_ppid(void *ud, int64_t tid)
{
	(void)ud;
	return proc_scan_ppid("/proc", tid);
}

static uint64_t now_ns(void);

/* ------------------------------------------------------------------------
 * Container metadata: the state asks when it first sees a container, the
 * worker answers in the background, the loop applies the answers between
 * events (container_meta.h).
 * ------------------------------------------------------------------------ */


static void on_new_container(void *ud, struct state *st, struct container_info *ci)
{
	struct live_loop *lm = ud;
	(void)st;
	ci->lookup = CLOOKUP_PENDING;
	if (!lm->cm || container_meta_request(lm->cm, ci->full_id, ci->type)) {
		ci->lookup = CLOOKUP_FAILED;
		return;
	}
	log_debug("container %s (%s): looking its metadata up", ci->id, ci->type);
}

/* TracingPolicyNamespaced: the cgroups (v2) of container ci, found by
 * walking the cgroup2 hierarchy under dfd (rel: its path from the root) for the
 * directories that name ci, go into the probe with ci's pod namespace. */
static int pod_cgroups_walk(struct live *l, int dfd, char *rel, size_t rlen, size_t cap,
			    const struct container_info *ci, const char *ns, int depth)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		size_t nl = strlen(de->d_name);
		if (rlen + 1 + nl + 1 > cap)
			continue;
		rel[rlen] = '/';
		memcpy(rel + rlen + 1, de->d_name, nl + 1);
		char id[65];
		const char *type;
		struct stat sb;
		if (container_id_from_cgroups(rel, rlen + 1 + nl, id, sizeof(id), &type) &&
		    !strncmp(id, ci->id, 12) && !fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) &&
		    !live_pod_cgroup(l, (uint64_t)sb.st_ino, ns))
			n++;
		int sub = depth < 16 ? openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
		if (sub >= 0)
			n += pod_cgroups_walk(l, sub, rel, rlen + 1 + nl, cap, ci, ns, depth + 1);
		rel[rlen] = 0;
	}
	closedir(d);
	return n;
}

static void pod_cgroups_sync(struct live_loop *lm, const struct container_info *ci)
{
	const char *ns = container_label(ci, "io.kubernetes.pod.namespace");
	if (!ns || !*ns || !lm->l)
		return;
	char root[PATH_MAX], rel[PATH_MAX] = "";
	if (live_cgroup2_root(root, sizeof(root)))
		return;
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	int n = pod_cgroups_walk(lm->l, fd, rel, 0, sizeof(rel), ci, ns, 0);
	log_debug("container %s: %d cgroup(s) of pod namespace %s in the probe", ci->id, n, ns);
}

static void on_meta_result(void *ud, const struct cmeta_result *r)
{
	struct live_loop *lm = ud;
	struct state *st = &lm->s->e.st;
	struct container_info *ci;

	if (r->json && !engine_container_json(&lm->s->e, r->json, r->len)) {
		ci = st->last_container;
		log_debug("container %s: metadata from %s after %u lookup(s), %.1f ms", ci->id, r->source, r->attempts,
			  (double)r->elapsed_ns / 1e6);
		pod_cgroups_sync(lm, ci);
		/* a pod's labels and IP are its sandbox's: know the sandbox too */
		if (*ci->pod_sandbox_id && strncmp(ci->pod_sandbox_id, ci->id, 12)) {
			struct container_info *sb = container_get(&st->containers, ci->pod_sandbox_id, ci->type, NULL);
			if (sb->lookup == CLOOKUP_NONE && !sb->has_metadata)
				on_new_container(lm, st, sb);
		}
		return;
	}
	ci = container_find(&st->containers, r->id);
	log_debug("container %.12s: no runtime knows it after %u lookup(s), %.1f ms; not asked again", r->id,
		  r->attempts, (double)r->elapsed_ns / 1e6);
	if (ci && !ci->has_metadata)
		ci->lookup = CLOOKUP_FAILED;	/* remembered: not asked again */
}

/* Load ci's users from the root of a process of it: t's process, its
 * ancestors in the container, or any other of its processes (t may be gone
 * already). A failure is retried a second later at the earliest. */
static bool users_from(struct state *st, struct container_info *ci, struct thread *t)
{
	char root[64];
	snprintf(root, sizeof(root), "/proc/%lld/root", (long long)t->pid);
	return !proc_scan_container_users(st, ci, root);
}

static void on_container_users(void *ud, struct state *st, struct container_info *ci, struct thread *t)
{
	struct live_loop *lm = ud;
	uint64_t now = now_ns();
	bool ok = false;
	int depth = 0;

	if (ci->users_retry_ns > now)
		return;
	for (struct thread *p = state_main_thread(st, t); p && depth++ < 64;
	     p = state_parent(st, state_main_thread(st, p)))
		if (state_thread_container(st, p) != ci || (ok = users_from(st, ci, p)))
			break;
	for (size_t i = 0; i < st->threads.cap && !ok; i++) {
		struct thread *o = st->threads.vals[i];
		if (o && o->pid == o->tid && state_thread_container(st, o) == ci)
			ok = users_from(st, ci, o);
	}
	if (ok)
		engine_container_users(&lm->s->e, ci);
	else
		ci->users_retry_ns = now + 1000000000ull;
}

/* Hook the metadata worker into the state, and ask for the containers of
 * the processes already running. */
static void meta_start(struct live_loop *lm, struct session *s)
{
	struct state *st = &s->e.st;
	lm->cm = NULL;
	if (cmeta_cfg_any(&s->opts.container)) {
		lm->cm = container_meta__new(&s->opts.container);
		if (!lm->cm)
			fprintf(stderr, "vigil: container metadata disabled: cannot start its worker: %s\n", strerror(errno));
	}
	st->new_container = on_new_container;
	st->container_users = on_container_users;
	st->container_ud = lm;
	for (size_t i = 0; i < st->threads.cap; i++)
		if (st->threads.vals[i])
			state_thread_container(st, st->threads.vals[i]);
}

static void meta_stop(struct live_loop *lm, bool stats)
{
	struct cmeta_stats cs;
	if (!lm->cm)
		return;
	container_meta_drain(lm->cm, on_meta_result, lm);
	container_meta_stats(lm->cm, &cs);
	if (stats)
		fprintf(stderr,
			"containers: %llu looked up, %llu found, %llu failed, %llu pending; %llu retries, %llu API "
			"timeouts\n",
			(unsigned long long)cs.requested, (unsigned long long)cs.found, (unsigned long long)cs.failed,
			(unsigned long long)cs.pending, (unsigned long long)cs.retries, (unsigned long long)cs.api_timeouts);
	container_meta__free(lm->cm);
	lm->cm = NULL;
	lm->s->e.st.new_container = NULL;
}

/* Read the host into the state: machine, users, every thread and fd. */
static int scan_host(struct state *st, char *err, size_t errlen)
{
	struct scap_machine_info mi;
	if (proc_scan_machine(&mi) == 0) {
		snprintf(st->hostname, sizeof(st->hostname), "%s", mi.hostname);
		st->num_cpus = mi.num_cpus;
		st->boot_ts = mi.boot_ts_epoch;
	}
	/* in a pod, HOST_ROOT (Falco's variable) is where the host's / is
	 * mounted: host users come from its /etc; /proc is the host's (hostPID) */
	const char *host = getenv("HOST_ROOT");
	char passwd[PATH_MAX], group[PATH_MAX];
	snprintf(passwd, sizeof(passwd), "%s/etc/passwd", host ? host : "");
	snprintf(group, sizeof(group), "%s/etc/group", host ? host : "");
	proc_scan_users(st, passwd, group);
	int rc = proc_scan_all(st, "/proc", err, errlen);
	st->missing_thread = on_missing_thread;
	st->current_ppid = on_current_ppid;
	return rc;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void print_live_stats(const struct live_stats *ls, FILE *f)
{
	fprintf(f,
		"probe: %llu events, %llu read; dropped: %llu ring full, %llu too large, %llu nested runs, "
		"%llu no ring; %llu truncated, %llu unreadable, %llu malformed\n",
		(unsigned long long)ls->n_evts, (unsigned long long)ls->n_read, (unsigned long long)ls->n_drops_buffer,
		(unsigned long long)ls->n_drops_scratch, (unsigned long long)ls->n_drops_recursion,
		(unsigned long long)ls->n_drops_nomap, (unsigned long long)ls->n_truncated,
		(unsigned long long)ls->n_unreadable, (unsigned long long)ls->n_bad);
}

/* What the session needs from the kernel: the rules' event types, and for
 * --print or -w the filter's (every syscall when they have no filter). */
static void set_interesting(struct live *l, struct session *s)
{
	bool outputs = s->print || s->writer;
	if (outputs && !s->e.filter) {
		live_set_interesting(l, NULL);
		return;
	}
	struct evtset want;
	evtset_clear(&want);
	if (s->rs)
		want = s->rs->interesting;
	if (outputs) {
		struct evtset f;
		filter_evttypes(s->e.filter, &f);
		evtset_or(&want, &f);
	}
	live_set_interesting(l, &want);
}

void live_loop_set_interesting(struct live_loop *lp)
{
	set_interesting(lp->l, lp->s);
}

int live_run_parse_duration(const char *arg, double *out)
{
	char *end;
	double d = strtod(arg, &end);
	if (*end || !(d > 0)) {
		fprintf(stderr, "vigil: --duration: '%s' is not a positive number of seconds\n", arg);
		return -EINVAL;
	}
	*out = d;
	return 0;
}

int live_run_parse_ring(const char *arg, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 0);
	if (*end || !v || v > (1ul << 30)) {
		fprintf(stderr, "vigil: --ring-size: '%s' is not a size in bytes (a power of two up to 1 GiB)\n", arg);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

int live_loop_open(struct live_loop *lp, struct session *s, const struct live_run_opts *o, char *err, size_t errlen)
{
	char why[1024];
	memset(lp, 0, sizeof(*lp));
	lp->s = s;
	if (live_check_support(why, sizeof(why))) {
		snprintf(err, errlen, "cannot run live: %s", why);
		return -EPERM;
	}
	struct live_opts lo = { .ring_bytes = o ? o->ring_bytes : 0,
				.policy = o && o->policy ? policy_run_kernel(o->policy) : NULL };
	lp->policy = o ? o->policy : NULL;
	lp->l = live_open(&lo, why, sizeof(why));
	if (!lp->l) {
		snprintf(err, errlen, "cannot start the probe: %s", why);
		return -(errno ? errno : EIO);
	}
	if (lp->policy)
		policy_run_attach(lp->policy, lp->l);
	set_interesting(lp->l, s);
	if (scan_host(&s->e.st, why, sizeof(why))) {
		snprintf(err, errlen, "cannot read /proc: %s", why);
		if (lp->policy)
			policy_run_attach(lp->policy, NULL);
		live_close(lp->l);
		lp->l = NULL;
		return -EIO;
	}
	s->e.src_drops_live = true;
	engine_set_drops(&s->e, s->opts.drops_threshold, s->opts.drops_actions, s->opts.drops_rate,
			 s->opts.drops_max_burst, s->opts.drops_simulate);
	lp->last_stats = now_ns();
	meta_start(lp, s);
	return 0;
}

int live_loop_step(struct live_loop *lp, int timeout_ms, const struct event **out)
{
	struct session *s = lp->s;
	int rc = live_next(lp->l, &lp->ev, timeout_ms);
	if (rc > 0 && lp->ev.type == VG_EV_POLICY_E) {
		/* TracingPolicy events: the policy side, never the rules */
		if (lp->policy) {
			char buf[64];
			const char *what;
			struct rule *r = policy_run_rule_of(lp->policy, &lp->ev, &what, buf, sizeof(buf));
			policy_run_event(lp->policy, &s->e.st, &lp->ev);
			/* a rule that acts: its alert says what was done */
			if (r)
				engine_action_alert(&s->e, r, &lp->ev, what);
		}
	} else if (rc > 0) {
		lp->ev.num = ++s->e.seq;
		engine_event(&s->e, &lp->ev);
	}
	if (rc > 0 && out)
		*out = &lp->ev;
	if (lp->cm)
		container_meta_drain(lp->cm, on_meta_result, lp);
	uint64_t now = now_ns();
	if (now - lp->last_stats >= 100000000ull) {
		struct live_stats ls;
		live_get_stats(lp->l, &ls);
		live_drop_counts(&ls, &s->e.src_drops);
		lp->last_stats = now;
	}
	return rc;
}

void live_loop_drain(struct live_loop *lp)
{
	/* what the rings still hold was captured before the stop: evaluate it */
	uint64_t drain_until = now_ns() + 2000000000ull;
	while (!lp->s->e.stop && now_ns() < drain_until && live_loop_step(lp, 0, NULL) == 1)
		;
}

void live_loop_close(struct live_loop *lp, struct live_stats *ls)
{
	if (!lp->l)
		return;
	meta_stop(lp, lp->s->stats);
	if (ls)
		live_get_stats(lp->l, ls);
	live_get_policy_counters(lp->l, &lp->pol_counters);
	/* no change may reach the probe once it is gone */
	if (lp->policy)
		policy_run_attach(lp->policy, NULL);
	live_close(lp->l);
	lp->l = NULL;
}

int live_run(struct session *s, const struct live_run_opts *o)
{
	char err[1024];
	int status = 1;
	struct live_loop lp;
	if (live_loop_open(&lp, s, o, err, sizeof(err))) {
		fprintf(stderr, "vigil: %s\n", err);
		return 1;
	}

	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (o->policy)
		fprintf(stderr, "vigil: enforcing %zu TracingPolic%s (%zu hooks)\n", o->policy->gen[o->policy->cur].ps.n,
			o->policy->gen[o->policy->cur].ps.n == 1 ? "y" : "ies", policy_run_kernel(o->policy)->nhooks);
	fprintf(stderr, "vigil: live capture started: %u syscalls wanted, %zu threads read from /proc\n",
		live_wanted_count(lp.l), s->e.st.threads.len);

	struct ops *ops = NULL;
	if (o->ops && !(ops = ops_start(&lp, o, err, sizeof(err)))) {
		fprintf(stderr, "vigil: %s\n", err);
		live_loop_close(&lp, NULL);
		return 1;
	}

	uint64_t start = now_ns();
	struct live_stats ls;
	while (!g_stop && !s->e.stop) {
		int rc = live_loop_step(&lp, 100, NULL);
		if (rc < 0) {
			fprintf(stderr, "vigil: reading events: %s\n", strerror(-rc));
			break;
		}
		if (ops)
			ops_tick(ops);
		if (o->duration > 0 && (double)(now_ns() - start) / 1e9 >= o->duration)
			break;
	}
	ops_stop(ops);
	live_loop_drain(&lp);
	status = s->e.stop ? s->e.exit_status : 0;
	fflush(stdout);
	live_loop_close(&lp, &ls);
	if (s->writer && session_close_writer(s))
		status = 1;
	session_print_drops(s, stderr);
	if (s->stats) {
		session_print_stats(s, stderr);
		print_live_stats(&ls, stderr);
		if (o->policy)
			policy_run_print_stats(o->policy, &lp.pol_counters, stderr);
	}
	return status;
}
