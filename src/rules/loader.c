/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loader.c - reads Falco rules files (YAML, via libyaml) into a collector
 * with Falco's exact semantics: item kinds and keys, lists/macros/rules with
 * redefinition (keeping the slot), legacy `append`, `override` append/replace
 * matrix, enable-only items, exceptions, engine and plugin version checks.
 * Then compiles the collection (list expansion, textual list substitution,
 * exception expansion, macro resolution with visibility, field checks,
 * outputs) into a struct ruleset. Every diagnostic carries file:line:col of
 * the YAML text it is about, including positions inside a condition.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <yaml.h>
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "rules/format.h"
#include "rules/act.h"
#include "rules/loader_int.h"
#include "rules/ruleset.h"

/* ========================================================================
 * Source texts with positions
 * ======================================================================== */

static void text_init(struct text *t)
{
	t->s = NULL;
	t->len = 0;
	t->map = NULL;
	t->cap = 0;
}

static void text_free(struct text *t)
{
	free(t->s);
	free(t->map);
	text_init(t);
}

static void text_grow(struct text *t, size_t extra)
{
	if (t->len + extra + 1 <= t->cap)
		return;
	size_t cap = t->cap ? t->cap : 64;
	while (cap < t->len + extra + 1)
		cap *= 2;
	t->s = xrealloc(t->s, cap);
	t->map = xrealloc(t->map, cap * sizeof(*t->map));
	t->cap = cap;
}

/* Append n bytes all attributed to `pos`. */
static void text_add(struct text *t, const char *s, size_t n, struct srcpos pos)
{
	text_grow(t, n);
	if (n)
		memcpy(t->s + t->len, s, n);
	for (size_t i = 0; i < n; i++)
		t->map[t->len + i] = pos;
	t->len += n;
	t->s[t->len] = 0;
	t->map[t->len] = pos;
}

static void text_adds(struct text *t, const char *s, struct srcpos pos)
{
	text_add(t, s, strlen(s), pos);
}

static void text_add_text(struct text *t, const struct text *src, size_t from, size_t n)
{
	text_grow(t, n);
	if (n) {
		memcpy(t->s + t->len, src->s + from, n);
		memcpy(t->map + t->len, src->map + from, n * sizeof(*t->map));
	}
	t->len += n;
	t->s[t->len] = 0;
	t->map[t->len] = src->map[from + n];
}

static void text_copy(struct text *dst, const struct text *src)
{
	text_init(dst);
	text_grow(dst, src->len);
	if (src->len)
		text_add_text(dst, src, 0, src->len);
	else {
		dst->s[0] = 0;
		dst->map[0] = src->map ? src->map[0] : (struct srcpos){ -1, 0, 0 };
	}
}

static struct srcpos text_pos(const struct text *t, size_t off)
{
	if (!t->map)
		return (struct srcpos){ -1, 0, 0 };
	if (off > t->len)
		off = t->len;
	return t->map[off];
}

/* ========================================================================
 * Diagnostics
 * ======================================================================== */

static void vdiag(struct loader *L, enum diag_severity sev, struct srcpos p, const char *fmt, va_list ap)
{
	char msg[1024];
	char *src = NULL;
	const char *file = NULL;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (p.file >= 0 && (size_t)p.file < L->nfiles) {
		file = L->files[p.file].path;
		if (p.line > 0) {
			/* the line of the file, for the caret */
			const char *txt = L->files[p.file].text;
			size_t n = L->files[p.file].len, line = 1, i = 0;
			while (i < n && line < p.line) {
				if (txt[i++] == '\n')
					line++;
			}
			src = diag_line_at(txt, n, i);
		}
	}
	if (L->item_name[0] && !strstr(msg, L->item_name)) {
		size_t l = strlen(msg);
		snprintf(msg + l, sizeof(msg) - l, " (in %s '%s')", L->item_kind, L->item_name);
	}
	diag_add(L->dl, sev, file, (int)p.line, (int)p.col, src, 1, "%s", msg);
	free(src);
}

static bool err_at(struct loader *L, struct srcpos p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag(L, DIAG_ERROR, p, fmt, ap);
	va_end(ap);
	L->failed = true;
	return false;
}

static void warn_at(struct loader *L, struct srcpos p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag(L, DIAG_WARNING, p, fmt, ap);
	va_end(ap);
}

/* ========================================================================
 * YAML helpers
 * ======================================================================== */

static struct srcpos node_pos(struct loader *L, const yaml_node_t *n)
{
	return (struct srcpos){ L->cur_file, (uint32_t)n->start_mark.line + 1, (uint32_t)n->start_mark.column + 1 };
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

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *m, const char *key)
{
	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);
		if (k && k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, key))
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

