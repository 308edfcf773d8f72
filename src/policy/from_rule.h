/* SPDX-License-Identifier: Apache-2.0 */
/*
 * from_rule.h - Falco-syntax rules with an `action` compiled into
 * TracingPolicies (from_rule.c), so that the policy compiler puts them in
 * the same kernel tables as any TracingPolicy.
 */
#ifndef VIGIL_POLICY_FROM_RULE_H
#define VIGIL_POLICY_FROM_RULE_H

#include "common/strbuf.h"
#include "policy/policy.h"

struct ruleset;

/* Add one validated policy to `ps` per enabled acting rule of `rs`
 * (policy->rule names it). o->force_monitor is the audit mode. What cannot
 * be compiled is reported to dl at the rule's file:line:col. Returns 0 or
 * -EINVAL. */
int policy_from_rules(struct policy_set *ps, const struct ruleset *rs, const struct policy_load_opts *o,
		      struct diag_list *dl);

/* What a policy compiled to, one hook and its selectors per line
 * (`vigil rules check`). */
void policy_describe(const struct policy *p, struct strbuf *out);

#endif
