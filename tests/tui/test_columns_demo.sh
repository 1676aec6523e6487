#!/bin/bash
# Columns by priority on demo-like data at 120x40 (issue 14, friction "columns by priority"):
# with long names, a disabled account with its reason, an unreachable account and tested
# accounts, the Accounts page keeps Key, RPM and TPM (Enabled and Last test take their compact
# form: "no", "✓ 216ms now") and the Models page drops Description, Type and Workspaces before
# it cuts a two-target fallback chain.
source "$(dirname "$0")/lib.sh"
start_sim
add_account anthropic-primary anthropic "sk-ant-demo-0123456789c9e2" \
    --endpoint "$(sim_url anthropic)" --rpm 300 --monthly-cap 1500
add_account prod-openai openai "sk-demo-prod-0123456789ab1f" \
    --endpoint "$(sim_url openai)" --rpm 600 --tpm 2000000 --monthly-cap 2000
add_account azure-eastus-production-01 azure-openai "azdemo0123456789abcd77aa" \
    --endpoint "$(sim_url azure)" --api-version 2024-10-21 --tpm 450000
add_account mistral-eu mistral "mis-demo-0123456789ab3f17" --endpoint "$(sim_url mistral)" --rpm 120
# nothing listens on port 9 (discard) on loopback: the monitor finds it unreachable
add_account local-vllm openai-compatible "" --endpoint "http://127.0.0.1:9/v1" 2>/dev/null ||
    add_account local-vllm openai-compatible "none-0123456789" --endpoint "http://127.0.0.1:9/v1"
"$MMADMIN" account test anthropic-primary >/dev/null
"$MMADMIN" account test prod-openai >/dev/null
"$MMADMIN" account test azure-eastus-production-01 >/dev/null 2>&1 || true
"$MMADMIN" account disable mistral-eu --reason "maintenance window until Friday" >/dev/null
"$MMADMIN" health config --probe-interval 1 --probe-timeout 2 --recent-window 60 \
    --unreachable-failed-probes 1 >/dev/null
"$MMADMIN" model add fast-chat --type chat \
    --description "Cheap, quick chat for assistants and internal tools" >/dev/null 2>&1
"$MMADMIN" target add fast-chat --account prod-openai --model gpt-4o-mini >/dev/null
"$MMADMIN" target add fast-chat --account anthropic-primary --model claude-3-5-haiku-20241022 \
    >/dev/null 2>&1
"$MMADMIN" model add document-embedding --type embedding \
    --description "Embeddings for search over internal documents" >/dev/null 2>&1
"$MMADMIN" target add document-embedding --account prod-openai \
    --model text-embedding-3-small >/dev/null 2>&1

TUI_COLS=120 TUI_ROWS=40
start_ui
wait_for_text "unreachable" 30
header=$(screen | grep -F "Name" | head -n 1)
for column in Key RPM TPM Enabled Status "Last test"; do
    grep -qF -- "$column" <<<"$header" || fail "Accounts at 120x40 lacks the $column column: $header"
done
screen | grep -F "prod-openai" | grep -qF "2M" || fail "the TPM of prod-openai does not show"
screen | grep -F "Azure" | grep -qF "450k" || fail "the TPM of azure-eastus-production-01 does not show"
screen | grep -F "Anthropic" | grep -qE "✓ [0-9]+ms now" ||
    fail "the last test does not take its compact form (✓ 216ms now)"
screen | grep -F "mistral-eu" | grep -qE " no +" || fail "the disabled account's Enabled is not 'no'"
assert_screen_not_contains "no: maintenance"

send_keys 2
wait_for_text "Fallback chain"
screen | grep -qF "gpt-4o-mini@prod-openai → claude-3-5-haiku-20241022@anthropic-primary" ||
    fail "the two-target chain of fast-chat is cut at 120x40"
assert_screen_not_contains "Description"
send_keys q
wait_exit
pass
