#!/usr/bin/env bash
# `mmadmin send --stream` on mmsim: text printed as it arrives (before the answer ends), in every
# dialect; fallback only before the first byte; a stream cut after it began ends the answer with
# exit 1, is not retried elsewhere, and is recorded with what was streamed.
source "$(dirname "$0")/router_lib.sh"

add_account a1
add_account a2
chain chat a1 a2
assert_ok workspace add team
assert_ok entitle chat team
neutral_health

# Pieces arrive over time: part of the answer is on stdout while send still runs.
scenario '{"rules":[{"prefix":"openai","phases":[{"token_ms":80}]}]}'
"$MMADMIN" send chat --workspace team --prompt hi --max-tokens 20 --stream \
    >"$TEST_TMP/stream.out" 2>"$TEST_TMP/stream.err" &
pid=$!
for ((i = 0; i < 100; i++)); do
    [[ -s $TEST_TMP/stream.out ]] && break
    sleep 0.05
done
partial=$(cat "$TEST_TMP/stream.out")
kill -0 "$pid" 2>/dev/null || fail "send ended before its first piece was seen"
[[ -n $partial ]] || fail "nothing printed while streaming"
wait "$pid"
expect_eq "$?" 0 "send --stream exit"
whole=$(head -n 1 "$TEST_TMP/stream.out")
[[ ${#whole} -gt ${#partial} && $whole == "$partial"* ]] ||
    fail "the first piece '$partial' is not the start of the answer '$whole'"
grep -q "served by a1 (gpt-4o-mini, priority 1)" "$TEST_TMP/stream.out" || fail "no served line"
echo "ok - send --stream prints the answer as it arrives"

# Every dialect streams through its own parser.
for spec in anthropic:claude-3-5-haiku-20241022 gemini:gemini-2.0-flash cohere:command-r \
    mistral:mistral-large-latest; do
    provider=${spec%%:*} model=${spec#*:}
    export ROUTER_TEST_KEY=sk-$provider-key-0123456789
    assert_ok account add "d-$provider" --provider "$provider" --endpoint "$SIM_URL/$provider" \
        --api-key-env ROUTER_TEST_KEY
    assert_ok model add "m-$provider" --type chat
    assert_ok target add "m-$provider" --account "d-$provider" --model "$model"
    assert_ok entitle "m-$provider" team
    mm send "m-$provider" --workspace team --prompt hi --max-tokens 12 --stream
    assert_rc 0
    assert_contains out "served by d-$provider"
    [[ $(head -n 1 "$OUT") == *" "* ]] || fail "$provider: the pieces lost their spaces: $(head -n 1 "$OUT")"
done
echo "ok - anthropic, gemini, cohere and mistral stream through send"

# Before the first byte a failure falls through.
scenario "{\"rules\":[$(fault_rule "$(key_of a1)" server)]}"
mm send chat --workspace team --prompt hi --max-tokens 12 --stream
assert_rc 0
assert_contains out "served by a2"
echo "ok - a stream falls through before its first byte"

# After it, the answer ends with the error: no second target, exit 1, usage recorded.
catalog_sql "DELETE FROM usage_events"
scenario "{\"rules\":[$(fault_rule "$(key_of a1)" stream_break ',"token_ms":5')]}"
mm send chat --workspace team --prompt hi --max-tokens 30 --stream
assert_rc 1
[[ -s $OUT ]] || fail "the pieces before the break were not printed"
assert_contains err "broke after it began"
assert_not_contains err "a2 "
expect_eq "$(catalog_sql "SELECT account || ':' || outcome || ':' || usage_estimated || ':' || CASE WHEN tokens_out > 0 THEN 1 ELSE 0 END FROM usage_events")" \
    "a1:network:1:1" "the broken stream's usage event"
echo "ok - a stream cut after it began ends with exit 1, not retried, and is recorded"

# A reader that has gone (`send --stream | head -c 1`, a closed terminal): the provider serves and
# bills the whole answer, so send reads it to its end and records it exactly, then fails on the
# output. The pipe's read end is closed before send starts, so every write meets EPIPE.
catalog_sql "DELETE FROM usage_events"
scenario '{"rules":[]}'
python3 - "$MMADMIN" >"$TEST_TMP/gone.err" 2>&1 <<'PY'
import os, subprocess, sys
read_end, write_end = os.pipe()
os.close(read_end)
rc = subprocess.call([sys.argv[1], "send", "chat", "--workspace", "team", "--prompt", "hi",
                      "--max-tokens", "20", "--stream"], stdout=write_end)
print("rc", rc)
PY
grep -q "^rc 1$" "$TEST_TMP/gone.err" ||
    fail "send --stream to a gone reader: want exit 1 (not 141, SIGPIPE): $(cat "$TEST_TMP/gone.err")"
grep -q "writing the output failed: Broken pipe" "$TEST_TMP/gone.err" ||
    fail "no message says the output was not written: $(cat "$TEST_TMP/gone.err")"
expect_eq "$(catalog_sql "SELECT account || ':' || outcome || ':' || usage_estimated || ':' || CASE WHEN tokens_out > 0 THEN 1 ELSE 0 END FROM usage_events")" \
    "a1:ok:0:1" "the usage of a stream whose reader had gone"
echo "ok - a stream whose reader has gone is read to its end, recorded exactly, and fails"

mm send chat --workspace team --prompt hi --stream --json
assert_rc 2
assert_contains err "--stream or --json"
echo "ok - --stream and --json are refused together"

finish
