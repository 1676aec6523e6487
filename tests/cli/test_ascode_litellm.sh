#!/usr/bin/env bash
# LiteLLM interop against real configs (tests/data/litellm, sources in its README): import maps
# model_list to accounts, models and chains, fallbacks to chain order, os.environ keys; says
# what it did not map with line:column; never imports a key written in clear; is idempotent;
# export --format litellm writes a config LiteLLM's loader shape accepts and that imports back.
source "$(dirname "$0")/lib.sh"

DATA=$(cd "$(dirname "$0")/../data/litellm" && pwd)
export AZURE_API_KEY=azure-test-key-0123456789 OPENAI_API_KEY=sk-openai-test-0123456789
export MISTRAL_API_KEY=mistral-test-key-0123456789

# LiteLLM's own proxy_server_config.yaml
assert_exit 2 import litellm "$DATA/proxy_server_config.yaml" --plan
assert_contains out "+ model gpt-3.5-turbo-end-user-test"
[ "$(catalog_rows accounts)" = 0 ] ||
    fail "--plan changed the catalog"
assert_ok import litellm "$DATA/proxy_server_config.yaml"
assert_contains out "one change set"
assert_contains err "proxy_server_config.yaml:94:5: not mapped: model_name '*' (wildcard routing)"
assert_contains err "sagemaker/berri-benchmarking-Llama-2-70b-chat-hf-4' (a provider mmadmin does not call)"
assert_contains err "61:16: the api_key of fake-openai-endpoint is written in clear"
assert_contains err "not mapped: general_settings"
assert_contains err "not mapped: router_settings.routing_strategy"
assert_contains err "its key is read from \$OPENAI_API_KEY"
assert_ok export --format json
assert_json '[t["account"] for m in d["models"] if m["name"] == "gpt-3.5-turbo-end-user-test" for t in m["targets"]] == ["openai", "azure-openai"]'
assert_json '[m["type"] for m in d["models"] if m["name"] == "text-embedding-ada-002"] == ["embedding"]'
assert_json '[a for a in d["accounts"] if a["name"] == "azure-openai"][0]["api_version"] == "2023-05-15"'
assert_json '[a["api_key"] for a in d["accounts"] if a["name"] == "openai"] == ["env:MM_KEY_OPENAI"]'
assert_json '[len(m["targets"]) for m in d["models"] if m["name"] == "fake-openai-endpoint-3"] == [2]'
catalog_dump | grep -q "my-fake-key" && fail "a key written in clear reached the catalog"
# the same file again: nothing to do
assert_ok import litellm "$DATA/proxy_server_config.yaml"
assert_contains out "nothing to do"

# keys in clear only: every deployment skipped, the catalog unchanged
before=$(catalog_dump | md5sum)
assert_ok import litellm "$DATA/azure_config_with_tpm.yaml"
assert_contains err "azure_config_with_tpm.yaml:6:16: the api_key of gpt-3.5-turbo is written in clear"
assert_contains out "nothing to do"
[ "$(catalog_dump | md5sum)" = "$before" ] || fail "a refused key changed the catalog"

# the docs' quick start: two Azure regions become one chain; bedrock is not mapped
export AZURE_API_KEY_EU=azure-eu-key-0123456789 AZURE_API_KEY_CA=azure-ca-key-0123456789
assert_ok import litellm "$DATA/configs_quickstart.yaml"
assert_contains err "bedrock/anthropic.claude-instant-v1' (a provider mmadmin does not call)"
assert_ok export --format json
assert_json '[len(m["targets"]) for m in d["models"] if m["name"] == "gpt-4o"] == [2]'

# router_settings.fallbacks → chain order (the reliability docs' shape, keys from the env)
cat >"$TEST_TMP/fallbacks.yaml" <<'YAML'
model_list:
  - model_name: gpt-3.5-turbo
    litellm_params:
      model: azure/gpt-35
      api_base: https://fallback-eu.openai.azure.com/
      api_version: "2024-10-21"
      api_key: os.environ/AZURE_API_KEY
      rpm: 6
  - model_name: gpt-4
    litellm_params:
      model: openai/gpt-4
      api_key: os.environ/OPENAI_API_KEY
router_settings:
  fallbacks: [{"gpt-3.5-turbo": ["gpt-4"]}]
YAML
fresh_catalog fallbacks
assert_ok import litellm "$TEST_TMP/fallbacks.yaml"
assert_ok export --format json
assert_json '[(t["account"], t["model"]) for m in d["models"] if m["name"] == "gpt-3.5-turbo" for t in m["targets"]] == [("azure-openai", "gpt-35"), ("openai", "gpt-4")]'

# export --format litellm: LiteLLM's shape, keys as os.environ/, and it imports back the same
assert_ok export --format litellm -o "$TEST_TMP/litellm.yaml"
python3 - "$TEST_TMP/litellm.yaml" <<'PY' || fail "the exported LiteLLM config has the wrong shape"
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
assert set(d) <= {"model_list", "router_settings"}, d.keys()
for e in d["model_list"]:
    p = e["litellm_params"]
    assert isinstance(e["model_name"], str) and "/" in p["model"], e
    assert p.get("api_key", "os.environ/").startswith("os.environ/"), p
    assert isinstance(p["order"], int) and p["order"] >= 1, p
names = [(e["model_name"], e["litellm_params"]["model"]) for e in d["model_list"]]
assert names == [("gpt-3.5-turbo", "azure/gpt-35"), ("gpt-3.5-turbo", "openai/gpt-4"), ("gpt-4", "openai/gpt-4")], names
PY
fresh_catalog back
export MM_KEY_AZURE_OPENAI=$AZURE_API_KEY MM_KEY_OPENAI=$OPENAI_API_KEY
assert_ok import litellm "$TEST_TMP/litellm.yaml"
assert_ok export --format json
assert_json '[(t["account"], t["model"]) for m in d["models"] if m["name"] == "gpt-3.5-turbo" for t in m["targets"]] == [("azure-openai", "gpt-35"), ("openai", "gpt-4")]'
finish
