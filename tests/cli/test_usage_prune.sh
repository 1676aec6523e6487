#!/usr/bin/env bash
# `mmadmin usage prune`: deletes the raw events older than the retention (default 35 days, then
# a saved --retention-days) in batches, keeps the rollups so the month-to-date cost `health`
# shows is the same after, refuses a retention out of range with the catalog unchanged, and a
# new catalog uses auto_vacuum=INCREMENTAL (SQLite); export, plan and apply carry the retention.
# The clock is pinned to 2026-04-03 12:00 UTC, then moved to May 1st: a whole month's events
# pruned, May's and April's figures stay exact.
source "$(dirname "$0")/lib.sh"

export MM_FAKE_NOW_MS=1775217600000
day=86400000
assert_ok account add alpha --provider openai-compatible --endpoint http://127.0.0.1:9/v1
if [ -z "${MM_PG_ADDRESS:-}" ]; then
    [ "$(sqlite3 "$MM_DB" 'PRAGMA auto_vacuum')" = 2 ] || fail "a new catalog is not INCREMENTAL"
fi

# events COUNT DAYS_AGO: COUNT priced requests of alpha, DAYS_AGO days before now (plain SQL:
# the next mmadmin that opens the catalog folds them into the rollups; on PostgreSQL into the
# month's partition)
events() {
    usage_partition $((MM_FAKE_NOW_MS - $2 * day))
    catalog_sql "WITH RECURSIVE series(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM series
      WHERE value < $1) INSERT INTO usage_events(ts_ms, kind, account, provider, workspace, model,
      provider_model, outcome, http_status, latency_ms, tokens_in, tokens_out, cost_micros,
      retry_after_ms, message) SELECT $((MM_FAKE_NOW_MS - $2 * day)) - value, 'request', 'alpha',
      'openai-compatible', 'team', 'chat', 'gpt', 'ok', 200, 100, 10, 5, 1000, -1, ''
      FROM series;"
}
events 100 60
events 50 30
events 30 1
events 20 0

assert_ok health --json
assert_json 'd[0]["cost_usd_month"] == 0.05' # April: the 20 of today
rollups_before=$(catalog_sql "SELECT sum(events), sum(cost_micros) FROM usage_rollup_day WHERE scope = 'account'")
[ "$rollups_before" = "200|200000" ] || fail "rollups before pruning: $rollups_before"

assert_ok usage prune --json
assert_json 'd["retention_days"] == 35 and d["events_deleted"] == 100 and d["events_kept"] == 100'
assert_ok usage prune --retention-days 2 --batch 7 --json
assert_json 'd["retention_days"] == 2 and d["events_deleted"] == 50 and d["events_kept"] == 50'
[ "$(catalog_sql "SELECT value FROM settings WHERE key = 'usage.retention_days'")" = 2 ] ||
    fail "the retention was not saved"
assert_ok audit --json
assert_contains out "usage.retention_days"

rollups_after=$(catalog_sql "SELECT sum(events), sum(cost_micros) FROM usage_rollup_day WHERE scope = 'account'")
[ "$rollups_after" = "$rollups_before" ] || fail "pruning changed the rollups: $rollups_after"
assert_ok health --json
assert_json 'd[0]["cost_usd_month"] == 0.05'
assert_ok usage prune
assert_contains out "kept 2 days of usage events: deleted 0 events"

# May 1st, 01:00: ten events this month; pruning (2 days) deletes all of April's raw events
export MM_FAKE_NOW_MS=1777597200000
events 10 0
assert_ok usage prune --json
assert_json 'd["events_deleted"] == 50 and d["events_kept"] == 10'
assert_ok health --json
assert_json 'd[0]["cost_usd_month"] == 0.01' # May: the 10 of today
april=$(catalog_sql "SELECT sum(events), sum(cost_micros) FROM usage_rollup_day WHERE scope = 'account'
    AND start_ms >= 1775001600000 AND start_ms < 1777593600000")
[ "$april" = "50|50000" ] || fail "April's rollups after pruning its events: $april"

assert_refused usage prune --retention-days 1
assert_contains err "2 to 36500 days"
assert_refused usage prune --retention-days soon
assert_contains err "the retention must be 2 to 36500 days, not 'soon'" # not "from 1"

# the retention is part of the catalog as code: exported, planned, applied, checked alike
assert_ok export -o "$TEST_TMP/catalog.yaml"
grep -q -F 'usage.retention_days: "2"' "$TEST_TMP/catalog.yaml" || fail "export left out the retention"
sed -i 's/usage.retention_days: "2"/usage.retention_days: "90"/' "$TEST_TMP/catalog.yaml"
assert_exit 2 plan -f "$TEST_TMP/catalog.yaml"
assert_contains out "~ setting usage.retention_days: 2 -> 90"
assert_ok apply -f "$TEST_TMP/catalog.yaml"
assert_ok usage prune --json
assert_json 'd["retention_days"] == 90'
sed -i 's/usage.retention_days: "90"/usage.retention_days: "1"/' "$TEST_TMP/catalog.yaml"
assert_refused apply -f "$TEST_TMP/catalog.yaml"
assert_contains err "the retention must be 2 to 36500 days, not '1'"
sed -i 's/usage.retention_days: "1"/usage.retention_days: 30/' "$TEST_TMP/catalog.yaml"
assert_refused apply -f "$TEST_TMP/catalog.yaml"
assert_contains err "setting usage.retention_days must be written as text"
assert_refused usage prune --batch 0
finish
