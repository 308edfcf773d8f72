/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_run.c - `vigil run`: live detection on this host. Loads the rules,
 * loads the BPF probe with only the syscalls those rules (and the state
 * engine) need, reads the processes, fds, users and machine from /proc,
 * then evaluates every event and prints Falco-format alerts until SIGINT or
 * SIGTERM (or --duration). Drops are counted by the probe and raised as
 * Falco's "syscall event drop" internal alert.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "capture/live.h"
#include "capture/scap.h"
#include "cli/cli.h"
#include "cli/session.h"
#include "state/proc_scan.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vigil run [-r RULES]... [options]\n"
		"\n"
		"Watches this host live through vigil's BPF probe and prints an alert, exactly\n"
		"as Falco does, for every event a rule matches. Needs root (or CAP_BPF,\n"
		"CAP_PERFMON and CAP_SYS_PTRACE) and a kernel with BTF. Stops on SIGINT/SIGTERM.\n"
		"\n"
		"options:\n");
	session_usage_options(f);
	fprintf(f,
		"  --duration SECONDS     stop after this long\n"
		"  --ring-size BYTES      ring buffer per CPU (power of two, default 4 MiB)\n");
}

static int on_missing_thread(void *ud, struct state *st, int64_t tid)
{
	(void)ud;
	return proc_scan_thread(st, "/proc", tid);
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

int cmd_run(int argc, char **argv)
{
	enum { OPT_DURATION = 1000, OPT_RING };
	struct option longopts[SESSION_NLONGOPTS + 3];
	struct session s;
	struct live *l = NULL;
	double duration = 0;
	unsigned long ring = 0;
	int c, status = 1;
	char err[1024];

	memcpy(longopts, session_longopts, sizeof(struct option) * SESSION_NLONGOPTS);
	longopts[SESSION_NLONGOPTS] = (struct option){ "duration", required_argument, NULL, OPT_DURATION };
	longopts[SESSION_NLONGOPTS + 1] = (struct option){ "ring-size", required_argument, NULL, OPT_RING };
	longopts[SESSION_NLONGOPTS + 2] = (struct option){ 0 };

	optind = 1;
	if (session_init(&s, argc, argv))
		goto out;
	while ((c = getopt_long(argc, argv, SESSION_SHORTOPTS "h", longopts, NULL)) != -1) {
		int rc = session_opt(&s, c, optarg);
		if (rc < 0)
			goto out;
		if (rc)
			continue;
		char *end;
		switch (c) {
		case OPT_DURATION:
			duration = strtod(optarg, &end);
			if (*end || duration <= 0) {
				fprintf(stderr, "vigil: --duration: '%s' is not a positive number of seconds\n", optarg);
				status = 2;
				goto out;
			}
			continue;
		case OPT_RING:
			ring = strtoul(optarg, &end, 0);
			if (*end || !ring) {
				fprintf(stderr, "vigil: --ring-size: '%s' is not a size in bytes\n", optarg);
				status = 2;
				goto out;
			}
			continue;
		case 'h':
			usage(stdout);
			status = 0;
			goto out;
		default:
			usage(stderr);
			status = 2;
			goto out;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vigil: run takes no arguments besides options\n");
		status = 2;
		goto out;
	}
	if (live_check_support(err, sizeof(err))) {
		fprintf(stderr, "vigil: cannot run live: %s\n", err);
		goto out;
	}
	if (!s.nrules && !s.print && !s.opts.nrules_files) {
		fprintf(stderr, "vigil: give rules with -r (or rules_files in -c), or a --print format\n");
		status = 2;
		goto out;
	}
	if (session_start(&s, !s.print))
		goto out;
	s.sink.flush = true;

	struct live_opts lo = { .ring_bytes = (uint32_t)ring };
	l = live_open(&lo, err, sizeof(err));
	if (!l) {
		fprintf(stderr, "vigil: cannot start the probe: %s\n", err);
		goto out;
	}
	/* --print with a filter or no rules: every syscall the probe knows */
	live_set_interesting(l, s.rs && !s.print ? &s.rs->interesting : NULL);
	if (scan_host(&s.e.st, err, sizeof(err))) {
		fprintf(stderr, "vigil: cannot read /proc: %s\n", err);
		goto out;
	}
	s.e.src_drops_live = true;
	engine_set_drops(&s.e, s.opts.drops_threshold, s.opts.drops_actions, s.opts.drops_rate, s.opts.drops_max_burst,
			 s.opts.drops_simulate);

	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "vigil: live capture started: %u syscalls wanted, %zu threads read from /proc\n",
		live_wanted_count(l), s.e.st.threads.len);

	uint64_t start = now_ns(), last_stats = start;
	struct live_stats ls;
	struct event ev;
	while (!g_stop && !s.e.stop) {
		int rc = live_next(l, &ev, 100);
		if (rc < 0) {
			fprintf(stderr, "vigil: reading events: %s\n", strerror(-rc));
			break;
		}
		if (rc > 0) {
			ev.num = ++s.e.seq;
			engine_event(&s.e, &ev);
		}
		uint64_t now = now_ns();
		if (now - last_stats >= 100000000ull) {
			live_get_stats(l, &ls);
			live_drop_counts(&ls, &s.e.src_drops);
			last_stats = now;
		}
		if (duration > 0 && (double)(now - start) / 1e9 >= duration)
			break;
	}
	/* what the rings still hold was captured before the stop: evaluate it */
	uint64_t drain_until = now_ns() + 2000000000ull;
	while (!s.e.stop && now_ns() < drain_until && live_next(l, &ev, 0) == 1) {
		ev.num = ++s.e.seq;
		engine_event(&s.e, &ev);
	}
	status = s.e.stop ? s.e.exit_status : 0;
	fflush(stdout);
	live_get_stats(l, &ls);
	session_print_drops(&s, stderr);
	if (s.stats) {
		session_print_stats(&s, stderr);
		print_live_stats(&ls, stderr);
	}
out:
	live_close(l);
	session_fini(&s);
	return status;
}
