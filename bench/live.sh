#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# live.sh - live-capture benchmarks (not tests), each a ratio from one run:
#   1. redis-benchmark requests/s on loopback with `vigil run` (Falco's stable
#      rules) over requests/s without it, rounds interleaved.   goal >= 0.93
#   2. the highest rate of captured syscall events that vigil, pinned to one
#      CPU, takes with zero drops (the generator runs on another CPU).
#                                                                goal >= 1,000,000 events/s
#   3. vigil's resident memory with the stable rules on an idle host.
#                                                                goal <= 30 MB
#   policy mode: the redis-benchmark ratio of 1. with 20 TracingPolicies loaded
#      (the upstream examples that load here, raw_syscalls.yaml excepted as it
#      posts an event for every syscall of the host, plus generated policies
#      on redis's own hot syscalls whose selectors never match) and without
#      them, measured in the same interleaved rounds, and their difference.
#                                                                goal: moves by <= 0.02
# Needs root, a kernel with BTF, redis-server/redis-tools (make deps installs them).
#
# usage: bench/live.sh BUILD_DIR [ROUNDS] [policy]   (BENCH_REQUESTS=N: requests per redis test)
set -eu
build=$(readlink -f "$1")
rounds=${2:-3}
mode=${3:-all}
requests=${BENCH_REQUESTS:-200000}	# per redis-benchmark test; fewer, with more rounds, on a noisy machine
vigil=$build/src/vigil
gen=$build/bench/syscall_gen
here=$(cd "$(dirname "$0")" && pwd)
rules=$here/../../shared/compat/falco/falco_rules.yaml
tetragon=$here/../../shared/compat/tetragon
[ "$(id -u)" = 0 ] || { echo "bench/live: needs root"; exit 77; }
command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null ||
	{ echo "bench/live: redis-server and redis-benchmark are needed (apt-get install redis-server redis-tools)"; exit 77; }
[ -x "$gen" ] || { echo "bench/live: $gen not built"; exit 1; }
work=$(mktemp -d)
vpid=
rpid=
cleanup() {
	[ -n "$vpid" ] && kill "$vpid" 2>/dev/null || true
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# start vigil in the background with extra arguments; wait until it captures
start_vigil() {
	# emptied first: the background redirection may come after the first
	# grep, which would then read the previous run's ready line
	: >"$work/vigil.err"
	"$vigil" run -r "$rules" --stats "$@" >"$work/alerts" 2>"$work/vigil.err" </dev/null &
	vpid=$!
	for _ in $(seq 100); do
		grep -q "live capture started" "$work/vigil.err" && return 0
		kill -0 "$vpid" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench/live: vigil did not start:"; cat "$work/vigil.err"; exit 1
}
stop_vigil() {
	kill -TERM "$vpid"
	wait "$vpid" || true
	vpid=
}

# 20 TracingPolicies in directory $1: the upstream examples that load here
# (raw_syscalls.yaml excepted) and generated ones on redis's hot syscalls
# (read, write, epoll_wait, accept4...) whose selectors never match redis:
# every such call is evaluated in the kernel and none is posted or killed
make_policies() {
	local d=$1 n=0 f sc idx type op val
	mkdir -p "$d"
	for f in list-syscalls-tracepoint.yaml list-syscalls.yaml sys_mount.yaml sys_setuid.yaml write.yaml \
		process-credentials/process.credentials.changes.at.syscalls.yaml; do
		n=$((n + 1))
		cp "$tetragon/$f" "$d/$(printf %02d $n)-$(basename "$f")"
	done
	for sc in read write epoll_wait accept4 close openat connect execve unlinkat mkdir ptrace bpf sendto recvfrom; do
		n=$((n + 1))
		case $sc in
		read|write|close) idx=0 type=fd op=Prefix val=/etc/vigil-bench-never ;;
		openat|unlinkat) idx=1 type=string op=Equal val=/vigil-bench/never ;;
		execve|mkdir) idx=0 type=string op=Equal val=/vigil-bench/never ;;
		*) idx=0 type=int op=Equal val=-77 ;;
		esac
		cat >"$d/$(printf %02d $n)-gen-$sc.yaml" <<EOF
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: vigil-bench-$sc
spec:
  kprobes:
  - call: sys_$sc
    syscall: true
    args:
    - index: $idx
      type: $type
    selectors:
    - matchBinaries:
      - operator: NotIn
        values: [/usr/bin/vigil-bench-never]
      matchArgs:
      - index: $idx
        operator: $op
        values: ["$val"]
      matchActions:
      - action: Sigkill
EOF
	done
}

# ---- 1. redis-benchmark
port=6390
# server on CPU 0, clients on CPU 1: the scheduler's noise stays out of the ratio
taskset -c 0 redis-server --port $port --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null &
rpid=$!
for _ in $(seq 50); do redis-cli -p $port ping >/dev/null 2>&1 && break; sleep 0.1; done
rb() {
	taskset -c 1 redis-benchmark -p $port -q -n "$requests" -c 50 -t ping_inline,ping_mbulk,set,get,incr,lpush,lpop,sadd,hset 2>/dev/null |
		tr '\r' '\n' | awk '/requests per second/ { for (i = 1; i <= NF; i++) if ($i == "requests") { s += $(i - 1); n++ } }
			END { printf "%.0f\n", s / n }'
}
base=()
with=()
withpol=()
if [ "$mode" = policy ]; then
	make_policies "$work/policies"
	[ "$(ls "$work/policies" | wc -l)" = 20 ] || { echo "bench/live: not 20 policies"; exit 1; }
