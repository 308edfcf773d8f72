/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_capture.c - `vigil capture -w FILE [CONDITION]`: records this host
 * live into a .scap capture (the state read from /proc, then the events,
 * all or those matching CONDITION) that sysdig 0.29.3 and `vigil replay`
 * read; and `vigil capture info FILE`: walks every block of a capture and
 * prints what it holds (section version, machine info, block counts by
 * type, event count and event-type histogram, time range) as JSON, checking
 * every block and event on the way.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capture/scap.h"
#include "cli/cli.h"
#include "cli/live_run.h"
#include "cli/session.h"
#include "output/alert.h"

#define MAX_BLOCK_KINDS 64

struct info {
	char names[MAX_BLOCK_KINDS][16];	/* "EV_V2", or "0x..." for unknown types */
	unsigned long counts[MAX_BLOCK_KINDS];
	int nkinds;
	unsigned long events;
	unsigned long types[65536];
	uint64_t first_ts, last_ts;
	struct scap_machine_info mi;
	bool have_mi;
	unsigned long nproc;
};

static int count_proc(void *ctx, const struct scap_proc_entry *e)
{
	((struct info *)ctx)->nproc++;
	return 0;
}

static void count_block(struct info *in, const char *name)
{
	for (int i = 0; i < in->nkinds; i++) {
		if (!strcmp(in->names[i], name)) {
			in->counts[i]++;
			return;
		}
	}
	if (in->nkinds < MAX_BLOCK_KINDS) {
		snprintf(in->names[in->nkinds], sizeof(in->names[0]), "%.15s", name);
		in->counts[in->nkinds++] = 1;
	}
}

static int capture_info(const char *path)
{
	char err[600];
	struct scap_reader *r = scap_reader__open(path, err, sizeof(err));
	struct info *in;
	struct scap_block b;
	struct scap_meta_cb cb = { 0 };
	struct event ev;
	uint16_t major, minor;
	uint64_t end = 0;
	int rc, status = 0;

	if (!r) {
		fprintf(stderr, "vigil: %s\n", err);
		return 1;
	}
	in = calloc(1, sizeof(*in));
	cb.ctx = in;
	cb.proc = count_proc;
	while ((rc = scap_reader__next_block(r, &b)) > 0) {
		const char *name = scap_block_name(b.type);
		int prc = 0;
		char unk[16];
		if (!name) {
			snprintf(unk, sizeof(unk), "0x%x", b.type);
			name = unk;
		}
		count_block(in, name);
		end = b.offset + b.total_len;
		switch (b.type) {
		case SCAP_BT_MI: case SCAP_BT_MI_INT:
			prc = scap_parse_mi(&b, &in->mi, err, sizeof(err));
			in->have_mi = prc == 0;
			break;
		case SCAP_BT_PL_V1: case SCAP_BT_PL_V1_INT: case SCAP_BT_PL_V2: case SCAP_BT_PL_V2_INT:
		case SCAP_BT_PL_V3: case SCAP_BT_PL_V3_INT: case SCAP_BT_PL_V4: case SCAP_BT_PL_V5:
		case SCAP_BT_PL_V6: case SCAP_BT_PL_V7: case SCAP_BT_PL_V8: case SCAP_BT_PL_V9:
			prc = scap_parse_proclist(&b, &cb, err, sizeof(err));
			break;
		case SCAP_BT_FDL: case SCAP_BT_FDL_INT: case SCAP_BT_FDL_V2:
			prc = scap_parse_fdlist(&b, &cb, err, sizeof(err));
			break;
		case SCAP_BT_UL: case SCAP_BT_UL_INT: case SCAP_BT_UL_V2:
			prc = scap_parse_userlist(&b, &cb, err, sizeof(err));
			break;
		case SCAP_BT_IL: case SCAP_BT_IL_INT: case SCAP_BT_IL_V2:
			prc = scap_parse_iflist(&b, &cb, err, sizeof(err));
			break;
		default:
			if (scap_block_is_event(b.type)) {
				prc = scap_parse_event(&b, &ev, err, sizeof(err));
				if (prc == -ENOENT)
					prc = 0;
				if (prc == 0) {
					in->events++;
					in->types[ev.type]++;
					if (in->events == 1 || ev.ts < in->first_ts)
						in->first_ts = ev.ts;
					if (ev.ts > in->last_ts)
						in->last_ts = ev.ts;
				}
			}
			break;
		}
		if (prc) {
			fprintf(stderr, "vigil: %s: block %s at byte offset %llu: %s\n", path, name,
				(unsigned long long)b.offset, err);
			status = 1;
			goto out;
		}
	}
	if (rc < 0) {
		fprintf(stderr, "vigil: %s: %s\n", path, scap_reader__error(r));
		status = 1;
		goto out;
	}
	if (in->events == 0) {
		/* as libscap: a capture must hold at least one event */
		fprintf(stderr, "vigil: %s: no events in file (no event block before the end at byte offset %llu)\n",
			path, (unsigned long long)end);
		status = 1;
		goto out;
	}
	scap_reader__version(r, &major, &minor);
	struct strbuf esc;
	strbuf_init(&esc);
	json_escape(&esc, path, strlen(path));
	printf("{\"file\":\"%s\",\"gzip\":%s,\"shb\":[%u,%u],", esc.buf,
	       scap_reader__is_gzip(r) ? "true" : "false", major, minor);
	if (in->have_mi) {
		strbuf_reset(&esc);
		json_escape(&esc, in->mi.hostname, strlen(in->mi.hostname));
		printf("\"mi\":{\"num_cpus\":%u,\"mem\":%llu,\"hostname\":\"%s\"},", in->mi.num_cpus,
		       (unsigned long long)in->mi.memory_size_bytes, esc.buf);
	}
	strbuf_fini(&esc);
	printf("\"blocks\":{");
	for (int i = 0; i < in->nkinds; i++)
		printf("%s\"%s\":%lu", i ? "," : "", in->names[i], in->counts[i]);
	printf("},\"nproc_entries\":%lu,\"events\":%lu,\"first_ts\":%llu,\"last_ts\":%llu,\"types\":{",
	       in->nproc, in->events, (unsigned long long)in->first_ts, (unsigned long long)in->last_ts);
	for (int t = 0, first = 1; t < 65536; t++) {
		if (!in->types[t])
			continue;
		const struct ev_info *ei = ev_info_get((uint32_t)t);
		printf("%s\"%d\":{\"name\":\"%s\",\"count\":%lu}", first ? "" : ",", t, ei ? ei->name : "?",
		       in->types[t]);
		first = 0;
	}
	printf("}}\n");
out:
	free(in);
	scap_reader__free(r);
	return status;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil capture -w FILE.scap [--duration S] [-z] [CONDITION]\n"
		   "       vigil capture info FILE\n"
		   "\n"
		   "capture -w records this host live through vigil's probe: the processes, fds,\n"
		   "users and machine as /proc shows them, then every event (or, with a\n"
		   "CONDITION such as 'evt.type=openat and proc.name=cat', the events matching it\n"
		   "and the ones that keep processes and fds current, flagged state-only). The\n"
		   "file is what Falco and sysdig write: Debian's sysdig 0.29.3 reads it, and so\n"
		   "does 'vigil replay'. Stops on SIGINT/SIGTERM or after --duration. Rules (-r)\n"
		   "may be given too: their alerts are printed while recording.\n"
		   "\n"
		   "capture info reads every block of a .scap capture (plain or gzip) and prints,\n"
		   "as one JSON line: section version, machine info, block counts by type, event\n"
		   "count, event-type histogram and time range. Fails with the byte offset\n"
		   "of the first truncated or corrupt block.\n"
		   "\n"
		   "capture -w options:\n"
		   "  -w, --write FILE       the capture to write (.gz: compressed)\n"
		   "  -z, --compress         gzip it\n"
		   "  --duration SECONDS     stop after this long\n"
		   "  --ring-size BYTES      ring buffer per CPU (power of two, default 4 MiB)\n"
		   "  -r, --rules PATH       also evaluate these rules (alerts on stdout)\n"
		   "  --stats                counters on stderr at the end\n");
}

