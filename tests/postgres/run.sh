#!/usr/bin/env bash
# Runs one test program against a private PostgreSQL server (tests/postgres/pg_lib.sh): the
# same unit test body that runs on SQLite, now with MM_DB pointing at the server.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/pg_lib.sh"
pg_start
"$@"
rc=$?
pg_stop
exit $rc
