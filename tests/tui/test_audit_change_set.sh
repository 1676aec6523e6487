#!/bin/bash
# The Audit page shows a file applied with `mmadmin apply` as one entry ("N changes applied
# together"), not its parts; Enter opens the change set and lists each part.
source "$(dirname "$0")/lib.sh"

cat >"$TUI_TMP/catalog.yaml" <<'YAML'
mmadmin: 1
models:
- name: fast-chat
  type: chat
  targets: []
- name: embed-docs
  type: embedding
  targets: []
workspaces:
- name: search-team
  entitlements:
  - model: fast-chat
    rpm: 10
YAML
"$MMADMIN" apply -f "$TUI_TMP/catalog.yaml" >/dev/null || fail "apply failed"
"$MMADMIN" workspace add later >/dev/null

START_UI_WAIT="changes applied together" start_ui --page audit
wait_for_text "4 changes applied together"
assert_screen_contains "catalog.yaml"
assert_screen_contains "workspace later"
assert_screen_not_contains "model embed-docs"
send_keys Down
send_keys Enter
wait_for_text "Change set"
assert_screen_contains "create model fast-chat"
assert_screen_contains "create model embed-docs"
assert_screen_contains "entitle entitlement fast-chat/search-team"
send_keys Escape q
pass
