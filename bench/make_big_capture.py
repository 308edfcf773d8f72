#!/usr/bin/env python3
"""make_big_capture.py - builds a large .scap for throughput benchmarks: the
metadata blocks of a real capture once, then its event blocks N times, each
copy's timestamps shifted past the previous one (the method of
capture-format.md section 1.3).

usage: make_big_capture.py IN.scap OUT.scap N"""
import gzip
import struct
import sys

EVENT_BLOCKS = {0x204, 0x216, 0x221, 0x208, 0x217, 0x222, 0x8010ABCD}


def main():
    src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    data = open(src, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    meta, events = [], []
    off = 0
    first = last = None
    while off < len(data):
        btype, blen = struct.unpack_from("<II", data, off)
        block = data[off:off + blen]
        if btype in EVENT_BLOCKS:
            hdr = 8 + 2 + (4 if btype in (0x208, 0x217, 0x222) else 0)
            ts = struct.unpack_from("<Q", block, hdr)[0]
            if ts > 10**18:  # ignore zero/garbage timestamps for the span
                first = ts if first is None else min(first, ts)
                last = ts if last is None else max(last, ts)
            events.append((bytearray(block), hdr))
        else:
            meta.append(block)
        off += blen
    span = (last - first) + 1_000_000_000
    with open(dst, "wb") as out:
        for b in meta:
            out.write(b)
        for i in range(n):
            shift = i * span
            for block, hdr in events:
                ts = struct.unpack_from("<Q", block, hdr)[0]
                struct.pack_into("<Q", block, hdr, min(ts + shift, 2**64 - 1))
                out.write(block)
                struct.pack_into("<Q", block, hdr, ts)
    print(f"{dst}: {len(events) * n} events")


if __name__ == "__main__":
    main()
