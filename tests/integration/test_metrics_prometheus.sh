#!/usr/bin/env bash
# `mmadmin monitor --metrics`: GET /metrics passes `promtool check metrics`, counts the requests
# sent after it started, and a real Prometheus on loopback (its own temp config and port,
# scrape_interval 1s, stopped here) scrapes it and answers a query with the figure that
# `mmadmin health --json` shows.
source "$(dirname "$0")/router_lib.sh"
command -v promtool >/dev/null && command -v prometheus >/dev/null ||
    { echo "prometheus/promtool missing: make deps installs them" >&2; exit 1; }

# free_port: a port nobody listens on now (the kernel's pick, released at once).
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# wait_for DESCRIPTION COMMAND...: retries COMMAND for up to 30 s (a bound, not a timing check).
wait_for() {
    local what=$1 i
    shift
    for ((i = 0; i < 300; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    echo "FAIL: gave up waiting: $what" >&2
    exit 1
}
series() { # NAME-WITH-LABELS: the sample's value in the last scrape ("" when absent)
    grep -F "$1 " "$TEST_TMP/metrics.txt" | grep -F -v '#' | awk -v n="$1" '$1 == n {print $2}'
}
scrape() {
    curl -s -f -o "$TEST_TMP/metrics.txt" "$METRICS_URL"
}

sim_start
add_account oa --monthly-cap 50
chain chat oa
assert_ok workspace add team
assert_ok entitle chat team --monthly-tokens 100000
for i in 1 2 3; do
    send_json chat team
    assert_rc 0
done

assert_refused monitor --metrics 9464
assert_contains err "ADDR:PORT"
assert_refused monitor --metrics 127.0.0.1:99999
assert_contains err "0 to 65535"

"$MMADMIN" monitor --interval 0.5 --metrics 127.0.0.1:0 >"$TEST_TMP/monitor.log" 2>"$TEST_TMP/monitor.err" &
CLEANUP_PIDS+=("$!")
metrics_logged() { grep -q -o 'metrics: http://127.0.0.1:[0-9]*/metrics' "$TEST_TMP/monitor.log"; }
wait_for "the monitor prints its metrics address" metrics_logged
METRICS_URL=$(grep -o 'http://127.0.0.1:[0-9]*/metrics' "$TEST_TMP/monitor.log")
first_round() { grep -q "probe round" "$TEST_TMP/monitor.log"; }
wait_for "a probe round" first_round

# ---- the exposition: promtool's checks, the families, counters from the start ----
for i in 1 2; do
    send_json chat team
    assert_rc 0
done
has_status() { scrape && [[ $(series 'mmadmin_account_status{account="oa",provider="openai",state="healthy"}') == 1 ]]; }
wait_for "oa healthy in the exposition" has_status
promtool check metrics <"$TEST_TMP/metrics.txt" >"$TEST_TMP/promtool.out" 2>&1 ||
    fail "promtool check metrics: $(cat "$TEST_TMP/promtool.out")"
[[ -s $TEST_TMP/promtool.out ]] && fail "promtool has remarks: $(cat "$TEST_TMP/promtool.out")"
expect_eq "$(series 'mmadmin_account_requests_total{account="oa",provider="openai",kind="request"}')" 2 \
    "requests since the exporter started"
expect_eq "$(series 'mmadmin_workspace_requests_total{workspace="team",model="chat"}')" 2 \
    "the workspace's served requests"
expect_eq "$(series 'mmadmin_account_monthly_cap_usd{account="oa",provider="openai"}')" 50 "cap"
expect_eq "$(series 'mmadmin_workspace_monthly_tokens_cap{workspace="team",model="chat"}')" 100000 \
    "monthly token cap"
[[ $(series 'mmadmin_workspace_monthly_tokens{workspace="team",model="chat"}') -gt 0 ]] ||
    fail "the workspace's monthly tokens count the five requests"
for family in mmadmin_account_errors_total mmadmin_account_rate_limit_hits_total \
    mmadmin_account_input_tokens_total mmadmin_account_output_tokens_total \
    mmadmin_account_cached_input_tokens_total mmadmin_account_cost_usd_total \
    mmadmin_account_request_duration_seconds mmadmin_account_cooldown_seconds \
    mmadmin_account_monthly_spend_usd mmadmin_workspace_refusals_total; do
    grep -q "^# TYPE $family " "$TEST_TMP/metrics.txt" || fail "no family $family"
done
grep -q 'mmadmin_account_request_duration_seconds_bucket{account="oa",provider="openai",le="+Inf"}' \
    "$TEST_TMP/metrics.txt" || fail "the latency histogram has no +Inf bucket"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "${METRICS_URL%/metrics}/other")" 404 "other path"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$METRICS_URL")" 405 "POST"
curl -s -D "$TEST_TMP/headers" -o /dev/null "$METRICS_URL"
grep -q -i '^content-type: text/plain; version=0.0.4' "$TEST_TMP/headers" || fail "content type"
echo "ok - GET /metrics passes promtool check metrics and counts from the exporter's start"

# ---- a real Prometheus scrapes it; its API answers with the health figure ----
PROM_PORT=$(free_port)
METRICS_HOSTPORT=${METRICS_URL#http://}
METRICS_HOSTPORT=${METRICS_HOSTPORT%/metrics}
mkdir -p "$TEST_TMP/prom"
cat >"$TEST_TMP/prom/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: mmadmin
    metrics_path: /metrics
    static_configs:
      - targets: ["$METRICS_HOSTPORT"]
YAML
promtool check config "$TEST_TMP/prom/prometheus.yml" >/dev/null 2>&1 || fail "prometheus.yml"
prometheus --config.file="$TEST_TMP/prom/prometheus.yml" --storage.tsdb.path="$TEST_TMP/prom/data" \
    --web.listen-address="127.0.0.1:$PROM_PORT" >"$TEST_TMP/prom/log" 2>&1 &
CLEANUP_PIDS+=("$!")
PROM=http://127.0.0.1:$PROM_PORT
query() { # PROMQL: the first result's value ("" when none)
    curl -s -f -G --data-urlencode "query=$1" "$PROM/api/v1/query" |
        python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}
spend_scraped() { [[ -n $(query 'mmadmin_account_monthly_spend_usd{account="oa"}' 2>/dev/null) ]]; }
wait_for "Prometheus scrapes the monitor" spend_scraped
mm health --json
assert_rc 0
want=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
a = [x for x in d if x["account"] == "oa"][0]
print(a["cost_usd_month"])' "$OUT")
got=$(query 'mmadmin_account_monthly_spend_usd{account="oa"}')
python3 -c 'import sys; sys.exit(0 if abs(float(sys.argv[1]) - float(sys.argv[2])) < 1e-9 and float(sys.argv[1]) > 0 else 1)' \
    "$want" "$got" || fail "Prometheus has spend $got, mmadmin health --json $want"
expect_eq "$(query 'mmadmin_account_status{account="oa",state="healthy"}')" 1 "status in Prometheus"
expect_eq "$(query 'up{job="mmadmin"}')" 1 "the scrape target is up"
echo "ok - a real Prometheus scrapes the monitor and has the spend mmadmin health shows ($got USD)"

! grep -q -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$TEST_TMP/monitor.err" ||
    fail "sanitizer report: $(cat "$TEST_TMP/monitor.err")"
finish
