#!/usr/bin/env bash
# The audit log through the CLI: every change is listed with actor and action, newest first;
# $SUDO_USER is the actor when set; --limit and --json work.
source "$(dirname "$0")/lib.sh"

export KEY=sk-audit-test-key-0000
assert_ok account add prod-openai --provider openai --api-key-env KEY
assert_ok model add chat --type chat
SUDO_USER=alice mm workspace add search
assert_rc 0
SUDO_USER=alice mm entitle chat search --rpm 5
assert_rc 0

assert_ok audit
assert_contains out "alice"
assert_contains out "prod-openai"
assert_contains out "search"
assert_ok audit --json
assert_json 'len(d) >= 4'
assert_json 'all(set(["at","actor","action","entity_kind","entity_name","before","after"]) <= set(e) for e in d)'
assert_json 'd[0]["actor"] == "alice" and d[0]["entity_kind"] == "entitlement"'
assert_json 'any(e["actor"] == "alice" and e["entity_name"] == "search" and e["entity_kind"] == "workspace" for e in d)'
assert_json 'all(e["actor"] != "alice" for e in d if e["entity_name"] in ("prod-openai", "chat"))'
assert_json 'all(e["actor"] for e in d)'
assert_json '[e for e in d if e["entity_name"] == "prod-openai"][0]["before"] is None'
assert_ok audit --limit 1 --json
assert_json 'len(d) == 1'
assert_exit 2 audit --limit 0
assert_contains err "--limit"
finish
