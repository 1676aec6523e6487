#!/usr/bin/env bash
# Prices: the built-in table loaded on first use, `prices list/set/import` (mmadmin's format and
# LiteLLM's), all-or-nothing imports of bad files, and "no price" (never $0) in lists and sends.
source "$(dirname "$0")/router_lib.sh"

price_of() { # PROVIDER MODEL: "input/output/source" from prices list --json
    mm prices list --json
    python3 -c '
import json, sys
for p in json.load(open(sys.argv[1])):
    if p["provider"] == sys.argv[2] and p["model"] == sys.argv[3]:
        print("%s/%s/%s" % (p["input_per_mtok"], p["output_per_mtok"], p["source"]))' \
        "$OUT" "$1" "$2"
}

# First use loads data/prices.json.
assert_ok prices list
assert_contains out "gpt-4o-mini"
assert_contains out "builtin 2025-06-01"
expect_eq "$(price_of openai gpt-4o)" "2.5/10.0/builtin 2025-06-01" "built-in gpt-4o"
expect_eq "$(price_of openai text-embedding-3-small)" "0.02/None/builtin 2025-06-01" "embedding"
expect_eq "$(price_of anthropic claude-sonnet-4-20250514)" "3.0/15.0/builtin 2025-06-01" "sonnet"
echo "ok - the built-in price table is loaded on first use"

# set
assert_ok prices set openai gpt-4o --input 3 --output 12
assert_contains out "price of openai/gpt-4o set"
expect_eq "$(price_of openai gpt-4o)" "3.0/12.0/manual" "manual price"
assert_ok prices set mistral my-embed --input 0.05
expect_eq "$(price_of mistral my-embed)" "0.05/None/manual" "embedding price without output"
assert_refused prices set openai gpt-4o --input -1 --output 1
assert_contains err "--input '-1' is not a price"
assert_refused prices set openai gpt-4o --input abc
assert_refused prices set nosuch gpt-4o --input 1
assert_contains err "unknown provider 'nosuch'"
assert_refused prices set openai gpt-4o --output 1
assert_contains err "--input USD is required"
echo "ok - prices set stores a price and refuses bad values with a message"

# LiteLLM's format: per-token prices become per million; other providers are skipped.
assert_ok prices import "$MM_SOURCE_DIR/tests/data/litellm_prices_sample.json"
assert_contains out "imported 11 prices"
assert_contains out "(LiteLLM format); skipped 2 entries of providers mmadmin has no adapter for and 1 without token or media prices"
expect_eq "$(price_of openai gpt-4o)" "2.5/10.0/litellm" "litellm gpt-4o"
expect_eq "$(price_of openai text-embedding-3-small)" "0.02/None/litellm" "litellm embedding"
expect_eq "$(price_of gemini gemini-2.0-flash)" "0.1/0.4/litellm" "gemini/ prefix stripped"
expect_eq "$(price_of cohere command-r-08-2024)" "0.15/0.6/litellm" "cohere_chat is cohere"
expect_eq "$(price_of azure-openai gpt-4o-deploy)" "2.5/10.0/litellm" "azure"
expect_eq "$(price_of mistral mistral-large-latest)" "2.0/6.0/litellm" "mistral/ prefix stripped"
expect_eq "$(price_of openai free-local-model)" "0.0/0.0/litellm" "an integer 0 price"
mm prices list --json
assert_json 'not any(p["model"].startswith("anthropic.") or p["model"] == "dall-e-3" for p in d)'
# media prices (issue 16): per image, per second of audio, per character
assert_json '[(p["per_image"], p["input_per_mtok"]) for p in d if p["model"] == "imagen-3.0-generate-002"] == [(0.04, None)]'
assert_json '[p["per_second"] for p in d if p["model"] == "whisper-1"] == [0.0001]'
assert_json '[p["per_character"] for p in d if p["model"] == "tts-1"] == [1.5e-05]'
assert_json '[p["per_image"] for p in d if p["model"] == "gpt-4o"] == [None]'
mm prices list
assert_contains out '$1.5e-05/char'
echo "ok - prices import reads LiteLLM's price map"

# mmadmin's own format.
assert_ok prices import "$MM_SOURCE_DIR/data/prices.json"
assert_contains out "imported 17 prices"
assert_contains out "(mmadmin format)"
expect_eq "$(price_of openai gpt-4o)" "2.5/10.0/import 2025-06-01" "own format"
echo "ok - prices import reads mmadmin's own format"

# Bad files import nothing and say why.
printf '{"prices": [' >"$TEST_TMP/broken.json"
assert_refused prices import "$TEST_TMP/broken.json"
assert_contains err "is not valid JSON"
assert_contains err "nothing was imported"
cat >"$TEST_TMP/bad_own.json" <<'JSON'
{"date": "2026-01-01", "prices": [
  {"provider": "openai", "model": "gpt-4o", "input": 1, "output": 2},
  {"provider": "openai", "model": "gpt-4o-mini", "input": "cheap", "output": 2}]}
JSON
assert_refused prices import "$TEST_TMP/bad_own.json"
assert_contains err "prices[1]: the input price is not a number"
cat >"$TEST_TMP/bad_litellm.json" <<'JSON'
{"gpt-4o": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "litellm_provider": "openai", "mode": "chat"},
 "gpt-x": {"input_cost_per_token": "0.001", "output_cost_per_token": 2e-06, "litellm_provider": "openai", "mode": "chat"}}
JSON
assert_refused prices import "$TEST_TMP/bad_litellm.json"
assert_contains err "\"gpt-x\": the input price is not a number"
echo '{"something": "else"}' >"$TEST_TMP/other.json"
assert_refused prices import "$TEST_TMP/other.json"
assert_contains err "is not a price file"
assert_exit 1 prices import "$TEST_TMP/missing.json"
assert_contains err "cannot open the price file"
expect_eq "$(price_of openai gpt-4o)" "2.5/10.0/import 2025-06-01" "unchanged after bad imports"
echo "ok - a bad price file imports nothing and says what is wrong"

# A model without a price shows as "no price", never $0, in the list and in a send.
add_account a1
assert_ok model add chat --type chat
assert_ok target add chat --account a1 --model o3-mini
assert_ok workspace add team
assert_ok entitle chat team
assert_ok prices list
assert_contains out "o3-mini"
grep -E "o3-mini +no price +no price" "$OUT" >/dev/null || fail "no price row: $(cat "$OUT")"
mm prices list --json
assert_json 'any(p["model"] == "o3-mini" and p["priced"] is False and p["input_per_mtok"] is None for p in d)'
mm send chat --workspace team --prompt "hello" --max-tokens 8
assert_rc 0
assert_contains out "cost no price"
assert_not_contains out "\$0.000000"
send_json chat team
assert_json 'd["usage"]["cost_usd"] is None and d["usage"]["tokens_in"] > 0'
expect_eq "$(catalog_sql "SELECT DISTINCT cost_micros FROM usage_events")" "-1" "stored cost"
echo "ok - a model without a price costs \"no price\", never \$0"

finish
