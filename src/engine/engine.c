/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine.c - runs events through state, rules and alert formatting, and
 * replays .scap files through that pipeline (metadata blocks build the
 * initial state, event blocks are dispatched in file order).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "capture/scap.h"
#include "capture/scap_writer.h"
#include "engine/engine.h"

void engine_opts_init(struct engine_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->matching = MATCH_FIRST;
	alert_opts_init(&o->alert);
}

static void stdout_sink(void *ud, const struct alert_rec *a)
{
	(void)ud;
	const char *line = a->json ? a->json : a->text;
	fwrite(line, 1, a->json ? a->json_len : a->text_len, stdout);
	fputc('\n', stdout);
}

/* The forms of an alert the sink asks for: into e->line (text) and e->json,
 * or into e->line alone for the one opts.alert.json names. */
static void alert_bufs(struct engine *e, struct strbuf **text, struct strbuf **json)
{
	unsigned f = e->sink_formats ? e->sink_formats : e->opts.alert.json ? ALERT_FMT_JSON : ALERT_FMT_TEXT;
	strbuf_reset(&e->line);
	strbuf_reset(&e->json);
	*text = (f & ALERT_FMT_TEXT) ? &e->line : NULL;
	*json = (f & ALERT_FMT_JSON) ? (*text ? &e->json : &e->line) : NULL;
}

static void deliver(struct engine *e, struct alert_rec *a, struct strbuf *text, struct strbuf *json)
{
	if (text) {
		a->text = text->buf;
		a->text_len = text->len;
	}
	if (json) {
		a->json = json->buf;
		a->json_len = json->len;
	}
	e->sink(e->sink_ud, a);
}

void engine_init(struct engine *e, struct ruleset *rs, const struct engine_opts *o)
{
	memset(e, 0, sizeof(*e));
	state_init(&e->st);
	fctx_init(&e->fc, &e->st);
	e->rs = rs;
	if (o)
		e->opts = *o;
	else
		engine_opts_init(&e->opts);
	e->sink = stdout_sink;
	arena_init(&e->print_arena);
	filter_ctx_init(&e->print_fc, &e->print_arena);
	strbuf_init(&e->line);
	strbuf_init(&e->json);
}

void engine_fini(struct engine *e)
{
	filter_ctx_fini(&e->print_fc);
	arena_fini(&e->print_arena);
	strbuf_fini(&e->line);
	strbuf_fini(&e->json);
	fctx_fini(&e->fc);
	state_fini(&e->st);
}

int engine_set_print(struct engine *e, const char *format, const char *filter, FILE *out, char *err, size_t errlen)
{
	struct compile_error ce;
	e->print_fmt = arena_alloc(&e->print_arena, sizeof(*e->print_fmt));
	e->print_missing_ok = format[0] == '*';
	if (format_compile(&e->print_fc, format, e->print_fmt, &ce)) {
		snprintf(err, errlen, "--print format, offset %u: %s", ce.pos, ce.msg);
		return -EINVAL;
	}
	if (filter && *filter && engine_set_filter(e, filter, err, errlen))
		return -EINVAL;
	e->print_out = out;
	return 0;
}

int engine_set_filter(struct engine *e, const char *filter, char *err, size_t errlen)
{
	struct compile_error ce;
	struct parse_error pe;
	struct ast *t = ast_parse(&e->print_arena, filter, strlen(filter), &pe);

	if (!t) {
		snprintf(err, errlen, "filter, offset %u: %s", pe.pos, pe.msg);
		return -EINVAL;
	}
	e->filter = filter_compile(&e->print_fc, t, &ce);
	if (!e->filter) {
		snprintf(err, errlen, "filter, offset %u: %s", ce.pos, ce.msg);
		return -EINVAL;
	}
	return 0;
}

void engine_set_writer(struct engine *e, struct scap_writer *w)
{
	e->writer = w;
}

/* Write one event, with `flags` added to its dump flags. A write error ends
 * the run; the writer keeps it for scap_writer__close(). */
static void write_one(struct engine *e, const struct event *ev, uint32_t flags)
{
	int rc;
	if ((ev->dump_flags & flags) != flags) {
		struct event copy = *ev;
		copy.dump_flags |= flags;
		rc = scap_writer__write_event(e->writer, &copy);
	} else {
		rc = scap_writer__write_event(e->writer, ev);
	}
	if (rc) {
		e->stop = true;
		e->exit_status = 1;
	}
}

/* The state goes first, as it is before the first event. */
static void write_state(struct engine *e)
{
	if (scap_writer__wants_state(e->writer) && scap_writer__write_state(e->writer, &e->st, NULL)) {
		e->stop = true;
		e->exit_status = 1;
	}
}

