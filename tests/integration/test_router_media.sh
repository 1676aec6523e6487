#!/usr/bin/env bash
# Image and audio models through the router (issue 16): `send --image-prompt / --transcribe /
# --speech` on OpenAI, Azure OpenAI and Gemini (Imagen) accounts of mmsim, fallback along an
# image chain, cost per image / second / character from imported prices (checked against a
# recount in health --json), type mismatches refused both ways, and providers without the API
# refused at target add and at route time.
source "$(dirname "$0")/router_lib.sh"

add_account a1
add_account a2
export AZ_KEY=azure-key-0123456789 GEM_KEY=gemini-key-0123456789 ANT_KEY=sk-ant-key-0123456789
assert_ok account add az --provider azure-openai --endpoint "$SIM_URL/azure" --api-key-env AZ_KEY \
    --api-version 2024-10-21
assert_ok account add gem --provider gemini --endpoint "$SIM_URL/gemini" --api-key-env GEM_KEY
assert_ok account add ant --provider anthropic --endpoint "$SIM_URL/anthropic" --api-key-env ANT_KEY
scenario '{"azure_deployments":["dall-e-3","whisper","tts"]}'
assert_ok model add draw --type image
assert_ok target add draw --account a1 --model dall-e-3
assert_ok target add draw --account a2 --model dall-e-3
assert_ok model add azdraw --type image
assert_ok target add azdraw --account az --model dall-e-3
assert_ok model add imagen --type image
assert_ok target add imagen --account gem --model imagen-3.0-generate-002
assert_ok model add voice --type audio
assert_ok target add voice --account a1 --model whisper-1
assert_ok model add speak --type audio
assert_ok target add speak --account a1 --model tts-1
assert_ok model add azvoice --type audio
assert_ok target add azvoice --account az --model whisper
assert_ok model add chat --type chat
assert_ok target add chat --account a1 --model gpt-4o-mini
assert_ok workspace add team
for m in draw azdraw imagen voice speak azvoice chat; do assert_ok entitle "$m" team; done
neutral_health
cat >"$TEST_TMP/prices.json" <<'JSON'
{"date": "2026-01-01", "prices": [
  {"provider": "openai", "model": "dall-e-3", "per_image": 0.04},
  {"provider": "azure-openai", "model": "dall-e-3", "per_image": 0.08},
  {"provider": "gemini", "model": "imagen-3.0-generate-002", "per_image": 0.03},
  {"provider": "openai", "model": "whisper-1", "per_second": 0.0001},
  {"provider": "azure-openai", "model": "whisper", "per_second": 0.0002},
  {"provider": "openai", "model": "tts-1", "per_character": 0.000015}]}
JSON
assert_ok prices import "$TEST_TMP/prices.json"
mm prices list --json
assert_json '[p["per_image"] for p in d if p["model"] == "dall-e-3" and p["provider"] == "openai"] == [0.04]'
echo "ok - media prices import in mmadmin's own format"

# Images: a PNG written to --out, cost per image; OpenAI, Azure deployments, Gemini Imagen.
mm send draw --workspace team --image-prompt "a red fox" --out "$TEST_TMP/fox.png" --json
assert_rc 0
expect_eq "$(served_by)" a1 "image served by"
assert_json 'd["media"]["images"] == 1 and abs(d["usage"]["cost_usd"] - 0.04) < 1e-9'
expect_eq "$(head -c 8 "$TEST_TMP/fox.png" | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a "PNG magic"
mm send azdraw --workspace team --image-prompt "a blue fox" --out "$TEST_TMP/az.png" --json
assert_rc 0
assert_json 'd["media"]["images"] == 1 and abs(d["usage"]["cost_usd"] - 0.08) < 1e-9'
mm send imagen --workspace team --image-prompt "a green fox" --out "$TEST_TMP/gem.png" --json
assert_rc 0
assert_json 'd["media"]["images"] == 1 and abs(d["usage"]["cost_usd"] - 0.03) < 1e-9'
expect_eq "$(head -c 4 "$TEST_TMP/gem.png" | od -An -tx1 | tr -d ' \n')" 89504e47 "Imagen PNG"
echo "ok - send --image-prompt makes an image on OpenAI, Azure and Imagen, priced per image"

