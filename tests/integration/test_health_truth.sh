#!/usr/bin/env bash
# The health figures are true: a synthetic event set with hand-computable answers (p95, error
# rate, cost) is loaded into a catalog, and `mmadmin health --json` is checked against the hand
# answers and against an independent recomputation from the raw rows with plain SQL.
source "$MM_SOURCE_DIR/tests/cli/lib.sh"

NOW=1773577830000 # 2026-03-15 12:30:30 UTC
export MM_FAKE_NOW_MS=$NOW
MINUTE=60000
HOUR_START=$(((NOW / MINUTE - 59) * MINUTE)) # the last hour = the 60 minutes ending now
MONTH_START=1772323200000                   # 2026-03-01 00:00:00 UTC
at() { # at HH:MM:SS -> ms on 2026-03-15 (UTC)
    echo $(($(date -u -d "2026-03-15 $1" +%s) * 1000))
}

assert_ok account add alpha --provider openai-compatible --endpoint http://127.0.0.1:9/v1 --monthly-cap 50
assert_ok account add beta --provider openai-compatible --endpoint http://127.0.0.1:9/v1
assert_ok account add delta --provider openai-compatible --endpoint http://127.0.0.1:9/v1
assert_ok account add gamma --provider openai-compatible --endpoint http://127.0.0.1:9/v1

SQL=$TEST_TMP/events.sql
# ev TS KIND ACCOUNT OUTCOME LATENCY TOKENS_IN TOKENS_OUT COST_MICROS [RETRY_AFTER]
ev() {
    echo "INSERT INTO usage_events(ts_ms, kind, account, provider, workspace, model, provider_model,
      outcome, http_status, latency_ms, tokens_in, tokens_out, cost_micros, retry_after_ms, message)
      VALUES ($1, '$2', '$3', 'openai-compatible', '', '', '', '$4', 0, $5, $6, $7, $8, ${9:--1},
      CASE WHEN '$4' = 'ok' THEN '' ELSE 'synthetic $4' END);" >>"$SQL"
}
echo "BEGIN;" >"$SQL"
# alpha: 100 successful requests with latencies 10, 20, ..., 1000 ms (p95 = the 95th = 950 ms)
base=$(at 11:40:00)
for i in $(seq 1 100); do
    ev $((base + i * 1000)) request alpha ok $((i * 10)) $((100 + i)) 10 $((1000 + i))
done
for i in $(seq 1 10); do ev $(at 11:45:00) request alpha server 500 0 0 0; done
for i in $(seq 1 4); do ev $(at 11:50:00) request alpha rate_limited 5 0 0 0 1000; done
ev $(at 12:00:00) request alpha ok 1000 50 5 -1 # no price: adds nothing, counted as unpriced
for i in $(seq 1 5); do ev $(at 11:20:00) request alpha ok 100 1 1 7000; done  # before the hour
for i in $(seq 1 3); do ev $((MONTH_START + 3600000)) request alpha ok 100 1 1 20000; done
for i in $(seq 1 2); do ev $((MONTH_START - 3600000)) request alpha ok 100 1 1 99999; done # February
for i in 0 30 60 90 120; do ev $(($(at 12:28:00) + i * 1000)) probe alpha ok 40 0 0 0; done
# beta: fine at noon, then the last three probes failed
ev $(at 12:00:00) probe beta ok 30 0 0 0
for t in 12:29:00 12:29:30 12:30:00; do ev $(at $t) probe beta network 0 0 0 0; done
# delta: 20 requests in the recent window, 5 of them failed (25% > 10%), the last one fine
for i in $(seq 1 20); do
    outcome=ok
    ((i % 4 == 1)) && outcome=server
    ev $(($(at 12:27:00) + i * 1000)) request delta $outcome 200 10 10 100
done
echo "COMMIT;" >>"$SQL"
sqlite3 "$MM_DB" <"$SQL" || fail "could not load the synthetic events"

assert_ok health --json
cp "$OUT" "$TEST_TMP/health.json"

# ---- the hand-computed answers ----
# alpha hour: 100 + 10 + 4 + 1 + 5 probes = 120 events, 14 errors; ok latencies: 10..1000 (100),
# 1000 (unpriced), 40 x5 -> 106 values, p95 = the 101st smallest = 960; avg = (50500+1000+200)/106
# cost hour = sum(1000+i) = 105050 micros; month = 105050 + 5*7000 + 3*20000 = 200050 micros.
assert_json 'len(d) == 4'
assert_json '[a["account"] for a in d] == ["alpha", "beta", "delta", "gamma"]'
assert_json 'next(a for a in d if a["account"] == "alpha")["requests"] == 120'
assert_json 'abs(next(a for a in d if a["account"] == "alpha")["error_rate"] - 14 / 120) < 1e-12'
assert_json 'abs(next(a for a in d if a["account"] == "alpha")["latency_p95_ms"] - 960) <= 960 * 0.02'
assert_json 'abs(next(a for a in d if a["account"] == "alpha")["latency_avg_ms"] - 51700 / 106) < 0.051'
assert_json 'next(a for a in d if a["account"] == "alpha")["rate_limit_hits"] == 4'
assert_json 'next(a for a in d if a["account"] == "alpha")["tokens_in"] == 5050 + 10000 + 50'
assert_json 'abs(next(a for a in d if a["account"] == "alpha")["cost_usd_hour"] - 0.10505) < 1e-9'
assert_json 'abs(next(a for a in d if a["account"] == "alpha")["cost_usd_month"] - 0.20005) < 1e-9'
assert_json 'next(a for a in d if a["account"] == "alpha")["monthly_cap_usd"] == 50'
assert_json 'next(a for a in d if a["account"] == "alpha")["unpriced_requests"] == 1'
assert_json '[a["status"] for a in d] == ["healthy", "unreachable", "degraded", "unknown"]'
assert_json 'next(a for a in d if a["account"] == "gamma")["latency_p95_ms"] is None'
assert_json 'next(a for a in d if a["account"] == "gamma")["monthly_cap_usd"] is None'

