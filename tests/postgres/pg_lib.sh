#!/usr/bin/env bash
# A private PostgreSQL server for one test (sourced): initdb into a temporary folder, a Unix
# socket there and no TCP, started by pg_ctl and stopped by a trap; exports MM_DB / MM_PG_ADDRESS.
#
# pg_start: sets PG_DIR and exports MM_DB=MM_PG_ADDRESS=postgresql://mmadmin@/mmadmin?host=DIR.
# Exits 77 (ctest: skipped) when the server binaries are missing. Run as root, the server runs
# as $MM_PG_USER (default: nobody), which owns the folder; PostgreSQL refuses to run as root.
# pg_stop runs before the EXIT trap the caller had (cli/lib.sh's cleanup); TERM and INT exit
# through it too, so a stopped test leaves no server behind.

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PG_DIR=
PG_RUN=()

pg_stop() {
    [[ -n $PG_DIR && -d $PG_DIR ]] || return 0
    if [[ -f $PG_DIR/data/postmaster.pid ]]; then
        "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
    fi
    rm -rf "$PG_DIR"
    PG_DIR=
}

pg_start() {
    if [[ -z $PG_BIN || ! -x $PG_BIN/initdb || ! -x $PG_BIN/pg_ctl ]]; then
        echo "SKIP: no PostgreSQL server binaries (make deps installs them)" >&2
        exit 77
    fi
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mmpg.XXXXXX")
    chmod 0755 "$PG_DIR"
    if [[ $(id -u) == 0 ]]; then
        local user=${MM_PG_USER:-nobody}
        chown "$user" "$PG_DIR"
        PG_RUN=(runuser -u "$user" --)
    fi
    local previous=
    if [[ -n $(trap -p EXIT) ]]; then
        eval "set -- $(trap -p EXIT)"
        previous=$3
    fi
    trap "pg_stop${previous:+; $previous}" EXIT
    trap 'exit 143' TERM
    trap 'exit 130' INT
    if ! "${PG_RUN[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U mmadmin --auth=trust \
        --no-sync -E UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1; then
        echo "initdb failed:" >&2
        cat "$PG_DIR/initdb.log" >&2
        exit 1
    fi
    local options="-c listen_addresses='' -c unix_socket_directories='$PG_DIR' -c fsync=off"
    options+=" -c synchronous_commit=off -c full_page_writes=off -c max_connections=40"
    if ! "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -o "$options" -l "$PG_DIR/server.log" \
        -w -t 60 start >/dev/null 2>&1; then
        echo "the PostgreSQL server did not start:" >&2
        cat "$PG_DIR/server.log" >&2
        exit 1
    fi
    "$PG_BIN/createdb" -h "$PG_DIR" -U mmadmin mmadmin || exit 1
    export MM_PG_ADDRESS="postgresql://mmadmin@/mmadmin?host=$PG_DIR"
    export MM_DB=$MM_PG_ADDRESS
}

# pg_sql SQL: runs SQL in the test database through psql (quiet, stops at the first error).
pg_sql() {
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At "$MM_PG_ADDRESS" -c "$1"
}
