#!/usr/bin/env bash
# Helpers for the mmsim tests (sourced: start/stop simulators, make requests, check answers),
# and, when run directly, the test of mmsim's command line, start-up and clean shutdown.
set -u

MMSIM=${MMSIM:-${MM_BUILD_DIR:-build}/mmsim}
SIM_TMP=$(mktemp -d)
SIM_PIDS=()
TEST_NAME=${TEST_NAME:-$(basename "${BASH_SOURCE[1]:-$0}" .sh)}

sim_cleanup() {
    local pid
    for pid in "${SIM_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    rm -rf "$SIM_TMP"
}
trap sim_cleanup EXIT

fail() {
    echo "FAIL [$TEST_NAME]: $*" >&2
    [[ -f $SIM_TMP/body ]] && echo "  last status: ${STATUS:-?} body: $(head -c 600 "$SIM_TMP/body")" >&2
    exit 1
}

ok() {
    echo "ok - $*"
}

# Waits (up to ~10 s) for a process to end; fails if it does not.
wait_gone() {
    local pid=$1 i
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    fail "process $pid still running"
}

# sim_start NAME [mmsim args...]: starts mmsim on a free port; sets SIM_PID, SIM_PORT, SIM_URL
# (and NAME_PID / NAME_URL variables, so several simulators can run at once).
sim_start() {
    local name=$1 i
    shift
    "$MMSIM" --port 0 "$@" >"$SIM_TMP/$name.out" 2>"$SIM_TMP/$name.err" &
    SIM_PID=$!
    SIM_PIDS+=("$SIM_PID")
    for ((i = 0; i < 200; i++)); do
        SIM_PORT=$(head -n 1 "$SIM_TMP/$name.out" 2>/dev/null)
        [[ $SIM_PORT =~ ^[0-9]+$ ]] && break
        kill -0 "$SIM_PID" 2>/dev/null || fail "mmsim $name exited: $(cat "$SIM_TMP/$name.err")"
        sleep 0.05
    done
    [[ $SIM_PORT =~ ^[0-9]+$ ]] || fail "mmsim $name printed no port"
    SIM_URL="http://127.0.0.1:$SIM_PORT"
    printf -v "${name}_PID" '%s' "$SIM_PID"
    printf -v "${name}_URL" '%s' "$SIM_URL"
}

# req METHOD URL [curl args...]: sets STATUS; body in $SIM_TMP/body, headers in $SIM_TMP/headers.
req() {
    local method=$1 url=$2
    shift 2
    STATUS=$(curl -s -X "$method" -o "$SIM_TMP/body" -D "$SIM_TMP/headers" -w '%{http_code}' \
        "$@" "$url")
    BODY=$(cat "$SIM_TMP/body")
}

# put_scenario JSON: replaces the scenario of the simulator at $SIM_URL.
put_scenario() {
    req PUT "$SIM_URL/_sim/scenario" --data-binary "$1"
    [[ $STATUS == 200 ]] || fail "scenario refused: $BODY"
}

expect_status() {
    [[ $STATUS == "$1" ]] || fail "${2:-request}: expected HTTP $1, got $STATUS"
}

# expect_body FIXED-STRING [what]
expect_body() {
    grep -qF -- "$1" "$SIM_TMP/body" || fail "${2:-body}: missing $1"
}

expect_no_body() {
    ! grep -qF -- "$1" "$SIM_TMP/body" || fail "${2:-body}: unexpected $1"
}

# expect_header NAME EXTENDED-REGEX-OF-VALUE
expect_header() {
    grep -qiE "^$1: $2"$'\r'"?$" "$SIM_TMP/headers" || fail "header $1 should match $2"
}

expect_no_header() {
    ! grep -qiE "^$1:" "$SIM_TMP/headers" || fail "header $1 should be absent"
}

# Count of occurrences of a fixed string in the body.
count_in_body() {
    grep -oF -- "$1" "$SIM_TMP/body" | wc -l | tr -d ' '
}

# The string value of "name":"value" in the body (first match).
body_string() {
    grep -oE "\"$1\":\"[^\"]*\"" "$SIM_TMP/body" | head -n 1 | sed -E "s/^\"$1\":\"(.*)\"$/\1/"
}

# The number value of "name":N in the body (first match).
body_number() {
    grep -oE "\"$1\":[0-9]+" "$SIM_TMP/body" | head -n 1 | sed -E 's/.*://'
}

