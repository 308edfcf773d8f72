/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reload.c - hot reload of rules and configuration (see reload.h): a worker
 * thread woken by SIGHUP, requests and inotify prepares the new set, the
 * live loop swaps it in between two events, the worker frees the old one.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cli/reload.h"
#include "cli/session.h"
#include "common/diag.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "output/outputs.h"

#define RELOAD_DEBOUNCE_NS 100000000ull	/* quiet time after a file change */
#define RELOAD_MAX_WATCHES 256

int (*reload_policy_hook)(struct live_loop *lp, char *err, size_t errlen);
const char *const *reload_extra_watch;
size_t reload_nextra_watch;

/* A prepared set, or (retired) the one it replaced. */
struct prepared {
	struct cli_options opts;
	bool has_opts;
	struct ruleset *rs;
	struct outputs *outputs;	/* NULL: the outputs did not change */
	char *outputs_fp;
	size_t *carry;			/* new rule i's index in the running set, or SIZE_MAX */
	uint64_t t0;			/* when the preparation started (monotonic ns) */
	size_t nfiles;
};

struct watch {
	int wd;
	char name[NAME_MAX + 1];	/* "" : any *.yaml / *.yml of the directory */
};

struct reload {
	struct live_loop *lp;
	struct session *s;
	pthread_t th;
	bool started;
	int evfd;		/* requests and stop */
	int ino;		/* inotify, or -1 */
	bool watch;
	struct watch watches[RELOAD_MAX_WATCHES];
	size_t nwatches;
	atomic_bool stop;
	atomic_bool news;	/* something for the loop */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct prepared *ready;	/* worker -> loop */
	char *failure;		/* worker -> loop: the alert's message */
	struct prepared *retired;	/* loop -> worker */
	bool swapped;
	char *outputs_fp;	/* the running outputs' settings */
	char *watched;		/* the paths watched, joined */
	struct reload_stats st;
};

static struct reload *volatile g_reload;

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void reload_request(struct reload *rl)
{
	uint64_t one = 1;
	if (rl && write(rl->evfd, &one, sizeof(one)) < 0) {
		/* the counter is full: a reload is pending anyway */
	}
}

static void on_sighup(int sig)
{
	(void)sig;
	reload_request(g_reload);
}

/* What the outputs are built from: a new manager only when it changed. */
static char *outputs_fingerprint(struct session *s, const struct cli_options *o)
{
	struct strbuf sb;
	struct ruleset_opts ro;
	struct engine_opts eo = s->eo;	/* its host name, without asking the system again */
	struct outputs_globals g;
	strbuf_init(&sb);
	memset(&ro, 0, sizeof(ro));
	session_derive_opts(s, o, &ro, &eo);
	session_outputs_globals(s, o, &eo, &g);
	strbuf_addf(&sb, "json=%d,%d,%d,%d,%d iso=%d buffered=%d timeout=%llu queue=%llu\n", g.alert.json,
		    g.alert.json_include_output, g.alert.json_include_tags, g.alert.json_include_message,
		    g.alert.json_include_output_fields, g.alert.time_iso8601, g.buffered,
		    (unsigned long long)g.output_timeout_ms, (unsigned long long)g.queue_capacity);
	for (size_t i = 0; i < o->outputs.n; i++)
		strbuf_addf(&sb, "%s=%s\n", o->outputs.v[i].key, o->outputs.v[i].val);
	return strbuf_detach(&sb);
}

static void prepared_free(struct prepared *p)
{
	if (!p)
		return;
	if (p->outputs) {
		outputs__stop(p->outputs);
		outputs__free(p->outputs);
	}
	ruleset_free(p->rs);
	if (p->has_opts)
		cli_options_fini(&p->opts);
	free(p->outputs_fp);
	free(p->carry);
	free(p);
}

/* The rules paths of a set: -r's, or its rules_files. */
static size_t rules_paths(struct session *s, const struct cli_options *o, const char **out, size_t max)
{
	size_t n = 0;
	if (s->nrules_cli) {
		for (size_t i = 0; i < s->nrules_cli && n < max; i++)
			out[n++] = s->rules[i];
	} else if (s->rules_from_config) {
		for (int i = 0; i < o->nrules_files && n < max; i++)
			out[n++] = o->rules_files[i];
	}
	return n;
}

