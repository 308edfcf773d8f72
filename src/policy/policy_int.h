/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_int.h - what the policy loader's parts share: name lookups
 * (names.c), the loading context with its diagnostics (load.c), and the
 * validation pass (validate.c). Not for use outside src/policy/.
 */
#ifndef VIGIL_POLICY_INT_H
#define VIGIL_POLICY_INT_H

#include "policy/policy.h"

int pol_type_lookup(const char *s, enum pol_type *out);
int pol_op_lookup(const char *s, enum pol_op *out);
int pol_action_lookup(const char *s, enum pol_action *out);
const char *const *pol_type_all(size_t *n);
const char *const *pol_op_all(size_t *n);
const char *const *pol_action_all(size_t *n);
int pol_ns_lookup(const char *s);
const char *pol_ns_proc_name(int ns);
int pol_cap_lookup(const char *s);

/* One policy being loaded: where diagnostics go and what they cite. */
struct pol_ctx {
	struct policy_set *ps;
	struct policy *p;
	struct diag_list *dl;
	const struct policy_load_opts *o;
	const char *file;
	const char *text;
	size_t len;
	size_t errors;		/* errors reported for this policy */
};

void pol_err(struct pol_ctx *c, struct pol_pos pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void pol_warn(struct pol_ctx *c, struct pol_pos pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Check the model against Tetragon's limits and this kernel, resolve
 * syscalls and lists, apply --allow-override-downgrade. Errors go to c. */
void pol_validate(struct pol_ctx *c);

/* Integer value of a policy scalar: decimal, 0x hex, 0 octal, negative. */
int pol_parse_s64(const char *s, int64_t *out);

/* Values of the network operators (netval.c). Each returns 0 or -1. */
struct pol_cidr {
	int family;		/* AF_INET / AF_INET6 */
	int bits;		/* prefix length; a bare address is /32 or /128 */
	uint8_t addr[16];
};
int pol_parse_cidr(const char *s, struct pol_cidr *out);
int pol_parse_family(const char *s, uint16_t *out);
int pol_parse_port_range(const char *s, uint32_t *lo, uint32_t *hi);

#endif
