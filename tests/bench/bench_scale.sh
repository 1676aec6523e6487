#!/usr/bin/env bash
# The scale targets of issue 15, each beside a reference measured in the same run and the ratio:
# the first Health frame with 1,000 accounts and BENCH_EVENTS (10M) events this month and with
# 10,000 accounts (htop's first frame), flat from 100k events to BENCH_EVENTS, `health --json`
# at 10,000 accounts (the plain-SQL floor over the rollups), console RSS at 1,000 and 10,000
# accounts and the bytes per account between them, a key on each list
# page with 10,000 rows (a key in htop), and `send` (bench_send.sh: a bare curl of the same
# request to mmsim).
# The catalogs are built here: rows by plain SQL (generate_series; the event indexes dropped
# and rebuilt around the bulk insert), the events' rollups by migration 8's backfill (the
# catalog is set back to schema 7 and reopened, which recounts every event). Ingest is in
# bench_usage. Figures are medians of BENCH_RUNS runs. A first frame ends at its last byte
# (console_probe.py: output then quiet 30 ms, the same rule for htop), RSS 300 ms later and
# again BENCH_LATER_S (8) s later, once the health prober's first round has ended.
set -euo pipefail
build=${MM_BUILD_DIR:-build-bench}
build=$(cd "$build" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
events=${BENCH_EVENTS:-10000000}
runs=${BENCH_RUNS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for tool in sqlite3 python3 curl htop; do
    command -v "$tool" >/dev/null || { echo "bench_scale: $tool is needed"; exit 0; }
done
export MM_MASTER_KEY=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=
now_ms=$(($(date +%s) * 1000))
month_ms=$(($(date -u -d "$(date -u +%Y-%m-01)" +%s) * 1000))
ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf (b > 0 ? "%.2fx" : "n/a"), (b > 0 ? a / b : 0)}'; }
row() { # row FIGURE VALUE REFERENCE REF_VALUE TARGET
    printf 'TARGET %s: %s | %s: %s | ratio %s (target %s)\n' "$1" "$2" "$3" "$4" \
        "$(ratio "${2%% *}" "${4%% *}")" "$5"
}

# make_catalog PATH ACCOUNTS EVENTS ROWS: ACCOUNTS accounts (a closed port: probes fail fast),
# EVENTS request events spread over this month up to now, ROWS models (3 targets each),
# workspaces, entitlements and audit entries; then the rollups by the migration's backfill.
make_catalog() {
    local db=$1 accounts=$2 n=$3 rows=$4
    MM_DB=$db "$build/mmadmin" health config --probe-interval 3600 >/dev/null
    sqlite3 "$db" <<SQL
PRAGMA synchronous=OFF;
BEGIN;
INSERT INTO accounts(name, provider, endpoint, created_ms, updated_ms)
  SELECT printf('acct-%05d', value), 'openai-compatible', 'http://127.0.0.1:9/v1', $now_ms, $now_ms
  FROM generate_series(1, $accounts);
INSERT INTO models(name, type, created_ms, updated_ms)
  SELECT printf('model-%05d', value), 'chat', $now_ms, $now_ms FROM generate_series(1, $rows);
INSERT INTO targets(model_id, account_id, provider_model, priority)
  SELECT m.id, 1 + (m.id * 7 + p.value) % $accounts, 'gpt-4o-mini', p.value
  FROM models m, generate_series(1, 3) p;
INSERT INTO workspaces(name, created_ms, updated_ms)
  SELECT printf('team-%05d', value), $now_ms, $now_ms FROM generate_series(1, $rows);
INSERT INTO entitlements(model_id, workspace_id, created_ms, updated_ms)
  SELECT value, value, $now_ms, $now_ms FROM generate_series(1, $rows);
INSERT INTO audit_log(ts_ms, actor, action, entity_kind, entity_name, after_json)
  SELECT $now_ms - value, 'bench', 'create', 'workspace', printf('team-%05d', value), '{}'
  FROM generate_series(1, $rows);
DROP INDEX usage_by_account_ts; DROP INDEX usage_by_workspace_ts; DROP INDEX usage_by_ts;
INSERT INTO usage_events(ts_ms, kind, account, provider, workspace, model, provider_model,
  outcome, http_status, latency_ms, tokens_in, tokens_out, cost_micros, retry_after_ms, message)
  SELECT $month_ms + (value - 1) * ($now_ms - $month_ms) / $n, 'request',
    printf('acct-%05d', 1 + value % $accounts), 'openai-compatible',
    printf('team-%05d', 1 + value % 50), 'model-00001', 'gpt-4o-mini',
    CASE WHEN value % 20 THEN 'ok' ELSE 'rate_limited' END,
    CASE WHEN value % 20 THEN 200 ELSE 429 END, 100 + value % 900, 50 + value % 500,
    20 + value % 300, 40 + value % 400, -1, ''
  FROM generate_series(1, $n);
CREATE INDEX usage_by_account_ts ON usage_events(account, ts_ms, kind, model, tokens_in,
  tokens_out, cost_micros);
CREATE INDEX usage_by_workspace_ts ON usage_events(workspace, ts_ms, kind, model, tokens_in,
  tokens_out, cost_micros);
CREATE INDEX usage_by_ts ON usage_events(ts_ms);
DROP TABLE usage_rollup_minute; DROP TABLE usage_rollup_day;
DELETE FROM meta WHERE key = 'rollups_upto_id';
ALTER TABLE router_reservations DROP COLUMN requests; -- migration 9 (leases) runs again too
ALTER TABLE prices DROP COLUMN per_image; ALTER TABLE prices DROP COLUMN per_second;
ALTER TABLE prices DROP COLUMN per_character; -- and migration 10 (media prices)
ALTER TABLE usage_events DROP COLUMN ttft_ms; -- and migration 11 (time to first token)
COMMIT;
PRAGMA user_version = 7; -- the schema before migration 8 (the rollups)
SQL
    MM_DB=$db "$build/mmadmin" account list --json >/dev/null # migration 8: the backfill
}

# probe KEYS ARGS...: median over runs of "first_ms rss_kb key_ms later_rss_kb" (each column
# apart; later_rss_kb 0 unless PROBE_LATER_S is set)
probe() {
    local keys=$1
    shift
    for _ in $(seq "$runs"); do python3 "$here/console_probe.py" "$keys" "$@"; done >"$tmp/probe"
    echo "$(awk '{print $1}' "$tmp/probe" | median) $(awk '{print $2}' "$tmp/probe" | median) \
$(awk '{print $3}' "$tmp/probe" | median) $(awk '{print $4}' "$tmp/probe" | median)"
}
later_s=${BENCH_LATER_S:-8}

t0=$(ms)
make_catalog "$tmp/a1k.db" 1000 "$events" 100
make_catalog "$tmp/a1k-small.db" 1000 100000 100
make_catalog "$tmp/a10k.db" 10000 100000 10000
echo "catalogs built in $(( ($(ms) - t0) / 1000 )) s: 1,000 accounts x $events events; 1,000 x 100,000; 10,000 accounts x 100,000 events with 10,000 models (30,000 targets), workspaces, entitlements, audit entries"

read -r htop_first htop_rss htop_key _ < <(probe 5 htop)
read -r big_first _ _ _ < <(MM_DB=$tmp/a1k.db probe 0 "$build/mmadmin" --page health)
read -r small_first small_rss _ small_later < <(MM_DB=$tmp/a1k-small.db PROBE_LATER_S=$later_s \
    probe 0 "$build/mmadmin" --page health)
read -r k10_first k10_rss _ k10_later < <(MM_DB=$tmp/a10k.db PROBE_LATER_S=$later_s \
    probe 0 "$build/mmadmin" --page health)
row "first Health frame, 1,000 accounts, $events events this month" "$big_first ms" \
    "htop first frame" "$htop_first ms" "<= 0.5x"
row "first Health frame, 1,000 accounts, 100,000 events" "$small_first ms" "htop first frame" \
    "$htop_first ms" "<= 0.5x"
row "first Health frame, 10,000 accounts" "$k10_first ms" "htop first frame" "$htop_first ms" \
    "<= 1x"
row "first Health frame, 1,000 accounts: $events events vs 100,000" "$big_first ms" \
    "100,000 events" "$small_first ms" "1.00x +-20%"

# health --json at 10,000 accounts beside the plain-SQL floor over the same rollups
for _ in $(seq "$runs"); do
    s=$(ms); MM_DB=$tmp/a10k.db "$build/mmadmin" health --json >/dev/null; echo $(($(ms) - s))
done | median >"$tmp/json"
for _ in $(seq "$runs"); do
    s=$(ms)
    sqlite3 -json "$tmp/a10k.db" "SELECT a.name, a.provider, a.enabled, a.monthly_cap_cents,
        m.cost, m.unpriced FROM accounts a LEFT JOIN (SELECT name, sum(cost_micros) AS cost,
        sum(unpriced) AS unpriced FROM usage_rollup_day WHERE start_ms >= $month_ms
        AND scope = 'account' AND kind = 'request' GROUP BY name) m ON m.name = a.name" \
        >/dev/null
    echo $(($(ms) - s))
done | median >"$tmp/floor"
row "health --json, 10,000 accounts" "$(cat "$tmp/json") ms" "plain SQL floor over the rollups" \
    "$(cat "$tmp/floor") ms" "<= 2x"
row "console RSS, 1,000 accounts (Health page)" "$((small_rss / 1024)) MB" "htop RSS" \
    "$((htop_rss / 1024)) MB" "(10,000: <= 60 MB)"
row "console RSS, 10,000 accounts (Health page)" "$((k10_rss / 1024)) MB" "htop RSS" \
    "$((htop_rss / 1024)) MB" "<= 60 MB"
row "console RSS, 10,000 accounts (Health page), $later_s s later: probe round done" \
    "$((k10_later / 1024)) MB" "htop RSS" "$((htop_rss / 1024)) MB" "<= 60 MB"
row "console resident bytes per account (10,000 less 1,000, / 9,000)" \
    "$(((k10_rss - small_rss) * 1024 / 9000)) B" "4 KB" "4096 B" "<= 1x"
row "console resident bytes per account, $later_s s later" \
    "$(((k10_later - small_later) * 1024 / 9000)) B" "4 KB" "4096 B" "<= 1x"

for page in entitlements models accounts audit; do
    read -r _ _ key _ < <(MM_DB=$tmp/a10k.db probe 10 "$build/mmadmin" --page "$page")
    row "$page page, 10,000 rows: Down to the last byte of the redraw" "$key ms" "htop key" \
        "$htop_key ms" "<= 5 ms"
done

# send beside a bare curl of the same request to mmsim, with the 10,000-account catalog
BENCH_SEND_DB=$tmp/a10k.db BENCH_SEND_ROUNDS=$((runs * 4 + 1)) MM_BUILD_DIR=$build \
    bash "$here/bench_send.sh"
echo "bench_scale: $(( ($(ms) - t0) / 1000 )) s in all"
