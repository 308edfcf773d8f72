/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ops.c - the operations side of `vigil run`: /healthz, /version and
 * Prometheus /metrics on the embedded HTTP server, the periodic metrics
 * snapshot (internal alert, JSON-lines file), kernel BPF statistics, and
 * the hook of hot reload into the loop (see ops.h for the threads).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "capture/live.h"
#include "cli/ops.h"
#include "cli/policy_run.h"
#include "cli/reload.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "http/prom.h"
#include "http/server.h"
#include "output/outputs.h"
#include "state/container_meta.h"

#define OPS_MAX_CPUS 1024
#define OPS_MAX_OUTPUTS 64

struct ops {
	struct live_loop *lp;
	struct session *s;
	struct http_server *http;
	struct reload *rl;
	_Atomic uint64_t heartbeat_ns;	/* monotonic time of the loop's last tick */
	uint64_t start_unix;		/* seconds */
	/* snapshots the HTTP threads ask for */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_bool want;
	uint64_t gen;			/* snapshots published */
	char *prom;			/* the last Prometheus text */
	char *version;			/* the last /version document */
	/* events per second, over the last second */
	uint64_t rate_ns, rate_events;
	double evps;
	/* the metrics snapshot */
	uint64_t next_metrics_ns;
	int bpf_stats_fd;		/* BPF_ENABLE_STATS, or -1 */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t unix_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------------------
 * What the process uses (/proc/self)
 * ------------------------------------------------------------------------ */

struct proc_usage {
	uint64_t rss_bytes, vsz_bytes;
	double cpu_seconds;
	double start_unix;
	uint64_t open_fds;
};

static void proc_usage(struct proc_usage *u)
{
	char buf[2048];
	long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	memset(u, 0, sizeof(*u));
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long long vsz, rss;
	if (f && fscanf(f, "%llu %llu", &vsz, &rss) == 2) {
		u->vsz_bytes = vsz * (uint64_t)page;
		u->rss_bytes = rss * (uint64_t)page;
	}
	if (f)
		fclose(f);
	f = fopen("/proc/self/stat", "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');	/* after comm, which may hold spaces */
	unsigned long long ut, st, start;
	if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu",
			&ut, &st, &start) == 3) {
		u->cpu_seconds = (double)(ut + st) / (double)tick;
		double boot = 0;
		f = fopen("/proc/stat", "r");
		while (f && fgets(buf, sizeof(buf), f))
			if (!strncmp(buf, "btime ", 6))
				boot = strtod(buf + 6, NULL);
		if (f)
			fclose(f);
		u->start_unix = boot + (double)start / (double)tick;
	}
	DIR *d = opendir("/proc/self/fd");
	for (struct dirent *de; d && (de = readdir(d));)
		if (de->d_name[0] != '.')
			u->open_fds++;
	if (d) {
		closedir(d);
		u->open_fds--;	/* the directory's own */
	}
}

static bool kernel_bpf_stats_on(const struct ops *o)
{
	if (o->bpf_stats_fd >= 0)
		return true;
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int v = 0;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v == 1;
}

/* ------------------------------------------------------------------------
 * The state's sizes
 * ------------------------------------------------------------------------ */

struct state_sizes {
	uint64_t threads, processes, fds, containers, users, groups;
};

static void state_sizes(const struct state *st, struct state_sizes *z)
{
	memset(z, 0, sizeof(*z));
	z->threads = st->threads.len;
	for (size_t i = 0; i < st->threads.cap; i++) {
		const struct thread *t = st->threads.vals[i];
		if (t && t->pid == t->tid) {
			z->processes++;
			if (t->fdt)
				z->fds += t->fdt->fds.len;
		}
	}
	z->containers = st->containers.n;
	z->users = st->users.len;
	z->groups = st->groups.len;
}

/* ------------------------------------------------------------------------
 * Prometheus /metrics
 * ------------------------------------------------------------------------ */

