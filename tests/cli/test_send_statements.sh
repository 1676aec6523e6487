#!/usr/bin/env bash
# `send` runs a bounded number of SQL statements and transactions for one request (issue 15):
# its plan's reads share one read transaction and nothing loads more of the catalog than the
# request needs. MM_TRACE_SQL makes the engine layer print each statement and, at close, the
# counts; without it nothing of the kind reaches the output. An answer from mmsim, so the path is
# open, plan, admit, call, record. The budgets are SQLite's (PostgreSQL adds its own statements:
# partitions, session settings), so this test is not in the postgres list.
source "$(dirname "$0")/lib.sh"

start_mmsim
export SIM_KEY=sk-test-0123456789abcdef

# Budgets measured (23 statements, 3 transactions begun: the plan's read, the admission, the
# record; it was 43 and 2, with ~30 reads each in a transaction of its own, then 35 before the
# attempt's price was read once and its key in one statement, then 32 before the settings were
# read once, the account's row taken from the plan, the counters of scopes without a limit left
# unread and the workspace's row left to its entitlement; 25 since the chain's health is read
# from the minute rollups and the few raw rows its state needs, not the hour's raw events: one
# statement more, whose cost no longer grows with traffic; 23 since the rollups' position query,
# read at open, by the plan's health and by the record, is prepared once; 21 since the
# admission leaves the counters of a scope without a limit unread too; 19 since the model, its
# targets and their accounts are one statement, not 2 + one an account; 18 since the vault's
# check value is read beside the API key); no room, so a new per-request read fails here rather
# than slowing every request.
STATEMENTS_MAX=18
TRANSACTIONS_MAX=3

assert_ok account add sim --provider openai --endpoint "http://127.0.0.1:$PORT/openai" \
    --api-key-env SIM_KEY
assert_ok model add chat --type chat
assert_ok target add chat --account sim --model gpt-4o-mini
assert_ok workspace add w1
assert_ok entitle chat w1
mm send chat --workspace w1 --prompt hi # the first send may load the built-in prices
assert_rc 0

MM_TRACE_SQL=1 mm send chat --workspace w1 --prompt hi
assert_rc 0
assert_contains out "served by sim"
counts=$(grep -E '^sql: [0-9]+ statements, [0-9]+ transactions$' "$ERR" | tail -n 1)
[ -n "$counts" ] || fail "MM_TRACE_SQL printed no counts at close"
statements=$(echo "$counts" | awk '{print $2}')
transactions=$(echo "$counts" | awk '{print $4}')
[ "${statements:-999}" -le "$STATEMENTS_MAX" ] ||
    fail "send ran $statements statements for one request (at most $STATEMENTS_MAX)"
[ "${transactions:-999}" -le "$TRANSACTIONS_MAX" ] ||
    fail "send ran $transactions transactions for one request (at most $TRANSACTIONS_MAX)"
reads=$(grep -c '^sql: BEGIN (read)$' "$ERR")
[ "$reads" = 1 ] || fail "the plan's reads took $reads read transactions, not one"
echo "ok - one send: $statements statements, $transactions transactions, one read transaction"
prices=$(grep -c '^sql: SELECT .* FROM prices WHERE provider = ?1 AND model = ?2' "$ERR")
[ "$prices" = 1 ] || fail "the attempt's price was read $prices times, not once (estimate and charge)"
grep -q "^sql: SELECT key_cipher, (SELECT value FROM meta WHERE key = 'vault_check') FROM accounts WHERE name = ?1\$" "$ERR" ||
    fail "the API key and the vault's check value were not read by the account's name in one statement"
assert_not_contains err "SELECT id FROM accounts WHERE name"
assert_not_contains err "sql: SELECT value FROM meta WHERE key = 'vault_check'"
echo "ok - the price read once for the estimate and the charge, the key with the vault's check in one statement"
settings=$(grep -c '^sql: SELECT .* FROM settings' "$ERR")
[ "$settings" = 1 ] || fail "the settings were read by $settings statements, not once (router, health, prices)"
rows=$(grep -c '^sql: SELECT a.id, a.name, a.provider, .* FROM accounts a' "$ERR")
chains=$(grep -c '^sql: SELECT a.id, a.name, a.provider, .* FROM models m LEFT JOIN targets t' "$ERR")
targets=$(grep -c '^sql: SELECT .* FROM targets t' "$ERR")
workspaces=$(grep -c '^sql: SELECT w.id, w.name, .* FROM workspaces w' "$ERR")
[ "$workspaces" = 0 ] || fail "the workspace's row was read although its entitlement names it"
[ "$chains" = 1 ] || fail "the model's chain was read by $chains statements, not one"
[ "$rows" = 0 ] && [ "$targets" = 0 ] ||
    fail "the chain's accounts ($rows) or targets ($targets) were read apart from the model"
counters=$(grep -c '^sql: SELECT w.requests, ' "$ERR")
[ "$counters" = 0 ] ||
    fail "the usage counters were read $counters times; with no limit set nothing judges them"
echo "ok - the settings read once, the model with its targets and accounts in one statement (the workspace's row not), counters only where a limit judges them"

# A limit brings its scope's counters back, into the plan and the admission; the account's
# stay unread while it has no limit.
assert_ok entitle chat w1 --rpm 1000
MM_TRACE_SQL=1 mm send chat --workspace w1 --prompt hi
assert_rc 0
counters=$(grep -c '^sql: SELECT w.requests, ' "$ERR")
[ "$counters" = 2 ] || fail "with the workspace's RPM set the counters were read $counters times, not 2"
echo "ok - a workspace limit: its counters read by the plan and the admission"

mm send chat --workspace w1 --prompt hi
assert_rc 0
assert_not_contains err "sql:"
assert_not_contains out "sql:"
echo "ok - without MM_TRACE_SQL nothing is traced"
finish