/* ------------------------------------------------------------------------
 * Watches: each configuration and rules file through its directory (an
 * editor may replace it by a rename), each rules directory for its YAML.
 * ------------------------------------------------------------------------ */

static void watch_path(struct reload *rl, const char *path)
{
	char dir[PATH_MAX];
	const char *name = "";
	struct stat sb;
	if (rl->nwatches == RELOAD_MAX_WATCHES)
		return;
	if (!stat(path, &sb) && S_ISDIR(sb.st_mode)) {
		snprintf(dir, sizeof(dir), "%s", path);
	} else {
		const char *slash = strrchr(path, '/');
		if (slash) {
			snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path) ? (int)(slash - path) : 1, path);
			name = slash + 1;
		} else {
			snprintf(dir, sizeof(dir), ".");
			name = path;
		}
	}
	int wd = inotify_add_watch(rl->ino, dir,
				   IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ONLYDIR);
	if (wd < 0) {
		log_warn("watch_config_files: cannot watch %s: %s", dir, strerror(errno));
		return;
	}
	struct watch *w = &rl->watches[rl->nwatches++];
	w->wd = wd;
	snprintf(w->name, sizeof(w->name), "%s", name);
}

/* (Re)build the watches when the paths to watch changed: the inotify
 * descriptor is kept otherwise, so that no change is missed. */
static void rewatch(struct reload *rl)
{
	const char *paths[64];
	struct strbuf fp;
	if (!rl->watch)
		return;
	size_t n = rules_paths(rl->s, &rl->s->opts, paths, 64);
	strbuf_init(&fp);
	for (size_t i = 0; i < rl->s->ncfg_paths; i++)
		strbuf_addf(&fp, "%s\n", rl->s->cfg_paths[i]);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&fp, "%s\n", paths[i]);
	for (size_t i = 0; i < reload_nextra_watch; i++)
		strbuf_addf(&fp, "%s\n", reload_extra_watch[i]);
	if (rl->ino >= 0 && rl->watched && !strcmp(rl->watched, fp.buf)) {
		strbuf_fini(&fp);
		return;
	}
	free(rl->watched);
	rl->watched = strbuf_detach(&fp);
	if (rl->ino >= 0)
		close(rl->ino);
	rl->nwatches = 0;
	rl->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (rl->ino < 0) {
		log_warn("watch_config_files: inotify: %s", strerror(errno));
		return;
	}
	for (size_t i = 0; i < rl->s->ncfg_paths; i++)
		watch_path(rl, rl->s->cfg_paths[i]);
	for (size_t i = 0; i < n; i++)
		watch_path(rl, paths[i]);
	for (size_t i = 0; i < reload_nextra_watch; i++)
		watch_path(rl, reload_extra_watch[i]);
}

static bool yaml_name(const char *n)
{
	size_t l = strlen(n);
	return (l > 5 && !strcmp(n + l - 5, ".yaml")) || (l > 4 && !strcmp(n + l - 4, ".yml"));
}

