/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scap_reader.c - the block layer of .scap files: opens a plain or gzip file
 * (zlib reads both), checks the section header, and returns one framed block
 * at a time from a large read buffer, checking each block's length and
 * trailer. Errors name the byte offset of the offending block.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <zlib.h>
#include "capture/scap.h"
#include "common/xalloc.h"

#define READ_CHUNK (4u << 20)
#define MAX_BLOCK (256u << 20)

struct scap_reader {
	gzFile gz;		/* NULL when the file is mapped */
	bool mapped;		/* plain file: buf is a read-only mapping of it */
	bool gzip;
	uint8_t *buf;
	size_t cap, len, pos;	/* valid bytes buf[pos, len) */
	uint64_t buf_off;	/* stream offset of buf[0] */
	bool eof;
	uint16_t major, minor;
	bool shb_pending;	/* the SHB was read at open and not yet returned */
	struct scap_block shb;
	char err[512];
};

static int fail(struct scap_reader *r, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return rc;
}

/* Make at least `need` bytes available at buf[pos]; returns the number
 * available (may be less at EOF), or -EIO. */
static ssize_t fill(struct scap_reader *r, size_t need)
{
	if (r->len - r->pos >= need || r->mapped)
		return (ssize_t)(r->len - r->pos);
	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->buf_off += r->pos;
		r->len -= r->pos;
		r->pos = 0;
	}
	while (r->len < need && !r->eof) {
		if (r->len == r->cap) {
			/* grow only as data arrives: a corrupt block length must
			 * not make a short file allocate MAX_BLOCK bytes */
			size_t cap = r->cap * 2 < need ? r->cap * 2 : need;
			r->buf = xrealloc(r->buf, cap);
			r->cap = cap;
		}
		size_t want = r->cap - r->len;
		if (want > (1u << 30))
			want = 1u << 30;
		int n = gzread(r->gz, r->buf + r->len, (unsigned)want);
		int zerr = Z_OK;
		const char *msg = n <= 0 ? gzerror(r->gz, &zerr) : NULL;
		/* a gzip stream cut short reads as end of file: only gzerror()
		 * tells (Z_BUF_ERROR), as libscap checks after a short read */
		if (n < 0 || zerr != Z_OK) {
			fail(r, -EIO, "read error at byte offset %llu: %s",
			     (unsigned long long)(r->buf_off + r->len), msg);
			return -EIO;
		}
		if (n == 0)
			r->eof = true;
		r->len += (size_t)n;
	}
	return (ssize_t)(r->len - r->pos);
}

static int read_block(struct scap_reader *r, struct scap_block *b)
{
	ssize_t avail = fill(r, 8);
	uint64_t off = r->buf_off + r->pos;

	if (avail < 0)
		return (int)avail;
	if (avail == 0)
		return 0;
	if (avail < 8)
		return fail(r, -EINVAL, "truncated block header at byte offset %llu (%zd bytes left)",
			    (unsigned long long)off, avail);
	uint32_t type = rd32(r->buf + r->pos);
	uint32_t total = rd32(r->buf + r->pos + 4);
	if (total < 12 || total % 4 != 0 || total > MAX_BLOCK)
		return fail(r, -EINVAL, "invalid block length %u for block type 0x%x at byte offset %llu",
			    total, type, (unsigned long long)off);
	avail = fill(r, total);
	if (avail < 0)
		return (int)avail;
	if ((size_t)avail < total)
		return fail(r, -EINVAL,
			    "truncated block at byte offset %llu: type 0x%x needs %u bytes, %zd left",
			    (unsigned long long)off, type, total, avail);
	const uint8_t *p = r->buf + r->pos;
	uint32_t trailer = rd32(p + total - 4);
	if (trailer != total)
		return fail(r, -EINVAL,
			    "corrupt block at byte offset %llu: trailer length %u differs from header length %u",
			    (unsigned long long)off, trailer, total);
	b->type = type;
	b->total_len = total;
	b->offset = off;
	b->body = p + 8;
	b->body_len = total - 12;
	r->pos += total;
	return 1;
}

struct scap_reader *scap_reader__open(const char *path, char *err, size_t errlen)
{
	struct scap_reader *r = xcalloc(1, sizeof(*r));
	FILE *f;
	unsigned char magic[2] = { 0, 0 };
	int rc;

	f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(r);
		return NULL;
	}
	r->gzip = fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
	if (!r->gzip) {
		/* plain files are mapped: blocks are read in place, no copy */
		struct stat st;
		if (!fstat(fileno(f), &st) && S_ISREG(st.st_mode) && st.st_size > 0) {
			void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fileno(f), 0);
			if (m != MAP_FAILED) {
				madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
				r->buf = m;
				r->len = r->cap = (size_t)st.st_size;
				r->eof = true;
				r->mapped = true;
			}
		}
	}
	fclose(f);
	if (r->mapped)
		goto opened;
	r->gz = gzopen(path, "rb");
	if (!r->gz) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno ? errno : ENOMEM));
		free(r);
		errno = errno ? errno : ENOMEM;
		return NULL;
	}
	gzbuffer(r->gz, 256 * 1024);
	r->cap = READ_CHUNK;
	r->buf = xmalloc(r->cap);
