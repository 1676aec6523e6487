#!/usr/bin/env bash
# `mmadmin serve` records usage exactly once across catalog faults (issue 18's outage drills):
# a request admitted on the exact path (a limit too small to lease) whose catalog's server stops
# before its event is written keeps the event in serve's usage writer (written once the server is
# back, its reservation ended by it), and a batch whose COMMIT the server made but whose answer
# was lost (a proxy between serve and the server's Unix socket drops the connection right after
# the server's "COMMIT") is not written again: events and rollups equal the requests served; a
# lease serve cannot return while the server is down is said once, not every 200 ms.
# On a private server of its own (it stops it). Run by tests/postgres/run.sh (MM_PG_ADDRESS).
: "${MM_PG_ADDRESS:?run me through tests/postgres/run.sh}"
source "$(dirname "$0")/../integration/router_lib.sh"

OUTAGE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mmpg-record.XXXXXX")
PROXY_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mmpg-proxy.XXXXXX")
trap 'cleanup; pg_server_stop "$OUTAGE_DIR"; rm -rf "$PROXY_DIR"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
pg_server_start "$OUTAGE_DIR" || exit 1
"$PG_BIN/createdb" -h "$OUTAGE_DIR" -U mmadmin record || exit 1
pg_commit_proxy_start "$PROXY_DIR" "$OUTAGE_DIR" "$TEST_TMP/proxy.err" || fail "no proxy"
export MM_PG_ADDRESS="postgresql://mmadmin@/record?host=$OUTAGE_DIR"
export MM_DB="postgresql://mmadmin@/record?host=$PROXY_DIR" # serve and the CLI: through the proxy

add_account up
chain chat up
assert_ok workspace add free
assert_ok entitle chat free
assert_ok workspace key add free
FREE_KEY=$(tr -d '\n' <"$OUT")
assert_ok workspace add team
assert_ok entitle chat team --rpm 5 # too small to lease: each request is admitted by the catalog
assert_ok workspace key add team
TEAM_KEY=$(tr -d '\n' <"$OUT")
assert_ok workspace add big
assert_ok entitle chat big --rpm 100000 # leased: admitted in memory against a slice
assert_ok workspace key add big
BIG_KEY=$(tr -d '\n' <"$OUT")
serve_start
chat() { # KEY: prints the status
    curl -s -m 30 -o /dev/null -w '%{http_code}' "$URL/v1/chat/completions" \
        -H "Authorization: Bearer $1" \
        -d '{"model":"chat","messages":[{"role":"user","content":"hi"}],"max_tokens":4}'
}
events() { pg_sql "SELECT count(*) FROM usage_events WHERE workspace = '$1'"; }
wait_events() { # WORKSPACE COUNT: waits up to 10 s for that many events
    for ((i = 0; i < 100; i++)); do
        [[ $(events "$1") == "$2" ]] && return 0
        sleep 0.1
    done
}

# 1. the exact path: the server stops between the admission and the event's write
expect_eq "$(chat "$TEAM_KEY")" 200 "a chat of the limited workspace"
wait_events team 1
scenario '{"rules":[{"prefix":"openai","phases":[{"latency_ms":2500}]}]}'
chat "$TEAM_KEY" >"$TEST_TMP/slow.status" &
slow=$!
sleep 1 # admitted by the catalog, waiting for the provider
expect_eq "$(pg_sql "SELECT count(*) FROM router_reservations WHERE workspace = 'team'")" 1 \
    "the slow chat's reservation"
pg_server_halt "$OUTAGE_DIR"
wait "$slow"
expect_eq "$(cat "$TEST_TMP/slow.status")" 200 "the chat admitted before the outage"
sleep 1
grep -q 'cannot write usage events (1 kept' "$TEST_TMP/serve.err" ||
    fail "serve did not keep the exact path's event: $(tail -5 "$TEST_TMP/serve.err")"