static const char *const drop_cat_names[VG_DROP_CAT_MAX] = {
	"clone_fork", "execve", "connect", "open", "dir_file", "other_interest", "close", "proc_exit",
};

struct prog_render {
	struct strbuf *sb;
	int pass;	/* 0 run time, 1 run count, 2 recursion misses */
};

static void prog_sample(void *ud, const char *prog, uint64_t run_ns, uint64_t run_cnt, uint64_t misses)
{
	struct prog_render *r = ud;
	static const char *const names[] = { "vigil_bpf_prog_run_time_ns_total", "vigil_bpf_prog_run_count_total",
					     "vigil_bpf_prog_recursion_misses_total" };
	uint64_t v = r->pass == 0 ? run_ns : r->pass == 1 ? run_cnt : misses;
	prom_u64(r->sb, names[r->pass], v, "program", prog, NULL);
}

static void render_outputs(struct strbuf *sb, struct outputs *m)
{
	struct outputs_stat os[OPS_MAX_OUTPUTS];
	size_t n = outputs__stats(m, os, OPS_MAX_OUTPUTS);
	if (n > OPS_MAX_OUTPUTS)
		n = OPS_MAX_OUTPUTS;
	static const struct {
		const char *name, *help;
		size_t off;
	} fam[] = {
		{ "vigil_output_alerts_sent_total", "Alerts an output delivered.", offsetof(struct outputs_stat, sent) },
		{ "vigil_output_alerts_failed_total", "Alerts an output gave up on after its retries.",
		  offsetof(struct outputs_stat, failed) },
		{ "vigil_output_alerts_dropped_total", "Alerts an output dropped (queue full, drain timeout).",
		  offsetof(struct outputs_stat, dropped) },
		{ "vigil_output_alerts_spooled_total", "Alerts an output wrote to its disk spool.",
		  offsetof(struct outputs_stat, spooled) },
		{ "vigil_output_retries_total", "Delivery attempts an output retried.", offsetof(struct outputs_stat, retried) },
		{ "vigil_output_alerts_throttled_total", "Alerts an output's throttle held back.",
		  offsetof(struct outputs_stat, throttled) },
		{ "vigil_output_alerts_deduplicated_total", "Alerts an output's dedup merged.",
		  offsetof(struct outputs_stat, deduped) },
		{ "vigil_output_alerts_filtered_total", "Alerts an output's routing filtered out.",
		  offsetof(struct outputs_stat, filtered) },
	};
	for (size_t f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		prom_family(sb, fam[f].name, "counter", fam[f].help);
		for (size_t i = 0; i < n; i++)
			prom_u64(sb, fam[f].name, *(const uint64_t *)((const char *)&os[i] + fam[f].off), "output",
				 os[i].name, "type", os[i].type, NULL);
	}
	prom_family(sb, "vigil_output_spool_pending", "gauge", "Alerts waiting in an output's disk spool.");
	for (size_t i = 0; i < n; i++)
		prom_u64(sb, "vigil_output_spool_pending", os[i].spool_pending, "output", os[i].name, "type", os[i].type,
			 NULL);
}

