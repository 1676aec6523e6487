#!/usr/bin/env bash
# Workspace API keys: shown once, stored only as a keyed hash (never the key, not even in the
# audit log), listed by hint with times, expiring, revoked once (audited), refused when unknown.
source "$(dirname "$0")/lib.sh"

assert_ok workspace add search
assert_ok workspace key add search
key=$(head -1 "$OUT")
case $key in mmk-?????????????????????????????????????????*) ;; *) fail "key format: $key" ;; esac
assert_contains err "shown only now"
assert_ok workspace key add search --expires-days 30 --json
assert_json 'd["key"].startswith("mmk-") and d["expires"] is not None and d["id"] == 2'
key2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$OUT")
[ "$key" != "$key2" ] || fail "two keys are equal"

# Nothing in the catalog (the file, or any row on PostgreSQL) holds the key; the hash is keyed (a plain BLAKE2b of the key is absent).
if catalog_fingerprint | grep -a -q -F -- "${key#mmk-}"; then fail "the key is stored in the catalog"; fi
if [ -z "${MM_PG_ADDRESS:-}" ] && grep -a -q -F -- "${key#mmk-}" "$MM_DB"; then
    fail "the key is stored in the catalog file"
fi
plain=$(python3 -c 'import hashlib,sys; print(hashlib.blake2b(sys.argv[1].encode(), digest_size=32).hexdigest())' "$key")
if [ -n "${MM_PG_ADDRESS:-}" ]; then
    stored=$(pg_sql "SELECT encode(key_hash, 'hex') FROM workspace_keys WHERE id = 1")
else
    stored=$(sqlite3 "$MM_DB" 'SELECT hex(key_hash) FROM workspace_keys WHERE id = 1' | tr A-F a-f)
fi
[ ${#stored} = 64 ] || fail "no 32-byte hash stored"
[ "$stored" != "$plain" ] || fail "the hash is not keyed"

assert_ok workspace key list
assert_contains out "mmk…${key: -4}"
assert_contains out "never"
assert_not_contains out "$key"
assert_ok workspace key list search --json
assert_json 'len(d) == 2 and d[0]["revoked"] is None and d[0]["last_used"] is None'
assert_json 'all("key" not in k for k in d)'

assert_ok workspace key revoke 1
assert_ok workspace key list --json
assert_json 'd[0]["revoked"] is not None and d[1]["revoked"] is None'
assert_refused workspace key revoke 1
assert_contains err "already revoked"
assert_refused workspace key revoke 99
assert_contains err "no workspace key 99"
assert_refused workspace key add nobody
assert_refused workspace key add search --expires-days 0
assert_exit 2 workspace key list nobody

assert_ok audit --json
assert_json 'sum(e["entity_kind"] == "workspace_key" for e in d) == 3'
assert_json 'any(e["action"] == "revoke" and e["entity_name"] == "search key 1" for e in d)'
if grep -q -F -- "${key#mmk-}" "$OUT"; then fail "the audit log holds the key"; fi
finish
