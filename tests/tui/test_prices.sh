#!/bin/bash
# The Prices page and the unpriced-cap warning (issue 14 item 2): a capped account whose target
# uses a model with no price is marked on Provider Accounts (cap cell and a line under the
# table) and Provider Health; the Prices page lists the model as "no price", Enter sets its
# price (then the warnings go), and i imports a LiteLLM map through the CLI's import code.
source "$(dirname "$0")/lib.sh"
start_sim
add_account alpha openai "sk-alpha-0123456789wxyz" --endpoint "$(sim_url openai)" --monthly-cap 500
"$MMADMIN" model add fast-chat --type chat >/dev/null
"$MMADMIN" target add fast-chat --account alpha --model house-model-x >/dev/null 2>&1

start_ui
wait_for_text "alpha"
wait_for_text "! \$500"
wait_for_text "alpha's \$500 monthly cap counts nothing for house-model-x: no price"

send_keys 4
wait_for_text "Monthly caps count nothing for alpha/house-model-x: no price"

send_keys 7
wait_for_text "used by alpha: caps count \$0"
assert_screen_contains "1 model used by targets has no price"
send_keys /
type_text "house"
send_keys Enter
send_keys Enter
wait_for_text "Price of openai/house-model-x"
type_text "2.5"
send_keys Tab
type_text "lots"
send_keys F2
wait_for_text "is not a price"
send_keys C-u
type_text "10"
send_keys F2
wait_for_text "Price of openai/house-model-x set: \$2.5 input"
"$MMADMIN" prices list --json | python3 -c '
import json, sys
p = [x for x in json.load(sys.stdin) if x["model"] == "house-model-x"]
assert p and p[0]["input_per_mtok"] == 2.5 and p[0]["output_per_mtok"] == 10, p' ||
    fail "the price was not saved"
send_keys Escape
wait_for_gone "used by alpha"

send_keys 1
wait_for_text "alpha"
assert_screen_not_contains "house-model-x: no price"
assert_screen_not_contains "! \$500"

# --- import a LiteLLM map
send_keys 7
wait_for_text "Prices"
send_keys i
wait_for_text "Import prices"
type_text "$MM_SOURCE_DIR/tests/data/litellm_prices_sample.json"
send_keys Enter
wait_for_text "(LiteLLM); skipped"
"$MMADMIN" prices list | grep gpt-4o | grep -q litellm || fail "the LiteLLM import is not in the catalog"
# media prices (issue 16): the selected price's per-character price on the bottom line
send_keys /
type_text "tts-1"
send_keys Enter
wait_for_text "tts-1 media prices, USD: \$1.5e-05/char"
send_keys Escape

# --- read-only: setting a price is refused
send_keys q
wait_exit
START_UI_WAIT="READ-ONLY" start_ui --read-only --page prices
wait_for_text "gpt-4o"
send_keys Enter
wait_for_text "Read-only: setting a price is disabled"
send_keys q
wait_exit
pass
