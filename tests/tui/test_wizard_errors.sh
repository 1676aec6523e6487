#!/bin/bash
# What the wizard says when input is wrong: a refused name next to its field, a missing key,
# an unparsable limit, a wrong key ("invalid-key") as an auth error in the Test Connection step
# (Esc stops waiting, retry works), saving after a failed test asks first, and Esc after typing
# asks before discarding (nothing saved).
source "$(dirname "$0")/lib.sh"
start_sim
start_ui

send_keys a
wait_for_text "Which provider is this account for?"
send_keys Enter
wait_for_text "OpenAI account."
type_text "Bad Name"
send_keys PageDown
wait_for_text "Account name"
wait_for_text "lowercase"
assert_screen_contains "step 2 of 5"

# fix the name; no key yet: the key field says so
send_keys C-u
type_text "team-a"
send_keys PageDown
wait_for_text "needs an API key"

# the cursor is in the key field now
type_text "invalid-key"
send_keys Tab
type_text "$(sim_url openai)"
send_keys PageDown
wait_for_text "Optional limits for this account"
type_text "lots"
send_keys PageDown
wait_for_text "not 'lots'"
assert_screen_contains "step 3 of 5"
send_keys C-u
send_keys PageDown
wait_for_text "auth"
assert_screen_contains "step 4 of 5"
assert_screen_contains "API key"
# issue 14 items 9 and 11: no Edit button is advised in the wizard, the class is said once
assert_screen_not_contains "with Edit"
assert_screen_not_contains "auth: auth:"

# retry, then Save after the failed test asks first; "Go back" keeps the wizard open
send_keys r
wait_for_text "auth"
send_keys Enter
wait_for_text "Connection test"
send_keys Enter
wait_for_text "Save without a successful test?"
send_keys n
wait_for_gone "Save without a successful test?"
assert_screen_contains "step 5 of 5"

# Esc asks before discarding what was typed; nothing is saved
send_keys Escape
wait_for_text "Discard this account?"
send_keys y
wait_for_text "No provider accounts yet"
if "$MMADMIN" account list | grep -q team-a; then fail "a discarded account was saved"; fi

send_keys q
wait_exit
pass
