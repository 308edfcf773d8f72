/* SPDX-License-Identifier: Apache-2.0 */
/*
 * act.c - the `action` of a rule (kill, deny, signal:NAME) and the rewrite
 * of an acting rule's condition into the kernel form of act.h: macros
 * expanded, `not` pushed down to the checks, the tree flattened into an OR
 * of ANDs, each check turned into an atom the kernel's selectors can
 * evaluate at syscall entry or refused where it stands in the rules file.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "common/strbuf.h"
#include "rules/act.h"
#include "rules/loader_int.h"

int rule_action_parse(const char *s, enum rule_action *a, uint32_t *sig, char *why, size_t whylen)
{
	*sig = 0;
	if (!strcmp(s, "kill")) {
		*a = RACT_KILL;
		*sig = SIGKILL;
		return 0;
	}
	if (!strcmp(s, "deny")) {
		*a = RACT_DENY;
		return 0;
	}
	if (!strncmp(s, "signal:", 7)) {
		const char *n = s + 7;
		char *end;
		long v = strtol(n, &end, 10);
		if (*n && !*end && v > 0 && v < 32) {
			*a = RACT_SIGNAL;
			*sig = (uint32_t)v;
			return 0;
		}
		if (!strncasecmp(n, "SIG", 3))
			n += 3;
		for (int i = 1; i < 32; i++) {
			const char *abbrev = sigabbrev_np(i);
			if (abbrev && !strcasecmp(abbrev, n)) {
				*a = RACT_SIGNAL;
				*sig = (uint32_t)i;
				return 0;
			}
		}
		snprintf(why, whylen, "'%s' is not a signal name (SIGTERM, TERM) or number (1..31)", s + 7);
		return -EINVAL;
	}
	snprintf(why, whylen, "'%s' is not kill, deny or signal:NAME", s);
	return -EINVAL;
}

const char *rule_action_done(const struct rule_kform *k, bool audit, char *buf, size_t len)
{
	const char *abbrev;
	switch (k->action) {
	case RACT_KILL:
		return audit ? "would kill" : "killed";
	case RACT_DENY:
		return audit ? "would deny" : "denied";
	case RACT_SIGNAL:
		abbrev = sigabbrev_np((int)k->sig);
		snprintf(buf, len, "%s SIG%s", audit ? "would signal" : "signaled", abbrev ? abbrev : "?");
		return buf;
	default:
		return "none";
	}
}

/* ------------------------------------------------------------------------
 * The rewrite
 * ------------------------------------------------------------------------ */

struct actx {
	struct loader *L;
	struct arena *a;
};

struct dnf {
	struct ka_conj *v;
	size_t n;
};

static struct ka_pos pos_of(struct actx *x, const struct text *src, uint32_t off)
{
	struct srcpos p = loader_text_pos(src, off);
	struct ka_pos k = { NULL, (int)p.line, (int)p.col };
	if (p.file >= 0 && (size_t)p.file < x->L->nfiles)
		k.file = x->L->files[p.file].path;
	return k;
}

static bool refuse(struct actx *x, const struct text *src, uint32_t off, const char *fmt, const char *a,
		   const char *b)
{
	char msg[512];
	snprintf(msg, sizeof(msg), fmt, a, b);
	return loader_error(x->L, loader_text_pos(src, off), "cannot act on this rule in the kernel: %s", msg);
}

static const char *span(struct actx *x, const struct text *src, uint32_t pos, uint32_t end)
{
	if (end > src->len)
		end = (uint32_t)src->len;
	return arena_strndup(x->a, src->s + pos, end > pos ? end - pos : 0);
}

/* One alternative holding one atom (or none: always true). */
static void dnf_one(struct actx *x, struct dnf *d, const struct ka_atom *at)
{
	d->v = arena_alloc(x->a, sizeof(*d->v));
	d->n = 1;
	d->v[0].n = at ? 1 : 0;
	d->v[0].atoms = NULL;
	if (at) {
		d->v[0].atoms = arena_alloc(x->a, sizeof(*at));
		d->v[0].atoms[0] = *at;
	}
}

