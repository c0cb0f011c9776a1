#!/usr/bin/env bash
# Runs `atelier-gen plan --host H` on every host of public NixOS flakes and
# prints one row per host: repo, host, exit code, time, first diagnostic.
#
#   scripts/corpus.sh [LIST]          (default: scripts/corpus.list)
#
# LIST lines: `<owner/name> <commit> [flake sub-directory] [input=NAME:<owner/name>@<commit> ...]`,
# `#` comments. Each `input=` names the source of one of the flake's inputs
# (a framework atelier-gen has no built-in knowledge of): it is unpacked the
# same way and passed as `--override-input NAME DIR`, as if that input were
# in the Nix store or atelier-gen's cache.
# Each repository must already be mirrored (the search tool's `fetch`, which
# leaves a bare git mirror in $CORPUS_MIRRORS/<owner>+<name>/repo); its
# commit is unpacked with `git archive` under $CORPUS_DIR, outside the
# worktree: fetched code is never committed.
#
# ATELIER_GEN: the binary to try (default: target/debug/atelier-gen).
# Plans run with --no-cache, so the time is that of a full evaluation.
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
list="${1:-$here/scripts/corpus.list}"
bin="${ATELIER_GEN:-$here/target/debug/atelier-gen}"
mirrors="${CORPUS_MIRRORS:-/work/.mirror}"
work="${CORPUS_DIR:-${TMPDIR:-/tmp}/atelier-corpus}"
limit="${CORPUS_TIMEOUT:-60}"
mkdir -p "$work"

# The hosts of a flake: `plan --json` without --host lists them (older
# builds only name them in the "pick one with --host (a, b)" message).
hosts_of() {
  local dir="$1" out
  out="$("$bin" --no-cache plan "$dir" "${overrides[@]}" --json 2>"$work/.hosts.err")"
  if [ -n "$out" ] && jq -e ".hosts" >/dev/null 2>&1 <<<"$out"; then
    jq -r '.hosts[].name' <<<"$out"
    return
  fi
  if [ -n "$out" ] && jq -e ".services" >/dev/null 2>&1 <<<"$out"; then
    # A single host: its name is in the manifest.
    jq -r '.host // "-"' <<<"$out"
    return
  fi
  sed -n 's/.*pick one with --host (\(.*\))$/\1/p' "$work/.hosts.err" | tr ',' '\n' | sed 's/^ *//'
}

first_diag() {
  grep -m1 -E '(error|warning)\[' "$1" | sed -E 's/^[^ ]*: //' | cut -c1-150
}

# Unpacks <owner/name> at <commit> from its mirror; prints the directory
# (nothing, and the reason on stderr, when it is not mirrored).
unpack() {
  local repo="$1" commit="$2" mirror dir
  mirror="$mirrors/${repo/\//+}/repo"
  if [ ! -d "$mirror" ]; then
    echo "not mirrored: fetch github:$repo" >&2
    return 1
  fi
  dir="$work/${repo/\//+}@${commit:0:12}"
  if [ ! -e "$dir/.unpacked" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    if ! git --git-dir="$mirror" archive "$commit" 2>/dev/null | tar -x -C "$dir" 2>/dev/null; then
      # Mirrors may lack their largest blobs (git archive then stops), and
      # evaluation never reads images, fonts or archives: check out the rest.
      rm -rf "$dir" && mkdir -p "$dir"
      git --git-dir="$mirror" ls-tree -r --name-only "$commit" |
        grep -viE '\.(jpe?g|png|gif|webp|svg|ico|bmp|mp[34]|mkv|webm|ogg|wav|flac|ttf|otf|woff2?|pdf|zip|gz|xz|zst|iso|img)$' \
        >"$work/.paths"
      GIT_INDEX_FILE="$work/.index" git --git-dir="$mirror" read-tree "$commit" || return 1
      GIT_INDEX_FILE="$work/.index" git --git-dir="$mirror" --work-tree="$dir" \
        checkout-index --stdin <"$work/.paths"
    fi
    touch "$dir/.unpacked"
  fi
  echo "$dir"
}

printf '%-28s %-22s %4s %7s  %s\n' REPO HOST EXIT TIME FIRST-DIAGNOSTIC
total=0; hard=0; partial=0
while read -r repo commit rest; do
  case "$repo" in ''|'#'*) continue ;; esac
  sub=""; overrides=()
  read -r -a words <<<"$rest"
  for word in "${words[@]}"; do
    case "$word" in
      '#'*) break ;;
      input=*)
        spec="${word#input=}"; name="${spec%%:*}"; src="${spec#*:}"
        if ! idir="$(unpack "${src%@*}" "${src#*@}" 2>"$work/.unpack.err")"; then
          printf '%-28s %-22s %4s %7s  %s\n' "$repo" - - - "input $name: $(cat "$work/.unpack.err")"
          continue 2
        fi
        overrides+=(--override-input "$name" "$idir") ;;
      *) sub="$word" ;;
    esac
  done
  if ! dir="$(unpack "$repo" "$commit" 2>"$work/.unpack.err")"; then
    printf '%-28s %-22s %4s %7s  %s\n' "$repo" - - - "$(cat "$work/.unpack.err")"
    continue
  fi
  [ -n "$sub" ] && dir="$dir/$sub"
  mapfile -t hosts < <(hosts_of "$dir")
  if [ "${#hosts[@]}" -eq 0 ]; then
    total=$((total + 1)); hard=$((hard + 1))
    printf '%-28s %-22s %4s %7s  %s\n' "$repo" "(none)" 1 - "$(first_diag "$work/.hosts.err")"
    continue
  fi
  for h in "${hosts[@]}"; do
    [ -n "$h" ] || continue
    total=$((total + 1))
    start=$(date +%s.%N)
    timeout "$limit" "$bin" --no-cache --format short plan "$dir" "${overrides[@]}" --host "$h" >/dev/null 2>"$work/.err"
    code=$?
    t=$(printf '%.2fs' "$(echo "$(date +%s.%N) - $start" | bc)")
    [ "$code" -ne 0 ] && hard=$((hard + 1))
    grep -q 'partly-read\|unresolved-import' "$work/.err" && partial=$((partial + 1))
    diag="$(first_diag "$work/.err")"
    [ "$code" -eq 124 ] && diag="timed out after ${limit}s"
    printf '%-28s %-22s %4s %7s  %s\n' "$repo" "$h" "$code" "$t" "${diag:--}"
  done
done <"$list"
echo "hosts: $total, non-zero exit: $hard, partly read: $partial"
