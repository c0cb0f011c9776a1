#!/usr/bin/env bash
# The main job on the bundled example, end to end, on this machine:
#   1. atelier-gen checks that examples/homelab's generated modules are up to
#      date and prints the plan of host `juniper` (what nixos-rebuild would
#      write to /etc/atelier/backup-manifest.json);
#   2. that manifest is relocated under a scratch root (data, secrets and a
#      local restic repository in a temp dir: no cloud account, nothing
#      outside the temp dir is touched) and the services get sample data;
#   3. atelier-backup backs every service up, shows status and snapshots,
#      restores one into a scratch directory and checks it, runs a restore
#      drill and prints the evidence.
# Usage: ./scripts/demo.sh [--keep]   (--keep leaves the scratch root for a look)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

keep=false
[ "${1:-}" = "--keep" ] && keep=true

echo "==> building atelier" >&2
cargo build --locked --quiet --bin atelier-gen --bin atelier-backup
bin="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/debug"
gen="$bin/atelier-gen"
backup="$bin/atelier-backup"

root="$(mktemp -d /tmp/atelier-demo.XXXXXX)"
cleanup() { if $keep; then echo "scratch root kept: $root" >&2; else rm -rf "$root"; fi; }
trap cleanup EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*" >&2; }

step atelier-gen check examples/homelab
"$gen" check examples/homelab

step atelier-gen plan --host juniper examples/homelab
"$gen" plan --host juniper examples/homelab

# The host's manifest, relocated under the scratch root.
"$gen" plan --host juniper --json examples/homelab |
  sed -e "s#\"/srv/#\"$root/srv/#g" -e "s#\"/var/lib/#\"$root/var/lib/#g" \
      -e "s#\"/run/agenix/#\"$root/run/agenix/#g" >"$root/backup-manifest.json"

mkdir -p "$root/run/agenix" "$root/state"
head -c 32 /dev/urandom | base64 >"$root/run/agenix/restic-password"
chmod 600 "$root/run/agenix/restic-password"

# Sample data: the forge's SQLite database and repositories, the notes app's
# database and attachments.
mkdir -p "$root/srv/forge/data" "$root/srv/forge/repositories/dotfiles.git" \
  "$root/var/lib/notes/attachments"
sqlite3 "$root/srv/forge/data/forge.db" \
  "PRAGMA journal_mode=WAL; CREATE TABLE repo(id INTEGER PRIMARY KEY, name TEXT);
   INSERT INTO repo(name) VALUES ('dotfiles'), ('homelab');" >/dev/null
echo "ref: refs/heads/main" >"$root/srv/forge/repositories/dotfiles.git/HEAD"
touch "$root/srv/forge/repositories/dotfiles.git/index.lock"
sqlite3 "$root/var/lib/notes/notes.db" \
  "CREATE TABLE note(id INTEGER PRIMARY KEY, body TEXT);
   INSERT INTO note(body) VALUES ('buy milk'), ('renew certificates');"
echo "scan of the lease" >"$root/var/lib/notes/attachments/lease.txt"

export ATELIER_MANIFEST="$root/backup-manifest.json"
export ATELIER_STATE_DIR="$root/state"
# Units are not stopped in this demo (no service runs); record instead of calling systemd.
export ATELIER_SYSTEMCTL=true

step atelier-backup run forge
"$backup" run forge
step atelier-backup run notes
"$backup" run notes
step atelier-backup status
"$backup" status
step atelier-backup list
"$backup" list

step atelier-backup restore notes latest --inspect "$root/inspect"
"$backup" restore notes latest --inspect "$root/inspect"
restored_db="$(find "$root/inspect" -name notes.db | head -n1)"
echo "restored notes.db: $(sqlite3 "$restored_db" 'PRAGMA integrity_check; SELECT count(*) FROM note;' | tr '\n' ' ')" >&2

step atelier-backup dr --plan
"$backup" dr --plan
step atelier-backup drill --all
"$backup" drill --all
step atelier-backup evidence
"$backup" evidence

printf '\ndemo: OK (generated modules up to date, 2 services backed up, restored and drilled)\n' >&2
