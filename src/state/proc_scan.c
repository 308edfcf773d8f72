/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proc_scan.c - the /proc scanner (see proc_scan.h): walks <procfs>/<pid>
 * and <pid>/task/<tid>, reads each thread into the scap_proc_entry a
 * capture's process list would hold and hands it to state_add_proc(), then
 * the process's fds to proc_scan_fd.c; machine info; users and groups.
 *
 * Where the result differs from libscap's (falcosecurity/libs
 * userspace/libscap/linux/scap_procs.c, scap_cgroup.c, scap_machine_info.c),
 * on purpose:
 *  - clone_ts: libscap takes the ctime of /proc/<pid>/cmdline, which is when
 *    that procfs inode was first looked up (minutes after the start for
 *    older processes); here it is the starttime of stat.
 *  - vtid, vpid, vpgid: the last NSpid/NStgid/NSpgid element, right for
 *    nested pid namespaces too (libscap takes the second); a host process's
 *    vpgid is its pgid (current libscap leaves 0).
 *  - A cwd, root or environ that cannot be read (EACCES) is left empty
 *    instead of dropping the thread.
 *  - exe_ino/ctime/mtime come from statx of <pid>/exe, the running file even
 *    when deleted or in another mount namespace (libscap stats exepath in
 *    its own namespace).
 *  - exe_writable applies the kernel's permission rule to the exe's owner
 *    and mode bits, the thread's effective ids, groups and CAP_DAC_OVERRIDE,
 *    and the mount's read-only flag (ACLs and the immutable flag aside).
 *    libscap switches its euid/egid and calls faccessat(), which fails for
 *    every gid but 0 (setegid after seteuid has lost CAP_SETGID).
 *  - exe_upper_layer, exe_lower_layer, exe_from_memfd: libscap's /proc scan
 *    leaves them false; here they are what its drivers report at exec: on
 *    overlayfs, upper if the file exists in the upperdir, lower otherwise.
 *  - cgroup v2: controllers that cannot be read leave the v2 entries out
 *    (libscap fails the thread, and so every thread when /proc/1/root is
 *    not accessible); no translation for a cgroup namespace of our own.
 *  - A process whose main thread cannot be read (zombie leader, vanished)
 *    is skipped with its threads, as in libscap.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include "capture/scap.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "state/proc_scan.h"
#include "state/proc_scan_int.h"
#include "state/state.h"
#include "vigil/events.h"

/* Process-level data, read once from the main thread's directory and
 * shared by its threads (same mm, exe, root and resource limits). */
struct proc_data {
	int64_t pid;			/* whose data this is; 0 = none */
	char cmdline[PSCAN_MAX_ARGS + 1];
	size_t cmdline_len;
	char env[PSCAN_MAX_ENV + 1];
	size_t env_len;
	char exepath[PSCAN_MAX_PATH];
	size_t exepath_len;
	char root[PSCAN_MAX_PATH];
	size_t root_len;
	uint64_t fdlimit;
	uint64_t pidns_init_start_ts;
	struct statx exe;
	bool exe_ok;			/* exe is the statx of the running file */
	bool exe_ro;			/* ... which is on a read-only mount */
	bool upper, lower;
};

/* Per-thread data. */
struct task_data {
	/* status */
	int64_t tgid;			/* -1 = no Tgid: line */
	uint64_t ppid;
	uint32_t euid, egid;
	uint32_t groups[64];
	unsigned ngroups;
	int64_t nspid, nstgid, pgid, vpgid;	/* -1 = absent */
	uint64_t vmsize_kb, vmrss_kb, vmswap_kb;
	uint64_t cap_inh, cap_prm, cap_eff;
	char name[64];			/* Name:, unescaped */
	size_t name_len;
	/* stat */
	int64_t stat_pgrp, sid;
	uint32_t tty;
	uint64_t minflt, majflt, starttime;
	/* other files */
	char comm[64];
	size_t comm_len;
	char cwd[PSCAN_MAX_PATH];
	size_t cwd_len;
	uint32_t loginuid;
	char cgroups[PSCAN_MAX_CGROUPS];
	size_t cg_len;
	bool cg_full;
};

struct scan {
	struct pscan c;
	struct proc_data p;
	struct task_data t;
	unsigned nthreads;
};

/* NUL-separated cgroup v2 controller names. */
struct ctrls {
	size_t len;
	char s[];
};

/* ------------------------------------------------------------------------
 * Context
 * ------------------------------------------------------------------------ */

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

static uint64_t boot_time_ns(void)
{
	struct timespec rt, bt;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	return ts_ns(&rt) - ts_ns(&bt);
}