# Fallback: a1 answers 500, a2 serves; both attempts are usage events.
scenario "{\"rules\":[$(fault_rule "$(key_of a1)" server)]}"
mm send draw --workspace team --image-prompt "a fox again" --out "$TEST_TMP/fox2.png" --json
assert_rc 0
expect_eq "$(attempt_classes)" "a1:server a2:ok" "image fallback"
scenario '{"azure_deployments":["dall-e-3","whisper","tts"]}'
catalog_sql "DELETE FROM usage_events WHERE account = 'a1' AND outcome <> 'ok'"
echo "ok - an image model falls back along its chain"

# Transcription: a 2-second WAV (8 kHz, 16-bit mono) billed per second.
python3 - "$TEST_TMP/memo.wav" <<'PY'
import struct, sys
rate, seconds = 8000, 2
data = b"\x00\x00" * rate * seconds
hdr = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + struct.pack("<I", len(data))
open(sys.argv[1], "wb").write(hdr + data)
PY
mm send voice --workspace team --transcribe "$TEST_TMP/memo.wav" --json
assert_rc 0
assert_json '"2.00 seconds" in d["output"] and d["media"]["audio_ms"] == 2000'
assert_json 'abs(d["usage"]["cost_usd"] - 0.0002) < 1e-9'
mm send azvoice --workspace team --transcribe "$TEST_TMP/memo.wav"
assert_rc 0
assert_contains out "mmsim heard"
echo "ok - send --transcribe returns the text, priced per second of audio"

# Speech: the audio written to --out, priced per character.
mm send speak --workspace team --speech "Hello there, fox" --out "$TEST_TMP/hello.mp3" --json
assert_rc 0
assert_json 'd["media"]["characters"] == 16 and d["media"]["bytes"] > 0'
assert_json 'abs(d["usage"]["cost_usd"] - 16 * 0.000015) < 1e-9'
[[ -s $TEST_TMP/hello.mp3 ]] || fail "no speech audio written"
echo "ok - send --speech writes the audio, priced per character"

# health --json: the cost of the served media requests, recounted independently.
mm health --json
assert_rc 0
python3 - "$OUT" <<'PY' || fail "health cost differs from the recount"
import json, sys
d = json.load(open(sys.argv[1]))
want = {"a1": 0.04 + 0.0002 + 16 * 0.000015, "a2": 0.04, "az": 0.08 + 0.0002 * 2, "gem": 0.03}
for a in (d if isinstance(d, list) else d["accounts"]):
    if a["account"] in want:
        got = a["cost_usd_month"]
        assert abs(got - want[a["account"]]) < 1e-6, (a["account"], got, want[a["account"]])
PY
echo "ok - health --json's cost matches a recount per image, second and character"

# Type mismatches both ways, and a provider without the API.
mm send chat --workspace team --image-prompt "a fox" --out "$TEST_TMP/x.png"
assert_rc 2
assert_contains err "model 'chat' is a chat model: it takes text (chat or embedding) requests, not an image request"
mm send draw --workspace team --prompt "hi"
assert_rc 2
assert_contains err "model 'draw' is an image model: it takes image requests, not a text request"
mm send draw --workspace team --image-prompt "a fox"
assert_rc 2
assert_contains err "--out FILE is required"
assert_refused target add draw --account ant --model claude-3-5-haiku-20241022
assert_contains err "Anthropic has no image API"
echo "ok - a chat model refuses an image request, an image model a prompt; Anthropic cannot serve images"

# A chain that got an Anthropic target anyway (written by hand): skipped at route time, saying why.
assert_ok model add antdraw --type image
assert_ok entitle antdraw team
catalog_sql "INSERT INTO targets(model_id, account_id, provider_model, priority)
    SELECT m.id, a.id, 'claude-3-5-haiku-20241022', 1 FROM models m, accounts a
    WHERE m.name = 'antdraw' AND a.name = 'ant'"
mm send antdraw --workspace team --image-prompt "a fox" --out "$TEST_TMP/ant.png"
assert_rc 2
assert_contains err "no target of 'antdraw' can take the request: Anthropic has no image API"
mm route antdraw --workspace team --explain
assert_contains out "skip ant: Anthropic has no image API"
echo "ok - route skips a target whose provider has no API for the model's type"

finish
