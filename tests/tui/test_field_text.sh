#!/bin/bash
# Issue 13 item 9: form fields edit by code point, not screen column. "a U+202E b U+200B c" is
# kept in typed order (drawn with its format characters escaped) and refused by the one policy
# naming the code point; "p U+0301 q" (a combining acute) is stored as typed; the cursor moves
# over a character with its mark as one.
source "$(dirname "$0")/lib.sh"

start_ui
send_keys 5
wait_for_text "No workspaces yet"
send_keys a
wait_for_text "New workspace"
type_text $'a\u202eb\u200bc'
wait_for_text "a<U+202E>b<U+200B>c" # typed order, the invisible characters shown
send_keys Enter Enter
wait_for_text "name contains U+202E RIGHT-TO-LEFT OVERRIDE, which can"
assert_screen_contains "disguise text; remove it"

# the description takes the same text in typed order, and refuses it the same way
send_keys C-u
type_text "team"
send_keys Tab
type_text $'x\u202ey'
wait_for_text "x<U+202E>y"
send_keys Enter
wait_for_text "description contains U+202E RIGHT-TO-LEFT OVERRIDE"

# a combining mark stays after its letter; Left steps over "p + acute" as one character
send_keys C-u
type_text $'p\u0301q'
send_keys Left Left
type_text "o"
send_keys End
type_text "!"
send_keys Enter
wait_for_text "Created workspace"
got=$("$MMADMIN" workspace show team --json | python3 -c 'import json,sys; print(ascii(json.load(sys.stdin)["description"]))')
[[ $got == "'op\\u0301q!'" ]] || fail "description stored as $got, expected 'op\\u0301q!'"
send_keys q
wait_exit
pass
