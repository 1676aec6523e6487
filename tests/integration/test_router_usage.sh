#!/usr/bin/env bash
# Usage that is missing is never zero (issue 12, 3): an OpenAI answer without `usage` is charged
# the router's admission estimate, marked usage_estimated and shown with "~"; so a workspace
# with --tpm 100 --monthly-tokens 100 serves two 37-token sends and refuses the next four.
source "$(dirname "$0")/router_lib.sh"

add_account oa
chain chat oa
assert_ok workspace add team
assert_ok entitle chat team --tpm 100 --monthly-tokens 100
neutral_health
scenario "{\"rules\":[$(fault_rule "$(key_of oa)" no_usage)]}"

prompt="a prompt of some length here" # 28 bytes: 7 tokens estimated, + 30 max = 37
mm send chat --workspace team --prompt "$prompt" --max-tokens 30 --json
assert_rc 0
assert_json 'd["usage"]["usage_estimated"] is True and d["usage"]["tokens_in"] == 7 and d["usage"]["tokens_out"] == 30'
assert_json 'd["usage"]["cost_usd"] is not None and d["usage"]["cost_usd"] > 0'
mm send chat --workspace team --prompt "$prompt" --max-tokens 30
assert_rc 0
assert_contains out "tokens ~7 in / ~30 out"
assert_contains out "estimated: the answer carried no usable usage"
echo "ok - sends 1-2 served, charged the estimate (37 tokens each), shown with ~"

for i in 3 4 5 6; do
    mm send chat --workspace team --prompt "$prompt" --max-tokens 30
    assert_rc 2
    assert_contains err "workspace 'team' reached"
done
echo "ok - sends 3-6 refused (exit 2): the estimate counted against the limits"

expect_eq "$(catalog_sql "SELECT count(*), sum(tokens_in + tokens_out), sum(usage_estimated)
    FROM usage_events WHERE kind = 'request'")" "2|74|2" "recorded events"
mm health --json
assert_rc 0
assert_json '[a for a in d if a["account"] == "oa"][0]["usage_estimated_requests"] == 2'
echo "ok - events keep usage_estimated; health --json counts them"
finish
