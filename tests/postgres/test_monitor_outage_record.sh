#!/usr/bin/env bash
# `mmadmin monitor` records each probe exactly once across a lost COMMIT answer (issue 18's
# outage drills): a proxy between the monitor and the server's Unix socket drops the connection
# right after the server committed a transaction of probe results; the monitor, which keeps the
# batch to write it again, first asks the server whether that transaction was made (txid_status)
# and does not write it twice: no probe event twice, and the probe rollups equal a recount.
# On a private server of its own (it stops it). Run by tests/postgres/run.sh (MM_PG_ADDRESS).
: "${MM_PG_ADDRESS:?run me through tests/postgres/run.sh}"
source "$(dirname "$0")/../integration/router_lib.sh"

OUTAGE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mmpg-monitor.XXXXXX")
PROXY_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mmpg-proxy.XXXXXX")
trap 'cleanup; pg_server_stop "$OUTAGE_DIR"; rm -rf "$PROXY_DIR"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
pg_server_start "$OUTAGE_DIR" || exit 1
"$PG_BIN/createdb" -h "$OUTAGE_DIR" -U mmadmin record || exit 1
pg_commit_proxy_start "$PROXY_DIR" "$OUTAGE_DIR" "$TEST_TMP/proxy.err" || fail "no proxy"
export MM_PG_ADDRESS="postgresql://mmadmin@/record?host=$OUTAGE_DIR" # pg_sql: the server itself
export MM_DB="postgresql://mmadmin@/record?host=$PROXY_DIR"         # the monitor: through the proxy

add_account one
add_account two
probes() { pg_sql "SELECT count(*) FROM usage_events WHERE kind = 'probe'"; }
wait_probes() { # COUNT: waits up to 30 s for at least that many probe events
    for ((i = 0; i < 300; i++)); do
        (($(probes) >= $1)) && return 0
        sleep 0.1
    done
    fail "fewer than $1 probe events after 30 s: $(probes)"
}
"$MMADMIN" monitor --interval 0.3 --lease 3 >"$TEST_TMP/monitor.log" 2>"$TEST_TMP/monitor.err" &
MONITOR_PID=$!
CLEANUP_PIDS+=("$MONITOR_PID")
wait_probes 4

# the next transaction that writes probe events commits, but its answer never reaches the monitor
touch "$PROXY_DIR/arm"
for ((i = 0; i < 100; i++)); do
    [[ -e $PROXY_DIR/arm.done ]] && break
    sleep 0.1
done
[[ -e $PROXY_DIR/arm.done ]] || fail "the proxy dropped no commit's answer"
for ((i = 0; i < 100; i++)); do
    grep -q 'written by a commit whose answer was lost' "$TEST_TMP/monitor.log" && break
    sleep 0.1
done
grep -q 'written by a commit whose answer was lost' "$TEST_TMP/monitor.log" ||
    fail "the monitor did not find the lost answer's commit made: $(tail -5 "$TEST_TMP/monitor.log")"
before=$(probes)
wait_probes $((before + 4)) # and it goes on recording

# the catalog's server down for a few lease renewals: the monitor steps down saying why (not
# "another process holds the lease"), and says each problem once, not once a second
lines_before=$(wc -l <"$TEST_TMP/monitor.log")
pg_server_halt "$OUTAGE_DIR"
sleep 4
outage_log=$(tail -n +$((lines_before + 1)) "$TEST_TMP/monitor.log")
grep -q 'no longer the prober: its lease could not be renewed' <<<"$outage_log" ||
    fail "the monitor did not say why it stepped down: $outage_log"
grep -q 'another process holds the lease' <<<"$outage_log" &&
    fail "the monitor blamed another process: $outage_log"
problems=$(grep -c 'problem: ' <<<"$outage_log")
# (one a kind: the accounts, the lease, the usage events)
((problems >= 1 && problems <= 3)) || fail "$problems problem lines in 4 s of outage: $outage_log"
twice=$(grep -o 'problem: .*' <<<"$outage_log" | sort | uniq -d)
[[ -z $twice ]] || fail "a problem said twice in one outage: $twice"
pg_server_resume "$OUTAGE_DIR" || exit 1
before=$(probes)
wait_probes $((before + 2)) # the prober again once the server is back
grep -q 'problem over after' "$TEST_TMP/monitor.log" || fail "the monitor did not say the problem is over"
kill -TERM "$MONITOR_PID"
wait "$MONITOR_PID"
expect_eq "$?" 0 "the monitor's exit after SIGTERM"

# each probe once: two probes of one account never share a start time (they run one at a time)
expect_eq "$(pg_sql "SELECT count(*) - count(DISTINCT (account, ts_ms)) FROM usage_events")" 0 \
    "probe events written twice"
for account in one two; do
    all=$(pg_sql "SELECT count(*) FROM usage_events WHERE account = '$account'")
    for table in usage_rollup_day usage_rollup_minute; do
        expect_eq "$(pg_sql "SELECT coalesce(sum(events), 0) FROM $table WHERE scope = 'account' \
            AND name = '$account' AND kind = 'probe'")" "$all" "$account's probes in $table"
    done
done
finish
