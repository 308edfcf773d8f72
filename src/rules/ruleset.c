/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ruleset.c - compiles the collector (loader.c) into a ruleset, Falco's way:
 * list-in-list expansion for earlier lists, textual list substitution (with
 * source positions kept), exception expansion into `and not (...)` text,
 * macro resolution (a macro sees only earlier macros, a rule sees all),
 * filter and output compilation, event-type sets; then selects the active
 * rules and indexes them per event type. Also runs the rules on events.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "common/xalloc.h"
#include "rules/format.h"
#include "rules/loader_int.h"
#include "rules/ruleset.h"

/* ------------------------------------------------------------------------
 * Priorities
 * ------------------------------------------------------------------------ */

static const char *const prio_names[PRIO__COUNT] = {
	"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug",
};

int priority_parse(const char *s)
{
	if (!strcasecmp(s, "info"))
		return PRIO_INFORMATIONAL;
	for (int i = 0; i < PRIO__COUNT; i++)
		if (!strcasecmp(s, prio_names[i]))
			return i;
	return -1;
}

const char *priority_name(int prio)
{
	return prio >= 0 && prio < PRIO__COUNT ? prio_names[prio] : "Unknown";
}

void ruleset_opts_init(struct ruleset_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->min_priority = PRIO_DEBUG;
}

/* ------------------------------------------------------------------------
 * Lists
 * ------------------------------------------------------------------------ */

static bool needs_quotes(const char *s)
{
	return strchr(s, ' ') && s[0] != '"' && s[0] != '\'';
}

