#!/usr/bin/env bash
# The concurrency and kill -9 drills of issue 13 (items 5, 6): eight sends at once against an
# account spending cap and a workspace monthly token cap stay within the cap plus one request
# (their estimated cost and tokens are reserved at admission, settled with the real figures);
# a send killed mid-request leaves a reservation that route --explain names as its process's.
source "$(dirname "$0")/router_lib.sh"

add_account capped --monthly-cap 0.10
add_account plain
chain spend capped
chain tok plain
chain held plain
assert_ok workspace add team
assert_ok entitle spend team
assert_ok entitle tok team --monthly-tokens 300
assert_ok entitle held team --rpm 1
neutral_health
# $1000 per million tokens both ways: a request of 17 real tokens costs $0.017 (estimate $0.021)
assert_ok prices set openai gpt-4o-mini --input 1000 --output 1000
# every answer takes 400 ms, so the eight sends are in flight together
scenario '{"rules":[{"prefix":"openai","phases":[{"latency_ms":400}]}]}'

# burst MODEL PROMPT: eight concurrent sends (max 4 tokens out); their exit codes in burst.*.
burst() {
    local model=$1 prompt=$2 i pids=()
    for i in 1 2 3 4 5 6 7 8; do
        ("$MMADMIN" send "$model" --workspace team --prompt "$prompt" --max-tokens 4 \
            >/dev/null 2>"$TEST_TMP/burst.$model.$i.err"
        echo "$?" >"$TEST_TMP/burst.$model.$i") &
        pids+=("$!")
    done
    wait "${pids[@]}"
}

sum_sql() {
    catalog_sql "SELECT coalesce($1, 0) FROM usage_events WHERE kind = 'request' AND $2"
}

# Account monthly spending cap $0.10: a 40-byte prompt is 10 tokens (+3 the simulator adds per
# message) in, 4 out: $0.017 a request. Sequentially 6 are served ($0.102: the last admitted
# under the cap may pass it by one request); without reserving cost all 8 were ($0.136).
burst spend "$(printf 'x%.0s' {1..40})"
spent=$(sum_sql "sum(cost_micros)" "model = 'spend'")
one=$(sum_sql "max(cost_micros)" "model = 'spend'")
served=$(sum_sql "count(*)" "model = 'spend' AND outcome = 'ok'")
echo "# spend drill: $served of 8 served, spent $spent micro-USD of a 100000 cap (one request $one)"
((spent <= 100000 + one)) || fail "spent $spent > cap 100000 + one request $one"
((served >= 5)) || fail "only $served served: reservations should free on settling"
expect_eq "$(catalog_sql "SELECT count(*) FROM router_reservations")" 0 "reservations left"
echo "ok - 8 concurrent sends against a \$0.10 cap spend at most the cap plus one request"

# Workspace monthly token cap 300: a 184-byte prompt is 46 tokens (+3) in, 4 out: 53 real, 57
# reserved (46 + 7 message overhead + 4). Without the overhead in the estimate (50 reserved) six
# were admitted at once: 318 of 300.
burst tok "$(printf 'y%.0s' {1..184})"
tokens=$(sum_sql "sum(tokens_in + tokens_out)" "model = 'tok'")
real=$(sum_sql "max(tokens_in + tokens_out)" "model = 'tok'")
served=$(sum_sql "count(*)" "model = 'tok' AND outcome = 'ok'")
error=$((real > 57 ? real - 57 : 0)) # one request's estimate error (0: the estimate held)
echo "# token drill: $served of 8 served, $tokens of 300 tokens (one request $real, reserved 57)"
((tokens <= 300 + error)) || fail "tokens $tokens > cap 300 + one request's error $error"
((served >= 5)) || fail "only $served served"
refusals=$(cat "$TEST_TMP"/burst.tok.*.err | grep -c "workspace 'team' reached .*monthly")
expect_eq "$refusals" $((8 - served)) "refused with the monthly token cap"
expect_eq "$(cat "$TEST_TMP"/burst.tok.[0-9] | grep -c '^2$')" $((8 - served)) "exit 2 when refused"
echo "ok - 8 concurrent sends against a 300-token monthly cap stay within it"

# kill -9 a send stuck on a hanging answer: its reservation holds the workspace's RPM of 1
# (the request may have reached the provider) and route --explain says whose it is.
scenario '{"rules":[{"prefix":"openai","phases":[{"fault":"hang","hang_s":600}]}]}'
"$MMADMIN" send held --workspace team --prompt hi --max-tokens 4 --timeout-ms 60000 \
    >/dev/null 2>&1 &
victim=$!
for ((i = 0; i < 100; i++)); do
    [[ $(catalog_sql "SELECT count(*) FROM router_reservations") == 1 ]] && break
    sleep 0.1
done
expect_eq "$(catalog_sql "SELECT count(*) FROM router_reservations WHERE holder_pid = $victim")" \
    1 "the reservation names the sender's pid"
mm route held --workspace team --explain
assert_rc 2
assert_not_contains out "process that ended"
assert_not_contains err "process that ended"
kill -9 "$victim"
wait "$victim" 2>/dev/null
mm route held --workspace team --explain
assert_rc 2
assert_contains err "workspace 'team' reached its limit of 1 requests/min for 'held'"
assert_contains err "counting 1 reservation of a process that ended (it expires in"
mm route held --workspace team --json
assert_json 'd["refusal"] == "workspace_rpm" and "1 reservation of a process that ended" in d["message"]'
echo "ok - a send killed mid-request: its reservation still counts, and route says its process ended"

finish