/* -w (see engine_set_writer()). `pass`: the filter's verdict on ev when it
 * was already evaluated, else -1. */
static void write_event(struct engine *e, const struct event *ev, int pass)
{
	if (!e->filter) {
		write_one(e, ev, 0);
		return;
	}
	if (!VG_EV_IS_EXIT(ev->type) && state_pairs_enter(ev->type))
		return; /* written with its exit, through ev->enter */
	if (ev->dump_flags & SCAP_DF_STATE_ONLY)
		pass = 0;
	else if (pass < 0)
		pass = filter_eval(&e->fc, e->filter);
	if (!pass && !state_event_is_stateful(ev->type))
		return;
	uint32_t flags = pass ? 0 : SCAP_DF_STATE_ONLY;
	if (ev->enter)
		write_one(e, ev->enter, flags);
	write_one(e, ev, flags);
}

void engine_set_drops(struct engine *e, double threshold, unsigned actions, double rate, double max_burst,
		      bool simulate)
{
	drop_mgr_init(&e->drops, threshold, actions, rate, max_burst, simulate);
	e->drops_enabled = true;
}

void engine_internal_alert(struct engine *e, uint64_t ts, int prio, const char *rule, const char *msg,
			   const struct alert_field *f, size_t n)
{
	struct strbuf *text, *json;
	struct alert_rec a = { .ts = ts, .priority = prio, .rule = rule, .source = "internal" };
	if (!e->sink)
		return;
	alert_bufs(e, &text, &json);
	alert_format_internal2(&e->opts.alert, ts, prio, rule, msg, f, n, text, json);
	deliver(e, &a, text, json);
}

static void drop_actions(struct engine *e, const struct event *ev, unsigned act, const struct drop_counts *d,
			 uint64_t d_evts)
{
	char msg[256];
	snprintf(msg, sizeof(msg), "Falco internal: syscall event drop. %llu system calls dropped in last second.",
		 (unsigned long long)d->n_drops);
	if (act & (DROP_ACT_LOG | DROP_ACT_EXIT))
		fprintf(stderr, "%s\n", msg);
	if (act & DROP_ACT_ALERT) {
		/* Falco's fields (strings, as Falco sends them); n_evts counts the drops too */
		static const char *const cat[VG_DROP_CAT_MAX] = {
			"n_drops_buffer_clone_fork_exit", "n_drops_buffer_execve_exit", "n_drops_buffer_connect_exit",
			"n_drops_buffer_open_exit", "n_drops_buffer_dir_file_exit", "n_drops_buffer_other_interest_exit",
			"n_drops_buffer_close_exit", "n_drops_buffer_proc_exit",
		};
		struct alert_field f[8 + VG_DROP_CAT_MAX];
		size_t n = 0;
		f[n++] = (struct alert_field){ "ebpf_enabled", e->src_drops_live ? 1 : 0 };
		f[n++] = (struct alert_field){ "n_drops", d->n_drops };
		f[n++] = (struct alert_field){ "n_drops_buffer_total", d->n_drops_buffer };
		for (int i = 0; i < VG_DROP_CAT_MAX; i++)
			f[n++] = (struct alert_field){ cat[i], d->n_drops_buffer_cat[i] };
		f[n++] = (struct alert_field){ "n_drops_bug", d->n_drops_bug };
		f[n++] = (struct alert_field){ "n_drops_page_faults", d->n_drops_pf };
		f[n++] = (struct alert_field){ "n_drops_scratch_map", d->n_drops_scratch_map };
		f[n++] = (struct alert_field){ "n_evts", d_evts + d->n_drops };
		engine_internal_alert(e, ev->ts, PRIO_DEBUG, "Falco internal: syscall event drop", msg, f, n);
	}
	if (act & DROP_ACT_EXIT) {
		fprintf(stderr, "Exiting.\n");
		e->stop = true;
		e->exit_status = 1;
	}
}

