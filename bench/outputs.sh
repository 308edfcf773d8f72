#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# outputs.sh - the delivery figures of the closing notes: how much a backend
# that answers after 10 s slows a replay (ratio against the same replay with
# stdout only, measured in this run) and vigil's peak memory while a backend
# is down. Runs the output tests that measure them and prints their FIGURE
# lines.
#
# usage: bench/outputs.sh BUILD_DIR
set -eu
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
vigil=$build/src/vigil
gen=$build/tests/outputs/gen_alerts
[ -x "$vigil" ] && [ -x "$gen" ] || { echo "outputs.sh: build first ($vigil, $gen)" >&2; exit 1; }
for t in check_slow.py check_memory.py; do
	python3 "$here/tests/outputs/$t" "$vigil" "$gen" | grep -E '^(FIGURE|FAIL)' || true
done