static bool check_atom(struct actx *x, const struct ast *t, const struct text *src, bool neg, struct dnf *out)
{
	const struct ast_operand *l = t->u.check.lhs, *r = t->u.check.rhs;
	struct ka_atom at = { 0 };
	at.neg = neg;
	at.text = span(x, src, t->pos, t->end);
	at.pos = pos_of(x, src, t->pos);
	if (l->kind != OPD_FIELD)
		return refuse(x, src, l->pos, "'%s': a transformer%s cannot be evaluated at syscall entry", at.text, "");
	const char *f = l->u.field.name;
	if (!strcmp(f, "evt.dir")) {
		/* the kernel acts at the entry of the call, whatever the direction */
		dnf_one(x, out, NULL);
		return true;
	}
	if (!strcmp(f, "evt.type"))
		at.field = KA_EVTTYPE;
	else if (!strcmp(f, "proc.name"))
		at.field = KA_PROC_NAME;
	else if (!strcmp(f, "proc.exe"))
		at.field = KA_PROC_EXE;
	else if (!strcmp(f, "proc.exepath"))
		at.field = KA_PROC_EXEPATH;
	else if (!strcmp(f, "fd.name") && !l->u.field.arg)
		at.field = KA_PATH, at.arg = "fd.name";
	else if (!strncmp(f, "evt.arg.", 8))
		at.field = KA_PATH, at.arg = arena_strdup(x->a, f + 8);
	else if (!strcmp(f, "evt.arg") && l->u.field.arg)
		at.field = KA_PATH, at.arg = arena_strdup(x->a, l->u.field.arg);
	else if (!strcmp(f, "container.id"))
		at.field = KA_CONTAINER;
	else if (!strcmp(f, "fd.sip") || !strcmp(f, "fd.rip") || !strcmp(f, "fd.snet") || !strcmp(f, "fd.rnet"))
		at.field = KA_DADDR;	/* a client's server and remote end: where it connects */
	else if (!strcmp(f, "fd.sport") || !strcmp(f, "fd.rport"))
		at.field = KA_DPORT;
	else if (!strcmp(f, "fd.ip") || !strcmp(f, "fd.port") || !strcmp(f, "fd.net") || !strcmp(f, "fd.cip") ||
		 !strcmp(f, "fd.cport") || !strcmp(f, "fd.lip") || !strcmp(f, "fd.lport"))
		return refuse(x, src, l->pos,
			      "field %s: at connect entry only the destination is known (fd.sip, fd.sport, fd.snet, fd.rip, fd.rport, fd.rnet)%s",
			      f, "");
	else
		return refuse(x, src, l->pos,
			      "field %s is not known in the kernel at syscall entry%s (an acting rule may test evt.type, proc.name, proc.exe, proc.exepath, fd.name, evt.arg.<path argument>, container.id = host, and for connect fd.sip, fd.sport, fd.snet)",
			      f, l->u.field.arg ? "[...]" : "");
	if (t->u.check.mod != MOD_NONE)
		return refuse(x, src, t->u.check.op_pos, "the operator modifier %s cannot be evaluated in the kernel%s",
			      cmp_mod_name(t->u.check.mod), "");
	switch (t->u.check.op) {
	case CMP_EQ: case CMP_IN: at.op = KA_EQ; break;
	case CMP_NE: at.op = KA_EQ; at.neg = !at.neg; break;
	case CMP_STARTSWITH: at.op = KA_PREFIX; break;
	case CMP_ENDSWITH: at.op = KA_POSTFIX; break;
	default:
		return refuse(x, src, t->u.check.op_pos,
			      "operator %s cannot be evaluated in the kernel%s (only =, !=, in, startswith, endswith)",
			      cmp_op_name(t->u.check.op), "");
	}
	if (!r)
		return refuse(x, src, t->u.check.op_pos, "'%s' has no value%s", at.text, "");
	if (r->kind == OPD_STRING) {
		at.vals = arena_alloc(x->a, sizeof(char *));
		at.vals[0] = arena_strdup(x->a, r->u.str.s);
		at.nvals = 1;
	} else if (r->kind == OPD_LIST) {
		at.vals = arena_alloc(x->a, sizeof(char *) * (r->u.list.n ? r->u.list.n : 1));
		for (uint32_t i = 0; i < r->u.list.n; i++) {
			const struct ast_operand *it = r->u.list.items[i];
			if (it->kind != OPD_STRING)
				return refuse(x, src, it->pos, "list items must be constants%s%s", "", "");
			at.vals[at.nvals++] = arena_strdup(x->a, it->u.str.s);
		}
		if (!at.nvals)
			return refuse(x, src, r->pos, "'%s': an empty list%s cannot match", at.text, "");
	} else {
		return refuse(x, src, r->pos, "'%s': only constant values can be compared in the kernel%s", at.text, "");
	}
	if ((at.field == KA_DADDR || at.field == KA_DPORT) && at.op != KA_EQ)
		return refuse(x, src, t->u.check.op_pos,
			      "'%s': addresses and ports compare with =, != and in in the kernel%s", at.text, "");
	if (at.field == KA_CONTAINER) {
		for (size_t i = 0; i < at.nvals; i++)
			if (strcmp(at.vals[i], "host") || at.op != KA_EQ)
				return refuse(x, src, r->pos,
					      "'%s': the kernel tells the host from containers (container.id = host, != host), not one container from another%s",
					      at.text, "");
	}
	dnf_one(x, out, &at);
	return true;
}

static bool dnf_of(struct actx *x, const struct ast *t, const struct text *src, bool neg, struct dnf *out, int depth);

