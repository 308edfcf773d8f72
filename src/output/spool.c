/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool.c - an output's append-only on-disk log of alerts, read back in
 * order by the output's worker (see spool.h for the format and contract).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "output/channel.h"
#include "output/spool.h"

#define REC_MAGIC 0x52534756u	/* "VGSR" little-endian */
#define REC_HDR 12u
#define SEG_MIN (64u * 1024u)

struct seg {
	uint64_t no;
	uint64_t size;		/* bytes of complete records */
};

struct spool {
	char *dir;
	uint64_t max_bytes, seg_max;
	bool fsync;
	pthread_mutex_t mu;
	struct seg *segs;	/* ascending */
	size_t nsegs, capsegs;
	uint64_t total;		/* bytes on disk */
	int wfd;		/* the segment being appended (the last one), or -1 */
	/* reader */
	size_t ri;		/* index in segs */
	uint64_t roff;
	int rfd;
	uint64_t rfd_no;
	uint64_t read_uncommitted;
	uint64_t pending;	/* appended (or found) and not committed */
	uint64_t recovered, corrupt;
	struct strbuf rec;
};

static void seg_path(const struct spool *s, uint64_t no, char *buf, size_t len)
{
	snprintf(buf, len, "%s/seg-%016" PRIu64 ".log", s->dir, no);
}

static int mkdir_p(const char *dir)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static int cmp_seg(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;
	return x->no < y->no ? -1 : x->no > y->no;
}

static void put32(struct strbuf *b, uint32_t v)
{
	strbuf_add(b, &v, 4);
}

static void putstr(struct strbuf *b, const char *s, size_t n)
{
	put32(b, s ? (uint32_t)n : 0xffffffffu);
	if (s)
		strbuf_add(b, s, n);
}

struct rd {
	const uint8_t *p;
	size_t n, off;
	bool bad;
};

static uint32_t get32(struct rd *r)
{
	uint32_t v = 0;
	if (r->off + 4 > r->n) {
		r->bad = true;
		return 0;
	}
	memcpy(&v, r->p + r->off, 4);
	r->off += 4;
	return v;
}

static char *getstr(struct rd *r, size_t *len)
{
	uint32_t n = get32(r);
	if (r->bad || n == 0xffffffffu)
		return NULL;
	if (r->off + n > r->n) {
		r->bad = true;
		return NULL;
	}
	char *s = xmalloc(n + 1);
	memcpy(s, r->p + r->off, n);
	s[n] = 0;
	r->off += n;
	if (len)
		*len = n;
	return s;
}

static struct amsg *decode(const uint8_t *p, size_t n, const char *hostname)
{
	struct rd r = { p, n, 0, false };
	struct amsg *m = xcalloc(1, sizeof(*m));
	atomic_init(&m->refs, 1);
	uint32_t lo = get32(&r), hi = get32(&r);
	m->ts = (uint64_t)hi << 32 | lo;
	m->prio = (int)get32(&r);
	m->count = get32(&r);
	if (r.off + 36 <= r.n) {
		memcpy(m->uuid, r.p + r.off, 36);
		r.off += 36;
	} else {
		r.bad = true;
	}
	m->rule = getstr(&r, NULL);
	m->source = getstr(&r, NULL);
	m->ntags = get32(&r);
	if (!r.bad && m->ntags <= 4096) {
		m->tags = xcalloc(m->ntags ? m->ntags : 1, sizeof(char *));
		for (size_t i = 0; i < m->ntags; i++)
			m->tags[i] = getstr(&r, NULL);
	} else {
		m->ntags = 0;
		r.bad = true;
	}
	m->text = getstr(&r, &m->text_len);
	m->json = getstr(&r, &m->json_len);
	m->hostname = hostname;
	if (r.bad || !m->rule || !m->source || !m->text || m->prio < 0 || m->prio > 7 || !m->count) {
		amsg_unref(m);
		return NULL;
	}
	return m;
}

static void encode(struct strbuf *b, const struct amsg *m)
{
	strbuf_reset(b);
	put32(b, REC_MAGIC);
	put32(b, 0);
	put32(b, 0);
	put32(b, (uint32_t)m->ts);
	put32(b, (uint32_t)(m->ts >> 32));
	put32(b, (uint32_t)m->prio);
	put32(b, m->count);
	strbuf_add(b, m->uuid, 36);
	putstr(b, m->rule, strlen(m->rule));
	putstr(b, m->source, strlen(m->source));
	put32(b, (uint32_t)m->ntags);
	for (size_t i = 0; i < m->ntags; i++)
		putstr(b, m->tags[i], strlen(m->tags[i]));
	putstr(b, m->text, m->text_len);
	putstr(b, m->json, m->json_len);
	uint32_t len = (uint32_t)(b->len - REC_HDR);
	uint32_t crc = (uint32_t)crc32(0, (const Bytef *)b->buf + REC_HDR, len);
	memcpy(b->buf + 4, &len, 4);
	memcpy(b->buf + 8, &crc, 4);
}

/* Read the record at (fd, off) into s->rec (payload only). 1: a record of
 * *len bytes in all; 0: not complete yet (or past the end); -1: corrupt. */
