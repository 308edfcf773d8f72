/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool.h - an output's on-disk spool: an append-only log of the alerts
 * routed to it, so that they survive a backend outage and an agent restart
 * (at-least-once). The engine's thread appends every alert; the output's
 * worker reads them in order, delivers them, then commits: the read
 * position is saved and segments wholly delivered are deleted. After a
 * restart the worker starts again at the last commit, so alerts delivered
 * but not yet committed are sent twice, never lost.
 *
 * On disk, in the output's directory:
 *   seg-<16 digits>.log  segments, records appended:
 *                        "VGSR" | u32 length | u32 crc32 | payload
 *   cursor               "<segment> <offset>\n": where delivery resumes
 * A segment is closed at max_size/8 (at least 64 KiB); a new run appends to
 * a new segment. The cap counts the bytes of the segments on disk: when an
 * alert does not fit, it is refused (the caller counts it dropped). A torn
 * or corrupt record ends its segment (counted, reported).
 *
 * Threads: spool__append() on one thread, spool__read()/spool__commit() on
 * another; the spool locks what they share.
 */
#ifndef VIGIL_OUTPUT_SPOOL_H
#define VIGIL_OUTPUT_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct amsg;
struct spool;

/* Open (creating the directory) and scan what a previous run left.
 * Returns NULL with a message in err. */
struct spool *spool__open(const char *dir, uint64_t max_bytes, bool fsync, char *err, size_t errlen);
/* Append one alert. 0, -ENOSPC when over the cap, or -errno. */
int spool__append(struct spool *s, const struct amsg *m);
/* Read up to max alerts after the read position into out (new references).
 * Returns how many (0: nothing more yet). */
size_t spool__read(struct spool *s, struct amsg **out, size_t max, const char *hostname);
/* Everything read so far is delivered (or given up): persist the position. */
void spool__commit(struct spool *s);
/* Alerts appended and not yet committed. */
uint64_t spool__pending(struct spool *s);
/* Alerts found pending at open, and records skipped as corrupt. */
uint64_t spool__recovered(struct spool *s);
uint64_t spool__corrupt(struct spool *s);
uint64_t spool__bytes(struct spool *s);
void spool__close(struct spool *s);

#endif