# ---- an independent recomputation from the raw rows, compared in SQL ----
mismatches=$(sqlite3 "$MM_DB" <<SQL
.parameter set @now $NOW
.parameter set @hour_start $HOUR_START
.parameter set @month_start $MONTH_START
.parameter set @file '$TEST_TMP/health.json'
WITH hour AS (
    SELECT * FROM usage_events WHERE ts_ms >= @hour_start AND ts_ms <= @now),
ranked AS (
    SELECT account, latency_ms,
           row_number() OVER (PARTITION BY account ORDER BY latency_ms) AS rn,
           count(*) OVER (PARTITION BY account) AS n
    FROM hour WHERE outcome = 'ok'),
p95 AS ( -- nearest rank: the value at rank ceil(0.95 n)
    SELECT account, latency_ms AS p95 FROM ranked WHERE rn = (n * 95 + 99) / 100),
truth AS (
    SELECT account, count(*) AS requests, sum(outcome <> 'ok') AS errors,
           sum(outcome = 'rate_limited') AS rl, sum(tokens_in) AS tin, sum(tokens_out) AS tout,
           sum(max(cost_micros, 0)) AS cost, avg(CASE WHEN outcome = 'ok' THEN latency_ms END) AS avg_ms
    FROM hour GROUP BY account),
month AS (
    SELECT account, sum(max(cost_micros, 0)) AS cost FROM usage_events
    WHERE ts_ms >= @month_start AND kind = 'request' GROUP BY account),
got AS (
    SELECT json_extract(value, '\$.account') AS account, value AS v FROM json_each(readfile(@file))),
checks AS (
    SELECT g.account,
      json_extract(v, '\$.requests') = coalesce(t.requests, 0) AS requests_ok,
      abs(json_extract(v, '\$.error_rate') - coalesce(1.0 * t.errors / t.requests, 0)) < 1e-12 AS rate_ok,
      json_extract(v, '\$.rate_limit_hits') = coalesce(t.rl, 0) AS rl_ok,
      json_extract(v, '\$.tokens_in') = coalesce(t.tin, 0) AND json_extract(v, '\$.tokens_out') = coalesce(t.tout, 0) AS tokens_ok,
      abs(json_extract(v, '\$.cost_usd_hour') * 1e6 - coalesce(t.cost, 0)) < 0.5 AS cost_ok,
      abs(json_extract(v, '\$.cost_usd_month') * 1e6 - coalesce(m.cost, 0)) < 0.5 AS month_ok,
      coalesce(abs(json_extract(v, '\$.latency_avg_ms') - t.avg_ms) < 0.051, t.avg_ms IS NULL AND json_extract(v, '\$.latency_avg_ms') IS NULL) AS avg_ok,
      coalesce(abs(json_extract(v, '\$.latency_p95_ms') - p.p95) <= 0.02 * p.p95 + 0.05, p.p95 IS NULL AND json_extract(v, '\$.latency_p95_ms') IS NULL) AS p95_ok
    FROM got g LEFT JOIN truth t USING (account) LEFT JOIN month m USING (account) LEFT JOIN p95 p USING (account))
SELECT account || ': ' || json_array(requests_ok, rate_ok, rl_ok, tokens_ok, cost_ok, month_ok, avg_ok, p95_ok)
FROM checks WHERE NOT (requests_ok AND rate_ok AND rl_ok AND tokens_ok AND cost_ok AND month_ok AND avg_ok AND p95_ok)
UNION ALL SELECT 'accounts compared: ' || count(*) FROM got;
SQL
)
[ "$mismatches" = "accounts compared: 4" ] ||
    fail "health --json differs from the SQL recomputation (requests, rate, rl, tokens, cost, month, avg, p95): $mismatches"

# the plain table shows the same figures and says why an account is not healthy
assert_ok health
assert_contains out "alpha"
assert_contains out "11.7%"
assert_contains out "beta is unreachable: the last 3 probes failed"
assert_contains out "delta is degraded: error rate 25% (5 of 20)"

# a bad threshold setting is reported, and the default is used meanwhile
sqlite3 "$MM_DB" "INSERT OR REPLACE INTO settings(key, value) VALUES ('health.degraded_error_rate', 'lots')" 2>/dev/null &&
    {
        assert_ok health --json
        assert_contains err "health.degraded_error_rate is 'lots'"
        assert_json '[a["status"] for a in d] == ["healthy", "unreachable", "degraded", "unknown"]'
    }
finish
