#!/usr/bin/env bash
# Installs the Debian packages mmadmin needs to build, test and demo, when they are missing
# (as root it runs apt-get; otherwise it prints the exact command for an administrator to run),
# then the providers' SDKs tests/clients runs, pinned by its package-lock.json (npm ci).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
packages=(build-essential cmake pkg-config libncurses-dev libcurl4-openssl-dev
          libjansson-dev libsqlite3-dev libsodium-dev libcmocka-dev libmicrohttpd-dev
          libfyaml-dev libpq-dev postgresql prometheus
          sqlite3 tmux ansilove groff-base bsdutils procps curl jq python3 htop nodejs clang)
command -v npm >/dev/null || packages+=(npm) # NodeSource's nodejs carries npm; Debian's does not

# The SDKs of tests/clients, reinstalled when package-lock.json is newer than the install.
client_sdks() {
  local dir=$root/tests/clients
  if [[ -f $dir/node_modules/.package-lock.json &&
        ! $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
    echo "deps: client SDKs present (tests/clients/node_modules)"
    return 0
  fi
  echo "deps: installing the client SDKs with npm ci (tests/clients)"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "deps: all ${#packages[@]} packages present"
  client_sdks
  exit 0
fi
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null || { echo "deps: apt-get update failed" >&2; exit 1; }
  $cmd
  client_sdks
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  echo "deps: installing with sudo: ${missing[*]}"
  sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  sudo env DEBIAN_FRONTEND=noninteractive $cmd
  client_sdks
else
  echo "deps: missing packages: ${missing[*]}" >&2
  echo "deps: run as root:  apt-get update && $cmd" >&2
  exit 1
fi
