#!/bin/bash
# Renders PNGs of the real console into screenshots/: a demo-like catalog served by mmsim, the
# console in tmux at 120x40 (8 colors), `capture-pane -e` to ANSI, ansilove to PNG. One PNG per
# page and per Add Account wizard step. Usage: scripts/screenshots.sh BUILD_DIR
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
OUT="$ROOT/screenshots"
export MMADMIN="$BUILD/mmadmin" MMSIM="$BUILD/mmsim"
for tool in tmux ansilove iconv; do
    command -v "$tool" >/dev/null || { echo "screenshots: $tool is needed (make deps)" >&2; exit 1; }
done
# shellcheck source=../tests/tui/lib.sh
source "$ROOT/tests/tui/lib.sh"
mkdir -p "$OUT"

# One screen to PNG. ansilove draws code page 437 and knows neither "default color" SGR (39/49,
# mapped to white on black) nor attributes carried across lines (reset at each line start);
# glyphs outside CP437 get a one-column stand-in so the columns stay aligned.
shot() {
    local name=$1 ans="$TUI_TMP/$1.ans"
    sleep 0.3
    tmux -L "$TUI_SOCK" capture-pane -e -p |
        sed -e 's/^/\x1b[0m/; s/\x1b\[49m/\x1b[40m/g; s/\x1b\[39m/\x1b[37m/g' -e 's/✓/√/g; s/✗/x/g; s/…/~/g; s/›/»/g; s/–/-/g; s/↵/«/g; s/▲/^/g; s/▼/v/g; s/→/>/g; s/↑/^/g; s/↓/v/g' \
            -e 's/•/∙/g; s/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/*/g' \
            -e 's/●/■/g; s/✖/x/g; s/○/o/g; s/[▁▂]/_/g; s/[▃▅]/▄/g; s/[▆▇]/█/g' |
        iconv -f UTF-8 -t CP437//TRANSLIT >"$ans"
    ansilove -q -c "$((TUI_COLS + 1))" -o "$OUT/$name.png" "$ans" >/dev/null
    echo "screenshots/$name.png"
}

demo_catalog() {
    add_account prod-openai openai "sk-demo-prod-0123456789ab1f" --endpoint "$(sim_url openai)" \
        --rpm 3000 --tpm 1000000 --monthly-cap 2500
    add_account anthropic-primary anthropic "sk-ant-demo-0123456789c9e2" \
        --endpoint "$(sim_url anthropic)" --rpm 1000 --monthly-cap 1500
    add_account azure-east azure-openai "azdemo0123456789abcd77aa" \
        --endpoint "$(sim_url azure)" --api-version 2024-10-21 --tpm 450000
    add_account gemini-dev gemini "AIzaDemo0123456789xyz4" --endpoint "$(sim_url gemini)"
    add_account mistral-eu mistral "mistral-demo-0123456789e0" --endpoint "$(sim_url mistral)"
    add_account cohere-legacy cohere "invalid-demo-key-0001" --endpoint "$(sim_url cohere)"
    for a in prod-openai anthropic-primary azure-east gemini-dev cohere-legacy; do
        "$MMADMIN" account test "$a" >/dev/null 2>&1 || true
    done
    "$MMADMIN" account disable mistral-eu --reason "EU data residency review" >/dev/null
}

# Logical models with chains, workspaces and entitlements (for the Models, Model Entitlements
# and Workspaces pages).
demo_models() {
    local mm=$MMADMIN
    "$mm" model add fast-chat --type chat --description "quick answers, low cost" >/dev/null
    "$mm" target add fast-chat --account prod-openai --model gpt-4o-mini >/dev/null
    "$mm" target add fast-chat --account anthropic-primary --model claude-3-5-haiku-20241022 \
        >/dev/null 2>&1
    "$mm" target add fast-chat --account azure-east --model gpt-4o-mini-prod >/dev/null 2>&1
    "$mm" model add long-context --type chat --description "big documents" >/dev/null
    "$mm" target add long-context --account gemini-dev --model gemini-1.5-pro >/dev/null 2>&1
    "$mm" target add long-context --account anthropic-primary \
        --model claude-sonnet-4-20250514 >/dev/null 2>&1
    "$mm" model add embed-docs --type embedding --description "search index" >/dev/null
    "$mm" target add embed-docs --account prod-openai --model text-embedding-3-small >/dev/null
    "$mm" model add draft-images --type image >/dev/null
    "$mm" workspace add search-team --description "web search and ranking" >/dev/null
    "$mm" workspace add support-bot --description "customer support assistant" >/dev/null
    "$mm" workspace add data-science >/dev/null
    "$mm" entitle fast-chat support-bot --rpm 600 --tpm 200000 --monthly-tokens 50000000 >/dev/null
    "$mm" entitle fast-chat search-team --rpm 120 >/dev/null
    "$mm" entitle embed-docs search-team --tpm 1000000 >/dev/null
    "$mm" entitle long-context data-science --monthly-tokens 20000000 >/dev/null
}

