#!/usr/bin/env bash
# The catalog as code: export → apply on an empty catalog → export is byte-identical; plan's
# exit codes and --expect-version; refusals (syntax, unknown field, wrong type, duplicate, a
# missing account, a key in clear, bytes that are not UTF-8, a 100 MB file) list line:column and change nothing.
source "$(dirname "$0")/lib.sh"

export KEY=sk-ascode-test-key-0000
assert_ok account add openai-prod --provider openai --api-key-env KEY --rpm 100
assert_ok account add local --provider openai-compatible --endpoint http://localhost:8080/v1
assert_ok model add chat --type chat --description "Chat: 'quoted' 123"
assert_ok target add chat --account openai-prod --model gpt-4o-mini
assert_ok target add chat --account local --model llama
assert_ok workspace add team-a
assert_ok entitle chat team-a --rpm 10
assert_ok export -o "$TEST_TMP/a.yaml"
assert_ok export --format json
assert_contains out '"mmadmin": 1'
assert_ok export --format litellm
assert_contains out "os.environ/MM_KEY_OPENAI_PROD"
assert_ok plan -f "$TEST_TMP/a.yaml"
assert_contains out "nothing to do"

# round trip on an empty catalog
main_db=$MM_DB
export MM_DB=$TEST_TMP/empty.db MM_KEY_OPENAI_PROD=$KEY
assert_exit 2 plan -f "$TEST_TMP/a.yaml"
assert_contains out "+ account openai-prod"
assert_contains out "--expect-version 0"
assert_exit 1 apply -f "$TEST_TMP/a.yaml" --expect-version 7
assert_contains err "changed since the plan"
assert_ok apply -f "$TEST_TMP/a.yaml" --expect-version 0
assert_contains out "one change set"
assert_ok export -o "$TEST_TMP/b.yaml"
cmp "$TEST_TMP/a.yaml" "$TEST_TMP/b.yaml" || fail "export → apply → export is not byte-identical"
assert_ok audit --json --limit 1
assert_json 'd[0]["entity_kind"] == "change set" and d[0]["entity_name"] == "a.yaml" and d[0]["parts"] >= 5'
set_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$OUT")
parts=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["parts"])' "$OUT")
assert_ok audit --change-set "$set_id" --json
assert_json "len(d) == $parts and all(e['change_set'] == $set_id for e in d)"
assert_json 'any(e["entity_kind"] == "account" and e["entity_name"] == "openai-prod" for e in d)'
assert_ok audit
assert_contains out "a.yaml ($parts parts)"
# applying the same file again changes nothing and writes no empty change set
assert_ok apply -f "$TEST_TMP/a.yaml"
assert_contains out "nothing to do"
assert_ok audit --json --limit 1
assert_json "d[0]['id'] == $set_id"

# --prune: what the file does not name is removed, and plan says what that breaks
assert_ok export --format json -o "$TEST_TMP/full.json"
python3 - "$TEST_TMP/full.json" "$TEST_TMP/pruned.json" "$TEST_TMP/empty-chain.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
e = json.loads(json.dumps(d))
d["models"] = [m for m in d["models"] if m["name"] != "chat"]
for w in d["workspaces"]:
    w["entitlements"] = [x for x in w["entitlements"] if x["model"] != "chat"]
d["accounts"] = [a for a in d["accounts"] if a["name"] != "local"]
json.dump(d, open(sys.argv[2], "w"))
for m in e["models"]:
    if m["name"] == "chat":
        m["targets"] = []
json.dump(e, open(sys.argv[3], "w"))
PY
assert_exit 2 plan -f "$TEST_TMP/empty-chain.json"
assert_contains out "! model chat: its chain is left empty"
assert_exit 2 plan -f "$TEST_TMP/pruned.json"
assert_contains out "- entitlement chat/team-a (workspace team-a loses access to chat)"
assert_not_contains out "- model chat"
assert_exit 2 plan -f "$TEST_TMP/pruned.json" --prune
assert_contains out "- model chat (workspaces losing access: team-a)"
assert_contains out "- account local"
assert_ok apply -f "$TEST_TMP/pruned.json" --prune
assert_ok export --format json
assert_json '"chat" not in [m["name"] for m in d["models"]]'
assert_json '[a["name"] for a in d["accounts"]] == ["openai-prod"]'
assert_ok apply -f "$TEST_TMP/a.yaml"
assert_ok plan -f "$TEST_TMP/a.yaml"

# refusals: every error with line:column, the catalog byte for byte unchanged
before=$(sqlite3 "$MM_DB" .dump | md5sum)
printf 'accounts:\n  - name: x\n    provider: openai\n    api_key: sk-abcdefghijklmnop\n    rpm: lots\n    colour: red\n  - name: x\n    provider: openai\nmodels:\n  - name: m\n    type: chat\n    targets:\n      - account: ghost\n        model: g\n' >"$TEST_TMP/bad.yaml"
assert_exit 2 apply -f "$TEST_TMP/bad.yaml"
assert_contains err "bad.yaml:5:10: rpm of an account must be a whole number"
assert_contains err "6:13: unknown field 'colour'"
assert_contains err "4:14: api_key of account 'x' is a key in clear"
assert_contains err "7:11: account 'x' appears twice"
assert_contains err "13:18: target 1 of model 'm' names the account 'ghost'"
printf 'accounts: [\n' >"$TEST_TMP/syntax.yaml"
assert_exit 2 apply -f "$TEST_TMP/syntax.yaml"
assert_contains err "syntax.yaml:3:2: YAML syntax"
printf '%%%%%%%%\xbc\n---\naccounts: []\n' >"$TEST_TMP/latin1.yaml" # libfyaml looped on this (fuzz)
assert_exit 2 apply -f "$TEST_TMP/latin1.yaml"
assert_contains err "latin1.yaml:1:5: byte 0xBC is not valid UTF-8"
truncate -s 100M "$TEST_TMP/big.yaml"
assert_exit 2 apply -f "$TEST_TMP/big.yaml"
assert_contains err "at most 4194304 bytes"
[ "$(sqlite3 "$MM_DB" .dump | md5sum)" = "$before" ] || fail "a refused file changed the catalog"
export MM_DB=$main_db
finish
