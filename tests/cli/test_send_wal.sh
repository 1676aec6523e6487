#!/usr/bin/env bash
# `send` leaves the WAL as it is at close (catalog_keep_wal_on_close): its record stays in the
# -wal file, the next send appends to the same file (no new WAL to create, sync and checkpoint
# a request), and an ordinary session's close still moves every page into the catalog file.
# SQLite only: this test is about the SQLite file's -wal file itself (a PostgreSQL catalog has
# no file of its own; its WAL is the server's).
source "$(dirname "$0")/lib.sh"

assert_ok account add a1 --provider openai-compatible --endpoint http://127.0.0.1:9/v1
assert_ok model add chat --type chat
assert_ok target add chat --account a1 --model gpt-4o-mini
assert_ok workspace add w1
assert_ok entitle chat w1
[ ! -e "$MM_DB-wal" ] || fail "an ordinary session left its WAL behind"

mm send chat --workspace w1 --prompt hi --timeout-ms 2000
assert_rc 1 # every attempt failed (nothing listens on port 9): recorded
[ -s "$MM_DB-wal" ] || fail "send checkpointed its WAL at close"
wal=$(stat -c %i "$MM_DB-wal")
mm send chat --workspace w1 --prompt hi --timeout-ms 2000
assert_rc 1
[ "$wal" = "$(stat -c %i "$MM_DB-wal")" ] || fail "the second send made a new WAL"
echo "ok - send keeps its WAL at close, the next send appends to it"

assert_ok account list
[ ! -e "$MM_DB-wal" ] || fail "an ordinary session's close did not checkpoint send's WAL"
n=$(sqlite3 "$MM_DB" "SELECT count(*) FROM usage_events WHERE kind = 'request'")
[ "$n" = 2 ] || fail "expected both requests in the catalog file, found $n"
echo "ok - the next ordinary session moves send's records into the catalog file"
finish
