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
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "cli/cli.h"
#include "cli/session.h"

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

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vigil replay FILE.scap -r RULES... [options]\n"
		"       vigil replay FILE.scap --print FORMAT [--filter CONDITION]\n"
		"       vigil replay FILE.scap -w OUT.scap [--filter CONDITION] [-z]\n"
		"\n"
		"Reads a capture (plain or gzip .scap, as written by sysdig, Falco or vigil),\n"
		"rebuilds process/fd/user state from it, evaluates the rules on every event and\n"
		"prints alerts on stdout exactly as Falco does.\n"
		"\n"
		"options:\n");
	session_usage_options(f);
	fprintf(f,
		"  --serve                after the replay, keep serving the alert console\n"
		"                         (-o webserver.enabled=true and a console output) until\n"
		"                         SIGINT or SIGTERM\n");
}

int cmd_replay(int argc, char **argv)
{
	struct session s;
	int c, status = 1;
	char err[1024];
	bool serve = false;
	enum { OPT_SERVE = 0x100 };
	struct option longopts[SESSION_NLONGOPTS + 2];
	memcpy(longopts, session_longopts, SESSION_NLONGOPTS * sizeof(struct option));
	longopts[SESSION_NLONGOPTS] = (struct option){ "serve", no_argument, NULL, OPT_SERVE };
	longopts[SESSION_NLONGOPTS + 1] = (struct option){ 0 };

	optind = 1;
	if (session_init(&s, argc, argv))
		goto out;
	while ((c = getopt_long(argc, argv, SESSION_SHORTOPTS "h", longopts, NULL)) != -1) {
		int rc = session_opt(&s, c, optarg);
		if (rc < 0)
			goto out;
		if (rc)
			continue;
		if (c == OPT_SERVE) {
			serve = true;
			continue;
		}
		if (c == 'h') {
			usage(stdout);
			status = 0;
		} else {
			usage(stderr);
			status = 2;
		}
		goto out;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "vigil: replay needs exactly one capture file\n");
		usage(stderr);
		status = 2;
		goto out;
	}
	bool output = s.print || s.wpath;
	if (!s.nrules && !output && !s.opts.nrules_files) {
		fprintf(stderr, "vigil: give rules with -r, a --print format or a -w output file\n");
		status = 2;
		goto out;
	}
	if (s.filter && !output) {
		fprintf(stderr, "vigil: --filter applies to --print or -w\n");
		status = 2;
		goto out;
	}
	if (serve && !s.opts.web.enabled) {
		fprintf(stderr, "vigil: --serve needs the web server (-o webserver.enabled=true)\n");
		status = 2;
		goto out;
	}
	/* SIGINT/SIGTERM end --serve: blocked now (the server's threads
	 * inherit the mask), taken with sigwait() */
	sigset_t quit;
	sigemptyset(&quit);
	sigaddset(&quit, SIGINT);
	sigaddset(&quit, SIGTERM);
	if (serve)
		pthread_sigmask(SIG_BLOCK, &quit, NULL);
	if (session_start(&s, !output) || session_start_http(&s))
		goto out;
	if (s.wpath && session_open_writer(&s, argv[optind]))
		goto out;
	log_start(&s.opts, argv[optind]);
	if (s.opts.drops_simulate)
		engine_set_drops(&s.e, s.opts.drops_threshold, s.opts.drops_actions, s.opts.drops_rate,
				 s.opts.drops_max_burst, true);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = engine_replay(&s.e, argv[optind], err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (s.writer) {
		if (session_close_writer(&s))
			s.e.exit_status = 1;
		else if (rc)
			fprintf(stderr, "vigil: %s: incomplete, the replay stopped on the error below\n", s.wpath);
	}
	fflush(stdout);
	if (rc)
		fprintf(stderr, "vigil: %s\n", err);
	else
		status = s.e.exit_status;
	if (serve && !rc) {
		int sig;
		fprintf(stderr, "vigil: replay done; serving the console until SIGINT or SIGTERM\n");
		sigwait(&quit, &sig);
	}
	session_print_drops(&s, stderr);
	if (s.stats || rc) {
		/* the engine's own time: outputs delivering afterwards not counted */
		uint64_t nev = s.e.stats.events + s.e.stats.unknown_events;
		fprintf(stderr, "replay: %.3f s, %.0f events/s\n", secs, secs > 0 ? (double)nev / secs : 0.0);
		session_print_stats(&s, stderr);
	}
out:
	session_fini(&s);
	return status;
}
