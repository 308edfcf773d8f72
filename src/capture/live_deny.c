/* SPDX-License-Identifier: Apache-2.0 */
/*
 * live_deny.c - the deny points of Override (spec §5.3) in the live probe.
 * The sys_enter program evaluates the selectors and arms vg_pol_pending[tid]
 * (events.h); this file puts the deny points in place and takes them away:
 *
 * - cgroup/connect4/6, bind4/6, sendmsg4/6 and sock_create programs attached
 *   to the root cgroup v2 through BPF links (multi-attach: other agents'
 *   programs keep running; closing the links detaches them, so a vigil that
 *   dies leaves nothing attached);
 * - a fanotify group (FAN_CLASS_CONTENT, FAN_REPORT_TID) with FAN_OPEN_PERM
 *   and FAN_OPEN_EXEC_PERM marks derived from the Override selectors: an
 *   inode mark per Equal path, a filesystem mark for Prefix values or when
 *   no path filter narrows the selector. A responder thread answers every
 *   permission event at once: FAN_DENY (EPERM) when the thread that opens
 *   has an Override armed by the same syscall (checked in
 *   /proc/<tid>/syscall), FAN_ALLOW otherwise or on any doubt. It never
 *   opens a file on a marked filesystem (procfs only) and never waits on
 *   the event loop. When vigil exits or dies, the kernel allows whatever is
 *   still pending as the group fd closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "capture/live.h"
#include "capture/live_policy.h"

#ifdef VIGIL_HAVE_BPF

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "vigil.skel.h"

#define DENY_MAX_LINKS 8

struct live_deny {
	struct bpf_link *links[DENY_MAX_LINKS];
	int nlinks;
	int fan;		/* fanotify group, -1 none */
	int stop[2];		/* wakes the responder up to exit */
	int pending;		/* vg_pol_pending map fd */
	pthread_t thread;
	bool running;
	/* written by the responder only */
	_Atomic unsigned long long nallowed, ndenied;
};

static const struct {
	const char *prog;
	unsigned route;
} cgroup_progs[] = {
	{ "vg_pol_connect4", POL_ROUTE_CONNECT }, { "vg_pol_connect6", POL_ROUTE_CONNECT },
	{ "vg_pol_bind4", POL_ROUTE_BIND },	  { "vg_pol_bind6", POL_ROUTE_BIND },
	{ "vg_pol_sendmsg4", POL_ROUTE_SENDMSG }, { "vg_pol_sendmsg6", POL_ROUTE_SENDMSG },
	{ "vg_pol_sock_create", POL_ROUTE_SOCKET },
};

void live_deny_prepare(struct vigil_bpf *skel, const struct pol_kernel *k)
{
	for (size_t i = 0; i < sizeof(cgroup_progs) / sizeof(cgroup_progs[0]); i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(skel->obj, cgroup_progs[i].prog);
		if (p)
			bpf_program__set_autoload(p, k && (k->dynamic || (k->routes & cgroup_progs[i].route)));
	}
}

/* The syscalls a fanotify event kind stands for. */
static bool open_nr(int nr)
{
	unsigned r = pol_route_of(nr);
	return r == POL_ROUTE_OPEN;
}

static bool exec_nr(int nr)
{
	return pol_route_of(nr) == POL_ROUTE_EXEC;
}

/* The syscall thread tid is blocked in, from /proc (procfs: never marked). */
static int current_syscall(pid_t tid)
{
	char path[64], buf[64];
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *end;
	long nr = strtol(buf, &end, 10);
	return end == buf ? -1 : (int)nr;
}

