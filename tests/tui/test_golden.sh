#!/bin/bash
# Golden screens (tig's manner, issue 14): the real console on a deterministic catalog, a fixed
# clock (MM_FAKE_NOW_MS) and no prober (--read-only: nothing probes, nothing changes), each
# page captured whole at 80x24 and 120x40 and compared with tests/tui/golden/<page>-<size>.txt;
# then, in a writable console whose accounts are disabled (nothing to probe), each step of the
# Add Account wizard and each confirmation (discard, delete an account in use, revoke access);
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
# ---- the wizard's steps and the confirmations: a writable console. Every account is disabled,
# so the prober has nothing to probe and the screens stay still; mmsim answers the wizard's
# connection test. The header (prober state) and the test's latency and port are made constant.
start_sim
for acct in prod-openai claude-main; do
    "$MMADMIN" account disable "$acct" --reason "golden screens" >/dev/null
done
normalized() { # the header, the port and latencies made constant, each line keeping its width
    screen | sed -e "s|$TUI_TMP|/tmp/golden|g" |
        python3 "$MM_SOURCE_DIR/tests/tui/golden_normalize.py" "$SIM_PORT"
}

for size in 80x24 120x40; do
    TUI_COLS=${size%x*} TUI_ROWS=${size#*x}
    wizard_popup=popup # at 80x24 the wizard takes the whole screen: no pop-up to check
    [[ $size == 80x24 ]] && wizard_popup=""
    start_ui
    wait_for_text "prod-openai"
    # the Add Account wizard, step by step; Esc on the last asks before discarding
    send_keys a
    wait_for_text "Which provider is this account for?"
    sleep 0.3
    check "wizard-provider-$size" $wizard_popup
    send_keys Enter
    wait_for_text "OpenAI account."
    type_text "new-openai"
    send_keys Tab
    type_text "sk-golden-0123456789abcd"
    wait_for_text "hidden: 24 characters typed"
    send_keys Tab
    type_text "$(sim_url openai)"
    sleep 0.3
    check "wizard-credentials-$size" $wizard_popup
    send_keys Enter Enter
    wait_for_text "Optional limits for this account"
    type_text "500"
    send_keys Tab
    type_text "200k"
    send_keys Tab
    type_text "250"
    sleep 0.3
    check "wizard-limits-$size" $wizard_popup
    send_keys Enter
    wait_for_text "models found"
    sleep 0.3
    check "wizard-test-$size" $wizard_popup
    send_keys Enter
    wait_for_text "Connection test"
    sleep 0.3
    check "wizard-save-$size" $wizard_popup
    send_keys Escape
    wait_for_text "Discard this account?"
    sleep 0.3
    check "confirm-discard-account-$size" popup
    send_keys y
    wait_for_gone "Discard this account?"
    # delete an account in use: said (with the way out) before any "cannot be undone"
    send_keys Home d
    wait_for_text "Account in use"
    sleep 0.3
    check "confirm-delete-account-in-use-$size" popup
    send_keys Enter
    wait_for_gone "Account in use"
    # Esc on an edit form with a change
    send_keys Home Enter
    wait_for_text "Edit account claude-main"
    type_text "x"
    send_keys Escape
    wait_for_text "Discard changes?"
    sleep 0.3
    check "confirm-discard-changes-$size" popup
    send_keys y
    wait_for_gone "Edit account claude-main"
    # revoke an entitlement with limits
    send_keys 3
    wait_for_text "embed-docs"
    send_keys Down
    wait_for_text "[x] search"
    send_keys Right Space
    wait_for_text "Revoke access?"
    sleep 0.3
    check "confirm-revoke-access-$size" popup
    send_keys n
    wait_for_gone "Revoke access?"
    send_keys q
    wait_exit
done

[[ $failures == 0 ]] || fail "$failures screen(s) differ from tests/tui/golden"
pass
