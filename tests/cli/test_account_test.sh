#!/usr/bin/env bash
# `mmadmin account test` (Test Connection) against mmsim: success lists and stores the models,
# a wrong key is an `auth` failure (exit 1), an unreachable endpoint is `network`; the JSON
# shape; every test is recorded on the account and as a probe usage event.
source "$(dirname "$0")/lib.sh"

start_mmsim
BASE=http://127.0.0.1:$PORT

export GOOD_KEY=sk-sim-good-key-0001 BAD_KEY=invalid-sim-key-0002
assert_ok account add sim-openai --provider openai --endpoint "$BASE/openai" --api-key-env GOOD_KEY
assert_ok account add sim-bad --provider openai --endpoint "$BASE/openai" --api-key-env BAD_KEY

# success: latency, the model ids, stored for the target picker
assert_ok account test sim-openai
assert_contains out "ok: "
assert_contains out " ms"
grep -E -q '^ok: [0-9]+ models? in [0-9]+ ms$' "$OUT" || fail "unexpected summary line"
count=$(sed -n 's/^ok: \([0-9]*\) model.*/\1/p' "$OUT")
[ "${count:-0}" -gt 0 ] || fail "no models listed"
first_model=$(sed -n '2p' "$OUT" | tr -d ' ')
assert_ok account show sim-openai --json
assert_json 'd["last_test"]["ok"] is True and d["last_test"]["class"] == "ok"'
assert_json "len(d['discovered_models']) == $count and '$first_model' in d['discovered_models']"
assert_ok account test sim-openai --json
assert_json 'set(d) >= {"ok", "latency_ms", "models", "error"}'
assert_json "d['ok'] is True and d['error'] is None and isinstance(d['latency_ms'], int) and len(d['models']) == $count"
# a target naming a model the account did not list gets a note
assert_ok model add chat --type chat
assert_ok target add chat --account sim-openai --model "$first_model"
assert_not_contains err "not among"
assert_ok target add chat --account sim-openai --model no-such-model-xyz
assert_contains err "not among"

# wrong key: auth, exit 1, the reason on stderr, recorded
assert_exit 1 account test sim-bad
assert_contains err "auth"
assert_not_contains out "ok:"
assert_exit 1 account test sim-bad --json
assert_json 'd["ok"] is False and d["models"] == [] and d["error"]["class"] == "auth"'
assert_json 'd["error"]["http_status"] == 401 and len(d["error"]["message"]) > 0'
assert_not_contains out "invalid-sim-key-0002"
assert_not_contains err "invalid-sim-key-0002"
assert_ok account show sim-bad --json
assert_json 'd["last_test"]["ok"] is False and d["last_test"]["class"] == "auth"'
assert_json 'd["discovered_models"] == []'

# unreachable endpoint: network (a port nobody listens on: mmsim's, after it stops)
assert_ok account add sim-gone --provider openai --endpoint "http://127.0.0.1:1/openai" --api-key-env GOOD_KEY
assert_exit 1 account test sim-gone --timeout 5
assert_contains err "network"
assert_exit 2 account test sim-openai --timeout 0
assert_exit 2 account test nobody

# each test is a probe usage event
probes=$(catalog_sql "SELECT count(*) FROM usage_events WHERE kind = 'probe'")
[ "$probes" = 5 ] || fail "expected 5 probe usage events, found '$probes'"
finish
