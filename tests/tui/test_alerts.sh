#!/bin/bash
# Alerts in the console: while the console probes, an account with a wrong key turns unreachable
# and the header's alert slot shows the count and the worst alert; the Alerts page lists it
# firing, Enter shows why, its help the rules with their thresholds, `a` acknowledges it; disabling the account resolves it (the slot
# empties, the row says resolved); read-only consoles refuse to acknowledge.
source "$(dirname "$0")/lib.sh"
start_sim

add_account good-openai openai "sk-good-0123456789" --endpoint "$(sim_url openai)"
add_account bad-openai openai "invalid-key-0123456789" --endpoint "$(sim_url openai)"
"$MMADMIN" health config --probe-interval 0.5 --unreachable-failed-probes 2 >/dev/null ||
    fail "health config refused the test's settings"
"$MMADMIN" alerts config --resolve-after 1 >/dev/null || fail "alerts config refused"

start_ui
wait_for_text "prober: this console"
wait_for_text "ALERTS 1: critical provider_unreachable bad-openai" 30
send_keys 8
wait_for_text "1 firing, 0 resolved"
assert_screen_contains "provider_unreachable"
assert_screen_contains "bad-openai"
send_keys Enter
wait_for_text "Alert 1"
assert_screen_contains "is unreachable"
send_keys Escape
wait_for_gone "Alert 1"
send_keys "?"
wait_for_text "Help: Alerts"
assert_screen_contains "provider_degraded (warning): the account is degraded for 600 s"
send_keys Escape
wait_for_gone "Help: Alerts"
send_keys a
wait_for_text "acknowledged."
"$MMADMIN" alerts --json | jq -e '.[0].acknowledged_by != ""' >/dev/null ||
    fail "the acknowledgement is not in the catalog"

"$MMADMIN" account disable bad-openai --reason "key rotated" >/dev/null
wait_for_text "0 firing, 1 resolved" 30
wait_for_gone "ALERTS 1:" 10
send_keys q
wait_exit

# read-only: the key is refused with the frame's words
START_UI_WAIT="Provider Accounts" start_ui --read-only
send_keys 8
wait_for_text "0 firing, 1 resolved"
send_keys a
wait_for_text "Read-only"
send_keys q
wait_exit
pass
