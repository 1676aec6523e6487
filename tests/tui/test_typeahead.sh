#!/usr/bin/env bash
# Keys typed ahead in one burst: the key that closes a dialog and the keys after it must reach
# the page under the dialog, not the dialog that just closed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

start_sim
add_account typeahead-openai openai sk-typeahead-0123456789 --endpoint "$(sim_url openai)"
start_ui
wait_for_text "typeahead-openai"
send_keys d
wait_for_text "Delete account?"
send_keys n 5 # one burst: n closes the confirmation, 5 opens the Workspaces page
wait_for_text "Workspaces ·" 10
assert_screen_not_contains "Delete account?"
"$MMADMIN" account show typeahead-openai >/dev/null || fail "the account was deleted"
send_keys "?"
wait_for_text "Help:"
send_keys q 2 # q closes help (it must not quit the console), 2 opens Models
wait_for_text "Models ·" 10
assert_screen_not_contains "Help:"
send_keys q
wait_exit
pass
