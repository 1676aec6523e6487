#!/bin/bash
# The Models page and its targets editor against mmsim: a model is created with the form (a bad
# name refused at the field), a 3-target chain is built by picking accounts and their discovered
# models (and a typed name for an untested account, with its warning), reordered with K/J (the
# numbered chain on screen and in `model show --json` agree), a target is removed, a chat model
# pointed at an embedding model is warned about, and a model with entitlements is deleted after
# a confirmation that names the counts.
source "$(dirname "$0")/lib.sh"
start_sim

add_account prod-openai openai sk-test-openai-0001 --endpoint "$(sim_url openai)"
add_account anthropic-primary anthropic sk-ant-test-0002 --endpoint "$(sim_url anthropic)"
add_account mistral-eu mistral mistral-test-0003 --endpoint "$(sim_url mistral)"
"$MMADMIN" account test prod-openai >/dev/null
"$MMADMIN" account test anthropic-primary >/dev/null
# mistral-eu is left untested: it has no discovered models, so its model name is typed.

chain_json() { # prints "model@account ..." in priority order, as the CLI sees it
    "$MMADMIN" model show fast-chat --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert [t["priority"] for t in d["targets"]] == list(range(1, len(d["targets"]) + 1))
print(" ".join(t["model"] + "@" + t["account"] for t in d["targets"]))'
}
expect_chain() {
    local got
    got=$(chain_json)
    [[ "$got" == "$1" ]] || fail "chain is '$got', expected '$1'"
}

start_ui
send_keys 2
wait_for_text "No logical models yet"

# --- New model: the form explains the naming, refuses a bad name at the field
send_keys a
wait_for_text "New logical model"
assert_screen_contains "rather than for a provider model"
type_text "Fast Chat"
send_keys Enter Enter Enter
wait_for_text "must start with a lowercase letter"
send_keys Up Up C-u
type_text "fast-chat"
send_keys Tab Space
wait_for_text "embedding"
send_keys Left Tab
type_text "quick answers, low cost"
send_keys Enter
wait_for_text "Created fast-chat with no entitlements"
assert_screen_contains "(no targets)"
[[ "$("$MMADMIN" model show fast-chat --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["type"])')" == chat ]] ||
    fail "the model is not a chat model"

# --- Targets editor: empty chain warning
send_keys Enter
wait_for_text "Fallback chain of fast-chat (chat)"
assert_screen_contains "The chain is empty"

# target 1: prod-openai / gpt-4o (picked from the discovered models with the filter)
send_keys a
wait_for_text "Step 1 of 2"
assert_screen_contains "anthropic-primary"
send_keys /
type_text "prod-openai"
send_keys Enter Enter
wait_for_text "Step 2 of 2"
assert_screen_contains "gpt-4o-mini"
assert_screen_contains "Type another name"
send_keys /
type_text "gpt-4o"
send_keys Enter Enter
wait_for_text "1. gpt-4o @ prod-openai"
assert_screen_contains "whole chain depends on one account (prod-openai)"

# target 2: anthropic-primary / claude-sonnet-4-20250514
send_keys a
wait_for_text "Step 1 of 2"
send_keys /
type_text "anthropic"
send_keys Enter Enter
wait_for_text "Step 2 of 2"
send_keys /
type_text "claude-sonnet-4"
send_keys Enter Enter
wait_for_text "2. claude-sonnet-4-20250514 @ anthropic-primary"
assert_screen_not_contains "depends on one account"

# target 3: mistral-eu has no discovered models: the name is typed and the confirmation warns
send_keys a
wait_for_text "Step 1 of 2"
send_keys /
type_text "mistral"
send_keys Enter Enter
wait_for_text "Provider model"
assert_screen_contains "mistral-large-latest or mistral-embed"
type_text "mistral-large-latest"
send_keys Enter
wait_for_text "Add this target?"
assert_screen_contains "has no discovered models yet"
send_keys y
wait_for_text "3. mistral-large-latest @ mistral-eu"
expect_chain "gpt-4o@prod-openai claude-sonnet-4-20250514@anthropic-primary mistral-large-latest@mistral-eu"

# --- Reorder: target 3 up (K), then target 1 down (J)
send_keys K
wait_for_text "2. mistral-large-latest @ mistral-eu"
assert_screen_contains "3. claude-sonnet-4-20250514 @ anthropic-primary"
expect_chain "gpt-4o@prod-openai mistral-large-latest@mistral-eu claude-sonnet-4-20250514@anthropic-primary"
send_keys Home J
wait_for_text "2. gpt-4o @ prod-openai"
assert_screen_contains "1. mistral-large-latest @ mistral-eu"
expect_chain "mistral-large-latest@mistral-eu gpt-4o@prod-openai claude-sonnet-4-20250514@anthropic-primary"

