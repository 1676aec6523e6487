#!/usr/bin/env bash
# Health benchmarks that need mmsim: one probe round over 1,000 accounts (seconds, peak
# connections), and the CPU seconds per minute of `mmadmin monitor` probing 50 accounts every
# 30 s with nothing else happening (measured from /proc over 60 s).
set -euo pipefail
build=${MM_BUILD_DIR:-build-bench}
tmp=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]+"${pids[@]}"}"; do kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT

"$build/mmsim" --port 0 --quiet >"$tmp/sim.out" &
pids+=($!)
for _ in $(seq 100); do [[ -s $tmp/sim.out ]] && break; sleep 0.05; done
url="http://127.0.0.1:$(head -n 1 "$tmp/sim.out")"

echo "mmsim answering at once:"
"$build/bench_health" --probe-round "$url/compat"
curl -s -o /dev/null -X PUT "$url/_sim/scenario" \
    --data-binary '{"rules":[{"prefix":"compat","phases":[{"latency_ms":50}]}]}'
echo "mmsim answering in 50 ms (1000 x 50 ms / 32 connections = 1.6 s at best):"
"$build/bench_health" --probe-round "$url/compat"
curl -s -o /dev/null -X PUT "$url/_sim/scenario" --data-binary '{"rules":[]}'

export MM_DB=$tmp/catalog.db MM_MASTER_KEY=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=
for i in $(seq -w 1 50); do
    "$build/mmadmin" account add "acct-$i" --provider openai-compatible --endpoint "$url/compat" >/dev/null
done
seconds=${BENCH_IDLE_SECONDS:-60}
"$build/mmadmin" monitor >"$tmp/monitor.log" &
monitor=$!
pids+=("$monitor")
sleep 2 # start-up load and first round
ticks() { awk '{print $14 + $15}' "/proc/$monitor/stat"; }
before=$(ticks)
sleep "$seconds"
after=$(ticks)
hz=$(getconf CLK_TCK)
rounds=$(grep -c "probe round" "$tmp/monitor.log" || true)
awk -v t=$((after - before)) -v hz="$hz" -v s="$seconds" -v r="$rounds" 'BEGIN {
    printf "idle mmadmin monitor (50 accounts, probing every 30 s): %.3f CPU s per minute (%d rounds so far)\n", t / hz * 60 / s, r }'
