#!/usr/bin/env bash
# Limits: refusal without entitlement and over a workspace cap (saying when it frees), skipping
# an account over its RPM or its monthly spending cap, and one workspace RPM shared by two
# processes sending at once (admission is atomic across processes).
source "$(dirname "$0")/router_lib.sh"

add_account a1 --rpm 1
add_account a2
add_account rich --monthly-cap 0.01
chain chat a1 a2
chain capped rich a2
assert_ok workspace add team
assert_ok workspace add stranger
assert_ok entitle chat team
assert_ok entitle capped team
neutral_health

# No entitlement: refused before anything is sent, with the hint.
before=$(catalog_sql "SELECT count(*) FROM usage_events")
mm send chat --workspace stranger --prompt hi
assert_rc 2
assert_contains err "grant it on the Model Entitlements page"
assert_contains err "mmadmin entitle chat stranger"
expect_eq "$(catalog_sql "SELECT count(*) FROM usage_events")" "$before" "events after refusal"
mm route chat --workspace stranger --json
assert_rc 2
assert_json 'd["admitted"] is False and d["refusal"] == "not_entitled" and d["attempts"] == []'
echo "ok - no entitlement: refused, nothing sent"

# Account RPM: a1 allows one request a minute; the second goes to a2 and route says why.
send_json chat team
assert_rc 0
expect_eq "$(served_by)" a1 "first request"
mm route chat --workspace team --explain
assert_rc 0
assert_contains out "skip a1: account over its RPM (1/1 in the last minute; frees in"
send_json chat team
assert_rc 0
expect_eq "$(attempt_classes)" "a2:ok" "second request skips a1"
echo "ok - an account over its RPM is skipped"

# Spending cap: a price that makes one request cost more than rich's $0.01 cap.
assert_ok prices set openai gpt-4o-mini --input 100000 --output 100000
send_json capped team
assert_rc 0
expect_eq "$(served_by)" rich "first capped request"
mm route capped --workspace team --explain
assert_contains out "skip rich: account over its monthly spending cap"
send_json capped team
assert_rc 0
expect_eq "$(attempt_classes)" "a2:ok" "over the cap rich is skipped"
echo "ok - an account over its monthly spending cap is skipped"

# Workspace RPM: 2 a minute; the third is refused saying when it frees.
assert_ok model add small --type chat
assert_ok target add small --account a2 --model gpt-4o-mini
assert_ok entitle small team --rpm 2
send_json small team
assert_rc 0
send_json small team
assert_rc 0
mm send small --workspace team --prompt hi
assert_rc 2
assert_contains err "workspace 'team' reached its limit of 2 requests/min for 'small'"
assert_contains err "it frees in"
mm route small --workspace team --json
assert_rc 2
assert_json 'd["refusal"] == "workspace_rpm" and d["frees_at"] is not None'
echo "ok - over the workspace RPM: refused with when it frees"

# Workspace monthly token cap.
assert_ok model add tiny --type chat
assert_ok target add tiny --account a2 --model gpt-4o-mini
assert_ok entitle tiny team --monthly-tokens 100
refused=0
for i in 1 2 3 4 5 6 7 8 9 10; do
    mm send tiny --workspace team --prompt hi --max-tokens 16
    if [[ $RC == 2 ]]; then
        refused=1
        break
    fi
    assert_rc 0
done
expect_eq "$refused" 1 "refused once the monthly tokens are spent"
assert_contains err "reached its monthly cap of 100 tokens for 'tiny'"
# it frees when the next month begins (UTC): said as a date and time, or, in the last two hours
# of a month, as the minutes or seconds left (router_format_wait)
next_month=$(date -u -d "$(date -u +%Y-%m-01) +1 month" +%Y-%m-%d)
left_s=$(($(date -u -d "$next_month" +%s) - $(date -u +%s)))
if ((left_s > 2 * 3600 + 60)); then
    assert_contains err "it frees on $next_month 00:00:00 UTC"
elif ((left_s < 2 * 3600 - 60)); then
    grep -q -E "it frees (in [0-9]+ (min|s)|now)\$" "$ERR" || fail "err does not say how long is left"
else
    grep -q -E "it frees (on $next_month 00:00:00 UTC|in [0-9]+ min)\$" "$ERR" ||
        fail "err does not say when it frees"
fi
echo "ok - over the workspace monthly token cap: refused until next month"

# Two processes share one workspace RPM of 5: exactly 5 of 12 concurrent sends are served.
assert_ok model add shared --type chat
assert_ok target add shared --account a2 --model gpt-4o-mini
assert_ok entitle shared team --rpm 5
loop() {
    local i
    for i in 1 2 3 4 5 6; do
        "$MMADMIN" send shared --workspace team --prompt hi --max-tokens 8 >/dev/null 2>&1
        echo "rc=$?"
    done >"$TEST_TMP/loop.$1"
}
loop one &
p1=$!
loop two &
p2=$!
wait "$p1" "$p2"
served=$(cat "$TEST_TMP/loop.one" "$TEST_TMP/loop.two" | grep -c '^rc=0$')
refused=$(cat "$TEST_TMP/loop.one" "$TEST_TMP/loop.two" | grep -c '^rc=2$')
expect_eq "$served" 5 "served across two processes"
expect_eq "$refused" 7 "refused across two processes"
expect_eq "$(catalog_sql "SELECT count(*) FROM usage_events WHERE model = 'shared'")" 5 \
    "usage events of the shared model"
echo "ok - two processes sharing a workspace RPM of 5 serve exactly 5"

finish
