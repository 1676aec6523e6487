# Shared helpers for the CLI tests (sourced): a private catalog per test, command runners that
# capture stdout/stderr/exit code, assertions, and a fingerprint of the catalog file.
set -u

: "${MMADMIN:?set MMADMIN to the mmadmin binary (ctest does)}"

TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/mmadmin-cli.XXXXXX")
export MM_DB=$TEST_TMP/catalog.db
# Under tests/postgres/run.sh (ctest label postgres) the catalog is the private server's database.
if [ -n "${MM_PG_ADDRESS:-}" ]; then
    export MM_DB=$MM_PG_ADDRESS
    source "$(dirname "${BASH_SOURCE[0]}")/../postgres/pg_lib.sh" # PG_BIN, pg_sql
fi
# A fixed 32-byte master key (base64), so runs are reproducible.
export MM_MASTER_KEY=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
export HOME=$TEST_TMP/home
mkdir -p "$HOME"
unset XDG_DATA_HOME SUDO_USER
OUT=$TEST_TMP/stdout
ERR=$TEST_TMP/stderr
RC=0
FAILURES=0
CLEANUP_PIDS=()

cleanup() {
    local pid
    for pid in "${CLEANUP_PIDS[@]+"${CLEANUP_PIDS[@]}"}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    rm -rf "$TEST_TMP"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    echo "  command: ${LAST_CMD:-}" >&2
    echo "  exit: $RC" >&2
    sed 's/^/  stdout: /' "$OUT" >&2 2>/dev/null
    sed 's/^/  stderr: /' "$ERR" >&2 2>/dev/null
    FAILURES=$((FAILURES + 1))
}

# mm ARGS...: runs mmadmin with stdin from $STDIN_FILE (default /dev/null); sets RC, OUT, ERR.
mm() {
    LAST_CMD="mmadmin $*"
    "$MMADMIN" "$@" <"${STDIN_FILE:-/dev/null}" >"$OUT" 2>"$ERR"
    RC=$?
}

# mm_key KEY ARGS...: runs mmadmin with KEY as the first line of stdin.
mm_key() {
    local key=$1
    shift
    printf '%s\n' "$key" >"$TEST_TMP/key.stdin"
    STDIN_FILE=$TEST_TMP/key.stdin mm "$@"
    rm -f "$TEST_TMP/key.stdin"
}

assert_rc() {
    local want=$1
    if [ "$RC" != "$want" ]; then
        fail "expected exit $want"
        return 1
    fi
    if grep -q -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$ERR"; then
        fail "sanitizer report"
        return 1
    fi
    return 0
}

# assert_exit CODE ARGS...: runs mmadmin ARGS and checks the exit code.
assert_exit() {
    local want=$1
    shift
    mm "$@"
    assert_rc "$want"
}

# assert_ok ARGS...: exit 0.
assert_ok() {
    assert_exit 0 "$@"
}

# assert_contains out|err TEXT: the last command's stdout/stderr contains TEXT (fixed string).
assert_contains() {
    local file=$OUT
    [ "$1" = err ] && file=$ERR
    if ! grep -q -F -- "$2" "$file"; then
        fail "$1 does not contain '$2'"
        return 1
    fi
}

assert_not_contains() {
    local file=$OUT
    [ "$1" = err ] && file=$ERR
    if grep -q -F -- "$2" "$file"; then
        fail "$1 contains '$2'"
        return 1
    fi
}

# assert_json PYTHON_EXPR: evaluates EXPR with d = the last stdout parsed as JSON.
assert_json() {
    if ! python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$OUT" "$1" 2>"$TEST_TMP/py.err"; then
        fail "JSON check failed: $1 ($(cat "$TEST_TMP/py.err"))"
        return 1
    fi
}

