#!/usr/bin/env bash
# Runs one test program against a private PostgreSQL server (tests/postgres/pg_lib.sh): the
# same unit test body that runs on SQLite, now with MM_DB and MM_TEST_DB (the unit tests' catalog
# fixture: a fresh database per test) pointing at the server.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/pg_lib.sh"
pg_start
export MM_TEST_DB=$MM_PG_ADDRESS
"$@"
rc=$?
pg_stop
exit $rc
