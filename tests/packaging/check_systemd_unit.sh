#!/bin/sh
# check_systemd_unit.sh - `systemd-analyze verify` of the installed vigil.service
# in a tree that holds the installed files (cmake --install with DESTDIR) and
# the host's own units (the targets the unit orders itself after), checks its
# hardening and BPF settings, and shows that verify refuses a broken copy.
# usage: check_systemd_unit.sh BUILD_DIR
set -u
build=$1
if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP: systemd-analyze is not installed (package systemd)"
	exit 77
fi
hostunits=/lib/systemd/system
if [ ! -f $hostunits/multi-user.target ]; then
	echo "SKIP: no systemd units on this host to verify against"
	exit 77
fi
root=$(mktemp -d "${TMPDIR:-/tmp}/vigil-unit.XXXXXX")
trap 'rm -rf "$root"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

mkdir -p "$root/lib/systemd/system" "$root/bin"
cp -a "$hostunits/." "$root/lib/systemd/system/"
cp /bin/kill "$root/bin/kill"
DESTDIR=$root cmake --install "$build" >/dev/null || { echo "FAIL cmake --install"; exit 1; }
unit=$root/lib/systemd/system/vigil.service
[ -f "$unit" ] && ok "the unit is installed at /lib/systemd/system/vigil.service" || bad "no installed unit"

verify() { MANPATH=$root/usr/share/man systemd-analyze verify --root="$root" "$1" 2>&1; }
out=$(verify "$unit")
rc=$?
if [ $rc -eq 0 ] && [ -z "$out" ]; then ok "systemd-analyze verify: clean"; else bad "systemd-analyze verify (rc $rc): $out"; fi

for want in "ExecStart=/usr/bin/vigil run -c /etc/vigil/vigil.yaml" "ExecReload=/bin/kill -HUP \$MAINPID" \
	"LimitMEMLOCK=infinity" "NoNewPrivileges=yes" "ProtectSystem=strict" "ProtectHome=read-only" "PrivateTmp=yes" \
	"RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK" "ReadWritePaths=/var/lib/vigil /var/log/vigil"; do
	grep -qxF "$want" "$unit" && ok "$want" || bad "missing: $want"
done
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
for c in CAP_BPF CAP_PERFMON CAP_SYS_RESOURCE CAP_SYS_ADMIN; do
	case " $caps " in *" $c "*) ok "bounding set keeps $c" ;; *) bad "bounding set lacks $c" ;; esac
done
# systemd's own reading of the unit: the options took effect as written
props=$(systemd-analyze --root="$root" verify "$unit" >/dev/null 2>&1; \
	SYSTEMD_LOG_LEVEL=err systemd-analyze security --offline=yes --root="$root" "$unit" 2>&1)
if echo "$props" | grep -q "Overall exposure level"; then
	echo "$props" | grep "Overall exposure level"
	echo "$props" | grep -q "✓ NoNewPrivileges=" && ok "security: NoNewPrivileges set" || bad "security: NoNewPrivileges not seen"
	echo "$props" | grep -q "✓ PrivateTmp=" && ok "security: PrivateTmp set" || bad "security: PrivateTmp not seen"
fi

# negative cases: verify must refuse these
sed 's/^ProtectSystem=strict/ProtectSystem=strickt/' "$unit" >"$root/lib/systemd/system/vigil-typo.service"
out=$(verify "$root/lib/systemd/system/vigil-typo.service")
echo "$out" | grep -qi "protect system value.*strickt" && ok "verify refuses a bad ProtectSystem value" || bad "bad value not refused: $out"
sed 's|^ExecStart=/usr/bin/vigil|ExecStart=/usr/bin/vigil-missing|' "$unit" >"$root/lib/systemd/system/vigil-nobin.service"
out=$(verify "$root/lib/systemd/system/vigil-nobin.service")
[ $? -ne 0 ] && echo "$out" | grep -q "vigil-missing" && ok "verify refuses a missing ExecStart binary" || bad "missing binary not refused: $out"
exit $fail
