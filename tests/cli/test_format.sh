#!/usr/bin/env bash
# Style gate: every C file of the repository is as the repo's .clang-format lays it out, and
# every file starts with its comment saying what it owns; src/ never includes curses, and the
# console's widgets, draw, help and jobs never include the app loop's header (ui/modal.h only).
set -euo pipefail
: "${MM_SOURCE_DIR:?}"
cd "$MM_SOURCE_DIR"
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null || find src ui tests -name '*.[ch]')
failures=0
if command -v clang-format >/dev/null; then
    if ! clang-format --dry-run --Werror "${files[@]}" 2>"${TMPDIR:-/tmp}/mmformat.$$"; then
        grep -E "warning|error" "${TMPDIR:-/tmp}/mmformat.$$" | head -20 >&2
        echo "FAIL: files not formatted: run 'make format'" >&2
        failures=1
    fi
    rm -f "${TMPDIR:-/tmp}/mmformat.$$"
else
    echo "SKIP: clang-format is not installed (formatting not checked)"
fi
for f in "${files[@]}"; do
    head -c 2 "$f" | grep -q '/\*' || { echo "FAIL: $f does not start with its comment" >&2; failures=1; }
done
if grep -lE '#include +[<"](n?curses|panel|form|menu)\.h' -r src >/dev/null; then
    echo "FAIL: src/ includes curses: $(grep -lE '#include +[<"](n?curses|panel|form|menu)\.h' -r src)" >&2
    failures=1
fi
widget_files=(ui/widgets/*.[ch] ui/draw.[ch] ui/help.[ch] ui/jobs.[ch])
if grep -lE '#include +"(app|page)\.h"' "${widget_files[@]}" >/dev/null; then
    echo "FAIL: widgets include the app loop's header: $(grep -lE '#include +"(app|page)\.h"' \
        "${widget_files[@]}")" >&2
    failures=1
fi
[[ $failures -eq 0 ]] || exit 1
echo "PASS: ${#files[@]} C files formatted, each with its header comment; src/ free of curses;"
echo "      widgets free of app.h"
