#!/usr/bin/env bash
# The catalog under faults: `mmadmin check` tells a sound file from a damaged one (exit 0 / 1);
# a catalog with damaged pages refuses every write (not only the reads that hit the damage);
# a full disk says so, with the bytes free, for the catalog and for the key file (a real
# 1 MiB tmpfs: skipped with a note when mount is not permitted).
# SQLite only: it damages pages of the SQLite file and fills the disk under it (a PostgreSQL
# catalog's check is tests/postgres/test_check_pg.sh; the server owns its files).
source "$(dirname "$0")/lib.sh"

export K1=sk-proj-faults-one-0123456789
assert_ok workspace add w1
assert_ok account add a1 --provider openai --api-key-env K1
assert_ok account add a2 --provider openai --api-key-env K1
assert_ok check
assert_contains out "integrity_check: ok"
assert_contains out "foreign_key_check: ok"
assert_contains out "is sound"
assert_ok check --json
assert_json 'd["ok"] is True and d["integrity"] == [] and d["foreign_keys"] == []'
echo "ok - check passes a sound catalog"

# damage the accounts table's root page (its b-tree header) in the file itself
sqlite3 "$MM_DB" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
page=$(sqlite3 "$MM_DB" "SELECT rootpage FROM sqlite_master WHERE name = 'accounts'")
python3 - "$MM_DB" "$page" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek((int(sys.argv[2]) - 1) * 4096)
    f.write(b"\x0d\x00\x07\xff\xff" + b"\xee" * 2000)
PY
file_sum() { sha256sum "$MM_DB" "$MM_DB-wal" 2>/dev/null; }
before=$(file_sum)
mm account list
assert_rc 1
assert_contains err "is damaged"
assert_contains err "mmadmin check"
mm workspace add w2 # touches no damaged page: refused all the same
assert_rc 1
assert_contains err "is damaged"
assert_contains err "nothing was changed"
mm entitle nosuch w1
assert_rc 1
assert_contains err "is damaged"
[ "$before" = "$(file_sum)" ] || fail "a damaged catalog was written"
mm check
assert_rc 1
assert_contains out "integrity_check: "
assert_contains out "Page $page"
assert_contains out "is damaged"
mm check --json
assert_rc 1
assert_json 'd["ok"] is False and len(d["integrity"]) >= 1'
echo "ok - a damaged catalog refuses every write and check reports it (exit 1)"

# a full disk: a 1 MiB tmpfs holding a catalog and a file that fills it
SMALL=$TEST_TMP/small
mkdir -p "$SMALL"
if ! mount -t tmpfs -o size=1m tmpfs "$SMALL" 2>/dev/null; then
    echo "note - mount not permitted here: the full-disk drill is skipped"
    finish
fi
trap 'umount "$SMALL" 2>/dev/null; cleanup' EXIT
export MM_DB=$SMALL/catalog.db
dump_sum() { sqlite3 "$MM_DB" .dump | sha256sum; }
assert_ok workspace add w1
sqlite3 "$MM_DB" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
dd if=/dev/zero of="$SMALL/fill" bs=4096 2>/dev/null
before=$(dump_sum)
mm workspace add w2
assert_rc 1
assert_contains err "the disk holding $MM_DB is full ("
assert_contains err "bytes free); nothing was changed"
assert_not_contains err "disk I/O error"
[ "$before" = "$(dump_sum)" ] || fail "the catalog changed on a full disk"
rm -f "$SMALL/fill"

# the key file on a full disk: another connection keeps the WAL's space (checkpointed, so it is
# reused), and the first secret must create the key file
unset MM_MASTER_KEY
mkfifo "$TEST_TMP/holder.in"
sqlite3 "$MM_DB" <"$TEST_TMP/holder.in" >"$TEST_TMP/holder.out" 2>&1 &
CLEANUP_PIDS+=($!)
exec 3>"$TEST_TMP/holder.in"
for w in w3 w4 w5 w6; do assert_ok workspace add $w; done
echo "PRAGMA wal_checkpoint; SELECT 'ready';" >&3
for _ in $(seq 100); do
    grep -q ready "$TEST_TMP/holder.out" && break
    sleep 0.05
done
dd if=/dev/zero of="$SMALL/fill" bs=4096 2>/dev/null
mm account add a1 --provider openai --api-key-env K1
assert_rc 1
assert_contains err "the disk holding $MM_DB.key is full ("
[ -e "$MM_DB.key" ] && fail "a key file was left on a full disk"
ls "$SMALL" | grep -q tmp- && fail "a temporary key file was left on a full disk"
echo ".quit" >&3
exec 3>&-
wait
CLEANUP_PIDS=()
rm -f "$SMALL/fill"
assert_ok account add a1 --provider openai --api-key-env K1
assert_ok workspace add w2
assert_ok check
echo "ok - a full disk says so for the catalog and the key file, and nothing was changed"
finish
