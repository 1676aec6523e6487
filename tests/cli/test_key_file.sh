#!/usr/bin/env bash
# The key file beside the catalog: created through a synced temporary file; an empty or partial
# one (a kill -9 while creating it) is replaced with a note when no secret needs it, refused
# when one does; a group/world-readable one or a symlink is refused with the fix (like ssh).
source "$(dirname "$0")/lib.sh"
unset MM_MASTER_KEY
KEY_FILE=$MM_DB.key
if [ -n "${MM_PG_ADDRESS:-}" ]; then # no file beside a server's catalog: MM_KEY_FILE names it
    mkdir "$TEST_TMP/keys"
    export MM_KEY_FILE=$TEST_TMP/keys/master.key
    KEY_FILE=$MM_KEY_FILE
fi
export K1=sk-proj-keyfile-one-0123456789 K2=sk-proj-keyfile-two-0123456789

valid_key_file() {
    python3 - "$KEY_FILE" <<'PY' || fail "the key file is not the base64 of 32 bytes"
import base64, sys
sys.exit(0 if len(base64.b64decode(open(sys.argv[1]).read().strip(), validate=True)) == 32 else 1)
PY
    [ "$(stat -c %a "$KEY_FILE")" = 600 ] || fail "the key file is not 0600"
    ls "$(dirname "$KEY_FILE")" | grep -q 'tmp-' && fail "a temporary key file was left behind"
}

# refused ARGS...: exit 1 (a secret problem), a message, the catalog byte for byte unchanged
refused() {
    local before
    before=$(catalog_fingerprint)
    mm "$@"
    assert_rc 1 && [ -s "$ERR" ] || fail "no refusal"
    [ "$before" = "$(catalog_fingerprint)" ] || fail "the catalog changed"
}

assert_ok workspace add warmup
# a kill -9 between creating and writing the key file leaves it empty
install -m 600 /dev/null "$KEY_FILE"
assert_ok account add first --provider openai --api-key-env K1
assert_contains err "note: the key file $KEY_FILE was empty or incomplete"
valid_key_file
assert_ok account add second --provider openai --api-key-env K2 # the new key matches the check
assert_not_contains err "note:"
echo "ok - an empty key file with no secret in the catalog is replaced with a note"

# a partial key file (a crash mid-write) on a fresh catalog: replaced too
rm -f "$KEY_FILE"
if [ -n "${MM_PG_ADDRESS:-}" ]; then fresh_catalog partial; else rm -f "$MM_DB" "$MM_DB"-*; fi
assert_ok workspace add warmup
printf 'AAECAwQFBgcI' >"$KEY_FILE"
chmod 600 "$KEY_FILE"
assert_ok account add first --provider openai --api-key-env K1
assert_contains err "was empty or incomplete"
valid_key_file
echo "ok - a partial key file is replaced"

# once a secret depends on it, a damaged key file is never replaced
cp "$KEY_FILE" "$TEST_TMP/good.key"
printf 'AAECAw' >"$KEY_FILE"
refused account add third --provider openai --api-key-env K2
assert_contains err "not valid"
[ "$(cat "$KEY_FILE")" = AAECAw ] || fail "a key file secrets depend on was replaced"
install -m 600 "$TEST_TMP/good.key" "$KEY_FILE"
echo "ok - a damaged key file that secrets need is refused, not replaced"

# group/world readable: refused with the fix; a symlink: refused
chmod 640 "$KEY_FILE"
refused account add third --provider openai --api-key-env K2
assert_contains err "chmod 600 $KEY_FILE"
assert_contains err "mode 0640"
chmod 604 "$KEY_FILE"
refused account add third --provider openai --api-key-env K2
chmod 600 "$KEY_FILE"
mv "$KEY_FILE" "$TEST_TMP/real.key"
ln -s "$TEST_TMP/real.key" "$KEY_FILE"
refused account add third --provider openai --api-key-env K2
assert_contains err "is a symbolic link"
rm "$KEY_FILE"
mv "$TEST_TMP/real.key" "$KEY_FILE"
assert_ok account add third --provider openai --api-key-env K2
echo "ok - a readable-by-others or symlinked key file is refused with the fix"

# a key file that is gone (here MM_KEY_FILE names another): refused, naming the file to restore
kept_key_file=${MM_KEY_FILE-}
export MM_KEY_FILE=$TEST_TMP/gone.key
refused account add fourth --provider openai --api-key-env K2
assert_contains err "no master key is available; set MM_MASTER_KEY (base64 of 32 bytes) or restore the key file $TEST_TMP/gone.key"
if [ -n "$kept_key_file" ]; then export MM_KEY_FILE=$kept_key_file; else unset MM_KEY_FILE; fi
echo "ok - a missing key file is named in the refusal, on either backend"
finish
