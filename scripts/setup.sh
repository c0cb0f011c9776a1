#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine, only when missing.
# Real components (DESIGN.md §6): restic, rclone, PostgreSQL 15, sqlite3, Nix.
set -euo pipefail

need=()
command -v restic >/dev/null 2>&1 || need+=(restic)
command -v rclone >/dev/null 2>&1 || need+=(rclone)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v nix-instantiate >/dev/null 2>&1 || need+=(nix-bin)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
# Channel tarballs (`nixexprs.tar.xz`, `.tar.zst`) for the fetch-inputs tests.
command -v xz >/dev/null 2>&1 || need+=(xz-utils)
command -v zstd >/dev/null 2>&1 || need+=(zstd)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
# The fuzz run of scripts/test.sh builds libFuzzer (C++) through libfuzzer-sys.
command -v c++ >/dev/null 2>&1 || need+=(g++)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing ${need[*]}; run as root or install them: apt-get install -y ${need[*]}" >&2
    exit 2
  fi
  echo "setup: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  apt-get clean  # the downloaded .debs: CI machines can have little disk
fi
