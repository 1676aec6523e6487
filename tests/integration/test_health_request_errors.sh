#!/usr/bin/env bash
# Issue 12 §2: a caller's error says nothing about the provider's health. Chain oa (openai) ->
# back (mistral); mmsim answers oa's chats with 400 for 5 s, then healthy. The send gets the 400
# (exit 2), and six seconds later oa is still first and healthy, and serves. One real failure
# out of one is no evidence either: a status needs health.degraded_min_requests calls.
source "$(dirname "$0")/router_lib.sh"

add_account oa
export BACK_KEY="mistral-back-key-0123456789"
assert_ok account add back --provider mistral --endpoint "$SIM_URL/mistral" --api-key-env BACK_KEY
assert_ok model add chat --type chat
assert_ok target add chat --account oa --model gpt-4o-mini
assert_ok target add chat --account back --model mistral-small-latest
assert_ok workspace add team
assert_ok entitle chat team

# ---- a 400 goes back to the caller and leaves oa healthy ----
scenario "{\"rules\":[$(fault_rule "$(key_of oa)" bad_request ',"duration_s":5},{"latency_ms":0')]}"
send_json chat team
assert_rc 2
expect_eq "$(attempt_classes)" "oa:bad_request" "the 400 is the caller's answer"
sleep 6
mm route chat --workspace team --explain --json
assert_rc 0
assert_json '[a["account"] for a in d["attempts"]] == ["oa", "back"]'
assert_json 'd["attempts"][0]["health"] == "healthy"'
mm route chat --workspace team --explain
assert_not_contains out "reorder oa"
assert_not_contains out "degraded"
assert_ok health --json
assert_json '[(a["account"], a["status"], a["error_rate"], a["request_errors"]) for a in d if a["account"] == "oa"] == [("oa", "healthy", 0.0, 1)]'
assert_json 'all(a["status_window_minutes"] == 5 for a in d)'
# even judged from the first call, the 400 is no error of oa's
assert_ok health config --degraded-min-requests 1
mm route chat --workspace team --explain --json
assert_json '[(a["account"], a["health"]) for a in d["attempts"]] == [("oa", "healthy"), ("back", "healthy")]'
assert_ok health config --degraded-min-requests 5
send_json chat team
assert_rc 0
expect_eq "$(served_by)" "oa" "the next send"
echo "ok - a request error (400) counts neither for health nor for the order; oa stays first"

# ---- one real failure out of one is no evidence ----
scenario "{\"rules\":[$(fault_rule "$(key_of oa)" server)]}"
send_json chat team
expect_eq "$(attempt_classes)" "oa:server back:ok" "a server error falls through"
mm route chat --workspace team --explain --json
assert_json '[a["account"] for a in d["attempts"]] == ["oa", "back"]'
assert_ok health
assert_contains out "STATUS judges the last 5 min (errors only with 5+ calls there)"
assert_not_contains out "oa is degraded"
# with the minimum sample set to 2, the same window (1 server error of 3 calls) degrades oa
assert_ok health config --degraded-min-requests 2
assert_ok health --json
assert_json '[a["status"] for a in d if a["account"] == "oa"] == ["degraded"]'
mm route chat --workspace team --explain --json
assert_json '[a["account"] for a in d["attempts"]] == ["back", "oa"]'
echo "ok - a status needs evidence: health.degraded_min_requests calls in the window"