# --- A chat model on an embedding model: warned before adding; "Cancel" adds nothing
send_keys a
wait_for_text "Step 1 of 2"
send_keys /
type_text "prod-openai"
send_keys Enter Enter
wait_for_text "Step 2 of 2"
assert_screen_contains "embedding model?"
send_keys /
type_text "text-embedding-3-small"
send_keys Enter Enter
wait_for_text "looks like an embedding model"
send_keys n
wait_for_gone "Add this target?"
expect_chain "mistral-large-latest@mistral-eu gpt-4o@prod-openai claude-sonnet-4-20250514@anthropic-primary"

# --- Remove asks first; a 4th target added then removed leaves the 3-target chain
send_keys a
wait_for_text "Step 1 of 2"
send_keys /
type_text "anthropic"
send_keys Enter Enter
wait_for_text "Step 2 of 2"
send_keys /
type_text "claude-opus"
send_keys Enter Enter
wait_for_text "4. claude-opus-4-20250514 @ anthropic-primary"
send_keys d
wait_for_text "Remove target 4 (claude-opus-4-20250514 @ anthropic-primary)"
send_keys y
wait_for_text "Removed claude-opus-4-20250514 @ anthropic-primary"
assert_screen_not_contains "4. claude-opus"
expect_chain "mistral-large-latest@mistral-eu gpt-4o@prod-openai claude-sonnet-4-20250514@anthropic-primary"

# --- Help lists the editor's keys
send_keys '?'
wait_for_text "move the selected target up"
assert_screen_contains "remove the selected target"
send_keys Escape
wait_for_gone "move the selected target up"

# --- Back to the table: the chain at a glance
send_keys Escape
wait_for_text "mistral-large-latest@mistral-eu → gpt-4o"

# --- Edit: a change made meanwhile by someone else is not overwritten
send_keys e
wait_for_text "Edit model fast-chat"
"$MMADMIN" model edit fast-chat --description "changed from the CLI" >/dev/null
send_keys Down Down C-u
type_text "my description"
send_keys Enter
wait_for_text "Not saved"
assert_screen_contains "another session changed this model since you opened it"
assert_screen_contains "my description" # what was typed is kept
send_keys Escape # a changed form asks before discarding
wait_for_text "Discard changes?"
send_keys y
wait_for_gone "Edit model fast-chat"
send_keys e # the list behind follows the change (Description is dropped at this width)
wait_for_text "Edit model fast-chat"
assert_screen_contains "changed from the CLI"
send_keys Escape
wait_for_gone "Edit model fast-chat"

# --- Delete a model with entitlements: the confirmation names the counts; n keeps it
"$MMADMIN" workspace add team-a >/dev/null
"$MMADMIN" workspace add team-b >/dev/null
"$MMADMIN" entitle fast-chat team-a --rpm 60 >/dev/null
"$MMADMIN" entitle fast-chat team-b >/dev/null
send_keys 1 2
wait_for_text "Fallback chain"
send_keys d
wait_for_text "With it go its 3 targets and 2 entitlements"
assert_screen_contains "team-a, team-b"
send_keys n
wait_for_text "Kept fast-chat"
"$MMADMIN" model show fast-chat >/dev/null || fail "the model went although kept"
send_keys d
wait_for_text "With it go its 3 targets and 2 entitlements"
send_keys y
wait_for_text "Model fast-chat deleted with 3 targets and 2 entitlements"
[[ "$("$MMADMIN" entitlements --json)" == "[]" ]] || fail "entitlements are left"
"$MMADMIN" model show fast-chat >/dev/null 2>&1 && fail "the model is still there"

send_keys q
wait_exit

# --- Read-only: the pages and the chain can be viewed, nothing can be changed
"$MMADMIN" model add embed-docs --type embedding >/dev/null
start_ui --read-only
send_keys 2
wait_for_text "embed-docs"
send_keys a
wait_for_text "Read-only: creating a model is disabled"
send_keys Enter
wait_for_text "Fallback chain of embed-docs"
send_keys a
wait_for_text "Read-only: adding a target is disabled"
send_keys '?'
wait_for_text "(disabled: read-only)"
send_keys Escape
wait_for_gone "(disabled: read-only)"
send_keys Escape
wait_for_text "embed-docs"
send_keys d
wait_for_text "Read-only: deleting a model is disabled"
"$MMADMIN" model show embed-docs >/dev/null || fail "the model went in read-only mode"
send_keys q
wait_exit
pass
