#!/usr/bin/env python3
"""images.py - the container images of the scenario and benign suites, made
from files already on this machine and imported with `podman import` (no
registry is reachable, none is used):

  busybox  Debian's busybox-static with a link for every applet (sh, nc, vi,
           arping, insmod...), plus the static vigil-live-actions binary as
           /usr/local/bin/vigil-live-actions when VIGIL_ACTIONS_STATIC names it.
  debian   a minimal Debian built from this host's own installed packages:
           apt, dpkg, bash, coreutils, e2fsprogs (debugfs) and the Essential
           set, with everything they depend on, and a dpkg database that lists
           exactly those packages, so that `apt-get install ./x.deb` works
           without a repository.

usage: images.py busybox|debian
Prints the image's tag (localhost/vigil-scenarios-NAME:HASH), importing it
first when podman does not have it. The hash covers the inputs (binaries,
package versions), so an upgrade makes a new image."""
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile

PODMAN = ["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs"]
BUSYBOX = "/usr/bin/busybox"
DEBIAN_ROOTS = ["apt", "dpkg", "bash", "coreutils", "e2fsprogs", "dash", "base-files", "base-passwd",
                "debianutils", "diffutils", "findutils", "grep", "gzip", "sed", "tar", "util-linux",
                "mawk", "ncurses-base", "perl-base", "libc-bin", "hostname", "login"]
SKIP_PREFIXES = ("/usr/share/doc/", "/usr/share/man/", "/usr/share/info/", "/usr/share/locale/",
                 "/usr/share/lintian/")
PASSWD = ("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
          "bin:x:2:2:bin:/bin:/usr/sbin/nologin\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
          "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
          "_apt:x:42:65534::/nonexistent:/usr/sbin/nologin\n")
GROUP = "root:x:0:\ndaemon:x:1:\nbin:x:2:\nwww-data:x:33:\nnogroup:x:65534:\n"


def die(msg):
    print("images.py: " + msg, file=sys.stderr)
    sys.exit(1)


def have_image(tag):
    return subprocess.run(PODMAN + ["image", "exists", tag]).returncode == 0


def import_tar(data, tag):
    with tempfile.NamedTemporaryFile(prefix="vigil-image-", suffix=".tar") as f:
        f.write(data)
        f.flush()
        p = subprocess.run(PODMAN + ["import", f.name, tag], capture_output=True, text=True)
        if p.returncode != 0:
            die("podman import failed: %s%s" % (p.stdout, p.stderr))


