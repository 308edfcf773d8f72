/* SPDX-License-Identifier: Apache-2.0 */
/*
 * live_run.c - the live main loop shared by `vigil run` and `vigil capture`:
 * probe, /proc bootstrap, event loop with drop monitoring, drain at stop.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "capture/live.h"
#include "capture/scap.h"
#include "cli/live_run.h"
#include "cli/policy_run.h"
#include "rules/compile.h"
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

/* Read the host into the state: machine, users, every thread and fd. */
static int scan_host(struct state *st, char *err, size_t errlen)
{
	struct scap_machine_info mi;
	if (proc_scan_machine(&mi) == 0) {
		snprintf(st->hostname, sizeof(st->hostname), "%s", mi.hostname);
		st->num_cpus = mi.num_cpus;
		st->boot_ts = mi.boot_ts_epoch;
	}
	proc_scan_users(st, "/etc/passwd", "/etc/group");
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

int live_run(struct session *s, const struct live_run_opts *o)
{
	char err[1024];
	int status = 1;
	if (live_check_support(err, sizeof(err))) {
		fprintf(stderr, "vigil: cannot run live: %s\n", err);
		return 1;
	}
	struct live_opts lo = { .ring_bytes = o->ring_bytes, .policy = o->policy ? &o->policy->k : NULL };
	struct live *l = live_open(&lo, err, sizeof(err));
	if (!l) {
		fprintf(stderr, "vigil: cannot start the probe: %s\n", err);
		return 1;
	}
	set_interesting(l, s);
	if (scan_host(&s->e.st, err, sizeof(err))) {
		fprintf(stderr, "vigil: cannot read /proc: %s\n", err);
		live_close(l);
		return 1;
	}
	s->e.src_drops_live = true;
	engine_set_drops(&s->e, s->opts.drops_threshold, s->opts.drops_actions, s->opts.drops_rate,
			 s->opts.drops_max_burst, s->opts.drops_simulate);

	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (o->policy)
		fprintf(stderr, "vigil: enforcing %zu TracingPolic%s (%zu hooks)\n", o->policy->ps.n,
			o->policy->ps.n == 1 ? "y" : "ies", o->policy->k.nhooks);
	fprintf(stderr, "vigil: live capture started: %u syscalls wanted, %zu threads read from /proc\n",
		live_wanted_count(l), s->e.st.threads.len);

	uint64_t start = now_ns(), last_stats = start;
	struct live_stats ls;
	struct event ev;
	while (!g_stop && !s->e.stop) {
		int rc = live_next(l, &ev, 100);
		if (rc < 0) {
			fprintf(stderr, "vigil: reading events: %s\n", strerror(-rc));
			break;
		}
		if (rc > 0 && ev.type == VG_EV_POLICY_E) {
			/* TracingPolicy events: the policy side, never the rules */
			if (o->policy)
				policy_run_event(o->policy, &s->e.st, &ev);
		} else if (rc > 0) {
			ev.num = ++s->e.seq;
			engine_event(&s->e, &ev);
		}
		uint64_t now = now_ns();
		if (now - last_stats >= 100000000ull) {
			live_get_stats(l, &ls);
			live_drop_counts(&ls, &s->e.src_drops);
			last_stats = now;
		}
		if (o->duration > 0 && (double)(now - start) / 1e9 >= o->duration)
			break;
	}
	/* what the rings still hold was captured before the stop: evaluate it */
	uint64_t drain_until = now_ns() + 2000000000ull;
	while (!s->e.stop && now_ns() < drain_until && live_next(l, &ev, 0) == 1) {
		if (ev.type == VG_EV_POLICY_E) {
			if (o->policy)
				policy_run_event(o->policy, &s->e.st, &ev);
			continue;
		}
		ev.num = ++s->e.seq;
		engine_event(&s->e, &ev);
	}
	status = s->e.stop ? s->e.exit_status : 0;
	fflush(stdout);
	live_get_stats(l, &ls);
	struct vg_pol_counters pc;
	live_get_policy_counters(l, &pc);
	live_close(l);
	if (s->writer && session_close_writer(s))
		status = 1;
	session_print_drops(s, stderr);
	if (s->stats) {
		session_print_stats(s, stderr);
		print_live_stats(&ls, stderr);
		if (o->policy)
			policy_run_print_stats(o->policy, &pc, stderr);
	}
	return status;
}
