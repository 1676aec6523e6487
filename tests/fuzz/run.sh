#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang in build-fuzz (tests/fuzz/CMakeLists.txt) and runs
# each for FUZZ_SECONDS (default 20) from its seed corpus; fails on any crash, leak or timeout.
# `make fuzz` runs it with FUZZ_SECONDS=300. Skipped (exit 0, with a note) without clang.
set -euo pipefail
SOURCE_DIR=${MM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${FUZZ_BUILD:-$SOURCE_DIR/build-fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-20}
if ! command -v clang >/dev/null; then
    echo "note - clang is missing (scripts/deps.sh installs it): fuzzing skipped"
    exit 0
fi
CC=clang cmake -S "$SOURCE_DIR/tests/fuzz" -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$BUILD" -j "${FUZZ_JOBS:-2}" >"$BUILD/build.log" 2>&1 || { tail -30 "$BUILD/build.log"; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mmfuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
status=0
for target in provider prices scenario ascode; do
    mkdir -p "$WORK/$target"
    cp "$SOURCE_DIR/tests/fuzz/corpus/$target"/* "$WORK/$target/"
    if ASAN_OPTIONS=detect_leaks=1 "$BUILD/fuzz_$target" -max_total_time="$SECONDS_EACH" \
        -max_len=65536 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$WORK/" \
        "$WORK/$target" >"$WORK/$target.log" 2>&1; then
        echo "ok - fuzz_$target: $(grep -o '#[0-9]*.*DONE.*' "$WORK/$target.log" | tail -1 || true)"
        grep -E '^Done [0-9]+ runs' "$WORK/$target.log" || true
    else
        echo "FAIL: fuzz_$target found a crash:" >&2
        tail -40 "$WORK/$target.log" >&2
        ls "$WORK"/crash-* "$WORK"/leak-* "$WORK"/timeout-* 2>/dev/null >&2 || true
        status=1
    fi
done
exit $status
