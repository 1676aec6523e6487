#!/usr/bin/env bash
# Runs one test (a unit test program or a script) against PostgreSQL (tests/postgres/pg_lib.sh):
# the same test body that runs on SQLite, now with MM_DB, MM_PG_ADDRESS and MM_TEST_DB (the unit
# tests' catalog fixture: a fresh database per test) pointing at a database of its own on the
# ctest run's shared server (or a private one); the database is dropped when the test ends.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/pg_lib.sh"
pg_start
export MM_TEST_DB=$MM_PG_ADDRESS
"$@" &
PG_CHILD=$!
wait "$PG_CHILD"
rc=$?
pg_stop
exit $rc
