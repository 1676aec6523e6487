#!/usr/bin/env bash
# A command whose output cannot be written (stdout on a full disk: /dev/full) says so and fails,
# whatever the command: a script reading the exit code must never take a cut output for the whole
# one. SQLite only: it is about the CLI's standard output, not the catalog.
source "$(dirname "$0")/lib.sh"

assert_ok account add a1 --provider openai-compatible --endpoint http://127.0.0.1:9/v1
assert_ok model add chat --type chat

# full ARGS...: runs mmadmin ARGS with its stdout on /dev/full; sets RC and ERR
full() {
    LAST_CMD="mmadmin $* >/dev/full"
    : >"$OUT"
    "$MMADMIN" "$@" </dev/null >/dev/full 2>"$ERR"
    RC=$?
}

for cmd in "health" "health --json" "account list" "account show a1" "model list" "prices list" \
    "export" "help" "--help" "--version"; do
    # shellcheck disable=SC2086 # the words are the command's arguments
    full $cmd
    assert_rc 1 || continue
    # health --json says it in its own words
    grep -q -E "writing the output failed|could not write the JSON output" "$ERR" ||
        fail "no message says the output was not written"
done

# the same commands with a writable output still succeed
assert_ok health
assert_ok account show a1
finish
