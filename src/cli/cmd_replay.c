/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_replay.c - `vigil replay FILE -r RULES...`: evaluates rules over a
 * .scap capture and prints Falco-format alerts (text or JSON) on stdout;
 * `--print FORMAT` prints every event instead, sysdig -p style; `-w OUT`
 * writes the events (all, or those passing --filter) to a new capture that
 * sysdig 0.29.3 reads too. Engine options use Falco's names (-o key=value),
 * and Falco's rule selection flags (-D, -t, -T) work the same.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "cli/cli.h"
#include "capture/scap_writer.h"
#include "cli/options.h"
#include "engine/engine.h"

/* The suffix Falco's container plugin appends to every rule output. */
#define SUGGESTED_OUTPUT                                                                                    \
	"container_id=%container.id container_name=%container.name "                                        \
	"container_image_repository=%container.image.repository container_image_tag=%container.image.tag " \
	"k8s_pod_name=%k8s.pod.name k8s_ns_name=%k8s.ns.name"

/* Where alerts go during a replay: stdout and/or an appended file. */
struct replay_sink {
	bool to_stdout;
	FILE *file;
	const char *program;	/* program_output: a shell command fed the alerts */
	bool keep_alive;
	FILE *pipe;
};

static void replay_sink(void *ud, const struct rule *r, const struct event *ev, const char *line, size_t len)
{
	struct replay_sink *s = ud;
	(void)r;
	(void)ev;
	if (s->to_stdout) {
		fwrite(line, 1, len, stdout);
		fputc('\n', stdout);
	}
	if (s->file) {
		fwrite(line, 1, len, s->file);
		fputc('\n', s->file);
	}
	if (s->program) {
		if (!s->pipe)
			s->pipe = popen(s->program, "w");
		if (s->pipe) {
			fwrite(line, 1, len, s->pipe);
			fputc('\n', s->pipe);
			if (!s->keep_alive) {
				pclose(s->pipe);
				s->pipe = NULL;
			}
		}
	}
}

/* The first line of the log, timestamped like Falco's. */
static void log_start(const struct cli_options *o, const char *file)
{
	time_t now = time(NULL);
	struct tm tm;
	char buf[64];
	if (o->time_iso8601) {
		gmtime_r(&now, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S+0000", &tm);
	} else {
		localtime_r(&now, &tm);
		strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &tm);
	}
	fprintf(stderr, "%s: vigil version %s, replaying %s\n", buf, VIGIL_VERSION, file);
}

/* True if both paths name one existing file (-w must not truncate the input). */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vigil replay FILE.scap -r RULES... [options]\n"
		"       vigil replay FILE.scap --print FORMAT [--filter CONDITION]\n"
		"       vigil replay FILE.scap -w OUT.scap [-z] [--filter CONDITION]\n"
		"\n"
		"Reads a capture (plain or gzip .scap, as written by sysdig, Falco or vigil),\n"
		"rebuilds process/fd/user state from it, evaluates the rules on every event and\n"
		"prints alerts on stdout exactly as Falco does.\n"
		"\n"
		"options:\n"
		"  -r, --rules PATH       rules file or directory (repeatable, loaded in order)\n"
		"  -c, --config FILE      a falco.yaml-style configuration (json_output, priority,\n"
		"                         rule_matching, stdout_output, file_output, syscall_event_drops...)\n"
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
		"  -D SUBSTRING           disable rules whose name contains SUBSTRING (repeatable)\n"
		"  -t TAG                 only enable rules with TAG (repeatable)\n"
		"  -T TAG                 disable rules with TAG (repeatable)\n"
		"  -A                     accepted for Falco compatibility (replay evaluates every event)\n"
		"  --enter-events         same as -o evaluate_enter_events=true\n"
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

