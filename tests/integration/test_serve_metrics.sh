#!/usr/bin/env bash
# `mmadmin serve` answers GET /metrics without a key: the exposition passes `promtool check
# metrics` and carries the gateway's figures (in-flight gauge, request-duration histogram counting
# the requests served, time-to-first-token histogram counting streamed ones, refusals by
# workspace, model and reason) next to the monitor's families.
source "$(dirname "$0")/router_lib.sh"
command -v promtool >/dev/null || { echo "promtool missing: make deps installs it" >&2; exit 1; }

add_account oa
chain chat oa
chain streamed oa
assert_ok model add hidden --type chat
assert_ok target add hidden --account oa --model gpt-4o-mini
assert_ok workspace add team
assert_ok entitle chat team --rpm 2
assert_ok entitle streamed team
assert_ok workspace key add team
KEY=$(tr -d '\n' <"$OUT")

serve_start

chat() { # MODEL: the HTTP status of one chat completion
    curl -s -o "$TEST_TMP/chat.json" -w '%{http_code}' "$URL/v1/chat/completions" \
        -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
        -d "{\"model\":\"$1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":8}"
}
expect_eq "$(chat chat)" 200 "first chat"
expect_eq "$(chat chat)" 200 "second chat"
expect_eq "$(chat chat)" 429 "third chat within the minute (rpm 2)"
expect_eq "$(chat hidden)" 403 "a model the workspace is not entitled to"

status=$(curl -s -o "$TEST_TMP/metrics.txt" -w '%{http_code} %{content_type}' "$URL/metrics")
expect_eq "${status%% *}" 200 "GET /metrics without a key"
[[ $status == *"text/plain; version=0.0.4"* ]] || fail "content type: $status"
promtool check metrics <"$TEST_TMP/metrics.txt" >"$TEST_TMP/promtool.out" 2>&1 ||
    fail "promtool check metrics: $(cat "$TEST_TMP/promtool.out")"

series() { # NAME-WITH-LABELS: its value in the scrape ("" when absent)
    awk -v n="$1" '$1 == n {print $2}' "$TEST_TMP/metrics.txt"
}
# the scrape itself is in flight while it renders
expect_eq "$(series mmadmin_gateway_requests_in_flight)" 1 "in flight during the scrape"
expect_eq "$(series mmadmin_gateway_request_duration_seconds_count)" 4 "requests answered"
expect_eq "$(series 'mmadmin_gateway_request_duration_seconds_bucket{le="+Inf"}')" 4 "+Inf bucket"
expect_eq "$(series mmadmin_gateway_time_to_first_token_seconds_count)" 0 \
    "no streamed request yet: no first token"
expect_eq "$(series 'mmadmin_gateway_time_to_first_token_seconds_bucket{le="+Inf"}')" 0 \
    "TTFT +Inf bucket before any stream"
expect_eq "$(series 'mmadmin_workspace_refusals_total{workspace="team",model="chat",reason="workspace_rpm"}')" \
    1 "the rpm refusal"
expect_eq "$(series 'mmadmin_workspace_refusals_total{workspace="team",model="hidden",reason="not_entitled"}')" \
    1 "the not-entitled refusal"
grep -q '^mmadmin_account_status{account="oa"' "$TEST_TMP/metrics.txt" ||
    fail "the health families are missing from serve's /metrics"

# a second scrape counts the first one
curl -s -o "$TEST_TMP/metrics.txt" "$URL/metrics"
expect_eq "$(series mmadmin_gateway_request_duration_seconds_count)" 5 "the first scrape counted"

# a streamed chat counts its time to first token (seconds, the request-duration buckets)
curl -sN -o "$TEST_TMP/stream.txt" "$URL/v1/chat/completions" -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' \
    -d '{"model":"streamed","stream":true,"messages":[{"role":"user","content":"hi"}],"max_tokens":8}'
grep -q '^data: \[DONE\]' "$TEST_TMP/stream.txt" || fail "the stream: $(cat "$TEST_TMP/stream.txt")"
curl -s -o "$TEST_TMP/metrics.txt" "$URL/metrics"
promtool check metrics <"$TEST_TMP/metrics.txt" >"$TEST_TMP/promtool.out" 2>&1 ||
    fail "promtool check metrics after a stream: $(cat "$TEST_TMP/promtool.out")"
grep -q '^# TYPE mmadmin_gateway_time_to_first_token_seconds histogram$' "$TEST_TMP/metrics.txt" ||
    fail "no TTFT histogram family"
expect_eq "$(series mmadmin_gateway_time_to_first_token_seconds_count)" 1 "one streamed request"
expect_eq "$(series 'mmadmin_gateway_time_to_first_token_seconds_bucket{le="+Inf"}')" 1 \
    "TTFT +Inf bucket"
awk '$1 == "mmadmin_gateway_time_to_first_token_seconds_sum" {exit !($2 > 0 && $2 < 30)}' \
    "$TEST_TMP/metrics.txt" || fail "TTFT sum is not a time in seconds"

kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
assert_rc_value=$?
expect_eq "$assert_rc_value" 0 "serve exits 0 on SIGTERM"
finish
