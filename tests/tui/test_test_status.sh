#!/bin/bash
# A failed Test Connection shows in the Status column at once (issue 14): after the key was
# replaced by a wrong one, `t` gives "✗ auth" and the status turns unreachable with the reason,
# long before the monitor's next probe round (one rule: a probe whose key was refused makes the
# account unreachable, src/health/status.c; the recorded test reaches the monitor at once).
source "$(dirname "$0")/lib.sh"
start_sim
add_account alpha openai "sk-alpha-0123456789wxyz" --endpoint "$(sim_url openai)"
# the monitor's own rounds are 10 minutes apart: only the tests move the status here
"$MMADMIN" health config --probe-interval 600 >/dev/null

start_ui
wait_for_text "alpha"
send_keys t
wait_for_text "Test of alpha"
send_keys Escape
wait_for_text "✓ " # Last test (short form: "✓ 13ms now")
wait_for_text "● healthy" 10
# the key is replaced (another console, the CLI): the next test is refused
TUI_KEY="invalid-key" "$MMADMIN" account edit alpha --api-key-env TUI_KEY >/dev/null
wait_for_text "untested" 5
send_keys t
wait_for_text "Test of alpha"
send_keys Escape
wait_for_gone "Test of alpha"
wait_for_text "✗ auth"
wait_for_text "✖ unreachable" 5
assert_screen_not_contains "● healthy"

# the Health page says the same, with the reason
send_keys 4
wait_for_text "unreachable"
send_keys q
wait_exit
pass
