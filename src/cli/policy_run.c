/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_run.c - TracingPolicies in `vigil run` (policy_run.h): loading
 * with diagnostics, compiling for the probe, writing the probe's policy
 * events as Tetragon events (one per line, flushed at once: an action taken
 * is reported as it happens), and live changes: policy_run_replace() and
 * the control socket (`vigil policy add FILE`, `delete NAME`, `list`).
 *
 * Control protocol (unix stream socket, one request per connection): the
 * client sends a command line ("add FILE", "delete NAME", "list"), for add
 * the policy's YAML after it, and shuts its side down; vigil answers "ok" or
 * "error" on the first line, then the details (diagnostics as file:line:col,
 * or the list), and closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "capture/live.h"
#include "cli/policy_run.h"
#include "common/diag.h"
#include "event/event.h"
#include "policy/from_rule.h"
#include "policy/pevent.h"
#include "rules/act.h"
#include "rules/ruleset.h"
#include "state/state.h"

static struct pol_kernel_opts kopts(const struct policy_run *pr, unsigned gen)
{
	return (struct pol_kernel_opts){ .monitor = pr->lopts.force_monitor, .gen = gen, .split_bins = pr->dynamic,
					 .dynamic = pr->dynamic };
}

static void sources_free(struct policy_run *pr)
{
	for (size_t i = 0; i < pr->nsrc; i++) {
		free(pr->src[i].file);
		free(pr->src[i].text);
	}
	free(pr->src);
	pr->src = NULL;
	pr->nsrc = 0;
}

/* The texts the policies of `ps` come from, each once, in order. */
static void sources_from_set(struct policy_run *pr, const struct policy_set *ps)
{
	sources_free(pr);
	for (size_t i = 0; i < ps->n; i++) {
		const struct policy *p = ps->v[i];
		if (p->rule)
			continue;	/* compiled from a rule (from_rule.c), not a policy text */
		const char *file = p->file ? p->file : "-";
		bool seen = false;
		for (size_t k = 0; k < pr->nsrc && !seen; k++)
			seen = !strcmp(pr->src[k].file, file) && pr->src[k].len == p->text_len &&
			       !memcmp(pr->src[k].text, p->text, p->text_len);
		if (seen || !p->text)
			continue;
		pr->src = realloc(pr->src, (pr->nsrc + 1) * sizeof(*pr->src));
		struct policy_src *s = &pr->src[pr->nsrc++];
		s->file = strdup(file);
		s->text = malloc(p->text_len + 1);
		memcpy(s->text, p->text, p->text_len);
		s->text[p->text_len] = 0;
		s->len = p->text_len;
	}
}

int policy_run_load(struct policy_run *pr, const char *const *paths, size_t n, const struct policy_load_opts *o,
		    const char *events, bool compact, bool dynamic)
{
	struct diag_list dl;
	char err[512];
	memset(pr, 0, sizeof(*pr));
	pthread_mutex_init(&pr->lock, NULL);
	pthread_mutex_init(&pr->chg, NULL);
	pr->srv_fd = pr->srv_stop[0] = pr->srv_stop[1] = -1;
	for (int g = 0; g < 2; g++)
		policy_set_init(&pr->gen[g].ps);
	strbuf_init(&pr->line);
	pr->compact = compact;
	pr->dynamic = dynamic;
	if (o)
		pr->lopts = *o;
	diag_list_init(&dl);
	for (size_t i = 0; i < n; i++)
		policy_load_path(&pr->gen[0].ps, paths[i], o, &dl);
	if (o && o->rules)
		policy_from_rules(&pr->gen[0].ps, o->rules, o, &dl);
	diag_print(&dl, stderr);
	size_t nerr = dl.nerrors;
	diag_list_fini(&dl);
	if (nerr) {
		fprintf(stderr, "vigil: %zu error%s in the policies: nothing is enforced\n", nerr, nerr == 1 ? "" : "s");
		return -EINVAL;
	}
	struct pol_kernel_opts ko = kopts(pr, 0);
	if (pol_kernel_build(&pr->gen[0].k, &pr->gen[0].ps, &ko, err, sizeof(err))) {
		fprintf(stderr, "vigil: cannot compile the policies for the probe: %s\n", err);
		return -EINVAL;
	}
	pr->gen[0].built = true;
	sources_from_set(pr, &pr->gen[0].ps);
	if (events && strcmp(events, "-")) {
		pr->out = fopen(events, "a");
		if (!pr->out) {
			fprintf(stderr, "vigil: cannot open %s: %s\n", events, strerror(errno));
			return -errno;
		}
		pr->own_out = true;
	} else {
		pr->out = stdout;
	}
	return 0;
}

