/* SPDX-License-Identifier: Apache-2.0 */
/*
 * load.c - reads TracingPolicy YAML (libyaml documents) into the model of
 * policy.h. It applies the CRD's defaults the way Tetragon's structural
 * schema does for file-loaded policies too (kprobes[].syscall: true), reads
 * every key of the spec, warns about keys the CRD does not have (they would
 * be pruned), and reports malformed values with file:line:col, the source
 * line and a caret. Semantic checks are in validate.c.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "policy/policy_int.h"

/* ======================================================================
 * Diagnostics
 * ====================================================================== */

static char *line_of(const char *text, size_t len, int line)
{
	size_t i = 0;
	int l = 1;
	while (i < len && l < line) {
		if (text[i++] == '\n')
			l++;
	}
	return diag_line_at(text, len, i);
}

static void vreport(struct pol_ctx *c, enum diag_severity sev, struct pol_pos pos, const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	char *src = pos.line > 0 && c->text ? line_of(c->text, c->len, pos.line) : NULL;
	if (c->p && c->p->name) {
		size_t l = strlen(msg);
		snprintf(msg + l, sizeof(msg) - l, c->p->rule ? " (in rule '%s')" : " (in policy '%s')", c->p->name);
	}
	diag_add(c->dl, sev, c->file, pos.line, pos.col, src, 1, "%s", msg);
	free(src);
}

void pol_err(struct pol_ctx *c, struct pol_pos pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(c, DIAG_ERROR, pos, fmt, ap);
	va_end(ap);
	c->errors++;
}

void pol_warn(struct pol_ctx *c, struct pol_pos pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(c, DIAG_WARNING, pos, fmt, ap);
	va_end(ap);
}

/* ======================================================================
 * YAML helpers
 * ====================================================================== */

struct ydoc {
	struct pol_ctx *c;
	yaml_document_t *d;
};

static struct pol_pos npos(const yaml_node_t *n)
{
	if (!n)
		return (struct pol_pos){ 0, 0 };
	return (struct pol_pos){ (int)n->start_mark.line + 1, (int)n->start_mark.column + 1 };
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool is_null(const yaml_node_t *n)
{
	if (!n)
		return true;
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *v = (const char *)n->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL");
}

static yaml_node_t *get(struct ydoc *y, yaml_node_t *m, const char *key)
{
	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(y->d, p->key);
		if (scalar(k) && !strcmp(scalar(k), key))
			return yaml_document_get_node(y->d, p->value);
	}
	return NULL;
}

static size_t seq_len(const yaml_node_t *n)
{
	return n && n->type == YAML_SEQUENCE_NODE ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
						  : 0;
}

static yaml_node_t *seq_at(struct ydoc *y, yaml_node_t *n, size_t i)
{
	return yaml_document_get_node(y->d, n->data.sequence.items.start[i]);
}

/* Warn about keys the CRD does not define: Kubernetes would prune them. */
static void check_keys(struct ydoc *y, yaml_node_t *m, const char *what, const char *const *known)
{
	if (!m || m->type != YAML_MAPPING_NODE)
		return;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(y->d, p->key);
		const char *ks = scalar(k);
		bool ok = false;
		size_t n = 0;
		for (; known[n]; n++)
			if (ks && !strcmp(known[n], ks))
				ok = true;
		if (ok)
			continue;
		const char *sug = ks ? diag_suggest(ks, known, n) : NULL;
		if (sug)
			pol_warn(y->c, npos(k), "unknown key '%s' in %s (ignored, as the CRD prunes it); did you mean '%s'?",
				 ks ? ks : "?", what, sug);
		else
			pol_warn(y->c, npos(k), "unknown key '%s' in %s (ignored, as the CRD prunes it)", ks ? ks : "?",
				 what);
	}
}

static bool want_map(struct ydoc *y, yaml_node_t *n, const char *what)
{
	if (n && n->type == YAML_MAPPING_NODE)
		return true;
	pol_err(y->c, npos(n), "%s must be a mapping", what);
	return false;
}

static bool want_seq(struct ydoc *y, yaml_node_t *n, const char *what)
{
	if (!n || is_null(n) || n->type == YAML_SEQUENCE_NODE)
		return true;
	pol_err(y->c, npos(n), "%s must be a list", what);
	return false;
}

static const char *str_of(struct ydoc *y, yaml_node_t *n, const char *what)
{
	if (!n || is_null(n))
		return NULL;
	if (n->type != YAML_SCALAR_NODE) {
		pol_err(y->c, npos(n), "%s must be a string", what);
		return NULL;
	}
	return arena_strdup(&y->c->ps->a, scalar(n));
}

