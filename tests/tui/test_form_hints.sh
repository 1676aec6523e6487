#!/bin/bash
# Forms at small sizes. The New price form (nine fields) at 80x24 has a row a field (dense), its
# current field's help under the last one: every field is on screen ("Per char $" was below the
# window). At 80x26 it has a help row a field (compact, the intro gives way), and a help line that
# does not fit is cut after a whole word, with an ellipsis (it said "empty for ima…").
source "$(dirname "$0")/lib.sh"

TUI_COLS=80
TUI_ROWS=24
start_ui
send_keys 7
send_keys a
wait_for_text "New price"
for label in Provider Model 'Input $/M' 'Output $/M' 'Cache read $/M' 'Cache write $/M' \
    'Per image $' 'Per second $' 'Per char $'; do
    assert_screen_contains "$label"
done
assert_screen_contains "the provider id: openai, anthropic,"
assert_screen_not_contains "USD per million input tokens" # only the current field's help
for _ in 1 2 3 4 5 6 7 8; do send_keys Down; done
wait_for_text "speech: USD per character read aloud"
assert_screen_not_contains "the provider id"
send_keys Escape
wait_for_gone "New price"
send_keys q
wait_exit

TUI_ROWS=26
start_ui
send_keys 7
send_keys a
wait_for_text "New price"
wait_for_text "USD per million input tokens, e.g. 2.50; empty for…"
assert_screen_not_contains "empty for ima"
assert_screen_contains 'Per char $'
send_keys Escape
wait_for_gone "New price"
send_keys q
wait_exit
pass