static bool decide_deny(struct live_deny *d, const struct fanotify_event_metadata *m)
{
	uint32_t tid = (uint32_t)m->pid;
	struct vg_pol_pending p;
	if (bpf_map_lookup_elem(d->pending, &tid, &p))
		return false;
	bool kind_ok = ((m->mask & FAN_OPEN_EXEC_PERM) && exec_nr((int)p.nr)) ||
		       ((m->mask & FAN_OPEN_PERM) && open_nr((int)p.nr));
	if (!kind_ok)
		return false;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (now > p.ts && now - p.ts > VG_POL_PENDING_TTL_NS)
		return false;
	if (current_syscall((pid_t)tid) != (int)p.nr)
		return false;
	bpf_map_delete_elem(d->pending, &tid);
	return true;
}

static void *responder(void *arg)
{
	struct live_deny *d = arg;
	char buf[16384] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
	struct pollfd pf[2] = { { .fd = d->fan, .events = POLLIN }, { .fd = d->stop[0], .events = POLLIN } };
	for (;;) {
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[1].revents)
			break;
		ssize_t n = read(d->fan, buf, sizeof(buf));
		if (n <= 0)
			continue;
		const struct fanotify_event_metadata *m = (const void *)buf;
		for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
			if (m->fd < 0)
				continue;
			struct fanotify_response r = { .fd = m->fd, .response = FAN_ALLOW };
			if ((m->mask & (FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM)) && decide_deny(d, m)) {
				r.response = FAN_DENY;
				d->ndenied++;
			} else {
				d->nallowed++;
			}
			/* an unanswered event would hold its opener until vigil exits */
			while (write(d->fan, &r, sizeof(r)) < 0 && errno == EINTR)
				;
			close(m->fd);
		}
	}
	return NULL;
}