void ops_render_metrics(struct ops *o, struct strbuf *sb)
{
	struct session *s = o->s;
	struct engine *e = &s->e;
	struct live_stats ls, *pc = calloc(OPS_MAX_CPUS, sizeof(*pc));
	char cpu[16];
	live_get_stats(o->lp->l, &ls);
	int ncpu = pc ? live_get_cpu_stats(o->lp->l, pc, OPS_MAX_CPUS) : 0;

	prom_family(sb, "vigil_build_info", "gauge", "vigil's version and the rules-engine version it implements.");
	prom_u64(sb, "vigil_build_info", 1, "version", VIGIL_VERSION, "engine_version", VIGIL_ENGINE_VERSION, NULL);
	prom_family(sb, "vigil_healthy", "gauge", "1 while the event loop runs.");
	prom_u64(sb, "vigil_healthy", 1, NULL);

	/* events */
	prom_family(sb, "vigil_events_total", "counter", "Events the probe wrote to its ring buffers.");
	prom_u64(sb, "vigil_events_total", ls.n_evts, NULL);
	prom_family(sb, "vigil_events_cpu_total", "counter", "Events the probe wrote, by CPU.");
	for (int c = 0; c < ncpu; c++) {
		snprintf(cpu, sizeof(cpu), "%d", c);
		prom_u64(sb, "vigil_events_cpu_total", pc[c].n_evts, "cpu", cpu, NULL);
	}
	prom_family(sb, "vigil_events_read_total", "counter", "Events read from the rings.");
	prom_u64(sb, "vigil_events_read_total", ls.n_read, NULL);
	prom_family(sb, "vigil_events_processed_total", "counter", "Events that went through the engine.");
	prom_u64(sb, "vigil_events_processed_total", e->stats.events, NULL);
	prom_family(sb, "vigil_events_evaluated_total", "counter", "Events the rules were evaluated on.");
	prom_u64(sb, "vigil_events_evaluated_total", e->stats.evaluated, NULL);
	prom_family(sb, "vigil_events_per_second", "gauge", "Events processed per second, over the last second.");
	prom_f64(sb, "vigil_events_per_second", o->evps, NULL);
	prom_family(sb, "vigil_events_dropped_total", "counter",
		    "Events the probe lost, by cause (ring_full, too_large, no_ring) and CPU; nested_run: runs the "
		    "kernel skipped (not per CPU).");
	for (int c = 0; c < ncpu; c++) {
		snprintf(cpu, sizeof(cpu), "%d", c);
		prom_u64(sb, "vigil_events_dropped_total", pc[c].n_drops_buffer, "cause", "ring_full", "cpu", cpu, NULL);
		prom_u64(sb, "vigil_events_dropped_total", pc[c].n_drops_scratch, "cause", "too_large", "cpu", cpu, NULL);
		prom_u64(sb, "vigil_events_dropped_total", pc[c].n_drops_nomap, "cause", "no_ring", "cpu", cpu, NULL);
	}
	prom_u64(sb, "vigil_events_dropped_total", ls.n_drops_recursion, "cause", "nested_run", "cpu", "any", NULL);
	prom_family(sb, "vigil_events_dropped_ring_full_total", "counter",
		    "Events lost to a full ring, by syscall category (Falco's n_drops_buffer_*_exit).");
	for (int k = 0; k < VG_DROP_CAT_MAX; k++)
		prom_u64(sb, "vigil_events_dropped_ring_full_total", ls.n_drops_buffer_cat[k], "category",
			 drop_cat_names[k], NULL);
	prom_family(sb, "vigil_events_truncated_total", "counter", "Events written with a string or buffer cut.");
	prom_u64(sb, "vigil_events_truncated_total", ls.n_truncated, NULL);
	prom_family(sb, "vigil_events_unreadable_total", "counter", "Events with user memory that could not be read.");
	prom_u64(sb, "vigil_events_unreadable_total", ls.n_unreadable, NULL);
	prom_family(sb, "vigil_events_malformed_total", "counter", "Events that failed to decode.");
	prom_u64(sb, "vigil_events_malformed_total", ls.n_bad, NULL);
	prom_family(sb, "vigil_syscalls_wanted", "gauge", "Syscalls the probe sends to user space.");
	prom_u64(sb, "vigil_syscalls_wanted", live_wanted_count(o->lp->l), NULL);
	free(pc);

	/* rules */
	size_t nrules = s->rs ? s->rs->nrules : 0, nenabled = 0, npol = 0, nhooks = 0;
	for (size_t i = 0; i < nrules; i++)
		nenabled += s->rs->rules[i]->enabled;
	if (o->lp->policy)
		policy_run_counts(o->lp->policy, &npol, &nhooks);
	prom_family(sb, "vigil_rules_loaded", "gauge", "Rules loaded, and how many are enabled.");
	prom_u64(sb, "vigil_rules_loaded", nrules, "state", "loaded", NULL);
	prom_u64(sb, "vigil_rules_loaded", nenabled, "state", "enabled", NULL);
	prom_family(sb, "vigil_rule_matches_total", "counter", "Alerts raised by each enabled rule.");
	for (size_t i = 0; i < nrules; i++) {
		const struct rule *r = s->rs->rules[i];
		if (r->enabled || r->matches)
			prom_u64(sb, "vigil_rule_matches_total", r->matches, "rule", r->name, "priority",
				 priority_name(r->priority), NULL);
	}
	prom_family(sb, "vigil_alerts_total", "counter", "Alerts raised by the rules, by priority.");
	for (int p = 0; p < PRIO__COUNT; p++)
		prom_u64(sb, "vigil_alerts_total", e->stats.alerts_by_prio[p], "priority", priority_name(p), NULL);
	if (o->lp->policy) {
		prom_family(sb, "vigil_policy_events_total", "counter", "TracingPolicy events written.");
		prom_u64(sb, "vigil_policy_events_total", o->lp->policy->nevents, NULL);
	}

	/* outputs */
	render_outputs(sb, s->outputs);

	/* state and containers */
	struct state_sizes z;
	state_sizes(&e->st, &z);
	prom_family(sb, "vigil_state_entries", "gauge", "Entries of the state tables.");
	prom_u64(sb, "vigil_state_entries", z.threads, "table", "threads", NULL);
	prom_u64(sb, "vigil_state_entries", z.processes, "table", "processes", NULL);
	prom_u64(sb, "vigil_state_entries", z.fds, "table", "fds", NULL);
	prom_u64(sb, "vigil_state_entries", z.containers, "table", "containers", NULL);
	prom_u64(sb, "vigil_state_entries", z.users, "table", "users", NULL);
	prom_u64(sb, "vigil_state_entries", z.groups, "table", "groups", NULL);
	if (o->lp->cm) {
		struct cmeta_stats cs;
		container_meta_stats(o->lp->cm, &cs);
		prom_family(sb, "vigil_container_lookups_total", "counter",
			    "Container metadata lookups: requested, found, failed; retries; API requests that timed out.");
		prom_u64(sb, "vigil_container_lookups_total", cs.requested, "result", "requested", NULL);
		prom_u64(sb, "vigil_container_lookups_total", cs.found, "result", "found", NULL);
		prom_u64(sb, "vigil_container_lookups_total", cs.failed, "result", "failed", NULL);
		prom_u64(sb, "vigil_container_lookups_total", cs.retries, "result", "retry", NULL);
		prom_u64(sb, "vigil_container_lookups_total", cs.api_timeouts, "result", "api_timeout", NULL);
		prom_family(sb, "vigil_container_lookups_pending", "gauge", "Container metadata lookups under way.");
		prom_u64(sb, "vigil_container_lookups_pending", cs.pending, NULL);
	}

	/* the process */
	struct proc_usage u;
	proc_usage(&u);
	prom_family(sb, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
	prom_u64(sb, "process_resident_memory_bytes", u.rss_bytes, NULL);
	prom_family(sb, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
	prom_u64(sb, "process_virtual_memory_bytes", u.vsz_bytes, NULL);
	prom_family(sb, "process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds.");
	prom_f64(sb, "process_cpu_seconds_total", u.cpu_seconds, NULL);
	prom_family(sb, "process_start_time_seconds", "gauge", "Start time of the process since the epoch in seconds.");
	prom_f64(sb, "process_start_time_seconds", u.start_unix, NULL);
	prom_family(sb, "process_open_fds", "gauge", "Number of open file descriptors.");
	prom_u64(sb, "process_open_fds", u.open_fds, NULL);

	/* the probe's programs */
	bool on = kernel_bpf_stats_on(o);
	prom_family(sb, "vigil_bpf_stats_enabled", "gauge",
		    "1 when the kernel's BPF run-time statistics are on (kernel.bpf_stats_enabled, or "
		    "metrics.enable_kernel_bpf_stats).");
	prom_u64(sb, "vigil_bpf_stats_enabled", on, NULL);
	static const char *const pf[][2] = {
		{ "vigil_bpf_prog_run_time_ns_total", "Time the kernel spent in each BPF program (ns)." },
		{ "vigil_bpf_prog_run_count_total", "Runs of each BPF program." },
		{ "vigil_bpf_prog_recursion_misses_total", "Runs of each BPF program the kernel skipped (nested)." },
	};
	for (int pass = on ? 0 : 2; pass < 3; pass++) {
		struct prog_render pr = { sb, pass };
		prom_family(sb, pf[pass][0], "counter", pf[pass][1]);
		live_prog_stats(o->lp->l, prog_sample, &pr);
	}

	/* reloads */
	if (o->rl) {
		struct reload_stats rs;
		reload_get_stats(o->rl, &rs);
		prom_family(sb, "vigil_reloads_total", "counter", "Hot reloads of rules and configuration, by result.");
		prom_u64(sb, "vigil_reloads_total", rs.ok, "result", "success", NULL);
		prom_u64(sb, "vigil_reloads_total", rs.failed, "result", "failure", NULL);
		prom_family(sb, "vigil_last_reload_success_timestamp_seconds", "gauge",
			    "When the running rules were last swapped in (0: never reloaded).");
		prom_f64(sb, "vigil_last_reload_success_timestamp_seconds", (double)rs.last_ok_unix_ns / 1e9, NULL);
	}
}

static void render_version(struct ops *o, struct strbuf *sb)
{
	struct session *s = o->s;
	size_t nrules = s->rs ? s->rs->nrules : 0, nenabled = 0, npol = 0, nhooks = 0;
	for (size_t i = 0; i < nrules; i++)
		nenabled += s->rs->rules[i]->enabled;
	if (o->lp->policy)
		policy_run_counts(o->lp->policy, &npol, &nhooks);
	strbuf_addf(sb,
		    "{\"version\":\"%s\",\"engine_version\":\"%s\","
		    "\"rules\":{\"loaded\":%zu,\"enabled\":%zu},\"policies\":{\"loaded\":%zu,\"hooks\":%zu}}\n",
		    VIGIL_VERSION, VIGIL_ENGINE_VERSION, nrules, nenabled,
		    npol, nhooks);
}

/* Loop thread: publish fresh snapshots for the waiting HTTP threads. */
static void publish(struct ops *o)
{
	struct strbuf m, v;
	strbuf_init(&m);
	strbuf_init(&v);
	ops_render_metrics(o, &m);
	render_version(o, &v);
	pthread_mutex_lock(&o->mu);
	free(o->prom);
	free(o->version);
	o->prom = strbuf_detach(&m);
	o->version = strbuf_detach(&v);
	o->gen++;
	pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->mu);
}

/* HTTP thread: ask the loop for a snapshot and wait for it (a second at
 * most: a stalled loop leaves the previous one). Returns a copy or NULL. */
static char *snapshot(struct ops *o, bool version)
{
	pthread_mutex_lock(&o->mu);
	uint64_t gen = o->gen;
	atomic_store(&o->want, true);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 1;
	while (o->gen == gen)
		if (pthread_cond_timedwait(&o->cv, &o->mu, &ts) == ETIMEDOUT)
			break;
	const char *src = version ? o->version : o->prom;
	char *copy = src ? strdup(src) : NULL;
	pthread_mutex_unlock(&o->mu);
	return copy;
}

static void on_metrics(void *ud, struct http_req *rq)
{
	char *text = snapshot(ud, false);
	if (!text) {
		http_reply_text(rq, 503, "no metrics yet: the event loop has not answered\n");
		return;
	}
	http_reply(rq, 200, PROM_CONTENT_TYPE, text, strlen(text));
	free(text);
}

static void on_version(void *ud, struct http_req *rq)
{
	char *text = snapshot(ud, true);
	if (!text) {
		http_reply_text(rq, 503, "the event loop has not answered\n");
		return;
	}
	http_reply(rq, 200, "application/json", text, strlen(text));
	free(text);
}

static void on_healthz(void *ud, struct http_req *rq)
{
	struct ops *o = ud;
	char body[160];
	double age = (double)(mono_ns() - atomic_load(&o->heartbeat_ns)) / 1e9;
	if (age > o->s->opts.web.healthz_stall) {
		snprintf(body, sizeof(body), "{\"status\":\"stalled\",\"seconds_since_last_loop\":%.1f}\n", age);
		http_reply(rq, 503, "application/json", body, strlen(body));
		return;
	}
	snprintf(body, sizeof(body), "{\"status\":\"ok\"}\n");
	http_reply(rq, 200, "application/json", body, strlen(body));
}

/* ------------------------------------------------------------------------
 * The metrics snapshot (Falco's `metrics` option)
 * ------------------------------------------------------------------------ */

struct fields {
	struct alert_field *v;
	char **names;
	size_t n, cap;
	bool empty;	/* include_empty_values */
};

static void field(struct fields *f, const char *name, uint64_t v, bool include_empty)
{
	if (!v && !include_empty)
		return;
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 64;
		f->v = xrealloc(f->v, f->cap * sizeof(*f->v));
		f->names = xrealloc(f->names, f->cap * sizeof(*f->names));
	}
	f->names[f->n] = xstrdup(name);
	f->v[f->n] = (struct alert_field){ f->names[f->n], v };
	f->n++;
}

