#!/usr/bin/env bash
# `mmadmin monitor` against mmsim: it probes every enabled account (list models), records each
# probe as a usage event and the account's test result, logs rounds and status changes; two
# monitors elect one prober, and when the prober is frozen (SIGSTOP) the other takes over; a
# clean stop (SIGTERM) releases the lease.
source "$(dirname "$0")/test_mmsim_lib.sh"
: "${MMADMIN:?set MMADMIN to the mmadmin binary (ctest does)}"

export MM_DB=$SIM_TMP/catalog.db
# Under tests/postgres/run.sh (ctest label postgres) the catalog is the test's PostgreSQL database.
if [[ -n ${MM_PG_ADDRESS:-} ]]; then
    export MM_DB=$MM_PG_ADDRESS
    source "$(dirname "$0")/../postgres/pg_lib.sh" # PG_BIN
fi
export MM_MASTER_KEY=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
export HOME=$SIM_TMP/home
mkdir -p "$HOME"
MON_PIDS=()
monitor_cleanup() {
    local pid
    for pid in "${MON_PIDS[@]+"${MON_PIDS[@]}"}"; do
        kill -CONT "$pid" 2>/dev/null
        kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    sim_cleanup
}
trap monitor_cleanup EXIT

mm() {
    "$MMADMIN" "$@" >"$SIM_TMP/mm.out" 2>"$SIM_TMP/mm.err" || fail "mmadmin $*: $(cat "$SIM_TMP/mm.err")"
}
sql() { # SQL: plain SQL on the catalog, either backend
    if [[ -n ${MM_PG_ADDRESS:-} ]]; then
        "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At "$MM_DB" -c "$1"
    else
        sqlite3 -cmd '.timeout 5000' "$MM_DB" "$1"
    fi
}
# wait_until DESCRIPTION COMMAND...: retries COMMAND for up to 30 s (a bound, not a timing check)
wait_until() {
    local what=$1 i
    shift
    for ((i = 0; i < 300; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    fail "gave up waiting: $what"
}
logged() { grep -q -F -- "$2" "$1"; }
no_sanitizer_reports() {
    ! grep -q -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$@" || fail "sanitizer report in $*"
}

# The two electing monitors' lease: renewed every second, so the holder has to be off the CPU
# for 2 s before it lapses, even on a loaded machine with PostgreSQL's round trips (a lease of
# 1.5 s, renewed every 0.5 s, lapsed there under load: "two probers at once").
LEASE=3
sim_start sim --quiet
K=sk-good-0001 mm account add oa --provider openai --endpoint "$SIM_URL/openai" --api-key-env K
K=sk-ant-0002 mm account add an --provider anthropic --endpoint "$SIM_URL/anthropic" --api-key-env K
mm account add co --provider openai-compatible --endpoint "$SIM_URL/compat"
K=invalid-0003 mm account add bad --provider openai --endpoint "$SIM_URL/openai" --api-key-env K
K=sk-off-0004 mm account add off --provider openai --endpoint "$SIM_URL/openai" --api-key-env K
mm account disable off --reason "kept for later"

# ---- one monitor probes every enabled account ----
"$MMADMIN" monitor --interval 0.3 --lease "$LEASE" >"$SIM_TMP/a.log" 2>"$SIM_TMP/a.err" &
A=$!
MON_PIDS+=("$A")
wait_until "the first monitor becomes the prober" logged "$SIM_TMP/a.log" "prober now"
probes_done() { (($(sql "SELECT count(*) FROM usage_events WHERE kind = 'probe'") >= 12)); }
wait_until "three rounds of probes" probes_done
[[ $(sql "SELECT count(DISTINCT account) FROM usage_events WHERE kind = 'probe'") == 4 ]] ||
    fail "expected probes of the 4 enabled accounts only"
[[ $(sql "SELECT count(*) FROM usage_events WHERE account = 'off'") == 0 ]] || fail "a disabled account was probed"
[[ $(sql "SELECT DISTINCT outcome FROM usage_events WHERE kind = 'probe' AND account = 'bad'") == auth ]] ||
    fail "the wrong key should be probed as auth"
[[ $(sql "SELECT DISTINCT outcome FROM usage_events WHERE kind = 'probe' AND account <> 'bad'") == ok ]] ||
    fail "the good accounts should probe ok"
sql "SELECT message FROM usage_events WHERE account = 'bad' LIMIT 1" | grep -q "Incorrect API key" ||
    fail "the probe's error message is kept"
! sql "SELECT message FROM usage_events" | grep -q "invalid-0003" || fail "a key leaked into a message"
wait_until "the log shows rounds" logged "$SIM_TMP/a.log" "probe round: 4 accounts"
# a refused key fails every call until it changes: bad is unreachable from its first probe
# (never "healthy" meanwhile), with the reason
wait_until "the log shows bad turning unreachable" logged "$SIM_TMP/a.log" "-> unreachable (the last probe's key was refused"
! logged "$SIM_TMP/a.log" "bad: unknown -> healthy" || fail "bad was healthy with its key refused"
mm account show bad
grep -q -i "auth" "$SIM_TMP/mm.out" || fail "the probe result is recorded as the account's last test"
ok "monitor probes enabled accounts, records events and test results, logs changes"

mm health --json
python3 - "$SIM_TMP/mm.out" <<'PY' || fail "health after probing: $(cat "$SIM_TMP/mm.out")"
import json, sys
d = {a["account"]: a for a in json.load(open(sys.argv[1]))}
assert d["oa"]["status"] == "healthy" and d["an"]["status"] == "healthy", d
assert d["bad"]["status"] == "unreachable" and d["bad"]["error_rate"] == 1.0, d
assert d["off"]["status"] == "unknown" and d["off"]["requests"] == 0, d
PY
ok "health --json agrees with the probes"

# ---- a second monitor waits; it takes over when the prober freezes ----
"$MMADMIN" monitor --interval 0.3 --lease "$LEASE" >"$SIM_TMP/b.log" 2>"$SIM_TMP/b.err" &
B=$!
MON_PIDS+=("$B")
wait_until "the second monitor starts" logged "$SIM_TMP/b.log" "monitor started"
sleep 1.5 # several lease checks of the second monitor (every 0.6 s)
! logged "$SIM_TMP/b.log" "prober now" || fail "two probers at once"
kill -STOP "$A"
wait_until "the second monitor takes over from the frozen one" logged "$SIM_TMP/b.log" "prober now"
kill -CONT "$A"
wait_until "the thawed monitor steps down" logged "$SIM_TMP/a.log" "no longer the prober"
holder=$(sql "SELECT holder FROM leases WHERE name = 'prober'")
[[ $holder == *":$B:"* ]] || fail "the lease should name the second monitor (pid $B), not '$holder'"
ok "a frozen prober is replaced within its lease; it steps down when it wakes"

# ---- clean stops release the lease ----
kill -TERM "$B"
wait "$B" || fail "the monitor should exit 0 on SIGTERM"
logged "$SIM_TMP/b.log" "released the prober lease" || fail "SIGTERM should release the lease"
prober_twice() { (($(grep -c "prober now" "$SIM_TMP/a.log") >= 2)); }
wait_until "the first monitor takes the released lease" prober_twice
kill -INT "$A"
wait "$A" || fail "the monitor should exit 0 on SIGINT"
MON_PIDS=()
[[ -z $(sql "SELECT holder FROM leases WHERE name = 'prober' AND expires_ms > $(($(date +%s) * 1000))") ]] ||
    fail "the lease should be free after both stopped"
no_sanitizer_reports "$SIM_TMP/a.err" "$SIM_TMP/b.err"
[[ $(sql "SELECT count(*) FROM usage_events WHERE account <> 'bad' AND outcome <> 'ok'") == 0 ]] ||
    fail "the frozen prober must not record its stalled probes as failures"
ok "SIGTERM and SIGINT stop the monitor cleanly and release the lease"

# ---- probes slower than the interval are still recorded ----
sql "DELETE FROM usage_events"
put_scenario '{"rules":[{"prefix":"compat","phases":[{"latency_ms":700}]}]}'
"$MMADMIN" monitor --interval 0.3 --lease 1.5 >"$SIM_TMP/c.log" 2>"$SIM_TMP/c.err" &
C=$!
MON_PIDS+=("$C")
slow_probe_recorded() {
    (($(sql "SELECT count(*) FROM usage_events WHERE kind = 'probe' AND account = 'co' AND outcome = 'ok'") >= 2))
}
wait_until "probes of a 700 ms account under a 300 ms interval are recorded" slow_probe_recorded
kill -TERM "$C"
wait "$C" || fail "the monitor should exit 0 on SIGTERM"
MON_PIDS=()
put_scenario '{"rules":[]}'
no_sanitizer_reports "$SIM_TMP/c.err"
ok "a probe that outlasts the interval is recorded, not dropped by the next round"

# ---- a month that cannot be read at start: pending, and the alert rules wait for it ----
sql "ALTER TABLE usage_rollup_day RENAME TO usage_rollup_day_away"
"$MMADMIN" monitor --interval 60 --lease 1.5 >"$SIM_TMP/d.log" 2>"$SIM_TMP/d.err" &
D=$!
MON_PIDS+=("$D")
wait_until "the monitor says the month cannot be read" logged "$SIM_TMP/d.log" "usage_rollup_day"
sql "ALTER TABLE usage_rollup_day_away RENAME TO usage_rollup_day"
wait_until "the alert rules start once the month is read" logged "$SIM_TMP/d.log" "alert rules evaluated"
over=$(grep -n -m1 "problem over" "$SIM_TMP/d.log" | cut -d: -f1)
alerts=$(grep -n -m1 "alert rules evaluated" "$SIM_TMP/d.log" | cut -d: -f1)
[[ -n $over && $over -lt $alerts ]] ||
    fail "the alert rules started before the month was read: $(cat "$SIM_TMP/d.log")"
kill -TERM "$D"
wait "$D" || fail "the monitor should exit 0 on SIGTERM"
MON_PIDS=()
no_sanitizer_reports "$SIM_TMP/d.err"
ok "a month unreadable at start stays pending; the alert rules start once it is read"

# ---- bad input ----
if "$MMADMIN" monitor --interval soon >"$SIM_TMP/mm.out" 2>"$SIM_TMP/mm.err"; then
    fail "--interval soon should be refused"
fi
grep -q "not a number of seconds" "$SIM_TMP/mm.err" || fail "a clear message for a bad interval"
ok "a bad interval is refused with a clear message"
