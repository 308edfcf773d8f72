#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# rules.sh - default ruleset load benchmark (not a test): the time vigil takes
# to load and compile rules/vigil_rules.yaml (goal: <= 20 ms), as `vigil rules
# check` reports it (read, parse, list and macro substitution, compile, index;
# not process start-up), best and median of 21 runs; the same for Falco's
# stable ruleset from ../shared/compat (for scale) when it is there.
#
# usage: bench/rules.sh VIGIL
set -eu
vigil=$(readlink -f "$1")
here=$(cd "$(dirname "$0")" && pwd)
default=$here/../rules/vigil_rules.yaml
stable=$here/../../shared/compat/falco/falco_rules.yaml

measure() {
	for _ in $(seq 21); do
		"$vigil" rules check "$@" 2>&1 >/dev/null | sed -n 's/.* loaded (.*) in \([0-9.]*\) ms.*/\1/p'
	done | sort -g | awk '{ v[NR] = $1 } END { printf "%.1f %.1f\n", v[1], v[int((NR + 1) / 2)] }'
}

read -r best median < <(measure "$default")
rules=$("$vigil" rules list "$default" | wc -l)
verdict=$(awk -v b="$best" 'BEGIN { print (b <= 20.0) ? "goal met" : "over the goal" }')
echo "default ruleset ($rules rules): load best $best ms, median $median ms (goal <= 20 ms: $verdict)"
if [ -f "$stable" ]; then
	read -r sbest smedian < <(measure "$stable")
	echo "Falco stable ruleset, for scale: load best $sbest ms, median $smedian ms"
fi