static bool parse_bool(const char *s, bool *out)
{
	static const char *const t[] = { "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON" };
	static const char *const f[] = { "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF" };
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!strcmp(s, t[i])) {
			*out = true;
			return true;
		}
		if (!strcmp(s, f[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

/* A scalar with the position of every byte of its value in the file: the
 * value is aligned with the raw text, skipping quotes, escapes, indentation
 * and folded line breaks. */
static void text_from_scalar(struct loader *L, const yaml_node_t *n, struct text *t)
{
	const struct loaded_file *f = &L->files[L->cur_file];
	const char *v = (const char *)n->data.scalar.value;
	size_t vn = n->data.scalar.length;
	size_t i = n->start_mark.index, end = n->end_mark.index;
	uint32_t line = (uint32_t)n->start_mark.line + 1, col = (uint32_t)n->start_mark.column + 1;

	text_init(t);
	text_grow(t, vn);
	if (end > f->len)
		end = f->len;
	/* block scalars: the content starts on the next line */
	if (n->data.scalar.style == YAML_LITERAL_SCALAR_STYLE || n->data.scalar.style == YAML_FOLDED_SCALAR_STYLE) {
		while (i < end && f->text[i] != '\n')
			i++, col++;
	} else if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE && i < end) {
		i++, col++; /* opening quote */
	}
	for (size_t k = 0; k < vn; k++) {
		char c = v[k];
		if (c != ' ' && c != '\n' && c != '\t') {
			/* skip source bytes until the same byte, within the scalar */
			size_t j = i;
			uint32_t jl = line, jc = col;
			while (j < end && f->text[j] != c) {
				if (f->text[j] == '\n') {
					jl++;
					jc = 1;
				} else {
					jc++;
				}
				j++;
			}
			if (j < end) {
				i = j;
				line = jl;
				col = jc;
			}
		}
		t->s[t->len] = c;
		t->map[t->len] = (struct srcpos){ L->cur_file, line, col };
		t->len++;
		if (i < end) {
			if (f->text[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
			i++;
		}
	}
	t->s[t->len] = 0;
	t->map[t->len] = (struct srcpos){ L->cur_file, line, col };
}

/* ========================================================================
 * Collector
 * ======================================================================== */

static void *cnew(struct loader *L, size_t n)
{
	return arena_alloc(&L->tmp, n);
}

static char *cdup(struct loader *L, const char *s)
{
	return arena_strdup(&L->tmp, s);
}

static void set_item(struct loader *L, const char *kind, const char *name)
{
	L->item_kind = kind;
	snprintf(L->item_name, sizeof(L->item_name), "%s", name ? name : "");
}

/* Read a sequence of scalars. */
static bool read_strings(struct loader *L, yaml_document_t *d, yaml_node_t *n, const char *key,
			 struct strlist *out)
{
	out->n = 0;
	out->v = NULL;
	out->pos = NULL;
	if (is_null(n))
		return true;
	if (n->type != YAML_SEQUENCE_NODE)
		return err_at(L, node_pos(L, n), "value of '%s' must be a sequence", key);
	size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	out->v = cnew(L, sizeof(char *) * (cnt ? cnt : 1));
	out->pos = cnew(L, sizeof(struct srcpos) * (cnt ? cnt : 1));
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(d, *it);
		if (!e || e->type != YAML_SCALAR_NODE)
			return err_at(L, e ? node_pos(L, e) : node_pos(L, n), "items of '%s' must be scalars", key);
		out->pos[out->n] = node_pos(L, e);
		out->v[out->n++] = cdup(L, scalar(e));
	}
	return true;
}

static bool check_keys(struct loader *L, yaml_document_t *d, yaml_node_t *item, const char *const *known)
{
	for (yaml_node_pair_t *p = item->data.mapping.pairs.start; p < item->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);
		const char *ks = scalar(k);
		bool ok = false;
		for (size_t i = 0; known[i] && ks; i++)
			if (!strcmp(known[i], ks))
				ok = true;
		if (!ok)
			warn_at(L, node_pos(L, k), "Unknown key '%s'. The key will be ignored.", ks ? ks : "?");
	}
	return true;
}

/* The override map: key -> append/replace. */
struct override {
	bool present;
	struct srcpos pos;
	char keys[16][32];
	bool append[16];
	int n;
};

static bool read_override(struct loader *L, yaml_document_t *d, yaml_node_t *n, struct override *ov)
{
	memset(ov, 0, sizeof(*ov));
	if (!n)
		return true;
	ov->present = true;
	ov->pos = node_pos(L, n);
	if (n->type != YAML_MAPPING_NODE)
		return err_at(L, node_pos(L, n), "'override' must be a map of key: append|replace");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key), *v = yaml_document_get_node(d, p->value);
		const char *ks = scalar(k), *vs = scalar(v);
		if (!ks || !vs || (strcmp(vs, "append") && strcmp(vs, "replace")))
			return err_at(L, node_pos(L, v ? v : k), "override value for '%s' must be 'append' or 'replace'",
				      ks ? ks : "?");
		if (ov->n >= 16)
			return err_at(L, node_pos(L, k), "too many override keys");
		snprintf(ov->keys[ov->n], sizeof(ov->keys[0]), "%s", ks);
		ov->append[ov->n++] = !strcmp(vs, "append");
	}
	return true;
}

static int ov_find(const struct override *ov, const char *key)
{
	for (int i = 0; i < ov->n; i++)
		if (!strcmp(ov->keys[i], key))
			return i;
	return -1;
}

/* Check the override matrix for an item kind. */
static bool check_override(struct loader *L, yaml_document_t *d, yaml_node_t *item, const struct override *ov,
			   const char *const *app_keys, const char *const *rep_keys)
{
	for (int i = 0; i < ov->n; i++) {
		const char *const *allowed = ov->append[i] ? app_keys : rep_keys;
		bool ok = false;
		for (size_t k = 0; allowed[k]; k++)
			if (!strcmp(allowed[k], ov->keys[i]))
				ok = true;
		if (!ok)
			return err_at(L, ov->pos, "Key '%s' cannot be %s", ov->keys[i],
				      ov->append[i] ? "appended to, use 'replace:' instead" : "replaced");
		if (!map_get(d, item, ov->keys[i]))
			return err_at(L, ov->pos, "An 'override' entry for '%s' is specified, but the item has no '%s' key",
				      ov->keys[i], ov->keys[i]);
	}
	/* every overridable key present must be listed */
	for (int pass = 0; pass < 2; pass++) {
		const char *const *keys = pass ? rep_keys : app_keys;
		for (size_t k = 0; keys[k]; k++) {
			yaml_node_t *v = map_get(d, item, keys[k]);
			if (v && ov_find(ov, keys[k]) < 0)
				return err_at(L, node_pos(L, v),
					      "Unexpected key '%s': no corresponding entry under 'override' is defined",
					      keys[k]);
		}
	}
	return true;
}

static struct list_info *find_list(struct loader *L, const char *name)
{
	return strmap_get(&L->list_by_name, name);
}

static struct macro_info *find_macro(struct loader *L, const char *name)
{
	return strmap_get(&L->macro_by_name, name);
}

static struct rule_info *find_rule(struct loader *L, const char *name)
{
	return strmap_get(&L->rule_by_name, name);
}

static bool item_name(struct loader *L, yaml_node_t *n, const char *key, const char **out)
{
	const char *s = scalar(n);
	if (!s || !*s || is_null(n))
		return err_at(L, node_pos(L, n), "Mapping for key '%s' is empty", key);
	*out = s;
	return true;
}

/* ---- lists ---- */

