#!/usr/bin/env bash
# What only some commands need stays out of the CLI's start-up: the binary maps neither ncurses,
# libpq nor libfyaml; libcurl and libmicrohttpd are linked by neither the binary nor the console
# module, and a command that makes no request (--version, account list) never loads them, while
# one that needs libcurl (an endpoint checked by account add) loads it; the console module links
# no SQLite, libsodium or jansson of its own (it uses the binary's) and loads with every symbol
# bound; it is found beside the binary or in ../lib/mmadmin/ (the installed layout), and without
# it the console says so while commands still run.
source "$(dirname "$0")/lib.sh"

module=$(dirname "$MMADMIN")/mmadmin-console.so
[ -f "$module" ] || fail "no console module beside $MMADMIN"

# the binary's own dependencies: none of the console's, PostgreSQL's or YAML's libraries
if command -v ldd >/dev/null; then
    mapped=$(ldd "$MMADMIN" | grep -E 'libncurses|libpanel|libtinfo|libpq|libfyaml' || true)
    [ -z "$mapped" ] || fail "mmadmin is linked against libraries only some commands need: $mapped"
    mapped=$(ldd "$MMADMIN" "$module" | grep -E 'libcurl|libmicrohttpd' || true)
    [ -z "$mapped" ] || fail "mmadmin or its console module links libcurl or libmicrohttpd: $mapped"
fi

# the libraries a run loaded, as the dynamic loader tells (LD_DEBUG=libs: "calling init: PATH")
loaded() {
    LD_DEBUG=libs "$MMADMIN" "$@" 2>&1 >/dev/null | grep -oE 'calling init: [^ ]+' | sort -u
}
for command in "--version" "account list"; do
    # shellcheck disable=SC2086 # the command's words
    libs=$(loaded $command)
    echo "$libs" | grep -q 'calling init' || fail "LD_DEBUG=libs printed nothing for $command"
    if echo "$libs" | grep -E 'libcurl|libmicrohttpd'; then
        fail "mmadmin $command loaded libcurl or libmicrohttpd"
    fi
done
libs=$(loaded account add loaded --provider openai-compatible --endpoint https://llm.example.com/v1)
echo "$libs" | grep -q 'libcurl' || fail "account add checked its endpoint without libcurl"
assert_ok account list
assert_contains out "loaded"

# the console module uses the binary's SQLite, libsodium and jansson (the binary exports them):
# it needs none of their shared libraries, and loading it (--page is checked once it is loaded,
# with every symbol bound: RTLD_NOW) starts none of them beside the binary's own libraries
if command -v readelf >/dev/null; then
    needed=$(readelf -d "$module" | grep NEEDED | grep -E 'libsqlite3|libsodium|libjansson' || true)
    [ -z "$needed" ] || fail "the console module needs a second SQLite, libsodium or jansson: $needed"
fi
loaded --page nowhere >"$TEST_TMP/console-libs"
loaded --version >"$TEST_TMP/binary-libs"
grep -q 'mmadmin-console.so' "$TEST_TMP/console-libs" || fail "--page nowhere did not load the module"
second=$(comm -23 "$TEST_TMP/console-libs" "$TEST_TMP/binary-libs" |
    grep -E 'libsqlite3|libsodium|libjansson' || true)
[ -z "$second" ] || fail "loading the console module started a second copy: $second"

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
