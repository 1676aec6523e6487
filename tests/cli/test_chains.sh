#!/usr/bin/env bash
# Fallback chains: adding at a position, moving and removing shift the others; removing a
# model or a workspace removes its targets / entitlements and says how many; the chain rules the
# console shows (catalog/chain_rules.c) are printed by `model list/show` and `target add`.
source "$(dirname "$0")/lib.sh"

export KEY=sk-chain-test-key-0000
assert_ok account add a1 --provider openai --api-key-env KEY
assert_ok account add a2 --provider anthropic --api-key-env KEY
assert_ok account add a3 --provider mistral --api-key-env KEY
assert_ok model add chat --type chat
assert_ok model show chat
assert_contains out "warnings: The chain is empty"

chain() { # prints "model@account model@account ..." in priority order
    mm model show chat --json
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [t["priority"] for t in d["targets"]] == list(range(1, len(d["targets"]) + 1))
print(" ".join(t["model"] + "@" + t["account"] for t in d["targets"]))' "$OUT"
}
expect_chain() {
    local got
    got=$(chain)
    [ "$got" = "$1" ] || fail "chain is '$got', expected '$1'"
}

assert_ok target add chat --account a1 --model m1
assert_contains err "Account a1 has no discovered models yet (run 'mmadmin account test a1')"
assert_ok model show chat
assert_contains out "whole chain depends on one account (a1)"
assert_ok target add chat --account a2 --model m2
assert_ok model show chat
assert_not_contains out "warnings:"
assert_ok target add chat --account a3 --model m3
expect_chain "m1@a1 m2@a2 m3@a3"
# add at a position: the others move down
assert_ok target add chat --account a3 --model m0 --priority 1
assert_contains out "1. m0 @ a3"
assert_contains out "2. m1 @ a1"
expect_chain "m0@a3 m1@a1 m2@a2 m3@a3"
assert_ok target add chat --account a2 --model mid --priority 3
expect_chain "m0@a3 m1@a1 mid@a2 m2@a2 m3@a3"
# move down and up
assert_ok target move chat --from 1 --to 5
expect_chain "m1@a1 mid@a2 m2@a2 m3@a3 m0@a3"
assert_ok target move chat --from 4 --to 2
expect_chain "m1@a1 m3@a3 mid@a2 m2@a2 m0@a3"
# remove: the ones after move up
assert_ok target rm chat --priority 3
expect_chain "m1@a1 m3@a3 m2@a2 m0@a3"
assert_ok target rm chat --priority 1
expect_chain "m3@a3 m2@a2 m0@a3"
assert_ok model show chat
assert_contains out "1. m3 @ a3"
assert_contains out "3. m0 @ a3"

# an account in use cannot go; once its targets are gone it can
assert_exit 2 account rm a2
assert_contains err "chat"
assert_ok target rm chat --priority 2
assert_ok account rm a2
assert_contains out "removed account 'a2'"

# a chat model on an embedding model is noted when added and warned about in model show
assert_ok target add chat --account a3 --model text-embedding-3-small
assert_contains err "text-embedding-3-small looks like an embedding model, but chat is a chat model"
assert_ok model show chat
assert_contains out "looks like an embedding model"
assert_ok model list
assert_contains out "m3@a3 > m0@a3 > text-embedding-3-small@a3"
assert_ok target rm chat --priority 3

# model rm cascades and says how many
assert_ok workspace add w1
assert_ok workspace add w2
assert_ok entitle chat w1
assert_ok entitle chat w2 --rpm 5
assert_ok model rm chat
assert_contains out "2 targets and 2 entitlements"
assert_ok entitlements --json
assert_json 'd == []'
assert_ok account rm a3
assert_ok account rm a1

# workspace rm cascades and says how many
assert_ok model add e1 --type embedding
assert_ok model add e2 --type embedding
assert_ok entitle e1 w1
assert_ok entitle e2 w1 --monthly-tokens 1000
assert_ok entitle e1 w2
assert_ok workspace rm w1
assert_contains out "2 entitlements"
assert_ok entitlements --json
assert_json '[(e["model"], e["workspace"]) for e in d] == [("e1", "w2")]'
assert_ok model rm e2
assert_contains out "0 targets and 0 entitlements"
finish
