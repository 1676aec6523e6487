#!/usr/bin/env bash
# PostgreSQL ingest and admission figures: starts a private server (tests/postgres/pg_lib.sh:
# initdb in a temporary folder, a Unix socket there, no TCP, fsync off; as root the server runs
# as an unprivileged user), runs bench_usage --postgres against it, and stops it (also by trap).
set -euo pipefail
build=${MM_BUILD_DIR:-build-bench}
source "$(dirname "${BASH_SOURCE[0]}")/../postgres/pg_lib.sh"
if [[ -z $PG_BIN || ! -x $PG_BIN/initdb ]]; then
    echo "skipped: no PostgreSQL server binaries (make deps installs them)"
    exit 0
fi
pg_start
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'): a private server" \
    "(fsync=off, synchronous_commit=off), the catalog and the raw table in the same database"
"$build/bench_usage" --postgres "$MM_PG_ADDRESS"
pg_stop
