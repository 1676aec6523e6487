#!/usr/bin/env bash
# `send` loads libcurl on a second thread while it opens the catalog and plans, when a CPU is
# likely idle (issue 15): a send loads it at most once and answers as before, served or refused
# before any request (the thread joined, nothing reported by the sanitizers); a usage error
# starts no thread and loads nothing. LD_DEBUG=libs says what the dynamic loader initialised.
source "$(dirname "$0")/lib.sh"

start_mmsim
export SIM_KEY=sk-test-0123456789abcdef

# mm_libs ARGS...: runs mmadmin ARGS like mm, with the loader's initialisations in $TEST_TMP/libs
mm_libs() {
    LD_DEBUG=libs LD_DEBUG_OUTPUT=$TEST_TMP/ld mm "$@"
    cat "$TEST_TMP"/ld.* 2>/dev/null | grep -oE 'calling init: [^ ]+' >"$TEST_TMP/libs"
    rm -f "$TEST_TMP"/ld.*
}
curl_inits() { grep -c 'libcurl\.so' "$TEST_TMP/libs"; }

assert_ok account add sim --provider openai --endpoint "http://127.0.0.1:$PORT/openai" \
    --api-key-env SIM_KEY
assert_ok model add chat --type chat
assert_ok target add chat --account sim --model gpt-4o-mini
assert_ok workspace add w1
assert_ok workspace add w2
assert_ok entitle chat w1

mm_libs send chat --prompt hi
assert_rc 2
assert_contains err "--workspace W is required"
[ "$(curl_inits)" = 0 ] || fail "a usage error loaded libcurl"
grep -q 'calling init' "$TEST_TMP/libs" || fail "LD_DEBUG=libs printed nothing"
echo "ok - a usage error starts no loader"

mm_libs send chat --workspace w1 --prompt hi
assert_rc 0
assert_contains out "served by sim (gpt-4o-mini, priority 1)"
[ "$(curl_inits)" = 1 ] || fail "a served send initialised libcurl $(curl_inits) times, not once"
echo "ok - a served send: libcurl loaded once, the answer as before"

mm_libs send chat --workspace w2 --prompt hi
assert_rc 2
assert_contains err "workspace 'w2' is not entitled to model 'chat'"
# with a CPU idle the loader ran beside the plan (before the refusal was known) and was joined:
# libcurl once; on a busy machine none started and nothing loads it (test_process_idle: the rule)
[ "$(curl_inits)" -le 1 ] || fail "a refused send initialised libcurl $(curl_inits) times"
mm_libs send nothing --workspace w1 --prompt hi --json
assert_rc 2
assert_contains out '"served_by": null'
echo "ok - a send refused before any request: the loader joined, the refusal as before"

events=$(catalog_sql "SELECT count(*) FROM usage_events WHERE kind = 'request'")
[ "$events" = 1 ] || fail "$events request events recorded, not the served send's one"
reservations=$(catalog_rows router_reservations)
[ "$reservations" = 0 ] || fail "$reservations reservations left behind"
echo "ok - one request event recorded (the served send's), no reservation left"
finish