static int read_rec(struct spool *s, int fd, uint64_t off, uint64_t end, uint64_t *len)
{
	uint8_t hdr[REC_HDR];
	if (off + REC_HDR > end)
		return 0;
	if (pread(fd, hdr, REC_HDR, (off_t)off) != REC_HDR)
		return -1;
	uint32_t magic, n, crc;
	memcpy(&magic, hdr, 4);
	memcpy(&n, hdr + 4, 4);
	memcpy(&crc, hdr + 8, 4);
	if (magic != REC_MAGIC || n > (64u << 20))
		return -1;
	if (off + REC_HDR + n > end)
		return 0;
	strbuf_reset(&s->rec);
	strbuf_grow(&s->rec, n);
	if (pread(fd, s->rec.buf, n, (off_t)(off + REC_HDR)) != (ssize_t)n)
		return -1;
	s->rec.len = n;
	if ((uint32_t)crc32(0, (const Bytef *)s->rec.buf, n) != crc)
		return -1;
	*len = REC_HDR + n;
	return 1;
}

static int load_cursor(struct spool *s, uint64_t *no, uint64_t *off)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/cursor", s->dir);
	FILE *f = fopen(path, "r");
	*no = 0;
	*off = 0;
	if (!f)
		return 0;
	if (fscanf(f, "%" SCNu64 " %" SCNu64, no, off) != 2)
		*no = *off = 0;
	fclose(f);
	return 0;
}

static void save_cursor(struct spool *s, uint64_t no, uint64_t off)
{
	char path[4200], tmp[4210];
	snprintf(path, sizeof(path), "%s/cursor", s->dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64 "\n", no, off);
	if (write(fd, buf, (size_t)n) == n && (!s->fsync || !fsync(fd)))
		rename(tmp, path);
	close(fd);
}

struct spool *spool__open(const char *dir, uint64_t max_bytes, bool fsync_, char *err, size_t errlen)
{
	int rc = mkdir_p(dir);
	if (rc) {
		snprintf(err, errlen, "spool %s: %s", dir, strerror(-rc));
		return NULL;
	}
	if (access(dir, W_OK | R_OK | X_OK)) {
		snprintf(err, errlen, "spool %s: %s", dir, strerror(errno));
		return NULL;
	}
	struct spool *s = xcalloc(1, sizeof(*s));
	s->dir = xstrdup(dir);
	s->max_bytes = max_bytes;
	s->seg_max = max_bytes / 8 > SEG_MIN ? max_bytes / 8 : SEG_MIN;
	s->fsync = fsync_;
	s->wfd = s->rfd = -1;
	strbuf_init(&s->rec);
	pthread_mutex_init(&s->mu, NULL);

	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		uint64_t no;
		char tail[8];
		if (sscanf(de->d_name, "seg-%16" SCNu64 ".%4s", &no, tail) != 2 || strcmp(tail, "log"))
			continue;
		char path[4200];
		struct stat st;
		seg_path(s, no, path, sizeof(path));
		if (stat(path, &st))
			continue;
		if (s->nsegs == s->capsegs) {
			s->capsegs = s->capsegs ? s->capsegs * 2 : 16;
			s->segs = xrealloc(s->segs, s->capsegs * sizeof(*s->segs));
		}
		s->segs[s->nsegs++] = (struct seg){ no, (uint64_t)st.st_size };
	}
	if (d)
		closedir(d);
	if (s->nsegs)	/* an empty spool has no array: qsort(NULL, 0) is undefined */
		qsort(s->segs, s->nsegs, sizeof(*s->segs), cmp_seg);

	/* drop what the cursor says is delivered; count what is pending */
	uint64_t cno, coff;
	load_cursor(s, &cno, &coff);
	size_t keep = 0;
	for (size_t i = 0; i < s->nsegs; i++) {
		char path[4200];
		seg_path(s, s->segs[i].no, path, sizeof(path));
		if (s->segs[i].no < cno) {
			unlink(path);
			continue;
		}
		s->segs[keep++] = s->segs[i];
	}
	s->nsegs = keep;
	for (size_t i = 0; i < s->nsegs; i++) {
		char path[4200];
		seg_path(s, s->segs[i].no, path, sizeof(path));
		s->total += s->segs[i].size;
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		uint64_t off = s->segs[i].no == cno ? coff : 0, len;
		int r;
		while ((r = read_rec(s, fd, off, s->segs[i].size, &len)) == 1) {
			s->pending++;
			off += len;
		}
		close(fd);
	}
	s->recovered = s->pending;
	s->ri = 0;
	s->roff = s->nsegs && s->segs[0].no == cno ? coff : 0;
	return s;
}

static int new_segment(struct spool *s)
{
	uint64_t no = s->nsegs ? s->segs[s->nsegs - 1].no + 1 : 1;
	char path[4200];
	seg_path(s, no, path, sizeof(path));
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (s->wfd >= 0)
		close(s->wfd);
	s->wfd = fd;
	if (s->nsegs == s->capsegs) {
		s->capsegs = s->capsegs ? s->capsegs * 2 : 16;
		s->segs = xrealloc(s->segs, s->capsegs * sizeof(*s->segs));
	}
	s->segs[s->nsegs++] = (struct seg){ no, 0 };
	return 0;
}