const struct pol_kernel *policy_run_kernel(struct policy_run *pr)
{
	return &pr->gen[pr->cur].k;
}

void policy_run_counts(struct policy_run *pr, size_t *npolicies, size_t *nhooks)
{
	pthread_mutex_lock(&pr->lock);
	*npolicies = pr->gen[pr->cur].ps.n;
	*nhooks = pr->gen[pr->cur].k.nhooks;
	pthread_mutex_unlock(&pr->lock);
}

void policy_run_attach(struct policy_run *pr, struct live *l)
{
	pthread_mutex_lock(&pr->chg);
	if (!l && pr->live)
		pr->stopping = true;
	pr->live = l;
	pthread_mutex_unlock(&pr->chg);
}

int policy_run_replace(struct policy_run *pr, struct policy_set *next, char *err, size_t errlen)
{
	int rc = 0;
	pthread_mutex_lock(&pr->chg);
	if (!pr->dynamic) {
		snprintf(err, errlen, "live policy changes are off (vigil run --policy-socket turns them on)");
		rc = -ENOTSUP;
		goto out;
	}
	if (pr->stopping) {
		snprintf(err, errlen, "vigil is stopping: the probe is gone");
		rc = -ESHUTDOWN;
		goto out;
	}
	unsigned ng = pr->cur ^ 1;
	struct pol_kernel k;
	struct pol_kernel_opts ko = kopts(pr, ng);
	if ((rc = pol_kernel_build(&k, next, &ko, err, errlen)))
		goto out;
	if (pr->live && (rc = live_policy_swap(pr->live, &k, pr->gen[pr->cur].built ? &pr->gen[pr->cur].k : NULL,
					       err, errlen))) {
		pol_kernel_free(&k);
		goto out;
	}
	pthread_mutex_lock(&pr->lock);
	if (pr->gen[ng].built)
		pol_kernel_free(&pr->gen[ng].k);
	policy_set_free(&pr->gen[ng].ps);
	pr->gen[ng].ps = *next;
	pr->gen[ng].k = k;
	pr->gen[ng].built = true;
	pr->cur = ng;
	pthread_mutex_unlock(&pr->lock);
	policy_set_init(next);
	sources_from_set(pr, &pr->gen[ng].ps);
out:
	policy_set_free(next);
	pthread_mutex_unlock(&pr->chg);
	return rc;
}

void policy_run_event(struct policy_run *pr, struct state *st, const struct event *ev)
{
	const char *node = st->hostname[0] ? st->hostname : "localhost";
	pthread_mutex_lock(&pr->lock);
	strbuf_reset(&pr->line);
	/* the generation in force, or the one before (events still in the rings) */
	int rc = -1;
	for (unsigned i = 0; i < 2 && rc; i++) {
		struct policy_gen *g = &pr->gen[pr->cur ^ i];
		if (g->built) {
			strbuf_reset(&pr->line);
			rc = pol_event_json(&g->k, st, ev, node, &pr->line, NULL);
		}
	}
	if (rc) {
		pr->nbad++;
		pthread_mutex_unlock(&pr->lock);
		return;
	}
	pr->nevents++;
	if (pr->compact) {
		struct strbuf c;
		strbuf_init(&c);
		if (!pol_event_compact(pr->line.buf, &c))
			fprintf(pr->out, "%s\n", c.buf);
		strbuf_fini(&c);
	} else {
		fprintf(pr->out, "%s\n", pr->line.buf);
	}
	fflush(pr->out);
	pthread_mutex_unlock(&pr->lock);
}

