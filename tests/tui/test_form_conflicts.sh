#!/bin/bash
# Two consoles (issue 14 item 8) on the workspace and model forms: a save that lost a race keeps
# the form open with the typed values, says in full what the other console changed, and takes
# the row's new version so that a second Save applies the typed values (as the account edit
# and entitlement limits forms do: tests/tui/test_two_consoles.sh).
source "$(dirname "$0")/lib.sh"
"$MMADMIN" model add fast-chat --type chat >/dev/null
"$MMADMIN" workspace add team-a >/dev/null

start_ui
start_second_ui two

# --- workspace: the first console saves a description, the second's is kept with the why
open_in_both 5 "team-a" "Home Enter" "Edit workspace team-a"
send_keys Tab
type_text "first"
send_keys F2
wait_for_text "Workspace team-a saved"
lose_race workspace "second" Tab
TUI_TARGET=two assert_screen_contains "(description (none)"
TUI_TARGET=two assert_screen_contains "→ first). Your values are kept"
TUI_TARGET=two assert_screen_contains "Save again to apply them over that change"
TUI_TARGET=two assert_screen_contains "Edit workspace team-a"
TUI_TARGET=two assert_screen_contains "second"
TUI_TARGET=two send_keys F2
TUI_TARGET=two wait_for_text "Workspace team-a saved"
"$MMADMIN" workspace show team-a | grep -q "second" ||
    fail "the second Save did not apply the typed description: $("$MMADMIN" workspace show team-a)"

# --- model: the same race on the model form
open_in_both 2 "fast-chat" e "Edit model fast-chat"
send_keys Tab Tab
type_text "quick answers"
send_keys F2
wait_for_text "quick answers"
wait_for_gone "Edit model fast-chat"
lose_race model "docs" Tab Space Tab # type chat -> embedding, then the description
TUI_TARGET=two assert_screen_contains "quick answers). Your values are kept"
TUI_TARGET=two assert_screen_contains "Edit model fast-chat"
TUI_TARGET=two assert_screen_contains "embedding"
TUI_TARGET=two send_keys F2
TUI_TARGET=two wait_for_gone "Edit model fast-chat"
"$MMADMIN" model show fast-chat | grep -q "embedding" ||
    fail "the second Save did not apply the typed type: $("$MMADMIN" model show fast-chat)"
"$MMADMIN" model show fast-chat | grep -q "docs" ||
    fail "the second Save did not apply the typed description"

send_keys q
TUI_TARGET=two send_keys q
wait_exit
pass
