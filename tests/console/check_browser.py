#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_browser.py - runs browser.js (the alert console in headless
Chromium through playwright-core) after installing playwright-core from the
pinned package-lock.json into the build directory (npm ci, no browser
download: Debian's chromium is used).

usage: check_browser.py replay VIGIL GEN_ALERTS WORKDIR
       check_browser.py live VIGIL WORKDIR          (root: vigil run)

Exits 77 (skip) when node, npm or chromium is missing or npm cannot install
the package, or for `live` without root; the test's own result otherwise.
The overview screenshot stays in WORKDIR (its path is printed)."""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77


def skip(why):
    print("SKIP: " + why)
    sys.exit(SKIP)


def install(work):
    """npm ci of tests/console/package-lock.json into WORKDIR/npm; returns
    its node_modules."""
    dest = os.path.join(work, "npm")
    mods = os.path.join(dest, "node_modules")
    lock = os.path.join(HERE, "package-lock.json")
    stamp = os.path.join(dest, "lock.copy")
    if os.path.isfile(stamp) and open(stamp).read() == open(lock).read() and \
            os.path.isdir(os.path.join(mods, "playwright-core")):
        return mods
    os.makedirs(dest, exist_ok=True)
    for f in ("package.json", "package-lock.json"):
        shutil.copy(os.path.join(HERE, f), dest)
    env = dict(os.environ, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1")
    r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=dest, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    if r.returncode:
        skip("npm ci of playwright-core failed (no registry?):\n" + r.stdout[-2000:])
    shutil.copy(lock, stamp)
    return mods


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("replay", "live"):
        print(__doc__)
        sys.exit(2)
    mode = sys.argv[1]
    work = sys.argv[-1]
    os.makedirs(work, exist_ok=True)
    if mode == "live" and os.geteuid() != 0:
        skip("the live console test runs vigil run (BPF probe) and needs root")
    for b, pkg in (("node", "nodejs"), ("npm", "npm"), ("chromium", "chromium")):
        if not shutil.which(b):
            skip("%s not found (Debian package %s)" % (b, pkg))
    mods = install(work)
    rules = os.path.join(HERE, "rules.yaml")
    args = [sys.argv[2], sys.argv[3], rules, work] if mode == "replay" else [sys.argv[2], rules, work]
    env = dict(os.environ, NODE_PATH=mods, CHROMIUM=shutil.which("chromium"))
    r = subprocess.run(["node", os.path.join(HERE, "browser.js"), mode] + args, env=env, timeout=600)
    sys.exit(r.returncode)


main()