int pscan_init(struct pscan *c, struct state *st, const char *procfs, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->st = st;
	c->procfd = open(procfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->procfd < 0) {
		int e = errno;
		if (err)
			snprintf(err, errlen, "cannot open %s: %s", procfs, strerror(e));
		return -e;
	}
	long hz = sysconf(_SC_CLK_TCK);
	c->tick_ns = 1000000000ull / (uint64_t)(hz > 0 ? hz : 100);
	c->boot_ns = boot_time_ns();
	u64map_init(&c->socks);
	u64map_init(&c->mounts);
	u64map_init(&c->mntns);
	strmap_init(&c->cg2_cache);
	c->bigcap = 64 * 1024;
	c->big = xmalloc(c->bigcap);
	return 0;
}

void pscan_fini(struct pscan *c)
{
	if (c->procfd >= 0)
		close(c->procfd);
	pscan_socks_free(c);
	pscan_mounts_free(c);
	for (size_t i = 0; i < c->cg2_cache.cap; i++)
		if (c->cg2_cache.ents[i].key)
			free(c->cg2_cache.ents[i].val);
	strmap_fini(&c->cg2_cache);
	free(c->cg2_mount);
	free(c->cg2_ctrls);
	free(c->big);
	memset(c, 0, sizeof(*c));
	c->procfd = -1;
}

static struct scan *scan_new(struct state *st, const char *procfs, char *err, size_t errlen, int *rc)
{
	struct scan *s = xcalloc(1, sizeof(*s));
	*rc = pscan_init(&s->c, st, procfs, err, errlen);
	if (*rc) {
		free(s);
		return NULL;
	}
	return s;
}

static void scan_free(struct scan *s)
{
	pscan_fini(&s->c);
	free(s);
}

/* ------------------------------------------------------------------------
 * status and stat
 * ------------------------------------------------------------------------ */

static bool num_s64(const char **p, int64_t *out)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	bool neg = *s == '-';
	uint64_t v;
	if (neg)
		s++;
	if (!pscan_num(&s, 10, &v))
		return false;
	*out = neg ? -(int64_t)v : (int64_t)v;
	*p = s;
	return true;
}

/* "NSpid:\t100\t5" -> first and last number; false if there is none. */
static bool first_last(const char *p, int64_t *first, int64_t *last)
{
	int64_t v;
	bool any = false;
	while (num_s64(&p, &v)) {
		if (!any)
			*first = v;
		*last = v;
		any = true;
	}
	return any;
}

/* Does `line` start with `key` (which ends with ':')? Then *v is after it. */
static bool key_is(const char *line, const char *key, const char **v)
{
	size_t n = strlen(key);
	if (strncmp(line, key, n))
		return false;
	*v = line + n;
	return true;
}

static int status_line(void *ud, char *line, size_t len)
{
	struct task_data *t = ud;
	const char *v;
	uint64_t a, b;
	int64_t first;
	(void)len;

	switch (line[0]) {
	case 'N':
		if (key_is(line, "Name:", &v)) {
			/* the kernel escapes '\n' and '\\' here, nothing else */
			while (*v == '\t')
				v++;
			size_t o = 0;
			for (; *v && o + 1 < sizeof(t->name); v++) {
				if (v[0] == '\\' && (v[1] == 'n' || v[1] == '\\')) {
					t->name[o++] = v[1] == 'n' ? '\n' : '\\';
					v++;
				} else {
					t->name[o++] = *v;
				}
			}
			t->name[o] = 0;
			t->name_len = o;
		} else if (key_is(line, "NStgid:", &v)) {
			first_last(v, &first, &t->nstgid);
		} else if (key_is(line, "NSpid:", &v)) {
			first_last(v, &first, &t->nspid);
		} else if (key_is(line, "NSpgid:", &v)) {
			first_last(v, &t->pgid, &t->vpgid);
		}
		break;
	case 'T':
		if (key_is(line, "Tgid:", &v) && pscan_num(&v, 10, &a))
			t->tgid = (int64_t)a;
		break;
	case 'P':
		if (key_is(line, "PPid:", &v) && pscan_num(&v, 10, &a))
			t->ppid = a;
		break;
	case 'U':
		/* real, effective, saved, fs: libscap keeps the effective id */
		if (key_is(line, "Uid:", &v) && pscan_num(&v, 10, &a) && pscan_num(&v, 10, &b))
			t->euid = (uint32_t)b;
		break;
	case 'G':
		if (key_is(line, "Gid:", &v) && pscan_num(&v, 10, &a) && pscan_num(&v, 10, &b)) {
			t->egid = (uint32_t)b;
		} else if (key_is(line, "Groups:", &v)) {
			while (t->ngroups < sizeof(t->groups) / sizeof(t->groups[0]) && pscan_num(&v, 10, &a))
				t->groups[t->ngroups++] = (uint32_t)a;
		}
		break;
	case 'V':
		if (key_is(line, "VmSize:", &v))
			pscan_num(&v, 10, &t->vmsize_kb);
		else if (key_is(line, "VmRSS:", &v))
			pscan_num(&v, 10, &t->vmrss_kb);
		else if (key_is(line, "VmSwap:", &v))
			pscan_num(&v, 10, &t->vmswap_kb);
		break;
	case 'C':
		if (key_is(line, "CapInh:", &v))
			pscan_num(&v, 16, &t->cap_inh);
		else if (key_is(line, "CapPrm:", &v))
			pscan_num(&v, 16, &t->cap_prm);
		else if (key_is(line, "CapEff:", &v))
			pscan_num(&v, 16, &t->cap_eff);
		break;
	default:
		break;
	}
	return 0;
}