/* `vigil capture -w FILE [options] [CONDITION...]`: the condition may be
 * given as several arguments, joined with spaces (as sysdig's filter). */
static int capture_live(int argc, char **argv)
{
	enum { OPT_DURATION = 1000, OPT_RING };
	struct option longopts[SESSION_NLONGOPTS + 3];
	struct live_run_opts lo = { 0 };
	struct session s;
	char *cond = NULL;
	int c, status = 1;

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
		if (c == OPT_DURATION && !live_run_parse_duration(optarg, &lo.duration))
			continue;
		if (c == OPT_RING && !live_run_parse_ring(optarg, &lo.ring_bytes))
			continue;
		if (c == 'h') {
			usage(stdout);
			status = 0;
		} else {
			if (c != OPT_DURATION && c != OPT_RING)
				usage(stderr);
			status = 2;
		}
		goto out;
	}
	if (!s.wpath) {
		fprintf(stderr, "vigil: capture needs -w FILE (or 'capture info FILE')\n");
		usage(stderr);
		status = 2;
		goto out;
	}
	if (optind < argc) {
		size_t n = 1;
		for (int i = optind; i < argc; i++)
			n += strlen(argv[i]) + 1;
		cond = calloc(1, n);
		for (int i = optind; i < argc; i++) {
			if (i > optind)
				strcat(cond, " ");
			strcat(cond, argv[i]);
		}
		if (s.filter) {
			fprintf(stderr, "vigil: give the condition either with --filter or as arguments\n");
			status = 2;
			goto out;
		}
		s.filter = cond;
	}
	if (session_start(&s, false))
		goto out;
	s.sink.flush = true;
	if (session_open_writer(&s, NULL))
		goto out;
	status = live_run(&s, &lo);
out:
	session_fini(&s);
	free(cond);
	return status;
}

int cmd_capture(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "info")) {
		if (argc != 3) {
			usage(stderr);
			return 2;
		}
		return capture_info(argv[2]);
	}
	return capture_live(argc, argv);
}
