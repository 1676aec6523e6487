#!/usr/bin/env bash
# `mmadmin health --json` streamed one account at a time on a catalog with traffic: byte for
# byte what jansson's json_dumpf(JSON_INDENT(2) | JSON_REAL_PRECISION(15)) prints for the same
# figures (re-encoded here by an independent reference), the keys in their order, and the
# figures from the events (the last hour) and the day rollups (month to date, priced and not).
source "$(dirname "$0")/lib.sh"

assert_ok health --json
[ "$(cat "$OUT")" = "[]" ] || fail "no accounts: not an empty array"
assert_ok account add alpha --provider openai-compatible --endpoint http://127.0.0.1:9/v1 \
    --monthly-cap 12.34
assert_ok account add bravo --provider openai-compatible --endpoint http://127.0.0.1:9/v1
assert_ok account add charlie --provider openai-compatible --endpoint http://127.0.0.1:9/v1
assert_ok account disable bravo --reason "paused"

# events by plain SQL on either backend (a recursive WITH counts; folded into the rollups at the
# next open): the last hour's requests and probes, and older requests this month (priced, and
# one without a price: cost -1)
# The clock pinned mid-month (MM_FAKE_NOW_MS): the last hour and the older requests of the month
# fall in the month whatever day the test runs (in the first hour of a month they cannot).
export MM_FAKE_NOW_MS=1775217600000 # 2026-04-03 12:00 UTC
now=$MM_FAKE_NOW_MS
month=1775001600000 # 2026-04-01 00:00 UTC
usage_partition "$now"
catalog_sql <<SQL
WITH RECURSIVE series(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM series WHERE value < 12)
INSERT INTO usage_events(ts_ms, kind, account, provider, workspace, model, provider_model,
  outcome, http_status, latency_ms, tokens_in, tokens_out, cost_micros, retry_after_ms, message,
  ttft_ms)
  SELECT $now - value * 61000, 'request', 'alpha', 'openai-compatible', 'w', 'm', 'gpt-4o-mini',
    CASE value % 4 WHEN 0 THEN 'rate_limited' WHEN 1 THEN 'timeout' ELSE 'ok' END,
    CASE value % 4 WHEN 0 THEN 429 WHEN 1 THEN 0 ELSE 200 END, 90 + value * 37,
    100 + value, 7 * value, CASE value WHEN 5 THEN -1 ELSE 1234 * value END, -1, '',
    CASE WHEN value % 2 = 0 THEN 20 + value END
  FROM series;
WITH RECURSIVE series(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM series WHERE value < 3)
INSERT INTO usage_events(ts_ms, kind, account, provider, workspace, model, provider_model,
  outcome, http_status, latency_ms, tokens_in, tokens_out, cost_micros, retry_after_ms, message)
  SELECT $now - value * 1000, 'probe', 'bravo', 'openai-compatible', '', '', '', 'ok', 200,
    40 + value, 0, 0, 0, -1, '' FROM series;
WITH RECURSIVE series(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM series WHERE value < 3)
INSERT INTO usage_events(ts_ms, kind, account, provider, workspace, model, provider_model,
  outcome, http_status, latency_ms, tokens_in, tokens_out, cost_micros, retry_after_ms, message)
  SELECT $month + value, 'request', 'charlie', 'openai-compatible', 'w', 'm', 'gpt-4o-mini',
    'ok', 200, 100, 10, 10, CASE value WHEN 3 THEN -1 ELSE 333333 END, -1, ''
  FROM series;
SQL
assert_ok health --json
python3 - "$OUT" <<'PY' || fail "health --json is not jansson's encoding of its figures"
import json, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
def real(v):  # jansson: "%.15g", ".0" when neither "." nor "e", no "+" or leading 0 in exponents
    s = "%.15g" % v
    if "." not in s and "e" not in s:
        s += ".0"
    return re.sub(r"e\+?(-?)0*(\d)", r"e\1\2", s)
def dump(v, level=0):
    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(v, list):
        return "[\n" + ",\n".join(inner + dump(x, level + 1) for x in v) + "\n" + pad + "]" if v else "[]"
    if isinstance(v, dict):
        return "{\n" + ",\n".join(inner + json.dumps(k) + ": " + dump(x, level + 1)
                                  for k, x in v.items()) + "\n" + pad + "}"
    if isinstance(v, bool) or v is None:
        return json.dumps(v)
    if isinstance(v, float):
        return real(v)
    if isinstance(v, int):
        return str(v)
    return json.dumps(v, ensure_ascii=False)
d = json.loads(text)
assert text == dump(d) + "\n", "not byte for byte jansson's layout"
keys = ["account", "provider", "status", "latency_avg_ms", "latency_p95_ms", "ttft_avg_ms",
        "ttft_p95_ms", "error_rate",
        "rate_limit_hits", "requests", "tokens_in", "tokens_out", "tokens_cache_read",
        "tokens_cache_write", "usage_estimated_requests", "cost_usd_hour", "cost_usd_month",
        "monthly_cap_usd", "enabled", "status_reason", "request_errors", "status_window_minutes",
        "recent_requests", "recent_error_rate", "recent_rate_limit_hits", "unpriced_requests",
        "unpriced_requests_month"]
assert [a["account"] for a in d] == ["alpha", "bravo", "charlie"]
assert all(list(a) == keys for a in d), "keys out of order"
a, b, c = d
assert a["requests"] == 12 and a["rate_limit_hits"] == 3 and a["tokens_in"] == 1278
assert a["error_rate"] == 0.5 and a["unpriced_requests"] == 1 and a["monthly_cap_usd"] == 12.34
assert a["cost_usd_month"] == (sum(1234 * v for v in range(1, 13)) - 1234 * 5) / 1e6, a
assert a["cost_usd_hour"] == a["cost_usd_month"] and a["unpriced_requests_month"] == 1
assert isinstance(a["latency_p95_ms"], float) and a["enabled"] is True
assert b["enabled"] is False and b["requests"] == 3 and b["cost_usd_month"] == 0.0
assert b["latency_avg_ms"] == 42.0 and b["monthly_cap_usd"] is None
assert c["requests"] == 0 and c["latency_avg_ms"] is None and c["status"] == "unknown"
assert c["cost_usd_month"] == 0.666666 and c["unpriced_requests_month"] == 1
# time to first token: the successful streamed requests only (values 2, 6, 10: 22, 26, 30 ms;
# the rate-limited 4, 8, 12 left out); null without streamed traffic
assert a["ttft_avg_ms"] == 26.0 and 29.0 <= a["ttft_p95_ms"] <= 31.0, a
assert b["ttft_avg_ms"] is None and b["ttft_p95_ms"] is None and c["ttft_p95_ms"] is None
PY
echo "ok - health --json streams jansson's encoding of every account's figures"
finish
