#!/usr/bin/env bash
# Runs every benchmark binary of a Release build and prints its figures.
set -euo pipefail
build=${1:-build-bench}
found=0
for b in "$build"/bench_*; do
  [[ -x "$b" ]] || continue
  found=1
  echo "== $(basename "$b")"
  "$b"
done
for s in "$(dirname "$0")"/../tests/bench/bench_*.sh; do
  [[ -f "$s" ]] || continue
  found=1
  echo "== $(basename "$s")"
  MM_BUILD_DIR="$build" bash "$s"
done
[[ $found -eq 1 ]] || echo "no benchmarks built"
