/* SPDX-License-Identifier: Apache-2.0 */
/*
 * event.c - decodes the bytes of one event into a struct event (parameter
 * views into the source buffer), and typed access to its parameters.
 */
#include <errno.h>
#include <string.h>
#include "event/event.h"

static int decode_params(struct event *ev, const uint8_t *p, uint32_t len, uint32_t nparams,
			 const char **why)
{
	uint32_t lw = ev->lenwidth;
	uint64_t off = (uint64_t)ev->hdrlen + (uint64_t)nparams * lw;

	if (off > len) {
		*why = "parameter length array runs past the event";
		return -EINVAL;
	}
	const uint8_t *lens = p + ev->hdrlen;
	for (uint32_t i = 0; i < nparams; i++) {
		uint32_t pl = lw == 2 ? rd16(lens + 2 * i) : rd32(lens + 4 * i);
		if (off + pl > len) {
			*why = "parameter runs past the event";
			return -EINVAL;
		}
		if (i < VG_MAX_EVENT_PARAMS) {
			ev->params[i].val = pl ? p + off : NULL;
			ev->params[i].len = pl;
		}
		off += pl;
	}
	if (off != len) {
		*why = "event length does not match its parameters";
		return -EINVAL;
	}
	ev->nparams = nparams < VG_MAX_EVENT_PARAMS ? nparams : VG_MAX_EVENT_PARAMS;
	return 0;
}

/* v1 events carry no nparams: find the count whose lengths add up exactly. */
static int infer_nparams(const struct event *ev, const uint8_t *p, uint32_t len, uint32_t *out)
{
	uint32_t max = ev->info->nparams;
	for (int64_t n = max; n >= 0; n--) {
		uint64_t off = (uint64_t)ev->hdrlen + (uint64_t)n * ev->lenwidth;
		if (off > len)
			continue;
		uint64_t sum = off;
		for (int64_t i = 0; i < n; i++)
			sum += ev->lenwidth == 2 ? rd16(p + ev->hdrlen + 2 * i) : rd32(p + ev->hdrlen + 4 * i);
		if (sum == len) {
			*out = (uint32_t)n;
			return 0;
		}
	}
	return -EINVAL;
}

int event_decode(struct event *ev, const uint8_t *p, uint32_t n, unsigned hdrlen, const char **why)
{
	uint32_t len, nparams = 0;

	*why = NULL;
	if (n < hdrlen) {
		*why = "event shorter than its header";
		return -EINVAL;
	}
	ev->ts = rd64(p);
	ev->tid = (int64_t)rd64(p + 8);
	len = rd32(p + 16);
	ev->type = rd16(p + 20);
	ev->hdrlen = (uint8_t)hdrlen;
	ev->raw = p;
	ev->enter = NULL;
	ev->thread = NULL;
	ev->fdinfo = NULL;
	ev->sflags = 0;
	ev->fd = -1;
	if (len < hdrlen || len > n) {
		*why = "event length field out of range";
		return -EINVAL;
	}
	ev->rawlen = len;
	ev->info = ev_info_get(ev->type);
	if (!ev->info) {
		ev->nparams = 0;
		return -ENOENT;
	}
	ev->lenwidth = (ev->info->flags & EF_LARGE_PAYLOAD) ? 4 : 2;
	if (hdrlen == VG_EVT_HDR_SIZE) {
		nparams = rd32(p + 22);
		if (nparams > 1024) {
			*why = "implausible parameter count";
			return -EINVAL;
		}
	} else if (infer_nparams(ev, p, len, &nparams) < 0) {
		*why = "cannot infer the parameter count of a v1 event";
		return -EINVAL;
	}
	return decode_params(ev, p, len, nparams, why);
}

/* A direct-mapped cache of (event code, parameter name pointer) -> index:
 * callers pass string literals, so a pointer compare finds the entry. A
 * collision only costs a recomputation; the table never grows. */
#define PIDX_CACHE 4096
static struct {
	const char *name;
	uint16_t type;
	int8_t idx;
} g_pidx[PIDX_CACHE];

static int param_index_cached(const struct event *e, const char *name)
{
	size_t h = ((uintptr_t)name >> 3 ^ (uintptr_t)e->type * 2654435761u) & (PIDX_CACHE - 1);
	if (g_pidx[h].name == name && g_pidx[h].type == e->type)
		return g_pidx[h].idx;
	int i = ev_param_index(e->info, name);
	g_pidx[h].name = name;
	g_pidx[h].type = e->type;
	g_pidx[h].idx = (int8_t)i;
	return i;
}

const struct ev_param *event_param_by_name(const struct event *ev, const char *name,
					   const struct ev_param_info **pinfo)
{
	int i = param_index_cached(ev, name);
	if (i >= 0 && (uint32_t)i < ev->nparams) {
		if (pinfo)
			*pinfo = &ev->info->params[i];
		return &ev->params[i];
	}
	if (ev->enter) {
		i = param_index_cached(ev->enter, name);
		if (i >= 0 && (uint32_t)i < ev->enter->nparams) {
			if (pinfo)
				*pinfo = &ev->enter->info->params[i];
			return &ev->enter->params[i];
		}
	}
	return NULL;
}

bool ev_param_s64(const struct ev_param *p, int64_t *out)
{
	uint64_t v;
	if (!ev_param_u64(p, &v))
		return false;
	*out = (int64_t)v;
	return true;
}

bool ev_param_u64(const struct ev_param *p, uint64_t *out)
{
	if (!p || !p->val)
		return false;
	switch (p->len) {
	case 8: *out = rd64(p->val); return true;
	case 4: *out = rd32(p->val); return true;
	case 2: *out = rd16(p->val); return true;
	case 1: *out = p->val[0]; return true;
	default: return false;
	}
}

bool ev_param_u32(const struct ev_param *p, uint32_t *out)
{
	uint64_t v;
	if (!ev_param_u64(p, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool ev_param_u16(const struct ev_param *p, uint16_t *out)
{
	uint64_t v;
	if (!ev_param_u64(p, &v))
		return false;
	*out = (uint16_t)v;
	return true;
}

bool ev_param_u8(const struct ev_param *p, uint8_t *out)
{
	uint64_t v;
	if (!ev_param_u64(p, &v))
		return false;
	*out = (uint8_t)v;
	return true;
}

const char *ev_param_str(const struct ev_param *p)
{
	if (!p || !p->val || !p->len || p->val[p->len - 1] != 0)
		return "";
	return (const char *)p->val;
}
