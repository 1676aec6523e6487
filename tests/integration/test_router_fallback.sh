#!/usr/bin/env bash
# The router falls through on every account-side failure (auth, quota, 429, 5xx, overloaded,
# timeout, network, bad response), returns a 400 without trying further, records every attempt
# as a usage event, and lists every attempt when all targets fail.
source "$(dirname "$0")/router_lib.sh"

add_account a1
add_account a2
add_account a3
# a1's endpoint is a port nobody listens on: a network error
closed_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
export ROUTER_TEST_KEY=sk-dead-key-0123456789
assert_ok account add dead --provider openai --endpoint "http://127.0.0.1:$closed_port/openai" \
    --api-key-env ROUTER_TEST_KEY
chain chat a1 a2
chain netchat dead a2
assert_ok workspace add team
assert_ok entitle chat team
assert_ok entitle netchat team
neutral_health

# What-if: with a1 down, a2 is tried first and a1 last.
mm route chat --workspace team --down a1
assert_rc 0
assert_contains out "with a1 down, traffic goes first to a2 (gpt-4o-mini, priority 2)"
mm route chat --workspace team --down a1 --down a2 --json
assert_rc 0
assert_json '[(a["account"], a["down"]) for a in d["attempts"]] == [("a1", True), ("a2", True)]'
mm route chat --workspace team --down a1 --down a2
assert_contains out "with a1, a2 down, no live target is left"
mm route chat --workspace team --down nosuch
assert_rc 2
echo "ok - route --down shows the plan as if an account were unreachable"

# Each failing class of a1 falls through to a2; the JSON names both attempts.
for f in auth:auth quota:quota rate_limit:rate_limited server:server overloaded:overloaded \
    malformed:bad_response html:bad_response; do
    fault=${f%%:*} class=${f##*:}
    scenario "{\"rules\":[$(fault_rule "$(key_of a1)" "$fault")]}"
    send_json chat team
    assert_rc 0
    expect_eq "$(served_by)" a2 "served by after $fault"
    expect_eq "$(attempt_classes)" "a1:$class a2:ok" "attempts after $fault"
    # a fresh catalog state per class: forget a1's failures so it is not cooled
    catalog_sql "DELETE FROM usage_events"
done
echo "ok - falls through on auth, quota, 429, 5xx, overloaded and bad responses"

# Timeout: a1 hangs longer than the per-attempt timeout.
scenario "{\"rules\":[$(fault_rule "$(key_of a1)" hang ',"hang_s":30')]}"
send_json chat team --timeout-ms 500
assert_rc 0
expect_eq "$(attempt_classes)" "a1:timeout a2:ok" "attempts after a hang"
catalog_sql "DELETE FROM usage_events"
echo "ok - falls through on a timeout"

# Network: nothing listens on dead's port.
sim_reset
send_json netchat team
assert_rc 0
expect_eq "$(attempt_classes)" "dead:network a2:ok" "attempts after a refused connection"
catalog_sql "DELETE FROM usage_events"
echo "ok - falls through on a network error"

# A request error is returned as is: no fallback, exit 2.
scenario "{\"rules\":[$(fault_rule "$(key_of a1)" bad_request)]}"
send_json chat team
assert_rc 2
expect_eq "$(attempt_classes)" "a1:bad_request" "attempts after a 400"
assert_json 'd["served_by"] is None and "not retried" in d["error"]'
assert_contains err "a request error is returned as is"
catalog_sql "DELETE FROM usage_events"
echo "ok - a 400 is returned without trying further"

# Every target down: exit 1, the error lists every attempt with its class.
scenario "{\"rules\":[$(fault_rule "$(key_of a1)" server),$(fault_rule "$(key_of a2)" auth)]}"
mm send chat --workspace team --prompt "hello"
assert_rc 1
assert_contains err "every target of 'chat' failed"
assert_contains err "a1 (gpt-4o-mini): server, HTTP 500"
assert_contains err "a2 (gpt-4o-mini): auth, HTTP 401"
send_json chat team
assert_rc 1
assert_json 'd["served_by"] is None and [a["class"] for a in d["attempts"]] == ["server", "auth"]'
assert_json '[a["http_status"] for a in d["attempts"]] == [500, 401] and d["output"] is None'
echo "ok - every target down: exit 1 and every attempt listed"

# Every attempt is a usage event with its outcome, HTTP status and cost.
rows=$(catalog_sql "SELECT account, outcome, http_status, workspace, model, provider_model
                          FROM usage_events ORDER BY id")
expect_eq "$(echo "$rows" | head -n 2 | tr '\n' ' ')" \
    "a1|server|500|team|chat|gpt-4o-mini a2|auth|401|team|chat|gpt-4o-mini " "usage events"
sim_reset
send_json chat team
assert_rc 0
assert_json 'd["usage"]["tokens_in"] > 0 and d["usage"]["cost_usd"] > 0'
assert_json 'd["served_by"] == {"account": "a1", "model": "gpt-4o-mini", "priority": 1}'
cost=$(catalog_sql "SELECT CASE WHEN cost_micros > 0 AND tokens_in > 0 THEN 1 ELSE 0 END FROM usage_events
                         WHERE outcome = 'ok' ORDER BY id DESC LIMIT 1")
expect_eq "$cost" 1 "the served attempt's cost"
echo "ok - every attempt is a usage event; the served one carries tokens and cost"

# An embedding model is sent as an embedding request.
assert_ok model add emb --type embedding
assert_ok target add emb --account a1 --model text-embedding-3-small
assert_ok entitle emb team
echo "a document to embed" >"$TEST_TMP/doc.txt"
mm send emb --workspace team --input "$TEST_TMP/doc.txt"
assert_rc 0
assert_contains out "dimensional vector"
assert_contains out "served by a1 (text-embedding-3-small, priority 1)"
echo "ok - embedding models are sent as embeddings"

finish
