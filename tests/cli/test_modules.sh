#!/usr/bin/env bash
# What only some commands need stays out of the CLI's start-up: the binary maps neither ncurses,
# libpq nor libfyaml; the console module is found beside the binary or in ../lib/mmadmin/ (the
# installed layout), and without it the console says so while commands still run.
source "$(dirname "$0")/lib.sh"

module=$(dirname "$MMADMIN")/mmadmin-console.so
[ -f "$module" ] || fail "no console module beside $MMADMIN"

# the binary's own dependencies: none of the console's, PostgreSQL's or YAML's libraries
if command -v ldd >/dev/null; then
    mapped=$(ldd "$MMADMIN" | grep -E 'libncurses|libpanel|libtinfo|libpq|libfyaml' || true)
    [ -z "$mapped" ] || fail "mmadmin is linked against libraries only some commands need: $mapped"
fi

# a binary without its module: the console refuses with the places it looked, commands run
alone=$TEST_TMP/alone
mkdir -p "$alone"
cp "$MMADMIN" "$alone/mmadmin"
MMADMIN=$alone/mmadmin assert_exit 1 --page health
assert_contains err "the module mmadmin-console.so is missing"
assert_contains err "$alone/../lib/mmadmin"
MMADMIN=$alone/mmadmin assert_ok model list

# the installed layout: bin/mmadmin and lib/mmadmin/mmadmin-console.so (copies: the binary's
# folder comes from /proc/self/exe, which resolves links)
mkdir -p "$TEST_TMP/prefix/bin" "$TEST_TMP/prefix/lib/mmadmin"
cp "$MMADMIN" "$TEST_TMP/prefix/bin/mmadmin"
cp "$module" "$TEST_TMP/prefix/lib/mmadmin/"
MMADMIN=$TEST_TMP/prefix/bin/mmadmin assert_exit 2 --page nowhere
assert_contains err "no page 'nowhere'; --page takes one of: accounts"
MMADMIN=$TEST_TMP/prefix/bin/mmadmin assert_exit 2 --demo --read-only
assert_contains err "--demo makes its own throw-away catalog"

# YAML goes through libfyaml opened on first use: written and read back
assert_ok model add chat --type chat
assert_ok export --format yaml
cp "$OUT" "$TEST_TMP/catalog.yaml"
assert_contains out "name: chat"
assert_ok plan --file "$TEST_TMP/catalog.yaml" # exit 0: the catalog as it is

finish
