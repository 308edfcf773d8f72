/* SPDX-License-Identifier: Apache-2.0 */
/*
 * from_rule.c - Falco-syntax rules that act (rules/act.h) as TracingPolicies:
 * each acting rule becomes one policy whose hooks are the syscalls of its
 * evt.type checks, one selector per alternative of its condition, the
 * atoms of the alternative as the selector's filters (matchBinaries for
 * the caller's executable or its name (comm at exec), matchArgs on a path argument, matchNamespaces
 * Pid host_ns for the host/container split) and the rule's action as the
 * selector's action. The policy is then validated and compiled like any
 * other, so a rule acts exactly where a TracingPolicy would.
 *
 * For execve/execveat the process fields name the program being executed
 * (as in the exit event Falco matches exec rules on): they become filters
 * on the filename argument.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "policy/from_rule.h"
#include "policy/policy_int.h"
#include "rules/act.h"
#include "rules/ruleset.h"

/* The path arguments the kernel reads: syscall, its argument index, and
 * the names a rule gives it (Falco's parameter name; fd.name for the
 * calls that open one). */
static const struct path_arg {
	const char *sc;
	int index;
	const char *names[3];
} path_args[] = {
	{ "open", 0, { "fd.name", "name" } },
	{ "openat", 1, { "fd.name", "name" } },
	{ "openat2", 1, { "fd.name", "name" } },
	{ "creat", 0, { "fd.name", "name" } },
	{ "execve", 0, { "filename", "exe" } },
	{ "execveat", 1, { "pathname", "exe" } },
	{ "unlink", 0, { "path" } },
	{ "unlinkat", 1, { "name" } },
	{ "mkdir", 0, { "path" } },
	{ "mkdirat", 1, { "path" } },
	{ "rmdir", 0, { "path" } },
	{ "chmod", 0, { "filename" } },
	{ "fchmodat", 1, { "filename" } },
	{ "truncate", 0, { "path" } },
	{ "rename", 0, { "oldpath" } },
	{ "renameat", 1, { "oldpath" } },
	{ "renameat2", 1, { "oldpath" } },
	{ "symlink", 1, { "linkpath" } },
	{ "symlinkat", 2, { "linkpath" } },
	{ "mount", 1, { "dir" } },
	{ "chroot", 0, { "path" } },
	{ "chdir", 0, { "path" } },
};

static const struct path_arg *path_arg_of(int nr)
{
	const char *n = policy_syscall_names[nr];
	for (size_t i = 0; n && i < sizeof(path_args) / sizeof(path_args[0]); i++)
		if (!strcmp(path_args[i].sc, n))
			return &path_args[i];
	return NULL;
}

static bool is_exec(int nr)
{
	const char *n = policy_syscall_names[nr];
	return n && (!strcmp(n, "execve") || !strcmp(n, "execveat"));
}

struct fr {
	struct policy_set *ps;
	struct diag_list *dl;
	const struct rule *r;
	const struct rule_kform *k;
	struct policy *p;
	size_t errors;
};

