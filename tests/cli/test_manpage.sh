#!/usr/bin/env bash
# The man page keeps up with the program: docs/mmadmin.1 renders with no groff warning; every
# command and subcommand of the --help screens has its entry, each long option is documented in
# its command's entry (and no entry documents one the command lacks; a command that runs on its
# own and has subcommands is checked as both); the version in .TH is
# the program's; the JSON fields named in JSON OUTPUT exist in the commands' real --json output.
source "$(dirname "$0")/lib.sh"

SOURCE_DIR=${MM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
PAGE=$SOURCE_DIR/docs/mmadmin.1

missing() {
    echo "FAIL: $*" >&2
    FAILURES=$((FAILURES + 1))
}

if [ ! -f "$PAGE" ]; then
    missing "no man page at $PAGE"
    finish
fi

# ---- (1) groff renders it without a warning ----
if command -v groff >/dev/null 2>&1; then
    for device in utf8 ascii; do
        warnings=$(groff -ww -man -T"$device" -z "$PAGE" 2>&1)
        if [ -n "$warnings" ]; then
            missing "groff -ww -T$device warns about docs/mmadmin.1:"
            printf '  %s\n' "$warnings" >&2
        fi
    done
else
    echo "SKIP: groff is not installed; the render check did not run"
fi

# ---- the page, flattened: one record per line, tied to the entry it belongs to ----
# E<TAB>entry                 an entry (a .TP whose tag starts with bold "mmadmin ...")
# T<TAB>entry<TAB>text        a line of that entry, font escapes removed, \- as -
# O<TAB>entry<TAB>--option    an option documented in an option tag (a .TP tag) of the entry
# J<TAB>command<TAB>field     a bold field name in the JSON OUTPUT entry of `.\" json: command`
# The GLOBAL OPTIONS section is the entry "(global)". Examples (.EX/.EE) are not entries.
FLAT=$TEST_TMP/page.flat
awk '
function norm(s) {
    gsub(/\\f[BIRP]/, "", s)
    gsub(/\\f\([A-Z][A-Z]/, "", s)
    gsub(/\\-/, "-", s)
    gsub(/\\%/, "", s)
    gsub(/\\&/, "", s)
    gsub(/\\\(aq/, "\047", s)
    sub(/^\.(B|I|BR|RB|BI|IB|IR|RI) +/, "", s)
    gsub(/"/, "", s)
    return s
}
function options(s,    rest) {
    rest = s
    while (match(rest, /--[a-z][a-z0-9-]*/)) {
        print "O\t" entry "\t" substr(rest, RSTART, RLENGTH)
        rest = substr(rest, RSTART + RLENGTH)
    }
}
# bold words of a .B/.BR/.RB line (the JSON field names)
function bold_words(line,    n, w, i, first) {
    n = split(line, w, / +/)
    if (w[1] == ".B") first = 2
    else if (w[1] == ".BR") first = 2
    else if (w[1] == ".RB") first = 3
    else return
    for (i = first; i <= n; i += (w[1] == ".B" ? 1 : 2)) {
        gsub(/\\%/, "", w[i])
        if (w[i] ~ /^[a-z_][a-z0-9_]*$/)
            print "J\t" json "\t" w[i]
    }
}
/^\.EX/ { in_example = 1; next }
/^\.EE/ { in_example = 0; next }
in_example { next }
/^\.\\" json: / { json = substr($0, 11); tag_next = 0; next }
/^\.\\"/ { next }
/^\.SH/ {
    section = norm(substr($0, 5))
    entry = (section == "GLOBAL OPTIONS") ? "(global)" : ""
    if (entry != "") print "E\t" entry
    json = ""
    next
}
/^\.SS/ { entry = ""; next }
/^\.TP/ { tag_next = 1; next }
{
    is_tag = tag_next
    tag_next = 0
    if (is_tag && match($0, /^\\fBmmadmin [^\\]*\\f[RP]/)) {
        entry = substr($0, 4, RLENGTH - 6)
        sub(/^mmadmin /, "", entry)
        print "E\t" entry
    } else if (is_tag && entry != "") {
        options(norm($0))
    }
    if (entry != "")
        print "T\t" entry "\t" norm($0)
    if (json != "" && !is_tag)
        bold_words($0)
}
' "$PAGE" >"$FLAT"

entry_exists() {
    grep -q -x -F "E	$1" "$FLAT"
}

entry_text() {
    awk -F '\t' -v e="$1" '$1 == "T" && $2 == e { print $3 }' "$FLAT"
}

documented_options() {
    awk -F '\t' -v e="$1" '$1 == "O" && $2 == e { print $3 }' "$FLAT" | sort -u
}

help_options() {
    grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# check_entry ENTRY HELP_FILE: the entry exists, documents every option of HELP_FILE but
# --help (documented once, in GLOBAL OPTIONS and COMMANDS), and no option HELP_FILE lacks.
check_entry() {
    local entry=$1 help=$2 opt text
    if ! entry_exists "$entry"; then
        missing "the man page has no entry for 'mmadmin $entry' (a .TP whose tag is \\fBmmadmin $entry\\fR ...)"
        return
    fi
    text=$(entry_text "$entry")
    for opt in $(help_options <"$help"); do
        [ "$opt" = --help ] && continue
        if ! grep -q -E -- "(^|[^a-z0-9-])$opt([^a-z0-9-]|$)" <<<"$text"; then
            missing "option $opt of 'mmadmin $entry' is not in its man page entry"
        fi
    done
    for opt in $(documented_options "$entry"); do
        if ! help_options <"$help" | grep -q -x -F -- "$opt"; then
            missing "the man page documents $opt for 'mmadmin $entry', which its --help does not list"
        fi
    done
}

# ---- (2) + (3) every command, subcommand and option of the program ----
HELP=$TEST_TMP/help
"$MMADMIN" --help >"$HELP" 2>&1 || missing "mmadmin --help exited non-zero"
commands=$(awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }' "$HELP")
[ -n "$commands" ] || missing "found no command in 'mmadmin --help'"

check_entry "(global)" "$HELP"
grep -q -E -- '(^|[^a-z-])--help' <(entry_text "(global)") || missing "--help is not in GLOBAL OPTIONS"

known_entries=$TEST_TMP/known
: >"$known_entries"
seen=""
for cmd in $commands; do
    cmd_help=$TEST_TMP/help.$cmd
    "$MMADMIN" "$cmd" --help >"$cmd_help" 2>&1 || missing "mmadmin $cmd --help exited non-zero"
    if grep -q '^Subcommands:' "$cmd_help"; then
        # a command that also runs on its own (`health`: its --help lists options too) has its
        # own entry besides its subcommands'
        if grep -q '^Options:' "$cmd_help"; then
            check_entry "$cmd" "$cmd_help"
            echo "$cmd" >>"$known_entries"
        fi
        subs=$(awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }' "$cmd_help")
        [ -n "$subs" ] || missing "found no subcommand in 'mmadmin $cmd --help'"
        for sub in $subs; do
            sub_help=$TEST_TMP/help.$cmd.$sub
            "$MMADMIN" "$cmd" "$sub" --help >"$sub_help" 2>&1 ||
                missing "mmadmin $cmd $sub --help exited non-zero"
            check_entry "$cmd $sub" "$sub_help"
            echo "$cmd $sub" >>"$known_entries"
        done
        seen="$seen $cmd($(paste -sd, <<<"$subs"))"
    else
        check_entry "$cmd" "$cmd_help"
        echo "$cmd" >>"$known_entries"
        seen="$seen $cmd"
    fi
done

# no entry for a command the program does not have
while read -r entry; do
    grep -q -x -F "$entry" "$known_entries" ||
        missing "the man page has an entry for 'mmadmin $entry', which mmadmin does not have"
done < <(awk -F '\t' '$1 == "E" && $2 != "(global)" { print $2 }' "$FLAT")

# the version in the title line
version=$("$MMADMIN" --version 2>&1 | awk '{ print $2 }')
if ! grep -q -E "^\.TH MMADMIN 1 [^ ]+ \"mmadmin $version\"" "$PAGE"; then
    missing ".TH does not say \"mmadmin $version\" (the version mmadmin --version prints)"
fi

# ---- the JSON fields named in JSON OUTPUT, against the real output ----
json_commands=$(awk -F '\t' '$1 == "J" { print $2 }' "$FLAT" | sort -u)
[ -n "$json_commands" ] || missing "no field found in JSON OUTPUT (its '.\\\" json: COMMAND' markers)"

JSON_DIR=$TEST_TMP/json
mkdir -p "$JSON_DIR"
# save NAME ARGS...: runs mmadmin ARGS and keeps its stdout as the JSON of NAME.
save() {
    local name=$1
    shift
    mm "$@"
    cp "$OUT" "$JSON_DIR/$name"
    if [ "$RC" != 0 ]; then
        fail "fixture command failed"
    fi
}

SIM_PORT=
if [ -x "${MMSIM:-}" ]; then
    "$MMSIM" --port 0 --quiet >"$TEST_TMP/sim.out" 2>"$TEST_TMP/sim.err" &
    CLEANUP_PIDS+=($!)
    for _ in $(seq 200); do
        SIM_PORT=$(head -n 1 "$TEST_TMP/sim.out" 2>/dev/null)
        [ -n "$SIM_PORT" ] && break
        sleep 0.05
    done
fi
case "$SIM_PORT" in
'' | *[!0-9]*)
    echo "SKIP: mmsim is not available; the JSON fields of account test and send are not checked"
    SIM_PORT=
    ENDPOINT=http://127.0.0.1:9/openai
    ;;
*) ENDPOINT=http://127.0.0.1:$SIM_PORT/openai ;;
esac

export MANPAGE_KEY=sk-sim-good-key-0001
assert_ok account add sim-openai --provider openai --endpoint "$ENDPOINT" \
    --api-key-env MANPAGE_KEY --rpm 100 --monthly-cap 50
assert_ok model add fast-chat --type chat --description 'quick answers'
assert_ok target add fast-chat --account sim-openai --model gpt-4o-mini
assert_ok workspace add search --description 'search team'
assert_ok entitle fast-chat search --rpm 60 --monthly-tokens 100000
if [ -n "$SIM_PORT" ]; then
    save "account test" account test sim-openai --json
    save "send" send fast-chat --workspace search --prompt 'Say hi' --json
fi
save "account show" account show sim-openai --json
save "model list" model list --json
save "workspace show" workspace show search --json
save "entitlements" entitlements --json
save "audit" audit --json
save "health" health --json
save "health config" health config --json
save "route" route fast-chat --workspace search --json
save "prices list" prices list --json
save "router config" router config --json
save "check" check --json
save "usage prune" usage prune --json

while IFS= read -r command; do
    file=$JSON_DIR/$command
    if [ ! -f "$file" ]; then
        [ -z "$SIM_PORT" ] && { [ "$command" = send ] || [ "$command" = "account test" ]; } && continue
        missing "JSON OUTPUT names fields of '$command', which this test does not run (add it to the fixture)"
        continue
    fi
    awk -F '\t' -v c="$command" '$1 == "J" && $2 == c { print $3 }' "$FLAT" | sort -u >"$TEST_TMP/fields"
    python3 - "$file" "$TEST_TMP/fields" "$command" 2>"$TEST_TMP/py.err" <<'EOF'
import json, sys

def keys(value, found):
    if isinstance(value, dict):
        for key, item in value.items():
            found.add(key)
            keys(item, found)
    elif isinstance(value, list):
        for item in value:
            keys(item, found)
    return found

try:
    real = keys(json.load(open(sys.argv[1])), set())
except ValueError as error:
    print(f"FAIL: 'mmadmin {sys.argv[3]} --json' did not print JSON: {error}", file=sys.stderr)
    sys.exit(1)
absent = [f for f in open(sys.argv[2]).read().split() if f not in real]
for field in absent:
    print(f"FAIL: JSON OUTPUT names '{field}' for '{sys.argv[3]}', "
          f"which 'mmadmin {sys.argv[3]} --json' does not print", file=sys.stderr)
sys.exit(1 if absent else 0)
EOF
    py_rc=$?
    cat "$TEST_TMP/py.err" >&2
    if [ "$py_rc" != 0 ]; then
        FAILURES=$((FAILURES + 1))
        grep -q '^FAIL: ' "$TEST_TMP/py.err" ||
            echo "FAIL: python3 could not check the JSON fields of '$command'" >&2
    fi
done <<<"$json_commands"

echo "commands checked:$seen"
finish
