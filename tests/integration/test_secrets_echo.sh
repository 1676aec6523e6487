#!/usr/bin/env bash
# A provider that echoes the account's key (whole in a 401 message and a request id, inside a
# model id, a 10-character piece in an answer) never gets it stored, printed or dumped: every
# 8-character run of the key is absent from CLI output, stored rows and the catalog's dump.
source "$(dirname "$0")/../cli/lib.sh"

python3 "$(dirname "$0")/hostile_provider.py" >"$TEST_TMP/hp.out" 2>"$TEST_TMP/hp.err" &
CLEANUP_PIDS+=("$!")
for _ in $(seq 100); do
    port=$(head -n 1 "$TEST_TMP/hp.out" 2>/dev/null)
    [[ $port =~ ^[0-9]+$ ]] && break
    sleep 0.05
done
[[ ${port:-} =~ ^[0-9]+$ ]] || { echo "hostile provider did not start" >&2; exit 1; }
URL="http://127.0.0.1:$port/v1"
export KEY_ECHO=sk-proj-ECHOzq81Hv0sLw3TnB6mPq2Xr
export KEY_GOOD=sk-proj-GOODa7Kd93LmQx2Vb5Nw8Rt4Y

# leaks FILE KEY: true when FILE holds any 8-byte run of KEY
leaks() {
    python3 - "$1" "$2" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
key = sys.argv[2].encode()
sys.exit(0 if any(key[i:i + 8] in data for i in range(len(key) - 7)) else 1)
PY
}
no_leak() { # LABEL: neither key in the last stdout/stderr
    local k f
    for k in "$KEY_ECHO" "$KEY_GOOD"; do
        for f in "$OUT" "$ERR"; do
            if leaks "$f" "$k"; then fail "$1 shows a piece of the key ${k:0:8}…"; fi
        done
    done
}

assert_ok account add echo --provider openai --endpoint "$URL" --api-key-env KEY_ECHO
assert_ok account add good --provider openai --endpoint "$URL" --api-key-env KEY_GOOD
mm account test echo
assert_rc 1
assert_contains err "Incorrect API key provided: sk-…q2Xr."
no_leak "account test (401 echoing the key)"
assert_ok account test good
assert_contains out "gpt-4o-mini"
assert_contains out "ft-sk-…Rt4Y-copy"
no_leak "account test (a model id holding the key)"
for args in "account show good" "account show good --json" "account show echo" \
    "account show echo --json" "account list --json"; do
    # shellcheck disable=SC2086
    assert_ok $args
    no_leak "$args"
done

assert_ok model add chat --type chat
assert_ok target add chat --account echo --model gpt-4o-mini
assert_ok target add chat --account good --model gpt-4o-mini --priority 2
assert_ok workspace add team
assert_ok entitle chat team
mm send chat --workspace team --prompt hi --max-tokens 8
assert_rc 0
assert_contains out "your key piece is [redacted] ok"
no_leak "send (an answer holding a piece of the key)"
mm send chat --workspace team --prompt hi --max-tokens 8 --json
assert_rc 0
no_leak "send --json"
assert_ok health --json
no_leak "health --json"

catalog_sql "SELECT count(*) FROM usage_events WHERE message LIKE '%Incorrect API key%'" \
    >"$TEST_TMP/n"
[ "$(cat "$TEST_TMP/n")" -ge 1 ] || fail "the 401 was not recorded as a usage event"
catalog_dump >"$TEST_TMP/dump.sql"
for k in "$KEY_ECHO" "$KEY_GOOD"; do
    leaks "$TEST_TMP/dump.sql" "$k" && fail "the catalog's dump holds a piece of ${k:0:8}…"
done
grep -q "Incorrect API key provided: sk-" "$TEST_TMP/dump.sql" ||
    fail "the stored 401 message lost its hint"
finish
