/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_policy.c - libFuzzer harness for the TracingPolicy loader: each input
 * is a policy file (YAML, one or more documents) loaded, validated against
 * Tetragon's limits and this kernel's refusals, then, when it loads,
 * compiled into the probe's tables. Diagnostics are printed to a null
 * stream so their formatting runs too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "common/diag.h"
#include "policy/policy.h"
#include "policy/policy_kernel.h"

static FILE *g_null;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!g_null)
		g_null = fopen("/dev/null", "w");
	struct policy_set ps;
	struct diag_list dl;
	policy_set_init(&ps);
	diag_list_init(&dl);
	int rc = policy_load_text(&ps, "fuzz.yaml", (const char *)data, size, NULL, &dl);
	diag_print(&dl, g_null);
	if (!rc && ps.n) {
		struct pol_kernel k;
		char err[512];
		if (!pol_kernel_build(&k, &ps, NULL, err, sizeof(err)))
			pol_kernel_free(&k);
	}
	diag_list_fini(&dl);
	policy_set_free(&ps);
	return 0;
}