static void fr_err(struct fr *f, const struct ka_pos *pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fr_err(struct fr *f, const struct ka_pos *pos, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	char *src = NULL;
	const char *file = pos->file ? pos->file : f->k->rule_pos.file;
	if (f->k->ftext && pos->line > 0 && file && f->k->rule_pos.file && !strcmp(file, f->k->rule_pos.file)) {
		size_t i = 0;
		int l = 1;
		while (i < f->k->flen && l < pos->line)
			if (f->k->ftext[i++] == '\n')
				l++;
		src = diag_line_at(f->k->ftext, f->k->flen, i);
	}
	diag_add(f->dl, DIAG_ERROR, file, pos->line, pos->col, src, 1,
		 "cannot act on this rule in the kernel: %s (in rule '%s')", msg, f->r->name);
	free(src);
	f->errors++;
}

static struct pol_pos ppos(const struct ka_pos *p)
{
	return (struct pol_pos){ p->line, p->col };
}

#define GROW(list) \
	((list).v = realloc_arena(f, (list).v, (list).n, sizeof(*(list).v)), &(list).v[(list).n++])

/* Grow an arena array by one element (arena memory is never freed). */
static void *realloc_arena(struct fr *f, void *v, size_t n, size_t sz)
{
	void *nv = arena_alloc(&f->ps->a, sz * (n + 1));
	if (n)
		memcpy(nv, v, sz * n);
	memset((char *)nv + sz * n, 0, sz);
	return nv;
}

static struct pol_values values(struct fr *f, const struct ka_atom *a, const char *prefix)
{
	struct pol_values v = { arena_alloc(&f->ps->a, sizeof(struct pol_value) * a->nvals), a->nvals };
	for (size_t i = 0; i < a->nvals; i++) {
		if (prefix) {
			size_t l = strlen(prefix) + strlen(a->vals[i]) + 1;
			char *s = arena_alloc(&f->ps->a, l);
			snprintf(s, l, "%s%s", prefix, a->vals[i]);
			v.v[i].s = s;
		} else {
			v.v[i].s = a->vals[i];
		}
		v.v[i].pos = ppos(&a->pos);
	}
	return v;
}

static enum pol_op str_op(const struct ka_atom *a)
{
	switch (a->op) {
	case KA_PREFIX: return a->neg ? PO_NOTPREFIX : PO_PREFIX;
	case KA_POSTFIX: return a->neg ? PO_NOTPOSTFIX : PO_POSTFIX;
	default: return a->neg ? PO_NOTEQUAL : PO_EQUAL;
	}
}

/* The hook of syscall nr, made on first use. */
static struct pol_hook *hook_of(struct fr *f, int nr)
{
	char call[64];
	snprintf(call, sizeof(call), "sys_%s", policy_syscall_names[nr]);
	for (size_t i = 0; i < f->p->hooks.n; i++)
		if (!strcmp(f->p->hooks.v[i].call, call))
			return &f->p->hooks.v[i];
	struct pol_hook *h = GROW(f->p->hooks);
	h->kind = PH_KPROBE;
	h->call = arena_strdup(&f->ps->a, call);
	h->syscall = true;
	h->pos = h->call_pos = ppos(&f->k->rule_pos);
	h->message = f->r->name;
	return h;
}

/* The position in the hook's args of its path argument, added on first use. */
static int path_pos(struct fr *f, struct pol_hook *h, const struct path_arg *pa)
{
	for (size_t i = 0; i < h->args.n; i++)
		if (h->args.v[i].index == pa->index)
			return pa->index;
	struct pol_arg *a = GROW(h->args);
	a->index = pa->index;
	a->type = PT_STRING;
	a->type_name = "string";
	a->label = pa->names[0];
	a->pos = a->type_pos = h->pos;
	return pa->index;
}

/* connect's sockaddr (argument 1), added on first use. */
static int sockaddr_pos(struct fr *f, struct pol_hook *h)
{
	for (size_t i = 0; i < h->args.n; i++)
		if (h->args.v[i].index == 1)
			return 1;
	struct pol_arg *a = GROW(h->args);
	a->index = 1;
	a->type = PT_SOCKADDR;
	a->type_name = "sockaddr";
	a->label = "fd.sip";
	a->pos = a->type_pos = h->pos;
	return 1;
}

static void add_argf(struct fr *f, struct pol_selector *s, int index, enum pol_op op, struct pol_values v,
		     const struct ka_atom *a)
{
	struct pol_argfilter *af = GROW(s->args);
	af->index = index;
	af->op = op;
	af->op_name = pol_op_name(op);
	af->vals = v;
	af->pos = af->op_pos = ppos(&a->pos);
}

static int add_atom(struct fr *f, int nr, struct pol_hook *h, struct pol_selector *s, const struct ka_atom *a)
{
	const char *sc = policy_syscall_names[nr];
	switch (a->field) {
	case KA_EVTTYPE:
		return 0;
	case KA_CONTAINER: {
		struct pol_nsfilter *n = GROW(s->ns);
		n->ns = pol_ns_lookup("Pid");
		n->ns_name = "Pid";
		n->op = a->neg ? PO_NOTIN : PO_IN;
		n->vals.v = arena_alloc(&f->ps->a, sizeof(struct pol_value));
		n->vals.v[0] = (struct pol_value){ "host_ns", ppos(&a->pos) };
		n->vals.n = 1;
		n->pos = ppos(&a->pos);
		return 0;
	}
	case KA_PATH: {
		const struct path_arg *pa = path_arg_of(nr);
		bool named = false;
		for (size_t i = 0; pa && i < 3 && pa->names[i]; i++)
			if (!strcmp(pa->names[i], a->arg))
				named = true;
		if (!named) {
			fr_err(f, &a->pos, "'%s': %s of sys_%s is not a path argument the kernel reads at entry%s%s", a->text,
			       strcmp(a->arg, "fd.name") ? a->arg : "fd.name", sc, pa ? "; it is evt.arg." : "",
			       pa ? pa->names[strcmp(pa->names[0], "fd.name") ? 0 : 1] : "");
			return -EINVAL;
		}
		add_argf(f, s, path_pos(f, h, pa), str_op(a), values(f, a, NULL), a);
		return 0;
	}
	case KA_DADDR: case KA_DPORT: {
		if (strcmp(sc, "connect")) {
			fr_err(f, &a->pos, "'%s': the destination address and port are read from the sockaddr of connect only, not of sys_%s",
			       a->text, sc);
			return -EINVAL;
		}
		int idx = sockaddr_pos(f, h);
		bool addr = a->field == KA_DADDR;
		add_argf(f, s, idx, addr ? (a->neg ? PO_NOTDADDR : PO_DADDR) : (a->neg ? PO_NOTDPORT : PO_DPORT),
			 values(f, a, NULL), a);
		return 0;
	}
	case KA_PROC_NAME: case KA_PROC_EXE: case KA_PROC_EXEPATH:
		break;
	}
	bool name = a->field == KA_PROC_NAME;
	if (is_exec(nr)) {
		/* the program being executed: the filename argument, whose
		 * last part is the name it gets (proc.name = X: ends with /X) */
		if (name && a->op == KA_PREFIX) {
			fr_err(f, &a->pos,
			       "'%s': for %s the name is the end of the filename argument: proc.name =, in and endswith can be evaluated, startswith cannot",
			       a->text, sc);
			return -EINVAL;
		}
		const char *pfx = name && a->op == KA_EQ ? "/" : NULL;
		enum pol_op op = name && a->op == KA_EQ ? (a->neg ? PO_NOTPOSTFIX : PO_POSTFIX) : str_op(a);
		add_argf(f, s, path_pos(f, h, path_arg_of(nr)), op, values(f, a, pfx), a);
		return 0;
	}
	if (name && a->op != KA_EQ) {
		fr_err(f, &a->pos,
		       "'%s': the kernel knows a process's name (comm, set at exec) whole: proc.name =, != and in can be evaluated, %s cannot",
		       a->text, a->op == KA_PREFIX ? "startswith" : "endswith");
		return -EINVAL;
	}
	enum pol_op op = str_op(a);
	if (s->bins.n) {
		fr_err(f, &a->pos,
		       "'%s': a second test of the process's executable in one alternative (a kernel selector holds one matchBinaries)",
		       a->text);
		return -EINVAL;
	}
	struct pol_binfilter *b = GROW(s->bins);
	switch (op) {
	case PO_EQUAL: b->op = PO_IN; break;
	case PO_NOTEQUAL: b->op = PO_NOTIN; break;
	default: b->op = op; break;
	}
	b->op_name = pol_op_name(b->op);
	b->comm = name;
	b->vals = values(f, a, NULL);
	b->pos = b->op_pos = ppos(&a->pos);
	return 0;
}

static void add_action(struct fr *f, struct pol_selector *s)
{
	struct pol_actionspec *x = GROW(s->actions);
	x->pos = ppos(&f->k->action_pos);
	switch (f->k->action) {
	case RACT_KILL:
		x->type = PA_SIGKILL;
		break;
	case RACT_SIGNAL:
		x->type = PA_SIGNAL;
		x->arg_sig = f->k->sig;
		x->has_sig = true;
		break;
	case RACT_DENY:
		x->type = PA_OVERRIDE;
		x->arg_error = -1;	/* EPERM */
		x->has_error = true;
		break;
	default:
		x->type = PA_POST;
		break;
	}
	x->name = pol_action_name(x->type);
}

/* The syscalls of one alternative: the intersection of its evt.type atoms. */
static int alt_syscalls(struct fr *f, const struct ka_conj *c, bool *set)
{
	bool any = false;
	for (int nr = 0; nr < POLICY_NSYSCALLS; nr++)
		set[nr] = true;
	for (size_t i = 0; i < c->n; i++) {
		const struct ka_atom *a = &c->atoms[i];
		if (a->field != KA_EVTTYPE)
			continue;
		if (a->neg || a->op != KA_EQ) {
			fr_err(f, &a->pos, "'%s': a kernel action needs the syscalls it applies to (evt.type = or in), not their complement",
			       a->text);
			return -EINVAL;
		}
		bool mine[POLICY_NSYSCALLS] = { false };
		for (size_t v = 0; v < a->nvals; v++) {
			int nr = policy_syscall_nr(a->vals[v]);
			if (nr < 0) {
				fr_err(f, &a->pos, "'%s': %s is not a syscall, it has no entry to act at", a->text, a->vals[v]);
				return -EINVAL;
			}
			mine[nr] = true;
		}
		for (int nr = 0; nr < POLICY_NSYSCALLS; nr++)
			set[nr] = set[nr] && mine[nr];
		any = true;
	}
	if (!any) {
		const struct ka_pos *p = c->n ? &c->atoms[0].pos : &f->k->rule_pos;
		fr_err(f, p, "an alternative of the condition%s%s does not say which syscalls it applies to (evt.type = or in)",
		       c->n ? " starting at " : "", c->n ? c->atoms[0].text : "");
		return -EINVAL;
	}
	return 0;
}

static int rule_policy(struct fr *f)
{
	struct policy *p = arena_alloc(&f->ps->a, sizeof(*p));
	memset(p, 0, sizeof(*p));
	f->p = p;
	p->file = f->k->rule_pos.file;
	p->text = f->k->ftext;
	p->text_len = f->k->flen;
	p->name = f->r->name;
	p->rule = f->r;
	p->pos = ppos(&f->k->rule_pos);
	bool set[POLICY_NSYSCALLS];
	for (size_t i = 0; i < f->k->nalts; i++) {
		const struct ka_conj *c = &f->k->alts[i];
		if (alt_syscalls(f, c, set))
			return -EINVAL;
		bool none = true;
		for (int nr = 0; nr < POLICY_NSYSCALLS; nr++) {
			if (!set[nr])
				continue;
			none = false;
			struct pol_hook *h = hook_of(f, nr);
			if (h->sels.n == 5) {
				fr_err(f, c->n ? &c->atoms[0].pos : &f->k->rule_pos,
				       "sys_%s is in more than 5 alternatives of the condition (a kernel hook has at most 5 selectors)",
				       policy_syscall_names[nr]);
				return -EINVAL;
			}
			struct pol_selector *s = GROW(h->sels);
			s->pos = c->n ? ppos(&c->atoms[0].pos) : p->pos;
			for (size_t j = 0; j < c->n; j++)
				if (add_atom(f, nr, h, s, &c->atoms[j]))
					return -EINVAL;
			add_action(f, s);
		}
		if (none) {
			fr_err(f, c->n ? &c->atoms[0].pos : &f->k->rule_pos,
			       "an alternative of the condition can match no syscall (its evt.type checks exclude each other)");
			return -EINVAL;
		}
	}
	return 0;
}

int policy_from_rules(struct policy_set *ps, const struct ruleset *rs, const struct policy_load_opts *o,
		      struct diag_list *dl)
{
	static const struct policy_load_opts defaults = { 0 };
	int rc = 0;
	if (!o)
		o = &defaults;
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *r = rs->rules[i];
		if (!r->kform || !r->enabled)
			continue;
		struct fr f = { .ps = ps, .dl = dl, .r = r, .k = r->kform };
		if (rule_policy(&f)) {
			rc = -EINVAL;
			continue;
		}
		if (o->force_monitor)
			f.p->mode = PM_MONITOR;
		struct pol_ctx c = { .ps = ps, .p = f.p, .dl = dl, .o = o, .file = f.p->file, .text = f.p->text,
				     .len = f.p->text_len };
		pol_validate(&c);
		if (c.errors) {
			rc = -EINVAL;
			continue;
		}
		ps->v = xrealloc(ps->v, (ps->n + 1) * sizeof(*ps->v));
		ps->v[ps->n++] = f.p;
	}
	return rc;
}