# catalog_sql [SQL]: runs portable SQL (or stdin's) on the test's catalog $MM_DB, SQLite or
# PostgreSQL (psql); rows print as SQLite's do (columns joined by |), booleans as t/f on
# PostgreSQL (compare with CASE ... THEN 1 ELSE 0 END where both must agree).
catalog_sql() {
    if [ -n "${MM_PG_ADDRESS:-}" ]; then
        if [ $# -gt 0 ]; then
            "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At "$MM_DB" -c "$1"
        else
            "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At "$MM_DB"
        fi
    else
        sqlite3 -cmd '.timeout 5000' "$MM_DB" "$@"
    fi
}

# catalog_rows TABLE: the table's row count; 0 when the catalog or the table is not made yet.
catalog_rows() {
    if [ -n "${MM_PG_ADDRESS:-}" ]; then
        if [ "$(catalog_sql "SELECT to_regclass('$1') IS NOT NULL")" = t ]; then
            catalog_sql "SELECT count(*) FROM $1"
        else
            echo 0
        fi
    elif [ -s "$MM_DB" ] && [ -n "$(sqlite3 "$MM_DB" "SELECT 1 FROM sqlite_master WHERE name = '$1'")" ]; then
        sqlite3 "$MM_DB" "SELECT count(*) FROM $1"
    else
        echo 0
    fi
}

# usage_partition TS_MS: on PostgreSQL, makes the month partition of usage_events holding TS_MS
# (as mmadmin does before its own writes) for a test that inserts events by plain SQL.
usage_partition() {
    [ -n "${MM_PG_ADDRESS:-}" ] || return 0
    local secs=$(($1 / 1000)) from to
    from=$(($(date -u -d "$(date -u -d "@$secs" +%Y-%m-01)" +%s) * 1000))
    to=$(($(date -u -d "$(date -u -d "@$secs" +%Y-%m-01) + 1 month" +%s) * 1000))
    catalog_sql "CREATE TABLE IF NOT EXISTS usage_events_$(date -u -d "@$secs" +%Y%m)
        PARTITION OF usage_events FOR VALUES FROM ($from) TO ($to)"
}

# catalog_dump: the whole catalog as SQL text (sqlite3 .dump, or pg_dump's schema and data
# without the sequences' positions: a rolled-back INSERT advances a PostgreSQL sequence, which
# is not transactional, and changes no row; a write that did nothing leaves such a gap).
catalog_dump() {
    if [ -n "${MM_PG_ADDRESS:-}" ]; then
        pg_dump_stable --inserts | grep -v '^SELECT pg_catalog.setval('
    else
        sqlite3 "$MM_DB" .dump
    fi
}

# fresh_catalog NAME: points MM_DB at a new, empty catalog: $TEST_TMP/NAME.db, or on PostgreSQL
# a new database beside the test's (dropped with it by tests/postgres/run.sh).
fresh_catalog() {
    if [ -n "${MM_PG_ADDRESS:-}" ]; then
        local base=${MM_PG_ADDRESS#postgresql://*/}
        base=${base%%\?*}
        catalog_sql "CREATE DATABASE ${base}_$1" >/dev/null || fail "could not create ${base}_$1"
        export MM_DB=${MM_PG_ADDRESS/\/$base\?/\/${base}_$1?}
    else
        export MM_DB=$TEST_TMP/$1.db
    fi
}

# catalog_fingerprint: sha256 of the catalog file after a WAL checkpoint, and its SQL dump
# (PostgreSQL: pg_dump's schema and data in one dump, without the random key of the \restrict
# lines pg_dump 15.14 and later writes into every dump).
pg_dump_stable() { "$PG_BIN/pg_dump" --no-owner "$@" "$MM_DB" | grep -Ev '^\\(un)?restrict '; }
catalog_fingerprint() {
    if [ -n "${MM_PG_ADDRESS:-}" ]; then
        pg_dump_stable --inserts
        return
    fi
    sqlite3 "$MM_DB" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
    sha256sum <"$MM_DB"
    sqlite3 "$MM_DB" .dump
}

# assert_refused ARGS...: exit 2, a message on stderr, and the catalog byte for byte unchanged.
assert_refused() {
    local before after
    before=$(catalog_fingerprint)
    mm "$@"
    assert_rc 2 || return 1
    if [ ! -s "$ERR" ]; then
        fail "no message on stderr"
        return 1
    fi
    after=$(catalog_fingerprint)
    if [ "$before" != "$after" ]; then
        fail "the catalog changed"
        diff <(echo "$before") <(echo "$after") | head -20 >&2
        return 1
    fi
}

# assert_refused_key KEY ARGS...: like assert_refused, with KEY on stdin.
assert_refused_key() {
    local key=$1
    shift
    printf '%s\n' "$key" >"$TEST_TMP/key.stdin"
    STDIN_FILE=$TEST_TMP/key.stdin assert_refused "$@"
    rm -f "$TEST_TMP/key.stdin"
}

# start_mmsim: starts the simulator on a free loopback port (stopped by cleanup) and sets PORT;
# exits 0 with SKIP when mmsim is not built, fails the test when it prints no port in 10 s.
start_mmsim() {
    if [ ! -x "${MMSIM:-}" ]; then
        echo "SKIP: mmsim is not built (MMSIM=${MMSIM:-unset})"
        exit 0
    fi
    "$MMSIM" --port 0 --quiet >"$TEST_TMP/sim.out" 2>"$TEST_TMP/sim.err" &
    CLEANUP_PIDS+=($!)
    PORT=
    for _ in $(seq 200); do
        PORT=$(head -n 1 "$TEST_TMP/sim.out" 2>/dev/null)
        [ -n "$PORT" ] && break
        sleep 0.05
    done
    [ -n "$PORT" ] || { fail "mmsim did not start"; finish; }
}

finish() {
    if [ "$FAILURES" -ne 0 ]; then
        echo "$(basename "$0"): $FAILURES failure(s)" >&2
        exit 1
    fi
    echo "$(basename "$0"): ok"
    exit 0
}
