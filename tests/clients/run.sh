#!/usr/bin/env bash
# Runs one client test (tests/clients/test_*.mjs) on node; exit 77 (skipped) when node or the
# SDKs that `make deps` installs into tests/clients/node_modules are missing.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
if ! command -v node >/dev/null; then
    echo "skipped: node is not installed (make deps)"
    exit 77
fi
if [[ ! -d $dir/node_modules/openai ]]; then
    echo "skipped: the SDKs are not installed in $dir/node_modules (run: make deps)"
    exit 77
fi
exec node "$1"
