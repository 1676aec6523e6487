#!/bin/bash
# Issue 14 item 1: a disabled account is not healthy. With one account of fast-chat's three
# disabled and another failing, the Models page shows "1/3 healthy" and the targets editor and
# `mmadmin model show` warn that only one usable account remains.
source "$(dirname "$0")/lib.sh"
start_sim

add_account prod-openai openai "sk-prod-0123456789" --endpoint "$(sim_url openai)"
add_account anthropic-primary anthropic "sk-ant-0123456789" --endpoint "$(sim_url anthropic)"
add_account gemini-main openai "sk-gem-0123456789" --endpoint "$(sim_url openai)"
"$MMADMIN" model add fast-chat --type chat >/dev/null 2>&1
"$MMADMIN" target add fast-chat --account prod-openai --model gpt-4o >/dev/null 2>&1
"$MMADMIN" target add fast-chat --account anthropic-primary --model claude-sonnet-4 >/dev/null 2>&1
"$MMADMIN" target add fast-chat --account gemini-main --model gpt-4o-mini >/dev/null 2>&1
"$MMADMIN" account disable gemini-main --reason "quota review" >/dev/null

# the CLI reads the same rule: one disabled account of three leaves two usable, no warning
"$MMADMIN" model show fast-chat | grep -q "usable account" &&
    fail "model show warned with two usable accounts"
"$MMADMIN" account disable prod-openai --reason "key rotation" >/dev/null
"$MMADMIN" model show fast-chat | grep -qF "Only one usable account remains (anthropic-primary" ||
    fail "model show did not warn about one usable account: $("$MMADMIN" model show fast-chat)"
"$MMADMIN" account enable prod-openai >/dev/null

"$MMADMIN" health config --probe-interval 1 --probe-timeout 5 --unreachable-failed-probes 2 \
    >/dev/null
curl -sf -o /dev/null -X PUT --data-binary \
    '{"rules":[{"prefix":"openai","phases":[{"fault":"server","fault_rate":1.0}]}]}' \
    "http://127.0.0.1:$SIM_PORT/_sim/scenario" || fail "mmsim refused the scenario"

start_ui
send_keys 2
wait_for_text "fast-chat"
# prod-openai unreachable, gemini-main disabled: only anthropic-primary is healthy
wait_for_text "1/3 healthy" 40
assert_screen_not_contains "2/3 healthy"
send_keys Enter
wait_for_text "Fallback chain of fast-chat (chat)"
wait_for_text "Only one usable account remains (anthropic-primary" 20
# the sentence wraps: check it with the lines joined
screen | tr -d '│\n' | tr -s ' ' | grep -qF "prod-openai is unreachable, gemini-main is disabled" ||
    fail "the warning does not name the accounts lost"
send_keys Escape
wait_for_gone "Fallback chain of fast-chat"
send_keys q
wait_exit
pass
