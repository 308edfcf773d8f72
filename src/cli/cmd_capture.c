/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_capture.c - `vigil capture info FILE`: walks every block of a capture
 * and prints what it holds (section version, machine info, block counts by
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
	fprintf(f, "usage: vigil capture info FILE\n"
		   "\n"
		   "Reads every block of a .scap capture (plain or gzip) and prints, as one\n"
		   "JSON line: section version, machine info, block counts by type, event\n"
		   "count, event-type histogram and time range. Fails with the byte offset\n"
		   "of the first truncated or corrupt block.\n");
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
	fprintf(stderr, "vigil: unknown capture command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
