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
send_keys 5
wait_for_text "team-a"
send_keys Home Enter
wait_for_text "Edit workspace team-a"
TUI_TARGET=two send_keys 5
TUI_TARGET=two wait_for_text "team-a"
TUI_TARGET=two send_keys Home Enter
TUI_TARGET=two wait_for_text "Edit workspace team-a"
send_keys Tab
type_text "first"
send_keys F2
wait_for_text "Workspace team-a saved"
TUI_TARGET=two send_keys Tab
TUI_TARGET=two type_text "second"
TUI_TARGET=two send_keys F2
TUI_TARGET=two wait_for_text "another session changed this workspace since you opened it"
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
send_keys 2
wait_for_text "fast-chat"
send_keys e
wait_for_text "Edit model fast-chat"
TUI_TARGET=two send_keys 2
TUI_TARGET=two wait_for_text "fast-chat"
TUI_TARGET=two send_keys e
TUI_TARGET=two wait_for_text "Edit model fast-chat"
send_keys Tab Tab
type_text "quick answers"
send_keys F2
wait_for_text "quick answers"
wait_for_gone "Edit model fast-chat"
TUI_TARGET=two send_keys Tab Space Tab # type chat -> embedding, then the description
TUI_TARGET=two type_text "docs"
TUI_TARGET=two send_keys F2
TUI_TARGET=two wait_for_text "another session changed this model since you opened it"
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
