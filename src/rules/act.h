/* SPDX-License-Identifier: Apache-2.0 */
/*
 * act.h - rules that act (`action: kill | deny | signal:NAME`): the
 * condition of such a rule rewritten, at load, into the form the kernel's
 * policy selectors can evaluate at syscall entry: an OR of alternatives,
 * each an AND of atoms on the fields the kernel has (evt.type, the
 * executable, a path argument, the host/container split). Macros are
 * expanded, `not` is pushed down to the atoms (De Morgan). A condition that
 * cannot be put in that form is refused with the position of the
 * sub-expression at fault. src/policy/from_rule.c turns the form into a
 * TracingPolicy; the policy compiler does the rest.
 *
 * Ownership: everything lives in the ruleset's arena.
 */
#ifndef VIGIL_RULES_ACT_H
#define VIGIL_RULES_ACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rule_action { RACT_NONE = 0, RACT_KILL, RACT_DENY, RACT_SIGNAL };

/* What an atom tests. */
enum ka_field {
	KA_EVTTYPE,		/* evt.type: the syscalls */
	KA_PROC_NAME,		/* proc.name */
	KA_PROC_EXE,		/* proc.exe */
	KA_PROC_EXEPATH,	/* proc.exepath */
	KA_PATH,		/* fd.name, or evt.arg.<name> (arg) of a path argument */
	KA_CONTAINER,		/* container.id: only `host` */
	KA_DADDR,		/* fd.sip, fd.rip, fd.snet, fd.rnet: connect's destination address or CIDR */
	KA_DPORT,		/* fd.sport, fd.rport: connect's destination port */
};

enum ka_op { KA_EQ, KA_PREFIX, KA_POSTFIX };

/* A source position in a rules file (1-based). */
struct ka_pos {
	const char *file;
	int line, col;
};

struct ka_atom {
	enum ka_field field;
	enum ka_op op;
	bool neg;		/* the atom is negated (!=, not in, not startswith...) */
	const char **vals;	/* OR of values (AND when neg) */
	size_t nvals;
	const char *text;	/* the check as written, e.g. "proc.name in (sh, bash)" */
	const char *arg;	/* KA_PATH: "fd.name" or the evt.arg name */
	struct ka_pos pos;
};

struct ka_conj {		/* one alternative: an AND of atoms */
	struct ka_atom *atoms;
	size_t n;
};

/* The kernel form of an acting rule, and the source it came from (for the
 * diagnostics of the policy side). */
struct rule_kform {
	enum rule_action action;
	uint32_t sig;		/* RACT_SIGNAL (RACT_KILL: 9) */
	const char *action_text;	/* "kill", "signal:SIGTERM" */
	struct ka_pos action_pos;
	struct ka_conj *alts;
	size_t nalts;
	struct ka_pos rule_pos;
	/* the rules file's bytes, for the source lines of diagnostics */
	const char *ftext;
	size_t flen;
};

/* The most alternatives a condition may expand to. */
#define KFORM_MAX_ALTS 32

/* Parse an `action` value: "kill", "deny", "signal:SIGTERM" / "signal:15".
 * Returns 0 or -EINVAL (with a reason in why). */
int rule_action_parse(const char *s, enum rule_action *a, uint32_t *sig, char *why, size_t whylen);
/* "killed", "would kill", "denied", "signaled SIGTERM"... */
const char *rule_action_done(const struct rule_kform *k, bool audit, char *buf, size_t len);

#endif
