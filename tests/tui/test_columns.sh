#!/bin/bash
# Columns by priority for the width (issue 14 item 11 and friction): with long account names
# the Accounts page keeps the endpoint, elided in the middle so the part that differs shows
# (`127.0.0.1:9…/openai`); at 80x24 it keeps the state (Enabled, Last test) and the Audit log
# keeps Entity and Change (Actor and Action go first).
source "$(dirname "$0")/lib.sh"
long="account-with-a-rather-long-name-for-the-search-team"
add_account "$long-a" openai "sk-prod-0123456789wxyz" --endpoint "http://127.0.0.1:18101/openai" \
    --rpm 500 --tpm 200000 --monthly-cap 250
add_account "$long-b" anthropic "sk-ant-main-0123456789" \
    --endpoint "http://127.0.0.1:18101/anthropic"
"$MMADMIN" account disable "$long-b" --reason "maintenance window" >/dev/null

TUI_COLS=120 TUI_ROWS=40
START_UI_WAIT="READ-ONLY" start_ui --read-only
wait_for_text "account-with"
assert_screen_contains "Endpoint"
screen | grep -qE "127\.0\.0\.1[^ ]*openai " || fail "the endpoint does not show its end (/openai)"
screen | grep -qE "127\.0\.0\.1[^ ]*hropic " || fail "the endpoint does not show its end (anthropic)"
send_keys q
wait_exit

TUI_COLS=80 TUI_ROWS=24
START_UI_WAIT="READ-ONLY" start_ui --read-only
wait_for_text "account-with"
assert_screen_contains "Enabled"
assert_screen_contains "Last test"
send_keys 6
wait_for_text "Audit Log"
assert_screen_contains "Entity"
assert_screen_contains "Change"
send_keys q
wait_exit
pass