static bool bool_of(struct ydoc *y, yaml_node_t *n, const char *what, bool def)
{
	const char *s = scalar(n);
	if (!n || is_null(n))
		return def;
	if (s && (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")))
		return true;
	if (s && (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")))
		return false;
	pol_err(y->c, npos(n), "%s must be true or false", what);
	return def;
}

int pol_parse_s64(const char *s, int64_t *out)
{
	char *end;
	if (!s || !*s)
		return -1;
	errno = 0;
	long long v;
	if (s[0] == '-')
		v = strtoll(s, &end, 0);
	else
		v = (long long)strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static bool int_of(struct ydoc *y, yaml_node_t *n, const char *what, int64_t *out)
{
	const char *s = scalar(n);
	if (!s || pol_parse_s64(s, out)) {
		pol_err(y->c, npos(n), "%s must be an integer", what);
		return false;
	}
	return true;
}

static void *grow(struct ydoc *y, size_t n, size_t sz)
{
	return arena_alloc(&y->c->ps->a, (n ? n : 1) * sz);
}

static void values_of(struct ydoc *y, yaml_node_t *n, const char *what, struct pol_values *out)
{
	out->v = NULL;
	out->n = 0;
	if (!n || is_null(n))
		return;
	if (!want_seq(y, n, what))
		return;
	size_t cnt = seq_len(n);
	out->v = grow(y, cnt, sizeof(*out->v));
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *e = seq_at(y, n, i);
		if (!scalar(e)) {
			pol_err(y->c, npos(e), "items of %s must be scalars", what);
			continue;
		}
		out->v[out->n].s = arena_strdup(&y->c->ps->a, scalar(e));
		out->v[out->n++].pos = npos(e);
	}
}

/* ======================================================================
 * Spec parts
 * ====================================================================== */

static void read_arg(struct ydoc *y, yaml_node_t *n, struct pol_arg *a, bool is_data)
{
	static const char *const known[] = { "index", "type", "label", "sizeArgIndex", "returnCopy", "maxData",
					     "resolve", "btfType", "btfTypeModule", "source", NULL };
	memset(a, 0, sizeof(*a));
	a->pos = npos(n);
	if (!want_map(y, n, is_data ? "a data entry" : "an argument"))
		return;
	check_keys(y, n, is_data ? "data" : "args", known);
	int64_t v = 0;
	yaml_node_t *in = get(y, n, "index");
	if (in && int_of(y, in, "index", &v)) {
		if (v < 0 || v > 64)
			pol_err(y->c, npos(in), "argument index %lld is out of range", (long long)v);
		a->index = (int)v;
	} else if (!in && !is_data) {
		pol_err(y->c, a->pos, "argument has no 'index'");
	}
	yaml_node_t *tn = get(y, n, "type");
	a->type_pos = npos(tn ? tn : n);
	a->type_name = str_of(y, tn, "type");
	if (!a->type_name) {
		if (!tn)
			pol_err(y->c, a->pos, "argument has no 'type'");
	} else if (pol_type_lookup(a->type_name, &a->type)) {
		size_t nt;
		const char *const *all = pol_type_all(&nt);
		const char *sug = diag_suggest(a->type_name, all, nt);
		if (sug)
			pol_err(y->c, a->type_pos, "unknown argument type '%s'; did you mean '%s'?", a->type_name, sug);
		else
			pol_err(y->c, a->type_pos, "unknown argument type '%s'", a->type_name);
	}
	a->label = str_of(y, get(y, n, "label"), "label");
	yaml_node_t *si = get(y, n, "sizeArgIndex");
	if (si && int_of(y, si, "sizeArgIndex", &v))
		a->size_arg_index = (int)v;
	a->return_copy = bool_of(y, get(y, n, "returnCopy"), "returnCopy", false);
	yaml_node_t *md = get(y, n, "maxData");
	if (md) {
		if (bool_of(y, md, "maxData", false))
			a->max_data = 327360;
	}
	a->resolve = str_of(y, get(y, n, "resolve"), "resolve");
	a->source = str_of(y, get(y, n, "source"), "source");
	if (get(y, n, "btfType") && !a->resolve)
		a->resolve = "";
}

static void read_argfilters(struct ydoc *y, yaml_node_t *n, const char *what, struct pol_argfilter **out,
			    size_t *nout)
{
	static const char *const known[] = { "index", "args", "operator", "values", NULL };
	*out = NULL;
	*nout = 0;
	if (!n || !want_seq(y, n, what))
		return;
	size_t cnt = seq_len(n);
	*out = grow(y, cnt, sizeof(**out));
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *e = seq_at(y, n, i);
		struct pol_argfilter *f = &(*out)[(*nout)++];
		memset(f, 0, sizeof(*f));
		f->pos = npos(e);
		if (!want_map(y, e, what))
			continue;
		check_keys(y, e, what, known);
		int64_t v = 0;
		yaml_node_t *in = get(y, e, "index"), *an = get(y, e, "args");
		if (in && int_of(y, in, "index", &v))
			f->index = (int)v;
		if (an && want_seq(y, an, "args") && seq_len(an) > 0) {
			/* args: [n] refers to the spec's args list and wins over index */
			if (int_of(y, seq_at(y, an, 0), "args", &v)) {
				f->index = (int)v;
				f->by_pos = true;
			}
		}
		yaml_node_t *on = get(y, e, "operator");
		f->op_pos = npos(on ? on : e);
		f->op_name = str_of(y, on, "operator");
		if (!f->op_name) {
			pol_err(y->c, f->pos, "%s entry has no 'operator'", what);
		} else if (pol_op_lookup(f->op_name, &f->op) || f->op == PO_IN || f->op == PO_NOTIN) {
			size_t no;
			const char *const *all = pol_op_all(&no);
			const char *sug = diag_suggest(f->op_name, all, no);
			pol_err(y->c, f->op_pos, "unknown operator '%s' in %s%s%s%s", f->op_name, what,
				sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
			f->op = PO_NONE;
		}
		values_of(y, get(y, e, "values"), "values", &f->vals);
	}
}

static enum pol_op in_notin(struct ydoc *y, yaml_node_t *on, const char *what)
{
	const char *s = scalar(on);
	if (s && !strcmp(s, "In"))
		return PO_IN;
	if (s && !strcmp(s, "NotIn"))
		return PO_NOTIN;
	pol_err(y->c, npos(on), "%s operator must be In or NotIn, not '%s'", what, s ? s : "");
	return PO_NONE;
}

static void read_action(struct ydoc *y, yaml_node_t *e, struct pol_actionspec *a)
{
	static const char *const known[] = { "action", "argError", "argSig", "argFd", "argName", "argUrl",
					     "argFqdn", "argSock", "argRegs", "argNewSymbol", "argNewAddr",
					     "argNewOffset", "argIndex", "argValue", "rateLimit", "rateLimitScope",
					     "kernelStackTrace", "userStackTrace", "imaHash", NULL };
	memset(a, 0, sizeof(*a));
	a->pos = npos(e);
	if (!want_map(y, e, "an action"))
		return;
	check_keys(y, e, "matchActions", known);
	yaml_node_t *an = get(y, e, "action");
	a->name = str_of(y, an, "action");
	a->type = PA__COUNT;
	if (!a->name) {
		pol_err(y->c, a->pos, "action entry has no 'action'");
	} else if (pol_action_lookup(a->name, &a->type)) {
		size_t na;
		const char *const *all = pol_action_all(&na);
		const char *sug = diag_suggest(a->name, all, na);
		pol_err(y->c, npos(an), "unknown action '%s'%s%s%s", a->name, sug ? "; did you mean '" : "",
			sug ? sug : "", sug ? "'?" : "");
		a->type = PA__COUNT;
	}
	int64_t v;
	yaml_node_t *n;
	if ((n = get(y, e, "argError")) && int_of(y, n, "argError", &v)) {
		a->arg_error = (int32_t)v;
		a->has_error = true;
	}
	if ((n = get(y, e, "argSig")) && int_of(y, n, "argSig", &v)) {
		if (v <= 0 || v > 64)
			pol_err(y->c, npos(n), "argSig %lld is not a signal number", (long long)v);
		a->arg_sig = (uint32_t)v;
		a->has_sig = true;
	}
	if ((n = get(y, e, "rateLimit"))) {
		/* N, Ns, Nm, Nh */
		const char *s = scalar(n);
		char *end = NULL;
		unsigned long long r = s ? strtoull(s, &end, 10) : 0;
		uint64_t mult = 1000;
		if (end && *end == 's' && !end[1])
			mult = 1000;
		else if (end && *end == 'm' && !end[1])
			mult = 60000;
		else if (end && *end == 'h' && !end[1])
			mult = 3600000;
		else if (!end || *end || end == s)
			pol_err(y->c, npos(n), "rateLimit '%s' must be N, Ns, Nm or Nh", s ? s : "");
		a->rate_ms = (uint32_t)(r * mult);
	}
	if ((n = get(y, e, "rateLimitScope"))) {
		const char *s = scalar(n);
		if (s && !strcmp(s, "thread"))
			a->rate_scope = 0;
		else if (s && !strcmp(s, "process"))
			a->rate_scope = 1;
		else if (s && !strcmp(s, "global"))
			a->rate_scope = 2;
		else
			pol_err(y->c, npos(n), "rateLimitScope must be thread, process or global");
	}
	a->kernel_stack = bool_of(y, get(y, e, "kernelStackTrace"), "kernelStackTrace", false);
	a->user_stack = bool_of(y, get(y, e, "userStackTrace"), "userStackTrace", false);
	a->ima_hash = bool_of(y, get(y, e, "imaHash"), "imaHash", false);
	a->arg_url = str_of(y, get(y, e, "argUrl"), "argUrl");
	a->arg_fqdn = str_of(y, get(y, e, "argFqdn"), "argFqdn");
}

static void read_actions(struct ydoc *y, yaml_node_t *n, const char *what, struct pol_actionspec **out,
			 size_t *nout)
{
	*out = NULL;
	*nout = 0;
	if (!n || !want_seq(y, n, what))
		return;
	size_t cnt = seq_len(n);
	*out = grow(y, cnt, sizeof(**out));
	for (size_t i = 0; i < cnt; i++)
		read_action(y, seq_at(y, n, i), &(*out)[(*nout)++]);
}

static void read_bins(struct ydoc *y, yaml_node_t *n, const char *what, struct pol_binfilter **out, size_t *nout)
{
	static const char *const known[] = { "operator", "values", "followChildren", NULL };
	*out = NULL;
	*nout = 0;
	if (!n || !want_seq(y, n, what))
		return;
	size_t cnt = seq_len(n);
	*out = grow(y, cnt, sizeof(**out));
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *e = seq_at(y, n, i);
		struct pol_binfilter *b = &(*out)[(*nout)++];
		memset(b, 0, sizeof(*b));
		b->pos = npos(e);
		if (!want_map(y, e, what))
			continue;
		check_keys(y, e, what, known);
		yaml_node_t *on = get(y, e, "operator");
		b->op_pos = npos(on ? on : e);
		b->op_name = str_of(y, on, "operator");
		const char *s = b->op_name;
		if (!s)
			pol_err(y->c, b->pos, "%s entry has no 'operator'", what);
		else if (!strcmp(s, "In"))
			b->op = PO_IN;
		else if (!strcmp(s, "NotIn"))
			b->op = PO_NOTIN;
		else if (!strcmp(s, "Prefix"))
			b->op = PO_PREFIX;
		else if (!strcmp(s, "NotPrefix"))
			b->op = PO_NOTPREFIX;
		else if (!strcmp(s, "Postfix"))
			b->op = PO_POSTFIX;
		else if (!strcmp(s, "NotPostfix"))
			b->op = PO_NOTPOSTFIX;
		else
			pol_err(y->c, b->op_pos, "%s operator must be In, NotIn, Prefix, NotPrefix, Postfix or NotPostfix, not '%s'",
				what, s);
		values_of(y, get(y, e, "values"), "values", &b->vals);
		b->follow_children = bool_of(y, get(y, e, "followChildren"), "followChildren", false);
	}
}

static void read_selector(struct ydoc *y, yaml_node_t *n, struct pol_selector *s)
{
	static const char *const known[] = { "matchPIDs", "matchArgs", "matchData", "matchActions",
					     "matchReturnArgs", "matchReturnActions", "matchBinaries",
					     "matchParentBinaries", "matchNamespaces", "matchNamespaceChanges",
					     "matchCapabilities", "matchCapabilityChanges", "label", "macros", NULL };
	memset(s, 0, sizeof(*s));
	s->pos = npos(n);
	if (!want_map(y, n, "a selector"))
		return;
	check_keys(y, n, "selectors", known);
	read_argfilters(y, get(y, n, "matchArgs"), "matchArgs", &s->args.v, &s->args.n);
	read_argfilters(y, get(y, n, "matchData"), "matchData", &s->data.v, &s->data.n);
	read_argfilters(y, get(y, n, "matchReturnArgs"), "matchReturnArgs", &s->ret.v, &s->ret.n);
	read_actions(y, get(y, n, "matchActions"), "matchActions", &s->actions.v, &s->actions.n);
	read_actions(y, get(y, n, "matchReturnActions"), "matchReturnActions", &s->ret_actions.v, &s->ret_actions.n);
	read_bins(y, get(y, n, "matchBinaries"), "matchBinaries", &s->bins.v, &s->bins.n);
	read_bins(y, get(y, n, "matchParentBinaries"), "matchParentBinaries", &s->parent_bins.v, &s->parent_bins.n);
	s->label = str_of(y, get(y, n, "label"), "label");
	if (get(y, n, "macros"))
		pol_err(y->c, npos(get(y, n, "macros")), "selectorsMacros are not implemented in vigil yet");

	yaml_node_t *pn = get(y, n, "matchPIDs");
	if (pn && want_seq(y, pn, "matchPIDs")) {
		static const char *const pk[] = { "operator", "values", "isNamespacePID", "followForks", NULL };
		size_t cnt = seq_len(pn);
		s->pids.v = grow(y, cnt, sizeof(*s->pids.v));
		for (size_t i = 0; i < cnt; i++) {
			yaml_node_t *e = seq_at(y, pn, i);
			struct pol_pidfilter *f = &s->pids.v[s->pids.n++];
			memset(f, 0, sizeof(*f));
			f->pos = npos(e);
			if (!want_map(y, e, "matchPIDs"))
				continue;
			check_keys(y, e, "matchPIDs", pk);
			f->op = in_notin(y, get(y, e, "operator"), "matchPIDs");
			values_of(y, get(y, e, "values"), "values", &f->vals);
			f->ns_pid = bool_of(y, get(y, e, "isNamespacePID"), "isNamespacePID", false);
			f->follow_forks = bool_of(y, get(y, e, "followForks"), "followForks", false);
		}
	}
	yaml_node_t *nn = get(y, n, "matchNamespaces");
	if (nn && want_seq(y, nn, "matchNamespaces")) {
		static const char *const nk[] = { "namespace", "operator", "values", NULL };
		size_t cnt = seq_len(nn);
		s->ns.v = grow(y, cnt, sizeof(*s->ns.v));
		for (size_t i = 0; i < cnt; i++) {
			yaml_node_t *e = seq_at(y, nn, i);
			struct pol_nsfilter *f = &s->ns.v[s->ns.n++];
			memset(f, 0, sizeof(*f));
			f->pos = npos(e);
			if (!want_map(y, e, "matchNamespaces"))
				continue;
			check_keys(y, e, "matchNamespaces", nk);
			yaml_node_t *t = get(y, e, "namespace");
			f->ns_name = str_of(y, t, "namespace");
			f->ns = f->ns_name ? pol_ns_lookup(f->ns_name) : -1;
			if (f->ns < 0)
				pol_err(y->c, npos(t ? t : e),
					"namespace '%s' must be one of Uts, Ipc, Mnt, Pid, PidForChildren, Net, Time, TimeForChildren, Cgroup, User",
					f->ns_name ? f->ns_name : "");
			f->op = in_notin(y, get(y, e, "operator"), "matchNamespaces");
			values_of(y, get(y, e, "values"), "values", &f->vals);
		}
	}
	yaml_node_t *cn = get(y, n, "matchCapabilities");
	if (cn && want_seq(y, cn, "matchCapabilities")) {
		static const char *const ck[] = { "type", "operator", "isNamespaceCapability", "values", NULL };
		size_t cnt = seq_len(cn);
		s->caps.v = grow(y, cnt, sizeof(*s->caps.v));
		for (size_t i = 0; i < cnt; i++) {
			yaml_node_t *e = seq_at(y, cn, i);
			struct pol_capfilter *f = &s->caps.v[s->caps.n++];
			memset(f, 0, sizeof(*f));
			f->pos = npos(e);
			if (!want_map(y, e, "matchCapabilities"))
				continue;
			check_keys(y, e, "matchCapabilities", ck);
			yaml_node_t *t = get(y, e, "type");
			const char *ts = scalar(t);
			if (!t || !strcmp(ts ? ts : "", "Effective"))
				f->type = 0;
			else if (!strcmp(ts ? ts : "", "Inheritable"))
				f->type = 1;
			else if (!strcmp(ts ? ts : "", "Permitted"))
				f->type = 2;
			else
				pol_err(y->c, npos(t), "capability type must be Effective, Inheritable or Permitted");
			f->op = in_notin(y, get(y, e, "operator"), "matchCapabilities");
			f->ns_cap = bool_of(y, get(y, e, "isNamespaceCapability"), "isNamespaceCapability", false);
			values_of(y, get(y, e, "values"), "values", &f->vals);
			for (size_t k = 0; k < f->vals.n; k++) {
				int cap = pol_cap_lookup(f->vals.v[k].s);
				if (cap < 0)
					pol_err(y->c, f->vals.v[k].pos, "unknown capability '%s'", f->vals.v[k].s);
				else
					f->mask |= 1ull << cap;
			}
		}
	}
	yaml_node_t *x;
	if ((x = get(y, n, "matchNamespaceChanges")))
		s->n_ns_changes = seq_len(x) ? seq_len(x) : 1;
	if ((x = get(y, n, "matchCapabilityChanges")))
		s->n_cap_changes = seq_len(x) ? seq_len(x) : 1;
}

static void read_hook(struct ydoc *y, yaml_node_t *n, enum pol_hook_kind kind, struct pol_hook *h)
{
	static const char *const kk[] = { "call", "syscall", "return", "args", "returnArg", "returnArgAction",
					  "selectors", "data", "ignore", "message", "tags", NULL };
	static const char *const tk[] = { "subsystem", "event", "args", "selectors", "message", "tags", "raw", NULL };
	static const char *const lk[] = { "hook", "args", "selectors", "message", "tags", NULL };
	static const char *const uk[] = { "path", "symbols", "offsets", "addrs", "refCtrOffsets", "btfPath",
					  "binaryDigests", "ignore", "return", "returnArg", "args", "data",
					  "selectors", "message", "tags", "provider", "name", NULL };
	memset(h, 0, sizeof(*h));
	h->kind = kind;
	h->pos = npos(n);
	if (!want_map(y, n, "a hook"))
		return;
	const char *what = kind == PH_KPROBE ? "kprobes" : kind == PH_FENTRY ? "fentries" : kind == PH_TRACEPOINT ? "tracepoints"
			 : kind == PH_LSM ? "lsmhooks" : kind == PH_UPROBE ? "uprobes" : "usdts";
	check_keys(y, n, what, kind == PH_TRACEPOINT ? tk : kind == PH_LSM ? lk : (kind == PH_UPROBE || kind == PH_USDT) ? uk : kk);
	if (kind == PH_KPROBE || kind == PH_FENTRY) {
		yaml_node_t *cn = get(y, n, "call");
		h->call = str_of(y, cn, "call");
		h->call_pos = npos(cn ? cn : n);
		if (!h->call)
			pol_err(y->c, h->pos, "%s entry has no 'call'", what);
		/* the CRD's default, applied to file-loaded policies too */
		h->syscall = bool_of(y, get(y, n, "syscall"), "syscall", true);
		h->ret = bool_of(y, get(y, n, "return"), "return", false);
		yaml_node_t *ra = get(y, n, "returnArg");
		if (ra) {
			read_arg(y, ra, &h->ret_arg, false);
			h->has_ret_arg = true;
		}
		yaml_node_t *ig = get(y, n, "ignore");
		if (ig)
			h->ignore_call_not_found = bool_of(y, get(y, ig, "callNotFound"), "callNotFound", false);
		if (get(y, n, "returnArgAction"))
			pol_err(y->c, npos(get(y, n, "returnArgAction")),
				"returnArgAction (TrackSock/UntrackSock) needs sk_alloc/__sk_free kprobes: not supported on this kernel");
	} else if (kind == PH_TRACEPOINT) {
		h->subsystem = str_of(y, get(y, n, "subsystem"), "subsystem");
		h->event = str_of(y, get(y, n, "event"), "event");
		if (!h->subsystem || !h->event)
			pol_err(y->c, h->pos, "tracepoint needs 'subsystem' and 'event'");
		struct strbuf sb;
		strbuf_init(&sb);
		strbuf_addf(&sb, "%s/%s", h->subsystem ? h->subsystem : "?", h->event ? h->event : "?");
		h->call = arena_strdup(&y->c->ps->a, sb.buf);
		strbuf_fini(&sb);
		h->call_pos = npos(get(y, n, "subsystem") ? get(y, n, "subsystem") : n);
		h->raw = bool_of(y, get(y, n, "raw"), "raw", false);
	} else if (kind == PH_LSM) {
		yaml_node_t *hn = get(y, n, "hook");
		h->call = str_of(y, hn, "hook");
		h->call_pos = npos(hn ? hn : n);
		if (!h->call)
			pol_err(y->c, h->pos, "lsmhooks entry has no 'hook'");
	} else {
		yaml_node_t *pn = get(y, n, "path");
		h->call = str_of(y, pn, "path");
		h->call_pos = npos(pn ? pn : n);
	}
	yaml_node_t *an = get(y, n, "args");
	if (an && want_seq(y, an, "args")) {
		size_t cnt = seq_len(an);
		h->args.v = grow(y, cnt, sizeof(*h->args.v));
		for (size_t i = 0; i < cnt; i++)
			read_arg(y, seq_at(y, an, i), &h->args.v[h->args.n++], false);
	}
	yaml_node_t *dn = get(y, n, "data");
	if (dn && want_seq(y, dn, "data")) {
		size_t cnt = seq_len(dn);
		h->data.v = grow(y, cnt, sizeof(*h->data.v));
		for (size_t i = 0; i < cnt; i++)
			read_arg(y, seq_at(y, dn, i), &h->data.v[h->data.n++], true);
	}
	yaml_node_t *sn = get(y, n, "selectors");
	if (sn && want_seq(y, sn, "selectors")) {
		size_t cnt = seq_len(sn);
		h->sels.v = grow(y, cnt, sizeof(*h->sels.v));
		for (size_t i = 0; i < cnt; i++)
			read_selector(y, seq_at(y, sn, i), &h->sels.v[h->sels.n++]);
	}
	h->message = str_of(y, get(y, n, "message"), "message");
	yaml_node_t *tg = get(y, n, "tags");
	if (tg && want_seq(y, tg, "tags")) {
		size_t cnt = seq_len(tg);
		h->tags.v = grow(y, cnt, sizeof(*h->tags.v));
		for (size_t i = 0; i < cnt; i++) {
			const char *t = str_of(y, seq_at(y, tg, i), "a tag");
			if (t)
				h->tags.v[h->tags.n++] = t;
		}
	}
}

static void read_hooks(struct ydoc *y, yaml_node_t *spec, const char *key, enum pol_hook_kind kind)
{
	yaml_node_t *n = get(y, spec, key);
	if (!n || is_null(n) || !want_seq(y, n, key))
		return;
	struct policy *p = y->c->p;
	size_t cnt = seq_len(n);
	struct pol_hook *nv = grow(y, p->hooks.n + cnt, sizeof(*nv));
	if (p->hooks.n)
		memcpy(nv, p->hooks.v, p->hooks.n * sizeof(*nv));
	p->hooks.v = nv;
	for (size_t i = 0; i < cnt; i++)
		read_hook(y, seq_at(y, n, i), kind, &p->hooks.v[p->hooks.n++]);
}

static void read_policy(struct ydoc *y, yaml_node_t *root)
{
	static const char *const top[] = { "apiVersion", "kind", "metadata", "spec", NULL };
	static const char *const speck[] = { "kprobes", "tracepoints", "uprobes", "usdts", "lsmhooks", "fentries",
					     "loader", "lists", "enforcers", "options", "podSelector",
					     "containerSelector", "hostSelector", "nodeSelector", "selectorsMacros",
					     NULL };
	struct pol_ctx *c = y->c;
	struct policy *p = c->p;
	p->pos = npos(root);
	if (!want_map(y, root, "a TracingPolicy document"))
		return;
	check_keys(y, root, "the document", top);
	yaml_node_t *av = get(y, root, "apiVersion");
	if (!av)
		pol_err(c, p->pos, "document has no 'apiVersion' (expected cilium.io/v1alpha1)");
	else if (!scalar(av) || strcmp(scalar(av), "cilium.io/v1alpha1"))
		pol_err(c, npos(av), "apiVersion '%s' is not cilium.io/v1alpha1", scalar(av) ? scalar(av) : "");
	yaml_node_t *kn = get(y, root, "kind");
	const char *kind = scalar(kn);
	if (!kn)
		pol_err(c, p->pos, "document has no 'kind' (TracingPolicy or TracingPolicyNamespaced)");
	else if (kind && !strcmp(kind, "TracingPolicyNamespaced"))
		p->namespaced = true;
	else if (!kind || strcmp(kind, "TracingPolicy"))
		pol_err(c, npos(kn), "kind '%s' is not TracingPolicy or TracingPolicyNamespaced", kind ? kind : "");
	yaml_node_t *md = get(y, root, "metadata");
	yaml_node_t *nm = md ? get(y, md, "name") : NULL;
	p->name = str_of(y, nm, "metadata.name");
	if (!p->name || !*p->name)
		pol_err(c, npos(md ? md : root), "policy has no metadata.name");
	p->ns = md ? str_of(y, get(y, md, "namespace"), "metadata.namespace") : NULL;
	yaml_node_t *spec = get(y, root, "spec");
	if (!spec) {
		pol_err(c, p->pos, "policy has no 'spec'");
		return;
	}
	if (!want_map(y, spec, "spec"))
		return;
	check_keys(y, spec, "spec", speck);
	read_hooks(y, spec, "kprobes", PH_KPROBE);
	read_hooks(y, spec, "tracepoints", PH_TRACEPOINT);
	read_hooks(y, spec, "lsmhooks", PH_LSM);
	read_hooks(y, spec, "fentries", PH_FENTRY);
	read_hooks(y, spec, "uprobes", PH_UPROBE);
	read_hooks(y, spec, "usdts", PH_USDT);

	yaml_node_t *ln = get(y, spec, "lists");
	if (ln && want_seq(y, ln, "lists")) {
		static const char *const lk[] = { "name", "values", "type", "pattern", "validated", NULL };
		size_t cnt = seq_len(ln);
		p->lists.v = grow(y, cnt, sizeof(*p->lists.v));
		for (size_t i = 0; i < cnt; i++) {
			yaml_node_t *e = seq_at(y, ln, i);
			struct pol_list *l = &p->lists.v[p->lists.n++];
			memset(l, 0, sizeof(*l));
			l->pos = npos(e);
			if (!want_map(y, e, "a list"))
				continue;
			check_keys(y, e, "lists", lk);
			l->name = str_of(y, get(y, e, "name"), "list name");
			l->type = str_of(y, get(y, e, "type"), "list type");
			values_of(y, get(y, e, "values"), "values", &l->vals);
			if (!l->name)
				pol_err(c, l->pos, "list has no 'name'");
		}
	}
	yaml_node_t *en = get(y, spec, "enforcers");
	p->has_enforcers = en != NULL;
	if (en && want_seq(y, en, "enforcers")) {
		if (seq_len(en) > 1)
			pol_err(c, npos(seq_at(y, en, 1)), "only one enforcer per policy (Tetragon's limit)");
		if (seq_len(en) > 0)
			values_of(y, get(y, seq_at(y, en, 0), "calls"), "enforcer calls", &p->enforcer_calls);
	}
	if (bool_of(y, get(y, spec, "loader"), "loader", false))
		pol_err(c, npos(get(y, spec, "loader")),
			"loader: true (process_loader events) is not implemented in vigil yet");
	yaml_node_t *opts = get(y, spec, "options");
	if (opts && want_seq(y, opts, "options")) {
		for (size_t i = 0; i < seq_len(opts); i++) {
			yaml_node_t *e = seq_at(y, opts, i);
			const char *on = scalar(get(y, e, "name")), *ov = scalar(get(y, e, "value"));
			if (!on)
				continue;
			if (!strcmp(on, "policy-mode")) {
				if (ov && !strcmp(ov, "monitor"))
					p->mode = PM_MONITOR;
				else if (ov && !strcmp(ov, "enforce"))
					p->mode = PM_ENFORCE;
				else
					pol_err(c, npos(get(y, e, "value")), "policy-mode must be enforce or monitor");
			} else if (!strcmp(on, "override-method")) {
				pol_warn(c, npos(e), "option override-method is ignored: this kernel has neither "
						     "bpf_override_return nor fmod_ret (see Override routing)");
			}
			/* disable-kprobe-multi, disable-uprobe-multi, sleepable-preload-size:
			 * accepted as no-ops; unknown names are ignored, as Tetragon does */
		}
	}
	yaml_node_t *sel;
	if ((sel = get(y, spec, "podSelector")) && !is_null(sel))
		pol_err(c, npos(sel), "podSelector is not implemented in vigil yet (needs pod metadata)");
	if ((sel = get(y, spec, "containerSelector")) && !is_null(sel))
		pol_err(c, npos(sel), "containerSelector is not implemented in vigil yet");
	if ((sel = get(y, spec, "hostSelector")) && !is_null(sel))
		pol_err(c, npos(sel), "hostSelector is not implemented in vigil yet");
	if ((sel = get(y, spec, "selectorsMacros")) && !is_null(sel))
		pol_err(c, npos(sel), "selectorsMacros are not implemented in vigil yet");
	/* nodeSelector: a single node; the policy applies to it */
}

/* ======================================================================
 * Entry points
 * ====================================================================== */

void policy_set_init(struct policy_set *ps)
{
	memset(ps, 0, sizeof(*ps));
	arena_init(&ps->a);
}

void policy_set_free(struct policy_set *ps)
{
	if (!ps)
		return;
	free(ps->v);
	arena_fini(&ps->a);
	memset(ps, 0, sizeof(*ps));
}

static void add_policy(struct policy_set *ps, struct policy *p)
{
	ps->v = xrealloc(ps->v, (ps->n + 1) * sizeof(*ps->v));
	ps->v[ps->n++] = p;
}

int policy_load_text(struct policy_set *ps, const char *file, const char *text, size_t len,
		     const struct policy_load_opts *o, struct diag_list *dl)
{
	static const struct policy_load_opts defaults = { 0 };
	const char *ftext = arena_strndup(&ps->a, text, len);	/* `text` need not end with a NUL */
	struct pol_ctx c = { .ps = ps, .dl = dl, .o = o ? o : &defaults, .file = file ? arena_strdup(&ps->a, file) : NULL,
			     .text = ftext, .len = len };
	yaml_parser_t yp;
	int rc = 0, ndocs = 0;
	if (!yaml_parser_initialize(&yp))
		return -ENOMEM;
	yaml_parser_set_input_string(&yp, (const unsigned char *)ftext, len);
	for (;;) {
		yaml_document_t doc;
		if (!yaml_parser_load(&yp, &doc)) {
			struct pol_pos pos = { (int)yp.problem_mark.line + 1, (int)yp.problem_mark.column + 1 };
			c.p = NULL;
			pol_err(&c, pos, "YAML: %s%s%s", yp.problem ? yp.problem : "syntax error",
				yp.context ? " " : "", yp.context ? yp.context : "");
			rc = -EINVAL;
			break;
		}
		yaml_node_t *root = yaml_document_get_root_node(&doc);
		if (!root) {
			yaml_document_delete(&doc);
			break;
		}
		ndocs++;
		struct policy *p = arena_alloc(&ps->a, sizeof(*p));
		memset(p, 0, sizeof(*p));
		p->file = c.file;
		p->text = ftext;
		p->text_len = len;
		c.p = p;
		c.errors = 0;
		struct ydoc y = { &c, &doc };
		read_policy(&y, root);
		if (c.o->force_monitor)
			p->mode = PM_MONITOR;
		if (!c.errors)
			pol_validate(&c);
		yaml_document_delete(&doc);
		if (c.errors)
			rc = -EINVAL;
		else
			add_policy(ps, p);
	}
	yaml_parser_delete(&yp);
	if (!ndocs && !rc) {
		c.p = NULL;
		pol_err(&c, (struct pol_pos){ 0, 0 }, "no TracingPolicy document in the file");
		rc = -EINVAL;
	}
	return rc;
}

static int load_file(struct policy_set *ps, const char *path, const struct policy_load_opts *o, struct diag_list *dl)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		diag_add(dl, DIAG_ERROR, path, 0, 0, NULL, 1, "cannot open: %s", strerror(errno));
		return -errno;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	int err = ferror(f);
	fclose(f);
	if (err) {
		diag_add(dl, DIAG_ERROR, path, 0, 0, NULL, 1, "cannot read");
		strbuf_fini(&sb);
		return -EIO;
	}
	int rc = policy_load_text(ps, path, sb.buf, sb.len, o, dl);
	strbuf_fini(&sb);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int policy_load_path(struct policy_set *ps, const char *path, const struct policy_load_opts *o, struct diag_list *dl)
{
	struct stat st;
	if (stat(path, &st)) {
		diag_add(dl, DIAG_ERROR, path, 0, 0, NULL, 1, "cannot open: %s", strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode))
		return load_file(ps, path, o, dl);
	DIR *d = opendir(path);
	if (!d) {
		diag_add(dl, DIAG_ERROR, path, 0, 0, NULL, 1, "cannot open: %s", strerror(errno));
		return -errno;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if ((l > 5 && !strcmp(de->d_name + l - 5, ".yaml")) || (l > 4 && !strcmp(de->d_name + l - 4, ".yml"))) {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xstrdup(de->d_name);
		}
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct strbuf sb;
		strbuf_init(&sb);
		strbuf_addf(&sb, "%s/%s", path, names[i]);
		if (load_file(ps, sb.buf, o, dl))
			rc = -EINVAL;
		strbuf_fini(&sb);
		free(names[i]);
	}
	free(names);
	return rc;
}
