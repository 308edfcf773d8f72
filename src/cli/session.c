/* SPDX-License-Identifier: Apache-2.0 */
/*
 * session.c - the engine set-up that `vigil replay`, `vigil run` and
 * `vigil capture` share: Falco's options and configuration, rule loading and
 * selection, alert outputs, and the end-of-run summary.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "capture/scap_writer.h"
#include "cli/session.h"
#include "common/log.h"
#include "output/outputs.h"

/* The suffix Falco's container plugin appends to every rule output. */
#define SUGGESTED_OUTPUT                                                                                    \
	"container_id=%container.id container_name=%container.name "                                        \
	"container_image_repository=%container.image.repository container_image_tag=%container.image.tag " \
	"k8s_pod_name=%k8s.pod.name k8s_ns_name=%k8s.ns.name"

const struct option session_longopts[] = {
	{ "rules", required_argument, NULL, 'r' },
	{ "config", required_argument, NULL, 'c' },
	{ "json", no_argument, NULL, 'j' },
	{ "option", required_argument, NULL, 'o' },
	{ "print", required_argument, NULL, 'p' },
	{ "filter", required_argument, NULL, 'f' },
	{ "enter-events", no_argument, NULL, 'E' },
	{ "stats", no_argument, NULL, 's' },
	{ "write", required_argument, NULL, 'w' },
	{ "compress", no_argument, NULL, 'z' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

void session_usage_options(FILE *f)
{
	fprintf(f,
		"  -r, --rules PATH       rules file or directory (repeatable, loaded in order)\n"
		"  -c, --config FILE      a falco.yaml-style configuration (json_output, priority,\n"
		"                         rule_matching, stdout_output, file_output, syscall_event_drops...)\n"
		"                         and vigil's `outputs:` (syslog, program, http, slack,\n"
		"                         elasticsearch, opensearch, loki, kafka, redis, nats, mqtt):\n"
		"                         see vigil.yaml; -o outputs.NAME.KEY=VALUE sets any of them\n"
		"  --json                 JSON alerts (same as -o json_output=true)\n"
		"  -o, --option KEY=VAL   engine option (repeatable):\n"
		"                           rule_matching=first|all        (first)\n"
		"                           priority=<min priority>        (debug)\n"
		"                           json_output=true|false         (false)\n"
		"                           json_include_output_property=  (true)\n"
		"                           json_include_tags_property=    (true)\n"
		"                           json_include_message_property= (false)\n"
		"                           json_include_output_fields_property= (true)\n"
		"                           time_format_iso_8601=true|false (false)\n"
		"                           suggested_output=true|false    (true: append container/k8s fields)\n"
		"                           evaluate_enter_events=true|false (false: rules see one record per\n"
		"                             completed syscall, as Falco >= 0.42; true: also the syscall\n"
		"                             enter events a capture holds, as older Falco did)\n"
		"                           log_level=error|warning|info|debug (info)\n"
		"                         container metadata of live runs (Falco's container plugin\n"
		"                         init_config, also read from falco.yaml's plugins list):\n"
		"                           container.engines.docker.enabled=  (true)\n"
		"                           container.engines.docker.sockets=PATH[,PATH] (/var/run/docker.sock)\n"
		"                           container.engines.podman.enabled=  (true)\n"
		"                           container.engines.podman.sockets=  (/run/podman/podman.sock)\n"
		"                           container.engines.podman.state_dirs= (/var/lib/containers/storage,\n"
		"                             /run/containers/storage: config.json when the API is not running)\n"
		"                           container.engines.containerd.enabled= (true)\n"
		"                           container.engines.containerd.state_dirs=\n"
		"                             (/run/containerd/io.containerd.runtime.v2.task,\n"
		"                              /run/containerd/io.containerd.runtime.v1.linux)\n"
		"                           container.engines.cri.enabled=     (true: CRI-O)\n"
		"                           container.engines.cri.state_dirs=  (/run/containers/storage,\n"
		"                             /var/lib/containers/storage)\n"
		"                           container.engine_timeout=SECONDS   (2: each API request)\n"
		"                           container.label_max_len=N          (100: longer labels left out)\n"
		"  -D SUBSTRING           disable rules whose name contains SUBSTRING (repeatable)\n"
		"  -t TAG                 only enable rules with TAG (repeatable)\n"
		"  -T TAG                 disable rules with TAG (repeatable)\n"
		"  -A                     accepted for Falco compatibility\n"
		"  -p, --print FORMAT     print each event with a format such as\n"
		"                         '%%evt.num %%evt.type %%proc.name %%fd.name'; a line is skipped\n"
		"                         when a field is missing unless FORMAT starts with '*'\n"
		"  --filter CONDITION     with --print and -w: only events matching CONDITION\n"
		"  -w, --write OUT        write the events to OUT, a capture that vigil, Falco and\n"
		"                         sysdig 0.29.3 read: the state (processes, fds, users,\n"
		"                         interfaces) as it is at the first event, then the events.\n"
		"                         With --filter: the exit events that match (each after its\n"
		"                         enter event); other events that change processes or fds\n"
		"                         are kept flagged state-only, which readers apply but do\n"
		"                         not show, so the kept events keep their proc.* and fd.*\n"
		"  -z, --compress         gzip OUT (also when OUT ends in .gz)\n"
		"  --stats                print counters to stderr at the end\n"
		"  -h, --help             this help\n");
}

static void sink_emit(void *ud, const struct alert_rec *a)
{
	struct session *s = ud;
	outputs__emit(s->outputs, a);
	for (size_t i = 0; i < s->ntaps; i++)
		s->taps[i].fn(s->taps[i].ud, a);
}

int session_add_alert_tap(struct session *s, void (*fn)(void *ud, const struct alert_rec *a), void *ud,
			  unsigned formats)
{
	if (s->ntaps == sizeof(s->taps) / sizeof(s->taps[0]))
		return -ENOSPC;
	s->taps[s->ntaps].fn = fn;
	s->taps[s->ntaps].ud = ud;
	s->ntaps++;
	s->tap_formats |= formats;
	s->e.sink_formats = outputs__formats(s->outputs) | s->tap_formats;
	return 0;
}

/* SIGUSR1: reopen file outputs, respawn programs (Falco's behaviour). */
static struct outputs *volatile g_reopen_outputs;

static void on_sigusr1(int sig)
{
	(void)sig;
	outputs__request_reopen(g_reopen_outputs);
}

int session_init(struct session *s, int argc, char **argv)
{
	memset(s, 0, sizeof(*s));
	cli_options_init(&s->opts);
	ruleset_opts_init(&s->ro);
	engine_opts_init(&s->eo);
	s->rules = calloc((size_t)argc + 17, sizeof(char *));
	s->dis = calloc((size_t)argc + 1, sizeof(char *));
	s->ten = calloc((size_t)argc + 1, sizeof(char *));
	s->tdis = calloc((size_t)argc + 1, sizeof(char *));
	s->cfg_paths = calloc((size_t)argc + 1, sizeof(char *));
	s->overrides = calloc((size_t)argc + 1, sizeof(char *));
	if (!s->rules || !s->dis || !s->ten || !s->tdis || !s->cfg_paths || !s->overrides)
		return -ENOMEM;
	for (int i = 1; i < argc; i++) {
		const char *cfg = NULL;
		if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc)
			cfg = argv[i + 1];
		else if (!strncmp(argv[i], "--config=", 9))
			cfg = argv[i] + 9;
		if (cfg) {
			s->cfg_paths[s->ncfg_paths++] = cfg;
			s->config = cfg;
			struct diag_list dl;
			diag_list_init(&dl);
			int rc = cli_options_load(&s->opts, cfg, &dl);
			diag_print(&dl, stderr);
			diag_list_fini(&dl);
			if (rc)
				return -EINVAL;
		}
	}
	return 0;
}

#ifndef VIGIL_SYSCONFDIR
#define VIGIL_SYSCONFDIR "/etc"
#endif
const char session_default_config[] = VIGIL_SYSCONFDIR "/vigil/vigil.yaml";

int session_load_default_config(struct session *s)
{
	struct stat st;
	if (s->config || stat(session_default_config, &st))
		return 0;
	struct diag_list dl;
	diag_list_init(&dl);
	int rc = cli_options_load(&s->opts, session_default_config, &dl);
	diag_print(&dl, stderr);
	diag_list_fini(&dl);
	if (rc)
		return -EINVAL;
	s->config = session_default_config;
	s->cfg_paths[s->ncfg_paths++] = session_default_config;	/* read again by a reload */
	return 1;
}

static int set_opt(struct session *s, const char *kv)
{
	char err[512];
	if (cli_options_set(&s->opts, kv, err, sizeof(err))) {
		fprintf(stderr, "vigil: %s\n", err);
		return -EINVAL;
	}
	s->overrides[s->noverrides++] = kv;
	return 1;
}

int session_opt(struct session *s, int c, const char *arg)
{
	switch (c) {
	case 'r': s->rules[s->nrules++] = arg; return 1;
	case 'c': return 1;	/* applied by session_init() */
	case 'j': return set_opt(s, "json_output=true");
	case 'o': return set_opt(s, arg);
	case 'p': s->print = arg; return 1;
	case 'f': s->filter = arg; return 1;
	case 'E': return set_opt(s, "evaluate_enter_events=true");
	case 'D': s->dis[s->ro.ndisable_substr++] = arg; return 1;
	case 't': s->ten[s->ro.nenable_tags++] = arg; return 1;
	case 'T': s->tdis[s->ro.ndisable_tags++] = arg; return 1;
	case 'A': return 1;
	case 's': s->stats = true; return 1;
	case 'w': s->wpath = arg; return 1;
	case 'z': s->wflags |= SCAP_W_GZIP; return 1;
	default: return 0;
	}
}

void session_derive_opts(struct session *s, const struct cli_options *o, struct ruleset_opts *ro,
			 struct engine_opts *eo)
{
	ro->disable_substr = s->dis;
	ro->enable_tags = s->ten;
	ro->disable_tags = s->tdis;
	ro->min_priority = o->min_priority;
	ro->append_output = o->suggested_output ? SUGGESTED_OUTPUT : NULL;
	eo->matching = o->rule_matching_all ? MATCH_ALL : MATCH_FIRST;
	eo->evaluate_enter = o->evaluate_enter_events;
	eo->alert.json = o->json_output;
	eo->alert.json_include_output = o->json_include_output;
	eo->alert.json_include_tags = o->json_include_tags;
	eo->alert.json_include_message = o->json_include_message;
	eo->alert.json_include_output_fields = o->json_include_output_fields;
	eo->alert.time_iso8601 = o->time_iso8601;
}

void session_outputs_globals(struct session *s, const struct cli_options *o, const struct engine_opts *eo,
			     struct outputs_globals *g)
{
	*g = (struct outputs_globals){
		.alert = eo->alert,
		.buffered = o->buffered_outputs,
		.output_timeout_ms = o->output_timeout_ms,
		.queue_capacity = o->outputs_queue_capacity,
		.live_flush = &s->sink.flush,
	};
}

void session_swap_outputs(struct session *s, struct outputs *m)
{
	s->outputs = m;
	s->e.sink_formats = outputs__formats(m) | s->tap_formats;
	g_reopen_outputs = m;
}

int session_start(struct session *s, bool need_rules)
{
	char err[1024];
	struct cli_options *o = &s->opts;
	if (cli_options_validate(o, err, sizeof(err))) {
		fprintf(stderr, "vigil: %s\n", err);
		return -EINVAL;
	}
	log_set_level(o->log_level);
	s->nrules_cli = s->nrules;
	s->rules_from_config = need_rules && !s->nrules;
	if (need_rules && !s->nrules)
		for (int i = 0; i < o->nrules_files; i++)
			s->rules[s->nrules++] = o->rules_files[i];
	session_derive_opts(s, o, &s->ro, &s->eo);

	if (s->nrules) {
		struct diag_list dl;
		diag_list_init(&dl);
		s->rs = ruleset_load(s->rules, s->nrules, &s->ro, &dl);
		diag_print(&dl, stderr);
		diag_list_fini(&dl);
		if (!s->rs) {
			fprintf(stderr, "vigil: rules not loaded\n");
			return -EINVAL;
		}
	}
	struct outputs_globals g;
	session_outputs_globals(s, o, &s->eo, &g);
	struct diag_list dl;
	diag_list_init(&dl);
	s->outputs = outputs__new(&o->outputs, &g, &dl);
	diag_print(&dl, stderr);
	diag_list_fini(&dl);
	if (!s->outputs) {
		fprintf(stderr, "vigil: outputs not configured\n");
		return -EINVAL;
	}
	if (outputs__start(s->outputs, err, sizeof(err))) {
		fprintf(stderr, "vigil: %s\n", err);
		return -EIO;
	}
	g_reopen_outputs = s->outputs;
	struct sigaction sa = { .sa_handler = on_sigusr1, .sa_flags = SA_RESTART };
	sigaction(SIGUSR1, &sa, NULL);
	engine_init(&s->e, s->rs, &s->eo);
	s->engine_ready = true;
	s->e.sink = sink_emit;
	s->e.sink_ud = s;
	s->e.sink_formats = outputs__formats(s->outputs);
	if ((s->print && engine_set_print(&s->e, s->print, s->filter, stdout, err, sizeof(err))) ||
	    (!s->print && s->filter && engine_set_filter(&s->e, s->filter, err, sizeof(err)))) {
		fprintf(stderr, "vigil: %s\n", err);
		return -EINVAL;
	}
	return 0;
}

/* True if both paths name one existing file (-w must not truncate the input). */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int session_open_writer(struct session *s, const char *input)
{
	char err[1024];
	if (input && same_file(s->wpath, input)) {
		fprintf(stderr, "vigil: %s is the capture being replayed; write to another file\n", s->wpath);
		return -EINVAL;
	}
	s->writer = scap_writer__open(s->wpath, s->wflags, err, sizeof(err));
	if (!s->writer) {
		fprintf(stderr, "vigil: %s\n", err);
		return -(errno ? errno : EIO);
	}
	engine_set_writer(&s->e, s->writer);
	return 0;
}

int session_close_writer(struct session *s)
{
	char err[1024];
	if (!s->writer)
		return 0;
	const struct scap_writer_stats *ws = scap_writer__stats(s->writer);
	if (s->stats)
		fprintf(stderr, "written to %s: %llu events (%llu enter events added), %llu threads, %llu fds\n",
			s->wpath, (unsigned long long)ws->events, (unsigned long long)ws->enters_added,
			(unsigned long long)ws->threads, (unsigned long long)ws->fds);
	int rc = scap_writer__close(s->writer, err, sizeof(err));
	s->writer = NULL;
	if (rc) {
		fprintf(stderr, "vigil: %s\n", err);
		return -EIO;
	}
	return 0;
}

void session_stop_outputs(struct session *s)
{
	if (s->outputs_stopped || !s->outputs)
		return;
	fflush(stdout);
	outputs__stop(s->outputs);
	s->outputs_stopped = true;
}

void session_print_stats(struct session *s, FILE *f)
{
	uint64_t unknown_events = s->e.stats.unknown_events;
	struct engine *e = &s->e;
	fprintf(f, "Events detected: %llu\nRule counts by severity:\n", (unsigned long long)e->stats.alerts);
	for (int p = 0; p < PRIO__COUNT; p++)
		if (e->stats.alerts_by_prio[p])
			fprintf(f, "   %s: %llu\n", priority_name(p), (unsigned long long)e->stats.alerts_by_prio[p]);
	if (s->rs) {
		fprintf(f, "Triggered rules by rule name:\n");
		for (size_t i = 0; i < s->rs->nrules; i++)
			if (s->rs->rules[i]->matches)
				fprintf(f, "   %s: %llu\n", s->rs->rules[i]->name, (unsigned long long)s->rs->rules[i]->matches);
	}
	fprintf(f, "events: %llu read, %llu evaluated, %llu of unknown types\n",
		(unsigned long long)(e->stats.events + unknown_events), (unsigned long long)e->stats.evaluated,
		(unsigned long long)unknown_events);
	if (s->outputs) {
		session_stop_outputs(s);
		outputs__print_stats(s->outputs, f);
		s->outputs_printed = true;
	}
}

void session_print_drops(struct session *s, FILE *f)
{
	if (s->e.drops_enabled && s->e.drops.occurrences)
		fprintf(f, "Syscall event drop monitoring:\n   - event drop detected: %llu occurrences\n"
			   "   - num times actions taken: %llu\n",
			(unsigned long long)s->e.drops.occurrences, (unsigned long long)s->e.drops.actions_taken);
}

void session_fini(struct session *s)
{
	session_close_writer(s);
	fflush(stdout);
	if (s->outputs) {
		session_stop_outputs(s);
		if (!s->outputs_printed && outputs__noteworthy(s->outputs))
			outputs__print_stats(s->outputs, stderr);
		g_reopen_outputs = NULL;
		outputs__free(s->outputs);
	}
	if (s->engine_ready)
		engine_fini(&s->e);
	ruleset_free(s->rs);
	free(s->rules);
	free(s->dis);
	free(s->ten);
	free(s->tdis);
	free(s->cfg_paths);
	free(s->overrides);
	cli_options_fini(&s->opts);
	memset(s, 0, sizeof(*s));
}
