#!/usr/bin/env bash
# Cool-downs, derived from the usage events so they hold across processes: N consecutive
# failures cool an account for M seconds, a 429 for its Retry-After, then it recovers; the only
# target of a chain is never cooled; when every target cools the refusal says when one frees.
# The wall clock is pinned with MM_FAKE_NOW_MS, so nothing here waits.
source "$(dirname "$0")/router_lib.sh"

T0=$(($(date +%s) * 1000))
at() { export MM_FAKE_NOW_MS=$((T0 + $1)); }
at 0

# Settings: shown, changed, validated.
assert_ok router config --json
assert_json 'd == {"cooldown_failures": 3, "cooldown_seconds": 30, "rate_limit_default_seconds": 10}'
assert_ok router config --failures 2 --cooldown-seconds 2 --rate-limit-default-seconds 3
assert_contains out "cool-down after 2 consecutive failures: 2 s"
assert_exit 2 router config --failures 0
assert_contains err "--failures"
assert_ok router config --json
assert_json 'd["cooldown_failures"] == 2 and d["cooldown_seconds"] == 2'
echo "ok - router config shows, sets and validates the cool-down settings"

for a in a1 a2 a3 a4 a5; do add_account "$a"; done
chain chat a1 a2
chain solo a3
chain both a4 a5
assert_ok workspace add team
for m in chat solo both; do assert_ok entitle "$m" team; done
neutral_health

# Two consecutive server errors cool a1 for 2 s; then it is skipped; then it recovers.
scenario "{\"rules\":[$(fault_rule "$(key_of a1)" server)]}"
send_json chat team
expect_eq "$(attempt_classes)" "a1:server a2:ok" "first failure"
at 100
mm route chat --workspace team --explain
assert_contains out "include a1 (priority 1, gpt-4o-mini)"
send_json chat team
expect_eq "$(attempt_classes)" "a1:server a2:ok" "second failure"
at 200
mm route chat --workspace team --explain
assert_rc 0
assert_contains out "skip a1: account cooling down after 2 consecutive failures (last: server) (frees in 2 s)"
send_json chat team
expect_eq "$(attempt_classes)" "a2:ok" "a1 cooling"
sim_reset
at 2200
send_json chat team
expect_eq "$(attempt_classes)" "a1:ok" "a1 recovered after the cool-down"
echo "ok - N consecutive failures cool an account for M seconds, then it recovers"

# A 429 cools a1 for its Retry-After (7 s), not for the failure count.
scenario "{\"rules\":[$(fault_rule "$(key_of a1)" rate_limit ',"retry_after_s":7')]}"
at 10000
send_json chat team
expect_eq "$(attempt_classes)" "a1:rate_limited a2:ok" "429"
at 16000
mm route chat --workspace team --explain
assert_contains out "skip a1: account cooling down after a 429 (retry-after 7 s) (frees in 1 s)"
sim_reset
at 17100
send_json chat team
expect_eq "$(attempt_classes)" "a1:ok" "a1 back after its retry-after"
echo "ok - a 429 cools an account for its Retry-After"

# The only target of a chain is never cooled.
scenario "{\"rules\":[$(fault_rule "$(key_of a3)" server)]}"
at 20000
send_json solo team
assert_rc 1
send_json solo team
assert_rc 1
mm route solo --workspace team --explain
assert_rc 0
assert_contains out "although cooling down after 2 consecutive failures (last: server): it is the only target of 'solo'"
send_json solo team
assert_rc 1
expect_eq "$(attempt_classes)" "a3:server" "the only target is still tried"
echo "ok - the only target of a chain is never cooled"

# Every target cooling: refused, saying when the first frees.
scenario "{\"rules\":[$(fault_rule "$(key_of a4)" server),$(fault_rule "$(key_of a5)" overloaded)]}"
at 30000
send_json both team
assert_rc 1
at 30500
send_json both team
assert_rc 1
expect_eq "$(attempt_classes)" "a4:server a5:overloaded" "both failing"
at 31000
mm route both --workspace team
assert_rc 2
assert_contains err "every target of 'both' is cooling down; the first, a4, frees in 2 s"
mm send both --workspace team --prompt hi
assert_rc 2
assert_contains err "every target of 'both' is cooling down"
echo "ok - when every target cools, the refusal says when the first frees"

finish
