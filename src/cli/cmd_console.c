/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_console.c - `vigil console query DB URL`: answer one alert console API
 * request (/api/alerts?rule=..., /api/stats, /api/alerts/ID, /api/rules) from
 * a console database without a server, for scripts, for looking at a
 * database copied off a host, and for the API tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "common/xalloc.h"
#include "console/console.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vigil console query DB URL\n"
		"  Answer one console API request from the database DB (a console output's\n"
		"  `path`), as the web console's server would: URL is the path and query,\n"
		"  e.g. '/api/alerts?rule=Terminal%%20shell%%20in%%20container&limit=20',\n"
		"  '/api/stats?ns=prod', '/api/alerts/42', '/api/rules'. The JSON body goes\n"
		"  to stdout, 'status: N' to stderr; exit status 0 for 200, 1 otherwise.\n");
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode %XX and '+' in place (as a server decodes a query string). */
static void url_decode(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (*s == '+') {
			*o++ = ' ';
		} else if (*s == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			*o++ = (char)(hexval(s[1]) * 16 + hexval(s[2]));
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

int cmd_console(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc != 4 || strcmp(argv[1], "query")) {
		usage(stderr);
		return 2;
	}
	char *url = xstrdup(argv[3]), *qs = strchr(url, '?');
	struct console_arg *args = xcalloc(strlen(argv[3]) / 2 + 2, sizeof(*args));
	size_t n = 0;
	if (qs) {
		*qs++ = 0;
		for (char *save = NULL, *kv = strtok_r(qs, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
			char *eq = strchr(kv, '=');
			if (eq)
				*eq++ = 0;
			url_decode(kv);
			if (eq)
				url_decode(eq);
			args[n].key = kv;
			args[n++].val = eq ? eq : "";
		}
	}
	url_decode(url);
	struct console_req rq = { .method = "GET", .path = url, .args = args, .nargs = n, .db = argv[2] };
	struct console_resp r;
	int rc = console_handle(&rq, &r);
	if (rc) {
		fprintf(stderr, "status: 404\n");
		rc = 1;
	} else {
		fprintf(stderr, "status: %d\n", r.status);
		if (r.data)
			fwrite(r.data, 1, r.data_len, stdout);
		else
			printf("%s\n", r.body.buf);
		rc = r.status == 200 ? 0 : 1;
	}
	console_resp_fini(&r);
	free(args);
	free(url);
	return rc;
}
