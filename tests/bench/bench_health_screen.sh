#!/usr/bin/env bash
# The Provider Health page's cost on the wire and on the CPU: bytes written to the terminal per
# second at 120x40 with 50 accounts whose figures change every second (mmsim probed every 1 s),
# measured through `script` inside a 120x40 tmux pane, beside `htop -d 10` measured the same way
# at the same time; then the CPU seconds per minute of an idle dashboard (the same 50 accounts,
# the default 30 s probe interval) from /proc over BENCH_IDLE_SECONDS (60).
set -euo pipefail
build=${MM_BUILD_DIR:-build-bench}
build=$(cd "$build" && pwd)
seconds=${BENCH_SCREEN_SECONDS:-20}
idle_seconds=${BENCH_IDLE_SECONDS:-60}
tmp=$(mktemp -d)
sock="mmbench-$$"
sim=""
cleanup() {
    tmux -L "$sock" kill-server 2>/dev/null || true
    if [[ -n "$sim" ]]; then kill -TERM "$sim" 2>/dev/null && wait "$sim" 2>/dev/null; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
command -v tmux >/dev/null || { echo "bench_health_screen: tmux is needed (make deps)"; exit 0; }

"$build/mmsim" --port 0 --quiet >"$tmp/sim.out" &
sim=$!
for _ in $(seq 100); do [[ -s $tmp/sim.out ]] && break; sleep 0.05; done
url="http://127.0.0.1:$(head -n 1 "$tmp/sim.out")"
# mmsim answers in 20-80 ms, so latencies (and so the figures) move at every probe
curl -s -o /dev/null -X PUT "$url/_sim/scenario" \
    --data-binary '{"rules":[{"prefix":"compat","phases":[{"latency_ms":20,"jitter_ms":60}]}]}'

export MM_DB=$tmp/catalog.db MM_MASTER_KEY=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=
for i in $(seq -w 1 50); do
    "$build/mmadmin" account add "acct-$i" --provider openai-compatible --endpoint "$url/compat" \
        >/dev/null
done
set_interval() { # set_interval SECONDS
    "$build/mmadmin" health config --probe-interval "$1" >/dev/null
}

# run_in_pane NAME COMMAND: COMMAND under `script` (its bytes into $tmp/NAME.typescript) in a
# 120x40 pane of the private tmux server.
run_in_pane() {
    local name=$1 command=$2
    local inner
    inner="env LC_ALL=C.UTF-8 MM_DB=$MM_DB MM_MASTER_KEY=$MM_MASTER_KEY $command"
    if tmux -L "$sock" has-session 2>/dev/null; then
        tmux -L "$sock" new-window -d -t bench -n "$name" \
            "script -q -f -c $(printf '%q' "$inner") $tmp/$name.typescript"
    else
        tmux -L "$sock" -f /dev/null new-session -d -s bench -n "$name" -x 120 -y 40 \
            "script -q -f -c $(printf '%q' "$inner") $tmp/$name.typescript"
    fi
}
bytes() { stat -c %s "$tmp/$1.typescript" 2>/dev/null || echo 0; }
pane_program_pid() { # the program script runs in window NAME
    local script_pid
    script_pid=$(tmux -L "$sock" display-message -p -t "bench:$1" '#{pane_pid}')
    pgrep -P "$script_pid" | head -n 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# --- bytes per second: the Health page with 50 accounts probed every second, beside htop
set_interval 1
run_in_pane health "$build/mmadmin --page health"
have_htop=0
if command -v htop >/dev/null; then
    have_htop=1
    run_in_pane htop "htop -d 10"
fi
sleep 4 # start-up: the first full screen, the hour loaded, the first rounds
h0=$(bytes health) t0=$(bytes htop)
sleep "$seconds"
h1=$(bytes health) t1=$(bytes htop)
rounds=$(sqlite3 "$MM_DB" "SELECT COUNT(*) FROM usage_events WHERE kind = 'probe';")
tmux -L "$sock" send-keys -t bench:health q
[[ $have_htop == 1 ]] && tmux -L "$sock" send-keys -t bench:htop q
awk -v b=$((h1 - h0)) -v s="$seconds" -v n="$rounds" 'BEGIN {
    printf "Health page, 120x40, 50 accounts probed every 1 s: %.0f bytes/s written to the terminal (%d probe events so far)\n", b / s, n }'
if [[ $have_htop == 1 ]]; then
    awk -v b=$((t1 - t0)) -v s="$seconds" 'BEGIN {
        printf "htop -d 10 (1 s refresh), same 120x40 terminal, same time: %.0f bytes/s\n", b / s }'
else
    echo "htop -d 10: not measured (htop is not installed: apt-get install htop)"
fi
sleep 1
tmux -L "$sock" kill-server 2>/dev/null || true

# --- CPU of an idle dashboard: nothing happens but the default 30 s probe rounds
set_interval 30
run_in_pane idle "$build/mmadmin --page health"
sleep 3
pid=$(pane_program_pid idle)
[[ -n "$pid" ]] || { echo "bench_health_screen: the console did not start"; exit 1; }
c0=$(cpu_ticks "$pid") b0=$(bytes idle)
sleep "$idle_seconds"
c1=$(cpu_ticks "$pid") b1=$(bytes idle)
awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v s="$idle_seconds" -v b=$((b1 - b0)) 'BEGIN {
    printf "idle Health page (50 accounts, probing every 30 s): %.3f CPU s per minute, %.0f bytes/s to the terminal\n", t / hz * 60 / s, b / s }'
tmux -L "$sock" send-keys -t bench:idle q
sleep 0.5