struct rule *policy_run_rule_of(struct policy_run *pr, const struct event *ev, const char **what, char *buf,
				size_t len)
{
	uint32_t hook, flags;
	struct rule *r = NULL;
	if (ev->type != VG_EV_POLICY_E || ev->nparams < VG_POL_EV_NPARAMS || !ev_param_u32(&ev->params[0], &hook) ||
	    !ev_param_u32(&ev->params[3], &flags))
		return NULL;
	pthread_mutex_lock(&pr->lock);
	/* the generation of tables the hook id is in (as policy_run_event) */
	for (unsigned i = 0; i < 2 && !r; i++) {
		const struct policy_gen *g = &pr->gen[pr->cur ^ i];
		if (!g->built || hook < g->k.hook_base || hook - g->k.hook_base >= g->k.nhooks)
			continue;
		const struct policy *p = g->k.info[hook - g->k.hook_base].p;
		if (p && p->rule) {
			r = (struct rule *)p->rule;
			*what = rule_action_done(r->kform, (flags & (VG_POL_EF_MONITOR | VG_POL_EF_PROTECTED)) != 0, buf,
						 len);
		}
	}
	pthread_mutex_unlock(&pr->lock);
	return r;
}

void policy_run_print_stats(struct policy_run *pr, const struct vg_pol_counters *c, FILE *f)
{
	pthread_mutex_lock(&pr->lock);
	const struct policy_gen *g = &pr->gen[pr->cur];
	fprintf(f,
		"policies: %zu loaded, %zu hooks; %llu hooked calls, %llu matched, %llu signals sent, "
		"%llu not enforced (monitor or pid 1), %llu denied at a deny point, %llu rate-limited; %llu events written, "
		"%llu malformed\n",
		g->ps.n, g->k.nhooks, (unsigned long long)c->n_hooked, (unsigned long long)c->n_matched,
		(unsigned long long)c->n_signals, (unsigned long long)c->n_skipped, (unsigned long long)c->n_denied,
		(unsigned long long)c->n_ratelimited, (unsigned long long)pr->nevents, (unsigned long long)pr->nbad);
	pthread_mutex_unlock(&pr->lock);
}

/* ---- the control socket ---- */

static bool has_name(const struct policy_set *ps, const char *name)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i]->name && !strcmp(ps->v[i]->name, name))
			return true;
	return false;
}

/* A new set from the sources in force plus (file, text), without `drop`;
 * a name defined twice keeps its last definition. Diagnostics go to msg. */
static int rebuild(struct policy_run *pr, const char *file, const char *text, size_t len, const char *drop,
		   struct policy_set *out, FILE *msg)
{
	struct diag_list dl;
	diag_list_init(&dl);
	policy_set_init(out);
	for (size_t i = 0; i < pr->nsrc; i++)
		policy_load_text(out, pr->src[i].file, pr->src[i].text, pr->src[i].len, &pr->lopts, &dl);
	if (text)
		policy_load_text(out, file, text, len, &pr->lopts, &dl);
	if (pr->lopts.rules)
		policy_from_rules(out, pr->lopts.rules, &pr->lopts, &dl);
	diag_print(&dl, msg);
	size_t nerr = dl.nerrors;
	diag_list_fini(&dl);
	if (nerr)
		return -EINVAL;
	/* the names in force, less the dropped one, plus the new ones */
	const struct policy_set *cur = &pr->gen[pr->cur].ps;
	size_t n = 0;
	for (size_t i = 0; i < out->n; i++) {
		const struct policy *p = out->v[i];
		bool later = false;
		for (size_t k = i + 1; k < out->n && !later; k++)
			later = !strcmp(out->v[k]->name, p->name);
		bool fresh = text && p->text && p->text_len == len && !memcmp(p->text, text, len) &&
			     !strcmp(p->file ? p->file : "-", file);
		bool keep = !later && (fresh || has_name(cur, p->name)) && !(drop && !strcmp(drop, p->name));
		if (keep)
			out->v[n++] = out->v[i];
	}
	out->n = n;
	return 0;
}

