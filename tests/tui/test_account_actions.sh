#!/bin/bash
# Actions on existing accounts: Enter edits and an empty key field keeps the key (same hint,
# the CLI test still passes); t tests in the background and shows the result; e disables with
# a reason shown on the page, x enables; d asks first (n keeps, y deletes).
source "$(dirname "$0")/lib.sh"
start_sim
add_account alpha openai "sk-alpha-0123456789wxyz" --endpoint "$(sim_url openai)" --rpm 100
add_account beta anthropic "sk-ant-beta-0123456789" --endpoint "$(sim_url anthropic)"
"$MMADMIN" account list | grep alpha | grep -q untested || fail "alpha does not start untested"
start_ui
wait_for_text "alpha"
assert_screen_contains "…wxyz" # the key hint, in its short form at this width
# the console's prober tests both at once and the page follows its results (issue 14 item 8:
# "untested" lasts only until then)
wait_for_text "✓ " 10 # Last test, in its short form ("✓ 13ms now")

# --- edit: change RPM, leave the key empty
send_keys Enter
wait_for_text "Edit account alpha"
assert_screen_contains "Current key sk-…wxyz. Leave empty to keep it."
send_keys Tab Tab Tab Tab
send_keys C-u
type_text "750"
send_keys F2
wait_for_text "Account alpha saved"
assert_screen_contains "750"
assert_screen_contains "…wxyz" # the key hint, in its short form at this width
"$MMADMIN" account show alpha | grep -q "sk-…wxyz" || fail "the key hint changed after edit"
"$MMADMIN" account test alpha >/dev/null || fail "the kept key no longer works"

# --- test in the background: the result lands in a dialog and in the row
send_keys t
wait_for_text "Test of alpha: connected"
assert_screen_contains "models found"
send_keys Enter
wait_for_gone "Test of alpha"
wait_for_text "✓ " # Last test (short form)
assert_screen_not_contains "in the background" # the message went with the result

# --- e edits here too (as on every page)
send_keys e
wait_for_text "Edit account alpha"
send_keys Escape
wait_for_gone "Edit account alpha"

# --- disable with a reason (o: e edits, as on every page), then enable
send_keys o
wait_for_text "Disable account"
type_text "rotating keys"
send_keys Enter
wait_for_text "alpha is disabled: rotating keys"
assert_screen_contains "– no " # Enabled: "no" in the row at this width, the reason in the detail line
assert_screen_contains "○ disabled" # Status follows the row at once, not the monitor's next round
assert_screen_contains "1 of 2 disabled"
send_keys x
wait_for_text "Enable account"
send_keys Enter
wait_for_gone "is disabled: rotating keys"

# --- an account in use says so first, not after "cannot be undone"
"$MMADMIN" model add fast-chat --type chat >/dev/null
"$MMADMIN" target add fast-chat --account alpha --model gpt-4o-mini >/dev/null 2>&1
send_keys g d
wait_for_text "alpha is in use by fast-chat (target 1)"
assert_screen_not_contains "cannot be undone"
send_keys Enter
wait_for_gone "alpha is in use"

# --- delete asks first: n keeps, y deletes
send_keys j d
wait_for_text "Delete provider account beta"
send_keys n
wait_for_text "Kept beta."
assert_screen_contains "beta"
send_keys d
wait_for_text "Delete provider account beta"
send_keys y
wait_for_text "Account beta deleted"
wait_for_text "1 account"
if "$MMADMIN" account list | grep -q beta; then fail "beta still in the catalog"; fi

send_keys q
wait_exit
pass