static bool do_list(struct loader *L, yaml_document_t *d, yaml_node_t *item)
{
	static const char *const known[] = { "list", "items", "append", "override", NULL };
	static const char *const app[] = { "items", NULL };
	static const char *const rep[] = { "items", NULL };
	yaml_node_t *nn = map_get(d, item, "list"), *items = map_get(d, item, "items");
	yaml_node_t *ap = map_get(d, item, "append");
	const char *name;
	struct override ov;
	bool append = false;

	if (!item_name(L, nn, "list", &name))
		return false;
	set_item(L, "list", name);
	check_keys(L, d, item, known);
	if (!items)
		return err_at(L, node_pos(L, item), "Item has no mapping for key 'items'");
	if (ap && (!scalar(ap) || !parse_bool(scalar(ap), &append)))
		return err_at(L, node_pos(L, ap), "value of 'append' must be true or false");
	if (!read_override(L, d, map_get(d, item, "override"), &ov))
		return false;
	if (ov.present && ap)
		return err_at(L, node_pos(L, ap), "Keys 'override' and 'append: true' cannot be used together");
	if (ov.present && !check_override(L, d, item, &ov, app, rep))
		return false;
	if (ap)
		warn_at(L, node_pos(L, ap), "'append' key is deprecated. Add an 'append' entry (e.g. 'items: append') under 'override' instead.");
	struct strlist sl;
	if (!read_strings(L, d, items, "items", &sl))
		return false;

	struct list_info *li = find_list(L, name);
	bool is_append = append || (ov.present && ov.append[0]);
	if (is_append) {
		if (!li)
			return err_at(L, node_pos(L, item), "List '%s' has 'append' key but no list by that name already exists",
				      name);
		struct strlist merged = { cnew(L, sizeof(char *) * (li->items.n + sl.n + 1)),
					  cnew(L, sizeof(struct srcpos) * (li->items.n + sl.n + 1)), 0 };
		for (size_t i = 0; i < li->items.n; i++) {
			merged.v[merged.n] = li->items.v[i];
			merged.pos[merged.n++] = li->items.pos[i];
		}
		for (size_t i = 0; i < sl.n; i++) {
			merged.v[merged.n] = sl.v[i];
			merged.pos[merged.n++] = sl.pos[i];
		}
		li->items = merged;
		return true;
	}
	if (!li) {
		li = cnew(L, sizeof(*li));
		li->name = cdup(L, name);
		li->index = L->nlists;
		L->lists = xrealloc(L->lists, sizeof(*L->lists) * (L->nlists + 1));
		L->lists[L->nlists++] = li;
		strmap_put(&L->list_by_name, name, li);
	}
	li->pos = node_pos(L, nn);
	li->items = sl;
	li->visible = L->nlists;
	return true;
}

/* ---- macros ---- */

static bool do_macro(struct loader *L, yaml_document_t *d, yaml_node_t *item)
{
	static const char *const known[] = { "macro", "condition", "append", "override", NULL };
	static const char *const app[] = { "condition", NULL };
	static const char *const rep[] = { "condition", NULL };
	yaml_node_t *nn = map_get(d, item, "macro"), *cn = map_get(d, item, "condition");
	yaml_node_t *ap = map_get(d, item, "append");
	const char *name;
	struct override ov;
	bool append = false;

	if (!item_name(L, nn, "macro", &name))
		return false;
	set_item(L, "macro", name);
	check_keys(L, d, item, known);
	if (!cn || is_null(cn))
		return err_at(L, node_pos(L, item), "Item has no mapping for key 'condition'");
	if (cn->type != YAML_SCALAR_NODE)
		return err_at(L, node_pos(L, cn), "value of 'condition' must be a string");
	if (ap && (!scalar(ap) || !parse_bool(scalar(ap), &append)))
		return err_at(L, node_pos(L, ap), "value of 'append' must be true or false");
	if (!read_override(L, d, map_get(d, item, "override"), &ov))
		return false;
	if (ov.present && ap)
		return err_at(L, node_pos(L, ap), "Keys 'override' and 'append: true' cannot be used together");
	if (ov.present && !check_override(L, d, item, &ov, app, rep))
		return false;
	if (ap)
		warn_at(L, node_pos(L, ap), "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.");
	struct text cond;
	text_from_scalar(L, cn, &cond);

	struct macro_info *mi = find_macro(L, name);
	bool is_append = append || (ov.present && ov.append[0]);
	if (is_append) {
		if (!mi) {
			text_free(&cond);
			return err_at(L, node_pos(L, item),
				      "Macro '%s' has 'append' key but no macro by that name already exists", name);
		}
		text_add(&mi->cond, " ", 1, text_pos(&cond, 0));
		text_add_text(&mi->cond, &cond, 0, cond.len);
		text_free(&cond);
		return true;
	}
	if (!mi) {
		mi = cnew(L, sizeof(*mi));
		mi->name = cdup(L, name);
		mi->index = L->nmacros;
		L->macros = xrealloc(L->macros, sizeof(*L->macros) * (L->nmacros + 1));
		L->macros[L->nmacros++] = mi;
		strmap_put(&L->macro_by_name, name, mi);
	} else {
		text_free(&mi->cond);
	}
	mi->pos = node_pos(L, nn);
	mi->cond = cond;
	return true;
}

/* ---- exceptions ---- */

static bool valid_exc_comp(const char *c, bool list_form)
{
	static const char *const ops[] = { "=", "==", "!=", "<", "<=", ">", ">=", "contains", "icontains",
					   "bcontains", "startswith", "bstartswith", "endswith", "glob", "iglob",
					   "regex", "in", "intersects", "pmatch", NULL };
	static const char *const mods[] = { "oneof", "anyof", "allof", NULL };
	char op[32], mod[32];
	int n = sscanf(c, "%31s %31s", op, mod);
	if (n < 1)
		return false;
	bool ok = false;
	for (size_t i = 0; ops[i]; i++)
		if (!strcmp(ops[i], op))
			ok = true;
	if (!ok)
		return false;
	if (n == 2) {
		if (!strcmp(op, "in") || !strcmp(op, "intersects") || !strcmp(op, "pmatch"))
			return false;
		for (size_t i = 0; mods[i]; i++)
			if (!strcmp(mods[i], mod))
				return true;
		return false;
	}
	if (!list_form)
		return !strcmp(op, "in") || !strcmp(op, "pmatch") || !strcmp(op, "intersects");
	return true;
}

