#!/usr/bin/env bash
# Image and audio models at every entry point (issue 16): `target add` and the catalog as code
# (plan/apply) refuse a target whose provider has no API for the model's type, with the
# sentence of src/providers/provider_media.c; `prices set` takes --per-image/--per-second/
# --per-character; export → apply → export carries them; the LiteLLM export writes them.
source "$(dirname "$0")/lib.sh"

export KEY=sk-media-rules-test-0000
assert_ok account add oa --provider openai --api-key-env KEY
assert_ok account add ant --provider anthropic --api-key-env KEY
assert_ok model add draw --type image
assert_ok model add listen --type audio
# (the first write may add SQLite's planner statistics, sqlite_stat1; the second is exact)
assert_exit 2 target add draw --account ant --model claude-3-5-haiku-20241022
assert_contains err "cannot add ant to 'draw': Anthropic has no image API: use an OpenAI, Azure OpenAI or Gemini account for image models"
assert_refused target add listen --account ant --model claude-3-5-haiku-20241022
assert_contains err "Anthropic has no audio API"
assert_refused target add draw --account ant --model claude-3-5-haiku-20241022
assert_ok target add draw --account oa --model dall-e-3
assert_ok target add listen --account oa --model whisper-1
echo "ok - target add refuses a provider without the model type's API"

# prices set: media prices, the same parser as the token prices
assert_ok prices set openai dall-e-3 --per-image 0.04
assert_contains out "price of openai/dall-e-3 set: \$0.04/image"
assert_ok prices set openai whisper-1 --per-second 0.0001
assert_ok prices set openai tts-1 --input 1 --per-character 0.000015
assert_refused prices set openai dall-e-3 --per-image lots
assert_contains err "--per-image 'lots' is not a price: give USD per image"
assert_refused prices set openai dall-e-3 --per-second -1
assert_contains err "--per-second '-1' is not a price"
assert_refused prices set openai dall-e-3
assert_contains err "or a media price (--per-image, --per-second, --per-character)"
assert_ok prices list --json
assert_json '[p for p in d if p["model"] == "dall-e-3"][0]["per_image"] == 0.04'
assert_json '[p for p in d if p["model"] == "dall-e-3"][0]["input_per_mtok"] is None'
assert_json '[p for p in d if p["model"] == "whisper-1"][0]["per_second"] == 0.0001'
assert_json '[p for p in d if p["model"] == "tts-1"][0]["per_character"] == 1.5e-05'
echo "ok - prices set --per-image/--per-second/--per-character"

# export → apply on an empty catalog → export carries the media prices
assert_ok export -o "$TEST_TMP/a.yaml"
grep -q "per_image: 0.04" "$TEST_TMP/a.yaml" || fail "export lacks per_image"
grep -q "per_second: 0.0001" "$TEST_TMP/a.yaml" || fail "export lacks per_second"
grep -q "per_character: 1.5e-05" "$TEST_TMP/a.yaml" || fail "export lacks per_character"
assert_ok export --format litellm
assert_contains out "input_cost_per_image: 0.04"
assert_contains out "input_cost_per_second: 0.0001"
assert_contains out "mode: image_generation"
main_db=$MM_DB
export MM_DB=$TEST_TMP/empty.db MM_KEY_OA=$KEY MM_KEY_ANT=$KEY
assert_ok apply -f "$TEST_TMP/a.yaml"
assert_ok prices list --json
assert_json '[p for p in d if p["model"] == "dall-e-3"][0]["per_image"] == 0.04'
assert_json '[p for p in d if p["model"] == "whisper-1"][0]["per_second"] == 0.0001'
assert_ok export -o "$TEST_TMP/b.yaml"
cmp "$TEST_TMP/a.yaml" "$TEST_TMP/b.yaml" || fail "export → apply → export changed the media prices"
echo "ok - export and apply carry media prices both ways; LiteLLM export writes them"

# plan and apply refuse an Anthropic target on an image model, at its line:column
printf 'models:\n  - name: draw\n    type: image\n    targets:\n      - account: ant\n        model: claude-3-5-haiku-20241022\n' >"$TEST_TMP/ant.yaml"
assert_exit 2 plan -f "$TEST_TMP/ant.yaml"
assert_contains err "ant.yaml:5:18: cannot add ant to 'draw': Anthropic has no image API"
assert_refused apply -f "$TEST_TMP/ant.yaml"
assert_contains err "Anthropic has no image API"
export MM_DB=$main_db
echo "ok - plan and apply refuse a target whose provider lacks the model type's API"
finish
