#!/usr/bin/env bash
# Builds a whole catalog through the CLI (accounts of every provider kind, models with 3-target
# chains, workspaces, entitlements with limits) and checks list/show in text and JSON.
source "$(dirname "$0")/lib.sh"

# ---- accounts: one of every provider kind, keys from stdin and from the environment ----
export OPENAI_KEY=sk-proj-openaikey0001
assert_ok account add prod-openai --provider openai --api-key-env OPENAI_KEY --rpm 500 \
    --tpm 200000 --monthly-cap 12.50
assert_contains out "added account 'prod-openai'"
assert_contains out "account test prod-openai"
mm_key sk-ant-anthropickey0002 account add anth --provider anthropic --api-key-stdin
assert_rc 0
mm_key azurekey0000000000000003 account add corp-azure --provider azure-openai \
    --endpoint https://corp.openai.azure.com --api-version 2024-10-21 --api-key-stdin \
    --monthly-cap 250
assert_rc 0
export GEMINI_KEY=AIzaGeminiKey0000004
assert_ok account add gem --provider gemini --api-key-env GEMINI_KEY
mm_key cohere-key-0000000005 account add coh --provider cohere --api-key-stdin --tpm 1000
assert_rc 0
mm_key mistral-key-000000006 account add mis --provider mistral --api-key-stdin
assert_rc 0
assert_ok account add local-vllm --provider openai-compatible --endpoint http://127.0.0.1:8000/v1

# ---- list and show, text ----
assert_ok account list
for name in prod-openai anth corp-azure gem coh mis local-vllm; do
    assert_contains out "$name"
done
assert_contains out "…0001"
assert_not_contains out "openaikey0001"
assert_contains out "12.50"
assert_ok account show prod-openai
assert_contains out "provider:      openai"
assert_contains out "rpm:           500"
assert_contains out "monthly cap:   12.50 USD"
assert_contains out "…0001"
assert_not_contains out "openaikey"

# ---- JSON: exact field names, null for unset ----
assert_ok account list --json
assert_json 'isinstance(d, list) and len(d) == 7'
assert_json 'all(set(["name","provider","endpoint","api_version","key_hint","rpm","tpm","monthly_cap_usd","enabled"]) <= set(a) for a in d)'
assert_json 'sorted(a["provider"] for a in d) == sorted(["openai","anthropic","azure-openai","gemini","cohere","mistral","openai-compatible"])'
assert_ok account show prod-openai --json
assert_json 'd["name"] == "prod-openai" and d["provider"] == "openai" and d["rpm"] == 500 and d["tpm"] == 200000'
assert_json 'd["monthly_cap_usd"] == 12.5 and d["enabled"] is True and d["endpoint"] is None'
assert_json 'd["key_hint"].endswith("0001") and "openaikey" not in d["key_hint"]'
assert_json 'd["last_test"] is None'
assert_ok account show anth --json
assert_json 'd["rpm"] is None and d["tpm"] is None and d["monthly_cap_usd"] is None'
assert_ok account show corp-azure --json
assert_json 'd["endpoint"] == "https://corp.openai.azure.com" and d["api_version"] == "2024-10-21" and d["monthly_cap_usd"] == 250'
assert_ok account show local-vllm --json
assert_json 'd["key_hint"] is None and d["endpoint"] == "http://127.0.0.1:8000/v1"'

# ---- edit: limits set and cleared, rename, new key ----
assert_ok account edit prod-openai --no-rpm --tpm 300000 --no-monthly-cap
assert_ok account show prod-openai --json
assert_json 'd["rpm"] is None and d["tpm"] == 300000 and d["monthly_cap_usd"] is None'
# limits as the tables show them (issue 14): 50k, 1.5M, 12,345
assert_ok account edit prod-openai --rpm 1,200 --tpm 1.5M
assert_ok account show prod-openai --json
assert_json 'd["rpm"] == 1200 and d["tpm"] == 1500000'
assert_ok account edit prod-openai --no-rpm --tpm 300k
assert_ok account show prod-openai --json
assert_json 'd["rpm"] is None and d["tpm"] == 300000'
export OPENAI_KEY=sk-proj-rotatedkey9999
assert_ok account edit prod-openai --api-key-env OPENAI_KEY
assert_ok account show prod-openai --json
assert_json 'd["key_hint"].endswith("9999")'
assert_ok account edit mis --name mistral-eu
assert_ok account show mistral-eu --json
assert_json 'd["name"] == "mistral-eu" and d["provider"] == "mistral"'
assert_exit 2 account show mis

# ---- disable / enable ----
assert_ok account disable coh --reason "key rotation"
assert_ok account show coh --json
assert_json 'd["enabled"] is False and d["disabled_reason"] == "key rotation"'
assert_ok account show coh
assert_contains out "disabled (key rotation)"
assert_ok account enable coh
assert_ok account show coh --json
assert_json 'd["enabled"] is True'

