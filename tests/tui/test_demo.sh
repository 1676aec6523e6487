#!/usr/bin/env bash
# `mmadmin --demo` end to end: the console opens on Provider Health with live figures moving,
# a provider changes status within the scenario's first minutes (seen live on the Models page
# and then on Provider Health), and `q` leaves nothing behind.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
export MMSIM

START_UI_WAIT="Provider Health" start_ui --demo
wait_for_text "Provider Health" 20
wait_for_text "● healthy" 30

# the demo's own processes: the simulator runs with the demo's scenario file
demo_sims=$(pgrep -f "mmadmin-demo\..*/scenario.json" || true)
[[ -n "$demo_sims" ]] || fail "no demo simulator is running"
demo_dir=$(pgrep -af "mmadmin-demo\..*/scenario.json" | grep -oE '/[^ ]*mmadmin-demo\.[A-Za-z0-9]+' | head -n 1)
[[ -d "$demo_dir" ]] || fail "the demo's temporary directory is missing"

# live figures: the table changes by itself (the load generator and the prober feed it)
table() { screen | sed -n '3,20p'; }
first=$(table)
moved=0
for _ in $(seq 1 100); do
    sleep 0.2
    [[ "$(table)" != "$first" ]] && { moved=1; break; }
done
[[ $moved -eq 1 ]] || fail "the Provider Health figures did not change within 20 s"

# the scenario degrades OpenAI at 0:40 and takes Gemini down at 1:15
wait_for_any() {
    local tries=$(($2 * 5))
    for _ in $(seq 1 "$tries"); do
        screen | grep -qE -- "$1" && return 0
        sleep 0.2
    done
    fail "timed out waiting for a status change ($1)"
}
# watched from the Models page, whose chain health follows the monitor live
send_keys 2
wait_for_text "high-quality-reasoning" 10
assert_screen_not_contains "/3 healthy"
wait_for_any "[0-9]/3 healthy" 180
send_keys 4
wait_for_any "▲ degraded|✖ unreachable" 20

send_keys q
wait_exit
for pid in $demo_sims; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then fail "the demo simulator $pid is still running"; fi
done
[[ ! -e "$demo_dir" ]] || fail "the demo left $demo_dir behind"
pass
