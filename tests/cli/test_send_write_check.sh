#!/usr/bin/env bash
# The check before `send`'s first write covers what a request's record changes, not the whole
# configuration: damage in a configuration table the request never reads (alerts) lets the
# request through (and still refuses a configuration write), damage in a table the record
# writes (router_reservations) refuses the send with the file untouched.
# SQLite only: it damages pages of the SQLite file itself (a PostgreSQL catalog's check is
# tests/postgres/test_check_pg.sh).
source "$(dirname "$0")/lib.sh"

assert_ok account add a1 --provider openai-compatible --endpoint http://127.0.0.1:9/v1
assert_ok model add chat --type chat
assert_ok target add chat --account a1 --model gpt-4o-mini
assert_ok workspace add w1
assert_ok entitle chat w1

# damage_root TABLE: overwrite the table's root page header in the file itself
damage_root() {
    sqlite3 "$MM_DB" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
    local page
    page=$(sqlite3 "$MM_DB" "SELECT rootpage FROM sqlite_master WHERE name = '$1'")
    python3 - "$MM_DB" "$page" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek((int(sys.argv[2]) - 1) * 4096)
    f.write(b"\x0d\x00\x07\xff\xff" + b"\xee" * 2000)
PY
}
events() { sqlite3 "$MM_DB" "SELECT count(*) FROM usage_events WHERE kind = 'request'"; }

cp "$MM_DB" "$TEST_TMP/sound.db"
damage_root alerts
mm send chat --workspace w1 --prompt hi --timeout-ms 2000
assert_rc 1 # every attempt failed (nothing listens on port 9): recorded, not refused
assert_not_contains err "is damaged"
[ "$(events)" = 1 ] || fail "the request's attempt was not recorded"
mm workspace add w2 # a configuration write still checks every configuration table
assert_rc 1
assert_contains err "is damaged"
echo "ok - send checks the tables its record writes; a configuration write checks them all"

cp "$TEST_TMP/sound.db" "$MM_DB"
rm -f "$MM_DB-wal" "$MM_DB-shm"
damage_root router_reservations
file_sum() { sha256sum "$MM_DB" "$MM_DB-wal" 2>/dev/null; }
before=$(file_sum)
mm send chat --workspace w1 --prompt hi --timeout-ms 2000
assert_rc 1
assert_contains err "is damaged"
[ "$before" = "$(file_sum)" ] || fail "a damaged catalog was written by send"
echo "ok - damage in a table send writes refuses the send, nothing written"
finish