static bool read_exc_values(struct loader *L, yaml_document_t *d, yaml_node_t *vn, struct exc_info *ex)
{
	ex->values = NULL;
	ex->nvalues = 0;
	if (!vn || is_null(vn))
		return true;
	if (vn->type != YAML_SEQUENCE_NODE)
		return err_at(L, node_pos(L, vn), "exception values must be a sequence");
	size_t cnt = (size_t)(vn->data.sequence.items.top - vn->data.sequence.items.start);
	ex->values = cnew(L, sizeof(*ex->values) * (cnt ? cnt : 1));
	for (yaml_node_item_t *it = vn->data.sequence.items.start; it < vn->data.sequence.items.top; it++) {
		yaml_node_t *t = yaml_document_get_node(d, *it);
		struct exc_tuple *tu = &ex->values[ex->nvalues++];
		tu->pos = node_pos(L, t);
		if (t->type == YAML_SCALAR_NODE) {
			/* scalar-form value: one element */
			tu->n = 1;
			tu->elems = cnew(L, sizeof(*tu->elems));
			tu->elems[0].s = cdup(L, scalar(t));
			tu->scalar = true;
			continue;
		}
		if (t->type != YAML_SEQUENCE_NODE)
			return err_at(L, node_pos(L, t), "exception value must be a sequence (a tuple of values)");
		size_t k = (size_t)(t->data.sequence.items.top - t->data.sequence.items.start);
		tu->elems = cnew(L, sizeof(*tu->elems) * (k ? k : 1));
		for (yaml_node_item_t *e = t->data.sequence.items.start; e < t->data.sequence.items.top; e++) {
			yaml_node_t *en = yaml_document_get_node(d, *e);
			struct exc_elem *el = &tu->elems[tu->n++];
			if (en->type == YAML_SCALAR_NODE) {
				el->s = cdup(L, scalar(en));
			} else if (en->type == YAML_SEQUENCE_NODE) {
				if (!read_strings(L, d, en, "values", &el->list))
					return false;
				el->is_list = true;
			} else {
				return err_at(L, node_pos(L, en), "exception tuple elements must be scalars or lists");
			}
		}
	}
	return true;
}

static bool read_exceptions(struct loader *L, yaml_document_t *d, yaml_node_t *n, struct exc_info **out,
			    size_t *nout)
{
	*out = NULL;
	*nout = 0;
	if (!n || is_null(n))
		return true;
	if (n->type != YAML_SEQUENCE_NODE)
		return err_at(L, node_pos(L, n), "'exceptions' must be a sequence");
	size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	struct exc_info *v = cnew(L, sizeof(*v) * (cnt ? cnt : 1));
	size_t k = 0;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		static const char *const known[] = { "name", "fields", "comps", "values", NULL };
		yaml_node_t *e = yaml_document_get_node(d, *it);
		if (e->type != YAML_MAPPING_NODE)
			return err_at(L, node_pos(L, e), "each exception must be a map");
		check_keys(L, d, e, known);
		struct exc_info *ex = &v[k];
		memset(ex, 0, sizeof(*ex));
		ex->pos = node_pos(L, e);
		yaml_node_t *nm = map_get(d, e, "name"), *fl = map_get(d, e, "fields"), *cp = map_get(d, e, "comps");
		if (!nm || !scalar(nm) || !*scalar(nm))
			return err_at(L, node_pos(L, e), "Item has no mapping for key 'name'");
		ex->name = cdup(L, scalar(nm));
		for (size_t j = 0; j < k; j++)
			if (!strcmp(v[j].name, ex->name))
				warn_at(L, node_pos(L, nm), "Multiple definitions of exception '%s' in the same rule", ex->name);
		if (fl) {
			ex->has_fields = true;
			if (fl->type == YAML_SEQUENCE_NODE) {
				ex->fields_list = true;
				if (!read_strings(L, d, fl, "fields", &ex->fields))
					return false;
			} else if (fl->type == YAML_SCALAR_NODE) {
				ex->fields.n = 1;
				ex->fields.v = cnew(L, sizeof(char *));
				ex->fields.pos = cnew(L, sizeof(struct srcpos));
				ex->fields.v[0] = cdup(L, scalar(fl));
				ex->fields.pos[0] = node_pos(L, fl);
			} else {
				return err_at(L, node_pos(L, fl), "exception fields must be a field name or a list");
			}
		}
		if (cp) {
			ex->has_comps = true;
			if (cp->type == YAML_SEQUENCE_NODE) {
				if (!read_strings(L, d, cp, "comps", &ex->comps))
					return false;
			} else if (cp->type == YAML_SCALAR_NODE) {
				ex->comps.n = 1;
				ex->comps.v = cnew(L, sizeof(char *));
				ex->comps.pos = cnew(L, sizeof(struct srcpos));
				ex->comps.v[0] = cdup(L, scalar(cp));
				ex->comps.pos[0] = node_pos(L, cp);
			}
		}
		if (!read_exc_values(L, d, map_get(d, e, "values"), ex))
			return false;
		k++;
	}
	*out = v;
	*nout = k;
	return true;
}

/* Validate an exception with fields (new definition). */
static bool validate_exception(struct loader *L, struct exc_info *ex)
{
	if (!ex->has_fields || ex->fields.n == 0)
		return err_at(L, ex->pos, "Rule exception item '%s' must have fields property with a list of fields",
			      ex->name);
	if (ex->fields_list) {
		if (ex->has_comps && ex->comps.n != ex->fields.n)
			return err_at(L, ex->pos, "Rule exception item '%s': fields and comps lists must have equal length",
				      ex->name);
		for (size_t i = 0; ex->has_comps && i < ex->comps.n; i++)
			if (!valid_exc_comp(ex->comps.v[i], true))
				return err_at(L, ex->comps.pos[i], "Rule exception item '%s': comparison operator '%s' is not a supported comparison operator",
					      ex->name, ex->comps.v[i]);
		for (size_t i = 0; i < ex->nvalues; i++)
			if (ex->values[i].scalar || ex->values[i].n != ex->fields.n)
				return err_at(L, ex->values[i].pos,
					      "Rule exception item '%s': fields and values lists must have equal length",
					      ex->name);
	} else {
		if (ex->has_comps && (ex->comps.n != 1 || !valid_exc_comp(ex->comps.v[0], false)))
			return err_at(L, ex->has_comps ? ex->comps.pos[0] : ex->pos,
				      "Rule exception item '%s': comparison operator '%s' is not allowed with a single field (use in, pmatch, intersects or a list modifier)",
				      ex->name, ex->comps.n ? ex->comps.v[0] : "");
		for (size_t i = 0; i < ex->nvalues; i++)
			if (!ex->values[i].scalar)
				return err_at(L, ex->values[i].pos,
					      "Rule exception item '%s': values of a single-field exception must be scalars",
					      ex->name);
	}
	for (size_t i = 0; i < ex->fields.n; i++) {
		struct field_ref ref;
		char msg[200];
		char *name = xstrdup(ex->fields.v[i]), *arg = NULL, *br = strchr(name, '[');
		if (br && name[strlen(name) - 1] == ']') {
			*br = 0;
			arg = br + 1;
			arg[strlen(arg) - 1] = 0;
		}
		int rc = field_resolve(name, arg, &ref, msg, sizeof(msg));
		free(name);
		if (rc)
			return err_at(L, ex->fields.pos[i], "Rule exception item '%s': %s", ex->name, msg);
	}
	return true;
}