static void compile_lists(struct loader *L)
{
	for (size_t i = 0; i < L->nlists; i++) {
		struct list_info *li = L->lists[i];
		size_t cap = li->items.n + 1, n = 0;
		char **out = arena_alloc(&L->tmp, sizeof(char *) * cap);
		for (size_t k = 0; k < li->items.n; k++) {
			const char *it = li->items.v[k];
			struct list_info *ref = strmap_get(&L->list_by_name, it);
			if (ref && ref != li && ref->index < li->visible) {
				ref->used = true;
				if (n + ref->nexpanded + 1 > cap) {
					cap = n + ref->nexpanded + li->items.n + 1;
					char **nv = arena_alloc(&L->tmp, sizeof(char *) * cap);
					memcpy(nv, out, sizeof(char *) * n);
					out = nv;
				}
				for (size_t j = 0; j < ref->nexpanded; j++)
					out[n++] = ref->expanded[j];
				continue;
			}
			if (n + 1 > cap) {
				cap = cap * 2 + 1;
				char **nv = arena_alloc(&L->tmp, sizeof(char *) * cap);
				memcpy(nv, out, sizeof(char *) * n);
				out = nv;
			}
			if (needs_quotes(it)) {
				size_t l = strlen(it) + 3;
				char *q = arena_alloc(&L->tmp, l);
				snprintf(q, l, "\"%s\"", it);
				out[n++] = q;
			} else {
				out[n++] = (char *)it;
			}
		}
		li->expanded = out;
		li->nexpanded = n;
	}
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_delim(char c)
{
	return is_blank(c) || c == '(' || c == ')' || c == ',' || c == '=';
}

/* Substitute one list in `t` (in place), Falco's resolve_list semantics. */
static void resolve_list(struct loader *L, struct text *t, struct list_info *li)
{
	size_t nl = strlen(li->name);
	size_t start = 0;
	char *hit;

	while (start <= t->len && (hit = strstr(t->s + start, li->name))) {
		size_t s = (size_t)(hit - t->s), e = s + nl;
		if (!((s == 0 || is_delim(t->s[s - 1])) && (e >= t->len || is_delim(t->s[e])))) {
			start = s + 1;
			continue;
		}
		struct srcpos at = loader_text_pos(t, s);
		while (s > 0 && is_blank(t->s[s - 1]))
			s--;
		while (e < t->len && is_blank(t->s[e]))
			e++;
		struct text sub;
		loader_text_init(&sub);
		for (size_t i = 0; i < li->nexpanded; i++) {
			if (i)
				loader_text_add(&sub, ", ", 2, at);
			loader_text_adds(&sub, li->expanded[i], at);
		}
		if (sub.len == 0) {
			if (s > 0 && t->s[s - 1] == ',')
				s--;
			else if (e < t->len && t->s[e] == ',')
				e++;
		}
		struct text nt;
		loader_text_init(&nt);
		if (s > 0) {
			loader_text_add_text(&nt, t, 0, s);
			loader_text_add(&nt, " ", 1, at);
		}
		if (sub.len)
			loader_text_add_text(&nt, &sub, 0, sub.len);
		loader_text_add(&nt, " ", 1, at);
		size_t next = nt.len;
		if (e < t->len)
			loader_text_add_text(&nt, t, e, t->len - e);
		if (!nt.s)
			loader_text_add(&nt, "", 0, at);
		loader_text_free(&sub);
		loader_text_free(t);
		*t = nt;
		li->used = true;
		start = next;
	}
}

static void subst_lists(struct loader *L, const struct text *in, struct text *out)
{
	loader_text_copy(out, in);
	for (size_t i = 0; i < L->nlists; i++)
		if (strstr(out->s, L->lists[i]->name))
			resolve_list(L, out, L->lists[i]);
}

/* ------------------------------------------------------------------------
 * Exceptions -> condition text
 * ------------------------------------------------------------------------ */

static void add_value(struct text *t, const char *v, struct srcpos at)
{
	if (needs_quotes(v)) {
		loader_text_add(t, "\"", 1, at);
		loader_text_adds(t, v, at);
		loader_text_add(t, "\"", 1, at);
	} else {
		loader_text_adds(t, v, at);
	}
}

static bool comp_is_listy(const char *comp)
{
	return !strcmp(comp, "in") || !strcmp(comp, "intersects") || !strcmp(comp, "pmatch") ||
	       strstr(comp, " oneof") || strstr(comp, " anyof") || strstr(comp, " allof");
}

static void add_elem(struct text *t, const struct exc_elem *el, const char *comp, struct srcpos at)
{
	if (el->is_list) {
		loader_text_add(t, "(", 1, at);
		for (size_t i = 0; i < el->list.n; i++) {
			if (i)
				loader_text_add(t, ", ", 2, at);
			add_value(t, el->list.v[i], at);
		}
		loader_text_add(t, ")", 1, at);
		return;
	}
	if (comp_is_listy(comp)) {
		/* wrapped in parentheses unless already (then kept as is, so a
		 * "(a, b)" element is a list, not a quoted string) */
		if (el->s[0] == '(') {
			loader_text_adds(t, el->s, at);
			return;
		}
		loader_text_add(t, "(", 1, at);
		add_value(t, el->s, at);
		loader_text_add(t, ")", 1, at);
		return;
	}
	add_value(t, el->s, at);
}

static void build_condition(const struct rule_info *ri, struct text *out)
{
	/* Falco parenthesises the condition of any rule with exceptions, even
	 * when none of them has values */
	if (!ri->nexc) {
		loader_text_copy(out, &ri->cond);
		return;
	}
	struct srcpos p0 = loader_text_pos(&ri->cond, 0);
	loader_text_init(out);
	loader_text_add(out, "(", 1, p0);
	loader_text_add_text(out, &ri->cond, 0, ri->cond.len);
	loader_text_add(out, ")", 1, loader_text_pos(&ri->cond, ri->cond.len));
	for (size_t i = 0; i < ri->nexc; i++) {
		const struct exc_info *ex = &ri->exc[i];
		if (!ex->nvalues)
			continue;
		struct srcpos at = ex->pos;
		loader_text_adds(out, " and not ", at);
		if (ex->fields_list) {
			loader_text_add(out, "(", 1, at);
			bool first = true;
			for (size_t v = 0; v < ex->nvalues; v++) {
				const struct exc_tuple *tu = &ex->values[v];
				if (tu->n != ex->fields.n)
					continue; /* rejected at load; never expanded */
				if (!first)
					loader_text_adds(out, " or ", at);
				first = false;
				loader_text_add(out, "(", 1, tu->pos);
				for (size_t f = 0; f < ex->fields.n; f++) {
					const char *comp = ex->has_comps ? ex->comps.v[f] : "=";
					if (f)
						loader_text_adds(out, " and ", tu->pos);
					loader_text_adds(out, ex->fields.v[f], ex->fields.pos[f]);
					loader_text_add(out, " ", 1, tu->pos);
					loader_text_adds(out, comp, tu->pos);
					loader_text_add(out, " ", 1, tu->pos);
					add_elem(out, &tu->elems[f], comp, tu->pos);
				}
				loader_text_add(out, ")", 1, tu->pos);
			}
			loader_text_add(out, ")", 1, at);
		} else {
			const char *comp = ex->has_comps ? ex->comps.v[0] : "in";
			loader_text_add(out, "(", 1, at);
			loader_text_adds(out, ex->fields.v[0], ex->fields.pos[0]);
			loader_text_add(out, " ", 1, at);
			loader_text_adds(out, comp, at);
			loader_text_adds(out, " (", at);
			for (size_t v = 0; v < ex->nvalues; v++) {
				if (v)
					loader_text_add(out, ", ", 2, ex->values[v].pos);
				add_value(out, ex->values[v].elems[0].s, ex->values[v].pos);
			}
			loader_text_adds(out, "))", at);
		}
	}
}

/* ------------------------------------------------------------------------
 * Macros
 * ------------------------------------------------------------------------ */

struct cstate {
	struct loader *L;
	struct ruleset *rs;
	bool emit;		/* emit warnings (final compile only) */
	size_t visible;		/* macros with index < visible may be referenced */
	struct macro_info *in_macro;
	struct compile_error macro_err;	/* copy for failed macros */
};

/* Check that every macro referenced in t exists (and is visible). */
static bool check_macro_refs(struct cstate *cs, const struct ast *t, const struct text *src, size_t visible)
{
	switch (t->kind) {
	case AST_AND:
	case AST_OR:
		for (uint32_t i = 0; i < t->u.list.n; i++)
			if (!check_macro_refs(cs, t->u.list.kids[i], src, visible))
				return false;
		return true;
	case AST_NOT:
		return check_macro_refs(cs, t->u.kid, src, visible);
	case AST_MACRO: {
		struct macro_info *m = strmap_get(&cs->L->macro_by_name, t->u.macro.name);
		if (!m || m->index >= visible) {
			/* suggest the closest macro the reference could see */
			const char **names = xmalloc(sizeof(char *) * (cs->L->nmacros + 1));
			size_t n = 0;
			for (size_t i = 0; i < cs->L->nmacros; i++)
				if (cs->L->macros[i]->index < visible)
					names[n++] = cs->L->macros[i]->name;
			const char *sug = diag_suggest(t->u.macro.name, names, n);
			free(names);
			if (m)
				return loader_error(cs->L, loader_text_pos(src, t->pos),
						    "Undefined macro '%s' used in filter. A macro can only use macros defined before it, and this one is defined later.",
						    t->u.macro.name);
			if (sug)
				return loader_error(cs->L, loader_text_pos(src, t->pos),
						    "Undefined macro '%s' used in filter. Did you mean '%s'?", t->u.macro.name, sug);
			return loader_error(cs->L, loader_text_pos(src, t->pos), "Undefined macro '%s' used in filter.",
					    t->u.macro.name);
		}
		m->used = true;
		return true;
	}
	default:
		return true;
	}
}

static bool parse_text(struct cstate *cs, const struct text *t, struct ast **out)
{
	struct parse_error pe;
	*out = ast_parse(&cs->rs->arena, t->s, t->len, &pe);
	if (!*out)
		return loader_error(cs->L, loader_text_pos(t, pe.pos), "%s", pe.msg);
	return true;
}

static struct cnode *resolve_macro(void *ud, const char *name, uint32_t pos, struct compile_error *err)
{
	struct cstate *cs = ud;
	struct macro_info *m = strmap_get(&cs->L->macro_by_name, name);
	(void)pos;
	if (!m || !m->ast) {
		err->pos = pos;
		snprintf(err->msg, sizeof(err->msg), "Undefined macro '%s' used in filter.", name);
		return NULL;
	}
	if (m->state == 2)
		return m->compiled;
	if (m->state == 3) {
		*err = *(struct compile_error *)m->compiled;
		return NULL;
	}
	if (m->state == 1) {
		err->pos = pos;
		snprintf(err->msg, sizeof(err->msg), "macro '%s' references itself", name);
		return NULL;
	}
	m->state = 1;
	struct compile_error e2;
	struct cnode *n = filter_compile(&cs->rs->fc, m->ast, &e2);
	if (!n) {
		if (!e2.origin)
			e2.origin = m;
		*err = e2;
		struct compile_error *saved = arena_alloc(&cs->rs->arena, sizeof(*saved));
		*saved = e2;
		m->compiled = (struct cnode *)saved;
		m->state = 3;
		return NULL;
	}
	n->memo = true;
	m->compiled = n;
	m->state = 2;
	return n;
}

/* ------------------------------------------------------------------------
 * Collection -> ruleset
 * ------------------------------------------------------------------------ */

static const char *rule_output(struct ruleset *rs, const char *out, const char *extra);

static bool unknown_kind(const char *msg)
{
	return strstr(msg, "nonexistent field") || strstr(msg, "invalid formatting token") ||
	       strstr(msg, "unknown event type") || strstr(msg, "unknown filter:");
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static struct srcpos err_pos(struct cstate *cs, const struct text *rule_text, const struct compile_error *e)
{
	if (e->origin) {
		const struct macro_info *m = e->origin;
		return loader_text_pos(&m->subst, e->pos);
	}
	return loader_text_pos(rule_text, e->pos);
}

static bool compile_collection(struct loader *L, struct ruleset *rs, bool emit, const char *append_output)
{
	struct cstate cs = { L, rs, emit, 0, NULL };
	bool ok = true;

	rs->fc.macro = resolve_macro;
	rs->fc.macro_ud = &cs;
	compile_lists(L);

	for (size_t i = 0; i < L->nmacros; i++) {
		struct macro_info *m = L->macros[i];
		loader_set_item(L, "macro", m->name);
		m->state = 0;
		m->compiled = NULL;
		m->ast = NULL;
		loader_text_free(&m->subst);
		subst_lists(L, &m->cond, &m->subst);
		if (!parse_text(&cs, &m->subst, &m->ast)) {
			ok = false;
			continue;
		}
		if (!check_macro_refs(&cs, m->ast, &m->subst, m->index))
			ok = false;
	}

	rs->macro_names = arena_alloc(&rs->arena, sizeof(char *) * (L->nmacros + 1));
	rs->macro_asts = arena_alloc(&rs->arena, sizeof(struct ast *) * (L->nmacros + 1));
	for (size_t i = 0; i < L->nmacros; i++)
		if (L->macros[i]->ast) {
			rs->macro_names[rs->nmacros] = arena_strdup(&rs->arena, L->macros[i]->name);
			rs->macro_asts[rs->nmacros++] = L->macros[i]->ast;
		}

	rs->rules = arena_alloc(&rs->arena, sizeof(*rs->rules) * (L->nrules + 1));
	for (size_t i = 0; i < L->nrules; i++) {
		struct rule_info *ri = L->rules[i];
		struct text cond, subst;
		struct ast *ast;
		loader_set_item(L, "rule", ri->name);
		build_condition(ri, &cond);
		subst_lists(L, &cond, &subst);
		loader_text_free(&cond);
		if (!parse_text(&cs, &subst, &ast) || !check_macro_refs(&cs, ast, &subst, SIZE_MAX)) {
			loader_text_free(&subst);
			ok = false;
			continue;
		}
		struct compile_error ce;
		struct cnode *flt = filter_compile(&rs->fc, ast, &ce);
		struct format *fmt = arena_alloc(&rs->arena, sizeof(*fmt));
		struct srcpos epos = { -1, 0, 0 };
		bool fail = false;
		if (!flt) {
			epos = err_pos(&cs, &subst, &ce);
			fail = true;
		} else if (format_compile(&rs->fc, append_output ? rule_output(rs, ri->output, append_output) : ri->output,
					  fmt, &ce)) {
			epos = ri->output_pos;
			epos.col += ce.pos;
			fail = true;
		}
		if (fail) {
			if (ri->skip_if_unknown && unknown_kind(ce.msg)) {
				if (emit)
					loader_warning(L, epos, "%s; the rule is skipped (skip-if-unknown-filter)", ce.msg);
			} else {
				loader_error(L, epos, "%s", ce.msg);
				ok = false;
			}
			loader_text_free(&subst);
			continue;
		}
		struct rule_kform *kf = NULL;
		if (ri->action && !act_translate(L, &rs->arena, ri, ast, &subst, &kf)) {
			ok = false;
			loader_text_free(&subst);
			continue;
		}
		if (emit && fmt->has_container_info)
			loader_warning(L, ri->output_pos, "%%container.info is deprecated and renders as empty text");
		struct rule *r = arena_alloc(&rs->arena, sizeof(*r));
		r->name = arena_strdup(&rs->arena, ri->name);
		r->desc = arena_strdup(&rs->arena, ri->desc ? ri->desc : "");
		r->output = arena_strdup(&rs->arena, ri->output);
		r->source = "syscall";
		r->condition = arena_strdup(&rs->arena, subst.s);
		r->priority = ri->priority;
		r->ntags = ri->tags.n;
		r->tags = arena_alloc(&rs->arena, sizeof(char *) * (r->ntags ? r->ntags : 1));
		for (size_t k = 0; k < r->ntags; k++)
			r->tags[k] = arena_strdup(&rs->arena, ri->tags.v[k]);
		qsort(r->tags, r->ntags, sizeof(char *), cmp_cstr);
		r->enabled_in_file = ri->enabled;
		r->warn_evttypes = ri->warn_evttypes;
		r->skip_if_unknown = ri->skip_if_unknown;
		r->capture = ri->capture;
		r->capture_duration = ri->capture_duration;
		r->filter = flt;
		r->fmt = fmt;
		r->kform = kf;
		filter_evttypes(flt, &r->evts);
		size_t nevts = evtset_count(&r->evts);
		/* drop the event codes the condition cannot match, so that neither
		 * the index nor the probe's syscall filter carries them (rules on
		 * every event type are left as they are) */
		for (uint32_t t = 0; nevts <= 100 && t < VG_EV_MAX; t++)
			if (evtset_has(&r->evts, t) && !filter_can_match_type(flt, t))
				evtset_del(&r->evts, t);
		r->slot = rs->nrules;
		rs->rules[rs->nrules++] = r;
		if (emit && ri->warn_evttypes && nevts > 100)
			loader_warning(L, ri->pos, "Rule matches too many evt.type values. This has a significant performance penalty.");
		loader_text_free(&subst);
	}
	loader_set_item(L, "", NULL);
	if (emit && ok) {
		for (size_t i = 0; i < L->nlists; i++)
			if (!L->lists[i]->used)
				loader_warning(L, L->lists[i]->pos, "List '%s' not referred to by any other rule/macro",
					       L->lists[i]->name);
		for (size_t i = 0; i < L->nmacros; i++)
			if (!L->macros[i]->used)
				loader_warning(L, L->macros[i]->pos, "Macro '%s' not referred to by any other rule/macro",
					       L->macros[i]->name);
	}
	return ok;
}

static const char *rule_output(struct ruleset *rs, const char *out, const char *extra)
{
	size_t l = strlen(out) + strlen(extra) + 2;
	char *s = arena_alloc(&rs->arena, l);
	snprintf(s, l, "%s %s", out, extra);
	return s;
}

static void ruleset_reset(struct ruleset *rs)
{
	filter_ctx_fini(&rs->fc);
	arena_fini(&rs->arena);
	for (size_t i = 0; i < VG_EV_MAX; i++)
		free(rs->by_type[i].v);
	memset(rs, 0, sizeof(*rs));
	arena_init(&rs->arena);
	filter_ctx_init(&rs->fc, &rs->arena);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct ruleset *ruleset_load(const char *const *paths, size_t npaths, const struct ruleset_opts *opts,
			     struct diag_list *dl)
{
	uint64_t t0 = now_ns();
	struct loader L;
	struct ruleset *rs = xcalloc(1, sizeof(*rs));
	bool ok = true;

	arena_init(&rs->arena);
	filter_ctx_init(&rs->fc, &rs->arena);
	loader_init(&L, dl);
	for (size_t i = 0; i < npaths && ok; i++) {
		loader_load_path(&L, paths[i]);
		/* Falco compiles the collection after every file: a file must be
		 * valid with what was loaded so far. Warnings only once, at the end.
		 * A file with item errors is still compiled, to report the errors
		 * of its conditions and outputs too; loading stops after it. */
		bool last = i + 1 == npaths || L.failed;
		ruleset_reset(rs);
		if (!compile_collection(&L, rs, last && !L.failed, opts ? opts->append_output : NULL) || L.failed)
			ok = false;
	}
	if (npaths == 0)
		compile_collection(&L, rs, true, NULL);
	if (ok && L.req_engine[0])
		rs->required_engine_version = arena_strdup(&rs->arena, L.req_engine);
	loader_fini(&L);
	if (!ok || dl->nerrors) {
		ruleset_free(rs);
		return NULL;
	}
	struct ruleset_opts def;
	if (!opts) {
		ruleset_opts_init(&def);
		opts = &def;
	}
	ruleset_select(rs, opts);
	rs->load_ns = now_ns() - t0;
	return rs;
}

void ruleset_free(struct ruleset *rs)
{
	if (!rs)
		return;
	filter_ctx_fini(&rs->fc);
	arena_fini(&rs->arena);
	for (size_t i = 0; i < VG_EV_MAX; i++)
		free(rs->by_type[i].v);
	free(rs);
}

/* ------------------------------------------------------------------------
 * Selection and index
 * ------------------------------------------------------------------------ */

static bool has_tag(const struct rule *r, const char *const *tags, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < r->ntags; k++)
			if (!strcmp(r->tags[k], tags[i]))
				return true;
	return false;
}

void ruleset_select(struct ruleset *rs, const struct ruleset_opts *o)
{
	for (size_t t = 0; t < VG_EV_MAX; t++)
		rs->by_type[t].n = 0;
	evtset_clear(&rs->interesting);
	rs->nactive = 0;
	for (size_t i = 0; i < rs->nrules; i++) {
		struct rule *r = rs->rules[i];
		bool on = r->enabled_in_file;
		for (size_t k = 0; k < o->ndisable_substr; k++)
			if (strstr(r->name, o->disable_substr[k]))
				on = false;
		if (o->ndisable_tags && has_tag(r, o->disable_tags, o->ndisable_tags))
			on = false;
		if (o->nenable_tags)
			on = has_tag(r, o->enable_tags, o->nenable_tags) &&
			     !(o->ndisable_tags && has_tag(r, o->disable_tags, o->ndisable_tags));
		if (r->priority > o->min_priority)
			on = false;
		r->enabled = on;
		if (!on)
			continue;
		rs->nactive++;
		if (r->in_kernel)
			continue;	/* the kernel evaluates it */
		for (uint32_t t = 0; t < VG_EV_MAX; t++) {
			if (!evtset_has(&r->evts, t))
				continue;
			struct rule_bucket *b = &rs->by_type[t];
			if (b->n == b->cap) {
				b->cap = b->cap ? b->cap * 2 : 4;
				b->v = xrealloc(b->v, sizeof(*b->v) * b->cap);
			}
			b->v[b->n++] = r;
		}
		for (size_t w = 0; w < sizeof(r->evts.bits) / sizeof(r->evts.bits[0]); w++)
			rs->interesting.bits[w] |= r->evts.bits[w];
	}
}

size_t ruleset_eval(struct ruleset *rs, struct fctx *c, enum match_mode mode, struct rule **out, size_t max)
{
	uint16_t type = c->ev->type;
	size_t n = 0;
	if (type >= VG_EV_MAX)
		return 0;
	const struct rule_bucket *b = &rs->by_type[type];
	for (uint32_t i = 0; i < b->n && n < max; i++) {
		struct rule *r = b->v[i];
		if (filter_eval(c, r->filter)) {
			out[n++] = r;
			if (mode == MATCH_FIRST)
				break;
		}
	}
	return n;
}

struct rule *ruleset_find(const struct ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->nrules; i++)
		if (!strcmp(rs->rules[i]->name, name))
			return rs->rules[i];
	return NULL;
}
