#!/usr/bin/env bash
# Installs the restic that NixOS users run (Debian 13 "trixie" package, 0.18)
# beside Debian 12's restic 0.14, without touching the system's apt sources:
# a private apt configuration downloads the one package, `dpkg -x` unpacks its
# static binary. Prints the directory to put first on PATH.
# ATELIER_RESTIC_NEXT_DIR overrides where it goes.
set -euo pipefail
dir="${ATELIER_RESTIC_NEXT_DIR:-/var/cache/atelier-test/restic-next}"
if [ -x "$dir/usr/bin/restic" ]; then
  echo "$dir/usr/bin"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
  > "$work/sources.list"
apt_opts=(
  -o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
  -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
  -o APT::Sandbox::User=root
)
if [ ! -e /usr/share/keyrings/debian-archive-keyring.gpg ]; then
  apt-get update -qq && apt-get install -y -qq debian-archive-keyring >/dev/null
fi
echo "setup: fetching restic from Debian 13 (trixie) into $dir" >&2
apt-get "${apt_opts[@]}" update -qq >&2
(cd "$work" && apt-get "${apt_opts[@]}" download restic >&2)
mkdir -p "$dir"
dpkg -x "$work"/restic_*.deb "$dir"
"$dir/usr/bin/restic" version >&2
echo "$dir/usr/bin"
