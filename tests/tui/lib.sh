# Shared helpers for the console's tmux-driven tests: a temp catalog and master key, mmsim on
# a free port, the real mmadmin in a private tmux server, keys in, screen text out.
# Usage: source "$(dirname "$0")/lib.sh"; then start_sim, start_ui, send_keys, wait_for_text...
set -euo pipefail

: "${MMADMIN:?set MMADMIN to the mmadmin binary}"
: "${MMSIM:?set MMSIM to the mmsim binary}"

TUI_TMP=$(mktemp -d "${TMPDIR:-/tmp}/mmtui.XXXXXX")
TUI_SOCK="mmtest-$$"
TUI_COLS=120
TUI_ROWS=40
TUI_TERM="${TUI_TERM:-}" # set (e.g. "screen") to force the console's TERM
SIM_PID=""
SIM_PORT=""
export MM_DB="$TUI_TMP/catalog.db"
# Under tests/postgres/run.sh (ctest label postgres) the catalog is the test's PostgreSQL database.
[[ -n ${MM_PG_ADDRESS:-} ]] && export MM_DB=$MM_PG_ADDRESS
MM_MASTER_KEY=$(head -c 32 /dev/urandom | base64)
export MM_MASTER_KEY
export LC_ALL=C.UTF-8

tui_cleanup() {
    tmux -L "$TUI_SOCK" kill-server 2>/dev/null || true
    if [[ -n "$SIM_PID" ]]; then
        kill "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
    fi
    rm -rf "$TUI_TMP"
}
trap tui_cleanup EXIT

# Prints the screen and the console's stderr, then fails the test.
fail() {
    echo "FAIL: $*" >&2
    echo "--- screen:" >&2
    screen >&2 || true
    echo "--- mmadmin stderr:" >&2
    cat "$TUI_TMP/ui.err" >&2 2>/dev/null || true
    exit 1
}

start_sim() {
    "$MMSIM" --port 0 --quiet >"$TUI_TMP/sim.out" 2>"$TUI_TMP/sim.err" &
    SIM_PID=$!
    for _ in $(seq 1 100); do
        SIM_PORT=$(head -n 1 "$TUI_TMP/sim.out" 2>/dev/null || true)
        [[ "$SIM_PORT" =~ ^[0-9]+$ ]] && return 0
        sleep 0.05
    done
    echo "mmsim did not print its port" >&2
    cat "$TUI_TMP/sim.err" >&2
    exit 1
}

sim_url() { # sim_url openai -> http://127.0.0.1:PORT/openai
    echo "http://127.0.0.1:$SIM_PORT/$1"
}

# Adds an account through the CLI: add_account NAME PROVIDER KEY [more CLI options...]
add_account() {
    local name=$1 provider=$2 key=$3
    shift 3
    TUI_KEY="$key" "$MMADMIN" account add "$name" --provider "$provider" --api-key-env TUI_KEY \
        "$@" >/dev/null
}

# Starts the console in a private tmux server: start_ui [mmadmin global options...]
start_ui() {
    rm -f "$TUI_TMP/ui.exit"
    local args=""
    for a in "$@"; do args+=" $(printf '%q' "$a")"; done
    tmux -L "$TUI_SOCK" kill-session -t main 2>/dev/null || true # a console started before
    # with its last session gone the tmux server exits: a new-session meanwhile fails ("server
    # exited unexpectedly"), so wait until it is gone (or other sessions keep it)
    local left
    for _ in $(seq 1 100); do
        left=$(tmux -L "$TUI_SOCK" list-sessions -F x 2>/dev/null) || break
        [[ -n $left ]] && break
        sleep 0.02
    done
    # and a server still on its way out can refuse the client all the same: try again a while
    for _ in $(seq 1 50); do
        tmux -L "$TUI_SOCK" -f /dev/null new-session -d -s main -x "$TUI_COLS" -y "$TUI_ROWS" \
            "env ${TUI_TERM:+TERM=$TUI_TERM} LC_ALL=C.UTF-8 MM_DB=$(printf '%q' "$MM_DB") MM_MASTER_KEY=$MM_MASTER_KEY \
             ASAN_OPTIONS=${ASAN_OPTIONS:-} UBSAN_OPTIONS=${UBSAN_OPTIONS:-} \
             $(printf '%q' "$MMADMIN")$args 2>$TUI_TMP/ui.err; echo \$? >$TUI_TMP/ui.exit" &&
            break
        sleep 0.05
    done
    tmux -L "$TUI_SOCK" set-option -g remain-on-exit on >/dev/null 2>&1 || true
    wait_for_text "${START_UI_WAIT:-Provider Accounts}" 20
}