fi
for r in $(seq "$rounds"); do
	base+=("$(rb)")
	start_vigil
	with+=("$(rb)")
	stop_vigil
	if [ "$mode" = policy ]; then
		start_vigil --policy "$work/policies" --policy-events "$work/pevents"
		grep -q "enforcing 20 TracingPolicies" "$work/vigil.err" ||
			{ echo "bench/live: the 20 policies did not load:"; cat "$work/vigil.err"; exit 1; }
		withpol+=("$(rb)")
		stop_vigil
	fi
done
kill "$rpid"; wait "$rpid" 2>/dev/null || true; rpid=
if [ "$mode" = policy ]; then
	python3 - "$rounds" "${base[*]}" "${with[*]}" "${withpol[*]}" "$requests" <<'PY'
import statistics, sys
rounds = int(sys.argv[1])
base, none, pol = ([float(x) for x in a.split()] for a in sys.argv[2:5])
b, n, p = statistics.median(base), statistics.median(none), statistics.median(pol)
rn = [y / x for x, y in zip(base, none)]
rp = [z / x for x, z in zip(base, pol)]
print(f"redis-benchmark (9 tests, {int(sys.argv[5]) // 1000}k requests, 50 clients; server on CPU 0, clients on CPU 1),"
      f" median of {rounds} interleaved rounds:")
print(f"  without vigil {b:,.0f} req/s; vigil run (stable rules) {n:,.0f} req/s;"
      f" vigil run + 20 TracingPolicies {p:,.0f} req/s")
print(f"  ratio without policies {n / b:.3f}, with 20 policies {p / b:.3f}:"
      f" difference {p / b - n / b:+.3f}   (goal: |difference| <= 0.02)")
print(f"  median of the per-round ratios: {statistics.median(rn):.3f} and {statistics.median(rp):.3f},"
      f" difference {statistics.median(rp) - statistics.median(rn):+.3f}")
print("  per round (without vigil / no policies / 20 policies): " +
      "; ".join(f"{x:,.0f} / {y:,.0f} / {z:,.0f}" for x, y, z in zip(base, none, pol)))
PY
	exit 0
fi

# ---- 2. zero-drop throughput, vigil on CPU 1, generator on CPU 0
# drops (ring full or skipped runs) reported by vigil --stats at exit
trial() {
	local rate=$1
	start_vigil --ring-size $((8 << 20))
	taskset -p -c 1 "$vpid" >/dev/null
	local got
	got=$(taskset -c 0 "$gen" "$rate" 3)
	stop_vigil
	local drops
	drops=$(sed -n 's/.*dropped: \([0-9]*\) ring full, \([0-9]*\) too large, \([0-9]*\) nested runs.*/\1 \2 \3/p' "$work/vigil.err" |
		awk '{ print $1 + $2 + $3 }')
	echo "$got ${drops:-999999999}"
}
best=0
# the generator alone, unobserved, then as fast as it goes with the probe attached
read -r alone < <(taskset -c 0 "$gen" 0 2)
read -r maxgen maxdrops < <(trial 0)
if [ "$maxdrops" = 0 ]; then
	best=$maxgen
else
	lo=100000
	hi=$maxgen
	rate=$(( (lo + hi) / 2 ))
	for _ in $(seq 7); do
		read -r got drops < <(trial "$rate")
		if [ "$drops" = 0 ]; then
			[ "$got" -gt "$best" ] && best=$got
			lo=$rate
		else
			hi=$rate
		fi
		[ $(( hi - lo )) -lt 50000 ] && break
		rate=$(( (lo + hi) / 2 ))
	done
fi

# ---- 3. idle resident memory
start_vigil
sleep 10
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$vpid/status")
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$vpid/status")
stop_vigil

python3 - "$rounds" "${base[*]}" "${with[*]}" "$best" "$maxgen" "$alone" "$rss" "$hwm" "$requests" <<'PY'
import statistics, sys
rounds = int(sys.argv[1])
base = [float(x) for x in sys.argv[2].split()]
with_ = [float(x) for x in sys.argv[3].split()]
best, maxgen, alone, rss, hwm = (float(x) for x in sys.argv[4:9])
b, w = statistics.median(base), statistics.median(with_)
print(f"redis-benchmark (9 tests, {int(sys.argv[9]) // 1000}k requests, 50 clients; server on CPU 0, clients on CPU 1),"
      f" median of {rounds} interleaved rounds:")
print(f"  without vigil {b:,.0f} req/s, with vigil run (stable rules) {w:,.0f} req/s")
print(f"  ratio {w / b:.3f}   (goal >= 0.93)")
print("zero-drop throughput, vigil pinned to one CPU, generator (openat+close) on another:")
print(f"  {best:,.0f} events/s with zero drops (the generator's top speed: {maxgen:,.0f}/s with the probe"
      f" attached, {alone:,.0f}/s without)")
print(f"  ratio to the goal {best / 1e6:.2f}   (goal >= 1,000,000 events/s; Falco ~250,000 per CPU)")
print("idle resident memory with the stable rules:")
print(f"  VmRSS {rss / 1024:.1f} MB (peak {hwm / 1024:.1f} MB)   ratio to the goal {rss / 1024 / 30:.2f}   (goal <= 30 MB)")
PY
