/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_rules.c - libFuzzer harness for the rules loader: each input is a
 * rules file (YAML) loaded through the whole pipeline (collector, lists,
 * macros, exceptions, compilation, outputs, index). Diagnostics are
 * collected and printed to a null stream so their formatting runs too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "common/diag.h"
#include "rules/ruleset.h"

static int g_fd = -1;
static char g_path[64];
static FILE *g_null;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (g_fd < 0) {
		g_fd = memfd_create("rules", 0);
		if (g_fd < 0)
			abort();
		snprintf(g_path, sizeof(g_path), "/proc/self/fd/%d", g_fd);
		g_null = fopen("/dev/null", "w");
	}
	if (ftruncate(g_fd, 0) || pwrite(g_fd, data, size, 0) != (ssize_t)size)
		abort();
	struct diag_list dl;
	diag_list_init(&dl);
	const char *paths[1] = { g_path };
	struct ruleset *rs = ruleset_load(paths, 1, NULL, &dl);
	diag_print(&dl, g_null);
	ruleset_free(rs);
	diag_list_fini(&dl);
	return 0;
}
