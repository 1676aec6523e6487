#!/usr/bin/env bash
# The catalog's PostgreSQL server stopped under a running `mmadmin serve`, then started again
# (issue 18): while it is down a workspace without limits is still served from the routing view
# in memory, one whose limit needs the catalog's admission gets a 503 with Retry-After that names
# the catalog (never its password), serve says so in a few lines (not one per retry), and once
# the server is back it serves again and says so, and the usage of a chat served meanwhile is
# written then (kept by serve's usage writer, never lost nor written twice). On a private server
# of its own (it stops it), so the ctest run's shared server is left alone. Run by tests/postgres/run.sh (MM_PG_ADDRESS).
: "${MM_PG_ADDRESS:?run me through tests/postgres/run.sh}"
source "$(dirname "$0")/../integration/router_lib.sh"

OUTAGE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mmpg-outage.XXXXXX")
trap 'cleanup; pg_server_stop "$OUTAGE_DIR"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
pg_server_start "$OUTAGE_DIR" || exit 1
"$PG_BIN/createdb" -h "$OUTAGE_DIR" -U mmadmin outage || exit 1

# a role that must give a password (this server is ours: its pg_hba.conf may change)
pg_server_psql "$OUTAGE_DIR" "CREATE ROLE pwuser LOGIN PASSWORD 'RightPW123'" || exit 1
sed -i '1i local all pwuser scram-sha-256' "$OUTAGE_DIR/data/pg_hba.conf"
pg_server_psql "$OUTAGE_DIR" "SELECT pg_reload_conf()" >/dev/null || exit 1
mm --db "postgresql://pwuser:WrongPW9876@/outage?host=$OUTAGE_DIR" workspace list
assert_rc 1
assert_contains err "password authentication failed"
assert_contains err "check the role's password (in the address, PGPASSWORD or ~/.pgpass)"
assert_not_contains err "WrongPW9876"
PGPASSWORD=WrongPW9876 mm --db "postgresql://pwuser@/outage?host=$OUTAGE_DIR" workspace list
assert_rc 1
assert_contains err "check the role's password"
assert_not_contains err "WrongPW9876"
# trust authentication ignores the password: it rides in the address to be hidden everywhere
export MM_PG_ADDRESS="postgresql://mmadmin:hunter2ZQX@/outage?host=$OUTAGE_DIR"
export MM_DB=$MM_PG_ADDRESS

add_account up
chain chat up
assert_ok workspace add free
assert_ok entitle chat free
assert_ok workspace key add free
FREE_KEY=$(tr -d '\n' <"$OUT")
assert_ok workspace add team
assert_ok entitle chat team --rpm 5 # too small to lease: each request is admitted by the catalog
assert_ok workspace key add team
KEY=$(tr -d '\n' <"$OUT")
serve_start
chat() { # [KEY]: writes the headers to $TEST_TMP/chat.head, the body to .body, prints the status
    curl -s -m 20 -D "$TEST_TMP/chat.head" -o "$TEST_TMP/chat.body" -w '%{http_code}' \
        "$URL/v1/chat/completions" -H "Authorization: Bearer ${1:-$KEY}" \
        -d '{"model":"chat","messages":[{"role":"user","content":"hi"}],"max_tokens":4}'
}
expect_eq "$(chat)" 200 "a chat before the outage"

pg_server_halt "$OUTAGE_DIR"
lines_before=$(wc -l <"$TEST_TMP/serve.err")
sleep 3
status=$(chat)
expect_eq "$status" 503 "a chat while the catalog's server is down"
grep -qi '^retry-after: 1' "$TEST_TMP/chat.head" || fail "no Retry-After on the 503"
grep -q 'catalog_unavailable' "$TEST_TMP/chat.body" || fail "the 503 does not say the catalog: $(cat "$TEST_TMP/chat.body")"
grep -q 'hunter2ZQX' "$TEST_TMP/chat.body" "$TEST_TMP/serve.err" && fail "the password was shown"
# a workspace's client learns that the catalog is down, not where it is: the operator's log says
grep -q '"message": *"the catalog is unavailable"' "$TEST_TMP/chat.body" ||
    fail "the 503's message: $(cat "$TEST_TMP/chat.body")"