int spool__append(struct spool *s, const struct amsg *m)
{
	struct strbuf b;
	int rc = 0;
	strbuf_init(&b);
	encode(&b, m);
	pthread_mutex_lock(&s->mu);
	if (s->total + b.len > s->max_bytes) {
		rc = -ENOSPC;
		goto out;
	}
	if (s->wfd < 0 || s->segs[s->nsegs - 1].size >= s->seg_max)
		if ((rc = new_segment(s)))
			goto out;
	ssize_t w = write(s->wfd, b.buf, b.len);
	if (w != (ssize_t)b.len) {
		rc = w < 0 ? -errno : -EIO;
		/* a partial record would end the segment for the reader: start a new one */
		if (w > 0) {
			s->segs[s->nsegs - 1].size += (uint64_t)w;
			s->total += (uint64_t)w;
			close(s->wfd);
			s->wfd = -1;
		}
		goto out;
	}
	if (s->fsync)
		fdatasync(s->wfd);
	s->segs[s->nsegs - 1].size += b.len;
	s->total += b.len;
	s->pending++;
out:
	pthread_mutex_unlock(&s->mu);
	strbuf_fini(&b);
	return rc;
}

size_t spool__read(struct spool *s, struct amsg **out, size_t max, const char *hostname)
{
	size_t n = 0;
	pthread_mutex_lock(&s->mu);
	while (n < max && s->ri < s->nsegs) {
		struct seg *g = &s->segs[s->ri];
		bool last = s->ri == s->nsegs - 1;
		if (s->rfd < 0 || s->rfd_no != g->no) {
			char path[4200];
			if (s->rfd >= 0)
				close(s->rfd);
			seg_path(s, g->no, path, sizeof(path));
			s->rfd = open(path, O_RDONLY | O_CLOEXEC);
			s->rfd_no = g->no;
			if (s->rfd < 0) {
				s->corrupt++;
				s->ri++;
				s->roff = 0;
				continue;
			}
		}
		uint64_t len;
		int r = read_rec(s, s->rfd, s->roff, g->size, &len);
		if (r == 1) {
			struct amsg *m = decode((const uint8_t *)s->rec.buf, s->rec.len, hostname);
			s->roff += len;
			s->read_uncommitted++;
			if (m) {
				m->spool_seq = 0;
				out[n++] = m;
			} else {
				s->corrupt++;
			}
			continue;
		}
		if (r < 0 || (r == 0 && s->roff < g->size && !last) || (r == 0 && s->roff < g->size && last && s->wfd < 0)) {
			/* a torn or corrupt record: the rest of this segment is lost */
			s->corrupt++;
			s->roff = g->size;
		}
		if (last)
			break;
		s->ri++;
		s->roff = 0;
	}
	pthread_mutex_unlock(&s->mu);
	return n;
}

void spool__commit(struct spool *s)
{
	pthread_mutex_lock(&s->mu);
	if (s->read_uncommitted == 0) {
		pthread_mutex_unlock(&s->mu);
		return;
	}
	s->pending = s->pending > s->read_uncommitted ? s->pending - s->read_uncommitted : 0;
	s->read_uncommitted = 0;
	uint64_t no = s->ri < s->nsegs ? s->segs[s->ri].no : (s->nsegs ? s->segs[s->nsegs - 1].no + 1 : 0);
	save_cursor(s, no, s->roff);
	/* segments wholly before the read position are delivered */
	size_t drop = s->ri;
	for (size_t i = 0; i < drop; i++) {
		char path[4200];
		seg_path(s, s->segs[i].no, path, sizeof(path));
		unlink(path);
		s->total -= s->segs[i].size;
	}
	if (drop) {
		memmove(s->segs, s->segs + drop, (s->nsegs - drop) * sizeof(*s->segs));
		s->nsegs -= drop;
		s->ri = 0;
	}
	pthread_mutex_unlock(&s->mu);
}

uint64_t spool__pending(struct spool *s)
{
	pthread_mutex_lock(&s->mu);
	uint64_t n = s->pending;
	pthread_mutex_unlock(&s->mu);
	return n;
}

uint64_t spool__recovered(struct spool *s)
{
	return s->recovered;
}

uint64_t spool__corrupt(struct spool *s)
{
	pthread_mutex_lock(&s->mu);
	uint64_t n = s->corrupt;
	pthread_mutex_unlock(&s->mu);
	return n;
}

uint64_t spool__bytes(struct spool *s)
{
	pthread_mutex_lock(&s->mu);
	uint64_t n = s->total;
	pthread_mutex_unlock(&s->mu);
	return n;
}

void spool__close(struct spool *s)
{
	if (!s)
		return;
	if (s->wfd >= 0) {
		if (s->fsync)
			fsync(s->wfd);
		close(s->wfd);
	}
	if (s->rfd >= 0)
		close(s->rfd);
	pthread_mutex_destroy(&s->mu);
	strbuf_fini(&s->rec);
	free(s->segs);
	free(s->dir);
	free(s);
}
