#!/usr/bin/env bash
# Soak test (docs/hardening.md): N backup/prune/restore cycles over several
# services while writer processes keep committing to their SQLite databases.
# After every cycle each service's latest snapshot is restored (--inspect)
# and checked: PRAGMA integrity_check = ok, no row committed before the
# backup started is missing, and every file's sha256 equals its hash at
# backup time. Prints "N cycles, 0 lost" (exit 0) or what was lost (exit 1).
#
#   scripts/soak.sh [CYCLES]          (default 50; needs restic, sqlite3)
#   ATELIER_BIN_DIR=target/release scripts/soak.sh 50
set -euo pipefail

cycles="${1:-50}"
services=(alpha beta gamma)
repo_root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${ATELIER_BIN_DIR:-${CARGO_TARGET_DIR:-$repo_root/target}/debug}"
if [ ! -x "$bin/atelier-backup" ] || [ ! -x "$bin/atelier-bench" ]; then
  (cd "$repo_root" && cargo build --quiet --bin atelier-backup --bin atelier-bench)
fi
work="$(mktemp -d /tmp/atelier-soak.XXXXXX)"
writers=()
cleanup() {
  for s in "${services[@]}"; do touch "$work/data/$s.stop" 2>/dev/null || true; done
  for p in "${writers[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

export ATELIER_MANIFEST="$work/manifest.json" ATELIER_STATE_DIR="$work/state"
export RESTIC_CACHE_DIR="$work/cache"
printf 'soak-password-%s\n' "$RANDOM" > "$work/pw"
RESTIC_PASSWORD_FILE="$work/pw" restic init -q -r "$work/repo"

{
  echo '{"version":1,"host":"soak","repositories":{"main":{"repository":"'"$work/repo"'","passwordFile":"'"$work/pw"'"}},"services":{'
  sep=""
  for s in "${services[@]}"; do
    mkdir -p "$work/data/$s/files"
    echo "$sep\"$s\":{\"sqlite\":[\"$work/data/$s.db\"],\"files\":[\"$work/data/$s/files\"],\"repositories\":[\"main\"],\"retention\":{\"last\":3}}"
    sep=","
  done
  echo '}}'
} > "$ATELIER_MANIFEST"

for s in "${services[@]}"; do
  "$bin/atelier-bench" sqlite-writer "$work/data/$s.db" "$work/data/$s.stop" \
    --interval-ms 3 --ready-after 20 > "$work/data/$s.writer.out" &
  writers+=("$!")
done
for s in "${services[@]}"; do
  until grep -q ready "$work/data/$s.writer.out" 2>/dev/null; do sleep 0.1; done
done

lost=0
start=$(date +%s)
for ((c = 1; c <= cycles; c++)); do
  for s in "${services[@]}"; do
    f="$work/data/$s/files"
    # The file tree changes between backups: a new file, an edit, a removal.
    head -c $((RANDOM * 8)) /dev/urandom > "$f/cycle-$c.bin"
    echo "cycle $c" >> "$f/log.txt"
    [ "$c" -gt 3 ] && rm -f "$f/cycle-$((c - 3)).bin"
    (cd "$f" && find . -type f -print0 | sort -z | xargs -0 sha256sum) > "$work/expected-$s"
    sqlite3 "$work/data/$s.db" 'PRAGMA busy_timeout=10000; SELECT count(*) FROM rows;' | tail -1 > "$work/rows-$s"
    "$bin/atelier-backup" --no-progress run "$s" 2> "$work/run.log" || { cat "$work/run.log"; echo "cycle $c: run $s failed"; lost=$((lost + 1)); continue; }
  done
  "$bin/atelier-backup" --no-progress prune > /dev/null 2> "$work/prune.log" || { cat "$work/prune.log"; echo "cycle $c: prune failed"; lost=$((lost + 1)); }
  for s in "${services[@]}"; do
    out="$work/restore-$s"
    rm -rf "$out"
    "$bin/atelier-backup" --no-progress restore "$s" latest --inspect "$out" 2> "$work/restore.log" || { cat "$work/restore.log"; echo "cycle $c: restore $s failed"; lost=$((lost + 1)); continue; }
    db="$out$work/data/$s.db"
    ic=$(sqlite3 "$db" 'PRAGMA integrity_check;')
    [ "$ic" = ok ] || { echo "cycle $c: $s integrity_check: $ic"; lost=$((lost + 1)); }
    rows=$(sqlite3 "$db" 'SELECT count(*) FROM rows;')
    [ -n "$rows" ] || rows=0
    before=$(cat "$work/rows-$s")
    [ "$rows" -ge "$before" ] || { echo "cycle $c: $s lost rows: $rows restored, $before committed before the backup"; lost=$((lost + 1)); }
    got=$(cd "$out$work/data/$s/files" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
    [ "$got" = "$(cat "$work/expected-$s")" ] || { echo "cycle $c: $s files differ"; diff <(echo "$got") "$work/expected-$s" | head; lost=$((lost + 1)); }
    echo "cycle $c: $s ok (restored rows $rows, files $(wc -l < "$work/expected-$s"))" >&2
  done
done
echo "snapshots kept: $(RESTIC_PASSWORD_FILE="$work/pw" restic -r "$work/repo" snapshots --json | grep -o '"id"' | wc -l), elapsed $(( $(date +%s) - start ))s" >&2
echo "$cycles cycles, $lost lost"
[ "$lost" -eq 0 ]
