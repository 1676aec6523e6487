#!/usr/bin/env bash
# Usage events `mmadmin serve` cannot write are kept, not lost: while another process holds the
# catalog's write lock (SQLite: SQLITE_BUSY after the 5 s busy timeout; PostgreSQL: a lock on
# usage_events, after the 5 s lock_timeout) chats are still served, serve says once that it keeps
# their events, and once the lock is gone every event is written exactly once and serve says so;
# an event still kept at SIGTERM is written by the last flush. A request admitted on the exact
# path (a limit too small to lease) before the lock keeps its event the same way, and its
# reservation ends with that event's write.
# (The PostgreSQL server stopped under serve: tests/postgres/test_catalog_outage.sh.)
source "$(dirname "$0")/router_lib.sh"

add_account up
chain chat up
assert_ok workspace add free
assert_ok entitle chat free
assert_ok workspace key add free
KEY=$(tr -d '\n' <"$OUT")
assert_ok workspace add team
assert_ok entitle chat team --rpm 5 # too small to lease: each request is admitted by the catalog
assert_ok workspace key add team
TEAM_KEY=$(tr -d '\n' <"$OUT")
serve_start
chat() { # [KEY]
    curl -s -m 20 -o /dev/null -w '%{http_code}' "$URL/v1/chat/completions" \
        -H "Authorization: Bearer ${1:-$KEY}" \
        -d '{"model":"chat","messages":[{"role":"user","content":"hi"}],"max_tokens":4}'
}
events() { catalog_sql "SELECT count(*) FROM usage_events WHERE workspace = 'free'"; }
LOCKED=$TEST_TMP/locked
lock_catalog() { # SECONDS: holds the lock usage events are written under that long (background)
    if [[ -n ${MM_PG_ADDRESS:-} ]]; then # the events' table: a write waits out lock_timeout (5 s)
        "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$MM_DB" >/dev/null <<SQL &
BEGIN;
LOCK TABLE usage_events IN EXCLUSIVE MODE;
\\! touch $LOCKED
SELECT pg_sleep($1);
ROLLBACK;
SQL
    else # the catalog's write lock: a write waits out the busy timeout (5 s)
        python3 - "$MM_DB" "$1" "$LOCKED" <<'PY' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
open(sys.argv[3], "w").close()
time.sleep(float(sys.argv[2]))
db.execute("ROLLBACK")
PY
    fi
    LOCK_PID=$!
    for ((i = 0; i < 50; i++)); do
        [[ -e $LOCKED ]] && break
        sleep 0.1
    done
    rm -f "$LOCKED"
}

lock_catalog 9
for n in 1 2 3; do
    expect_eq "$(chat)" 200 "chat $n while the catalog is locked"
done
sleep 6 # the first flush waits out the busy timeout (5 s) and fails
expect_eq "$(events)" 0 "usage events written while the catalog is locked"
grep -q 'cannot write usage events ([0-9]* kept, written again once the catalog answers)' \
    "$TEST_TMP/serve.err" || fail "serve did not say it keeps the events: $(tail -5 "$TEST_TMP/serve.err")"
wait "$LOCK_PID"
for ((i = 0; i < 100; i++)); do
    [[ $(events) == 3 ]] && break
    sleep 0.1
done
sleep 0.3 # a doubled write would land by now
expect_eq "$(events)" 3 "usage events once the lock is gone (each written once)"
grep -q 'the catalog takes usage events again; 3 kept events written' "$TEST_TMP/serve.err" ||
    fail "serve did not say the kept events were written: $(tail -5 "$TEST_TMP/serve.err")"
expect_eq "$(grep -c 'usage events' "$TEST_TMP/serve.err")" 2 "serve's lines about usage events"
grep -q 'lost [0-9]* usage events' "$TEST_TMP/serve.err" && fail "serve lost usage events"
assert_ok health --json
assert_json '[(a["account"], a["requests"]) for a in d if a["account"] == "up"] == [("up", 3)]'

# the exact path: admitted before the lock, its event written once the lock is gone
reservations() { catalog_sql "SELECT count(*) FROM router_reservations WHERE workspace = 'team'"; }
scenario '{"rules":[{"prefix":"openai","phases":[{"latency_ms":9000}]}]}'
chat "$TEAM_KEY" >"$TEST_TMP/team.status" &
team_chat=$!
for ((i = 0; i < 50; i++)); do # admitted by the catalog, waiting for the provider
    [[ $(reservations) == 1 ]] && break
    sleep 0.1
done
expect_eq "$(reservations)" 1 "the exact path's reservation"
lock_catalog 11
kill -0 "$team_chat" 2>/dev/null || fail "the chat ended before the catalog was locked"
wait "$team_chat"
expect_eq "$(cat "$TEST_TMP/team.status")" 200 "the exact path's chat while the catalog is locked"
sim_reset
wait "$LOCK_PID"
for ((i = 0; i < 100; i++)); do
    [[ $(catalog_sql "SELECT count(*) FROM usage_events WHERE workspace = 'team'") == 1 ]] && break
    sleep 0.1
done
sleep 0.3 # a doubled write would land by now
expect_eq "$(catalog_sql "SELECT count(*) FROM usage_events WHERE workspace = 'team'")" 1 \
    "the exact path's event once the lock is gone"
expect_eq "$(reservations)" 0 "the exact path's reservation once its event is written"

# SIGTERM while an event is kept: the last flush writes it once the lock is gone
lock_catalog 7
expect_eq "$(chat)" 200 "a chat while the catalog is locked again"
sleep 6
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
expect_eq "$?" 0 "serve's exit after SIGTERM"
wait "$LOCK_PID"
expect_eq "$(events)" 4 "usage events after SIGTERM"
grep -q 'lost [0-9]* usage events' "$TEST_TMP/serve.err" && fail "serve lost usage events at stop"
finish
