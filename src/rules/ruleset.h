/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ruleset.h - a loaded, compiled set of Falco-syntax rules and the engine
 * that runs it: load rules files and directories in order with Falco's
 * collector semantics (lists, macros, rules, exceptions, override/append,
 * enable-only items, engine/plugin version requirements), compile every
 * condition and output, select the active rules (enabled flag, minimum
 * priority, -D/-t/-T style selections), and index them by event type so an
 * event is evaluated only against the rules that can match it.
 *
 * Ownership: a ruleset owns everything it allocates (one arena); a reload
 * builds a new ruleset and frees the old one.
 */
#ifndef VIGIL_RULESET_H
#define VIGIL_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/arena.h"
#include "common/diag.h"
#include "rules/compile.h"

/* The rules-engine version vigil implements (Falco's semver). */
#define VIGIL_ENGINE_VERSION_MAJOR 0
#define VIGIL_ENGINE_VERSION_MINOR 63
#define VIGIL_ENGINE_VERSION_PATCH 0
#define VIGIL_ENGINE_VERSION "0.63.0"

/* Version of the container/k8s fields vigil provides natively, to satisfy
 * `required_plugin_versions: [{name: container, ...}]`. */
#define VIGIL_CONTAINER_PLUGIN_VERSION "0.6.0"

enum priority {
	PRIO_EMERGENCY = 0,
	PRIO_ALERT,
	PRIO_CRITICAL,
	PRIO_ERROR,
	PRIO_WARNING,
	PRIO_NOTICE,
	PRIO_INFORMATIONAL,
	PRIO_DEBUG,
	PRIO__COUNT,
};

/* Parse a priority name (case-insensitive, "info" accepted); -1 if invalid. */
int priority_parse(const char *s);
/* "Warning", "Informational"... as printed in alerts. */
const char *priority_name(int prio);

struct format;

struct rule {
	const char *name;
	const char *desc;
	const char *output;		/* output format text */
	const char *source;
	const char *condition;		/* full condition text after exceptions and list substitution */
	int priority;
	const char **tags;		/* sorted, unique */
	size_t ntags;
	bool enabled;			/* after all selections */
	bool enabled_in_file;		/* as the files left it */
	bool warn_evttypes;
	bool skip_if_unknown;
	bool capture;
	int64_t capture_duration;
	struct cnode *filter;
	struct format *fmt;
	struct evtset evts;
	size_t slot;			/* evaluation order */
	uint64_t matches;		/* alerts raised */
	struct rule_kform *kform;	/* `action:` rules: the condition in kernel form (rules/act.h) */
	bool in_kernel;			/* evaluated by the kernel's policy programs, not by ruleset_eval */
};

enum match_mode { MATCH_FIRST, MATCH_ALL };

struct rule_bucket {
	struct rule **v;
	uint32_t n, cap;
};

struct ruleset {
	struct arena arena;
	struct filter_ctx fc;
	struct rule **rules;		/* every compiled rule, in slot order */
	size_t nrules;
	struct rule_bucket by_type[VG_EV_MAX];
	struct evtset interesting;	/* event codes some active rule needs */
	size_t nactive;
	char *required_engine_version;	/* the highest requirement seen */
	const char **macro_names;	/* every macro and its tree (lists substituted), */
	struct ast **macro_asts;	/* for ruleset_explain() */
	size_t nmacros;
	uint64_t load_ns;		/* time spent loading and compiling */
};

struct ruleset_opts {
	int min_priority;		/* rules less severe are not active (default DEBUG) */
	const char *const *disable_substr;	/* -D: disable rules whose name contains any */
	size_t ndisable_substr;
	const char *const *enable_tags;	/* -t: only rules with one of these tags */
	size_t nenable_tags;
	const char *const *disable_tags;	/* -T: disable rules with one of these tags */
	size_t ndisable_tags;
	const char *append_output;	/* text appended (after a space) to every rule's output */
};

void ruleset_opts_init(struct ruleset_opts *o);

/* Load and compile rules from `paths` (files, or directories whose *.yaml
 * and *.yml files load in alphabetical order), in order. Diagnostics are
 * appended to dl. Returns the ruleset, or NULL if any error was reported
 * (nothing is half-loaded). */
struct ruleset *ruleset_load(const char *const *paths, size_t npaths, const struct ruleset_opts *opts,
			     struct diag_list *dl);
void ruleset_free(struct ruleset *rs);

/* Re-apply selections (enabled flags, priority, tags) and rebuild the index. */
void ruleset_select(struct ruleset *rs, const struct ruleset_opts *opts);

/* Evaluate the active rules for c->ev. Matching rules are stored in out
 * (up to max); returns how many matched. MATCH_FIRST stops at the first. */
size_t ruleset_eval(struct ruleset *rs, struct fctx *c, enum match_mode mode, struct rule **out, size_t max);

struct rule *ruleset_find(const struct ruleset *rs, const char *name);

/* A rule's condition as the engine evaluates it: lists substituted,
 * exceptions added and every macro replaced by its own expanded condition.
 * `indent`: one line (re-parses to the same filter), or, when true, and/or
 * groups too long for a line spread over indented lines. 0 or -errno. */
struct strbuf;
int ruleset_explain(const struct ruleset *rs, const struct rule *r, bool indent, struct strbuf *out);

#endif /* VIGIL_RULESET_H */
