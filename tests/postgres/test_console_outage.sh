#!/bin/bash
# The console while its catalog's PostgreSQL server is down (issue 18's outage drills): the
# header's alert slot says "catalog unreachable since HH:MM:SS — retrying" with the cause (the
# address shown without its password) on a whole screen that stays drawn, an edit made meanwhile
# fails with a clear message and keeps the form's values, and once the server is back the slot
# clears and the edit saves. On a private server of its own (it stops it), so the ctest run's
# shared server is left alone. Run by tests/postgres/run.sh (MM_PG_ADDRESS).
: "${MM_PG_ADDRESS:?run me through tests/postgres/run.sh}"
source "$(dirname "$0")/pg_lib.sh"
source "$(dirname "$0")/../tui/lib.sh"

OUTAGE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mmpg-console.XXXXXX")
trap 'tui_cleanup; pg_server_stop "$OUTAGE_DIR"' EXIT
pg_server_start "$OUTAGE_DIR" || exit 1
"$PG_BIN/createdb" -h "$OUTAGE_DIR" -U mmadmin console || exit 1
export MM_DB="postgresql://mmadmin:hunter2ZQX@/console?host=$OUTAGE_DIR"

start_sim
add_account alpha openai "sk-alpha-0123456789wxyz" --endpoint "$(sim_url openai)" --rpm 100
start_ui
wait_for_text "alpha"
assert_screen_not_contains "catalog unreachable"

pg_server_halt "$OUTAGE_DIR"
wait_for_text "catalog unreachable since" 10
screen | grep -qE "catalog unreachable since [0-9]{2}:[0-9]{2}:[0-9]{2} — retrying" ||
    fail "the header does not say since when it retries"
assert_screen_contains "The catalog does not answer:"
# the whole frame stays drawn around it: the page, the sidebar, the bottom bar
assert_screen_contains "Provider Accounts"
assert_screen_contains "alpha"
assert_screen_contains "1 Accounts"
assert_screen_contains "F10 q Quit"
assert_screen_not_contains "hunter2ZQX"
[[ -s $TUI_TMP/ui.err ]] && fail "the console wrote to stderr (it garbles the screen): $(cat "$TUI_TMP/ui.err")"
# at 80 columns the slot takes its compact form and leaves the catalog's path its room: the
# header reads "mmadmin  catalog: <path>  unreachable since HH:MM:SS", nothing drawn over another
tmux -L "$TUI_SOCK" resize-window -t main -x 80 -y 24
wait_for_text "unreachable since" 5
sleep 0.5
header=$(screen | head -n 1)
[[ $header =~ ^\ mmadmin\ \ catalog:\ postgresql://.{8,}\ +unreachable\ since\ [0-9]{2}:[0-9]{2}:[0-9]{2}\ *$ ]] ||
    fail "the 80-column header crowds the catalog's path or the slot: '$header'"
tmux -L "$TUI_SOCK" resize-window -t main -x "$TUI_COLS" -y "$TUI_ROWS"
wait_for_text "catalog unreachable since" 5
# reading a page meanwhile says why it cannot
send_keys 2
wait_for_text "the catalog" 5
send_keys 1
wait_for_text "Provider Accounts" 5

# an edit opened before the outage and saved during it fails, says so, keeps the typed value
pg_server_resume "$OUTAGE_DIR" || exit 1
wait_for_gone "catalog unreachable since" 10
send_keys Home Enter
wait_for_text "Edit account alpha"
pg_server_halt "$OUTAGE_DIR"
wait_for_text "catalog unreachable since" 10
send_keys Tab Tab Tab Tab C-u
type_text "321"
send_keys F2
sleep 2
assert_screen_contains "Edit account alpha"
assert_screen_contains "321"
assert_screen_not_contains "Account alpha saved"
assert_screen_contains "Not saved: lost the connection to the catalog"

pg_server_resume "$OUTAGE_DIR" || exit 1
wait_for_gone "catalog unreachable since" 10
send_keys F2
wait_for_text "Account alpha saved" 10
"$MMADMIN" account show alpha | grep -q "321" || fail "the save after the outage did not apply 321"
assert_screen_not_contains "catalog unreachable"
[[ -s $TUI_TMP/ui.err ]] && fail "the console wrote to stderr: $(cat "$TUI_TMP/ui.err")"
send_keys q
wait_exit
pass
