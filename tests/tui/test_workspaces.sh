#!/bin/bash
# The Workspaces page: create with the form (a bad name refused at the field), rename and
# describe, delete after a confirmation that names the entitlements going with it (n keeps it),
# `w` opens its models on the Model Entitlements page; and at 80x24 the Models, Workspaces and
# Model Entitlements pages (and the targets editor) lay out without overlap.
source "$(dirname "$0")/lib.sh"

"$MMADMIN" model add fast-chat --type chat >/dev/null
"$MMADMIN" model add embed-docs --type embedding >/dev/null

start_ui
send_keys 5
wait_for_text "No workspaces yet"

# --- create: a bad name is refused at the field and nothing is saved
send_keys a
wait_for_text "New workspace"
type_text "Search Team"
send_keys Enter Enter
wait_for_text "must start with a lowercase letter"
[[ "$("$MMADMIN" workspace list --json)" == "[]" ]] || fail "a workspace was saved"
send_keys C-u
type_text "search-team"
send_keys Tab
type_text "web search"
send_keys Enter
wait_for_text "Created workspace search-team"
assert_screen_contains "nothing yet"
"$MMADMIN" workspace show search-team >/dev/null || fail "search-team was not created"

# --- rename and describe (its entitlements follow)
"$MMADMIN" entitle fast-chat search-team --rpm 10 >/dev/null
"$MMADMIN" entitle embed-docs search-team >/dev/null
send_keys Escape 1 5
wait_for_text "search-team"
assert_screen_contains "embed-docs, fast-chat"
send_keys Enter
wait_for_text "Edit workspace search-team"
send_keys C-u
type_text "search"
send_keys Tab C-u
type_text "search and ranking"
send_keys Enter
wait_for_text "Workspace search saved"
assert_screen_contains "search and ranking"
"$MMADMIN" workspace show search --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["description"] == "search and ranking", d' || fail "the rename did not land"
[[ $("$MMADMIN" entitlements --json | python3 -c 'import json,sys; print(len([e for e in json.load(sys.stdin) if e["workspace"] == "search"]))') == 2 ]] ||
    fail "the entitlements did not follow the rename"

# --- w: the models it may use
send_keys w
wait_for_text "search may use the models marked [x]"
assert_screen_contains "[x] fast-chat"
send_keys 5
wait_for_text "search and ranking"

# --- at 80x24 every page of ours fits: borders intact, no line wider than the terminal
check_80x24() {
    local lines
    lines=$(screen)
    [[ $(echo "$lines" | wc -l) -le 24 ]] || fail "more than 24 lines"
    echo "$lines" | python3 -c 'import sys; sys.exit(any(len(l.rstrip("\n")) > 80 for l in sys.stdin))' ||
        fail "a line is wider than 80 columns"
    echo "$lines" | sed -n 2p | grep -q "┐┌" || fail "the pane's top border is broken"
    echo "$lines" | sed -n 22p | grep -q "┘└" || fail "the pane's bottom border is broken"
}
tmux -L "$TUI_SOCK" resize-window -t 0 -x 80 -y 24
wait_for_text "─┐┌─ Workspaces" # the sidebar is narrower at 80 columns
assert_screen_contains "embed-docs, fast-chat"
check_80x24
send_keys 2
wait_for_text "fast-chat"
check_80x24
send_keys Enter
wait_for_text "Fallback chain of embed-docs"
assert_screen_contains "The chain is empty"
check_80x24
send_keys Escape 3 # still the reverse view opened by w above
wait_for_text "search may use the models marked [x]; no access to [ ]"
assert_screen_contains "Enter sets limits"
check_80x24
send_keys Right Enter
wait_for_text "Limits of search on embed-docs"
check_80x24
send_keys Escape
wait_for_gone "Limits of search"
send_keys v
wait_for_text "[x] may use embed-docs; [ ] have no access to it"
assert_screen_contains "[x] search"
check_80x24
tmux -L "$TUI_SOCK" resize-window -t 0 -x 120 -y 40
send_keys 5
wait_for_text "search and ranking"

# --- delete names the entitlements that go; n keeps it, y deletes
send_keys d
wait_for_text "Its 2 entitlements go with it"
assert_screen_contains "embed-docs, fast-chat"
send_keys n
wait_for_text "Kept search"
"$MMADMIN" workspace show search >/dev/null || fail "kept, yet gone"
send_keys d
wait_for_text "Its 2 entitlements go with it"
send_keys y
wait_for_text "Workspace search deleted with 2 entitlements"
wait_for_text "No workspaces yet"
[[ "$("$MMADMIN" workspace list --json)" == "[]" ]] || fail "the workspace is still there"
[[ "$("$MMADMIN" entitlements --json)" == "[]" ]] || fail "its entitlements are left"

send_keys q
wait_exit
pass
