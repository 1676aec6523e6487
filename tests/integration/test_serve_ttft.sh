#!/usr/bin/env bash
# Time to first token of streamed requests: `serve`'s SSE and `send --stream` store it with the
# usage event (a non-streamed request stores NULL), and `health --json` shows its average and p95
# per account: at least mmsim's delay before the answer, less than the whole request's latency.
source "$(dirname "$0")/router_lib.sh"

add_account a1
add_account a2
chain chat a1
chain other a2
assert_ok workspace add team
assert_ok entitle chat team
assert_ok entitle other team
neutral_health
assert_ok workspace key add team
KEY=$(tr -d '\n' <"$OUT")

# 300 ms before the answer starts, then pieces 40 ms apart
scenario '{"rules":[{"prefix":"openai","phases":[{"latency_ms":300,"token_ms":40}]}]}'

serve_start

chat() { # MODEL STREAM: one chat through serve
    curl -s -N -o "$TEST_TMP/chat.txt" --max-time 20 "$URL/v1/chat/completions" \
        -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
        -d "{\"model\":\"$1\",\"stream\":$2,\"max_tokens\":12,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
}
events() { # the number of usage events once serve's writer flushed them (waits for at least $1)
    local i n=0
    for ((i = 0; i < 50; i++)); do
        n=$(catalog_sql "SELECT count(*) FROM usage_events WHERE kind = 'request'")
        ((n >= $1)) && break
        sleep 0.1
    done
    printf '%s' "$n"
}

chat chat true
grep -q '^data: \[DONE\]' "$TEST_TMP/chat.txt" || fail "the stream did not end: $(tail -c 300 "$TEST_TMP/chat.txt")"
chat chat true
chat other false
grep -q '"choices"' "$TEST_TMP/chat.txt" || fail "the plain chat failed: $(cat "$TEST_TMP/chat.txt")"
expect_eq "$(events 3)" 3 "usage events after three requests"
row=$(catalog_sql "SELECT count(*), CASE WHEN min(ttft_ms) >= 300 THEN 1 ELSE 0 END,
    max(CASE WHEN ttft_ms < latency_ms THEN 1 ELSE 0 END)
    FROM usage_events WHERE account = 'a1' AND ttft_ms IS NOT NULL")
expect_eq "$row" "2|1|1" "a1's stored ttft (count, >= 300 ms, < latency)"
expect_eq "$(catalog_sql "SELECT count(*) FROM usage_events WHERE account = 'a2' AND ttft_ms IS NULL")" 1 \
    "a non-streamed request's ttft_ms"
echo "ok - serve stores a streamed request's time to first token, NULL for a non-streamed one"

# send --stream records it too
assert_ok send chat --workspace team --prompt hi --max-tokens 12 --stream
row=$(catalog_sql "SELECT CASE WHEN ttft_ms >= 300 AND ttft_ms < latency_ms THEN 1 ELSE 0 END FROM usage_events
    WHERE kind = 'request' ORDER BY id DESC LIMIT 1")
expect_eq "$row" 1 "send --stream's stored ttft"
echo "ok - send --stream stores its time to first token"

assert_ok health --json
python3 - "$OUT" <<'PY' || fail "health --json's ttft figures: $(cat "$OUT")"
import json, sys
d = {a["account"]: a for a in json.load(open(sys.argv[1]))}
a1, a2 = d["a1"], d["a2"]
assert a1["ttft_avg_ms"] >= 300 and a1["ttft_p95_ms"] >= 300 * 0.98, a1
assert a1["ttft_avg_ms"] < a1["latency_avg_ms"] and a1["ttft_p95_ms"] < a1["latency_p95_ms"], a1
assert a2["ttft_avg_ms"] is None and a2["ttft_p95_ms"] is None, a2
PY
echo "ok - health --json shows ttft_avg_ms and ttft_p95_ms: >= mmsim's delay, < the latency"
finish
