#!/bin/sh
# build-deb.sh - builds vigil's Debian package from a DESTDIR staging tree:
# `cmake --install` of a build configured with CMAKE_INSTALL_PREFIX=/usr,
# Depends from dpkg-shlibdeps, the /etc/vigil files as conffiles.
# usage: build-deb.sh BUILD_DIR VERSION OUT_DIR   (prints the .deb's path)
set -eu
build=$1 version=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
if [ "$prefix" != /usr ]; then
	echo "build-deb.sh: $build is configured with CMAKE_INSTALL_PREFIX=$prefix; a package needs /usr" >&2
	exit 1
fi
if [ "$(cat "$build/packaging/have_bpf" 2>/dev/null)" != ON ] && [ -z "${VIGIL_DEB_ALLOW_NO_BPF:-}" ]; then
	echo "build-deb.sh: $build was built without the BPF probe (no clang, bpftool or /sys/kernel/btf/vmlinux):" \
		"vigil run would not work; set VIGIL_DEB_ALLOW_NO_BPF=1 to package it anyway" >&2
	exit 1
fi
arch=$(dpkg --print-architecture)
work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage=$work/root
DESTDIR=$stage cmake --install "$build" >/dev/null
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/bin/vigil"
gzip -9n "$stage/usr/share/man/man8/vigil.8"
install -d "$stage/usr/share/doc/vigil"
install -m 0644 "$here/copyright" "$stage/usr/share/doc/vigil/copyright"

# Depends: the packages of the libraries the binary links (dpkg-shlibdeps
# reads debian/control from its working directory)
mkdir -p "$work/src/debian"
printf 'Source: vigil\n\nPackage: vigil\nArchitecture: any\n' >"$work/src/debian/control"
deps=$(cd "$work/src" && dpkg-shlibdeps -O -e"$stage/usr/bin/vigil" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
if [ -z "$deps" ]; then
	echo "build-deb.sh: dpkg-shlibdeps found no dependencies" >&2
	exit 1
fi

install -d "$stage/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$deps/" \
	"$here/control.in" >"$stage/DEBIAN/control"
(cd "$stage" && find etc -type f | sed 's|^|/|' | sort) >"$stage/DEBIAN/conffiles"
for s in postinst prerm postrm; do
	install -m 0755 "$here/$s" "$stage/DEBIAN/$s"
done
(cd "$stage" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
deb=$out/vigil_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
