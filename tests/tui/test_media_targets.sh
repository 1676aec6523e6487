#!/bin/bash
# Image and audio models in the console (issue 16): Add Target refuses, right after the account
# is picked, an account whose provider has no API for the model's type (the sentence `target
# add` prints, from src/providers/provider_media.c); the model picker marks ids that do not fit
# the model's type both ways (issue 14 item 10: dall-e-3 and whisper-1 in a chat model's picker);
# the price form takes a price per image.
source "$(dirname "$0")/lib.sh"
start_sim
add_account prod-openai openai sk-test-openai-0001 --endpoint "$(sim_url openai)"
add_account anthropic-primary anthropic sk-ant-test-0002 --endpoint "$(sim_url anthropic)"
"$MMADMIN" account test prod-openai >/dev/null
"$MMADMIN" model add draw --type image >/dev/null
"$MMADMIN" model add talk --type chat >/dev/null

start_ui
send_keys 2
wait_for_text "draw"
send_keys Enter
wait_for_text "Fallback chain of draw (image)"
send_keys a
wait_for_text "Step 1 of 2"
send_keys /
type_text "anthropic"
send_keys Enter Enter
wait_for_text "Target not added"
assert_screen_contains "Anthropic has no image API"
assert_screen_not_contains "Step 2 of 2"
send_keys Enter
wait_for_gone "Target not added"
[[ "$("$MMADMIN" model show draw --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["targets"]))')" == 0 ]] ||
    fail "the refused target was added"

# an OpenAI account is taken; its chat ids are marked in an image model's picker
send_keys a
wait_for_text "Step 1 of 2"
send_keys /
type_text "prod-openai"
send_keys Enter Enter
wait_for_text "Step 2 of 2"
send_keys /
type_text "gpt-4o-mini"
send_keys Enter
wait_for_text "not an image model?"
send_keys Escape
send_keys /
type_text "dall-e-3"
send_keys Enter Enter
wait_for_text "1. dall-e-3 @ prod-openai"

# --- the price form: a price per image, no token price
send_keys Escape
send_keys 7
wait_for_text "Prices"
send_keys a
wait_for_text "New price"
type_text "openai"
send_keys Tab
type_text "dall-e-3"
send_keys Tab Tab Tab Tab Tab
type_text "lots"
send_keys F2
wait_for_text "is not a price: give USD per image"
send_keys C-u
type_text "0.04"
send_keys F2
wait_for_text "Price of openai/dall-e-3 set: \$0.04/image"
"$MMADMIN" prices list --json | python3 -c '
import json, sys
p = [x for x in json.load(sys.stdin) if x["model"] == "dall-e-3"]
assert p and p[0]["per_image"] == 0.04 and p[0]["input_per_mtok"] is None, p' ||
    fail "the per-image price was not saved"
# --- a chat model's picker marks the image and audio ids
send_keys 2
wait_for_text "talk"
send_keys Down Enter
wait_for_text "Fallback chain of talk (chat)"
send_keys a
wait_for_text "Step 1 of 2"
send_keys /
type_text "prod-openai"
send_keys Enter Enter
wait_for_text "Step 2 of 2"
send_keys /
type_text "dall-e"
send_keys Enter
wait_for_text "image model?"
send_keys Escape
send_keys /
type_text "whisper"
send_keys Enter
wait_for_text "audio model?"
send_keys Escape Escape Escape Escape
wait_for_gone "Step 2 of 2"
send_keys q
wait_exit
pass