/* stat: "pid (comm) state ppid pgrp session tty_nr tpgid flags minflt
 * cminflt majflt ... starttime(22) ...". The comm may hold spaces and
 * parentheses: the fields start after the last ')'. Up to majflt is
 * required (as in libscap), starttime is taken if there. */
static int parse_stat(struct task_data *t, const char *buf)
{
	const char *p = strrchr(buf, ')');
	int64_t f[23];
	int n = 4;

	if (!p || p[1] != ' ')
		return -EINVAL;
	p += 2;
	while (*p == ' ')
		p++;
	if (!*p || (p[1] != ' ' && p[1] != 0))
		return -EINVAL;	/* the state letter */
	p++;
	while (n < 23 && num_s64(&p, &f[n]))
		n++;
	if (n <= 12)
		return -EINVAL;
	t->stat_pgrp = f[5];
	t->sid = f[6];
	t->tty = (uint32_t)f[7];
	t->minflt = (uint64_t)f[10];
	t->majflt = (uint64_t)f[12];
	t->starttime = n > 22 ? (uint64_t)f[22] : 0;
	return 0;
}

/* ------------------------------------------------------------------------
 * cgroups
 * ------------------------------------------------------------------------ */

/* Append "subsys=path" to the thread's cgroups; libscap's 4 KiB cap. */
static void cg_add(struct task_data *t, const char *subsys, size_t sl, const char *path)
{
	size_t pl = strlen(path);
	if (t->cg_full || t->cg_len + sl + pl + 2 > sizeof(t->cgroups)) {
		t->cg_full = true;
		return;
	}
	char *o = t->cgroups + t->cg_len;
	memcpy(o, subsys, sl);
	o[sl] = '=';
	memcpy(o + sl + 1, path, pl + 1);
	t->cg_len += sl + pl + 2;
}

static struct ctrls *ctrls_parse(const char *s)
{
	size_t n = strlen(s);
	struct ctrls *cs = xmalloc(sizeof(*cs) + n + 1);
	cs->len = 0;
	for (const char *p = s; *p;) {
		size_t w = strcspn(p, " \n");
		if (w) {
			memcpy(cs->s + cs->len, p, w);
			cs->len += w;
			cs->s[cs->len++] = 0;
		}
		p += w;
		if (*p)
			p++;
	}
	return cs;
}

static bool ctrls_has(const char *list, size_t len, const char *name)
{
	for (size_t i = 0; i < len; i += strlen(list + i) + 1)
		if (!strcmp(list + i, name))
			return true;
	return false;
}

/* The controllers file of the v2 directory `dir` (relative to procfs, or
 * absolute); NULL if unreadable. */
static struct ctrls *ctrls_read(struct pscan *c, const char *dir)
{
	char path[PSCAN_MAX_PATH + 64], buf[1024];
	if ((size_t)snprintf(path, sizeof(path), "%s/cgroup.controllers", dir) >= sizeof(path))
		return NULL;
	if (pscan_read(c->procfd, path, buf, sizeof(buf)) < 0)
		return NULL;
	return ctrls_parse(buf);
}

struct cg2_find {
	struct pscan *c;
	struct ctrls *best;
};

/* A line of <procfs>/1/mounts: the first cgroup2 mount with controllers
 * wins, else the last readable one. It is reached through init's root, as
 * libscap does, or directly when that is denied. */
