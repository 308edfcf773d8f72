#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_capture_corrupt.py - robustness of `vigil capture info` against
truncated and corrupt captures: real fixtures from COMPAT_DIR/scap are cut at
many offsets (inside the section header, inside block headers and bodies, at
block boundaries) and corrupted (length fields, trailers, magic, version,
entry and event lengths, random byte flips), each written both raw and
re-gzipped. vigil must never die by a signal or a sanitizer report, must exit
0 or 1, and an exit 1 must name the file and a byte offset no larger than the
decompressed size. Where the outcome is certain it is checked exactly: a cut
or a broken frame inside block B is reported at B's offset; a cut at a block
boundary succeeds with the events before it, or fails with "no events in
file" (as libscap) when no event block is left; an unknown metadata block is
skipped, also one larger than the reader's 4 MiB buffer. The gzip stream
itself is also cut and damaged.

usage: check_capture_corrupt.py VIGIL COMPAT_DIR   (exit 77 = skip)"""
import concurrent.futures
import gzip
import json
import os
import random
import re
import struct
import subprocess
import sys
import tempfile

CAPTURES = [
    "falco/cat_write.scap",            # gzip, v1 events (22-byte header), PL_V6, FDL v1
    "libs/curl_google_comments.scap",  # gzip, section header with options, PL_V5
    "libs/sample.scap",                # raw, EV_V2, PL_V9, FDL_V2, IL_V2, UL_V2
    "sysflow/rename_rename.scap",      # raw, an EV_V2_LARGE block among EV_V2
]
EVENT_TYPES = {0x204, 0x8010ABCD, 0x216, 0x221, 0x208, 0x217, 0x222}
PL_V9, FDL_V2, EV_V2_LIKE = 0x215, 0x218, {0x216, 0x221}
TIMEOUT = 60


def blocks(data):
    """(offset, type, total length) of every block of a valid capture."""
    out, off = [], 0
    while off < len(data):
        btype, total = struct.unpack_from("<II", data, off)
        out.append((off, btype, total))
        off += total
    assert off == len(data), "fixture does not end at a block boundary"
    return out


def put32(data, off, value):
    b = bytearray(data)
    struct.pack_into("<I", b, off, value & 0xFFFFFFFF)
    return bytes(b)


def put16(data, off, value):
    b = bytearray(data)
    struct.pack_into("<H", b, off, value & 0xFFFF)
    return bytes(b)


class Case:
    """One input and what must happen: rc 1 at `offset`, rc 0 with `events`,
    or (offset and events None, rc None) only the generic checks."""

    def __init__(self, name, data, rc=None, offset=None, events=None, text=None, size=None):
        self.name, self.data, self.rc = name, data, rc
        self.offset, self.events, self.text = offset, events, text
        self.size = len(data) if size is None else size  # decompressed size


def truncations(rel, data, blks):
    cases = []
    meta_end = next(o for o, t, _ in blks if t in EVENT_TYPES)
    for cut in (0, 1, 4, 7, 8, 12, 20, blks[0][2] - 1):
        cases.append(Case(f"{rel}: cut at {cut} (section header)", data[:cut], rc=1, offset=0))
    # blocks to cut into: all metadata blocks, the first events, the large
    # blocks, and the last one
    evs = [b for b in blks if b[1] in EVENT_TYPES]
    picks = [b for b in blks[1:] if b[1] not in EVENT_TYPES][:8] + evs[:3] + evs[-1:]
    picks += [b for b in blks if b[1] in (0x221, 0x222)]
    seen = set()
    for off, btype, total in picks:
        if off in seen:
            continue
        seen.add(off)
        for d in sorted({1, 4, 7, 8, 12, total // 2, total - 4, total - 1}):
            cases.append(Case(f"{rel}: cut at {off}+{d} (block 0x{btype:x} of {total})", data[:off + d],
                              rc=1, offset=off))
    # exactly at block boundaries
    nev = 0
    for i, (off, btype, total) in enumerate(blks):
        end = off + total
        nev += btype in EVENT_TYPES
        if end <= meta_end:
            if i < 6 or end == meta_end:
                cases.append(Case(f"{rel}: cut after metadata block {i} at {end}", data[:end], rc=1,
                                  offset=end, text="no events in file"))
        elif nev in (1, 2, 10) or i == len(blks) - 2:
            cases.append(Case(f"{rel}: cut after event {nev} at {end}", data[:end], rc=0, events=nev))
    return cases


def corruptions(rel, data, blks, rng):
    cases = []
    total_events = sum(t in EVENT_TYPES for _, t, _ in blks)
    cases.append(Case(f"{rel}: bad magic", put32(data, 8, 0x4D3C2B1A), rc=1, offset=8,
                      text="invalid magic"))
    cases.append(Case(f"{rel}: section version 2", put16(data, 12, 2), rc=1, offset=12))
    cases.append(Case(f"{rel}: first block not a section header", put32(data, 0, 0x201), rc=1, offset=0))
    # framing of chosen blocks
    evs = [b for b in blks if b[1] in EVENT_TYPES]
    picks = [b for b in blks if b[1] not in EVENT_TYPES][:6] + evs[:2] + evs[-1:]
    picks += [b for b in blks if b[1] in (0x221, 0x222)]
    for off, btype, total in picks:
        tag = f"{rel}: block 0x{btype:x} at {off}"
        for new in (0, 8, total + 2, total + 4, total - 4, 0x0FFFFFF0, 0xFFFFFFF0):
            cases.append(Case(f"{tag}: length {total} -> {new}", put32(data, off + 4, new), rc=1, offset=off))
        cases.append(Case(f"{tag}: trailer mismatch", put32(data, off + total - 4, total + 4), rc=1,
                          offset=off, text="trailer"))
        # lengths inside the body
        if btype in EV_V2_LIKE:
            cases.append(Case(f"{tag}: event length huge", put32(data, off + 8 + 2 + 16, 0xFFFFFFF0),
                              rc=1, offset=off))
            cases.append(Case(f"{tag}: event length short", put32(data, off + 8 + 2 + 16, 10),
                              rc=1, offset=off))
            cases.append(Case(f"{tag}: nparams huge", put32(data, off + 8 + 2 + 22, 0x7FFFFFFF),
                              rc=1, offset=off))
        elif btype in EVENT_TYPES:
            cases.append(Case(f"{tag}: v1 event length huge", put32(data, off + 8 + 2 + 16, 0xFFFFFFF0),
                              rc=1, offset=off))
        elif btype == PL_V9:
            cases.append(Case(f"{tag}: process entry length huge", put32(data, off + 8, 0xFFFFFF00),
                              rc=1, offset=off))
        elif btype == FDL_V2 and total > 24:
            cases.append(Case(f"{tag}: fd entry length huge", put32(data, off + 16, 0xFFFFFF00),
                              rc=1, offset=off))
    # an unknown metadata block is skipped
    meta_end = evs[0][0]
    unknown = struct.pack("<II", 0x7777, 20) + b"\xAA" * 8 + struct.pack("<I", 20)
    cases.append(Case(f"{rel}: unknown metadata block", data[:meta_end] + unknown + data[meta_end:], rc=0,
                      events=total_events))
    # random byte flips (the outcome is either)
    for i in range(30):
        b = bytearray(data)
        n = rng.choice((1, 1, 2, 4, 16))
        where = []
        for _ in range(n):
            pos = rng.randrange(len(b))
            b[pos] ^= rng.randrange(1, 256)
            where.append(pos)
        cases.append(Case(f"{rel}: random flips #{i} at {where}", bytes(b)))
    # random flips confined to the header of a random block
    for i in range(20):
        off, btype, total = rng.choice(blks[1:])
        b = bytearray(data)
        pos = off + rng.randrange(8)
        b[pos] ^= rng.randrange(1, 256)
        cases.append(Case(f"{rel}: header flip #{i} at {pos} (block at {off})", bytes(b)))
    return cases


def big_block(rel, data, blks):
    """A metadata block larger than the reader's 4 MiB buffer, whole and cut."""
    meta_end = next(o for o, t, _ in blks if t in EVENT_TYPES)
    n = 9 * 1024 * 1024 + 12
    big = struct.pack("<II", 0x7777, n) + b"\x55" * (n - 12) + struct.pack("<I", n)
    total_events = sum(t in EVENT_TYPES for _, t, _ in blks)
    head = data[:meta_end] + big
    return [Case(f"{rel}: 9 MiB unknown metadata block", head + data[meta_end:], rc=0, events=total_events),
            Case(f"{rel}: cut inside a 9 MiB block", head[:-100], rc=1, offset=meta_end)]


