#!/usr/bin/env bash
# PostgreSQL servers for the tests (sourced): one server in a temporary folder (Unix socket
# there, no TCP), shared by a ctest run or private to one test, and a fresh database per test.
#
# pg_server_start DIR / pg_server_stop DIR: initdb into DIR/data and start the server with its
# socket in DIR; stop it (immediate) and remove DIR (pg_server_halt / pg_server_resume: stop it
# and start it again, for an outage). Run as root, the server runs as
# $MM_PG_USER (default: nobody), which owns DIR; PostgreSQL refuses to run as root.
# pg_start: exports MM_DB=MM_PG_ADDRESS=postgresql://mmadmin@/DATABASE?host=DIR, a database of
# its own: on the ctest run's shared server when $MM_PG_SHARED names a file holding a live
# server's DIR (tests/postgres/server.sh, a ctest fixture), else on a private server.
# Exits 77 (ctest: skipped) when the server binaries are missing. pg_stop (drop the database,
# or stop the private server) runs before the EXIT trap the caller had (cli/lib.sh's
# cleanup); TERM and INT exit through it too, so a stopped test leaves nothing behind.

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PG_DIR=
PG_DATABASE=
PG_PRIVATE=
PG_RUN=()

pg_have_binaries() {
    [[ -n $PG_BIN && -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl ]]
}

# pg_run_as_owner: sets PG_RUN to run a command as the server's unprivileged owner.
pg_run_as_owner() {
    PG_RUN=()
    [[ $(id -u) == 0 ]] && PG_RUN=(runuser -u "${MM_PG_USER:-nobody}" --)
}

pg_server_stop() {
    local dir=$1
    [[ -n $dir && -d $dir ]] || return 0
    pg_run_as_owner
    if [[ -f $dir/data/postmaster.pid ]]; then
        "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
    fi
    rm -rf "$dir"
}

# pg_server_start DIR [MAX_CONNECTIONS]: returns 1 (with the log on stderr) when it failed.
pg_server_start() {
    local dir=$1 connections=${2:-40}
    chmod 0755 "$dir"
    pg_run_as_owner
    [[ $(id -u) == 0 ]] && chown "${MM_PG_USER:-nobody}" "$dir"
    if ! "${PG_RUN[@]}" "$PG_BIN/initdb" -D "$dir/data" -U mmadmin --auth=trust \
        --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1; then
        echo "initdb failed:" >&2
        cat "$dir/initdb.log" >&2
        return 1
    fi
    pg_server_resume "$dir" "$connections"
}

# pg_server_halt DIR / pg_server_resume DIR [MAX_CONNECTIONS]: stops a started server (fast:
# its sessions are cut) and starts it again, its data kept (a test of an outage).
pg_server_halt() {
    pg_run_as_owner
    "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$1/data" -m fast -w stop >/dev/null 2>&1
}

pg_server_resume() {
    local dir=$1 connections=${2:-40}
    pg_run_as_owner
    local options="-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off"
    options+=" -c synchronous_commit=off -c full_page_writes=off"
    options+=" -c max_connections=$connections"
    if ! "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -o "$options" -l "$dir/server.log" \
        -w -t 60 start >/dev/null 2>&1; then
        echo "the PostgreSQL server did not start:" >&2
        cat "$dir/server.log" >&2
        return 1
    fi
}

# pg_commit_proxy_start PROXY_DIR SERVER_DIR ERR_FILE: starts pg_commit_proxy.py, a socket in
# PROXY_DIR to the server's in SERVER_DIR that drops a connection right after the server's COMMIT
# once PROXY_DIR/arm exists (PROXY_DIR/arm.done once it did); its pid is added to the caller's
# CLEANUP_PIDS, its stderr goes to ERR_FILE. 1 (saying why) when it is not ready within 5 s.
pg_commit_proxy_start() {
    local proxy_dir=$1 server_dir=$2 err=$3 i
    python3 "$(dirname "${BASH_SOURCE[0]}")/pg_commit_proxy.py" "$proxy_dir" "$server_dir" \
        "$proxy_dir/arm" 2>"$err" &
    CLEANUP_PIDS+=("$!")
    for ((i = 0; i < 100; i++)); do
        [[ -e $proxy_dir/ready ]] && return 0
        sleep 0.05
    done
    echo "the proxy did not start: $(cat "$err")" >&2
    return 1
}

# pg_server_psql DIR SQL: SQL on the server's maintenance database (postgres).
pg_server_psql() {
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At -h "$1" -U mmadmin -d postgres -c "$2"
}

# pg_shared_dir: the live shared server's folder named by $MM_PG_SHARED, or nothing.
pg_shared_dir() {
    local dir=
    [[ -n ${MM_PG_SHARED:-} && -s $MM_PG_SHARED ]] || return 0
    dir=$(head -n 1 "$MM_PG_SHARED")
    [[ -d $dir ]] && "$PG_BIN/pg_isready" -q -h "$dir" -U mmadmin -d postgres && echo "$dir"
}

pg_stop() {
    if [[ -n ${PG_CHILD:-} ]] && kill -0 "$PG_CHILD" 2>/dev/null; then
        kill "$PG_CHILD" 2>/dev/null
        wait "$PG_CHILD" 2>/dev/null
    fi
    if [[ -n $PG_DATABASE && -n $PG_DIR && -z $PG_PRIVATE ]]; then
        local db
        # the test's database and those it made beside it (cli/lib.sh's fresh_catalog)
        for db in $(pg_server_psql "$PG_DIR" "SELECT datname FROM pg_database WHERE datname =
                '$PG_DATABASE' OR datname LIKE '${PG_DATABASE}\_%'" 2>/dev/null); do
            pg_server_psql "$PG_DIR" "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
        done
        # the unit tests' own databases (tests/unit/testutil.c: mmtest_PID of the test program)
        [[ -n ${PG_CHILD:-} ]] &&
            pg_server_psql "$PG_DIR" "DROP DATABASE IF EXISTS mmtest_$PG_CHILD WITH (FORCE)" \
                >/dev/null 2>&1
    fi
    [[ -n $PG_PRIVATE ]] && pg_server_stop "$PG_DIR"
    PG_DIR= PG_DATABASE= PG_PRIVATE=
}

pg_start() {
    if ! pg_have_binaries; then
        echo "SKIP: no PostgreSQL server binaries (make deps installs them)" >&2
        exit 77
    fi
    local previous=
    if [[ -n $(trap -p EXIT) ]]; then
        eval "set -- $(trap -p EXIT)"
        previous=$3
    fi
    trap "pg_stop${previous:+; $previous}" EXIT
    trap 'exit 143' TERM
    trap 'exit 130' INT
    PG_DIR=$(pg_shared_dir)
    if [[ -z $PG_DIR ]]; then
        PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mmpg.XXXXXX")
        PG_PRIVATE=1
        pg_server_start "$PG_DIR" || exit 1
    fi
    PG_DATABASE=mmadmin
    if [[ -z $PG_PRIVATE ]]; then
        PG_DATABASE="t_$$_${RANDOM}"
    fi
    "$PG_BIN/createdb" -h "$PG_DIR" -U mmadmin "$PG_DATABASE" || exit 1
    export MM_PG_ADDRESS="postgresql://mmadmin@/$PG_DATABASE?host=$PG_DIR"
    export MM_DB=$MM_PG_ADDRESS
}

# pg_sql SQL: runs SQL in the test database through psql (quiet, stops at the first error).
pg_sql() {
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At "$MM_PG_ADDRESS" -c "$1"
}