/* AND of the children: the product of their alternatives. */
static bool dnf_and(struct actx *x, const struct ast *t, const struct text *src, bool neg, struct dnf *out,
		    int depth)
{
	struct dnf acc;
	dnf_one(x, &acc, NULL);
	for (uint32_t i = 0; i < t->u.list.n; i++) {
		struct dnf k;
		if (!dnf_of(x, t->u.list.kids[i], src, neg, &k, depth + 1))
			return false;
		if (acc.n * k.n > KFORM_MAX_ALTS)
			return refuse(x, src, t->pos, "the condition expands to more than %s alternatives%s", "32",
				      " (an OR of ANDs is what the kernel's selectors evaluate)");
		size_t np = acc.n * k.n;
		struct dnf p = { arena_alloc(x->a, sizeof(struct ka_conj) * (np ? np : 1)), 0 };
		for (size_t a = 0; a < acc.n; a++) {
			for (size_t b = 0; b < k.n; b++) {
				struct ka_conj *c = &p.v[p.n++];
				c->n = acc.v[a].n + k.v[b].n;
				c->atoms = arena_alloc(x->a, sizeof(struct ka_atom) * (c->n ? c->n : 1));
				if (acc.v[a].n)
					memcpy(c->atoms, acc.v[a].atoms, sizeof(struct ka_atom) * acc.v[a].n);
				if (k.v[b].n)
					memcpy(c->atoms + acc.v[a].n, k.v[b].atoms, sizeof(struct ka_atom) * k.v[b].n);
			}
		}
		acc = p;
	}
	*out = acc;
	return true;
}

static bool dnf_or(struct actx *x, const struct ast *t, const struct text *src, bool neg, struct dnf *out, int depth)
{
	struct dnf acc = { NULL, 0 };
	for (uint32_t i = 0; i < t->u.list.n; i++) {
		struct dnf k;
		if (!dnf_of(x, t->u.list.kids[i], src, neg, &k, depth + 1))
			return false;
		if (acc.n + k.n > KFORM_MAX_ALTS)
			return refuse(x, src, t->pos, "the condition expands to more than %s alternatives%s", "32",
				      " (an OR of ANDs is what the kernel's selectors evaluate)");
		struct ka_conj *v = arena_alloc(x->a, sizeof(*v) * (acc.n + k.n));
		if (acc.n)
			memcpy(v, acc.v, sizeof(*v) * acc.n);
		memcpy(v + acc.n, k.v, sizeof(*v) * k.n);
		acc.v = v;
		acc.n += k.n;
	}
	*out = acc;
	return true;
}

static bool dnf_of(struct actx *x, const struct ast *t, const struct text *src, bool neg, struct dnf *out, int depth)
{
	if (depth > AST_MAX_DEPTH)
		return refuse(x, src, t->pos, "the condition nests too deeply%s%s", "", "");
	switch (t->kind) {
	case AST_AND:
		return neg ? dnf_or(x, t, src, neg, out, depth) : dnf_and(x, t, src, neg, out, depth);
	case AST_OR:
		return neg ? dnf_and(x, t, src, neg, out, depth) : dnf_or(x, t, src, neg, out, depth);
	case AST_NOT:
		return dnf_of(x, t->u.kid, src, !neg, out, depth + 1);
	case AST_MACRO: {
		struct macro_info *m = strmap_get(&x->L->macro_by_name, t->u.macro.name);
		if (!m || !m->ast)
			return refuse(x, src, t->pos, "macro %s is not defined%s", t->u.macro.name, "");
		return dnf_of(x, m->ast, &m->subst, neg, out, depth + 1);
	}
	case AST_CHECK:
		return check_atom(x, t, src, neg, out);
	}
	return false;
}

bool act_translate(struct loader *L, struct arena *a, const struct rule_info *ri, const struct ast *t,
		   const struct text *src, struct rule_kform **out)
{
	struct actx x = { L, a };
	struct rule_kform *k = arena_alloc(a, sizeof(*k));
	char why[128];
	memset(k, 0, sizeof(*k));
	if (rule_action_parse(ri->action, &k->action, &k->sig, why, sizeof(why)))
		return loader_error(L, ri->action_pos, "value of 'action': %s", why);
	k->action_text = arena_strdup(a, ri->action);
	k->action_pos = (struct ka_pos){ NULL, (int)ri->action_pos.line, (int)ri->action_pos.col };
	k->rule_pos = (struct ka_pos){ NULL, (int)ri->pos.line, (int)ri->pos.col };
	if (ri->pos.file >= 0 && (size_t)ri->pos.file < L->nfiles) {
		const struct loaded_file *f = &L->files[ri->pos.file];
		k->rule_pos.file = k->action_pos.file = f->path;
		k->ftext = arena_memdup(a, f->text, f->len + 1);
		k->flen = f->len;
	}
	if (ri->action_pos.file >= 0 && (size_t)ri->action_pos.file < L->nfiles)
		k->action_pos.file = L->files[ri->action_pos.file].path;
	struct dnf d;
	if (!dnf_of(&x, t, src, false, &d, 0))
		return false;
	k->alts = d.v;
	k->nalts = d.n;
	/* file names outlive the loader */
	k->rule_pos.file = k->rule_pos.file ? arena_strdup(a, k->rule_pos.file) : NULL;
	k->action_pos.file = k->action_pos.file ? arena_strdup(a, k->action_pos.file) : NULL;
	for (size_t i = 0; i < k->nalts; i++)
		for (size_t j = 0; j < k->alts[i].n; j++) {
			struct ka_atom *at = &k->alts[i].atoms[j];
			at->pos.file = at->pos.file ? arena_strdup(a, at->pos.file) : NULL;
		}
	*out = k;
	return true;
}
