/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_run.c - TracingPolicies in `vigil run` (policy_run.h): loading
 * with diagnostics, compiling for the probe, and writing the probe's policy
 * events as Tetragon events, one per line, flushed at once (an action taken
 * is reported as it happens).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli/policy_run.h"
#include "common/diag.h"
#include "event/event.h"
#include "policy/from_rule.h"
#include "policy/pevent.h"
#include "rules/act.h"
#include "rules/ruleset.h"
#include "state/state.h"

int policy_run_load(struct policy_run *pr, const char *const *paths, size_t n, const struct policy_load_opts *o,
		    const char *events, bool compact)
{
	struct diag_list dl;
	char err[512];
	memset(pr, 0, sizeof(*pr));
	policy_set_init(&pr->ps);
	strbuf_init(&pr->line);
	pr->compact = compact;
	diag_list_init(&dl);
	for (size_t i = 0; i < n; i++)
		policy_load_path(&pr->ps, paths[i], o, &dl);
	if (o && o->rules)
		policy_from_rules(&pr->ps, o->rules, o, &dl);
	diag_print(&dl, stderr);
	size_t nerr = dl.nerrors;
	diag_list_fini(&dl);
	if (nerr) {
		fprintf(stderr, "vigil: %zu error%s in the policies: nothing is enforced\n", nerr, nerr == 1 ? "" : "s");
		return -EINVAL;
	}
	struct pol_kernel_opts ko = { .monitor = o && o->force_monitor };
	if (pol_kernel_build(&pr->k, &pr->ps, &ko, err, sizeof(err))) {
		fprintf(stderr, "vigil: cannot compile the policies for the probe: %s\n", err);
		return -EINVAL;
	}
	pr->built = true;
	if (events && strcmp(events, "-")) {
		pr->out = fopen(events, "a");
		if (!pr->out) {
			fprintf(stderr, "vigil: cannot open %s: %s\n", events, strerror(errno));
			return -errno;
		}
		pr->own_out = true;
	} else {
		pr->out = stdout;
	}
	return 0;
}

void policy_run_event(struct policy_run *pr, struct state *st, const struct event *ev)
{
	const char *node = st->hostname[0] ? st->hostname : "localhost";
	strbuf_reset(&pr->line);
	if (pol_event_json(&pr->k, st, ev, node, &pr->line, NULL)) {
		pr->nbad++;
		return;
	}
	pr->nevents++;
	if (pr->compact) {
		struct strbuf c;
		strbuf_init(&c);
		if (!pol_event_compact(pr->line.buf, &c))
			fprintf(pr->out, "%s\n", c.buf);
		strbuf_fini(&c);
	} else {
		fprintf(pr->out, "%s\n", pr->line.buf);
	}
	fflush(pr->out);
}

struct rule *policy_run_rule_of(const struct policy_run *pr, const struct event *ev, const char **what, char *buf,
				size_t len)
{
	uint32_t hook, flags;
	if (!pr->built || ev->type != VG_EV_POLICY_E || ev->nparams < VG_POL_EV_NPARAMS ||
	    !ev_param_u32(&ev->params[0], &hook) || !ev_param_u32(&ev->params[3], &flags) || hook >= pr->k.nhooks)
		return NULL;
	const struct policy *p = pr->k.info[hook].p;
	if (!p || !p->rule)
		return NULL;
	*what = rule_action_done(p->rule->kform, (flags & (VG_POL_EF_MONITOR | VG_POL_EF_PROTECTED)) != 0, buf, len);
	return (struct rule *)p->rule;
}

void policy_run_print_stats(const struct policy_run *pr, const struct vg_pol_counters *c, FILE *f)
{
	fprintf(f,
		"policies: %zu loaded, %zu hooks; %llu hooked calls, %llu matched, %llu signals sent, "
		"%llu not enforced (monitor or pid 1), %llu rate-limited; %llu events written, %llu malformed\n",
		pr->ps.n, pr->k.nhooks, (unsigned long long)c->n_hooked, (unsigned long long)c->n_matched,
		(unsigned long long)c->n_signals, (unsigned long long)c->n_skipped, (unsigned long long)c->n_ratelimited,
		(unsigned long long)pr->nevents, (unsigned long long)pr->nbad);
}

void policy_run_fini(struct policy_run *pr)
{
	if (pr->own_out && pr->out)
		fclose(pr->out);
	if (pr->built)
		pol_kernel_free(&pr->k);
	policy_set_free(&pr->ps);
	strbuf_fini(&pr->line);
	memset(pr, 0, sizeof(*pr));
}