int cmd_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "option", required_argument, NULL, 'o' },
		{ "print", required_argument, NULL, 'p' },
		{ "filter", required_argument, NULL, 'f' },
		{ "enter-events", no_argument, NULL, 'E' },
		{ "write", required_argument, NULL, 'w' },
		{ "compress", no_argument, NULL, 'z' },
		{ "stats", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char **rules = calloc((size_t)argc + 1, sizeof(char *));
	const char **dis = calloc((size_t)argc + 1, sizeof(char *));
	const char **ten = calloc((size_t)argc + 1, sizeof(char *));
	const char **tdis = calloc((size_t)argc + 1, sizeof(char *));
	size_t nrules = 0;
	const char *print = NULL, *filter = NULL, *wpath = NULL;
	unsigned wflags = 0;
	bool stats = false;
	struct cli_options opts;
	struct engine_opts eo;
	struct ruleset_opts ro;
	int c, status = 1;
	char err[1024];

	cli_options_init(&opts);
	ruleset_opts_init(&ro);
	engine_opts_init(&eo);
	optind = 1;
	/* the configuration file applies first, -o options override it */
	for (int i = 1; i < argc; i++) {
		const char *cfg = NULL;
		if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc)
			cfg = argv[i + 1];
		else if (!strncmp(argv[i], "--config=", 9))
			cfg = argv[i] + 9;
		if (cfg) {
			struct diag_list dl;
			diag_list_init(&dl);
			int lrc = cli_options_load(&opts, cfg, &dl);
			diag_print(&dl, stderr);
			diag_list_fini(&dl);
			if (lrc)
				goto out;
		}
	}
	while ((c = getopt_long(argc, argv, "r:c:o:p:D:t:T:Aw:zh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': rules[nrules++] = optarg; break;
		case 'c': break;
		case 'j': cli_options_set(&opts, "json_output=true", err, sizeof(err)); break;
		case 'o':
			if (cli_options_set(&opts, optarg, err, sizeof(err))) {
				fprintf(stderr, "vigil: %s\n", err);
				goto out;
			}
			break;
		case 'p': print = optarg; break;
		case 'f': filter = optarg; break;
		case 'w': wpath = optarg; break;
		case 'z': wflags |= SCAP_W_GZIP; break;
		case 'E': cli_options_set(&opts, "evaluate_enter_events=true", err, sizeof(err)); break;
		case 'D': dis[ro.ndisable_substr++] = optarg; break;
		case 't': ten[ro.nenable_tags++] = optarg; break;
		case 'T': tdis[ro.ndisable_tags++] = optarg; break;
		case 'A': break;
		case 's': stats = true; break;
		case 'h': usage(stdout); status = 0; goto out;
		default: usage(stderr); status = 2; goto out;
		}
	}
	if (cli_options_validate(&opts, err, sizeof(err))) {
		fprintf(stderr, "vigil: %s\n", err);
		goto out;
	}
	if (!nrules && !print && !wpath) {
		for (int i = 0; i < opts.nrules_files; i++)
			rules[nrules++] = opts.rules_files[i];
	}
	if (optind != argc - 1) {
		fprintf(stderr, "vigil: replay needs exactly one capture file\n");
		usage(stderr);
		status = 2;
		goto out;
	}
	if (!nrules && !print && !wpath) {
		fprintf(stderr, "vigil: give rules with -r, a --print format or a -w output file\n");
		status = 2;
		goto out;
	}
	if (filter && !print && !wpath) {
		fprintf(stderr, "vigil: --filter applies to --print or -w\n");
		status = 2;
		goto out;
	}
	ro.disable_substr = dis;
	ro.enable_tags = ten;
	ro.disable_tags = tdis;
	ro.min_priority = opts.min_priority;
	ro.append_output = opts.suggested_output ? SUGGESTED_OUTPUT : NULL;
	eo.matching = opts.rule_matching_all ? MATCH_ALL : MATCH_FIRST;
	eo.evaluate_enter = opts.evaluate_enter_events;
	eo.alert.json = opts.json_output;
	eo.alert.json_include_output = opts.json_include_output;
	eo.alert.json_include_tags = opts.json_include_tags;
	eo.alert.json_include_message = opts.json_include_message;
	eo.alert.json_include_output_fields = opts.json_include_output_fields;
	eo.alert.time_iso8601 = opts.time_iso8601;

	struct ruleset *rs = NULL;
	if (nrules) {
		struct diag_list dl;
		diag_list_init(&dl);
		rs = ruleset_load(rules, nrules, &ro, &dl);
		diag_print(&dl, stderr);
		diag_list_fini(&dl);
		if (!rs) {
			fprintf(stderr, "vigil: rules not loaded\n");
			goto out;
		}
	}
	struct engine e;
	struct replay_sink sink = { opts.stdout_output, NULL, NULL, opts.program_output_keep_alive, NULL };
	if (opts.program_output && opts.program_output_cmd[0])
		sink.program = opts.program_output_cmd;
	if (opts.file_output && !(sink.file = fopen(opts.file_output_name, "a"))) {
		fprintf(stderr, "vigil: file_output: cannot open %s: %s\n", opts.file_output_name, strerror(errno));
		ruleset_free(rs);
		goto out;
	}
	log_start(&opts, argv[optind]);
	engine_init(&e, rs, &eo);
	e.sink = replay_sink;
	e.sink_ud = &sink;
	if (opts.drops_simulate)
		engine_set_drops(&e, opts.drops_threshold, opts.drops_actions, opts.drops_rate, opts.drops_max_burst, true);
	if ((print && engine_set_print(&e, print, filter, stdout, err, sizeof(err))) ||
	    (!print && filter && engine_set_filter(&e, filter, err, sizeof(err)))) {
		fprintf(stderr, "vigil: %s\n", err);
		engine_fini(&e);
		ruleset_free(rs);
		goto out;
	}
	struct scap_writer *w = NULL;
	if (wpath && same_file(wpath, argv[optind])) {
		fprintf(stderr, "vigil: %s is the capture being replayed; write to another file\n", wpath);
		engine_fini(&e);
		ruleset_free(rs);
		goto out;
	}
	if (wpath) {
		w = scap_writer__open(wpath, wflags, err, sizeof(err));
		if (!w) {
			fprintf(stderr, "vigil: %s\n", err);
			engine_fini(&e);
			ruleset_free(rs);
			goto out;
		}
		engine_set_writer(&e, w);
	}
	int rc = engine_replay(&e, argv[optind], err, sizeof(err));
	if (w) {
		/* a replay error is reported below; the output is incomplete then too */
		char werr[1024];
		const struct scap_writer_stats *ws = scap_writer__stats(w);
		if (stats)
			fprintf(stderr, "written to %s: %llu events (%llu enter events added), %llu threads, %llu fds\n",
				wpath, (unsigned long long)ws->events, (unsigned long long)ws->enters_added,
				(unsigned long long)ws->threads, (unsigned long long)ws->fds);
		if (scap_writer__close(w, werr, sizeof(werr))) {
			fprintf(stderr, "vigil: %s\n", werr);
			e.exit_status = 1;
		} else if (rc) {
			fprintf(stderr, "vigil: %s: incomplete, the replay stopped on the error below\n", wpath);
		}
	}
	fflush(stdout);
	if (sink.file)
		fclose(sink.file);
	if (sink.pipe)
		pclose(sink.pipe);
	if (rc) {
		fprintf(stderr, "vigil: %s\n", err);
	} else {
		status = e.exit_status;
	}
	if (e.drops_enabled && e.drops.occurrences)
		fprintf(stderr, "event drop detected: %llu occurrences\nnum times actions taken: %llu\n",
			(unsigned long long)e.drops.occurrences, (unsigned long long)e.drops.actions_taken);
	if (stats || rc) {
		fprintf(stderr, "Events detected: %llu\nRule counts by severity:\n", (unsigned long long)e.stats.alerts);
		for (int p = 0; p < PRIO__COUNT; p++)
			if (e.stats.alerts_by_prio[p])
				fprintf(stderr, "   %s: %llu\n", priority_name(p), (unsigned long long)e.stats.alerts_by_prio[p]);
		if (rs) {
			fprintf(stderr, "Triggered rules by rule name:\n");
			for (size_t i = 0; i < rs->nrules; i++)
				if (rs->rules[i]->matches)
					fprintf(stderr, "   %s: %llu\n", rs->rules[i]->name,
						(unsigned long long)rs->rules[i]->matches);
		}
		fprintf(stderr, "events: %llu read, %llu evaluated, %llu of unknown types\n",
			(unsigned long long)(e.stats.events + e.stats.unknown_events), (unsigned long long)e.stats.evaluated,
			(unsigned long long)e.stats.unknown_events);
	}
	engine_fini(&e);
	ruleset_free(rs);
out:
	free(rules);
	free(dis);
	free(ten);
	free(tdis);
	return status;
}