/* ---- rules ---- */

static void rule_add_tags(struct loader *L, struct rule_info *ri, const struct strlist *tags)
{
	size_t n = ri->tags.n + tags->n;
	char **v = cnew(L, sizeof(char *) * (n ? n : 1));
	size_t k = 0;
	for (size_t i = 0; i < ri->tags.n; i++)
		v[k++] = ri->tags.v[i];
	for (size_t i = 0; i < tags->n; i++) {
		bool dup = false;
		for (size_t j = 0; j < k; j++)
			if (!strcmp(v[j], tags->v[i]))
				dup = true;
		if (!dup)
			v[k++] = tags->v[i];
	}
	ri->tags.v = v;
	ri->tags.n = k;
	ri->tags.pos = NULL;
}

static bool merge_exceptions(struct loader *L, struct rule_info *ri, struct exc_info *ex, size_t nex)
{
	for (size_t i = 0; i < nex; i++) {
		struct exc_info *cur = NULL;
		for (size_t j = 0; j < ri->nexc; j++)
			if (!strcmp(ri->exc[j].name, ex[i].name))
				cur = &ri->exc[j];
		if (cur) {
			if (ex[i].has_fields || ex[i].has_comps)
				return err_at(L, ex[i].pos,
					      "Can not append exception fields or comps to existing exception '%s', only values",
					      ex[i].name);
			size_t n = cur->nvalues + ex[i].nvalues;
			struct exc_tuple *nv = cnew(L, sizeof(*nv) * (n ? n : 1));
			if (cur->nvalues)
				memcpy(nv, cur->values, sizeof(*nv) * cur->nvalues);
			if (ex[i].nvalues)
				memcpy(nv + cur->nvalues, ex[i].values, sizeof(*nv) * ex[i].nvalues);
			/* validate the merged exception before it replaces the old one */
			struct exc_info merged = *cur;
			merged.values = nv;
			merged.nvalues = n;
			if (!validate_exception(L, &merged))
				return false;
			*cur = merged;
		} else {
			if (!ex[i].has_fields)
				return err_at(L, ex[i].pos,
					      "Rule exception new item '%s': must have fields property with a list of fields",
					      ex[i].name);
			if (!ex[i].nvalues)
				return err_at(L, ex[i].pos, "Rule exception new item '%s': must have values", ex[i].name);
			if (!validate_exception(L, &ex[i]))
				return false;
			struct exc_info *nv = cnew(L, sizeof(*nv) * (ri->nexc + 1));
			if (ri->nexc)
				memcpy(nv, ri->exc, sizeof(*nv) * ri->nexc);
			nv[ri->nexc++] = ex[i];
			ri->exc = nv;
		}
	}
	return true;
}