/* Marks for one Override selector of an open/exec hook. */
static int mark_selector(struct live_deny *d, const struct pol_hook *h, const struct pol_selector *s, uint64_t mask,
			 char *err, size_t errlen)
{
	bool narrowed = false;
	for (size_t i = 0; i < s->args.n; i++) {
		const struct pol_argfilter *f = &s->args.v[i];
		if (f->argpos < 0 || (size_t)f->argpos >= h->args.n || h->args.v[f->argpos].type != PT_STRING)
			continue;
		if (f->op != PO_EQUAL && f->op != PO_PREFIX)
			continue;
		bool all = true;
		for (size_t k = 0; k < f->vals.n; k++) {
			const char *v = f->vals.v[k].s;
			if (v[0] != '/') {
				all = false;
				continue;
			}
			if (f->op == PO_EQUAL) {
				if (!fanotify_mark(d->fan, FAN_MARK_ADD, mask, AT_FDCWD, v))
					continue;
				/* not there yet: its directory, for its children */
				char dir[PATH_MAX];
				snprintf(dir, sizeof(dir), "%s", v);
				char *slash = strrchr(dir, '/');
				if (slash == dir)
					slash[1] = 0;
				else if (slash)
					*slash = 0;
				if (!fanotify_mark(d->fan, FAN_MARK_ADD, mask | FAN_EVENT_ON_CHILD, AT_FDCWD, dir))
					continue;
			} else {
				/* the filesystem of the longest existing directory of the prefix */
				char dir[PATH_MAX];
				snprintf(dir, sizeof(dir), "%s", v);
				struct stat sb;
				while (stat(dir, &sb) || !S_ISDIR(sb.st_mode)) {
					char *slash = strrchr(dir, '/');
					if (!slash || slash == dir) {
						strcpy(dir, "/");
						break;
					}
					*slash = 0;
				}
				if (!fanotify_mark(d->fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask, AT_FDCWD, dir))
					continue;
			}
			all = false;
		}
		if (all && f->vals.n)
			narrowed = true;
	}
	if (narrowed)
		return 0;
	/* nothing narrows it to known paths: the whole root filesystem */
	if (fanotify_mark(d->fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask, AT_FDCWD, "/")) {
		snprintf(err, errlen, "cannot put a fanotify mark on /: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int fanotify_setup(struct live_deny *d, const struct pol_kernel *k, char *err, size_t errlen)
{
	d->fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_TID,
			       O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (d->fan < 0) {
		snprintf(err, errlen, "cannot create the fanotify group of the open/exec deny point: %s",
			 strerror(errno));
		return -errno;
	}
	for (size_t i = 0; i < k->nhooks; i++) {
		const struct pol_hook *h = k->info[i].h;
		uint64_t mask = 0;
		for (size_t n = 0; n < h->nnrs; n++)
			mask |= pol_route_of(h->nrs[n]) == POL_ROUTE_OPEN ? FAN_OPEN_PERM
				: pol_route_of(h->nrs[n]) == POL_ROUTE_EXEC ? FAN_OPEN_EXEC_PERM : 0;
		if (!mask || (k->hooks[i].flags & VG_POL_HF_MONITOR))
			continue;
		for (size_t s = 0; s < h->sels.n; s++) {
			const struct pol_selector *sel = &h->sels.v[s];
			bool ovr = false;
			for (size_t a = 0; a < sel->actions.n; a++)
				ovr |= sel->actions.v[a].type == PA_OVERRIDE;
			int rc;
			if (ovr && (rc = mark_selector(d, h, sel, mask, err, errlen)))
				return rc;
		}
	}
	if (pipe2(d->stop, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -errno;
	}
	int rc = pthread_create(&d->thread, NULL, responder, d);
	if (rc) {
		snprintf(err, errlen, "cannot start the fanotify responder: %s", strerror(rc));
		return -rc;
	}
	d->running = true;
	return 0;
}

int live_deny_start(struct vigil_bpf *skel, const struct pol_kernel *k, struct live_deny **out, char *err,
		    size_t errlen)
{
	*out = NULL;
	if (!k || !k->routes)
		return 0;
	struct live_deny *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->fan = -1;
	d->stop[0] = d->stop[1] = -1;
	d->pending = bpf_map__fd(skel->maps.vg_pol_pending);
	*out = d;
	if (k->routes & (POL_ROUTE_CONNECT | POL_ROUTE_BIND | POL_ROUTE_SENDMSG | POL_ROUTE_SOCKET)) {
		char root[PATH_MAX];
		if (live_cgroup2_root(root, sizeof(root))) {
			snprintf(err, errlen, "no cgroup v2 mount: the connect/bind/sendmsg/socket deny points need one");
			return -ENOENT;
		}
		int cg = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cg < 0) {
			snprintf(err, errlen, "cannot open the root cgroup %s: %s", root, strerror(errno));
			return -errno;
		}
		for (size_t i = 0; i < sizeof(cgroup_progs) / sizeof(cgroup_progs[0]); i++) {
			if (!(k->routes & cgroup_progs[i].route))
				continue;
			struct bpf_program *p = bpf_object__find_program_by_name(skel->obj, cgroup_progs[i].prog);
			struct bpf_link *l = p ? bpf_program__attach_cgroup(p, cg) : NULL;
			if (!l) {
				int e = errno ? errno : ENOENT;
				snprintf(err, errlen, "cannot attach %s to the root cgroup: %s", cgroup_progs[i].prog,
					 strerror(e));
				close(cg);
				return -e;
			}
			d->links[d->nlinks++] = l;
		}
		close(cg);
	}
	if (k->routes & (POL_ROUTE_OPEN | POL_ROUTE_EXEC))
		return fanotify_setup(d, k, err, errlen);
	return 0;
}

unsigned long long live_deny_count(const struct live_deny *d)
{
	return d ? d->ndenied : 0;
}

void live_deny_stop(struct live_deny *d)
{
	if (!d)
		return;
	if (d->running) {
		ssize_t w = write(d->stop[1], "x", 1);
		(void)w;
		pthread_join(d->thread, NULL);
	}
	/* closing the group allows whatever is still pending */
	if (d->fan >= 0)
		close(d->fan);
	for (int i = 0; i < 2; i++)
		if (d->stop[i] >= 0)
			close(d->stop[i]);
	for (int i = 0; i < d->nlinks; i++)
		bpf_link__destroy(d->links[i]);
	free(d);
}

#endif /* VIGIL_HAVE_BPF */