grep -qF -e "$OUTAGE_DIR" -e 'PGSQL' -e '/outage' "$TEST_TMP/chat.body" &&
    fail "the 503 shows the catalog's address: $(cat "$TEST_TMP/chat.body")"
grep -q 'answered 503 catalog_unavailable: .*catalog' "$TEST_TMP/serve.err" ||
    fail "serve did not log why it answered 503: $(tail -5 "$TEST_TMP/serve.err")"
expect_eq "$(chat "$FREE_KEY")" 200 "a chat without limits while the server is down"
sleep 2
outage_lines=$(($(wc -l <"$TEST_TMP/serve.err") - lines_before))
# one line per kind of trouble, not per retry; libpq's two or three lines of a message as one
grep -q 'failed: No such file or directory; Is the server running locally' "$TEST_TMP/serve.err" ||
    fail "libpq's message is not one line: $(tail -5 "$TEST_TMP/serve.err")"
grep -qE '^([[:space:]]|Is the server|DETAIL|HINT)' "$TEST_TMP/serve.err" &&
    fail "a line of serve's log continues libpq's message: $(grep -E '^([[:space:]]|Is the)' "$TEST_TMP/serve.err")"
((outage_lines <= 20)) || fail "serve wrote $outage_lines lines in 5 s of outage: $(tail -5 "$TEST_TMP/serve.err")"
grep -q 'keeping the previous routing view' "$TEST_TMP/serve.err" || fail "serve did not say it lost the catalog"

pg_server_resume "$OUTAGE_DIR" || exit 1
for ((i = 0; i < 50; i++)); do
    status=$(chat)
    [[ $status == 200 ]] && break
    sleep 0.2
done
[[ $status == 200 ]] || fail "a chat once the server is back: $status; serve said: $(tail -40 "$TEST_TMP/serve.err")"
for ((i = 0; i < 50; i++)); do
    grep -q 'the catalog answers again' "$TEST_TMP/serve.err" && break
    sleep 0.1
done
grep -q 'the catalog answers again' "$TEST_TMP/serve.err" || fail "serve did not say the catalog is back"
# the chat served mid-outage was kept by serve's usage writer and written once the server was
# back: recorded exactly once (a retried write never doubles), counted by usage and health
free_events=0
for ((i = 0; i < 50; i++)); do
    free_events=$(pg_sql "SELECT count(*) FROM usage_events WHERE workspace = 'free'")
    [[ $free_events != 0 ]] && break
    sleep 0.1
done
sleep 0.3 # a doubled write would land by now (the writer flushes every 50 ms)
expect_eq "$(pg_sql "SELECT count(*) FROM usage_events WHERE workspace = 'free'")" 1 \
    "usage events of the chat served while the catalog's server was down"
grep -q 'cannot write usage events (1 kept' "$TEST_TMP/serve.err" ||
    fail "serve did not say it kept the events it could not write: $(tail -5 "$TEST_TMP/serve.err")"
# written by the retry, or found written by a COMMIT sent before the pause whose answer was lost
# (the writer asks the server, txid_status): either way said, and written once (above)
# (the kept count may include a later request's event kept behind it: any count is said)
written='the catalog takes usage events again; [0-9]+ kept events written|[0-9]+ kept usage events were written by a commit whose answer was lost'
for ((i = 0; i < 50; i++)); do grep -qE "$written" "$TEST_TMP/serve.err" && break; sleep 0.1; done
grep -qE "$written" "$TEST_TMP/serve.err" || fail "serve did not say the kept events were written: $(tail -5 "$TEST_TMP/serve.err")"
grep -q 'lost [0-9]* usage events' "$TEST_TMP/serve.err" && fail "serve lost usage events"
assert_ok health --json
assert_json '[(a["account"], a["requests"]) for a in d if a["account"] == "up"] == [("up", 3)]'
assert_ok account list
# SIGTERM still drains and exits 0 after the outage
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
expect_eq "$?" 0 "serve's exit after SIGTERM"
grep -q 'hunter2ZQX' "$TEST_TMP/serve.err" && fail "the password was shown in serve's log"
finish
