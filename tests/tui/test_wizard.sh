#!/bin/bash
# The Add Account wizard end to end against mmsim: OpenAI and Azure OpenAI accounts are added
# through every step (provider, credentials, limits, Test Connection, save) and land in the
# table; the audit log shows them; Enter on an entry shows its before/after.
source "$(dirname "$0")/lib.sh"
start_sim
start_ui
wait_for_text "No provider accounts yet"

# --- OpenAI: pick the first provider, credentials, limits, test, save
send_keys a
wait_for_text "Which provider is this account for?"
assert_screen_contains "Azure OpenAI"
assert_screen_contains "OpenAI-compatible"
send_keys Enter
wait_for_text "OpenAI account."
type_text "prod-openai"
send_keys Tab
type_text "sk-test-0123456789abcdef"
wait_for_text "hidden: 24 characters typed"
assert_screen_not_contains "sk-test-0123456789abcdef"
send_keys Tab
type_text "$(sim_url openai)"
send_keys Enter Enter
wait_for_text "Optional limits for this account"
type_text "500"
send_keys Tab
type_text "200000"
send_keys Tab
type_text "250"
send_keys Enter
wait_for_text "models found"
assert_screen_contains "gpt-4o-mini"
send_keys Enter
wait_for_text "Connection test"
assert_screen_contains "sk-"
assert_screen_contains "\$250"
send_keys Enter
wait_for_text "Account prod-openai added"
assert_screen_contains "prod-openai"
assert_screen_contains "200k"
assert_screen_contains "✓ " # the test passed (Last test, short form)

# --- Azure OpenAI: endpoint, key, API version (prefilled), deployments note
send_keys a
wait_for_text "Which provider is this account for?"
send_keys Down Down Enter
wait_for_text "Azure OpenAI account."
assert_screen_contains "deployment"
assert_screen_contains "2024-10-21"
type_text "azure-east"
send_keys Tab
type_text "$(sim_url azure)"
send_keys Tab
type_text "azure-key-0123456789"
send_keys Enter Enter Enter
wait_for_text "Optional limits for this account"
send_keys PageDown
wait_for_text "models found"
send_keys Enter
wait_for_text "Connection test"
send_keys Enter
wait_for_text "Account azure-east added"
assert_screen_contains "Azure" # the provider, in its short form at this width
assert_screen_contains "2 accounts"

# The CLI sees both, with their key hints only.
"$MMADMIN" account list | grep -q "azure-east" || fail "azure-east not in the catalog"
"$MMADMIN" account list | grep -q "prod-openai" || fail "prod-openai not in the catalog"

# --- Audit Log page
send_keys 6
wait_for_text "Audit Log"
wait_for_text "account azure-east"
assert_screen_contains "create"
send_keys Enter
wait_for_text "Before:"
assert_screen_contains "After:"
assert_screen_not_contains "azure-key-0123456789"
send_keys Escape
wait_for_gone "Before:"

send_keys q
wait_exit
pass
