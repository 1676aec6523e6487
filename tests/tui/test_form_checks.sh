#!/bin/bash
# Forms (issue 14, friction): a field is checked when the admin leaves it (Tab, Down, a click),
# the message names the field, its limit and the fix (the words the save would use); a refused save focuses the first bad
# field; Esc on any form with a changed value asks "Discard changes?" first (one home:
# ui_form_may_discard in ui/widgets/form.c), and closes at once when nothing changed.
source "$(dirname "$0")/lib.sh"
start_sim
add_account alpha openai "sk-alpha-0123456789wxyz" --endpoint "$(sim_url openai)"
"$MMADMIN" model add fast-chat --type chat >/dev/null
"$MMADMIN" workspace add team-a >/dev/null

start_ui

# --- leaving a bad field says so at once, naming the field and how to fix it
send_keys Home Enter
wait_for_text "Edit account alpha"
send_keys Tab Tab Tab Tab C-u
type_text "abc"
assert_screen_not_contains "the requests-per-minute limit must be"
send_keys Tab
wait_for_text "the requests-per-minute limit must be"
assert_screen_contains "(not 'abc')"
send_keys Tab C-u
type_text "zz"
send_keys Up Down # leaving by Up checks the cap too
wait_for_text "the spending cap 'zz'"
# --- Save with two bad fields: the focus goes to the first (requests/min), whatever is current
send_keys F2
wait_for_text "the requests-per-minute limit must be"
send_keys C-u
type_text "7"
send_keys F2 # the cap is still wrong: now it has the focus
wait_for_text "the spending cap 'zz'"
assert_screen_not_contains "the requests-per-minute limit must be"
send_keys C-u
type_text "5"
send_keys F2
wait_for_text "Account alpha saved"
"$MMADMIN" account show alpha | grep -E "requests/min|rpm" | grep -q "7" ||
    fail "the fixed requests/min was not saved: $("$MMADMIN" account show alpha)"

# --- Esc on the account edit form: asks when a value changed, not when none did
send_keys Home Enter
wait_for_text "Edit account alpha"
type_text "x"
send_keys Escape
wait_for_text "Discard changes?"
assert_screen_contains "Nothing has been saved. Discard what you typed?"
send_keys n
wait_for_gone "Discard changes?"
assert_screen_contains "Edit account alpha"
send_keys BSpace Escape # the value is back to what it was: nothing to discard
wait_for_gone "Edit account alpha"
assert_screen_not_contains "Discard changes?"
send_keys Home Enter
wait_for_text "Edit account alpha"
type_text "x"
send_keys Escape
wait_for_text "Discard changes?"
send_keys y
wait_for_gone "Edit account alpha"
"$MMADMIN" account show alpha >/dev/null || fail "the discarded rename was saved"

# --- the workspace form: a bad name is said on leaving it; Esc asks before discarding
send_keys 5
wait_for_text "team-a"
send_keys a
wait_for_text "New workspace"
type_text "Team B"
send_keys Tab
wait_for_text "the workspace name must start with a lowercase letter"
send_keys Escape
wait_for_text "Discard changes?"
send_keys y
wait_for_gone "New workspace"
# --- the edit form of a workspace with nothing changed closes at once
send_keys Home Enter
wait_for_text "Edit workspace team-a"
send_keys Escape
wait_for_gone "Edit workspace team-a"
assert_screen_not_contains "Discard changes?"

# --- the model form and the entitlement limits form ask too
send_keys 2
wait_for_text "fast-chat"
send_keys e
wait_for_text "Edit model fast-chat"
send_keys Tab Space # the type cycles: a change
send_keys Escape
wait_for_text "Discard changes?"
send_keys y
wait_for_gone "Edit model fast-chat"
"$MMADMIN" model show fast-chat | grep -q "chat" || fail "the discarded type was saved"
send_keys 3
wait_for_text "[ ] team-a"
send_keys Right Enter
wait_for_text "Grant team-a on fast-chat"
type_text "10x"
send_keys Tab
wait_for_text "the requests-per-minute limit must be"
send_keys Escape
wait_for_text "Discard changes?"
send_keys y
wait_for_gone "Grant team-a on fast-chat"

send_keys q
wait_exit
pass
