#!/bin/bash
# The Model Entitlements page: every workspace is marked [x]/[ ] for the chosen model and the
# page says unmarked ones have no access; Space grants (one row at a time, saved at once), Enter
# edits limits with inline validation at the field, Enter on an unmarked row grants with limits,
# Space on a row with limits revokes after asking; the reverse view (v) lists a workspace's
# models with limits; the Models page's `w` jumps here; read-only mode refuses every change.
source "$(dirname "$0")/lib.sh"

"$MMADMIN" model add fast-chat --type chat --description "quick answers" >/dev/null
"$MMADMIN" model add embed-docs --type embedding >/dev/null
"$MMADMIN" workspace add team-a --description "search" >/dev/null
"$MMADMIN" workspace add team-b >/dev/null
"$MMADMIN" workspace add team-c >/dev/null

ents() { # "model/workspace/rpm/tpm/monthly ..." from the CLI
    "$MMADMIN" entitlements --json | python3 -c '
import json, sys
print(" ".join("%s/%s/%s/%s/%s" % (e["model"], e["workspace"], e["rpm"], e["tpm"],
               e["monthly_tokens"]) for e in json.load(sys.stdin)))'
}
expect_ents() {
    local got
    got=$(ents)
    [[ "$got" == "$1" ]] || fail "entitlements are '$got', expected '$1'"
}

# row_has ROW TEXT: the screen line holding ROW also holds TEXT
row_has() {
    screen | grep -F -- "$1" | grep -qF -- "$2" || fail "the row '$1' does not show '$2'"
}

start_ui
send_keys 3
wait_for_text "have no access to it"
assert_screen_contains "[ ] team-a"
assert_screen_contains "[ ] team-c"

# --- Space grants team-a (embed-docs is first in name order; choose fast-chat)
send_keys Down Right
send_keys Space
wait_for_text "team-a may now use fast-chat"
assert_screen_contains "[x] team-a"
assert_screen_contains "[ ] team-b"
expect_ents "fast-chat/team-a/None/None/None"

# --- Enter edits its limits: a bad value is refused at its field, nothing saved
send_keys Enter
wait_for_text "Limits of team-a on fast-chat"
type_text "60"
send_keys Tab
type_text "lots"
send_keys Tab
type_text "5000000"
send_keys Enter
wait_for_text "must be a whole number"
expect_ents "fast-chat/team-a/None/None/None"
send_keys C-u # the focus is on the refused field
type_text "100k" # as the tables show it (issue 14)
send_keys Enter Enter
wait_for_text "Saved the limits of team-a on fast-chat"
row_has "[x] team-a" "60"
row_has "[x] team-a" "100k"
row_has "[x] team-a" "5M"
expect_ents "fast-chat/team-a/60/100000/5000000"

# --- Enter on an unmarked workspace grants it with limits
send_keys Down
send_keys Enter
wait_for_text "Grant team-b on fast-chat"
type_text "30"
send_keys Enter Enter Enter
wait_for_text "Granted team-b on fast-chat"
assert_screen_contains "[x] team-b"
expect_ents "fast-chat/team-a/60/100000/5000000 fast-chat/team-b/30/None/None"

# --- Revoking a row with limits asks first; n keeps it, y revokes
send_keys Space
wait_for_text "Revoke team-b's access to fast-chat?"
send_keys n
wait_for_gone "Revoke team-b's access"
assert_screen_contains "[x] team-b"
send_keys Space
wait_for_text "Revoke team-b's access to fast-chat?"
send_keys y
wait_for_text "team-b can no longer use fast-chat"
assert_screen_contains "[ ] team-b"
expect_ents "fast-chat/team-a/60/100000/5000000"

# --- The reverse view: team-a's models, with limits
send_keys Up v
wait_for_text "team-a may use the models marked [x]"
row_has "[x] fast-chat" "100k"
row_has "[x] fast-chat" "5M"
assert_screen_contains "[ ] embed-docs"
send_keys '?'
wait_for_text "swap the view"
assert_screen_contains "grant or revoke access"
send_keys Escape
wait_for_gone "swap the view"
send_keys v
wait_for_text "have no access to it"

# --- From the Models page, w opens the selected model's access
send_keys 2
wait_for_text "embed-docs"
send_keys w
wait_for_text "Workspaces marked [x] may use embed-docs"

send_keys q
wait_exit

# --- Read-only: Space and Enter change nothing and say why
start_ui --read-only
send_keys 3
wait_for_text "have no access to it"
send_keys Down Right Space
wait_for_text "Read-only"
send_keys Down Enter
wait_for_text "Read-only"
expect_ents "fast-chat/team-a/60/100000/5000000"
send_keys q
wait_exit
pass