static int cg2_mount_line(void *ud, char *line, size_t len)
{
	struct cg2_find *f = ud;
	char *q = line;
	char *dev = pscan_field(&q), *dir = pscan_field(&q), *type = pscan_field(&q);
	(void)len;
	if (!dev || !dir || !type || strcmp(type, "cgroup2"))
		return 0;
	pscan_unescape(dir);
	char rel[PSCAN_MAX_PATH];
	if ((size_t)snprintf(rel, sizeof(rel), "1/root%s", dir) >= sizeof(rel))
		return 0;
	const char *chosen = rel;
	struct ctrls *cs = ctrls_read(f->c, rel);
	if (!cs) {
		chosen = dir;
		cs = ctrls_read(f->c, dir);
	}
	if (!cs)
		return 0;
	free(f->c->cg2_mount);
	free(f->best);
	f->c->cg2_mount = xstrdup(chosen);
	f->best = cs;
	return cs->len ? 1 : 0;
}

static bool cg2_ready(struct pscan *c)
{
	if (!c->cg2_state) {
		struct cg2_find f = { c, NULL };
		char buf[4096];
		pscan_each_line(c->procfd, "1/mounts", buf, sizeof(buf), cg2_mount_line, &f);
		c->cg2_state = f.best ? 2 : 1;
		if (f.best) {
			c->cg2_ctrls = xmemdup(f.best->s, f.best->len + 1);
			c->cg2_ctrls_len = f.best->len;
			free(f.best);
		}
	}
	return c->cg2_state == 2;
}

/* Controllers of the v2 cgroup `cg` ("/a/b"), cached for the scan. */
static const struct ctrls *cg2_ctrls_of(struct pscan *c, const char *cg)
{
	struct ctrls *cs = strmap_get(&c->cg2_cache, cg);
	if (cs)
		return cs;
	char dir[2 * PSCAN_MAX_PATH];
	if ((size_t)snprintf(dir, sizeof(dir), "%s%s", c->cg2_mount, strcmp(cg, "/") ? cg : "") >= sizeof(dir))
		return NULL;
	cs = ctrls_read(c, dir);
	if (cs)
		strmap_put(&c->cg2_cache, cg, cs);
	return cs;
}

/* The v2 cgroup of a thread as "controller=/path" entries: walking up from
 * its cgroup, each controller is listed at the deepest level where it is
 * enabled, until every controller of the root is placed. */
static void cg2_resolve(struct pscan *c, struct task_data *t, const char *cg)
{
	char cur[PSCAN_MAX_PATH], found[PSCAN_MAX_CGROUPS];
	size_t flen = 0;

	if (cg[0] != '/' || strlen(cg) >= sizeof(cur) || !cg2_ready(c))
		return;
	strcpy(cur, cg);
	for (;;) {
		const struct ctrls *cs = cg2_ctrls_of(c, cur);
		if (!cs)
			return;
		for (size_t i = 0; i < cs->len; i += strlen(cs->s + i) + 1) {
			const char *name = cs->s + i;
			size_t nl = strlen(name);
			if (ctrls_has(found, flen, name) || flen + nl + 1 > sizeof(found))
				continue;
			cg_add(t, name, nl, cur);
			memcpy(found + flen, name, nl + 1);
			flen += nl + 1;
		}
		if (!strcmp(cur, "/"))
			break;
		bool all = true;
		for (size_t i = 0; all && i < c->cg2_ctrls_len; i += strlen(c->cg2_ctrls + i) + 1)
			all = ctrls_has(found, flen, c->cg2_ctrls + i);
		if (all)
			break;
		char *sl = strrchr(cur, '/');
		if (sl == cur)
			sl[1] = 0;
		else
			*sl = 0;
	}
}

struct cg_ctx {
	struct pscan *c;
	struct task_data *t;
};

