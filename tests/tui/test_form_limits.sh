#!/bin/bash
# Issue 14 item 6: a field says its limit while typing ("12/63") and refuses past it, saying
# so, instead of cutting the value silently; the add-account wizard's name field does the same.
source "$(dirname "$0")/lib.sh"

NAME63=$(printf 'a%.0s' $(seq 1 63))
start_ui
send_keys 5
wait_for_text "No workspaces yet"
send_keys a
wait_for_text "New workspace"
wait_for_text "0/63"
type_text "team"
wait_for_text "4/63"
send_keys C-u
type_text "${NAME63}b" # 64 characters: the 64th is refused, and said
wait_for_text "Name is full: at most 63 characters"
assert_screen_contains "63/63"
send_keys Enter Enter
wait_for_text "Created workspace"
"$MMADMIN" workspace show "$NAME63" >/dev/null || fail "the 63-character name was not saved"

# the add-account wizard: the same widget, the core's limit
send_keys 1
wait_for_text "Provider Accounts"
send_keys a
wait_for_text "Add provider account"
send_keys Enter
wait_for_text "Account name"
wait_for_text "0/63"
type_text "${NAME63}x"
wait_for_text "Account name is full: at most 63 characters"
send_keys Escape
wait_for_text "Discard this account?"
send_keys y
wait_for_gone "Discard this account?"
send_keys q
wait_exit
pass
