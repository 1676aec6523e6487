#!/usr/bin/env bash
# `mmadmin catalog copy` both ways between SQLite and PostgreSQL (issue 18): every table and
# id kept, API keys still sealed (the same ciphertext on both ends), one transaction, a count
# per table; refused: a destination holding rows (without --replace), another master key, the
# same catalog. Run by tests/postgres/run.sh (MM_PG_ADDRESS).
: "${MM_PG_ADDRESS:?run me through tests/postgres/run.sh}"
source "$(dirname "$0")/../cli/lib.sh"

SRC=$TEST_TMP/source.db
BACK=$TEST_TMP/back.db
lite() { "$MMADMIN" --db "$SRC" "$@"; }

# ---- a source catalog with a bit of everything, on SQLite ----
export OPENAI_KEY=sk-proj-ZQXCOPYSECRET000111222
lite account add prod --provider openai --api-key-env OPENAI_KEY --rpm 60 >/dev/null || fail "account add"
lite account add local --provider openai-compatible --endpoint http://localhost:11434/v1 >/dev/null || fail "account add local"
lite model add chat --type chat --description "the chat model" >/dev/null || fail "model add"
lite target add chat --account prod --model gpt-4o-mini >/dev/null || fail "target add"
lite target add chat --account local --model llama3 >/dev/null || fail "target add 2"
lite workspace add team >/dev/null || fail "workspace add"
lite entitle chat team --rpm 5 --monthly-tokens 100k >/dev/null || fail "entitle"
lite prices set openai gpt-4o-mini --input 0.15 --output 0.6 >/dev/null || fail "prices set"
# usage in two months, written by plain SQL (folded into the rollups at the next open)
sqlite3 "$SRC" "INSERT INTO usage_events (ts_ms, kind, account, provider, workspace, model,
  provider_model, outcome, http_status, latency_ms, tokens_in, tokens_out, cost_micros,
  retry_after_ms, message) VALUES
  (1767225600000, 'request', 'prod', 'openai', 'team', 'chat', 'gpt-4o-mini', 'ok', 200, 120, 10, 20, 30, 0, ''),
  (1769904000000, 'request', 'prod', 'openai', 'team', 'chat', 'gpt-4o-mini', 'ok', 200, 90, 11, 21, 31, 0, ''),
  (1769904000001, 'request', 'prod', 'openai', 'team', 'chat', 'gpt-4o-mini', 'error', 500, 50, 0, 0, 0, 0, 'boom')"
