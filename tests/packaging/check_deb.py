#!/usr/bin/env python3
"""check_deb.py - builds vigil's Debian package (packaging/deb/build-deb.sh),
checks its metadata (Depends from the binary's libraries, conffiles for
/etc/vigil), installs it with dpkg into a fresh directory tree, and runs the
installed vigil there: `vigil --version`, and `vigil rules check` with no
argument inside a chroot of that tree, so that the compiled-in
/etc/vigil/vigil.yaml and its rules directory are the ones used.
usage: check_deb.py SOURCE_DIR BUILD_DIR"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

src, build = sys.argv[1], sys.argv[2]
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


for tool in ("dpkg-deb", "dpkg-shlibdeps", "dpkg"):
    if not shutil.which(tool):
        print(f"SKIP: {tool} is not installed (dpkg-dev)")
        sys.exit(77)
cache = open(os.path.join(build, "CMakeCache.txt")).read()
if "CMAKE_INSTALL_PREFIX:PATH=/usr\n" not in cache:
    print("SKIP: this build is not configured with CMAKE_INSTALL_PREFIX=/usr")
    sys.exit(77)
version = re.search(r"^CMAKE_PROJECT_VERSION:STATIC=(.*)$", cache, re.M).group(1)

tmp = tempfile.mkdtemp(prefix="vigil-deb-test.")
try:
    r = run([os.path.join(src, "packaging/deb/build-deb.sh"), build, version, tmp])
    check(r.returncode == 0, f"build-deb.sh builds the package ({r.stderr.strip()})")
    if r.returncode:
        sys.exit(1)
    deb = r.stdout.strip()
    check(os.path.basename(deb) == f"vigil_{version}_{run(['dpkg', '--print-architecture']).stdout.strip()}.deb",
          f"package file name {os.path.basename(deb)}")

    # --- metadata ---
    fields = {f: run(["dpkg-deb", "-f", deb, f]).stdout.strip() for f in ("Package", "Version", "Depends")}
    check(fields["Package"] == "vigil" and fields["Version"] == version, f"Package/Version: {fields}")
    depends = fields["Depends"]
    # every library the binary links (DT_NEEDED) must come from a package named in Depends
    unpacked = os.path.join(tmp, "x")
    subprocess.run(["dpkg-deb", "-x", deb, unpacked], check=True)
    binary = os.path.join(unpacked, "usr/bin/vigil")
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^]]+)\]", run(["readelf", "-d", binary]).stdout)
    where = dict(re.findall(r"^\s*(\S+) => (/\S+)", run(["ldd", binary]).stdout, re.M))
    libs = [where.get(n, n) for n in needed]
    check(len(libs) >= 10, f"the binary links {len(libs)} libraries: {' '.join(needed)}")
    dep_names = {d.strip().split()[0] for d in depends.split(",") if d.strip()}
    for lib in libs:
        owner = run(["dpkg", "-S", os.path.realpath(lib)])
        if owner.returncode:
            owner = run(["dpkg", "-S", lib])
        pkg = owner.stdout.split(":")[0] if owner.returncode == 0 else None
        check(pkg in dep_names, f"{os.path.basename(lib)} (package {pkg}) is in Depends")
    for expected in ("libbpf1", "libyaml-0-2", "librdkafka1", "libc6"):
        check(expected in dep_names, f"Depends names {expected}")
    conffiles = run(["dpkg-deb", "-I", deb, "conffiles"]).stdout.split()
    check(conffiles == ["/etc/vigil/rules.d/00-vigil_rules.yaml", "/etc/vigil/vigil.yaml"],
          f"conffiles are the files under /etc/vigil: {conffiles}")
    contents = run(["dpkg-deb", "-c", deb]).stdout
    for path in ("./usr/bin/vigil", "./etc/vigil/vigil.yaml", "./etc/vigil/rules.d/00-vigil_rules.yaml",
                 "./usr/share/man/man8/vigil.8.gz", "./usr/share/bash-completion/completions/vigil",
                 "./lib/systemd/system/vigil.service", "./usr/share/vigil/vigil_rules.yaml",
                 "./usr/share/doc/vigil/copyright", "./var/lib/vigil/"):
        check(re.search(r" " + re.escape(path) + r"$", contents, re.M) is not None, f"package holds {path}")

    # --- install with dpkg into a fresh tree ---
    root = os.path.join(tmp, "root")
    for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"):
        os.makedirs(os.path.join(root, d))
    open(os.path.join(root, "var/lib/dpkg/status"), "w").close()
    # maintainer scripts run on the host side with DPKG_ROOT set (no shell in
    # the tree); Depends are the host's libraries, not in this tree's database
    r = run(["dpkg", f"--root={root}", "--force-script-chrootless", "--force-depends", "--force-not-root",
             "--log=/dev/null", "-i", deb])
    check(r.returncode == 0, f"dpkg --root installs it ({r.stderr.strip()[-300:]})")
    st = run(["dpkg", f"--root={root}", "-s", "vigil"]).stdout
    check("Status: install ok installed" in st, "dpkg's database in the tree has vigil installed")
    check(re.search(r"^Conffiles:\n /etc/vigil/rules.d/00-vigil_rules.yaml [0-9a-f]{32}\n /etc/vigil/vigil.yaml [0-9a-f]{32}",
                    st, re.M) is not None, "dpkg registered both conffiles with their md5sums")
    vigil = os.path.join(root, "usr/bin/vigil")
    r = run([vigil, "--version"])
    check(r.returncode == 0 and r.stdout.strip() == f"vigil {version}", f"installed vigil --version: {r.stdout.strip()}")
    r = run([vigil, "rules", "check", os.path.join(root, "etc/vigil/rules.d")])
    m = re.search(r"(\d+) rules loaded \((\d+) enabled\).*, (\d+) warnings", r.stderr)
    check(r.returncode == 0 and m and int(m.group(1)) > 10, f"rules check of the installed rules.d: {r.stderr.strip()[-200:]}")
    # the shipped configuration loads without a warning
    r = run([vigil, "replay", os.path.join(root, "usr/share/vigil/demo-alpine.scap.gz"),
             "-c", os.path.join(root, "etc/vigil/vigil.yaml"), "-r", os.path.join(root, "etc/vigil/rules.d")])
    check(r.returncode == 0 and "warning" not in r.stderr.lower() and "error" not in r.stderr.lower()
          and r.stdout.count("\n") > 0, f"replay with the installed configuration: {r.stderr.strip()[-300:]}")

    # --- inside the tree: no argument, the compiled-in /etc/vigil/vigil.yaml ---
    if os.geteuid() == 0 and shutil.which("unshare") and shutil.which("chroot"):
        mounts = []
        script = ["set -e"]
        for d in ("/lib64", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"):
            if os.path.isdir(d):
                script.append(f"mkdir -p {root}{d} && mount --bind {d} {root}{d}")
        script.append(f"chroot {root} /usr/bin/vigil rules check")
        r = run(["unshare", "--mount", "--propagation", "private", "sh", "-c", "\n".join(script)])
        m = re.search(r"(\d+) rules loaded", r.stderr)
        check(r.returncode == 0 and m and int(m.group(1)) > 10,
              f"chroot: `vigil rules check` reads /etc/vigil/vigil.yaml and its rules.d: {r.stderr.strip()[-300:]}")
        # and refuses a broken rules file dropped into rules.d
        with open(os.path.join(root, "etc/vigil/rules.d/50-local.yaml"), "w") as f:
            f.write("- rule: broken\n  desc: x\n  condition: proc.name = \n  output: x\n  priority: WARNING\n")
        r = run(["unshare", "--mount", "--propagation", "private", "sh", "-c", "\n".join(script)])
        check(r.returncode == 1 and "50-local.yaml:3:" in r.stderr,
              f"chroot: a broken local rules file is reported at file:line ({r.stderr.strip()[-200:]})")
    else:
        print("note: not root (or no unshare/chroot): the chroot run is left out")

    r = run(["dpkg", f"--root={root}", "--force-script-chrootless", "--force-depends", "--force-not-root",
             "--log=/dev/null", "--purge", "vigil"])
    check(r.returncode == 0 and not os.path.exists(vigil) and not os.path.exists(os.path.join(root, "etc/vigil/vigil.yaml")),
          f"dpkg --purge removes it, conffiles included ({r.stderr.strip()[-200:]})")
finally:
    shutil.rmtree(tmp, ignore_errors=True)

print(f"{len(failures)} failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
