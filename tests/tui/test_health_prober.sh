#!/bin/bash
# The header's prober state, right on every page: "other (holder)" while a headless
# `mmadmin monitor` holds the lease, "this console" once it stops (taken over within the lease),
# "off (read-only)" for a read-only console, which still shows the figures (also at 80x24), and
# "off (master key)" for one whose master key does not open the accounts' keys;
# probe-now says why it does nothing when this console is not the prober; SIGTERM stops the
# monitor cleanly and releases the lease.
source "$(dirname "$0")/lib.sh"
MONITOR_PID=""
trap '[[ -n "$MONITOR_PID" ]] && kill "$MONITOR_PID" 2>/dev/null; tui_cleanup' EXIT
start_sim
add_account web-openai openai "sk-web-openai-0123456789" --endpoint "$(sim_url openai)"
add_account claude-main anthropic "sk-ant-claude-0123456789" --endpoint "$(sim_url anthropic)"
"$MMADMIN" health config --lease 2 --probe-interval 1 >/dev/null ||
    fail "health config refused the test's settings"

console_pid() { # the console of this test's pane (not any other mmadmin on the machine)
    pgrep -P "$(tmux -L "$TUI_SOCK" display-message -p '#{pane_pid}')" -f "^$MMADMIN" | head -n 1
}
if [[ -n ${MM_PG_ADDRESS:-} ]]; then # catalog_value SQL: one value from the catalog
    source "$(dirname "$0")/../postgres/pg_lib.sh" # PG_BIN
    catalog_value() { "$PG_BIN/psql" -X -q -At "$MM_DB" -c "$1" 2>/dev/null; }
else
    catalog_value() { sqlite3 "$MM_DB" "$1" 2>/dev/null; }
fi
lease_holder() { catalog_value "SELECT holder FROM leases WHERE name = 'prober';"; }
"$MMADMIN" monitor >"$TUI_TMP/monitor.log" 2>&1 &
MONITOR_PID=$!
for _ in $(seq 1 200); do
    [[ -n "$(lease_holder)" ]] && break
    sleep 0.05
done
[[ -n "$(lease_holder)" ]] || fail "the headless monitor did not take the prober lease"

# --- another process probes: the console watches (the Accounts page shows it too)
start_ui
wait_for_text "prober: other ("
send_keys 4
wait_for_text "Another process probes; this console watches."
wait_for_text "web-openai"
send_keys p
wait_for_text "This console is not the prober"

# --- the monitor stops: this console takes over within the lease
kill -TERM "$MONITOR_PID"
wait "$MONITOR_PID" || fail "mmadmin monitor did not stop cleanly: $(cat "$TUI_TMP/monitor.log")"
MONITOR_PID=""
wait_for_text "prober: this console"
wait_for_text "Probing every 1 s"
send_keys p
wait_for_text "Probing every enabled account now"

# --- SIGTERM: the console leaves cleanly, its monitor stopped and the lease released
kill -TERM "$(console_pid)"
wait_exit
[[ -z "$(lease_holder)" ]] || fail "the console left the prober lease held: $(lease_holder)"

# --- read-only: figures, no probing
start_ui --read-only
wait_for_text "prober: off (read-only)"
send_keys 4
wait_for_text "Read-only: watching, not probing."
wait_for_text "● healthy"
# 80x24: the low-priority columns go, account, status, p95, errors and the sparkline stay (each
# waited for: the frame after a resize may be caught half drawn, its columns not all there yet)
tmux -L "$TUI_SOCK" resize-window -x 80 -y 24
wait_for_gone "Tok in"
wait_for_text "p95 1h"
wait_for_text "Err/h"
wait_for_text "● healthy"
assert_screen_not_contains "Tok in"
tmux -L "$TUI_SOCK" resize-window -x 120 -y 40
wait_for_text "Provider Health"
send_keys p
wait_for_text "Read-only: this console does not probe"
send_keys q
wait_exit

# --- a master key that does not open the accounts' keys: watching, not probing (each probe
# would be recorded as the provider's failure, and each account's last test overwritten)
MM_MASTER_KEY=BBECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8= start_ui
wait_for_text "prober: off (master key)"
wait_for_text "Not probing: the master key"
send_keys 4
wait_for_text "web-openai"
[[ $(catalog_value "SELECT count(*) FROM usage_events WHERE message LIKE '%master key%'") == 0 ]] ||
    fail "probes were recorded with a wrong master key"
send_keys q
wait_exit
pass
