#!/bin/bash
# A form's help line at 80x24 that does not fit is cut after a whole word, with an ellipsis:
# the New price form (compact: one help line a field) said "empty for ima…".
source "$(dirname "$0")/lib.sh"

TUI_COLS=80
TUI_ROWS=24
start_ui
send_keys 7
send_keys a
wait_for_text "New price"
wait_for_text "USD per million input tokens, e.g. 2.50; empty for…"
assert_screen_not_contains "empty for ima"
send_keys Escape
wait_for_gone "New price"
send_keys q
wait_exit
pass
