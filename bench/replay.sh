#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# replay.sh - replay throughput benchmark (not a test): builds a ~1M-event capture
# from a real one, then measures in the same run
#   - sysdig 0.29.3 reading it with one Falco-style filter (the anchor), and
#   - vigil replaying it with the 25 rules of Falco's stable ruleset,
# and prints events/s for both and their ratio (goal: vigil >= 1.5x sysdig).
# Also: the time vigil takes to load the three upstream rules files (goal <= 100 ms).
#
# usage: bench/replay.sh VIGIL [COPIES]
set -eu
vigil=$(readlink -f "$1")
copies=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
compat=$here/../../shared/compat
src=$compat/scap/sysflow/mpm-worker_full_capture.scap
[ -f "$src" ] || { echo "bench: $src not found"; exit 77; }
command -v sysdig >/dev/null || { echo "bench: sysdig not installed (make deps)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
big=$work/big.scap
python3 "$here/make_big_capture.py" "$src" "$big" "$copies" >/dev/null
events=$("$vigil" capture info "$big" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')
cat "$big" >/dev/null # page cache

best() { # best of 3 wall times of a command, in seconds
	local b=999999
	for _ in 1 2 3; do
		local s e
		s=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || true
		e=$(date +%s.%N)
		b=$(python3 -c "print(min($b, $e - $s))")
	done
	echo "$b"
}
filter='evt.type in (open,openat,openat2) and evt.is_open_read=true and fd.name startswith /etc and not proc.name in (httpd)'
t_sysdig=$(best sysdig -r "$big" -q "$filter")
t_vigil=$(best "$vigil" replay "$big" -r "$compat/falco/falco_rules.yaml")
t_load=$("$vigil" rules check "$compat/falco/falco_rules.yaml" "$compat/falco/falco-incubating_rules.yaml" \
	"$compat/falco/falco-sandbox_rules.yaml" 2>&1 | sed -n 's/.* in \([0-9.]*\) ms.*/\1/p')
python3 - "$events" "$t_sysdig" "$t_vigil" "$t_load" <<'PY'
import sys
ev, ts, tv, tl = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
print(f"capture: {ev} events ({sys.argv[1]} = mpm-worker_full_capture x copies)")
print(f"sysdig 0.29.3, one filter:          {ts:6.3f} s  {ev / ts / 1e6:6.2f} M events/s")
print(f"vigil, 25 stable rules + state:     {tv:6.3f} s  {ev / tv / 1e6:6.2f} M events/s")
print(f"ratio vigil/sysdig (goal >= 1.5):   {ts / tv:6.2f}")
print(f"load stable+incubating+sandbox:     {tl} ms (goal <= 100 ms)")
PY