pg_server_resume "$OUTAGE_DIR" || exit 1
sim_reset
wait_events team 2
sleep 0.3 # a doubled write would land by now (the writer flushes every 50 ms)
expect_eq "$(events team)" 2 "the limited workspace's events once the server is back"
expect_eq "$(pg_sql "SELECT count(*) FROM router_reservations WHERE workspace = 'team'")" 0 \
    "reservations left once the kept event is written"
grep -q 'lost [0-9]* usage events' "$TEST_TMP/serve.err" && fail "serve lost usage events"

# 2. a COMMIT made by the server whose answer never reached serve
expect_eq "$(chat "$FREE_KEY")" 200 "a chat before the fault"
wait_events free 1
touch "$PROXY_DIR/arm"
for n in 1 2 3; do
    expect_eq "$(chat "$FREE_KEY")" 200 "chat $n while the proxy drops a commit's answer"
done
for ((i = 0; i < 50; i++)); do
    [[ -e $PROXY_DIR/arm.done ]] && break
    sleep 0.1
done
[[ -e $PROXY_DIR/arm.done ]] || fail "the proxy dropped no commit's answer"
wait_events free 4
sleep 1 # a second write of the batch would land by now
expect_eq "$(events free)" 4 "events of 4 chats (a batch whose answer was lost is not written again)"
grep -q 'written by a commit whose answer was lost' "$TEST_TMP/serve.err" ||
    fail "serve did not say the lost answer's commit was made: $(tail -5 "$TEST_TMP/serve.err")"
# the rollups count each event once, as a recount of the events does
rollup() { # TABLE SCOPE NAME: the events it counts
    pg_sql "SELECT coalesce(sum(events), 0) FROM $1 WHERE scope = '$2' AND name = '$3'"
}
expect_eq "$(rollup usage_rollup_day workspace free)" 4 "the free workspace's events in its rollup"
all=$(pg_sql "SELECT count(*) FROM usage_events WHERE account = 'up'")
expect_eq "$all" 6 "the account's events (2 of the limited workspace, 4 of the free one)"
expect_eq "$(rollup usage_rollup_day account up)" "$all" "the account's events in its day rollup"
expect_eq "$(rollup usage_rollup_minute account up)" "$all" "the account's events in its minute rollups"
# 3. a lease serve cannot return while the catalog is cut off is said once, and once when it can
# (the proxy cuts serve off at once: the lease goes idle, and is returned, 1 s after its use)
expect_eq "$(chat "$BIG_KEY")" 200 "a chat on a leased limit"
touch "$PROXY_DIR/down"
sleep 4 # idle after 1 s: returned every 200 ms while the catalog is cut off
# returned whole once its event is written, else shrunk (renewed): one line, either way
lease_lines=$(grep -c 'could not re\(turn\|new\) a lease' "$TEST_TMP/serve.err")
expect_eq "$lease_lines" 1 "lines about a lease serve could not return or renew in 3 s of outage"
rm "$PROXY_DIR/down"
for ((i = 0; i < 100; i++)); do
    grep -q 'renewing and returning leases again: the catalog is back after [0-9.]* s' "$TEST_TMP/serve.err" &&
        break
    sleep 0.1
done
grep -q 'renewing and returning leases again: the catalog is back after [0-9.]* s' "$TEST_TMP/serve.err" ||
    fail "serve did not say it returns leases again: $(tail -5 "$TEST_TMP/serve.err")"
expect_eq "$(pg_sql "SELECT count(*) FROM router_reservations WHERE workspace = 'big'")" 0 \
    "the lease's row once returned"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
expect_eq "$?" 0 "serve's exit after SIGTERM"
# every line is serve's own (dated), never libpq's raw NOTICE or WARNING text
grep -v '^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] ' "$TEST_TMP/serve.err" | grep -q '^\(NOTICE\|WARNING\):' &&
    fail "libpq's raw text in serve's log: $(grep '^\(NOTICE\|WARNING\):' "$TEST_TMP/serve.err")"
cp "$TEST_TMP/serve.err" /tmp/pgfault/serve-record.err
finish
