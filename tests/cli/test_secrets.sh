#!/usr/bin/env bash
# API keys never appear in the catalog file, its WAL, its SQL dump, the audit log or any
# output: only the hint (last four characters) is ever shown. On PostgreSQL (label postgres) the
# files checked are the server's whole data folder (tables and WAL) and the dump is pg_dump's.
source "$(dirname "$0")/lib.sh"

SECRET1=sk-proj-ZQXSECRETONE7f3a9c2b8d
SECRET2=sk-ant-ZQXSECRETTWO55e1d0c4aa
SECRET3=ZQXSECRETTHREE0a1b2c3d4e5f6
assert_ok workspace add warmup

# Hold the catalog open from another connection so the writes stay in the -wal file.
if [ -z "${MM_PG_ADDRESS:-}" ]; then
    mkfifo "$TEST_TMP/holder.in"
    sqlite3 "$MM_DB" <"$TEST_TMP/holder.in" >"$TEST_TMP/holder.out" 2>&1 &
    CLEANUP_PIDS+=($!)
    exec 3>"$TEST_TMP/holder.in"
    echo "SELECT 'ready', count(*) FROM sqlite_master;" >&3
    for _ in $(seq 100); do
        grep -q ready "$TEST_TMP/holder.out" && break
        sleep 0.05
    done
fi

export SECRET1
mm_key "$SECRET2" account add anth --provider anthropic --api-key-stdin
assert_rc 0
assert_ok account add prod-openai --provider openai --api-key-env SECRET1 --rpm 10
mm_key "$SECRET3" account add gem --provider gemini --api-key-stdin
assert_rc 0
# a rotation: the old and new keys must both stay invisible
export SECRET1B=sk-proj-ZQXSECRETROTATED0000
assert_ok account edit prod-openai --api-key-env SECRET1B

check_no_secret() { # FILE LABEL
    [ -e "$1" ] || return 0
    if strings -n 6 "$1" | grep -q ZQXSECRET; then
        fail "$2 shows an API key"
    fi
}
if [ -n "${MM_PG_ADDRESS:-}" ]; then # the server's data folder: every table and the WAL
    data=${MM_PG_ADDRESS##*host=}/data
    [ -d "$data/pg_wal" ] || fail "no server data folder at $data"
    grep -r -a -q ZQXSECRET "$data" && fail "the server's files show an API key"
else
    [ -s "$MM_DB-wal" ] || fail "expected the writes in $MM_DB-wal"
    check_no_secret "$MM_DB" "strings catalog.db"
    check_no_secret "$MM_DB-wal" "strings catalog.db-wal"
    check_no_secret "$MM_DB-shm" "strings catalog.db-shm"

    echo ".quit" >&3
    exec 3>&-
    wait
    CLEANUP_PIDS=()
fi

catalog_dump >"$TEST_TMP/dump.sql"
grep -q ZQXSECRET "$TEST_TMP/dump.sql" && fail "the catalog's SQL dump shows an API key"
grep -q -i "anth" "$TEST_TMP/dump.sql" || fail "the dump does not even hold the accounts"
[ -n "${MM_PG_ADDRESS:-}" ] || check_no_secret "$MM_DB" "strings catalog.db after checkpoint"

for args in "account list" "account list --json" "account show prod-openai" \
    "account show prod-openai --json" "account show anth --json" "audit --json --limit 100" \
    "audit --limit 100"; do
    # shellcheck disable=SC2086
    assert_ok $args
    assert_not_contains out ZQXSECRET
    assert_not_contains err ZQXSECRET
done
assert_ok account show prod-openai --json
assert_json 'd["key_hint"].endswith("0000") and len(d["key_hint"]) < 12'
assert_ok account show anth --json
assert_json 'd["key_hint"].endswith("c4aa")'

# the key file / master key: a catalog with secrets refuses a wrong master key, unchanged
before=$(catalog_fingerprint)
MM_MASTER_KEY=BBECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8= mm account edit prod-openai --api-key-env SECRET1
[ "$RC" != 0 ] || fail "a wrong master key was accepted"
[ -s "$ERR" ] || fail "no message for a wrong master key"
[ "$before" = "$(catalog_fingerprint)" ] || fail "the catalog changed after a wrong master key"
# the monitor refuses it too, before probing: each probe would be recorded as the provider's
# failure (and the account's last test overwritten) for every host of the catalog to see
MM_MASTER_KEY=BBECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8= timeout 30 "$MMADMIN" monitor \
    --interval 1 </dev/null >"$OUT" 2>"$ERR"
RC=$?
[ "$RC" = 1 ] || fail "monitor with a wrong master key exited $RC, not 1"
assert_contains err "the monitor cannot read the accounts' keys: the master key"
[ "$before" = "$(catalog_fingerprint)" ] || fail "the monitor recorded probes with a wrong master key"
finish
