#!/usr/bin/env python3
"""check_capture_inventory.py - one capture of ../shared/compat/scap against the
independent block walker's inventory.jsonl: `vigil capture info FILE` must report
the same gzip flag, section version, machine info, block counts by type, event
count, event-type histogram and time range.

usage: check_capture_inventory.py VIGIL COMPAT_DIR RELPATH   (exit 77 = skip)"""
import json
import os
import subprocess
import sys


def main():
    vigil, compat, rel = sys.argv[1:4]
    inv_path = os.path.join(compat, "scap", "inventory.jsonl")
    if not os.path.exists(inv_path):
        print(f"SKIP: {inv_path} not found")
        return 77
    want = None
    for line in open(inv_path):
        row = json.loads(line)
        if row["file"] == rel:
            want = row
    if want is None:
        print(f"no inventory row for {rel}")
        return 1
    out = subprocess.run([vigil, "capture", "info", os.path.join(compat, "scap", rel)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stderr)
        return 1
    got = json.loads(out.stdout)
    errors = []

    def check(what, a, b):
        if a != b:
            errors.append(f"{what}: vigil={a!r} inventory={b!r}")

    check("gzip", got["gzip"], want["gzip"])
    check("shb version", got["shb"], want["shb"][1:])
    check("blocks", got["blocks"], want["blocks"])
    check("events", got["events"], want["events"])
    want_types = {k.split(":")[0]: v for k, v in want["types"].items()}
    got_types = {k: v["count"] for k, v in got["types"].items()}
    check("event types", got_types, want_types)
    check("first_ts", got["first_ts"], want["first_ts"])
    check("last_ts", got["last_ts"], want["last_ts"])
    if want.get("nproc_entries") is not None:
        check("process entries", got["nproc_entries"], want["nproc_entries"])
    if want.get("mi"):
        for k in ("num_cpus", "mem", "hostname"):
            check(f"mi.{k}", got.get("mi", {}).get(k), want["mi"][k])
    for e in errors:
        print(e)
    if not errors:
        print(f"{rel}: {got['events']} events, {len(got_types)} event types, blocks {got['blocks']} - match")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
