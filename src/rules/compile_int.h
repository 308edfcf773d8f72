/* SPDX-License-Identifier: Apache-2.0 */
/*
 * compile_int.h - definitions shared by the compiler (compile.c) and the
 * evaluator (eval.c): value classes and the pmatch pattern list.
 */
#ifndef VIGIL_COMPILE_INT_H
#define VIGIL_COMPILE_INT_H

#include <stdbool.h>
#include <stdint.h>

enum vclass { VC_STR, VC_BYTES, VC_SIGNED, VC_UNSIGNED, VC_PORT, VC_BOOL, VC_IP, VC_NET, VC_DOUBLE };

enum vclass vclass_of(uint8_t type);

struct pm_pattern {
	char **comps;		/* path components */
	uint32_t ncomp;
	bool has_glob;
};

struct pmatch_list {
	struct pm_pattern *pats;
	uint32_t n;
};

#endif