start_sim
demo_catalog
demo_models
# probes every 2 s, so cohere-legacy's wrong key turns unreachable and raises an alert (header
# slot, Alerts page) before the page shots
"$MMADMIN" health config --probe-interval 2 >/dev/null
export LC_ALL=C.UTF-8
TUI_TERM=screen # 8 colors: ansilove reads only the 16-color SGR codes
start_ui
wait_for_text "prod-openai"
shot accounts

send_keys a
wait_for_text "Which provider is this account for?"
send_keys Down Down
shot wizard-1-provider
send_keys Enter
wait_for_text "Azure OpenAI account."
type_text "azure-west"
send_keys Tab
type_text "$(sim_url azure)"
send_keys Tab
type_text "azdemo-west-0123456789"
shot wizard-2-credentials
send_keys PageDown
wait_for_text "Optional limits for this account"
type_text "600"
send_keys Tab
type_text "abc"
send_keys Tab
type_text "800"
send_keys PageDown
wait_for_text "whole number"
shot wizard-3-limits
send_keys C-u
type_text "240000"
send_keys PageDown
wait_for_text "models found"
shot wizard-4-test
send_keys Enter
wait_for_text "Connection test"
shot wizard-5-save
send_keys Enter
wait_for_text "Account azure-west added"
shot accounts-added

send_keys j j j j j
send_keys Enter
wait_for_text "Edit account"
shot account-edit
send_keys Escape
wait_for_gone "Edit account"
send_keys Home j j j j j # mistral-eu: no target uses it, so delete asks (an account in use is refused first)
wait_for_text "EU data residency"
send_keys d
wait_for_text "Delete account?"
shot account-delete
send_keys n
wait_for_gone "Delete account?"
send_keys "?"
wait_for_text "Help: Provider Accounts"
shot help
send_keys Escape
wait_for_gone "Help: Provider Accounts"

wait_for_text "ALERTS 1: critical provider_unreachable cohere-legacy" 30
for page in 2:models 3:entitlements 4:health 5:workspaces 7:prices 8:alerts 6:audit; do
    send_keys "${page%%:*}"
    sleep 0.5
    shot "page-${page#*:}"
done
send_keys Enter
wait_for_text "Before:"
shot audit-entry
send_keys Escape

# the Models page's targets editor, its account picker, and the entitlement views
wait_for_gone "Before:"
send_keys 2
wait_for_text "fast-chat"
send_keys Down Down Enter
wait_for_text "Fallback chain of fast-chat"
shot models-chain
send_keys a
wait_for_text "Step 1 of 2"
shot models-target-account
send_keys Escape
wait_for_gone "Step 1 of 2"
send_keys w
wait_for_text "may use fast-chat"
shot entitlements-by-model
send_keys Down Down Enter
wait_for_text "Limits of support-bot"
shot entitlements-limits
send_keys Escape
wait_for_gone "Limits of"
send_keys v
wait_for_text "may use the models marked"
shot entitlements-by-workspace
send_keys 2 Escape

# the Provider Health page's detail of its first account
send_keys 4
wait_for_text "p95 1h"
send_keys Enter
wait_for_text "Health of"
shot health-detail
send_keys Escape
wait_for_gone "Health of"

send_keys 1
tmux -L "$TUI_SOCK" resize-window -x 80 -y 24
TUI_COLS=80
wait_for_text "1 Accounts"
shot accounts-80x24
tmux -L "$TUI_SOCK" resize-window -x 60 -y 20
TUI_COLS=60
wait_for_text "terminal too small"
shot too-small
send_keys q

# The Provider Health page and an account's detail from the real demo (`mmadmin --demo`: the
# simulator's scenario and the load generator through the router), once OpenAI has degraded.
if [[ "${SCREENSHOTS_SKIP_DEMO:-0}" != 1 ]]; then
    wait_exit
    tmux -L "$TUI_SOCK" kill-server 2>/dev/null || true
    TUI_COLS=120
    TUI_ROWS=40
    START_UI_WAIT="Provider Health" start_ui --demo
    echo "screenshots: waiting for the demo scenario to degrade a provider (about a minute)"
    wait_for_text "▲ degraded" 180
    sleep 5 # a few more rounds of figures
    shot page-health
    send_keys /
    type_text "prod-openai"
    send_keys Enter Enter
    wait_for_text "Health of"
    shot health-detail
    send_keys Escape
    wait_for_gone "Health of"
    send_keys Escape 2
    wait_for_text "high-quality-reasoning"
    shot demo-models
    send_keys q
    wait_exit
fi