static void prog_field(void *ud, const char *prog, uint64_t run_ns, uint64_t run_cnt, uint64_t misses)
{
	struct fields *f = ud;
	char n[160];
	(void)misses;
	if (!run_cnt && !f->empty)
		return;	/* a program that never ran (not attached, or not tail-called yet) */
	snprintf(n, sizeof(n), "scap.%s.run_time_ns", prog);
	field(f, n, run_ns, true);
	snprintf(n, sizeof(n), "scap.%s.run_cnt", prog);
	field(f, n, run_cnt, true);
	snprintf(n, sizeof(n), "scap.%s.avg_time_ns", prog);
	field(f, n, run_cnt ? run_ns / run_cnt : 0, true);
}

static void metrics_snapshot(struct ops *o)
{
	const struct metrics_cfg *m = &o->s->opts.metrics;
	struct session *s = o->s;
	struct fields f = { .empty = m->include_empty_values };
	bool empty = m->include_empty_values;
	char n[300];

	if (m->resource_utilization) {
		struct proc_usage u;
		proc_usage(&u);
		field(&f, m->convert_memory_to_mb ? "falco.memory_rss_mb" : "falco.memory_rss_kb",
		      m->convert_memory_to_mb ? u.rss_bytes >> 20 : u.rss_bytes >> 10, empty);
		field(&f, m->convert_memory_to_mb ? "falco.memory_vsz_mb" : "falco.memory_vsz_kb",
		      m->convert_memory_to_mb ? u.vsz_bytes >> 20 : u.vsz_bytes >> 10, empty);
		field(&f, "falco.cpu_time_ms", (uint64_t)(u.cpu_seconds * 1000), empty);
		field(&f, "falco.host_num_cpus", s->e.st.num_cpus, empty);
	}
	field(&f, "falco.evts_rate_sec", (uint64_t)o->evps, empty);
	field(&f, "falco.num_evts", s->e.stats.events, empty);
	field(&f, "falco.outputs_queue_num_drops", 0, false);
	if (m->state_counters) {
		struct state_sizes z;
		state_sizes(&s->e.st, &z);
		field(&f, "falco.n_threads", z.threads, empty);
		field(&f, "falco.n_fds", z.fds, empty);
		field(&f, "falco.n_containers", z.containers, empty);
		field(&f, "falco.n_users", z.users, empty);
	}
	if (m->kernel_event_counters) {
		struct live_stats ls;
		live_get_stats(o->lp->l, &ls);
		field(&f, "scap.n_evts", ls.n_evts, empty);
		field(&f, "scap.n_drops", ls.n_drops_buffer + ls.n_drops_scratch + ls.n_drops_nomap + ls.n_drops_recursion,
		      empty);
		field(&f, "scap.n_drops_buffer_total", ls.n_drops_buffer, empty);
		for (int k = 0; k < VG_DROP_CAT_MAX; k++) {
			snprintf(n, sizeof(n), "scap.n_drops_buffer_%s_exit", drop_cat_names[k]);
			field(&f, n, ls.n_drops_buffer_cat[k], empty);
		}
		field(&f, "scap.n_drops_scratch_map", ls.n_drops_scratch, empty);
		if (m->kernel_event_counters_per_cpu) {
			struct live_stats *pc = calloc(OPS_MAX_CPUS, sizeof(*pc));
			int nc = pc ? live_get_cpu_stats(o->lp->l, pc, OPS_MAX_CPUS) : 0;
			for (int c = 0; c < nc; c++) {
				snprintf(n, sizeof(n), "scap.n_evts_cpu_%d", c);
				field(&f, n, pc[c].n_evts, empty);
				snprintf(n, sizeof(n), "scap.n_drops_cpu_%d", c);
				field(&f, n, pc[c].n_drops_buffer + pc[c].n_drops_scratch + pc[c].n_drops_nomap, empty);
			}
			free(pc);
		}
	}
	if (m->libbpf_stats && kernel_bpf_stats_on(o))
		live_prog_stats(o->lp->l, prog_field, &f);
	if (m->rules_counters && s->rs) {
		field(&f, "falco.rules.matches_total", s->e.stats.alerts, empty);
		for (size_t i = 0; i < s->rs->nrules; i++) {
			snprintf(n, sizeof(n), "falco.rules.%s", s->rs->rules[i]->name);
			field(&f, n, s->rs->rules[i]->matches, empty);
		}
	}
	/* alert_format_internal sorts the fields itself */
	if (m->output_rule)
		engine_internal_alert(&s->e, unix_ns(), PRIO_INFORMATIONAL, "Falco internal: metrics snapshot",
				      "Falco metrics snapshot", f.v, f.n);
	if (*m->output_file) {
		FILE *out = fopen(m->output_file, "a");
		if (!out) {
			log_warn("metrics.output_file: cannot open %s: %s", m->output_file, strerror(errno));
		} else {
			struct strbuf js;
			strbuf_init(&js);
			alert_format_internal2(&s->e.opts.alert, unix_ns(), PRIO_INFORMATIONAL,
					       "Falco internal: metrics snapshot", "Falco metrics snapshot", f.v, f.n, NULL,
					       &js);
			fprintf(out, "%s\n", js.buf);
			strbuf_fini(&js);
			fclose(out);
		}
	}
	for (size_t i = 0; i < f.n; i++)
		free(f.names[i]);
	free(f.names);
	free(f.v);
}