void policy_describe(const struct policy *p, struct strbuf *out)
{
	for (size_t i = 0; i < p->hooks.n; i++) {
		const struct pol_hook *h = &p->hooks.v[i];
		strbuf_addf(out, "    %s", h->call);
		for (size_t a = 0; a < h->args.n; a++)
			strbuf_addf(out, "%s arg %d %s (%s)", a ? "," : ":", h->args.v[a].index, h->args.v[a].type_name,
				    h->args.v[a].label ? h->args.v[a].label : "");
		strbuf_addc(out, '\n');
		for (size_t j = 0; j < h->sels.n; j++) {
			const struct pol_selector *s = &h->sels.v[j];
			strbuf_addf(out, "      selector %zu:", j + 1);
			const char *sep = " ";
			for (size_t k = 0; k < s->bins.n; k++, sep = " and ") {
				strbuf_addf(out, "%s%s %s", sep, s->bins.v[k].comm ? "process name (comm)" : "matchBinaries",
					    s->bins.v[k].op_name);
				for (size_t v = 0; v < s->bins.v[k].vals.n; v++)
					strbuf_addf(out, "%s%s", v ? "," : " ", s->bins.v[k].vals.v[v].s);
			}
			for (size_t k = 0; k < s->args.n; k++, sep = " and ") {
				strbuf_addf(out, "%smatchArgs index %d %s", sep, s->args.v[k].index, s->args.v[k].op_name);
				for (size_t v = 0; v < s->args.v[k].vals.n; v++)
					strbuf_addf(out, "%s%s", v ? "," : " ", s->args.v[k].vals.v[v].s);
			}
			for (size_t k = 0; k < s->ns.n; k++, sep = " and ")
				strbuf_addf(out, "%smatchNamespaces %s %s host_ns", sep, s->ns.v[k].ns_name,
					    s->ns.v[k].op == PO_IN ? "In" : "NotIn");
			if (!strcmp(sep, " "))
				strbuf_adds(out, " every call");
			strbuf_adds(out, " ->");
			for (size_t k = 0; k < s->actions.n; k++) {
				const struct pol_actionspec *x = &s->actions.v[k];
				strbuf_addf(out, " %s", x->name);
				if (x->type == PA_SIGNAL)
					strbuf_addf(out, " argSig %u", x->arg_sig);
				if (x->type == PA_OVERRIDE)
					strbuf_addf(out, " argError %d", x->arg_error);
			}
			if (p->mode == PM_MONITOR)
				strbuf_adds(out, " (audit: Post only)");
			strbuf_addc(out, '\n');
		}
	}
}