opened:

	rc = read_block(r, &r->shb);
	if (rc == 0)
		rc = fail(r, -EINVAL, "empty file: no section header block at byte offset 0");
	if (rc > 0 && r->shb.type != SCAP_BT_SHB)
		rc = fail(r, -EINVAL, "not a scap file: first block type 0x%x at byte offset 0 is not a section header",
			  r->shb.type);
	if (rc > 0 && r->shb.body_len < 16)
		rc = fail(r, -EINVAL, "section header at byte offset 0 is too short (%u bytes)", r->shb.body_len);
	if (rc > 0) {
		uint32_t m = rd32(r->shb.body);
		r->major = rd16(r->shb.body + 4);
		r->minor = rd16(r->shb.body + 6);
		if (m != SCAP_SHB_MAGIC)
			rc = fail(r, -EINVAL, "invalid magic number 0x%08x in the section header at byte offset 8", m);
		else if (r->major != 1)
			rc = fail(r, -EINVAL, "unsupported scap section version %u.%u at byte offset 12",
				  r->major, r->minor);
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, r->err);
		scap_reader__free(r);
		errno = -rc;
		return NULL;
	}
	r->shb_pending = true;
	return r;
}

void scap_reader__free(struct scap_reader *r)
{
	if (!r)
		return;
	if (r->gz)
		gzclose(r->gz);
	if (r->mapped)
		munmap(r->buf, r->cap);
	else
		free(r->buf);
	free(r);
}

int scap_reader__next_block(struct scap_reader *r, struct scap_block *b)
{
	if (r->shb_pending) {
		/* the SHB was consumed at open; the buffer still holds it unless
		 * fill() compacted, which only happens in read_block() */
		r->shb_pending = false;
		*b = r->shb;
		return 1;
	}
	return read_block(r, b);
}

const char *scap_reader__error(const struct scap_reader *r)
{
	return r->err;
}

void scap_reader__version(const struct scap_reader *r, uint16_t *major, uint16_t *minor)
{
	*major = r->major;
	*minor = r->minor;
}

bool scap_reader__is_gzip(const struct scap_reader *r)
{
	return r->gzip;
}

const char *scap_block_name(uint32_t type)
{
	switch (type) {
	case SCAP_BT_SHB: return "SHB";
	case SCAP_BT_MI: case SCAP_BT_MI_INT: return "MI";
	case SCAP_BT_PL_V1: case SCAP_BT_PL_V1_INT: return "PL_V1";
	case SCAP_BT_PL_V2: case SCAP_BT_PL_V2_INT: return "PL_V2";
	case SCAP_BT_PL_V3: case SCAP_BT_PL_V3_INT: return "PL_V3";
	case SCAP_BT_PL_V4: return "PL_V4";
	case SCAP_BT_PL_V5: return "PL_V5";
	case SCAP_BT_PL_V6: return "PL_V6";
	case SCAP_BT_PL_V7: return "PL_V7";
	case SCAP_BT_PL_V8: return "PL_V8";
	case SCAP_BT_PL_V9: return "PL_V9";
	case SCAP_BT_FDL: case SCAP_BT_FDL_INT: return "FDL";
	case SCAP_BT_FDL_V2: return "FDL_V2";
	case SCAP_BT_EV: case SCAP_BT_EV_INT: return "EV";
	case SCAP_BT_EV_V2: return "EV_V2";
	case SCAP_BT_EV_V2_LARGE: return "EV_V2_LARGE";
	case SCAP_BT_EVF: return "EVF";
	case SCAP_BT_EVF_V2: return "EVF_V2";
	case SCAP_BT_EVF_V2_LARGE: return "EVF_V2_LARGE";
	case SCAP_BT_IL: case SCAP_BT_IL_INT: return "IL";
	case SCAP_BT_IL_V2: return "IL_V2";
	case SCAP_BT_UL: case SCAP_BT_UL_INT: return "UL";
	case SCAP_BT_UL_V2: return "UL_V2";
	default: return NULL;
	}
}

bool scap_block_is_event(uint32_t type)
{
	switch (type) {
	case SCAP_BT_EV: case SCAP_BT_EV_INT: case SCAP_BT_EV_V2: case SCAP_BT_EV_V2_LARGE:
	case SCAP_BT_EVF: case SCAP_BT_EVF_V2: case SCAP_BT_EVF_V2_LARGE:
		return true;
	default:
		return false;
	}
}
