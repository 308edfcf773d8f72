/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proc_scan_io.c - the procfs readers of the /proc scanner (whole small
 * files with one read, long files line by line through a fixed buffer,
 * directories with getdents64, all relative to a directory fd) and the mount
 * table it keeps while scanning: mount id -> device, read-only flag and, for
 * overlayfs, the directories that tell an upper-layer file from a lower one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "common/xalloc.h"
#include "state/proc_scan_int.h"

/* ------------------------------------------------------------------------
 * Readers
 * ------------------------------------------------------------------------ */

ssize_t pscan_read(int dirfd, const char *name, char *buf, size_t cap)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = 0;
	ssize_t rc = 0;
	while (n + 1 < cap) {
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (cap)
		buf[n] = 0;
	return rc ? rc : (ssize_t)n;
}

ssize_t pscan_readlink(int dirfd, const char *name, char *buf, size_t cap)
{
	ssize_t n = readlinkat(dirfd, name, buf, cap - 1);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return n;
}

int pscan_each_line(int dirfd, const char *name, char *buf, size_t cap, pscan_line_fn fn, void *ud)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t have = 0;
	bool skipping = false;	/* dropping the rest of an over-long line */
	int rc = 0;
	for (;;) {
		ssize_t r = read(fd, buf + have, cap - 1 - have);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (r == 0) {
			if (have && !skipping) {
				buf[have] = 0;
				rc = fn(ud, buf, have);
			}
			break;
		}
		char *s = buf, *end = buf + have + (size_t)r, *nl;
		while ((nl = memchr(s, '\n', (size_t)(end - s)))) {
			if (!skipping) {
				*nl = 0;
				rc = fn(ud, s, (size_t)(nl - s));
				if (rc)
					goto out;
			}
			skipping = false;
			s = nl + 1;
		}
		have = (size_t)(end - s);
		if (skipping) {
			have = 0;
		} else if (have == cap - 1) {
			buf[have] = 0;
			rc = fn(ud, buf, have);
			if (rc)
				goto out;
			skipping = true;
			have = 0;
		} else if (have && s != buf) {
			memmove(buf, s, have);
		}
	}
out:
	close(fd);
	return rc;
}

int pscan_dir_open(struct pscan_dir *d, int dirfd, const char *name)
{
	d->pos = d->len = 0;
	d->fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return d->fd < 0 ? -errno : 0;
}

int64_t pscan_dir_next_num(struct pscan_dir *d, const char **name)
{
	for (;;) {
		if (d->pos >= d->len) {
			ssize_t n = getdents64(d->fd, d->buf, sizeof(d->buf));
			if (n <= 0)
				return -1;
			d->len = (size_t)n;
			d->pos = 0;
		}
		struct dirent64 *de = (struct dirent64 *)(void *)(d->buf + d->pos);
		d->pos += de->d_reclen;
		const char *s = de->d_name;
		int64_t v = 0;
		if (!*s)
			continue;
		while (*s >= '0' && *s <= '9' && v < INT64_MAX / 10)
			v = v * 10 + (*s++ - '0');
		if (*s)
			continue;
		if (name)
			*name = de->d_name;
		return v;
	}
}

void pscan_dir_close(struct pscan_dir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

bool pscan_num(const char **p, int base, uint64_t *out)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	uint64_t v = 0;
	const char *start = s;
	for (;; s++) {
		int dg;
		if (*s >= '0' && *s <= '9')
			dg = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			dg = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			dg = *s - 'A' + 10;
		else
			break;
		if (dg >= base)
			break;
		v = v * (uint64_t)base + (uint64_t)dg;
	}
	if (s == start)
		return false;
	*out = v;
	*p = s;
	return true;
}

/* ------------------------------------------------------------------------
 * Mounts
 * ------------------------------------------------------------------------ */

void pscan_unescape(char *s)
{
	char *o = s;
	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = 0;
}

char *pscan_field(char **p)
{
	char *s = *p;
	while (*s == ' ')
		s++;
	if (!*s)
		return NULL;
	char *start = s;
	while (*s && *s != ' ')
		s++;
	if (*s)
		*s++ = 0;
	*p = s;
	return start;
}