/* Read the pending inotify events: true when one concerns a watched file. */
static bool drain_inotify(struct reload *rl)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool hit = false;
	ssize_t n;
	while ((n = read(rl->ino, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			for (size_t i = 0; ev->len && i < rl->nwatches; i++)
				if (rl->watches[i].wd == ev->wd &&
				    (*rl->watches[i].name ? !strcmp(rl->watches[i].name, ev->name) : yaml_name(ev->name)))
					hit = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	return hit;
}

/* ------------------------------------------------------------------------
 * The worker
 * ------------------------------------------------------------------------ */

static void report_failure(struct reload *rl, const struct diag_list *dl, const char *extra)
{
	char *text = NULL, *first = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f) {
		diag_print(dl, f);
		if (extra)
			fprintf(f, "%s\n", extra);
		fclose(f);
	}
	fprintf(stderr, "vigil: reload failed; the running rules and configuration stay:\n%s", text ? text : "");
	/* the alert carries the first error's position and message */
	for (size_t i = 0; i < dl->n && !first; i++)
		if (dl->v[i].sev == DIAG_ERROR) {
			struct strbuf sb;
			strbuf_init(&sb);
			if (dl->v[i].file)
				strbuf_addf(&sb, "%s:%d:%d: ", dl->v[i].file, dl->v[i].line, dl->v[i].col);
			strbuf_adds(&sb, dl->v[i].msg);
			first = strbuf_detach(&sb);
		}
	if (!first)
		first = strdup(extra ? extra : "unknown error");
	pthread_mutex_lock(&rl->mu);
	free(rl->failure);
	rl->failure = first;
	rl->st.failed++;
	atomic_store(&rl->news, true);
	pthread_mutex_unlock(&rl->mu);
	free(text);
}

static void do_reload(struct reload *rl)
{
	struct session *s = rl->s;
	struct prepared *p = calloc(1, sizeof(*p));
	struct diag_list dl;
	char err[1024];
	const char *paths[64];
	int rc = 0;

	p->t0 = mono_ns();
	diag_list_init(&dl);
	cli_options_init(&p->opts);
	p->has_opts = true;
	for (size_t i = 0; i < s->ncfg_paths; i++)
		if (cli_options_load(&p->opts, s->cfg_paths[i], &dl))
			rc = -EINVAL;
	for (size_t i = 0; !rc && i < s->noverrides; i++)
		if (cli_options_set(&p->opts, s->overrides[i], err, sizeof(err))) {
			diag_add(&dl, DIAG_ERROR, NULL, 0, 0, NULL, 1, "-o %s", err);
			rc = -EINVAL;
		}
	if (!rc && cli_options_validate(&p->opts, err, sizeof(err))) {
		diag_add(&dl, DIAG_ERROR, NULL, 0, 0, NULL, 1, "%s", err);
		rc = -EINVAL;
	}
	size_t npaths = rules_paths(s, &p->opts, paths, 64);
	p->nfiles = npaths;
	if (!rc && npaths) {
		struct ruleset_opts ro = s->ro;
		struct engine_opts eo = s->eo;
		session_derive_opts(s, &p->opts, &ro, &eo);
		p->rs = ruleset_load(paths, npaths, &ro, &dl);
		if (!p->rs)
			rc = -EINVAL;
	}
	/* rules with an `action` are compiled into the kernel's policy tables
	 * at start, which point at them: not swapped under a running probe */
	bool acting = false;
	for (size_t i = 0; p->rs && i < p->rs->nrules; i++)
		acting |= p->rs->rules[i]->kform != NULL;
	for (size_t i = 0; s->rs && i < s->rs->nrules; i++)
		acting |= s->rs->rules[i]->in_kernel;
	if (!rc && acting) {
		diag_add(&dl, DIAG_ERROR, NULL, 0, 0, NULL, 1,
			 "rules with an action are compiled into the kernel at start; a reload cannot change them yet: restart vigil");
		rc = -EINVAL;
	}
	p->outputs_fp = outputs_fingerprint(s, &p->opts);
	if (!rc && strcmp(p->outputs_fp, rl->outputs_fp)) {
		struct engine_opts eo = s->eo;
		struct ruleset_opts ro = s->ro;
		struct outputs_globals g;
		session_derive_opts(s, &p->opts, &ro, &eo);
		session_outputs_globals(s, &p->opts, &eo, &g);
		p->outputs = outputs__new(&p->opts.outputs, &g, &dl);
		if (!p->outputs)
			rc = -EINVAL;
		else if (outputs__start(p->outputs, err, sizeof(err))) {
			diag_add(&dl, DIAG_ERROR, NULL, 0, 0, NULL, 1, "%s", err);
			rc = -EIO;
		}
	}
	if (!rc && reload_policy_hook && reload_policy_hook(rl->lp, err, sizeof(err))) {
		diag_add(&dl, DIAG_ERROR, NULL, 0, 0, NULL, 1, "TracingPolicy: %s", err);
		rc = -EINVAL;
	}
	if (!rc && (p->opts.web.enabled != s->opts.web.enabled || p->opts.web.listen_port != s->opts.web.listen_port ||
		    strcmp(p->opts.web.listen_address, s->opts.web.listen_address)))
		log_warn("reload: webserver.* changes take effect at the next start");
	if (rc) {
		report_failure(rl, &dl, NULL);
		diag_list_fini(&dl);
		prepared_free(p);
		return;
	}
	if (dl.nwarnings)
		diag_print(&dl, stderr);
	diag_list_fini(&dl);
	/* rule counters carry over to the rules of the same name */
	if (p->rs && s->rs) {
		p->carry = calloc(p->rs->nrules ? p->rs->nrules : 1, sizeof(size_t));
		for (size_t i = 0; i < p->rs->nrules; i++) {
			struct rule *old = ruleset_find(s->rs, p->rs->rules[i]->name);
			p->carry[i] = SIZE_MAX;
			for (size_t j = 0; old && j < s->rs->nrules; j++)
				if (s->rs->rules[j] == old)
					p->carry[i] = j;
		}
	}
	/* hand it to the loop, wait for the swap, free what it replaced */
	pthread_mutex_lock(&rl->mu);
	rl->ready = p;
	rl->swapped = false;
	atomic_store(&rl->news, true);
	while (!rl->swapped && !atomic_load(&rl->stop))
		pthread_cond_wait(&rl->cv, &rl->mu);
	struct prepared *old = rl->retired;
	rl->retired = NULL;
	if (!rl->swapped) {
		/* stopping before the loop took it */
		if (rl->ready == p)
			rl->ready = NULL;
		else
			p = NULL;	/* taken after all */
		pthread_mutex_unlock(&rl->mu);
		prepared_free(old);
		if (p)
			prepared_free(p);
		return;
	}
	double ms = rl->st.last_ms;
	pthread_mutex_unlock(&rl->mu);
	size_t nrules = s->rs ? s->rs->nrules : 0, nen = 0;
	for (size_t i = 0; i < nrules; i++)
		nen += s->rs->rules[i]->enabled;
	fprintf(stderr, "vigil: reload complete: %zu rules (%zu enabled) from %zu path%s, outputs %s, in %.1f ms\n", nrules,
		nen, npaths, npaths == 1 ? "" : "s", old && old->outputs ? "rebuilt" : "unchanged", ms);
	prepared_free(old);	/* drains the old outputs */
	rewatch(rl);
}

static void *worker(void *arg)
{
	struct reload *rl = arg;
	bool pending = false;
	uint64_t due = 0;
	while (!atomic_load(&rl->stop)) {
		struct pollfd pf[2] = { { rl->evfd, POLLIN, 0 }, { rl->ino, POLLIN, 0 } };
		int timeout = -1;
		if (pending) {
			uint64_t now = mono_ns();
			timeout = due > now ? (int)((due - now) / 1000000ull) + 1 : 0;
		}
		int n = poll(pf, rl->ino >= 0 ? 2 : 1, timeout);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && (pf[0].revents & POLLIN)) {
			uint64_t v;
			if (read(rl->evfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				break;
			if (atomic_load(&rl->stop))
				break;
			pending = true;
			due = mono_ns();
		}
		if (n > 0 && rl->ino >= 0 && (pf[1].revents & POLLIN) && drain_inotify(rl)) {
			pending = true;
			due = mono_ns() + RELOAD_DEBOUNCE_NS;
		}
		if (pending && mono_ns() >= due) {
			pending = false;
			fprintf(stderr, "vigil: reloading rules and configuration\n");
			do_reload(rl);
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------------
 * The loop's side
 * ------------------------------------------------------------------------ */

static uint64_t unix_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int reload_apply(struct reload *rl)
{
	if (!atomic_load_explicit(&rl->news, memory_order_acquire))
		return 0;
	struct session *s = rl->s;
	pthread_mutex_lock(&rl->mu);
	atomic_store(&rl->news, false);
	struct prepared *p = rl->ready;
	char *failure = rl->failure;
	rl->ready = NULL;
	rl->failure = NULL;
	pthread_mutex_unlock(&rl->mu);
	if (failure) {
		char msg[2048];
		snprintf(msg, sizeof(msg), "vigil: rules and configuration reload failed, the running set stays: %s",
			 failure);
		engine_internal_alert(&s->e, unix_ns(), PRIO_ERROR, "vigil internal: reload failed", msg, NULL, 0);
		free(failure);
	}
	if (!p)
		return 0;

	struct prepared *old = calloc(1, sizeof(*old));
	if (p->rs && s->rs && p->carry)
		for (size_t i = 0; i < p->rs->nrules; i++)
			if (p->carry[i] != SIZE_MAX)
				p->rs->rules[i]->matches = s->rs->rules[p->carry[i]]->matches;
	/* rules */
	old->rs = s->rs;
	s->rs = p->rs;
	s->e.rs = p->rs;
	p->rs = NULL;
	/* configuration: the engine's options, log level, drop settings */
	old->opts = s->opts;
	old->has_opts = true;
	s->opts = p->opts;
	p->has_opts = false;
	session_derive_opts(s, &s->opts, &s->ro, &s->eo);
	s->e.opts.matching = s->eo.matching;
	s->e.opts.evaluate_enter = s->eo.evaluate_enter;
	s->e.opts.alert = s->eo.alert;
	log_set_level(s->opts.log_level);
	const struct cli_options *oo = &old->opts, *no = &s->opts;
	if (oo->drops_threshold != no->drops_threshold || oo->drops_actions != no->drops_actions ||
	    oo->drops_rate != no->drops_rate || oo->drops_max_burst != no->drops_max_burst ||
	    oo->drops_simulate != no->drops_simulate)
		engine_set_drops(&s->e, no->drops_threshold, no->drops_actions, no->drops_rate, no->drops_max_burst,
				 no->drops_simulate);
	/* outputs */
	if (p->outputs) {
		old->outputs = s->outputs;
		session_swap_outputs(s, p->outputs);
		p->outputs = NULL;
		free(rl->outputs_fp);
		rl->outputs_fp = p->outputs_fp;
		p->outputs_fp = NULL;
	}
	/* the kernel side follows the new rules */
	live_loop_set_interesting(rl->lp);
	uint64_t t0 = p->t0;
	prepared_free(p);

	pthread_mutex_lock(&rl->mu);
	rl->retired = old;
	rl->swapped = true;
	rl->st.ok++;
	rl->st.last_ok_unix_ns = unix_ns();
	rl->st.last_ms = (double)(mono_ns() - t0) / 1e6;
	pthread_cond_broadcast(&rl->cv);
	pthread_mutex_unlock(&rl->mu);
	return 1;
}

void reload_get_stats(struct reload *rl, struct reload_stats *out)
{
	pthread_mutex_lock(&rl->mu);
	*out = rl->st;
	pthread_mutex_unlock(&rl->mu);
}

struct reload *reload_start(struct live_loop *lp, bool watch, char *err, size_t errlen)
{
	struct reload *rl = calloc(1, sizeof(*rl));
	if (!rl) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rl->lp = lp;
	rl->s = lp->s;
	rl->ino = -1;
	rl->watch = watch;
	pthread_mutex_init(&rl->mu, NULL);
	pthread_cond_init(&rl->cv, NULL);
	rl->outputs_fp = outputs_fingerprint(rl->s, &rl->s->opts);
	rl->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (rl->evfd < 0) {
		snprintf(err, errlen, "reload: eventfd: %s", strerror(errno));
		free(rl->outputs_fp);
		free(rl);
		return NULL;
	}
	rewatch(rl);
	/* the worker must not take the loop's signals */
	sigset_t all, prev;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &prev);
	int rc = pthread_create(&rl->th, NULL, worker, rl);
	pthread_sigmask(SIG_SETMASK, &prev, NULL);
	if (rc) {
		snprintf(err, errlen, "reload: cannot start its thread: %s", strerror(rc));
		reload_stop(rl);
		return NULL;
	}
	rl->started = true;
	g_reload = rl;
	struct sigaction sa = { .sa_handler = on_sighup, .sa_flags = SA_RESTART };
	sigaction(SIGHUP, &sa, NULL);
	return rl;
}

void reload_stop(struct reload *rl)
{
	if (!rl)
		return;
	signal(SIGHUP, SIG_DFL);
	g_reload = NULL;
	if (rl->started) {
		pthread_mutex_lock(&rl->mu);
		atomic_store(&rl->stop, true);
		pthread_cond_broadcast(&rl->cv);
		pthread_mutex_unlock(&rl->mu);
		reload_request(rl);
		pthread_join(rl->th, NULL);
	}
	prepared_free(rl->ready);
	prepared_free(rl->retired);
	free(rl->failure);
	free(rl->outputs_fp);
	free(rl->watched);
	if (rl->ino >= 0)
		close(rl->ino);
	close(rl->evfd);
	pthread_cond_destroy(&rl->cv);
	pthread_mutex_destroy(&rl->mu);
	free(rl);
}
