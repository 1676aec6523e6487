#!/usr/bin/env bash
# Usage: --help for every command and subcommand exits 0 and shows usage, options and an
# example; unknown commands and options exit 2 with a hint; --version.
source "$(dirname "$0")/lib.sh"

assert_ok --help
assert_contains out "Usage: mmadmin"
assert_ok --version
assert_contains out "mmadmin "
assert_ok --help
commands=$(awk '/^Commands:/ {on=1; next} on && /^  [a-z]/ {print $1} /^$/ {if (on) exit}' "$OUT")
[ -n "$commands" ] || fail "no commands listed in mmadmin --help"
for command in account model target workspace entitle revoke entitlements audit; do
    echo "$commands" | grep -qx "$command" || fail "'$command' missing from mmadmin --help"
done

for command in $commands; do
    assert_ok "$command" --help
    assert_contains out "Usage: mmadmin $command"
    if grep -q '^Subcommands:' "$OUT"; then
        subs=$(awk '/^Subcommands:/ {on=1; next} on && /^  [a-z]/ {print $1} /^$/ {if (on) exit}' "$OUT")
        for sub in $subs; do
            assert_ok "$command" "$sub" --help
            assert_contains out "Usage: mmadmin $command $sub"
            if grep -q '^Subcommands:' "$OUT"; then # a group inside a group: workspace key
                subsubs=$(awk '/^Subcommands:/ {on=1; next} on && /^  [a-z]/ {print $1} /^$/ {if (on) exit}' "$OUT")
                for subsub in $subsubs; do
                    assert_ok "$command" "$sub" "$subsub" --help
                    assert_contains out "Usage: mmadmin $command $sub $subsub"
                    assert_contains out "Options:"
                    assert_contains out "Example:"
                done
                continue
            fi
            assert_contains out "Options:"
            assert_contains out "Example:"
        done
    else
        assert_contains out "Example:"
    fi
done
# --help anywhere on the line wins and touches nothing
assert_ok account add prod --provider openai --help
[ -e "$MM_DB" ] && fail "--help created the catalog"

assert_exit 2 frobnicate
assert_contains err "unknown command 'frobnicate'"
assert_contains err "mmadmin --help"
assert_exit 2 --frobnicate
assert_contains err "mmadmin --help"
assert_exit 2 account frobnicate
assert_contains err "unknown subcommand 'frobnicate'"
assert_contains err "mmadmin account --help"
assert_exit 2 account
assert_contains err "mmadmin account --help"
assert_exit 2 account add prod --provider openai --foo
assert_contains err "unknown option '--foo' for 'mmadmin account add'"
assert_contains err "see 'mmadmin account add --help'"
assert_exit 2 account list --json=yes
assert_contains err "takes no value"
assert_exit 2 account add prod --provider
assert_contains err "needs a value"
assert_exit 2 account add
assert_contains err "missing NAME"
assert_exit 2 account show a b
assert_contains err "unexpected argument 'b'"
assert_exit 2 account list --db "$TEST_TMP/x.db"
assert_contains err "global"
assert_exit 2 model list -x
assert_contains err "unknown option '-x'"
[ -e "$MM_DB" ] && fail "a refused command created the catalog"
finish