static bool do_rule(struct loader *L, yaml_document_t *d, yaml_node_t *item)
{
	static const char *const known[] = { "rule", "condition", "output", "desc", "priority", "tags", "enabled",
					     "source", "exceptions", "warn_evttypes", "skip-if-unknown-filter",
					     "capture", "capture_duration", "append", "override", "action", NULL };
	static const char *const app[] = { "condition", "output", "desc", "tags", "exceptions", NULL };
	static const char *const rep[] = { "condition", "output", "desc", "priority", "tags", "exceptions",
					   "enabled", "warn_evttypes", "skip-if-unknown-filter", "capture",
					   "capture_duration", "action", NULL };
	yaml_node_t *nn = map_get(d, item, "rule");
	yaml_node_t *cn = map_get(d, item, "condition"), *on = map_get(d, item, "output");
	yaml_node_t *dn = map_get(d, item, "desc"), *pn = map_get(d, item, "priority");
	yaml_node_t *tn = map_get(d, item, "tags"), *en = map_get(d, item, "enabled");
	yaml_node_t *sn = map_get(d, item, "source"), *xn = map_get(d, item, "exceptions");
	yaml_node_t *wn = map_get(d, item, "warn_evttypes"), *kn = map_get(d, item, "skip-if-unknown-filter");
	yaml_node_t *capn = map_get(d, item, "capture"), *cdn = map_get(d, item, "capture_duration");
	yaml_node_t *ap = map_get(d, item, "append");
	yaml_node_t *acn = map_get(d, item, "action");
	const char *name;
	struct override ov;
	bool append = false, enabled = true, warn = true, skip = false, capture = false;
	int64_t cap_dur = 0;
	int prio = -1;

	if (!item_name(L, nn, "rule", &name))
		return false;
	set_item(L, "rule", name);
	check_keys(L, d, item, known);

	/* typed values */
	if (ap && (!scalar(ap) || !parse_bool(scalar(ap), &append)))
		return err_at(L, node_pos(L, ap), "value of 'append' must be true or false");
	if (en && (!scalar(en) || !parse_bool(scalar(en), &enabled)))
		return err_at(L, node_pos(L, en), "value of 'enabled' must be true or false");
	if (wn && (!scalar(wn) || !parse_bool(scalar(wn), &warn)))
		return err_at(L, node_pos(L, wn), "value of 'warn_evttypes' must be true or false");
	if (kn && (!scalar(kn) || !parse_bool(scalar(kn), &skip)))
		return err_at(L, node_pos(L, kn), "value of 'skip-if-unknown-filter' must be true or false");
	if (capn && (!scalar(capn) || !parse_bool(scalar(capn), &capture)))
		return err_at(L, node_pos(L, capn), "value of 'capture' must be true or false");
	if (cdn) {
		char *end;
		const char *s = scalar(cdn);
		cap_dur = s ? strtoll(s, &end, 10) : 0;
		if (!s || !*s || *end)
			return err_at(L, node_pos(L, cdn), "value of 'capture_duration' must be a number of milliseconds");
	}
	if (acn) {
		enum rule_action ra;
		uint32_t sig;
		char why[128];
		if (!scalar(acn) || rule_action_parse(scalar(acn), &ra, &sig, why, sizeof(why)))
			return err_at(L, node_pos(L, acn), "value of 'action': %s",
				      scalar(acn) ? why : "must be kill, deny or signal:NAME");
	}
	if (pn) {
		prio = scalar(pn) ? priority_parse(scalar(pn)) : -1;
		if (prio < 0)
			return err_at(L, node_pos(L, pn), "Invalid priority '%s'", scalar(pn) ? scalar(pn) : "");
	}
	yaml_node_t *strs[] = { cn, on, dn, sn };
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (strs[i] && strs[i]->type != YAML_SCALAR_NODE)
			return err_at(L, node_pos(L, strs[i]), "value must be a string");
	if (!read_override(L, d, map_get(d, item, "override"), &ov))
		return false;
	if (ov.present && append)
		return err_at(L, node_pos(L, ap), "Keys 'override' and 'append: true' cannot be used together");
	if (ov.present && !check_override(L, d, item, &ov, app, rep))
		return false;
	struct strlist tags = { 0 };
	if (tn && !read_strings(L, d, tn, "tags", &tags))
		return false;
	struct exc_info *exc;
	size_t nexc;
	if (!read_exceptions(L, d, xn, &exc, &nexc))
		return false;

	const char *source = sn && !is_null(sn) ? scalar(sn) : NULL;
	struct rule_info *ri = find_rule(L, name);
	bool skipped_before = strmap_get(&L->skipped_rules, name) != NULL;

	/* updates: append / override */
	if (append || ov.present) {
		if (append)
			warn_at(L, node_pos(L, ap), "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.");
		if (!ri) {
			if (skipped_before || (source && strcmp(source, "syscall")))
				return true; /* a rule of a source vigil does not load */
			return err_at(L, node_pos(L, item),
				      "Rule '%s' has 'append' key or an override, but no rule by that name already exists", name);
		}
		if ((append && !cn && !nexc) || (ov.present && ov.n == 0))
			return err_at(L, node_pos(L, item), "Appended rule must have exceptions or condition property");
		/* two passes: appends, then replaces */
		for (int pass = 0; pass < 2; pass++) {
			bool want_append = pass == 0;
			bool a_cond = append ? want_append && cn : ov_find(&ov, "condition") >= 0 && ov.append[ov_find(&ov, "condition")] == want_append;
			bool a_out = !append && ov_find(&ov, "output") >= 0 && ov.append[ov_find(&ov, "output")] == want_append;
			bool a_desc = !append && ov_find(&ov, "desc") >= 0 && ov.append[ov_find(&ov, "desc")] == want_append;
			bool a_tags = !append && ov_find(&ov, "tags") >= 0 && ov.append[ov_find(&ov, "tags")] == want_append;
			bool a_exc = append ? want_append && nexc : ov_find(&ov, "exceptions") >= 0 && ov.append[ov_find(&ov, "exceptions")] == want_append;
			if (a_cond) {
				struct text t;
				text_from_scalar(L, cn, &t);
				if (want_append) {
					text_add(&ri->cond, " ", 1, text_pos(&t, 0));
					text_add_text(&ri->cond, &t, 0, t.len);
					text_free(&t);
				} else {
					text_free(&ri->cond);
					ri->cond = t;
				}
			}
			if (a_out) {
				if (want_append) {
					size_t l = strlen(ri->output) + strlen(scalar(on)) + 2;
					char *o = cnew(L, l);
					snprintf(o, l, "%s %s", ri->output, scalar(on));
					ri->output = o;
				} else {
					ri->output = cdup(L, scalar(on));
				}
				ri->output_pos = node_pos(L, on);
			}
			if (a_desc) {
				if (want_append) {
					size_t l = strlen(ri->desc) + strlen(scalar(dn)) + 2;
					char *o = cnew(L, l);
					snprintf(o, l, "%s %s", ri->desc, scalar(dn));
					ri->desc = o;
				} else {
					ri->desc = cdup(L, scalar(dn));
				}
			}
			if (a_tags) {
				if (!want_append)
					ri->tags.n = 0;
				rule_add_tags(L, ri, &tags);
			}
			if (a_exc) {
				if (!want_append) {
					ri->exc = NULL;
					ri->nexc = 0;
				}
				if (!merge_exceptions(L, ri, exc, nexc))
					return false;
			}
			if (!want_append) {
				if (ov_find(&ov, "priority") >= 0)
					ri->priority = prio;
				if (ov_find(&ov, "enabled") >= 0)
					ri->enabled = enabled;
				if (ov_find(&ov, "warn_evttypes") >= 0)
					ri->warn_evttypes = warn;
				if (ov_find(&ov, "skip-if-unknown-filter") >= 0)
					ri->skip_if_unknown = skip;
				if (ov_find(&ov, "capture") >= 0)
					ri->capture = capture;
				if (ov_find(&ov, "capture_duration") >= 0)
					ri->capture_duration = cap_dur;
				if (ov_find(&ov, "action") >= 0) {
					ri->action = acn ? cdup(L, scalar(acn)) : NULL;
					ri->action_pos = acn ? node_pos(L, acn) : (struct srcpos){ -1, 0, 0 };
				}
			}
		}
		return true;
	}

	/* enable-only item */
	if (!cn && !on && !dn && !pn) {
		if (!en)
			return err_at(L, node_pos(L, item), "Item has no mapping for key 'condition'");
		if (!ri) {
			if (skipped_before)
				return true;
			return err_at(L, node_pos(L, item), "Rule '%s' has 'enabled' key but no rule by that name already exists",
				      name);
		}
		warn_at(L, node_pos(L, en), "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace').");
		ri->enabled = enabled;
		return true;
	}

	/* full definition */
	if ((ri && source && strcmp(source, "syscall")) || (skipped_before && (!source || !strcmp(source, "syscall"))))
		return err_at(L, node_pos(L, item), "Rule has been re-defined with a different source");
	if (source && strcmp(source, "syscall")) {
		warn_at(L, node_pos(L, sn), "Unknown source %s, skipping", source);
		strmap_put(&L->skipped_rules, name, (void *)1);
		return true;
	}
	if (!cn)
		return err_at(L, node_pos(L, item), "Item has no mapping for key 'condition'");
	if (!on)
		return err_at(L, node_pos(L, item), "Item has no mapping for key 'output'");
	if (!dn)
		return err_at(L, node_pos(L, item), "Item has no mapping for key 'desc'");
	if (!pn)
		return err_at(L, node_pos(L, item), "Item has no mapping for key 'priority'");
	for (size_t i = 0; i < nexc; i++)
		if (!validate_exception(L, &exc[i]))
			return false;
	if (!ri) {
		ri = cnew(L, sizeof(*ri));
		ri->name = cdup(L, name);
		ri->slot = L->nrules;
		L->rules = xrealloc(L->rules, sizeof(*L->rules) * (L->nrules + 1));
		L->rules[L->nrules++] = ri;
		strmap_put(&L->rule_by_name, name, ri);
	} else {
		text_free(&ri->cond);
	}
	ri->pos = node_pos(L, nn);
	text_from_scalar(L, cn, &ri->cond);
	/* the output is trimmed of leading and trailing blanks */
	const char *o = scalar(on);
	while (*o && isspace((unsigned char)*o))
		o++;
	size_t ol = strlen(o);
	while (ol && isspace((unsigned char)o[ol - 1]))
		ol--;
	ri->output = arena_strndup(&L->tmp, o, ol);
	ri->output_pos = node_pos(L, on);
	ri->desc = cdup(L, scalar(dn));
	ri->priority = prio;
	ri->tags.n = 0;
	rule_add_tags(L, ri, &tags);
	ri->enabled = enabled;
	ri->exc = exc;
	ri->nexc = nexc;
	ri->warn_evttypes = warn;
	ri->skip_if_unknown = skip;
	ri->capture = capture;
	ri->capture_duration = cap_dur;
	ri->action = acn ? cdup(L, scalar(acn)) : NULL;
	ri->action_pos = acn ? node_pos(L, acn) : (struct srcpos){ -1, 0, 0 };
	return true;
}