# ---- run directly: the command line, start-up and shutdown ----
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    TEST_NAME=test_mmsim_lib
    [[ -x $MMSIM ]] || fail "mmsim not found at $MMSIM (set MMSIM)"

    "$MMSIM" >/dev/null 2>"$SIM_TMP/err"
    [[ $? == 2 ]] || fail "no --port should exit 2"
    grep -q -- "--port is required" "$SIM_TMP/err" || fail "no --port: message"
    "$MMSIM" --port 0 --bogus >/dev/null 2>"$SIM_TMP/err"
    [[ $? == 2 ]] && grep -q 'unknown argument "--bogus"' "$SIM_TMP/err" || fail "unknown flag"
    "$MMSIM" --port 70000 >/dev/null 2>"$SIM_TMP/err"
    [[ $? == 2 ]] && grep -q "0 to 65535" "$SIM_TMP/err" || fail "port out of range"
    "$MMSIM" --port 0 --seed -3 >/dev/null 2>"$SIM_TMP/err"
    [[ $? == 2 ]] || fail "negative seed"
    "$MMSIM" --port 0 --scenario "$SIM_TMP/missing.json" >/dev/null 2>"$SIM_TMP/err"
    [[ $? == 2 ]] && grep -q "cannot open" "$SIM_TMP/err" || fail "unreadable scenario"
    echo '{"rules":[{"prefix":"openai","phases":[{"fault":"explode"}]}]}' >"$SIM_TMP/bad.json"
    "$MMSIM" --port 0 --scenario "$SIM_TMP/bad.json" >/dev/null 2>"$SIM_TMP/err"
    [[ $? == 2 ]] && grep -q 'rules\[0\].phases\[0\].fault: unknown fault "explode"' \
        "$SIM_TMP/err" || fail "invalid scenario message: $(cat "$SIM_TMP/err")"
    echo '{"rules":[' >"$SIM_TMP/broken.json"
    "$MMSIM" --port 0 --scenario "$SIM_TMP/broken.json" >/dev/null 2>"$SIM_TMP/err"
    [[ $? == 2 ]] && grep -q "not valid JSON at line" "$SIM_TMP/err" || fail "broken JSON"
    "$MMSIM" --help | grep -q "usage: mmsim" || fail "--help"
    ok "command line refuses bad flags and scenarios with exit 2 and a message"

    sim_start one
    sim_start two --quiet
    [[ $one_URL != "$two_URL" ]] || fail "two simulators share a port"
    [[ $(wc -l <"$SIM_TMP/one.out") == 1 ]] || fail "stdout has more than the port line"
    req GET "$one_URL/_sim/health"
    expect_status 200
    expect_body '{"ok":true}'
    req GET "$two_URL/_sim/health"
    expect_status 200
    ok "two simulators run in parallel on their own ports"

    req GET "$one_URL/openai/models" -H "Authorization: Bearer sk-secret-value-123"
    grep -q "GET /openai/models 200" "$SIM_TMP/one.err" || fail "request not logged"
    ! grep -q "sk-secret" "$SIM_TMP/one.err" || fail "key logged"
    req GET "$one_URL/gemini/models?key=AIza-secret-key"
    ! grep -q "AIza-secret" "$SIM_TMP/one.err" || fail "query key logged"
    [[ ! -s $SIM_TMP/two.err ]] || fail "--quiet still logs: $(cat "$SIM_TMP/two.err")"
    ok "one log line per request, never a key; --quiet logs nothing"

    # Bound to the loopback interface only.
    if [[ -r /proc/net/tcp ]]; then
        hexport=$(printf '%04X' "${one_URL##*:}")
        grep -qE "0100007F:$hexport 00000000:0000 0A" /proc/net/tcp ||
            fail "not listening on 127.0.0.1:${one_URL##*:}"
        ! grep -qE "00000000:$hexport 00000000:0000 0A" /proc/net/tcp || fail "listening on all interfaces"
        ok "listens on 127.0.0.1 only"
    fi

    # A hanging answer does not block others, and shutdown cuts it short.
    SIM_URL=$one_URL
    put_scenario '{"rules":[{"prefix":"openai","key":"sk-hang","phases":[{"fault":"hang","hang_s":600}]}]}'
    curl -s -o /dev/null -H "Authorization: Bearer sk-hang" "$one_URL/openai/models" &
    hung=$!
    sleep 0.2
    req GET "$one_URL/openai/models" -H "Authorization: Bearer sk-other"
    expect_status 200 "request beside a hang"
    kill -TERM "$one_PID"
    wait_gone "$one_PID"
    wait "$one_PID"
    [[ $? == 0 ]] || fail "SIGTERM exit status"
    wait "$hung" 2>/dev/null
    ok "a hang does not block other requests; SIGTERM ends mmsim cleanly during a hang"

    kill -INT "$two_PID"
    wait_gone "$two_PID"
    wait "$two_PID"
    [[ $? == 0 ]] || fail "SIGINT exit status"
    ok "SIGINT ends mmsim with status 0"
    SIM_PIDS=()
fi
