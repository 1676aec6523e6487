#!/usr/bin/env bash
# Helpers for the router's integration tests (sourced): the CLI test helpers (private catalog,
# runners, assertions) plus one mmsim per test, scenario pushes, and a catalog of openai-dialect
# accounts whose keys let the scenario fault each account on its own.
source "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"

: "${MMSIM:?set MMSIM to the mmsim binary (ctest does)}"
export MM_SOURCE_DIR=${MM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

# sim_start: starts mmsim on a free port; sets SIM_URL.
sim_start() {
    local i port=
    "$MMSIM" --port 0 --quiet >"$TEST_TMP/sim.out" 2>"$TEST_TMP/sim.err" &
    CLEANUP_PIDS+=("$!")
    for ((i = 0; i < 200; i++)); do
        port=$(head -n 1 "$TEST_TMP/sim.out" 2>/dev/null)
        [[ $port =~ ^[0-9]+$ ]] && break
        sleep 0.05
    done
    [[ $port =~ ^[0-9]+$ ]] || { echo "mmsim did not start: $(cat "$TEST_TMP/sim.err")" >&2; exit 1; }
    SIM_URL="http://127.0.0.1:$port"
}

# serve_start [SERVE FLAGS...]: starts `mmadmin serve` on a free loopback port with the given
# flags (stopped by the test's cleanup); sets SERVE_PID and URL.
serve_start() {
    local i port=
    "$MMADMIN" serve --listen 127.0.0.1:0 "$@" >"$TEST_TMP/serve.out" 2>"$TEST_TMP/serve.err" &
    SERVE_PID=$!
    CLEANUP_PIDS+=("$SERVE_PID")
    for ((i = 0; i < 300; i++)); do
        port=$(head -n 1 "$TEST_TMP/serve.out" 2>/dev/null)
        [[ $port =~ ^[0-9]+$ ]] && break
        sleep 0.1
    done
    [[ $port =~ ^[0-9]+$ ]] || fail "serve did not print its port: $(cat "$TEST_TMP/serve.err")"
    URL="http://127.0.0.1:$port"
}

# scenario JSON: replaces mmsim's scenario.
scenario() {
    local status
    status=$(curl -s -o "$TEST_TMP/sim.body" -w '%{http_code}' -X PUT --data-binary "$1" \
        "$SIM_URL/_sim/scenario")
    [[ $status == 200 ]] || { echo "scenario refused: $(cat "$TEST_TMP/sim.body")" >&2; exit 1; }
}

# fault ACCOUNT-KEY FAULT [extra phase JSON]: one rule making every call with that key fail.
fault_rule() {
    printf '{"prefix":"openai","key":"%s","phases":[{"fault":"%s","fault_rate":1.0%s}]}' \
        "$1" "$2" "${3:-}"
}

sim_reset() {
    curl -s -o /dev/null -X POST "$SIM_URL/_sim/reset"
    scenario '{"rules":[]}'
}

# add_account NAME [account add options...]: an openai-dialect account on mmsim with key
# sk-NAME-key-0123456789.
add_account() {
    local name=$1
    shift
    export ROUTER_TEST_KEY="sk-$name-key-0123456789"
    assert_ok account add "$name" --provider openai --endpoint "$SIM_URL/openai" \
        --api-key-env ROUTER_TEST_KEY "$@"
}

key_of() {
    printf 'sk-%s-key-0123456789' "$1"
}

# chain MODEL ACCOUNT...: a chat model whose targets are the accounts in order (gpt-4o-mini).
chain() {
    local model=$1 acc
    shift
    assert_ok model add "$model" --type chat
    for acc in "$@"; do
        assert_ok target add "$model" --account "$acc" --model gpt-4o-mini
    done
}

# Keeps the health rules out of the way (a failing account is otherwise degraded and tried
# after the healthy ones), for tests about another rule.
neutral_health() {
    assert_ok health config --degraded-error-rate 1 --degraded-rate-limit-hits 1000000
}

# send_json MODEL WORKSPACE [more send options]: mmadmin send ... --json --prompt hi.
send_json() {
    local model=$1 ws=$2
    shift 2
    mm send "$model" --workspace "$ws" --prompt "hello router" --max-tokens 16 --json "$@"
}

# served_by: the account that served the last send --json ("" when none).
served_by() {
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print((d.get("served_by") or {}).get("account", ""))' "$OUT" 2>/dev/null
}

# attempt_classes: "account:class account:class ..." of the last send --json.
attempt_classes() {
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(a["account"] + ":" + a["class"] for a in d["attempts"]))' "$OUT" 2>/dev/null
}

expect_eq() {
    [[ $1 == "$2" ]] || fail "${3:-value}: got '$1', expected '$2'"
}

sim_start