/* ------------------------------------------------------------------------
 * Life cycle
 * ------------------------------------------------------------------------ */

static struct ops_ext g_ext[4];
static size_t g_next;

int ops_register(const struct ops_ext *x)
{
	if (g_next == sizeof(g_ext) / sizeof(g_ext[0]))
		return -ENOSPC;
	g_ext[g_next++] = *x;
	return 0;
}

struct ops *ops_start(struct live_loop *lp, const struct live_run_opts *lo, char *err, size_t errlen)
{
	struct ops *o = calloc(1, sizeof(*o));
	struct session *s = lp->s;
	(void)lo;
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	o->lp = lp;
	o->s = s;
	o->bpf_stats_fd = -1;
	pthread_mutex_init(&o->mu, NULL);
	pthread_cond_init(&o->cv, NULL);
	atomic_store(&o->heartbeat_ns, mono_ns());
	o->rate_ns = mono_ns();
	if (s->opts.metrics.enable_kernel_bpf_stats) {
		o->bpf_stats_fd = live_enable_bpf_stats();
		if (o->bpf_stats_fd < 0)
			log_warn("metrics.enable_kernel_bpf_stats: cannot enable the kernel's BPF statistics: %s",
				 strerror(-o->bpf_stats_fd));
	}
	if (s->opts.metrics.enabled)
		o->next_metrics_ns = mono_ns() + (uint64_t)(s->opts.metrics.interval * 1e9);
	o->rl = reload_start(lp, s->opts.watch_config_files, err, errlen);
	if (!o->rl)
		goto fail;
	const struct http_cfg *wc = &s->opts.web;
	if (wc->enabled) {
		o->http = http_server_new(wc, err, errlen);
		if (!o->http)
			goto fail;
		http_route(o->http, "GET", wc->k8s_healthz_endpoint, HTTP_ROUTE_PUBLIC | HTTP_ROUTE_EXACT, on_healthz, o);
		http_route(o->http, "GET", "/version", HTTP_ROUTE_EXACT, on_version, o);
		http_route(o->http, "GET", "/versions", HTTP_ROUTE_EXACT, on_version, o);	/* Falco's path */
		if (wc->prometheus_metrics_enabled)
			http_route(o->http, "GET", "/metrics", HTTP_ROUTE_EXACT, on_metrics, o);
	}
	for (size_t i = 0; i < g_next; i++)
		if (g_ext[i].mount)
			g_ext[i].mount(g_ext[i].ud, o->http, lp);
	if (o->http) {
		if (http_server_start(o->http, err, errlen))
			goto fail;
		bool v6 = strchr(wc->listen_address, ':') != NULL;
		fprintf(stderr, "vigil: web server listening on %s%s%s:%u (%s, /version%s)%s\n", v6 ? "[" : "",
			wc->listen_address, v6 ? "]" : "", http_server_port(o->http), wc->k8s_healthz_endpoint,
			wc->prometheus_metrics_enabled ? ", /metrics" : "", wc->ssl_enabled ? " with TLS" : "");
	}
	return o;
fail:
	ops_stop(o);
	return NULL;
}

