#!/usr/bin/env bash
# Admission is atomic across processes on PostgreSQL (issue 18): two senders, six requests each
# at once, against a workspace RPM of 5 on one shared catalog: exactly 5 of the 12 are served
# and the other 7 refused by the workspace's RPM. Run by tests/postgres/run.sh (MM_PG_ADDRESS).
: "${MM_PG_ADDRESS:?run me through tests/postgres/run.sh}"
source "$(dirname "$0")/../integration/router_lib.sh"

add_account plain
chain limited plain
assert_ok workspace add team
assert_ok entitle limited team --rpm 5
neutral_health
# every answer takes 300 ms, so the twelve sends are in flight together
scenario '{"rules":[{"prefix":"openai","phases":[{"latency_ms":300}]}]}'

# sender N: six concurrent sends; their exit codes in send.N.*.
sender() {
    local n=$1 i pids=()
    for i in 1 2 3 4 5 6; do
        ("$MMADMIN" send limited --workspace team --prompt hi --max-tokens 4 \
            >/dev/null 2>"$TEST_TMP/send.$n.$i.err"
        echo "$?" >"$TEST_TMP/send.$n.$i") &
        pids+=("$!")
    done
    wait "${pids[@]}"
}
sender 1 &
first=$!
sender 2 &
second=$!
wait "$first" "$second"

served=$(pg_sql "SELECT count(*) FROM usage_events WHERE kind = 'request' AND outcome = 'ok'")
ok_exits=$(cat "$TEST_TMP"/send.[12].[1-6] | grep -c '^0$')
refused=$(cat "$TEST_TMP"/send.[12].[1-6] | grep -c '^2$')
echo "# two senders: $served of 12 served, $refused refused (exit 2)"
expect_eq "$served" 5 "requests served against a workspace RPM of 5"
expect_eq "$ok_exits" 5 "sends that exited 0"
expect_eq "$refused" 7 "sends refused (exit 2)"
expect_eq "$(pg_sql "SELECT count(*) FROM router_reservations")" 0 "reservations left"
echo "ok - two processes against a workspace RPM of 5 serve exactly 5 of 12"
finish