static void ctl_add(struct policy_run *pr, const char *file, const char *text, size_t len, FILE *ans)
{
	char *buf = NULL;
	size_t blen = 0;
	FILE *msg = open_memstream(&buf, &blen);
	struct policy_set alone, next;
	struct diag_list dl;
	diag_list_init(&dl);
	policy_set_init(&alone);
	policy_load_text(&alone, file, text, len, &pr->lopts, &dl);
	diag_print(&dl, msg);
	bool bad = dl.nerrors || !alone.n;
	diag_list_fini(&dl);
	if (!bad && !alone.n)
		fprintf(msg, "%s: no TracingPolicy in it\n", file);
	for (size_t i = 0; !bad && i < alone.n; i++)
		if (has_name(&pr->gen[pr->cur].ps, alone.v[i]->name)) {
			fprintf(msg, "policy %s is already loaded (delete it first)\n", alone.v[i]->name);
			bad = true;
		}
	char err[512] = "";
	if (!bad && rebuild(pr, file, text, len, NULL, &next, msg) == 0) {
		if (policy_run_replace(pr, &next, err, sizeof(err))) {
			fprintf(msg, "%s\n", err);
			bad = true;
		}
	} else {
		bad = true;
	}
	fclose(msg);
	fprintf(ans, "%s\n", bad ? "error" : "ok");
	if (!bad)
		for (size_t i = 0; i < alone.n; i++)
			fprintf(ans, "added %s\n", alone.v[i]->name);
	fputs(buf ? buf : "", ans);
	free(buf);
	policy_set_free(&alone);
}

static void ctl_delete(struct policy_run *pr, const char *name, FILE *ans)
{
	char err[512] = "";
	if (!has_name(&pr->gen[pr->cur].ps, name)) {
		fprintf(ans, "error\nno policy named %s is loaded\n", name);
		return;
	}
	struct policy_set next;
	if (rebuild(pr, NULL, NULL, 0, name, &next, stderr) || policy_run_replace(pr, &next, err, sizeof(err))) {
		fprintf(ans, "error\n%s\n", err);
		return;
	}
	fprintf(ans, "ok\ndeleted %s\n", name);
}

static void ctl_list(struct policy_run *pr, FILE *ans)
{
	pthread_mutex_lock(&pr->lock);
	const struct policy_gen *g = &pr->gen[pr->cur];
	fprintf(ans, "ok\n%-32s %-8s %-6s %s\n", "NAME", "MODE", "HOOKS", "FILE");
	for (size_t i = 0; i < g->ps.n; i++) {
		const struct policy *p = g->ps.v[i];
		bool mon = p->mode == PM_MONITOR || pr->lopts.force_monitor;
		fprintf(ans, "%-32s %-8s %-6zu %s\n", p->name, mon ? "monitor" : "enforce", p->hooks.n,
			p->file ? p->file : "-");
	}
	pthread_mutex_unlock(&pr->lock);
}

