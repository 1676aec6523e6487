#!/bin/bash
# Read-only mode and the key tables: with --read-only the bottom bar of every page (and of the
# targets editor) offers no edit key, while the same bar offers them in a writable session;
# each edit key (its letter, its F-key, its second key) answers with the read-only note and
# changes nothing in the catalog; help lists the edit keys apart, marked disabled.
source "$(dirname "$0")/lib.sh"

add_account web-openai openai "sk-web-openai-0123456789"
"$MMADMIN" model add fast-chat --type chat >/dev/null
"$MMADMIN" target add fast-chat --account web-openai --model gpt-4o-mini >/dev/null
"$MMADMIN" target add fast-chat --account web-openai --model gpt-4o >/dev/null
"$MMADMIN" workspace add team-a >/dev/null
"$MMADMIN" entitle fast-chat team-a --rpm 60 >/dev/null

catalog_state() { # everything a key could change, as JSON
    "$MMADMIN" account list --json
    "$MMADMIN" model list --json
    "$MMADMIN" model show fast-chat --json
    "$MMADMIN" workspace list --json
    "$MMADMIN" entitlements --json
}

bar() { screen | tail -n 1; }

# bar_lacks LABEL...: none of the labels is a word of the bottom bar.
bar_lacks() {
    local line
    line=$(bar)
    for label in "$@"; do
        if grep -qw -- "$label" <<<"$line"; then fail "the bar offers $label: $line"; fi
    done
}

# bar_has LABEL...: every label is on the bottom bar.
bar_has() {
    local line
    line=$(bar)
    for label in "$@"; do
        grep -qF -- "$label" <<<"$line" || fail "the bar lacks $label: $line"
    done
}

# refused KEY WHAT: the key answers "Read-only: WHAT is disabled" (the message is cleared
# first by F12, a key nothing uses, so each answer is the key's own).
refused() {
    send_keys F12
    wait_for_gone "Read-only:"
    send_keys "$1"
    wait_for_text "Read-only: $2 is disabled"
}

# --- a writable session offers the edit keys (so the checks below can fail)
start_ui
wait_for_text "web-openai"
bar_has "Add" "Edit" "Enable" "Disable" "Delete"
send_keys q
wait_exit

before=$(catalog_state)
start_ui --read-only
wait_for_text "[READ-ONLY]"

# --- 1 Provider Accounts
wait_for_text "web-openai"
bar_lacks Add Edit Enable Disable Delete
bar_has "Help" "Filter" "Test" "Sort" "Quit"
refused a "adding an account"
refused F2 "adding an account"
refused Enter "editing"
refused x "enabling"
refused e "editing"
refused o "disabling"
refused d "deleting"
refused F9 "deleting"
assert_screen_not_contains "Delete provider account"

# --- help: the edit keys apart, marked disabled
send_keys '?'
wait_for_text "Not in read-only mode"
assert_screen_contains "(disabled: read-only)"
send_keys Escape
wait_for_gone "Not in read-only mode"

# --- 2 Models, and the targets editor of fast-chat
send_keys 2
wait_for_text "Chain"
bar_lacks New Edit Delete
bar_has "Chain" "Access"
refused a "creating a model"
refused e "editing a model"
refused d "deleting a model"
send_keys Enter
wait_for_text "Fallback chain of fast-chat"
bar_lacks Add Up Down Edit Remove
bar_has "Access" "Back"
refused a "adding a target"
refused K "reordering the chain"
refused J "reordering the chain"
refused S-Down "reordering the chain"
refused e "editing a model"
refused d "removing a target"
refused DC "removing a target"
send_keys Escape
wait_for_gone "Fallback chain of fast-chat"

# --- 3 Model Entitlements
send_keys 3
wait_for_text "Swap view"
bar_lacks Grant/Revoke Limits
bar_has "Swap view"
send_keys Right
refused Space "changing access"
refused Enter "editing limits"

# --- 5 Workspaces
send_keys 5
wait_for_text "Workspaces ·"
bar_lacks New Edit Delete
bar_has "Access"
refused a "creating a workspace"
refused Enter "editing a workspace"
refused e "editing a workspace"
refused d "deleting a workspace"

# --- 6 Audit Log has no edit key: its bar is unchanged
send_keys 6
wait_for_text "Reload"
bar_has "Details" "Reload"

after=$(catalog_state)
[[ "$before" == "$after" ]] || fail "the catalog changed in read-only mode"
send_keys q
wait_exit
pass