class Tar:
    """A tar built in memory, root-owned, with explicit parent directories."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.t = tarfile.open(fileobj=self.buf, mode="w")
        self.names = set()

    def dir(self, name, mode=0o755):
        name = name.strip("/")
        if not name or name in self.names:
            return
        self.dir(os.path.dirname(name))
        ti = tarfile.TarInfo(name)
        ti.type = tarfile.DIRTYPE
        ti.mode = mode
        self.t.addfile(ti)
        self.names.add(name)

    def data(self, name, data, mode=0o644):
        name = name.strip("/")
        self.dir(os.path.dirname(name))
        ti = tarfile.TarInfo(name)
        ti.size = len(data)
        ti.mode = mode
        self.t.addfile(ti, io.BytesIO(data))
        self.names.add(name)

    def symlink(self, name, target):
        name = name.strip("/")
        if name in self.names:
            return
        self.dir(os.path.dirname(name))
        ti = tarfile.TarInfo(name)
        ti.type = tarfile.SYMTYPE
        ti.linkname = target
        self.t.addfile(ti)
        self.names.add(name)

    def host_file(self, path, name=None):
        """Copy a host file, directory or symlink (not followed)."""
        name = (name or path).strip("/")
        if name in self.names:
            return
        st = os.lstat(path)
        if os.path.islink(path):
            self.symlink(name, os.readlink(path))
        elif os.path.isdir(path):
            self.dir(name, st.st_mode & 0o7777)
        elif os.path.isfile(path):
            self.dir(os.path.dirname(name))
            ti = self.t.gettarinfo(path, arcname=name)
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = "root"
            with open(path, "rb") as f:
                self.t.addfile(ti, f)
            self.names.add(name)

    def bytes(self):
        self.t.close()
        return self.buf.getvalue()


def busybox():
    actions = os.environ.get("VIGIL_ACTIONS_STATIC", "")
    h = hashlib.sha256()
    for p in [BUSYBOX] + ([actions] if actions else []):
        with open(p, "rb") as f:
            h.update(f.read())
    h.update(b"busybox-1")
    tag = "localhost/vigil-scenarios-busybox:" + h.hexdigest()[:16]
    if have_image(tag):
        return tag
    t = Tar()
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "usr/local/bin", "etc", "root", "proc", "sys", "dev",
              "var/log", "mnt"):
        t.dir(d)
    t.dir("tmp", 0o1777)
    t.host_file(BUSYBOX, "bin/busybox")
    applets = subprocess.run([BUSYBOX, "--list-full"], capture_output=True, text=True, check=True).stdout.split()
    for a in applets:
        if a.strip("/") != "bin/busybox":
            t.symlink(a, "/bin/busybox")
    if actions:
        t.host_file(actions, "usr/local/bin/vigil-live-actions")
    t.data("etc/passwd", PASSWD.replace("/bin/bash", "/bin/sh").encode())
    t.data("etc/group", GROUP.encode())
    import_tar(t.bytes(), tag)
    return tag


def dpkg_status():
    """Installed packages: name -> (paragraph text, fields)."""
    out, provides = {}, {}
    with open("/var/lib/dpkg/status") as f:
        paras = f.read().split("\n\n")
    for para in paras:
        fields, key = {}, None
        for line in para.split("\n"):
            if line.startswith((" ", "\t")) and key:
                fields[key] += "\n" + line
            elif ":" in line:
                key, v = line.split(":", 1)
                fields[key] = v.strip()
        if "Package" not in fields or "install ok installed" not in fields.get("Status", ""):
            continue
        out[fields["Package"]] = (para.strip("\n"), fields)
        for p in fields.get("Provides", "").split(","):
            p = p.strip().split(" ")[0]
            if p:
                provides.setdefault(p, []).append(fields["Package"])
    return out, provides


def closure(pkgs, provides, roots):
    def deps(fields):
        for key in ("Pre-Depends", "Depends"):
            for alt in fields.get(key, "").split(","):
                alt = alt.strip()
                if not alt:
                    continue
                for cand in (a.strip().split(" ")[0].split(":")[0] for a in alt.split("|")):
                    if cand in pkgs:
                        yield cand
                        break
                    if cand in provides:
                        yield provides[cand][0]
                        break
                else:
                    die("cannot satisfy '%s' from the host's packages" % alt)
    seen, todo = set(), list(roots) + [n for n, (_, f) in pkgs.items() if f.get("Essential") == "yes"]
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        if p not in pkgs:
            die("package %s is not installed on this host" % p)
        seen.add(p)
        todo.extend(deps(pkgs[p][1]))
    return sorted(seen)


def info_files(name, arch):
    base = "/var/lib/dpkg/info/"
    out = []
    for prefix in (name + ".", "%s:%s." % (name, arch)):
        for fn in os.listdir(base):
            if fn.startswith(prefix) and fn[len(prefix):].find(".") < 0:
                out.append(base + fn)
    return out


def canonical(path):
    """The path with its directory's symlinks resolved (/bin/bash ->
    /usr/bin/bash on a merged-/usr system), the last component kept."""
    d, b = os.path.split(path)
    return os.path.join(os.path.realpath(d), b)


def debian():
    pkgs, provides = dpkg_status()
    names = closure(pkgs, provides, DEBIAN_ROOTS)
    h = hashlib.sha256(b"debian-1")
    for n in names:
        h.update(("%s=%s\n" % (n, pkgs[n][1].get("Version", ""))).encode())
    tag = "localhost/vigil-scenarios-debian:" + h.hexdigest()[:16]
    if have_image(tag):
        return tag
    t = Tar()
    for link, target in (("bin", "usr/bin"), ("sbin", "usr/sbin"), ("lib", "usr/lib"), ("lib64", "usr/lib64")):
        if os.path.islink("/" + link):
            t.dir(target)
            t.symlink(link, target)
    for d in ("etc/apt/sources.list.d", "etc/apt/apt.conf.d", "etc/apt/preferences.d", "var/lib/apt/lists/partial",
              "var/cache/apt/archives/partial", "var/log/apt", "var/lib/dpkg/updates", "var/lib/dpkg/triggers",
              "var/lib/dpkg/alternatives", "root", "proc", "sys", "dev", "run", "srv"):
        t.dir(d)
    t.dir("tmp", 0o1777)
    t.dir("var/tmp", 0o1777)
    status = []
    for n in names:
        para, fields = pkgs[n]
        status.append(para)
        for info in info_files(n, fields.get("Architecture", "")):
            t.host_file(info)
            if info.endswith(".list"):
                with open(info) as f:
                    for line in f:
                        p = line.rstrip("\n")
                        if not p or p == "/." or p.startswith(SKIP_PREFIXES) or not os.path.lexists(p):
                            continue
                        c = canonical(p)
                        if os.path.isdir(p) and not os.path.islink(p):
                            t.dir(c)
                        else:
                            t.host_file(p, c)
    t.data("var/lib/dpkg/status", ("\n\n".join(status) + "\n").encode())
    for f in ("available", "diversions", "statoverride"):
        t.data("var/lib/dpkg/" + f, b"")
    t.data("var/lib/dpkg/arch", b"")
    t.symlink("usr/bin/sh", "dash")
    t.symlink("usr/bin/awk", "mawk")
    t.data("etc/passwd", PASSWD.encode())
    t.data("etc/group", GROUP.encode())
    t.data("etc/shadow", b"root:*:19000:0:99999:7:::\n", 0o640)
    t.data("etc/apt/sources.list", b"# no repository: packages are installed from local files\n")
    t.data("etc/hostname", b"vigil-scenario\n")
    import_tar(t.bytes(), tag)
    return tag


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ("busybox", "debian"):
        die("usage: images.py busybox|debian")
    print(busybox() if sys.argv[1] == "busybox" else debian())


if __name__ == "__main__":
    main()
