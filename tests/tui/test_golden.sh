#!/bin/bash
# Golden screens (tig's manner, issue 14): the real console on a deterministic catalog, a fixed
# clock (MM_FAKE_NOW_MS) and no prober (--read-only: nothing probes, nothing changes), each
# page captured whole at 80x24 and 120x40 and compared with tests/tui/golden/<page>-<size>.txt;
# a failure prints the diff. `make golden` (MM_GOLDEN_UPDATE=1) rewrites them after a
# deliberate change — read the diff before committing it.
source "$(dirname "$0")/lib.sh"
GOLDEN_DIR="$MM_SOURCE_DIR/tests/tui/golden"
export MM_FAKE_NOW_MS=1790000000000 # 2026-09-21 (a fixed clock for "3m ago" and the audit)
export SUDO_USER=admin              # the audit's actor and the header's user

add_account prod-openai openai "sk-prod-0123456789wxyz" --endpoint "http://127.0.0.1:9/openai" \
    --rpm 500 --tpm 200000 --monthly-cap 250
add_account claude-main anthropic "sk-ant-main-0123456789" \
    --endpoint "http://127.0.0.1:9/anthropic"
"$MMADMIN" model add fast-chat --type chat --description "quick answers" >/dev/null
"$MMADMIN" model add embed-docs --type embedding >/dev/null
"$MMADMIN" target add fast-chat --account prod-openai --model gpt-4o-mini >/dev/null 2>&1
"$MMADMIN" target add fast-chat --account claude-main --model claude-3-5-haiku-20241022 \
    >/dev/null 2>&1
"$MMADMIN" workspace add search --description "the search team" >/dev/null
"$MMADMIN" workspace add support >/dev/null
"$MMADMIN" entitle fast-chat search --rpm 60 >/dev/null
"$MMADMIN" prices import "$MM_SOURCE_DIR/data/prices.json" >/dev/null

# The screen with what differs between machines and runs made constant.
normalized() { screen | sed -e "s|$TUI_TMP|/tmp/golden|g"; }

failures=0
check() { # check NAME [popup]: compare (or, with MM_GOLDEN_UPDATE=1, write) the screen
    local want="$GOLDEN_DIR/$1.txt" got="$TUI_TMP/$1.txt"
    normalized >"$got"
    # A pop-up clears its rectangle: no page text beside it on its rows (issue 14).
    if [[ "${2:-}" == popup ]] && ! python3 "$MM_SOURCE_DIR/tests/tui/popup_margins.py" "$got"; then
        echo "FAIL: the pop-up of $1 leaves page text beside it" >&2
        failures=$((failures + 1))
    fi
    if [[ "${MM_GOLDEN_UPDATE:-}" == 1 ]]; then
        cp "$got" "$want"
        echo "wrote $want"
    elif ! diff -u "$want" "$got"; then
        echo "FAIL: the screen $1 differs from $want (above: - expected, + shown)" >&2
        failures=$((failures + 1))
    fi
}

for size in 80x24 120x40; do
    TUI_COLS=${size%x*} TUI_ROWS=${size#*x}
    START_UI_WAIT="READ-ONLY" start_ui --read-only
    wait_for_text "prod-openai"
    sleep 0.5
    check "accounts-$size"
    for page in 2:models:fast-chat 3:entitlements:search 5:workspaces:support \
        6:audit:entitle 7:prices:gpt-4o; do
        IFS=: read -r key name text <<<"$page"
        send_keys "$key"
        wait_for_text "$text"
        sleep 0.5
        check "$name-$size"
    done
    send_keys 6 Enter # the newest audit entry's detail
    wait_for_text "Audit entry"
    sleep 0.3
    check "audit-entry-$size" popup
    send_keys Escape 1 '?'
    wait_for_text "Not in read-only mode"
    sleep 0.3
    check "help-$size" popup
    send_keys Escape q
    wait_exit
done
[[ $failures == 0 ]] || fail "$failures screen(s) differ from tests/tui/golden"
pass