void ops_tick(struct ops *o)
{
	uint64_t now = mono_ns();
	atomic_store_explicit(&o->heartbeat_ns, now, memory_order_relaxed);
	if (now - o->rate_ns >= 1000000000ull) {
		uint64_t ev = o->s->e.stats.events;
		o->evps = (double)(ev - o->rate_events) * 1e9 / (double)(now - o->rate_ns);
		o->rate_events = ev;
		o->rate_ns = now;
	}
	if (o->rl && reload_apply(o->rl)) {
		const struct metrics_cfg *m = &o->s->opts.metrics;
		o->next_metrics_ns = m->enabled ? now + (uint64_t)(m->interval * 1e9) : 0;
	}
	if (atomic_load_explicit(&o->want, memory_order_relaxed) && atomic_exchange(&o->want, false))
		publish(o);
	if (o->next_metrics_ns && now >= o->next_metrics_ns) {
		metrics_snapshot(o);
		o->next_metrics_ns = now + (uint64_t)(o->s->opts.metrics.interval * 1e9);
	}
	for (size_t i = 0; i < g_next; i++)
		if (g_ext[i].tick)
			g_ext[i].tick(g_ext[i].ud, o->lp);
}

struct http_server *ops_http(struct ops *o)
{
	return o ? o->http : NULL;
}

void ops_stop(struct ops *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < g_next; i++)
		if (g_ext[i].stop)
			g_ext[i].stop(g_ext[i].ud);
	http_server_free(o->http);
	reload_stop(o->rl);
	if (o->bpf_stats_fd >= 0)
		close(o->bpf_stats_fd);
	free(o->prom);
	free(o->version);
	pthread_cond_destroy(&o->cv);
	pthread_mutex_destroy(&o->mu);
	free(o);
}
