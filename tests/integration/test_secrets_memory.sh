#!/usr/bin/env bash
# Decrypted keys do not stay in memory: a memory image (/proc/PID/mem, as a core would hold it)
# of an idle `mmadmin monitor` after its probe round holds none of the accounts' keys, and one
# of an in-flight `send` holds its key only a few times; neither process can dump core.
source "$(dirname "$0")/router_lib.sh"

add_account a1
add_account a2
add_account a3
unset ROUTER_TEST_KEY # the environment would hold a copy in every process started from here
chain chat a1 a2
assert_ok workspace add team
assert_ok entitle chat team
KEYS=("$(key_of a1)" "$(key_of a2)" "$(key_of a3)")

# total PID: occurrences of the three keys in the process's memory
total() {
    python3 "$(dirname "$0")/memscan.py" "$1" "${KEYS[@]}" >"$TEST_TMP/scan" 2>"$TEST_TMP/scan.err" ||
        return 1
    awk '{ n += $2 } END { print n + 0 }' "$TEST_TMP/scan"
}
wait_for() { # FILE TEXT: up to 60 s
    for _ in $(seq 600); do
        grep -q -F -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

"$MMADMIN" monitor --interval 600 >"$TEST_TMP/mon.out" 2>"$TEST_TMP/mon.err" &
MON=$!
CLEANUP_PIDS+=("$MON")
wait_for "$TEST_TMP/mon.out" "round" || fail "the monitor did not finish a probe round"
probes=$(catalog_sql "SELECT count(*) FROM usage_events WHERE kind = 'probe' AND ok = 1" 2>/dev/null ||
    catalog_sql "SELECT count(*) FROM usage_events WHERE kind = 'probe'")
[ "$probes" -ge 3 ] || fail "expected 3 probes before the scan, got $probes"
sleep 1
idle=$(total "$MON") || { echo "note - cannot read process memory here: $(cat "$TEST_TMP/scan.err")"; finish; }
echo "idle monitor after its probe round: $idle occurrences of the 3 keys"
[ "$idle" -eq 0 ] || { fail "an idle monitor holds decrypted keys"; cat "$TEST_TMP/scan" >&2; }
[ "$(stat -c %U "/proc/$MON/mem")" = root ] || fail "the monitor's memory is not protected"
kill -TERM "$MON"
wait "$MON" 2>/dev/null

# an in-flight send: mmsim holds the answer 6 s; scanned until it ends, the most counted
scenario '{"rules":[{"prefix":"openai","phases":[{"latency_ms":6000}]}]}'
"$MMADMIN" send chat --workspace team --prompt "hello memory" --max-tokens 8 \
    >"$TEST_TMP/send.out" 2>"$TEST_TMP/send.err" &
SEND=$!
CLEANUP_PIDS+=("$SEND")
inflight=0
while kill -0 "$SEND" 2>/dev/null; do
    n=$(total "$SEND") || break
    ((n > inflight)) && inflight=$n
    sleep 0.3
done
echo "in-flight send: at most $inflight occurrences of its key"
[ "$inflight" -ge 1 ] || fail "the scan found no key in flight: is the scanner blind?"
[ "$inflight" -le 4 ] || { fail "an in-flight send holds its key $inflight times"; cat "$TEST_TMP/scan" >&2; }
wait "$SEND" || fail "the send failed: $(cat "$TEST_TMP/send.err")"
finish