def gzip_damage(rel, data, rng):
    """Damage to the compressed stream itself."""
    gz = gzip.compress(data, compresslevel=1, mtime=0)
    cases = []
    for frac in (0.1, 0.5, 0.9):
        cut = int(len(gz) * frac)
        cases.append(Case(f"{rel}: gzip stream cut at {cut}/{len(gz)}", gz[:cut], rc=1, size=len(data)))
    cases.append(Case(f"{rel}: gzip trailer cut", gz[:-4], rc=1, size=len(data)))
    bad_crc = bytearray(gz)
    bad_crc[-8] ^= 0xFF
    cases.append(Case(f"{rel}: gzip crc mismatch", bytes(bad_crc), rc=1, size=len(data)))
    for i in range(5):
        b = bytearray(gz)
        pos = rng.randrange(10, len(b) - 8)
        b[pos] ^= rng.randrange(1, 256)
        cases.append(Case(f"{rel}: compressed byte flip at {pos}", bytes(b), size=len(data)))
    return cases


def run(vigil, path, case):
    try:
        p = subprocess.run([vigil, "capture", "info", path], capture_output=True, text=True,
                           errors="replace", timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"hung for more than {TIMEOUT}s"
    err = p.stderr
    if p.returncode < 0:
        return f"killed by signal {-p.returncode}: {err.strip()[-400:]}"
    if "Sanitizer" in err or "runtime error:" in err:
        return f"sanitizer report: {err.strip()[-600:]}"
    if p.returncode not in (0, 1):
        return f"exit code {p.returncode}: {err.strip()[-300:]}"
    if p.returncode == 1:
        offsets = [int(x) for x in re.findall(r"byte offset (\d+)", err)]
        if path not in err:
            return f"error does not name the file: {err.strip()}"
        if not offsets:
            return f"error names no byte offset: {err.strip()}"
        if any(o > case.size for o in offsets):
            return f"offset beyond the {case.size}-byte stream: {err.strip()}"
        if case.offset is not None and offsets[0] != case.offset:
            return f"reported offset {offsets[0]}, expected {case.offset}: {err.strip()}"
        if case.text and case.text not in err:
            return f"expected '{case.text}' in: {err.strip()}"
    if case.rc is not None and p.returncode != case.rc:
        return f"exit {p.returncode}, expected {case.rc}: {err.strip()[:300]}"
    if p.returncode == 0:
        try:
            got = json.loads(p.stdout)
        except ValueError:
            return f"exit 0 but the output is not JSON: {p.stdout[:200]!r}"
        if case.events is not None and got.get("events") != case.events:
            return f"{got.get('events')} events, expected {case.events}"
    return None


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    vigil, compat = sys.argv[1:3]
    paths = [os.path.join(compat, "scap", rel) for rel in CAPTURES]
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        print(f"SKIP: fixtures not found: {', '.join(missing)}")
        return 77
    rng = random.Random(20240901)
    jobs = []
    with tempfile.TemporaryDirectory(prefix="vigil-corrupt-") as tmp:
        for rel, src in zip(CAPTURES, paths):
            raw = open(src, "rb").read()
            data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
            blks = blocks(data)
            cases = truncations(rel, data, blks) + corruptions(rel, data, blks, rng)
            if rel == "libs/sample.scap":
                cases += big_block(rel, data, blks)
            for case in cases:
                for gz in (False, True):
                    path = os.path.join(tmp, f"{len(jobs)}.scap" + (".gz" if gz else ""))
                    with open(path, "wb") as f:
                        f.write(gzip.compress(case.data, compresslevel=1, mtime=0) if gz else case.data)
                    jobs.append((path, case, gz))
            for case in gzip_damage(rel, data, rng):
                path = os.path.join(tmp, f"{len(jobs)}.scap.gz")
                with open(path, "wb") as f:
                    f.write(case.data)
                jobs.append((path, case, True))
        failures = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            results = pool.map(lambda j: run(vigil, j[0], j[1]), jobs)
            for (path, case, gz), why in zip(jobs, results):
                if why:
                    failures.append(f"{case.name}{' [gzip]' if gz else ''}: {why}")
    for f in failures[:40]:
        print("FAIL", f)
    print(f"{len(jobs)} corrupt or truncated captures, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