/* ---- version requirements ---- */

static bool parse_semver(const char *s, int v[3])
{
	char *end;
	for (int i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*s))
			return false;
		v[i] = (int)strtol(s, &end, 10);
		s = end;
		if (i < 2) {
			if (*s != '.')
				return false;
			s++;
		}
	}
	return *s == 0 || *s == '-' || *s == '+';
}

static bool do_engine_version(struct loader *L, yaml_document_t *d, yaml_node_t *item)
{
	yaml_node_t *v = map_get(d, item, "required_engine_version");
	static const char *const known[] = { "required_engine_version", NULL };
	const char *s = scalar(v);
	int req[3];
	char buf[64];

	set_item(L, "required_engine_version", "");
	check_keys(L, d, item, known);
	if (!s || !*s)
		return err_at(L, node_pos(L, v ? v : item), "Value of required_engine_version must be a number or a semver string");
	/* a bare integer N means 0.N.0 */
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && !*end && isdigit((unsigned char)*s)) {
		req[0] = 0;
		req[1] = (int)n;
		req[2] = 0;
	} else if (!parse_semver(s, req)) {
		return err_at(L, node_pos(L, v), "Unable to parse engine version '%s' as a semver string. Expected \"x.y.z\" semver format.", s);
	}
	int eng[3] = { VIGIL_ENGINE_VERSION_MAJOR, VIGIL_ENGINE_VERSION_MINOR, VIGIL_ENGINE_VERSION_PATCH };
	bool ok = eng[0] == req[0] &&
		  (eng[1] > req[1] || (eng[1] == req[1] && eng[2] >= req[2]));
	snprintf(buf, sizeof(buf), "%d.%d.%d", req[0], req[1], req[2]);
	if (!ok)
		return err_at(L, node_pos(L, v), "Rules require engine version %s, but engine version is %s", buf,
			      VIGIL_ENGINE_VERSION);
	if (!L->req_engine[0] || req[1] > L->req_ver[1] || (req[1] == L->req_ver[1] && req[2] > L->req_ver[2])) {
		snprintf(L->req_engine, sizeof(L->req_engine), "%s", buf);
		memcpy(L->req_ver, req, sizeof(req));
	}
	return true;
}

static bool do_plugin_versions(struct loader *L, yaml_document_t *d, yaml_node_t *item)
{
	yaml_node_t *v = map_get(d, item, "required_plugin_versions");
	static const char *const known[] = { "required_plugin_versions", NULL };
	set_item(L, "required_plugin_versions", "");
	check_keys(L, d, item, known);
	if (!v || v->type != YAML_SEQUENCE_NODE)
		return err_at(L, node_pos(L, v ? v : item), "Value of required_plugin_versions must be a sequence");
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(d, *it);
		const char *name = scalar(map_get(d, e, "name")), *ver = scalar(map_get(d, e, "version"));
		int sv[3];
		if (!name || !*name)
			return err_at(L, node_pos(L, e), "required_plugin_versions entry must have a name");
		if (!ver || !parse_semver(ver, sv))
			return err_at(L, node_pos(L, e), "Plugin version string '%s' is not a valid semver",
				      ver ? ver : "");
		yaml_node_t *alts = map_get(d, e, "alternatives");
		bool satisfied = !strcmp(name, "container");
		if (alts && alts->type == YAML_SEQUENCE_NODE) {
			for (yaml_node_item_t *a = alts->data.sequence.items.start; a < alts->data.sequence.items.top; a++) {
				yaml_node_t *an = yaml_document_get_node(d, *a);
				const char *aname = scalar(map_get(d, an, "name")), *aver = scalar(map_get(d, an, "version"));
				if (!aname || !aver || !parse_semver(aver, sv))
					return err_at(L, node_pos(L, an), "invalid plugin alternative");
				if (!strcmp(aname, name))
					return err_at(L, node_pos(L, an), "Alternative plugin '%s' duplicates the required one", aname);
				satisfied |= !strcmp(aname, "container");
			}
		}
		if (satisfied) {
			int have[3];
			parse_semver(VIGIL_CONTAINER_PLUGIN_VERSION, have);
			if (parse_semver(ver, sv) && (sv[0] != have[0] || sv[1] > have[1] ||
						     (sv[1] == have[1] && sv[2] > have[2])))
				warn_at(L, node_pos(L, e), "Plugin 'container' version %s is required; vigil provides the container fields natively at version %s",
					ver, VIGIL_CONTAINER_PLUGIN_VERSION);
		} else {
			warn_at(L, node_pos(L, e), "Plugin '%s' is required but vigil does not load plugins; rules of its source are skipped",
				name);
		}
	}
	return true;
}

/* ---- files ---- */

