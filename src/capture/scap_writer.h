/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scap_writer.h - writing .scap capture files that vigil, current
 * falcosecurity libs and Debian's sysdig 0.29.3 (libs of 2022) all read: the
 * inverse of scap.h's reader. Used by `vigil replay -w` (events of a capture,
 * possibly filtered) and by live capture (events from the ring buffers).
 *
 * A file is written in this order, as libscap's own writer does:
 *   scap_writer__open()         section header (SHB 1.2)
 *   scap_writer__write_state()  machine info, interfaces, users and groups,
 *                               the process list (one PL_V9 block) and one
 *                               fd list (FDL_V2) per process: what the state
 *                               knows at that moment. Optional; at most once,
 *                               before the first event.
 *   scap_writer__write_event()  events, in stream order (EV_V2 blocks; EVF_V2
 *                               when the event has dump flags; the _LARGE
 *                               variants for large-payload events).
 *   scap_writer__close()        flush, close, report any write error.
 *
 * Layout choices, for Debian's sysdig (libs 2022) as the strictest reader:
 * - process entries stop after loginuid, exe_writable and the capabilities
 *   (libs < 0.10 layout): sysdig 0.29.3 misreads entries that carry tty and
 *   pidns_init_start_ts, and current libs still read this layout. tty,
 *   pidns_init_start_ts, exe_upper_layer/lower_layer/from_memfd, exe_ino* and
 *   pgid of the initial threads are therefore not written, unless
 *   SCAP_W_CURRENT_LIBS asks for the newer layout;
 * - fds of types libs 2022 do not know (bpf, userfaultfd, io_uring, memfd,
 *   pidfd), which make sysdig 0.29.3 refuse the file, are written as
 *   "unsupported" with their name (fd.type is lost), unless
 *   SCAP_W_CURRENT_LIBS;
 * - strings are cut to libscap 2022's limits (paths 1023/1024 bytes, args,
 *   env and cgroups 4096 at an element boundary, user names 255);
 * - exit events in vigil's merged layout (their own parameters: those of
 *   2022 and those later libs appended, then the enter parameters, see
 *   event_table.c) that carry enter parameters and whose enter event is not
 *   in the written stream are written as a 2022 pair: the enter event (its
 *   parameters taken by name from the exit, same tid, cpu, flags and
 *   timestamp) then the exit with its own parameters only. libs 2022 take
 *   some values from the enter event only (connect's fd, for one), and read
 *   past the parameters their table does not know, so vigil keeps what later
 *   libs added (an execve's capabilities, exe inode, trusted exe path).
 *   Every other event is written as it is, byte for byte when it came from a
 *   v2 block, including event codes >= 336 that sysdig 0.29.3 skips.
 *
 * Errors: every function returns 0 or a negative errno. The first write
 * error is sticky: later calls return it without writing, and
 * scap_writer__close() reports it with the number of bytes that reached the
 * file, so a partial output is never silent.
 *
 * Ownership: the writer copies what it needs; events and state are borrowed
 * for the duration of the call only.
 */
#ifndef VIGIL_SCAP_WRITER_H
#define VIGIL_SCAP_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "capture/scap.h"
#include "event/event.h"

struct state;
struct scap_writer;

/* scap_writer__open() flags. */
enum scap_writer_flags {
	SCAP_W_GZIP = 1 << 0,		/* gzip the file (implied by a name ending in ".gz") */
	SCAP_W_CURRENT_LIBS = 1 << 1,	/* for vigil and current libs only: process
					   entries in the libs >= 0.10 layout (every
					   field the state keeps) and fd types newer than
					   2022 as they are; sysdig 0.29.3 then misreads
					   loginuid and refuses files with such fds */
};

struct scap_writer_stats {
	uint64_t events;		/* events written, synthesized enter events included */
	uint64_t enters_added;		/* enter events synthesized from merged exit events */
	uint64_t threads, fds;		/* process and fd entries written by write_state */
	uint64_t bytes;			/* uncompressed bytes handed to the file */
};

/* Create (or truncate) `path` and write the section header; "-" writes to
 * stdout. Returns NULL with errno set and a message in err on failure. */
struct scap_writer *scap_writer__open(const char *path, unsigned flags, char *err, size_t errlen);

/* Write the metadata blocks from `st` (threads, fd tables, users, groups,
 * interfaces). `mi` overrides the machine info the state holds (hostname,
 * CPUs, memory, boot time); NULL uses the state's. -EINVAL if events were
 * already written or the state was already written. */
int scap_writer__write_state(struct scap_writer *w, const struct state *st, const struct scap_machine_info *mi);

/* Write one event (see the header comment for merged exit events). The event
 * needs its header fields (ts, tid, type, cpuid, dump_flags) and either its
 * parameters (nparams, params[]) or, for event codes vigil does not know, its
 * raw v2 bytes (raw, rawlen, hdrlen 26). -EINVAL for an event that cannot be
 * encoded (a parameter longer than its length field allows, an unknown code
 * without raw bytes). */
int scap_writer__write_event(struct scap_writer *w, const struct event *ev);

/* Flush and close, then free the writer (NULL is a no-op). Returns 0, or the
 * first error of the writer's life (negative errno) with a message in err
 * that names the file and how many bytes it holds. */
int scap_writer__close(struct scap_writer *w, char *err, size_t errlen);

/* True until the state or an event was written: scap_writer__write_state()
 * may still be called. */
bool scap_writer__wants_state(const struct scap_writer *w);

/* The message of the writer's first error, "" if none. */
const char *scap_writer__error(const struct scap_writer *w);
const struct scap_writer_stats *scap_writer__stats(const struct scap_writer *w);

#endif /* VIGIL_SCAP_WRITER_H */