# TUI_TARGET (a tmux session name) picks the console the next calls talk to ("main": start_ui's).
TUI_TARGET="main"
# Starts another console on the same catalog in its own tmux session NAME (talk to it with
# TUI_TARGET=NAME): start_second_ui NAME [mmadmin global options...]
start_second_ui() {
    local name=$1 args=""
    shift
    for a in "$@"; do args+=" $(printf '%q' "$a")"; done
    tmux -L "$TUI_SOCK" new-session -d -s "$name" -x "$TUI_COLS" -y "$TUI_ROWS" \
        "env LC_ALL=C.UTF-8 MM_DB=$(printf '%q' "$MM_DB") MM_MASTER_KEY=$MM_MASTER_KEY \
         ASAN_OPTIONS=${ASAN_OPTIONS:-} UBSAN_OPTIONS=${UBSAN_OPTIONS:-} \
         $(printf '%q' "$MMADMIN")$args 2>$TUI_TMP/ui-$name.err; echo \$? >$TUI_TMP/ui-$name.exit"
    local saved=$TUI_TARGET
    TUI_TARGET=$name
    wait_for_text "Provider Accounts" 20
    TUI_TARGET=$saved
}

send_keys() { tmux -L "$TUI_SOCK" send-keys ${TUI_TARGET:+-t "$TUI_TARGET"} "$@"; }
type_text() { tmux -L "$TUI_SOCK" send-keys ${TUI_TARGET:+-t "$TUI_TARGET"} -l "$1"; }
screen() { tmux -L "$TUI_SOCK" capture-pane ${TUI_TARGET:+-t "$TUI_TARGET"} -p; }

# Polls the screen until TEXT is on it (waiting is fine; durations are never asserted).
wait_for_text() {
    local text=$1 timeout=${2:-15}
    local tries=$((timeout * 20))
    for _ in $(seq 1 "$tries"); do
        screen 2>/dev/null | grep -qF -- "$text" && return 0
        sleep 0.05
    done
    fail "timed out waiting for: $text"
}

wait_for_gone() {
    local text=$1 timeout=${2:-15}
    local tries=$((timeout * 20))
    for _ in $(seq 1 "$tries"); do
        screen 2>/dev/null | grep -qF -- "$text" || return 0
        sleep 0.05
    done
    fail "still on screen: $text"
}

assert_screen_contains() {
    screen | grep -qF -- "$1" || fail "expected on screen: $1"
}

assert_screen_not_contains() {
    if screen | grep -qF -- "$1"; then fail "not expected on screen: $1"; fi
}

# Waits for the console to exit and checks it left cleanly (exit 0, no sanitizer report).
wait_exit() {
    for _ in $(seq 1 400); do
        [[ -s "$TUI_TMP/ui.exit" ]] && break
        sleep 0.05
    done
    [[ -s "$TUI_TMP/ui.exit" ]] || fail "the console did not exit"
    local code
    code=$(cat "$TUI_TMP/ui.exit")
    [[ "$code" == 0 ]] || fail "the console exited with $code"
    if grep -qE "Sanitizer|runtime error" "$TUI_TMP/ui.err"; then
        fail "sanitizer report: $(head -c 2000 "$TUI_TMP/ui.err")"
    fi
}

ui_pid() { pgrep -f "^$MMADMIN" | head -n 1; }

# open_in_both PAGE_KEY ROW_TEXT OPEN_KEYS TITLE: the console TUI_TARGET and the second (started
# with start_second_ui two) go to the page, wait for the row and open the same form.
open_in_both() {
    local target
    for target in "$TUI_TARGET" two; do
        TUI_TARGET=$target send_keys "$1"
        TUI_TARGET=$target wait_for_text "$2"
        TUI_TARGET=$target send_keys $3
        TUI_TARGET=$target wait_for_text "$4"
    done
}

# lose_race KIND VALUE KEYS...: after the first console saved, the second moves with KEYS, types
# VALUE and saves: refused as a lost race (the other session's change said), form and VALUE kept.
lose_race() {
    local kind=$1 value=$2
    shift 2
    TUI_TARGET=two send_keys "$@"
    TUI_TARGET=two type_text "$value"
    TUI_TARGET=two send_keys F2
    TUI_TARGET=two wait_for_text "another session changed this $kind since you opened it"
    TUI_TARGET=two assert_screen_contains "Your values are kept"
    TUI_TARGET=two assert_screen_contains "$value"
}

pass() { echo "PASS: $(basename "$0")"; }