lite account list >/dev/null || fail "reopening the source"
lite_count() { sqlite3 "$1" "SELECT count(*) FROM $2"; }
src_audit=$(lite_count "$SRC" audit_log)
src_events=$(lite_count "$SRC" usage_events)
src_days=$(lite_count "$SRC" usage_rollup_day)
src_cipher=$(sqlite3 "$SRC" "SELECT hex(key_cipher) FROM accounts WHERE name = 'prod'")
expect() { [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"; }

# ---- SQLite -> PostgreSQL ----
mm --db "$SRC" catalog copy --to "$MM_PG_ADDRESS"
assert_rc 0
assert_contains out "in one transaction"
assert_contains out "accounts"
grep -Eq '^  accounts +2$' "$OUT" || fail "2 accounts copied: $(cat "$OUT")"
grep -Eq '^  usage_events +3$' "$OUT" || fail "3 usage events copied"
grep -Eq '^  targets +2$' "$OUT" || fail "2 targets copied"
expect "$(pg_sql "SELECT count(*) FROM usage_events")" "$src_events" "usage events on PostgreSQL"
expect "$(pg_sql "SELECT count(*) FROM usage_rollup_day")" "$src_days" "day rollups on PostgreSQL"
expect "$(pg_sql "SELECT count(*) FROM audit_log")" "$((src_audit + 1))" "audit rows (+ the copy)"
expect "$(pg_sql "SELECT action || ' ' || entity_kind FROM audit_log ORDER BY id DESC LIMIT 1")" \
    "copy catalog" "the copy's audit entry"
expect "$(pg_sql "SELECT upper(encode(key_cipher, 'hex')) FROM accounts WHERE name = 'prod'")" \
    "$src_cipher" "the sealed key, byte for byte"
pg_sql "SELECT count(*) FROM accounts" | grep -q '^2$' || fail "accounts on PostgreSQL"
# sound right after the copy: every id generator is past its table's ids (the copy sets them
# with setval(..., false), which pg_sequences shows as NULL until the first insert)
assert_ok check
assert_contains out "is sound"
# the same catalog as seen by mmadmin (export is sorted and has no ids)
"$MMADMIN" --db "$SRC" export --format yaml >"$TEST_TMP/src.yaml" || fail "export source"
"$MMADMIN" export --format yaml >"$TEST_TMP/pg.yaml" || fail "export PostgreSQL"
diff "$TEST_TMP/src.yaml" "$TEST_TMP/pg.yaml" >&2 || fail "the export differs after the copy"
# ids go on after the copied ones, and the same master key opens the sealed key
assert_ok account add third --provider openai-compatible --endpoint http://localhost:11435/v1
expect "$(pg_sql "SELECT id > (SELECT max(id) FROM accounts WHERE name <> 'third') FROM accounts WHERE name = 'third'")" \
    t "a new account's id after the copied ones"
assert_ok account edit prod --api-key-env OPENAI_KEY
MM_MASTER_KEY=ZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmY= mm account edit prod --api-key-env OPENAI_KEY
assert_rc 1
assert_contains err "master key"
# health and usage read the copied events
assert_ok health --json

# ---- refusals: the destination unchanged ----
# a mistyped source is not created (nor copied as an empty catalog)
before=$(catalog_fingerprint)
mm --db "$TEST_TMP/typo.db" catalog copy --to "$MM_PG_ADDRESS" --replace
assert_rc 2
assert_contains err "no catalog to copy at $TEST_TMP/typo.db"
[ -e "$TEST_TMP/typo.db" ] && fail "catalog copy created its missing source"
expect "$(catalog_fingerprint)" "$before" "PostgreSQL after copying from a missing source"
assert_refused --db "$SRC" catalog copy --to "$MM_PG_ADDRESS"
assert_contains err "already holds a catalog"
assert_contains err "--replace"
assert_refused catalog copy --to "$MM_PG_ADDRESS"
assert_contains err "the same catalog"
assert_refused catalog copy --from "$SRC" --to "$BACK"
assert_contains err "give --to"
# an address that does not answer: the hint names the option it came from, on one line
NOWHERE="postgresql://mmadmin@/mmadmin?host=$TEST_TMP/no-server"
mm --db "$SRC" catalog copy --to "$NOWHERE"
assert_rc 1
assert_contains err "check --to and that the server is running"
assert_not_contains err "MM_DB"
expect "$(wc -l <"$ERR")" 1 "lines of the error"
mm catalog copy --from "$NOWHERE"
assert_rc 1
assert_contains err "check --from and that the server is running"
assert_not_contains err "MM_DB"
NO_DB="${MM_PG_ADDRESS%%\?*}-missing?${MM_PG_ADDRESS#*\?}" # this server, a database it lacks
mm --db "$SRC" catalog copy --to "$NO_DB"
assert_rc 1
assert_contains err 'FATAL: database "'
assert_contains err "check the database and role names in --to"
expect "$(wc -l <"$ERR")" 1 "lines of the error"
mm --db "$NOWHERE" catalog copy --to "$BACK"
assert_rc 1
assert_contains err "check --db or MM_DB and that the server is running"
# another master key: the source's own key is wrong for it
before=$(catalog_fingerprint)
MM_MASTER_KEY=ZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmY= mm --db "$SRC" catalog copy --to "$MM_PG_ADDRESS" --replace
assert_rc 1
assert_contains err "master key"
expect "$(catalog_fingerprint)" "$before" "PostgreSQL after a refused copy"
# a source sealed with another key, onto a destination whose vault is the first key
OTHER=$TEST_TMP/other.db
export OTHER_KEY=ZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmY=
MM_MASTER_KEY=$OTHER_KEY "$MMADMIN" --db "$OTHER" account add x --provider openai \
    --api-key-env OPENAI_KEY >/dev/null || fail "account add on the other catalog"
MM_MASTER_KEY=$OTHER_KEY mm catalog copy --from "$OTHER" --replace
assert_rc 1
assert_contains err "different master key"
expect "$(catalog_fingerprint)" "$before" "PostgreSQL after a copy with another key"

# ---- PostgreSQL -> SQLite, and --replace ----
pg_cipher=$(pg_sql "SELECT upper(encode(key_cipher, 'hex')) FROM accounts WHERE name = 'prod'")
mm catalog copy --to "$BACK" --json
assert_rc 0
assert_json 'd["tables"]["accounts"] == 3 and d["tables"]["usage_events"] == 3'
assert_json 'd["to"].endswith("back.db") and "postgresql://" in d["from"]'
expect "$(lite_count "$BACK" usage_events)" "$src_events" "usage events back on SQLite"
expect "$(sqlite3 "$BACK" "SELECT hex(key_cipher) FROM accounts WHERE name = 'prod'")" "$pg_cipher" \
    "the sealed key back on SQLite, byte for byte"
"$MMADMIN" --db "$BACK" export --format yaml >"$TEST_TMP/back.yaml" || fail "export back"
"$MMADMIN" export --format yaml >"$TEST_TMP/pg2.yaml" || fail "export PostgreSQL again"
diff "$TEST_TMP/pg2.yaml" "$TEST_TMP/back.yaml" >&2 || fail "the export differs after copying back"
assert_ok --db "$BACK" check
"$MMADMIN" --db "$BACK" account edit prod --api-key-env OPENAI_KEY >/dev/null ||
    fail "the key back on SQLite opens with the same master key"
mm --db "$SRC" catalog copy --to "$BACK"
assert_rc 2
assert_contains err "already holds a catalog"
mm --db "$SRC" catalog copy --to "$BACK" --replace
assert_rc 0
assert_contains out "after emptying"
expect "$(sqlite3 "$BACK" "SELECT count(*) FROM accounts")" 2 "accounts after --replace"

# ---- more rows than one statement carries (DB_PG_ROWS_PER_STATEMENT), both ways ----
BIG=$TEST_TMP/big.db
cp "$SRC" "$BIG"
sqlite3 "$BIG" "WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 2345)
  INSERT INTO usage_events (ts_ms, kind, account, provider, workspace, model, provider_model,
  outcome, http_status, latency_ms, tokens_in, tokens_out, cost_micros, retry_after_ms, message,
  ttft_ms) SELECT 1769904000100 + v, 'request', 'prod', 'openai', 'team', 'chat', 'gpt-4o-mini',
  'ok', 200, v % 97, v, 2 * v, 3 * v, 0, printf('row %d: it''s \"%d\"', v, v),
  CASE WHEN v % 3 = 0 THEN NULL ELSE v END FROM n"
sum_sql="SELECT count(*), sum(id), sum(ts_ms), sum(cost_micros), sum(coalesce(ttft_ms, -1)),
  sum(length(message)), max(message) FROM usage_events"
big_sums=$(sqlite3 "$BIG" "$sum_sql")
mm --db "$BIG" catalog copy --to "$MM_PG_ADDRESS" --replace
assert_rc 0
expect "$(pg_sql "$sum_sql")" "$big_sums" "2,348 events on PostgreSQL"
mm catalog copy --to "$TEST_TMP/big-back.db"
assert_rc 0
expect "$(sqlite3 "$TEST_TMP/big-back.db" "$sum_sql")" "$big_sums" "2,348 events back on SQLite"
finish
