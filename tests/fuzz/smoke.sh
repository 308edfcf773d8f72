#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# smoke.sh - runs every libFuzzer harness (fuzz_*) found in a build tree for a
# fixed time each, on a scratch copy of its seed corpus (tests/fuzz/corpus/NAME/
# for fuzz_NAME) so that the committed seeds are never rewritten. Prints one
# line per harness (runs, exec/s); a crash, leak, UB report, timeout or OOM
# keeps the reproducer under BUILD_DIR/fuzz-artifacts/ and fails the script.
#
# usage: tests/fuzz/smoke.sh BUILD_DIR SECONDS
set -u

if [ $# -ne 2 ] || ! [[ $2 =~ ^[1-9][0-9]*$ ]]; then
	echo "usage: $0 BUILD_DIR SECONDS" >&2
	exit 2
fi
build=$1
secs=$2
corpora=$(cd "$(dirname "$0")" && pwd)/corpus

fuzzers=()
if [ -d "$build" ]; then
	while IFS= read -r f; do
		fuzzers+=("$f")
	done < <(find "$build" -type f -name 'fuzz_*' ! -name '*.*' ! -path '*/CMakeFiles/*' -perm -u+x | sort)
fi
if [ ${#fuzzers[@]} -eq 0 ]; then
	echo "fuzz smoke: no fuzz_* harnesses in $build (configure with -DVIGIL_FUZZ=ON), nothing to run"
	exit 0
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0

for bin in "${fuzzers[@]}"; do
	exe=$(basename "$bin")
	name=${exe#fuzz_}
	work=$scratch/$name
	mkdir -p "$work/corpus" "$work/artifacts"
	seeds="no seeds"
	if [ -d "$corpora/$name" ]; then
		cp -R "$corpora/$name/." "$work/corpus/"
		seeds="$(find "$work/corpus" -type f | wc -l) seeds"
	fi
	# upstream files are extra read-only seeds when the fixtures are around
	# (they are not copied into the repository)
	extra=()
	compat=$(cd "$(dirname "$0")/../.." && pwd)/../shared/compat
	if [ "$name" = rules ] && [ -d "$compat/falco" ]; then
		extra=("$compat/scap/falcosecurity_testing_rules/falco" "$compat/scap/falcosecurity_testing_rules/exceptions")
	fi
	"$bin" -max_total_time="$secs" -timeout=25 -malloc_limit_mb=256 -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/" "$work/corpus" "${extra[@]}" >"$work/log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -n 1)
	if [ $rc -eq 0 ] && ! grep -q '^SUMMARY: ' "$work/log"; then
		echo "$exe: ok, ${runs:-?} runs, ${eps:-?} exec/s, ${secs}s, $seeds"
		continue
	fi
	failed=1
	keep=$build/fuzz-artifacts
	mkdir -p "$keep"
	cp "$work"/artifacts/* "$keep/" 2>/dev/null
	cp "$work/log" "$keep/$exe.log"
	echo "$exe: FAILED (exit $rc) after ${runs:-?} runs: $(grep -m1 -E '^(SUMMARY|==[0-9]+==ERROR)' "$work/log")"
	echo "  reproducer(s) and log in $keep/ (rerun: $bin FILE)"
	grep -A12 -m1 -E '^==[0-9]+==ERROR|runtime error' "$work/log" | sed 's/^/  | /'
done
exit $failed