static void load_document(struct loader *L, yaml_document_t *d)
{
	yaml_node_t *root = yaml_document_get_root_node(d);
	if (!root || is_null(root))
		return;
	if (root->type != YAML_SEQUENCE_NODE) {
		set_item(L, "", NULL);
		err_at(L, node_pos(L, root), "Rules content is not yaml array of objects");
		return;
	}
	for (yaml_node_item_t *it = root->data.sequence.items.start; it < root->data.sequence.items.top; it++) {
		yaml_node_t *item = yaml_document_get_node(d, *it);
		set_item(L, "", NULL);
		if (is_null(item))
			continue;
		if (item->type != YAML_MAPPING_NODE) {
			err_at(L, node_pos(L, item), "Unexpected element type. Each element should be a yaml associative array.");
			continue;
		}
		if (map_get(d, item, "required_engine_version"))
			do_engine_version(L, d, item);
		else if (map_get(d, item, "required_plugin_versions"))
			do_plugin_versions(L, d, item);
		else if (map_get(d, item, "list"))
			do_list(L, d, item);
		else if (map_get(d, item, "macro"))
			do_macro(L, d, item);
		else if (map_get(d, item, "rule"))
			do_rule(L, d, item);
		else
			warn_at(L, node_pos(L, item), "Unknown top level item");
	}
	set_item(L, "", NULL);
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool read_file(struct loader *L, const char *path)
{
	FILE *f = fopen(path, "rb");
	struct loaded_file lf = { 0 };
	if (!f) {
		diag_add(L->dl, DIAG_ERROR, path, 0, 0, NULL, 0, "cannot read rules file: %s", strerror(errno));
		L->failed = true;
		return false;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	lf.path = xstrdup(path);
	lf.len = sb.len;
	lf.text = strbuf_detach(&sb);
	L->files = xrealloc(L->files, sizeof(*L->files) * (L->nfiles + 1));
	L->files[L->nfiles++] = lf;
	return true;
}

static void load_file(struct loader *L, const char *path)
{
	if (!read_file(L, path))
		return;
	L->cur_file = (int)L->nfiles - 1;
	const struct loaded_file *f = &L->files[L->cur_file];
	yaml_parser_t p;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)f->text, f->len);
	for (;;) {
		yaml_document_t d;
		if (!yaml_parser_load(&p, &d)) {
			struct srcpos pos = { L->cur_file, (uint32_t)p.problem_mark.line + 1,
					      (uint32_t)p.problem_mark.column + 1 };
			set_item(L, "", NULL);
			err_at(L, pos, "invalid YAML: %s%s%s", p.problem ? p.problem : "parse error",
			       p.context ? " " : "", p.context ? p.context : "");
			break;
		}
		yaml_node_t *root = yaml_document_get_root_node(&d);
		if (!root) {
			yaml_document_delete(&d);
			break;
		}
		load_document(L, &d);
		yaml_document_delete(&d);
	}
	yaml_parser_delete(&p);
}

static void load_path(struct loader *L, const char *path)
{
	struct stat st;
	if (stat(path, &st)) {
		diag_add(L->dl, DIAG_ERROR, path, 0, 0, NULL, 0, "cannot read rules: %s", strerror(errno));
		L->failed = true;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		load_file(L, path);
		return;
	}
	DIR *dir = opendir(path);
	if (!dir) {
		diag_add(L->dl, DIAG_ERROR, path, 0, 0, NULL, 0, "cannot read rules directory: %s", strerror(errno));
		L->failed = true;
		return;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(dir))) {
		size_t l = strlen(de->d_name);
		if ((l > 5 && !strcmp(de->d_name + l - 5, ".yaml")) || (l > 4 && !strcmp(de->d_name + l - 4, ".yml"))) {
			names = xrealloc(names, sizeof(*names) * (n + 1));
			size_t pl = strlen(path) + l + 2;
			names[n] = xmalloc(pl);
			snprintf(names[n++], pl, "%s/%s", path, de->d_name);
		}
	}
	closedir(dir);
	qsort(names, n, sizeof(*names), cmpstr);
	for (size_t i = 0; i < n; i++) {
		struct stat fs;
		if (!stat(names[i], &fs) && S_ISREG(fs.st_mode))
			load_file(L, names[i]);
		free(names[i]);
	}
	free(names);
}

/* ========================================================================
 * Loader lifetime and entry
 * ======================================================================== */

void loader_init(struct loader *L, struct diag_list *dl)
{
	memset(L, 0, sizeof(*L));
	L->dl = dl;
	arena_init(&L->tmp);
	strmap_init(&L->list_by_name);
	strmap_init(&L->macro_by_name);
	strmap_init(&L->rule_by_name);
	strmap_init(&L->skipped_rules);
	L->cur_file = -1;
}

void loader_fini(struct loader *L)
{
	for (size_t i = 0; i < L->nmacros; i++) {
		text_free(&L->macros[i]->cond);
		text_free(&L->macros[i]->subst);
	}
	for (size_t i = 0; i < L->nrules; i++)
		text_free(&L->rules[i]->cond);
	for (size_t i = 0; i < L->nfiles; i++) {
		free(L->files[i].path);
		free(L->files[i].text);
	}
	free(L->files);
	free(L->lists);
	free(L->macros);
	free(L->rules);
	strmap_fini(&L->list_by_name);
	strmap_fini(&L->macro_by_name);
	strmap_fini(&L->rule_by_name);
	strmap_fini(&L->skipped_rules);
	arena_fini(&L->tmp);
}

void loader_load_path(struct loader *L, const char *path)
{
	load_path(L, path);
}

/* Text helpers exported for the compile stage. */
void loader_text_init(struct text *t)
{
	text_init(t);
}

void loader_text_free(struct text *t)
{
	text_free(t);
}

void loader_text_add(struct text *t, const char *s, size_t n, struct srcpos pos)
{
	text_add(t, s, n, pos);
}

void loader_text_adds(struct text *t, const char *s, struct srcpos pos)
{
	text_adds(t, s, pos);
}

void loader_text_add_text(struct text *t, const struct text *src, size_t from, size_t n)
{
	text_add_text(t, src, from, n);
}

void loader_text_copy(struct text *dst, const struct text *src)
{
	text_copy(dst, src);
}

struct srcpos loader_text_pos(const struct text *t, size_t off)
{
	return text_pos(t, off);
}

bool loader_error(struct loader *L, struct srcpos p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag(L, DIAG_ERROR, p, fmt, ap);
	va_end(ap);
	L->failed = true;
	return false;
}

void loader_warning(struct loader *L, struct srcpos p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag(L, DIAG_WARNING, p, fmt, ap);
	va_end(ap);
}

void loader_set_item(struct loader *L, const char *kind, const char *name)
{
	set_item(L, kind, name);
}