/* "id:controller,controller:/path"; v2 is "0::/path". */
static int cgroup_line(void *ud, char *line, size_t len)
{
	struct cg_ctx *x = ud;
	char *c1 = strchr(line, ':');
	char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	(void)len;
	if (!c2)
		return 0;
	const char *path = c2 + 1;
	if (c2 == c1 + 1) {
		if (c1 - line == 1 && line[0] == '0')
			cg2_resolve(x->c, x->t, path);
		return 0;
	}
	for (char *s = c1 + 1; s < c2;) {
		char *e = memchr(s, ',', (size_t)(c2 - s));
		if (!e)
			e = c2;
		if (e > s)
			cg_add(x->t, s, (size_t)(e - s), path);
		s = e + 1;
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * The executable
 * ------------------------------------------------------------------------ */

/* On overlayfs, is the running exe in the upper (writable) layer? The
 * drivers look for the inode's upper dentry; from userspace the same file
 * exists under the upperdir. */
static void exe_layer(struct proc_data *p, const struct pscan_mount *m)
{
	static const char del[] = " (deleted)";
	const char *path = p->exepath;
	size_t n = p->exepath_len, dl = sizeof(del) - 1;
	const char *rest = NULL;

	if (!m->overlay || !n || path[0] != '/' || (n >= dl && !memcmp(path + n - dl, del, dl)))
		return;
	size_t ml = strlen(m->point);
	if (!strcmp(m->point, "/"))
		rest = path;
	else if (!strncmp(path, m->point, ml) && path[ml] == '/')
		rest = path + ml;
	if (!rest)
		return;
	if (!m->upperdir) {
		p->lower = true;
		return;
	}
	char full[3 * PSCAN_MAX_PATH];
	struct stat st;
	snprintf(full, sizeof(full), "%s%s%s", m->upperdir, strcmp(m->root, "/") ? m->root : "", rest);
	if (fstatat(AT_FDCWD, full, &st, AT_SYMLINK_NOFOLLOW) == 0)
		p->upper = true;
	else
		p->lower = true;
}

/* Could the thread write its executable? The owner can (chmod), as libscap
 * says; otherwise the kernel's permission check. */
static bool exe_writable(const struct proc_data *p, const struct task_data *t)
{
	if (!p->exe_ok)
		return false;
	if (p->exe.stx_uid == t->euid)
		return true;
	if (p->exe_ro)
		return false;
	if (t->cap_eff & (1ull << CAP_DAC_OVERRIDE))
		return true;
	bool group = p->exe.stx_gid == t->egid;
	for (unsigned i = 0; !group && i < t->ngroups; i++)
		group = t->groups[i] == p->exe.stx_gid;
	return p->exe.stx_mode & (group ? S_IWGRP : S_IWOTH);
}

/* ------------------------------------------------------------------------
 * Reading a thread
 * ------------------------------------------------------------------------ */

static int limits_line(void *ud, char *line, size_t len)
{
	uint64_t *fdlimit = ud;
	const char *v;
	(void)len;
	if (!key_is(line, "Max open files", &v))
		return 0;
	while (*v == ' ')
		v++;
	if (!strncmp(v, "unlimited", 9) || !pscan_num(&v, 10, fdlimit))
		*fdlimit = UINT64_MAX;
	return 1;
}

/* The process-level data of the main thread in piddir. -ENOENT for a
 * kernel thread or zombie (no cmdline and no exe): libscap skips those. */
static int read_proc(struct scan *s, int piddir, int64_t pid)
{
	struct proc_data *p = &s->p;
	ssize_t n;

	memset(p, 0, sizeof(*p));
	n = pscan_read(piddir, "cmdline", p->cmdline, sizeof(p->cmdline));
	if (n < 0)
		return (int)n;
	if (n > 0)
		p->cmdline[n - 1] = 0;	/* the last NUL, or the cut at 4 KiB */
	p->cmdline_len = (size_t)n;
	n = pscan_readlink(piddir, "exe", p->exepath, sizeof(p->exepath));
	if (n < 0 && !p->cmdline_len)
		return -ENOENT;
	p->exepath_len = n > 0 ? (size_t)n : 0;
	p->exepath[p->exepath_len] = 0;

	n = pscan_read(piddir, "environ", p->env, sizeof(p->env));
	if (n > 0)
		p->env[n - 1] = 0;
	p->env_len = n > 0 ? (size_t)n : 0;
	n = pscan_readlink(piddir, "root", p->root, sizeof(p->root));
	p->root_len = n > 0 ? (size_t)n : 0;
	p->root[p->root_len] = 0;

	char buf[2048];
	p->fdlimit = UINT64_MAX;
	pscan_each_line(piddir, "limits", buf, sizeof(buf), limits_line, &p->fdlimit);

	/* libscap: "the time when the [pid namespace's] init started" */
	struct stat st;
	if (fstatat(piddir, "root/proc/1/cmdline", &st, 0) == 0)
		p->pidns_init_start_ts = ts_ns(&st.st_ctim);

	if (statx(piddir, "exe", 0, STATX_BASIC_STATS | STATX_MNT_ID, &p->exe) == 0) {
		p->exe_ok = true;
		const struct pscan_mount *m =
			(p->exe.stx_mask & STATX_MNT_ID) ? pscan_mount(&s->c, piddir, p->exe.stx_mnt_id) : NULL;
		if (m) {
			p->exe_ro = m->ro;
			exe_layer(p, m);
		}
	}
	p->pid = pid;
	return 0;
}

/* The per-thread files of the task in dirfd. */
static int read_task(struct scan *s, int dirfd)
{
	struct task_data *t = &s->t;
	char buf[4096];
	ssize_t n;
	int rc;

	memset(t, 0, sizeof(*t));
	t->tgid = t->nspid = t->nstgid = t->pgid = t->vpgid = -1;
	t->euid = t->egid = UINT32_MAX;
	t->ppid = UINT64_MAX;
	rc = pscan_each_line(dirfd, "status", buf, sizeof(buf), status_line, t);
	if (rc < 0)
		return rc;
	if (t->tgid < 0)
		return -EINVAL;
	n = pscan_read(dirfd, "stat", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if ((rc = parse_stat(t, buf)))
		return rc;

	n = pscan_read(dirfd, "comm", t->comm, sizeof(t->comm));
	if (n >= 0) {
		t->comm_len = (size_t)n;
		if (t->comm_len && t->comm[t->comm_len - 1] == '\n')
			t->comm[--t->comm_len] = 0;
	} else {
		memcpy(t->comm, t->name, t->name_len + 1);
		t->comm_len = t->name_len;
	}
	n = pscan_readlink(dirfd, "cwd", t->cwd, sizeof(t->cwd));
	t->cwd_len = n > 0 ? (size_t)n : 0;
	t->cwd[t->cwd_len] = 0;

	uint64_t v;
	const char *q = buf;
	t->loginuid = UINT32_MAX;
	if (pscan_read(dirfd, "loginuid", buf, sizeof(buf)) > 0 && pscan_num(&q, 10, &v))
		t->loginuid = (uint32_t)v;

	struct cg_ctx x = { &s->c, t };
	pscan_each_line(dirfd, "cgroup", buf, sizeof(buf), cgroup_line, &x);
	return 0;
}

static struct scap_str sv(const char *p, size_t n)
{
	return (struct scap_str){ p, (uint32_t)n };
}

/* Read the thread tid in dirfd (the process's directory for a main thread,
 * its task directory otherwise) and add it; s->p must hold its process. */
static int add_task(struct scan *s, int dirfd, int64_t tid)
{
	const struct proc_data *p = &s->p;
	const struct task_data *t = &s->t;
	struct scap_proc_entry e;
	int rc = read_task(s, dirfd);
	if (rc)
		return rc;

	memset(&e, 0, sizeof(e));
	e.tid = (uint64_t)tid;
	e.pid = (uint64_t)t->tgid;
	e.ptid = t->ppid;
	e.sid = (uint64_t)t->sid;
	e.pgid = t->pgid >= 0 ? t->pgid : t->stat_pgrp;
	e.vpgid = (uint64_t)(t->vpgid >= 0 ? t->vpgid : e.pgid);
	e.vtid = t->nspid >= 0 ? t->nspid : tid;
	e.vpid = t->nstgid >= 0 ? t->nstgid : t->tgid;
	e.comm = sv(t->comm, t->comm_len);
	size_t argv0 = p->cmdline_len ? strlen(p->cmdline) : 0;
	e.exe = sv(p->cmdline, argv0 < PSCAN_MAX_PATH ? argv0 : PSCAN_MAX_PATH - 1);
	if (p->cmdline_len > argv0 + 1)
		e.args = sv(p->cmdline + argv0 + 1, p->cmdline_len - argv0 - 1);
	else
		e.args = sv("", 0);
	e.exepath = sv(p->exepath, p->exepath_len);
	e.cwd = sv(t->cwd, t->cwd_len);
	e.env = sv(p->env, p->env_len);
	e.cgroups = sv(t->cgroups, t->cg_len);
	e.root = sv(p->root, p->root_len);
	e.fdlimit = p->fdlimit;
	/* libscap's guess: other threads were made by pthread_create() */
	e.flags = tid == t->tgid ? 0 : VG_CL_CLONE_THREAD | VG_CL_CLONE_FILES;
	e.uid = t->euid;
	e.gid = t->egid;
	e.vmsize_kb = (uint32_t)t->vmsize_kb;
	e.vmrss_kb = (uint32_t)t->vmrss_kb;
	e.vmswap_kb = (uint32_t)t->vmswap_kb;
	e.pfmajor = t->majflt;
	e.pfminor = t->minflt;
	e.pidns_init_start_ts = p->pidns_init_start_ts;
	e.tty = t->tty;
	e.loginuid = t->loginuid;
	e.cap_inheritable = t->cap_inh;
	e.cap_permitted = t->cap_prm;
	e.cap_effective = t->cap_eff;
	e.exe_writable = exe_writable(p, t);
	e.exe_upper_layer = p->upper;
	e.exe_lower_layer = p->lower;
	e.exe_from_memfd = !strncmp(p->exepath, "/memfd:", 7);
	if (p->exe_ok) {
		e.exe_ino = p->exe.stx_ino;
		e.exe_ino_ctime = (uint64_t)p->exe.stx_ctime.tv_sec * 1000000000ull + p->exe.stx_ctime.tv_nsec;
		e.exe_ino_mtime = (uint64_t)p->exe.stx_mtime.tv_sec * 1000000000ull + p->exe.stx_mtime.tv_nsec;
	}
	e.clone_ts = t->starttime ? s->c.boot_ns + t->starttime * s->c.tick_ns : 0;
	e.has_sid = e.has_vpgid = e.has_exepath = e.has_env = e.has_vids = e.has_root = true;
	e.has_loginuid = e.has_tty = e.has_caps = e.has_exe_ino = e.has_pgid = true;
	s->nthreads++;
	return state_add_proc(s->c.st, &e);
}

/* ------------------------------------------------------------------------
 * The walk
 * ------------------------------------------------------------------------ */

static int open_dir(int dirfd, const char *fmt, int64_t a, int64_t b)
{
	char name[64];
	snprintf(name, sizeof(name), fmt, (long long)a, (long long)b);
	int fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* The process pid: its main thread, then optionally its fds and its other
 * threads. Leaves s->p holding the process's data. */
static int scan_process(struct scan *s, int64_t pid, bool fds, bool threads)
{
	int piddir = open_dir(s->c.procfd, "%lld", pid, 0);
	if (piddir < 0)
		return piddir;
	int rc = read_proc(s, piddir, pid);
	if (!rc)
		rc = add_task(s, piddir, pid);
	if (!rc && fds)
		pscan_fds(&s->c, piddir, pid);
	if (!rc && threads) {
		struct pscan_dir d;
		int64_t tid;
		if (pscan_dir_open(&d, piddir, "task") == 0) {
			while ((tid = pscan_dir_next_num(&d, NULL)) >= 0) {
				if (tid == pid)
					continue;
				int taskdir = open_dir(piddir, "task/%lld", tid, 0);
				if (taskdir < 0)
					continue;
				add_task(s, taskdir, tid);
				close(taskdir);
			}
			pscan_dir_close(&d);
		}
	}
	close(piddir);
	return rc;
}

int proc_scan_all(struct state *st, const char *procfs, char *err, size_t errlen)
{
	struct timespec t0, t1;
	struct pscan_dir d;
	int64_t pid;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct scan *s = scan_new(st, procfs, err, errlen, &rc);
	if (!s)
		return rc;
	rc = pscan_dir_open(&d, s->c.procfd, ".");
	if (rc) {
		if (err)
			snprintf(err, errlen, "cannot list %s: %s", procfs, strerror(-rc));
		scan_free(s);
		return rc;
	}
	while ((pid = pscan_dir_next_num(&d, NULL)) >= 0)
		scan_process(s, pid, true, true);	/* a failing process is skipped */
	pscan_dir_close(&d);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_debug("proc scan of %s: %u threads in %.1f ms", procfs, s->nthreads,
		  (double)(ts_ns(&t1) - ts_ns(&t0)) / 1e6);
	scan_free(s);
	return 0;
}

int64_t proc_scan_ppid(const char *procfs, int64_t tid)
{
	char path[128], buf[1024];
	snprintf(path, sizeof(path), "%s/%lld/stat", procfs, (long long)tid);
	ssize_t n = pscan_read(AT_FDCWD, path, buf, sizeof(buf));
	if (n <= 0)
		return -1;
	/* pid (comm) state ppid ...: comm may hold spaces and parentheses */
	char *p = memrchr(buf, ')', (size_t)n);
	long long ppid;
	if (!p || sscanf(p + 1, " %*c %lld", &ppid) != 1)
		return -1;
	return ppid;
}

int proc_scan_thread(struct state *st, const char *procfs, int64_t tid)
{
	int rc;
	if (tid <= 0)
		return -ENOENT;
	struct scan *s = scan_new(st, procfs, NULL, 0, &rc);
	if (!s)
		return rc;

	/* /proc/<tid> resolves for any thread, listed or not: its Tgid says
	 * which process it belongs to */
	int dir = open_dir(s->c.procfd, "%lld", tid, 0);
	char buf[4096];
	s->t.tgid = -1;
	if (dir >= 0) {
		pscan_each_line(dir, "status", buf, sizeof(buf), status_line, &s->t);
		close(dir);
	}
	int64_t pid = s->t.tgid;
	if (pid <= 0) {
		rc = -ENOENT;
	} else if (pid == tid) {
		rc = scan_process(s, pid, true, false);
	} else {
		if (!state_thread(st, pid)) {
			rc = scan_process(s, pid, true, false);
		} else {
			int piddir = open_dir(s->c.procfd, "%lld", pid, 0);
			rc = piddir < 0 ? piddir : read_proc(s, piddir, pid);
			if (piddir >= 0)
				close(piddir);
		}
		if (s->p.pid == pid) {
			int taskdir = open_dir(s->c.procfd, "%lld/task/%lld", pid, tid);
			rc = taskdir < 0 ? taskdir : add_task(s, taskdir, tid);
			if (taskdir >= 0)
				close(taskdir);
		}
	}
	scan_free(s);
	return rc == -ESRCH || rc == -EINVAL ? -ENOENT : rc;
}

/* ------------------------------------------------------------------------
 * Machine, users and groups
 * ------------------------------------------------------------------------ */

int proc_scan_machine(struct scap_machine_info *mi)
{
	char buf[64];
	memset(mi, 0, sizeof(*mi));
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	mi->num_cpus = n > 0 ? (uint32_t)n : 0;
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	if (pages > 0 && psz > 0)
		mi->memory_size_bytes = (uint64_t)pages * (uint64_t)psz;
	const char *h = getenv("SCAP_HOSTNAME");
	if (h)
		snprintf(mi->hostname, sizeof(mi->hostname), "%s", h);
	else if (gethostname(mi->hostname, sizeof(mi->hostname) - 1) < 0)
		return -errno;
	const char *q = buf;
	uint64_t v;
	if (pscan_read(AT_FDCWD, "/proc/sys/kernel/pid_max", buf, sizeof(buf)) > 0 && pscan_num(&q, 10, &v))
		mi->max_pid = v;
	mi->boot_ts_epoch = boot_time_ns();
	return 0;
}

static struct scap_str cstr(const char *s)
{
	return sv(s ? s : "", s ? strlen(s) : 0);
}

/* The next entry of a passwd- or group-format stream into the state (for
 * container `cid`, or the host's when NULL): 0, ERANGE (buf too small; the
 * stream is put back), or ENOENT at the end. */
typedef int (*entry_fn)(FILE *f, char *buf, size_t cap, struct state *st, const char *cid);

static int next_user(FILE *f, char *buf, size_t cap, struct state *st, const char *cid)
{
	struct passwd pw, *r;
	int e = fgetpwent_r(f, &pw, buf, cap, &r);
	if (!e) {
		struct scap_user_entry u = { 0 };
		u.uid = pw.pw_uid;
		u.gid = pw.pw_gid;
		u.name = cstr(pw.pw_name);
		u.home = cstr(pw.pw_dir);
		u.shell = cstr(pw.pw_shell);
		u.container_id = cstr(cid);
		state_add_user(st, &u);
	}
	return e;
}

static int next_group(FILE *f, char *buf, size_t cap, struct state *st, const char *cid)
{
	struct group gr, *r;
	int e = fgetgrent_r(f, &gr, buf, cap, &r);
	if (!e) {
		struct scap_group_entry g = { 0 };
		g.gid = gr.gr_gid;
		g.name = cstr(gr.gr_name);
		g.container_id = cstr(cid);
		state_add_group(st, &g);
	}
	return e;
}

/* Every entry of `path` (lines glibc cannot parse are skipped). */
static int read_entries(struct state *st, const char *path, entry_fn next, const char *cid)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	size_t cap = 16384;
	char *buf = xmalloc(cap);
	int e;
	while ((e = next(f, buf, cap, st, cid)) == 0 || (e == ERANGE && cap < (1u << 24)))
		if (e == ERANGE)
			buf = xrealloc(buf, cap *= 2);
	free(buf);
	fclose(f);
	return 0;
}

int proc_scan_users(struct state *st, const char *passwd, const char *group)
{
	int rc = passwd ? read_entries(st, passwd, next_user, NULL) : 0;
	int rc2 = group ? read_entries(st, group, next_group, NULL) : 0;
	return rc ? rc : rc2;
}

int proc_scan_container_users(struct state *st, struct container_info *ci, const char *root)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/etc/passwd", root);
	int rc = read_entries(st, path, next_user, ci->id);
	if (rc)
		return rc;
	ci->has_users = true;	/* even when the files hold nobody */
	snprintf(path, sizeof(path), "%s/etc/group", root);
	read_entries(st, path, next_group, ci->id);
	return 0;
}
