#!/usr/bin/env bash
# An account whose stored key cannot be decrypted (the master key right, its secret damaged):
# `mmadmin monitor` skips it, and `account show`, `health` and `health --json` say so and the
# command that sets the key again, in the same words; once the key is set again they do not.
source "$(dirname "$0")/lib.sh"

export KEY_A=sk-test-alpha-0001 KEY_B=sk-test-bravo-0002
assert_ok account add alpha --provider openai-compatible --endpoint http://127.0.0.1:9/v1 \
    --api-key-env KEY_A
assert_ok account add bravo --provider openai-compatible --endpoint http://127.0.0.1:9/v1 \
    --api-key-env KEY_B
garbage=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233
if [ -n "${MM_PG_ADDRESS:-}" ]; then
    catalog_sql "UPDATE accounts SET key_cipher = '\\x$garbage'::bytea WHERE name = 'bravo';"
else
    catalog_sql "UPDATE accounts SET key_cipher = X'$garbage' WHERE name = 'bravo';"
fi

# one probe round: bravo's last test is written once the round is over
"$MMADMIN" monitor --interval 1 </dev/null >"$TEST_TMP/monitor.out" 2>&1 &
MONITOR=$!
CLEANUP_PIDS+=("$MONITOR")
tested() { catalog_sql "SELECT count(*) FROM account_status s JOIN accounts a ON a.id = \
s.account_id WHERE a.name = 'bravo';"; }
for _ in $(seq 1 300); do # a bound on the wait, not a timing check
    [ "$(tested)" = 1 ] && break
    sleep 0.1
done
kill -TERM "$MONITOR"
wait "$MONITOR"
[ "$(tested)" = 1 ] || fail "the monitor wrote no last test for bravo: $(cat "$TEST_TMP/monitor.out")"
grep -q "1 accounts not probed: their API key cannot be decrypted (e.g. bravo)" \
    "$TEST_TMP/monitor.out" || fail "the monitor's log does not say bravo was skipped"

reason='the stored API key cannot be decrypted; set it again: `mmadmin account edit bravo --api-key-env VAR`'
export REASON=$reason
assert_ok account show bravo
assert_contains out "not probed: $reason"
assert_ok health
assert_contains out "bravo is unknown: $reason"
assert_ok health --json
assert_json '(d[1]["account"] == "bravo" and d[1]["status"] == "unknown" and
    d[1]["status_reason"] == __import__("os").environ["REASON"] and
    "cannot be decrypted" not in d[0]["status_reason"])'

# the key set again: the last test is forgotten, and the reason with it
assert_ok account edit bravo --api-key-env KEY_B
assert_ok health
assert_not_contains out "cannot be decrypted"
assert_ok health --json
assert_json 'd[1]["status_reason"] == "no probe or request in the last hour"'
finish