static void serve_one(struct policy_run *pr, int c)
{
	struct timeval tv = { .tv_sec = 5 };
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char *req = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > (8u << 20))
				break;
			req = realloc(req, cap);
		}
		ssize_t n = read(c, req + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	char *ans = NULL;
	size_t alen = 0;
	FILE *a = open_memstream(&ans, &alen);
	if (!req || !len) {
		fprintf(a, "error\nempty request\n");
	} else {
		req[len] = 0;
		char *nl = strchr(req, '\n');
		char *body = nl ? nl + 1 : req + len;
		if (nl)
			*nl = 0;
		size_t blen = len - (size_t)(body - req);
		if (!strncmp(req, "add ", 4))
			ctl_add(pr, req + 4, body, blen, a);
		else if (!strncmp(req, "delete ", 7))
			ctl_delete(pr, req + 7, a);
		else if (!strcmp(req, "list"))
			ctl_list(pr, a);
		else
			fprintf(a, "error\nunknown request '%s' (add FILE, delete NAME, list)\n", req);
	}
	fclose(a);
	for (size_t off = 0; off < alen;) {
		ssize_t w = write(c, ans + off, alen - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	free(ans);
	free(req);
}

static void *srv_main(void *arg)
{
	struct policy_run *pr = arg;
	struct pollfd pf[2] = { { .fd = pr->srv_fd, .events = POLLIN }, { .fd = pr->srv_stop[0], .events = POLLIN } };
	for (;;) {
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[1].revents)
			break;
		if (!(pf[0].revents & POLLIN))
			continue;
		int c = accept4(pr->srv_fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		serve_one(pr, c);
		close(c);
	}
	return NULL;
}

int policy_run_serve(struct policy_run *pr, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vigil: --policy-socket: path too long: %s\n", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	if (!strcmp(path, POLICY_SOCKET_DEFAULT))
		mkdir("/run/vigil", 0700);
	pr->srv_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct stat sb;
	if (!lstat(path, &sb) && S_ISSOCK(sb.st_mode)) {
		/* a socket nobody answers on is a leftover of a vigil that died */
		int t = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (t >= 0 && connect(t, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(t);
			fprintf(stderr, "vigil: --policy-socket: another vigil serves %s\n", path);
			return -EADDRINUSE;
		}
		if (t >= 0)
			close(t);
		unlink(path);
	}
	mode_t old = umask(0077);	/* root only: it changes what is enforced */
	int rc = bind(pr->srv_fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc || listen(pr->srv_fd, 8) || pipe2(pr->srv_stop, O_CLOEXEC)) {
		fprintf(stderr, "vigil: --policy-socket %s: %s\n", path, strerror(errno));
		return -errno;
	}
	pr->sock_path = strdup(path);
	if ((rc = pthread_create(&pr->srv, NULL, srv_main, pr))) {
		fprintf(stderr, "vigil: --policy-socket: %s\n", strerror(rc));
		return -rc;
	}
	pr->serving = true;
	return 0;
}

void policy_run_fini(struct policy_run *pr)
{
	if (pr->serving) {
		ssize_t w = write(pr->srv_stop[1], "x", 1);
		(void)w;
		pthread_join(pr->srv, NULL);
	}
	if (pr->srv_fd >= 0)
		close(pr->srv_fd);
	for (int i = 0; i < 2; i++)
		if (pr->srv_stop[i] >= 0)
			close(pr->srv_stop[i]);
	if (pr->sock_path) {
		unlink(pr->sock_path);
		free(pr->sock_path);
	}
	if (pr->own_out && pr->out)
		fclose(pr->out);
	for (int g = 0; g < 2; g++) {
		if (pr->gen[g].built)
			pol_kernel_free(&pr->gen[g].k);
		policy_set_free(&pr->gen[g].ps);
	}
	sources_free(pr);
	strbuf_fini(&pr->line);
	pthread_mutex_destroy(&pr->lock);
	pthread_mutex_destroy(&pr->chg);
	memset(pr, 0, sizeof(*pr));
}

int policy_ctl(const char *path, const char *cmd, const char *body, size_t len, FILE *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;
		if (s >= 0)
			close(s);
		return -e;
	}
	struct strbuf req;
	strbuf_init(&req);
	strbuf_addf(&req, "%s\n", cmd);
	if (body)
		strbuf_add(&req, body, len);
	for (size_t off = 0; off < req.len;) {
		ssize_t w = write(s, req.buf + off, req.len - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	strbuf_fini(&req);
	shutdown(s, SHUT_WR);
	char buf[4096];
	ssize_t n;
	int rc = 1;
	bool first = true;
	size_t skip = 0;
	while ((n = read(s, buf, sizeof(buf))) > 0) {
		size_t off = 0;
		if (first) {
			first = false;
			rc = n >= 3 && !memcmp(buf, "ok\n", 3) ? 0 : 1;
			char *nl = memchr(buf, '\n', (size_t)n);
			skip = nl ? (size_t)(nl - buf) + 1 : (size_t)n;
			off = skip;
		}
		fwrite(buf + off, 1, (size_t)n - off, out);
	}
	close(s);
	return rc;
}
