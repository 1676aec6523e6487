#!/bin/bash
# Two consoles on one catalog (issue 14 item 8): each page follows the other's changes within a
# second without a key (PRAGMA data_version on the UI tick; on PostgreSQL, label postgres:
# LISTEN/NOTIFY), `r` re-reads any page, and a save that lost a race keeps the form open with
# the typed values, says in full what the other console changed, and a second Save applies the
# typed values.
source "$(dirname "$0")/lib.sh"
start_sim
add_account alpha openai "sk-alpha-0123456789wxyz" --endpoint "$(sim_url openai)" --rpm 100
"$MMADMIN" model add fast-chat --type chat >/dev/null
"$MMADMIN" workspace add team-a >/dev/null

start_ui
start_second_ui two

# --- an entitlement granted in one console appears in the other, with no key pressed there
TUI_TARGET=two send_keys 3
TUI_TARGET=two wait_for_text "[ ] team-a"
send_keys 3
wait_for_text "[ ] team-a"
send_keys Right Space
wait_for_text "team-a may now use fast-chat"
TUI_TARGET=two wait_for_text "[x] team-a" 5

# --- the CLI's change shows on the Accounts page behind no dialog, keeping the page
TUI_TARGET=two send_keys 1
TUI_TARGET=two wait_for_text "alpha"
add_account beta anthropic "sk-ant-beta-0123456789" --endpoint "$(sim_url anthropic)"
TUI_TARGET=two wait_for_text "beta" 5

# --- r re-reads every page (here Accounts, which had no Reload before)
TUI_TARGET=two send_keys r
TUI_TARGET=two wait_for_text "Read the page again from the catalog."

# --- a lost race: both open alpha, the first saves 200, the second's 300 is kept with the why
open_in_both 1 "beta" "Home Enter" "Edit account alpha"
send_keys Tab Tab Tab Tab C-u
type_text "200"
send_keys F2
wait_for_text "Account alpha saved"
lose_race account "300" Tab Tab Tab Tab C-u
TUI_TARGET=two wait_for_text "(requests/min 100 →"
TUI_TARGET=two assert_screen_contains "200). Your values are kept"
TUI_TARGET=two assert_screen_contains "Save again to apply them over that change"
TUI_TARGET=two assert_screen_contains "Edit account alpha"
TUI_TARGET=two assert_screen_contains "300"
"$MMADMIN" account show alpha | grep -q "200" || fail "the first save is not in the catalog"
TUI_TARGET=two send_keys F2
TUI_TARGET=two wait_for_text "Account alpha saved"
"$MMADMIN" account show alpha | grep -q "300" || fail "the second Save did not apply the typed 300"
wait_for_text "300" 5 # the first console's list follows

send_keys q
TUI_TARGET=two send_keys q
wait_exit
pass
