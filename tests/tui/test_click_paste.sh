#!/bin/bash
# A mouse click is one action (issue 14 item 4): clicking "w Access" on the Models page opens
# Model Entitlements on the press, and the release, landing on that page's "/ Filter", does
# nothing. A bracketed paste is one value (item 3): a key with a line break inside is refused
# at its field and goes nowhere else, a secret field never echoes the paste, a paste with
# spaces around it is trimmed with a note, and a filter takes a paste as text.
source "$(dirname "$0")/lib.sh"
"$MMADMIN" model add fast-chat --type chat >/dev/null
"$MMADMIN" workspace add team-a >/dev/null

# click ROW COL (0-based): press, then release, in the terminal's X10 mouse encoding
click() {
    local b
    b=$(printf "\\$(printf '%03o' $((33 + $2)))\\$(printf '%03o' $((33 + $1)))")
    type_text $'\e[M '"$b"
    type_text $'\e[M#'"$b"
}
paste() { # paste TEXT the way a terminal does: marked (tmux adds ESC[200~ ESC[201~ when asked)
    tmux -L "$TUI_SOCK" set-buffer -- "$1"
    tmux -L "$TUI_SOCK" paste-buffer -p -t main
}

start_ui
send_keys 2
wait_for_text "fast-chat"
bar=$(screen | tail -n 1)
prefix=${bar%%Access*}
[[ "$prefix" != "$bar" ]] || fail "no Access key in the bar"
col=$(($(printf '%s' "$prefix" | wc -m) - 2)) # on the key letter before the label
click $((TUI_ROWS - 1)) "$col"
wait_for_text "have no access to it"
sleep 0.3
assert_screen_not_contains "filter:"

# --- paste into the wizard's key field: a line break inside is refused, nothing moves on
send_keys 1
wait_for_text "Provider Accounts"
send_keys a
wait_for_text "Which provider is this account for?"
send_keys Enter # OpenAI, the first provider
wait_for_text "OpenAI account."
type_text "prod-openai"
send_keys Tab
paste $'sk-first-half-0123\nsecond-half-4567'
wait_for_text "The paste was refused: it has a space, tab or line break inside"
assert_screen_not_contains "second-half"
assert_screen_not_contains "sk-first"
# --- surrounding whitespace is trimmed, said, and the secret stays hidden
paste $'  sk-pasted-0123456789abcd\n'
wait_for_text "without the spaces or line breaks around it"
wait_for_text "hidden: 24 characters typed"
assert_screen_not_contains "sk-pasted"
send_keys Escape
wait_for_text "Discard this account?"
send_keys y
wait_for_gone "Discard this account?"

# --- a filter takes a paste as its text
send_keys 2
wait_for_text "fast-chat"
send_keys /
paste "fast"
wait_for_text "filter: fast"
send_keys Escape Escape
send_keys q
wait_exit
pass
