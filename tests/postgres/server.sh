#!/usr/bin/env bash
# The PostgreSQL server one ctest run shares (the fixtures postgres.server_start and
# postgres.server_stop in tests/CMakeLists.txt): each test makes its own database on it.
#
# server.sh start STATE: starts a server in a new temporary folder (tests/postgres/pg_lib.sh)
# and writes that folder into the file STATE, which tests/postgres/run.sh reads
# ($MM_PG_SHARED). A watchdog stops the server when ctest exits without the stop fixture
# (killed). Without the server binaries it does nothing: each test then skips (77).
# server.sh stop STATE: stops the server, its watchdog, and removes the folder and STATE.
# One ctest run of label postgres at a time per build folder: a second run's start stops the
# first run's server.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/pg_lib.sh"
action=${1:?start or stop} state=${2:?the state file}

stop() {
    local dir watchdog
    [[ -s $state ]] || { rm -f "$state"; return 0; }
    dir=$(sed -n 1p "$state")
    watchdog=$(sed -n 2p "$state")
    # the watchdog only if that pid is still ours (it names this server's folder)
    [[ -n $watchdog ]] && tr '\0' ' ' <"/proc/$watchdog/cmdline" 2>/dev/null | grep -q -F "$dir" &&
        kill "$watchdog" 2>/dev/null
    case $dir in "${TMPDIR:-/tmp}"/mmpg-shared.*) pg_server_stop "$dir" ;; esac
    rm -f "$state"
}

case $action in
stop) stop ;;
start)
    stop # a run killed before its stop fixture
    pg_have_binaries || { echo "no PostgreSQL server binaries: the postgres tests skip"; exit 0; }
    dir=$(mktemp -d "${TMPDIR:-/tmp}/mmpg-shared.XXXXXX")
    pg_server_start "$dir" 150 || { pg_server_stop "$dir"; exit 1; }
    ctest_pid=$PPID
    setsid bash -c 'source "$1"; while kill -0 "$2" 2>/dev/null && [[ -d $3/data ]]; do
            sleep 2; done; pg_server_stop "$3"; [[ $(head -n 1 "$4") != "$3" ]] || rm -f "$4"' \
        watchdog "$(cd "$(dirname "$0")" && pwd)/pg_lib.sh" "$ctest_pid" "$dir" "$state" \
        </dev/null >/dev/null 2>&1 &
    printf '%s\n%s\n' "$dir" "$!" >"$state"
    echo "PostgreSQL server in $dir (watchdog $!, watching ctest $ctest_pid)"
    ;;
*) echo "usage: server.sh start|stop STATE" >&2; exit 2 ;;
esac
