/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_events.c - `vigil events [-o json|compact] [FILE]`: read Tetragon JSON
 * events (vigil run --policy-events FILE, or Tetragon's own export), one per
 * line, from FILE or stdin, and print them as JSON or in Tetragon's compact
 * one-line format (tetra getevents -o compact).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "common/strbuf.h"
#include "policy/pevent.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil events [-o json|compact] [FILE]\n"
		   "\n"
		   "Prints the Tetragon JSON events of FILE (default: stdin), one per line, as\n"
		   "JSON or in Tetragon's compact format. Lines that are not events are skipped.\n");
}

int cmd_events(int argc, char **argv)
{
	const char *fmt = "json", *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			fmt = argv[++i];
		} else if (!strncmp(argv[i], "--output=", 9)) {
			fmt = argv[i] + 9;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			usage(stderr);
			return 2;
		} else {
			path = argv[i];
		}
	}
	if (strcmp(fmt, "json") && strcmp(fmt, "compact")) {
		fprintf(stderr, "vigil: events: -o '%s' is not json or compact\n", fmt);
		return 2;
	}
	FILE *in = path && strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!in) {
		perror(path);
		return 1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct strbuf out;
	strbuf_init(&out);
	while ((n = getline(&line, &cap, in)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		if (!n)
			continue;
		if (!strcmp(fmt, "json")) {
			puts(line);
			continue;
		}
		strbuf_reset(&out);
		if (!pol_event_compact(line, &out))
			puts(out.buf);
	}
	strbuf_fini(&out);
	free(line);
	if (in != stdin)
		fclose(in);
	return 0;
}
