#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# containers.sh - the figure of issue 4: container metadata lookups do not
# stall detection. Runs live.container_meta's `hang` case (a Docker API that
# accepts and never answers, vigil's timeout 30 s) and its `none` case (no
# runtime asked) in turn, ROUNDS times each, and prints the medians of their
# FIGURE lines and the ratios hang/none: the events/s of a burst of 200000
# syscalls from the container while its lookup is under way, and the time
# from the burst's end to the alert raised right after it. About 1 means the
# hanging API costs nothing. The machine's load shows in the spread of the
# runs, printed too. Needs root.
#
# usage: bench/containers.sh BUILD_DIR [ROUNDS]
set -eu
build=$(readlink -f "${1:-build}")
rounds=${2:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
vigil=$build/src/vigil
compat=${VIGIL_COMPAT_DIR:-$here/../shared/compat}
[ "$(id -u)" = 0 ] || { echo "bench/containers: needs root"; exit 77; }
[ -x "$vigil" ] || { echo "bench/containers: build first ($vigil)" >&2; exit 1; }
figs=$(mktemp)
trap 'rm -f "$figs"' EXIT
i=0
while [ "$i" -lt "$rounds" ]; do
	for case in none hang; do
		python3 "$here/tests/live/check_container_meta.py" "$vigil" "$compat" "$case" >"$figs.run" 2>&1 ||
			{ echo "bench/containers: the $case run failed:" >&2; cat "$figs.run" >&2; }
		grep '^FIGURE' "$figs.run" >>"$figs" || true
	done
	i=$((i + 1))
done
rm -f "$figs.run"
python3 - "$figs" <<'PY'
import re, statistics, sys
runs = {"hang": [], "none": []}
for line in open(sys.argv[1]):
    m = re.match(r"FIGURE container_meta (\w+): (\d+) events/s .* alert after the burst ([\d.]+) ms", line)
    if m and m.group(1) in runs:
        runs[m.group(1)].append((float(m.group(2)), float(m.group(3))))
if not runs["hang"] or not runs["none"]:
    sys.exit("bench/containers: no figures (%s)" % {k: len(v) for k, v in runs.items()})
med = {k: (statistics.median(e for e, _ in v), statistics.median(l for _, l in v)) for k, v in runs.items()}
for k, v in runs.items():
    print("containers %s: events/s %s; alert after the burst (ms) %s" % (
        k, " ".join("%.0f" % e for e, _ in v), " ".join("%.0f" % l for _, l in v)))
print("FIGURE containers: events/s through vigil while the container's lookup is under way: API hanging %.0f, "
      "no API %.0f, ratio hang/none %.2f (medians of %d and %d runs)"
      % (med["hang"][0], med["none"][0], med["hang"][0] / med["none"][0], len(runs["hang"]), len(runs["none"])))
print("FIGURE containers: alert after the burst: API hanging %.0f ms, no API %.0f ms, ratio hang/none %.2f"
      % (med["hang"][1], med["none"][1], med["hang"][1] / med["none"][1]))
PY
