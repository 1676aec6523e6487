#!/bin/bash
# The frame: / filter narrows rows, s sorts, help lists the page's keys, pages switch with
# 1-6 (pages not built show their note), resize to 80x24, to 60x20 (too-small note) and back,
# read-only mode refuses every edit key with a note, q quits and restores the terminal, and
# SIGTERM leaves cleanly too.
source "$(dirname "$0")/lib.sh"
start_sim
for name in web-openai batch-openai claude-main; do
    provider=openai
    [[ $name == claude-main ]] && provider=anthropic
    add_account "$name" "$provider" "sk-$name-0123456789" --endpoint "$(sim_url $provider)"
done
start_ui
wait_for_text "3 accounts"

# --- filter
send_keys /
type_text "openai"
wait_for_text "filter: openai"
assert_screen_contains "(2 of 3)"
assert_screen_not_contains "claude-main"
send_keys Enter
send_keys Escape
wait_for_text "claude-main"

# --- sort by the first column: batch-openai comes before web-openai
send_keys s
wait_for_text "sorted by Name"
first=$(screen | grep -n -E "batch-openai|web-openai" | head -n 1)
[[ "$first" == *batch-openai* ]] || fail "sorting by name did not put batch-openai first"

# --- help
send_keys "?"
wait_for_text "Help: Provider Accounts"
assert_screen_contains "add an account with the guided wizard"
assert_screen_contains "filter"
send_keys Escape
wait_for_gone "Help: Provider Accounts"

# --- pages
send_keys 6
wait_for_text "Audit Log"
send_keys 1
wait_for_text "claude-main"

# --- resize: 80x24 works, 60x20 says too small, back to 120x40
tmux -L "$TUI_SOCK" resize-window -x 80 -y 24
wait_for_text "1 Accounts"
assert_screen_contains "claude-main"
tmux -L "$TUI_SOCK" resize-window -x 60 -y 20
wait_for_text "terminal too small (needs 80x24)"
tmux -L "$TUI_SOCK" resize-window -x 150 -y 40
wait_for_text "1 Provider Accounts"
wait_for_gone "terminal too small"
tmux -L "$TUI_SOCK" resize-window -x 120 -y 40
wait_for_text "Endpoint"

# --- resize inside the wizard: it stays open with what was typed
send_keys a Enter
wait_for_text "OpenAI account."
type_text "resized-acct"
tmux -L "$TUI_SOCK" resize-window -x 80 -y 24
wait_for_text "resized-acct"
tmux -L "$TUI_SOCK" resize-window -x 60 -y 20
wait_for_text "terminal too small"
tmux -L "$TUI_SOCK" resize-window -x 120 -y 40
wait_for_text "resized-acct"
assert_screen_contains "step 2 of 5"
send_keys Escape
wait_for_text "Discard this account?"
send_keys y
wait_for_gone "step 2 of 5"

# --- q quits and the terminal is restored (the console's screen is gone)
send_keys q
wait_exit
assert_screen_not_contains "Provider Accounts"

# --- read-only: edit keys refused with a note
tmux -L "$TUI_SOCK" kill-server 2>/dev/null || true
start_ui --read-only
wait_for_text "[READ-ONLY]"
send_keys a
wait_for_text "Read-only: adding an account is disabled"
send_keys d
wait_for_text "Read-only: deleting is disabled"
assert_screen_not_contains "Delete provider account"
send_keys Enter
wait_for_text "Read-only: editing is disabled"

# --- SIGTERM (an SSH session dropped) leaves cleanly
kill -TERM "$(ui_pid)"
wait_exit
pass
