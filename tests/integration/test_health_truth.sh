#!/usr/bin/env bash
# The health figures are true: a synthetic event set with hand-computable answers (p95, error
# rate, cost) is loaded into a catalog, and `mmadmin health --json` is checked against the hand
# answers and against an independent recomputation from the raw rows (read with plain SQL).
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
usage_partition $((MONTH_START - 3600000)) # February's events (PostgreSQL: its partition)
catalog_sql <"$SQL" >/dev/null || fail "could not load the synthetic events"

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

# ---- an independent recomputation from the raw rows (read with plain SQL, either backend) ----
catalog_sql "SELECT account, kind, ts_ms, outcome, latency_ms, tokens_in, tokens_out, cost_micros
    FROM usage_events" >"$TEST_TMP/rows.txt" || fail "could not read the events back"
mismatches=$(python3 - "$TEST_TMP/rows.txt" "$TEST_TMP/health.json" "$NOW" "$HOUR_START" \
    "$MONTH_START" <<'PY'
import json, sys
rows_file, health_file, now, hour_start, month_start = sys.argv[1:]
now, hour_start, month_start = int(now), int(hour_start), int(month_start)
events = []
for line in open(rows_file):
    account, kind, ts, outcome, latency, tin, tout, cost = line.rstrip("\n").split("|")
    events.append((account, kind, int(ts), outcome, int(latency), int(tin), int(tout), int(cost)))
def truth(account):
    hour = [e for e in events if e[0] == account and hour_start <= e[2] <= now]
    ok = sorted(e[4] for e in hour if e[3] == "ok")
    month = sum(max(e[7], 0) for e in events
                if e[0] == account and e[2] >= month_start and e[1] == "request")
    return {
        "requests": len(hour),
        "errors": sum(e[3] != "ok" for e in hour),
        "rl": sum(e[3] == "rate_limited" for e in hour),
        "tin": sum(e[5] for e in hour), "tout": sum(e[6] for e in hour),
        "cost": sum(max(e[7], 0) for e in hour), "month": month,
        "avg": sum(ok) / len(ok) if ok else None,
        # nearest rank: the value at rank ceil(0.95 n)
        "p95": ok[(len(ok) * 95 + 99) // 100 - 1] if ok else None,
    }
def close(got, want, bound):
    return got is None and want is None or (got is not None and want is not None
                                            and abs(got - want) < bound)
got = json.load(open(health_file))
for v in got:
    t = truth(v["account"])
    checks = [
        v["requests"] == t["requests"],
        abs(v["error_rate"] - (t["errors"] / t["requests"] if t["requests"] else 0)) < 1e-12,
        v["rate_limit_hits"] == t["rl"],
        v["tokens_in"] == t["tin"] and v["tokens_out"] == t["tout"],
        abs(v["cost_usd_hour"] * 1e6 - t["cost"]) < 0.5,
        abs(v["cost_usd_month"] * 1e6 - t["month"]) < 0.5,
        close(v["latency_avg_ms"], t["avg"], 0.051),
        close(v["latency_p95_ms"], t["p95"], 0.02 * (t["p95"] or 0) + 0.05 + 1e-9),
    ]
    if not all(checks):
        print(v["account"] + ": " + json.dumps([int(c) for c in checks]))
print("accounts compared: %d" % len(got))
PY
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
catalog_sql "DELETE FROM settings WHERE key = 'health.degraded_error_rate';
    INSERT INTO settings(key, value) VALUES ('health.degraded_error_rate', 'lots')" &&
    {
        assert_ok health --json
        assert_contains err "health.degraded_error_rate is 'lots'"
        assert_json '[a["status"] for a in d] == ["healthy", "unreachable", "degraded", "unknown"]'
    }
finish
