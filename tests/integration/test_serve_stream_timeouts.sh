#!/usr/bin/env bash
# `mmadmin serve` streams: --attempt-timeout bounds a stream only to its first byte (a stream
# with none falls through to the next target), a long but live stream is never cut, and one that
# stalls mid-way (mmsim's stream_stall fault) is cut by --stream-idle-timeout, ends with an error
# event and is recorded as a timeout, not retried elsewhere.
source "$(dirname "$0")/router_lib.sh"

add_account a1
add_account a2
chain chat a1 a2
assert_ok workspace add team
assert_ok entitle chat team
neutral_health
assert_ok workspace key add team
KEY=$(tr -d '\n' <"$OUT")

serve_start --attempt-timeout 1 --stream-idle-timeout 1

stream() { # MAX_TOKENS: a streamed chat into stream.txt (headers in stream.head); prints seconds
    local started ended
    started=$(date +%s.%N)
    curl -s -N -D "$TEST_TMP/stream.head" -o "$TEST_TMP/stream.txt" --max-time 20 \
        "$URL/v1/chat/completions" -H "Authorization: Bearer $KEY" \
        -H 'Content-Type: application/json' \
        -d "{\"model\":\"chat\",\"stream\":true,\"max_tokens\":$1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
    ended=$(date +%s.%N)
    python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$started" "$ended"
}
last_event() { # ACCOUNT:OUTCOME of the newest usage event, after serve's writer flushed it
    local i row=
    for ((i = 0; i < 50; i++)); do
        row=$(catalog_sql "SELECT account || ':' || outcome FROM usage_events ORDER BY id DESC LIMIT 1")
        [[ -n $row ]] && break
        sleep 0.1
    done
    printf '%s' "$row"
}
at_least() { python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)" "$1" "$2"; }

# A live stream longer than --attempt-timeout (about 30 pieces 120 ms apart) is not cut.
scenario '{"rules":[{"prefix":"openai","phases":[{"token_ms":120}]}]}'
took=$(stream 40)
grep -q '^data: \[DONE\]' "$TEST_TMP/stream.txt" || fail "the live stream did not end: $(tail -c 300 "$TEST_TMP/stream.txt")"
grep -q '"error"' "$TEST_TMP/stream.txt" && fail "the live stream ended with an error"
at_least "$took" 1.5 || fail "the stream took $took s: not longer than the attempt timeout"
expect_eq "$(last_event)" "a1:ok" "the live stream's usage event"
echo "ok - a live stream longer than --attempt-timeout is not cut ($took s)"

# A stream that stalls halfway is cut by the idle timeout, not retried on a2, recorded a timeout.
catalog_sql "DELETE FROM usage_events"
scenario "{\"rules\":[$(fault_rule "$(key_of a1)" stream_stall ',"token_ms":20,"hang_s":8')]}"
took=$(stream 40)
grep -q '"content"' "$TEST_TMP/stream.txt" || fail "no piece came before the stall"
grep -q 'stalled' "$TEST_TMP/stream.txt" || fail "no error event naming the stall: $(tail -c 300 "$TEST_TMP/stream.txt")"
grep -q '^data: \[DONE\]' "$TEST_TMP/stream.txt" && fail "a cut stream ended as if complete"
at_least 6 "$took" || fail "the stalled stream was cut after $took s (idle timeout 1 s, stall 8 s)"
grep -qi '^x-mmadmin-account: a1' "$TEST_TMP/stream.head" || fail "not served by a1"
expect_eq "$(last_event)" "a1:timeout" "the stalled stream's usage event"
expect_eq "$(catalog_sql "SELECT count(*) FROM usage_events WHERE account = 'a2'")" 0 \
    "attempts on a2 after the first byte"
echo "ok - a stalled stream is cut by --stream-idle-timeout ($took s) and recorded as a timeout"

# No first byte within --attempt-timeout: the stream falls through to a2.
scenario "{\"rules\":[$(fault_rule "$(key_of a1)" hang ',"hang_s":8')]}"
took=$(stream 12)
grep -q '^data: \[DONE\]' "$TEST_TMP/stream.txt" || fail "the fallback stream did not end"
grep -qi '^x-mmadmin-account: a2' "$TEST_TMP/stream.head" || fail "not served by a2: $(cat "$TEST_TMP/stream.head")"
at_least 6 "$took" || fail "the fallback took $took s (attempt timeout 1 s, hang 8 s)"
echo "ok - a stream with no first byte within --attempt-timeout falls through ($took s)"

kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
expect_eq "$?" 0 "serve exits 0 on SIGTERM"
finish
