#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""make_capture_seeds.py - builds the seed corpus of fuzz_capture
(tests/fuzz/corpus/capture/) from the real captures in COMPAT_DIR/scap: each
seed is a small, valid capture cut down from one fixture (the metadata blocks
with the process list trimmed to a few threads, fd lists reduced to one entry
of each fd type, and the first event of each event type), plus a gzip copy,
a truncated copy and one with the EVF block types no fixture has.

usage: make_capture_seeds.py COMPAT_DIR [OUT_DIR]"""
import gzip
import os
import struct
import sys

SHB = 0x0A0D0D0A
PL_VERSIONS = {0x202: 1, 0x8000ABCD: 1, 0x207: 2, 0x8013ABCD: 2, 0x209: 3, 0x8014ABCD: 3,
               0x210: 4, 0x211: 5, 0x212: 6, 0x213: 7, 0x214: 8, 0x215: 9}
FDL = (0x203, 0x8001ABCD)
FDL_V2 = 0x218
EV_V1 = (0x204, 0x8010ABCD)
EV_V2, EV_V2_LARGE = 0x216, 0x221
EVF_V1, EVF_V2, EVF_V2_LARGE = 0x208, 0x217, 0x222
EVENTS = EV_V1 + (EV_V2, EV_V2_LARGE, EVF_V1, EVF_V2, EVF_V2_LARGE)

PL_KEEP = 4          # threads kept from the process list
EV_KEEP = 40         # events kept (first of each type)
EV_MAX_BODY = 2048   # larger ordinary events are skipped (the large-block one is kept)
FDL_BLOCKS = 6       # fd-list blocks kept


def read_capture(path):
    data = open(path, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


def blocks(data):
    """(type, body) of every block; the body excludes header and trailer."""
    off = 0
    while off + 8 <= len(data):
        btype, total = struct.unpack_from("<II", data, off)
        if total < 12 or off + total > len(data):
            raise ValueError(f"bad block at {off}")
        yield btype, data[off + 8:off + total - 4]
        off += total


def block(btype, body):
    body = body + b"\0" * (-len(body) % 4)
    total = len(body) + 12
    return struct.pack("<II", btype, total) + body + struct.pack("<I", total)


class Cur:
    def __init__(self, buf):
        self.buf, self.off = buf, 0

    def skip(self, n):
        if self.off + n > len(self.buf):
            raise ValueError("short entry")
        self.off += n

    def u16(self):
        (v,) = struct.unpack_from("<H", self.buf, self.off)
        self.off += 2
        return v

    def u32(self):
        (v,) = struct.unpack_from("<I", self.buf, self.off)
        self.off += 4
        return v

    def u8(self):
        v = self.buf[self.off]
        self.off += 1
        return v

    def str(self):
        self.skip(self.u16())


def pl_entry_len(body, off, v):
    """Length of the V1-V8 process entry at `off` (these carry no length)."""
    c = Cur(body)
    c.off = off
    c.skip(24 + (8 if v >= 6 else 0) + (8 if v >= 8 else 0))
    for _ in range(3 if v >= 7 else 2):  # comm, exe[, exepath]
        c.str()
    c.str()  # args
    c.str()  # cwd
    c.skip(8 + 12)
    if v >= 2:
        c.skip(12 + 16)
    if v >= 3:
        c.str()
    if v >= 4:
        c.skip(16)
        c.str()
    if v >= 5:
        c.str()
    return c.off - off


def trim_proclist(btype, body):
    v = PL_VERSIONS[btype]
    off, keep = 0, []
    while len(keep) < PL_KEEP and len(body) - off >= 24:
        n = struct.unpack_from("<I", body, off)[0] if v >= 9 else pl_entry_len(body, off, v)
        keep.append(body[off:off + n])
        off += n
    return b"".join(keep)


def fd_entry_len(body, off):
    """Length of the FDL v1 entry at `off`, and its fd type."""
    c = Cur(body)
    c.off = off + 16
    t = c.u8()
    fixed = {3: 13, 4: 37, 5: 7, 6: 19}
    if t in fixed:
        c.skip(fixed[t])
    elif t == 8:
        c.skip(16)
        c.str()
    elif t == 16:
        c.skip(4)
        c.str()
    else:
        c.str()
    return c.off - off, t


def trim_fdlist(btype, body, seen):
    """Keep the entries of fd types not seen yet; None if none is left."""
    off, keep = 8, []
    while True:
        if btype == FDL_V2:
            if len(body) - off < 4 or struct.unpack_from("<I", body, off)[0] == 0:
                break
            n = struct.unpack_from("<I", body, off)[0]
            t = body[off + 20]
        else:
            if len(body) - off < 17:
                break
            n, t = fd_entry_len(body, off)
        if t not in seen:
            seen.add(t)
            keep.append(body[off:off + n])
        off += n
    return body[:8] + b"".join(keep) if keep else None


def event_type(btype, body):
    hdr = 2 + (4 if btype in (EVF_V1, EVF_V2, EVF_V2_LARGE) else 0)
    return struct.unpack_from("<H", body, hdr + 20)[0]


def make_seed(data, keep_all_meta=False):
    """A small capture from the blocks of `data`."""
    out, fd_seen, ev_seen, nfdl, nev = [], set(), set(), 0, 0
    for btype, body in blocks(data):
        if btype in PL_VERSIONS:
            out.append(block(btype, trim_proclist(btype, body)))
        elif btype in FDL or btype == FDL_V2:
            if nfdl < FDL_BLOCKS:
                trimmed = trim_fdlist(btype, body, fd_seen)
                if trimmed is not None:
                    out.append(block(btype, trimmed))
                    nfdl += 1
        elif btype in EVENTS:
            key = (btype, event_type(btype, body))
            large = btype in (EV_V2_LARGE, EVF_V2_LARGE)
            if nev < EV_KEEP and key not in ev_seen and (large or len(body) <= EV_MAX_BODY):
                ev_seen.add(key)
                out.append(block(btype, body))
                nev += 1
        else:
            out.append(block(btype, body))
    return b"".join(out)


def with_evf(seed):
    """Turn every other event block into its EVF form (flags after cpuid)."""
    out, i = [], 0
    for btype, body in blocks(seed):
        evf = {EV_V1[0]: EVF_V1, EV_V2: EVF_V2, EV_V2_LARGE: EVF_V2_LARGE}.get(btype)
        if evf is not None and i % 2:
            flags = 1 if i % 4 == 1 else 0
            out.append(block(evf, body[:2] + struct.pack("<I", flags) + body[2:]))
        else:
            out.append(block(btype, body))
        if btype in EVENTS:
            i += 1
    return b"".join(out)


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    scap = os.path.join(sys.argv[1], "scap")
    out_dir = sys.argv[2] if len(sys.argv) == 3 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus", "capture")
    os.makedirs(out_dir, exist_ok=True)
    seeds = {}
    sources = {
        "v1_pl6_cat_write": "falco/cat_write.scap",
        "v1_pl5_curl_shb_options": "libs/curl_google_comments.scap",
        "v1_pl7_connect": "falco/connect_localhost.scap",
        "v1_pl8_syscall": "falco/syscall.scap",
        "v2_pl9_sample": "libs/sample.scap",
        "v2_large_rename": "sysflow/rename_rename.scap",
        "v2_ipv6_conn": "libs/single_ipv6_conn.scap",
    }
    for name, rel in sources.items():
        seeds[name] = make_seed(read_capture(os.path.join(scap, rel)))
    seeds["v2_evf_mixed"] = with_evf(seeds["v2_large_rename"])
    seeds["v1_evf_mixed"] = with_evf(seeds["v1_pl6_cat_write"])
    sample = seeds["v2_pl9_sample"]
    seeds["v2_truncated"] = sample[:len(sample) * 2 // 3 + 5]
    for name, data in sorted(seeds.items()):
        with open(os.path.join(out_dir, name + ".scap"), "wb") as f:
            f.write(data)
    with open(os.path.join(out_dir, "v1_pl6_cat_write.scap.gz"), "wb") as f:
        f.write(gzip.compress(seeds["v1_pl6_cat_write"], mtime=0))
    total = sum(os.path.getsize(os.path.join(out_dir, n)) for n in os.listdir(out_dir))
    print(f"{len(os.listdir(out_dir))} seeds, {total} bytes in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
