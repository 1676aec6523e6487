#!/usr/bin/env bash
# `mmadmin check` on PostgreSQL (issue 18): sound after ordinary use; then each thing that can go
# wrong on a server is found (an id generator behind its table, an invalid index, a disabled
# foreign-key trigger); and a password in the catalog address is never shown (check, its JSON,
# a connection error, the copy's audit entry). Run by tests/postgres/run.sh (MM_PG_ADDRESS).
: "${MM_PG_ADDRESS:?run me through tests/postgres/run.sh}"
source "$(dirname "$0")/../cli/lib.sh"

# trust authentication ignores the password, so it can ride in the address
WITH_PASSWORD=${MM_PG_ADDRESS/mmadmin@/mmadmin:hunter2ZQX@}
export MM_DB=$WITH_PASSWORD
assert_ok workspace add team
assert_ok model add chat --type chat
assert_ok check
assert_contains out "is sound"
assert_not_contains out "hunter2ZQX"
assert_ok check --json
assert_json 'd["ok"] and d["integrity"] == [] and d["foreign_keys"] == []'
assert_json '"hunter2ZQX" not in d["catalog"] and d["catalog"].startswith("postgresql://mmadmin@")'
# the same server, a database that does not exist (each test has its own database name)
NO_SUCH_DB=$(sed -E 's#@/[^?]*\?#@/nosuchdb?#' <<<"$WITH_PASSWORD")
[[ $NO_SUCH_DB == *"@/nosuchdb?"* ]] || fail "could not name a missing database in $MM_PG_ADDRESS"
mm --db "$NO_SUCH_DB" workspace list
assert_rc 1
assert_contains err "cannot connect"
assert_contains err "or create the database (createdb"
assert_not_contains err "hunter2ZQX"
mm --db "service=mm_no_such_service_$$" workspace list
assert_rc 1
assert_contains err "check the service name and the service file"
# libpq quotes what it cannot parse — the whole address, or the password's own token — and
# those words reach the message: the password is hidden there too
mm --db "postgresql://mmadmin:hunter2ZQX@[::1/db" workspace list
assert_rc 1
assert_contains err 'postgresql://mmadmin:***@[::1/db'
assert_not_contains err "hunter2ZQX"
mm --db "${MM_PG_ADDRESS/mmadmin@/mmadmin:hunter2%ZQX@}" workspace list
assert_rc 1
assert_contains err "percent-encoded"
assert_not_contains err "hunter2"
mm --db "$MM_PG_ADDRESS&password=pw%zz" workspace list
assert_rc 1
assert_not_contains err "pw%zz"
mm --db "$MM_PG_ADDRESS&password=hunter2ZQX&sslmode=bogus" workspace list
assert_rc 1
assert_contains err "sslmode"
assert_not_contains err "hunter2ZQX"
# a database name with control characters is shown without them
mm --db "${MM_PG_ADDRESS%%\?*}%0Abad?${MM_PG_ADDRESS#*\?}" workspace list
assert_rc 1
grep -q "postgresql://mmadmin@/[^ ]* bad?" "$ERR" || fail "the decoded newline shown as a space"
mm catalog copy --to "$TEST_TMP/copy.db"
assert_rc 0
assert_not_contains out "hunter2ZQX"
sqlite3 "$TEST_TMP/copy.db" "SELECT entity_name || after_json FROM audit_log" | grep -q hunter2ZQX &&
    fail "the copy's audit entry shows the password"

# an id generator behind its table: the next insert would fail
pg_sql "SELECT setval(pg_get_serial_sequence('workspaces', 'id'), 1, false)" >/dev/null
mm check
assert_rc 1
assert_contains out "table workspaces: its next id 1 is not past its largest id 1"
assert_contains out "is damaged"
assert_contains out "fix each problem as its line says"
assert_not_contains out "sqlite3"
pg_sql "SELECT setval(pg_get_serial_sequence('workspaces', 'id'), 1)" >/dev/null
assert_ok check

# an invalid index, a disabled foreign-key trigger
pg_sql "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'targets_by_account'::regclass"
mm check --json
assert_rc 1
assert_json 'any("index targets_by_account is invalid" in p for p in d["integrity"])'
pg_sql "UPDATE pg_index SET indisvalid = true WHERE indexrelid = 'targets_by_account'::regclass"
pg_sql "ALTER TABLE targets DISABLE TRIGGER ALL"
mm check --json
assert_rc 1
assert_json 'any("of targets is disabled" in p for p in d["foreign_keys"])'
pg_sql "ALTER TABLE targets ENABLE TRIGGER ALL"
assert_ok check

# ---- a role that may read and write the tables but owns none of them (no CREATE) ----
ROLE=mm_rw_$$
DB_NAME=${MM_PG_ADDRESS#*@/}
DB_NAME=${DB_NAME%%\?*}
pg_sql "CREATE ROLE $ROLE LOGIN" >/dev/null || fail "create role"
trap 'pg_sql "DROP OWNED BY $ROLE" >/dev/null 2>&1; pg_sql "DROP ROLE IF EXISTS $ROLE" >/dev/null 2>&1; cleanup' EXIT
pg_sql "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO $ROLE;
        GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO $ROLE" || fail "grant"
RW=${MM_PG_ADDRESS/mmadmin:hunter2ZQX@/$ROLE@}
RW=${RW/mmadmin@/$ROLE@}
# this month's and the next usage partitions exist (the owner's sessions made them)
assert_ok --db "$RW" workspace add rw-team
assert_ok --db "$RW" workspace list
assert_contains out "rw-team"
# a new database: the role cannot create the catalog there, and is told why and what to do
pg_sql "CREATE DATABASE ${DB_NAME}_nocreate" || fail "create database"
mm --db "${RW/\/$DB_NAME?//${DB_NAME}_nocreate?}" workspace list
assert_rc 1
assert_contains err "(permission denied for schema public)"
assert_contains err "run mmadmin once as their owner"
# only SELECT: a change is refused with the server's reason
pg_sql "REVOKE INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public FROM $ROLE"
mm --db "$RW" workspace add rw-two
assert_rc 1
assert_contains err "permission denied for table workspaces"
finish