# ---- models with 3-target chains ----
assert_ok model add fast-chat --type chat --description "quick answers"
assert_contains out "no entitlements yet"
assert_contains out "mmadmin entitle fast-chat WORKSPACE"
assert_ok model add embed --type embedding
assert_ok model add big-chat --type chat
assert_ok target add fast-chat --account prod-openai --model gpt-4o-mini
assert_ok target add fast-chat --account anth --model claude-3-5-haiku-latest
assert_ok target add fast-chat --account corp-azure --model my-gpt4o-deployment
assert_contains out "3. my-gpt4o-deployment @ corp-azure"
assert_ok target add embed --account prod-openai --model text-embedding-3-small
assert_ok target add embed --account coh --model embed-english-v3.0
assert_ok target add embed --account gem --model text-embedding-004
assert_ok target add big-chat --account anth --model claude-sonnet-4-0
assert_ok target add big-chat --account mistral-eu --model mistral-large-latest
assert_ok target add big-chat --account local-vllm --model llama-3.1-70b
assert_ok model show fast-chat
assert_contains out "1. gpt-4o-mini @ prod-openai"
assert_contains out "2. claude-3-5-haiku-latest @ anth"
assert_contains out "3. my-gpt4o-deployment @ corp-azure"
assert_contains out "quick answers"
assert_ok model list
assert_contains out "fast-chat"
assert_contains out "big-chat"
assert_ok model list --json
assert_json 'len(d) == 3 and all(set(["name","type","description","targets"]) <= set(m) for m in d)'
assert_json 'all(len(m["targets"]) == 3 for m in d)'
assert_ok model show embed --json
assert_json 'd["type"] == "embedding" and d["description"] == ""'
assert_json '[(t["priority"], t["account"], t["model"]) for t in d["targets"]] == [(1,"prod-openai","text-embedding-3-small"),(2,"coh","embed-english-v3.0"),(3,"gem","text-embedding-004")]'
assert_ok model edit big-chat --description "hard questions" --name deep-chat
assert_ok model show deep-chat --json
assert_json 'd["description"] == "hard questions" and len(d["targets"]) == 3'

# ---- workspaces and entitlements ----
assert_ok workspace add search --description "search relevance"
assert_ok workspace add support
assert_ok workspace add research
assert_ok workspace edit research --description "long documents"
assert_ok workspace list
assert_contains out "search relevance"
assert_ok workspace list --json
assert_json 'sorted(w["name"] for w in d) == ["research","search","support"]'
assert_ok entitle fast-chat search --rpm 60 --tpm 100000 --monthly-tokens 5000000
assert_contains out "workspace 'search' may now use 'fast-chat'"
assert_ok entitle fast-chat support
assert_ok entitle embed search --monthly-tokens 1000000
assert_ok entitle deep-chat research --tpm 50000
assert_ok entitlements --json
assert_json 'len(d) == 4 and all(set(e) == set(["model","workspace","rpm","tpm","monthly_tokens"]) for e in d)'
assert_json '[e for e in d if e["model"] == "fast-chat" and e["workspace"] == "search"][0] == {"model":"fast-chat","workspace":"search","rpm":60,"tpm":100000,"monthly_tokens":5000000}'
assert_json '[e for e in d if e["workspace"] == "support"][0]["rpm"] is None'
assert_ok entitlements --workspace search
assert_contains out "fast-chat"
assert_contains out "embed"
assert_not_contains out "deep-chat"
assert_ok entitlements --model fast-chat --json
assert_json 'sorted(e["workspace"] for e in d) == ["search","support"]'
# entitle again replaces the limits
assert_ok entitle fast-chat support --rpm 10
assert_contains out "updated the limits"
assert_exit 2 entitlements --model fast-chat --workspace support
assert_contains err "not both"
assert_ok model show fast-chat --json
assert_json 'sorted(d["entitled_workspaces"]) == ["search","support"]'
assert_ok workspace show search --json
assert_json 'd["name"] == "search" and sorted(e["model"] for e in d["entitlements"]) == ["embed","fast-chat"]'
assert_ok revoke embed search
assert_ok entitlements --workspace search --json
assert_json '[e["model"] for e in d] == ["fast-chat"]'

# ---- global options: --db instead of $MM_DB, --read-only refuses writes and changes nothing ----
db=$MM_DB
before=$(catalog_fingerprint)
MM_DB= mm --db "$db" --read-only account list --json
assert_rc 0
assert_json 'len(d) == 7'
MM_DB= mm --db "$db" --read-only workspace add extra
assert_rc 1
assert_contains err "open read-only (--read-only); nothing was changed — drop --read-only"
[ "$before" = "$(catalog_fingerprint)" ] || fail "--read-only changed the catalog"
# A new catalog's file and its mode are SQLite's (on PostgreSQL --db names a database).
if [ -z "${MM_PG_ADDRESS:-}" ]; then
    MM_DB= mm --db "$TEST_TMP/other.db" workspace add elsewhere
    assert_rc 0
    [ -f "$TEST_TMP/other.db" ] || fail "--db did not create the catalog it names"
    [ "$(stat -c %a "$TEST_TMP/other.db")" = 600 ] || fail "a new catalog is not mode 0600"
    : >"$TEST_TMP/touched.db" # an empty file made first (touch, 0644 by the umask) is a new catalog
    chmod 644 "$TEST_TMP/touched.db"
    MM_DB= mm --db "$TEST_TMP/touched.db" workspace add elsewhere
    assert_rc 0
    [ "$(stat -c %a "$TEST_TMP/touched.db")" = 600 ] || fail "a new catalog in an empty file is not 0600"
    # a "~/" no shell expanded (--db=~/..., MM_DB from a unit file) is the home folder
    (cd "$TEST_TMP" && MM_DB= "$MMADMIN" --db='~/tilde.db' workspace add elsewhere >/dev/null) ||
        fail "--db=~/tilde.db refused"
    [ -f "$HOME/tilde.db" ] || fail "--db=~/tilde.db is not in the home folder"
    [ -e "$TEST_TMP/~" ] && fail "--db=~/tilde.db made a folder named ~"
fi
finish