/* Does the comma-separated option list have the option `opt`? With a value
 * (`opt` ends with '='), *val gets it. The list is the raw field, so an
 * escaped comma inside a value is still \054 here. */
static bool has_opt(const char *list, const char *opt, const char **val, size_t *vlen)
{
	size_t ol = strlen(opt);
	const char *p = list;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (opt[ol - 1] == '=' ? (n >= ol && !memcmp(p, opt, ol)) : (n == ol && !memcmp(p, opt, ol))) {
			if (val) {
				*val = p + ol;
				*vlen = n - ol;
			}
			return true;
		}
		if (!e)
			break;
		p = e + 1;
	}
	return false;
}

/* (p, n) as a new string with its octal escapes decoded. */
static char *unescape_dup(const char *p, size_t n)
{
	char *out = xstrndup(p, n);
	pscan_unescape(out);
	return out;
}

/* One mountinfo line:
 * ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS */
static int mountinfo_line(void *ud, char *line, size_t len)
{
	struct pscan *c = ud;
	const char *p = line;
	uint64_t id, parent, major, minor;
	(void)len;
	if (!pscan_num(&p, 10, &id) || !pscan_num(&p, 10, &parent) || !pscan_num(&p, 10, &major) ||
	    *p != ':')
		return 0;
	p++;
	if (!pscan_num(&p, 10, &minor) || u64map_get(&c->mounts, id))
		return 0;
	char *q = (char *)p;
	char *root = pscan_field(&q), *point = pscan_field(&q), *opts = pscan_field(&q);
	char *f;
	while ((f = pscan_field(&q)) && strcmp(f, "-"))
		;
	char *fstype = f ? pscan_field(&q) : NULL;
	char *source = fstype ? pscan_field(&q) : NULL;
	/* the super options keep their escapes: values are split on commas first */
	const char *sopts = source ? pscan_field(&q) : NULL;
	if (!root || !point || !opts)
		return 0;
	if (!sopts)
		sopts = "";
	pscan_unescape(root);
	pscan_unescape(point);

	struct pscan_mount *m = xcalloc(1, sizeof(*m));
	m->dev = (uint32_t)makedev((unsigned)major, (unsigned)minor);
	m->ro = has_opt(opts, "ro", NULL, NULL) || has_opt(sopts, "ro", NULL, NULL);
	m->overlay = fstype && !strcmp(fstype, "overlay");
	m->point = xstrdup(point);
	m->root = xstrdup(root);
	const char *v;
	size_t vl;
	if (m->overlay && has_opt(sopts, "upperdir=", &v, &vl))
		m->upperdir = unescape_dup(v, vl);
	u64map_put(&c->mounts, id, m);
	return 0;
}

const struct pscan_mount *pscan_mount(struct pscan *c, int piddir, uint64_t mnt_id)
{
	struct pscan_mount *m = u64map_get(&c->mounts, mnt_id);
	if (m)
		return m;
	/* mount ids are unique on the host: each namespace's mountinfo is read
	 * once and kept whole */
	struct stat st;
	uint64_t ns = fstatat(piddir, "ns/mnt", &st, 0) == 0 ? (uint64_t)st.st_ino : 0;
	if (ns && u64map_get(&c->mntns, ns))
		return NULL;
	char buf[4096];
	if (pscan_each_line(piddir, "mountinfo", buf, sizeof(buf), mountinfo_line, c) == 0 && ns)
		u64map_put(&c->mntns, ns, (void *)1);
	return u64map_get(&c->mounts, mnt_id);
}

void pscan_mounts_free(struct pscan *c)
{
	for (size_t i = 0; i < c->mounts.cap; i++) {
		struct pscan_mount *m = c->mounts.vals[i];
		if (m) {
			free(m->point);
			free(m->root);
			free(m->upperdir);
			free(m);
		}
	}
	u64map_fini(&c->mounts);
	u64map_fini(&c->mntns);
}