void engine_event(struct engine *e, struct event *ev)
{
	bool exit = VG_EV_IS_EXIT(ev->type);
	int pass = -1;	/* the filter's verdict, once evaluated */

	e->stats.events++;
	if (ev->ts > e->last_ts)
		e->last_ts = ev->ts;
	if (e->drops_enabled) {
		struct drop_counts dd;
		uint64_t de = 0;
		unsigned act = drop_mgr_check(&e->drops, ev->ts, e->stats.events, &e->src_drops, &dd, &de);
		if (act)
			drop_actions(e, ev, act, &dd, de);
	}
	if (e->writer)
		write_state(e);
	state_event_pre(&e->st, ev);
	/* live: the first event of a container starts its metadata lookup, even
	 * when no rule asks for a container field yet */
	if (e->st.new_container && ev->thread)
		state_thread_container(&e->st, ev->thread);
	e->fc.ev = ev;
	e->fc.seq++;
	/* Falco >= 0.42 drops syscall enter events (their exit carries all);
	 * events that are not half of a syscall pair (procexit, container...)
	 * are evaluated */
	if ((ev->dump_flags & SCAP_DF_STATE_ONLY) ||
	    (!exit && !e->opts.evaluate_enter && ev_enter_type((uint32_t)ev->type + 1) == (int)ev->type))
		goto post;
	e->stats.evaluated++;
	if (e->print_fmt && (pass = !e->filter || filter_eval(&e->fc, e->filter))) {
		strbuf_reset(&e->line);
		if (format_render(&e->fc, e->print_fmt, &e->line) || e->print_missing_ok) {
			fwrite(e->line.buf, 1, e->line.len, e->print_out);
			fputc('\n', e->print_out);
		}
	}
	if (e->rs) {
		struct rule *matched[64];
		size_t n = ruleset_eval(e->rs, &e->fc, e->opts.matching, matched, 64);
		for (size_t i = 0; i < n; i++) {
			struct rule *r = matched[i];
			r->matches++;
			e->stats.alerts++;
			e->stats.alerts_by_prio[r->priority]++;
			struct strbuf *text, *json;
			struct alert_rec a = { .ts = ev->ts, .priority = r->priority, .rule = r->name,
					       .source = "syscall", .tags = r->tags, .ntags = r->ntags };
			alert_bufs(e, &text, &json);
			alert_format2(&e->opts.alert, &e->fc, r, text, json);
			deliver(e, &a, text, json);
		}
	}
post:
	if (e->writer)
		write_event(e, ev, pass);
	state_event_post(&e->st, ev);
}

void engine_action_alert(struct engine *e, struct rule *r, struct event *ev, const char *action)
{
	struct strbuf *text, *json;
	if (ev->ts > e->last_ts)
		e->last_ts = ev->ts;
	ev->thread = state_thread(&e->st, ev->tid);
	ev->fdinfo = NULL;
	e->fc.ev = ev;
	e->fc.seq++;
	r->matches++;
	e->stats.alerts++;
	e->stats.alerts_by_prio[r->priority]++;
	struct alert_rec a = { .ts = ev->ts, .priority = r->priority, .rule = r->name, .source = "syscall",
			       .tags = r->tags, .ntags = r->ntags };
	alert_bufs(e, &text, &json);
	alert_format_action(&e->opts.alert, &e->fc, r, action, text, json);
	deliver(e, &a, text, json);
}

/* An internal event of `type` with the given parameters, at the last
 * event's time, of no thread. */
static void synth_event(struct engine *e, struct event *ev, uint16_t type, const struct ev_param *params, uint32_t n)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->info = ev_info_get(type);
	ev->ts = e->last_ts;
	if (!ev->ts) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		ev->ts = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	}
	ev->tid = -1;
	ev->nparams = n;
	ev->lenwidth = (ev->info->flags & EF_LARGE_PAYLOAD) ? 4 : 2;
	memcpy(ev->params, params, n * sizeof(*params));
}

int engine_container_json(struct engine *e, const char *json, size_t len)
{
	struct event ev;
	struct ev_param p = { (const uint8_t *)json, (uint32_t)len + 1 };	/* with its NUL */
	synth_event(e, &ev, len + 1 > UINT16_MAX ? VG_EV_CONTAINER_JSON_2_E : VG_EV_CONTAINER_JSON_E, &p, 1);
	ev.num = ++e->seq;
	engine_event(e, &ev);
	return e->st.last_container ? 0 : -EINVAL;
}

void engine_container_users(struct engine *e, const struct container_info *ci)
{
	struct event ev;
	uint32_t flags = e->filter ? SCAP_DF_STATE_ONLY : 0;
	const uint8_t *cid = (const uint8_t *)ci->id;
	uint32_t cidlen = (uint32_t)strlen(ci->id) + 1;

	if (!e->writer || scap_writer__wants_state(e->writer))
		return;
	for (size_t i = 0; i < ci->users.cap; i++) {
		const struct user_info *u = ci->users.vals[i];
		if (!u)
			continue;
		struct ev_param p[6] = {
			{ (const uint8_t *)&u->uid, 4 }, { (const uint8_t *)&u->gid, 4 },
			{ (const uint8_t *)u->name, (uint32_t)strlen(u->name) + 1 },
			{ (const uint8_t *)u->home, (uint32_t)strlen(u->home) + 1 },
			{ (const uint8_t *)u->shell, (uint32_t)strlen(u->shell) + 1 }, { cid, cidlen },
		};
		synth_event(e, &ev, VG_EV_USER_ADDED_E, p, 6);
		write_one(e, &ev, flags);
	}
	for (size_t i = 0; i < ci->groups.cap; i++) {
		const struct group_info *g = ci->groups.vals[i];
		if (!g)
			continue;
		struct ev_param p[3] = {
			{ (const uint8_t *)&g->gid, 4 }, { (const uint8_t *)g->name, (uint32_t)strlen(g->name) + 1 },
			{ cid, cidlen },
		};
		synth_event(e, &ev, VG_EV_GROUP_ADDED_E, p, 3);
		write_one(e, &ev, flags);
	}
}

