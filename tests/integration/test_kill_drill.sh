#!/usr/bin/env bash
# kill -9 drill, on SQLite (label integration) and on PostgreSQL (label postgres: run by
# tests/postgres/run.sh, MM_PG_ADDRESS set): a loop of `account add` / `workspace add` / `entitle`
# (the first one creating the key file: beside the SQLite file, or MM_KEY_FILE) is killed with
# SIGKILL at a random moment, 10 times; after each, `mmadmin check` passes (SQLite:
# integrity_check), every write that reported success is there, the key file is valid, and on
# PostgreSQL no transaction or advisory lock is left behind.
source "$(dirname "$0")/../cli/lib.sh"
unset MM_MASTER_KEY # the key file is part of the drill
KEY_FILE=$MM_DB.key
if [ -n "${MM_PG_ADDRESS:-}" ]; then
    export MM_KEY_FILE=$TEST_TMP/master.key
    KEY_FILE=$MM_KEY_FILE
fi
export K=sk-proj-drill-0123456789abcdef
ROUNDS=${KILL_DRILL_ROUNDS:-10}
LOG=$TEST_TMP/committed
: >"$LOG"
assert_ok model add chat --type chat

writer() { # ROUND: writes until killed; logs each write that reported success
    local i=0
    while :; do
        i=$((i + 1))
        "$MMADMIN" account add "acc-$1-$i" --provider openai --api-key-env K >/dev/null 2>&1 &&
            echo "account acc-$1-$i" >>"$LOG"
        "$MMADMIN" workspace add "ws-$1-$i" >/dev/null 2>&1 && echo "workspace ws-$1-$i" >>"$LOG"
        "$MMADMIN" entitle chat "ws-$1-$i" --rpm 10 >/dev/null 2>&1 &&
            echo "entitlement ws-$1-$i" >>"$LOG"
    done
}

# PostgreSQL: the killed client's session ends with it: no transaction, no advisory lock stays
no_lock_left() {
    local left=
    for _ in $(seq 50); do
        left=$(pg_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND
            pid <> pg_backend_pid() AND database = (SELECT oid FROM pg_database
            WHERE datname = current_database())") # this test's database on a shared server
        [ "$left" = 0 ] && return 0
        sleep 0.1
    done
    fail "round $1: $left advisory locks left after kill -9"
}

killed_mid_write=0
for round in $(seq "$ROUNDS"); do
    writer "$round" &
    loop=$!
    sleep "$(python3 -c 'import random; print(round(random.uniform(0.3, 2.5), 2))')"
    child=$(pgrep -P "$loop" | head -n 1)
    if [ -n "$child" ]; then
        kill -9 "$child" 2>/dev/null && killed_mid_write=$((killed_mid_write + 1))
    fi
    kill -9 "$loop" 2>/dev/null
    wait "$loop" 2>/dev/null
    mm check
    assert_rc 0 || fail "round $round: check failed after kill -9"
    catalog_sql "SELECT 'account ' || name FROM accounts UNION ALL
        SELECT 'workspace ' || name FROM workspaces UNION ALL
        SELECT 'entitlement ' || w.name FROM entitlements e JOIN workspaces w ON w.id = e.workspace_id" \
        | sort >"$TEST_TMP/present"
    missing=$(sort "$LOG" | comm -23 - "$TEST_TMP/present")
    [ -z "$missing" ] || fail "round $round: committed rows lost: $missing"
    [ -z "${MM_PG_ADDRESS:-}" ] || no_lock_left "$round"
    if [ -e "$KEY_FILE" ]; then
        python3 - "$KEY_FILE" <<'PY' || fail "round $round: the key file is not valid"
import base64, sys
sys.exit(0 if len(base64.b64decode(open(sys.argv[1]).read().strip(), validate=True)) == 32 else 1)
PY
    fi
done
# the catalog still takes writes and decrypts: a last add checks the key against the catalog
assert_ok account add after-drill --provider openai --api-key-env K
ENGINE=SQLite
[ -z "${MM_PG_ADDRESS:-}" ] || ENGINE=PostgreSQL
echo "kill -9 drill on $ENGINE: $ROUNDS rounds, $killed_mid_write kills of a running mmadmin," \
    "$(wc -l <"$LOG") committed writes, all present; check ok after each"
finish
