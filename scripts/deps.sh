#!/usr/bin/env bash
# Installs the Debian packages mmadmin needs to build, test and demo, when they are missing.
# As root it runs apt-get; otherwise it prints the exact command for an administrator to run.
set -euo pipefail
packages=(build-essential cmake pkg-config libncurses-dev libcurl4-openssl-dev
          libjansson-dev libsqlite3-dev libsodium-dev libcmocka-dev libmicrohttpd-dev
          sqlite3 tmux ansilove groff-base bsdutils procps curl jq python3 htop clang)
missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null || { echo "deps: apt-get update failed" >&2; exit 1; }
  $cmd
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  echo "deps: installing with sudo: ${missing[*]}"
  sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  sudo env DEBIAN_FRONTEND=noninteractive $cmd
else
  echo "deps: missing packages: ${missing[*]}" >&2
  echo "deps: run as root:  apt-get update && $cmd" >&2
  exit 1
fi