static int meta_proc(void *ud, const struct scap_proc_entry *p)
{
	return state_add_proc(ud, p);
}

static int meta_fd(void *ud, uint64_t tid, const struct scap_fd_entry *f)
{
	return state_add_fd(ud, tid, f);
}

static int meta_user(void *ud, const struct scap_user_entry *u)
{
	return state_add_user(ud, u);
}

static int meta_group(void *ud, const struct scap_group_entry *g)
{
	return state_add_group(ud, g);
}

static int meta_iface(void *ud, const struct scap_iface_entry *i)
{
	return state_add_iface(ud, i);
}

int engine_replay(struct engine *e, const char *path, char *err, size_t errlen)
{
	char msg[512];
	struct scap_reader *r = scap_reader__open(path, err, errlen);
	struct scap_block b;
	struct scap_meta_cb cb = { &e->st, meta_proc, meta_fd, meta_user, meta_group, meta_iface };
	struct event ev;
	int rc = 0;

	if (!r)
		return -(errno ? errno : EINVAL);
	while (!e->stop && (rc = scap_reader__next_block(r, &b)) > 0) {
		int prc = 0;
		switch (b.type) {
		case SCAP_BT_MI: case SCAP_BT_MI_INT: {
			struct scap_machine_info mi;
			prc = scap_parse_mi(&b, &mi, msg, sizeof(msg));
			if (!prc) {
				snprintf(e->st.hostname, sizeof(e->st.hostname), "%s", mi.hostname);
				e->st.num_cpus = mi.num_cpus;
				e->st.memory_size = mi.memory_size_bytes;
				e->st.max_pid = mi.max_pid;
				e->st.boot_ts = mi.boot_ts_epoch;
			}
			break;
		}
		case SCAP_BT_PL_V1: case SCAP_BT_PL_V1_INT: case SCAP_BT_PL_V2: case SCAP_BT_PL_V2_INT:
		case SCAP_BT_PL_V3: case SCAP_BT_PL_V3_INT: case SCAP_BT_PL_V4: case SCAP_BT_PL_V5:
		case SCAP_BT_PL_V6: case SCAP_BT_PL_V7: case SCAP_BT_PL_V8: case SCAP_BT_PL_V9:
			prc = scap_parse_proclist(&b, &cb, msg, sizeof(msg));
			break;
		case SCAP_BT_FDL: case SCAP_BT_FDL_INT: case SCAP_BT_FDL_V2:
			prc = scap_parse_fdlist(&b, &cb, msg, sizeof(msg));
			break;
		case SCAP_BT_UL: case SCAP_BT_UL_INT: case SCAP_BT_UL_V2:
			prc = scap_parse_userlist(&b, &cb, msg, sizeof(msg));
			break;
		case SCAP_BT_IL: case SCAP_BT_IL_INT: case SCAP_BT_IL_V2:
			prc = scap_parse_iflist(&b, &cb, msg, sizeof(msg));
			break;
		default:
			if (!scap_block_is_event(b.type))
				break;
			prc = scap_parse_event(&b, &ev, msg, sizeof(msg));
			if (prc == -ENOENT) {
				/* an event code vigil does not know: numbered, not dispatched;
				 * written as it is when nothing is filtered */
				e->stats.unknown_events++;
				e->seq++;
				prc = 0;
				if (e->writer && !e->filter) {
					write_state(e);
					write_one(e, &ev, 0);
				}
				break;
			}
			if (!prc) {
				ev.num = ++e->seq;
				engine_event(e, &ev);
			}
			break;
		}
		if (prc) {
			snprintf(err, errlen, "%s: block %s at byte offset %llu: %s", path,
				 scap_block_name(b.type) ? scap_block_name(b.type) : "?", (unsigned long long)b.offset, msg);
			scap_reader__free(r);
			return prc;
		}
	}
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, scap_reader__error(r));
	scap_reader__free(r);
	return rc < 0 ? rc : 0;
}
