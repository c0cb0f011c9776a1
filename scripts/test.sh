#!/usr/bin/env bash
# The test command: installs missing components, then runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# Debian's nix-bin names a build-users group that a machine without the Nix
# daemon lacks; the tests build nothing, so no build users are needed (and
# nix-instantiate stops warning about it once per file).
export NIX_CONFIG="build-users-group =${NIX_CONFIG:+
$NIX_CONFIG}"
if [ -z "${ATELIER_NIXPKGS_LIB:-}" ]; then
  echo "note: ATELIER_NIXPKGS_LIB is unset: module-system tests will be skipped (see README)" >&2
fi
for v in ATELIER_IMPORT_TREE_SRC ATELIER_FLAKE_PARTS_SRC ATELIER_HAUMEA_SRC ATELIER_NIXOS_UNIFIED_SRC ATELIER_EZ_CONFIGS_SRC \
  ATELIER_SNOWFALL_LIB_SRC ATELIER_FLAKE_UTILS_PLUS_SRC ATELIER_CLAN_CORE_SRC ATELIER_TREEFMT_NIX_SRC; do
  if [ -z "${!v:-}" ]; then
    echo "note: $v is unset: the test evaluating that framework from its source will be skipped (see README)" >&2
  fi
done
if [ -z "${ATELIER_NIX_LANG_TESTS:-}" ]; then
  echo "note: ATELIER_NIX_LANG_TESTS is unset: Nix's language tests (the evaluator's conformance suite) will be skipped (see README)" >&2
fi
# Every .nix file in the repository must parse, except the fixtures of error
# cases (tests/data/<suite>/err/), which are broken on purpose.
# Files read only through `scopedImport` (haumea's scoped loader) name
# variables that scope gives: Nix parses them under that scope.
find . -name '*.nix' -not -path './target/*' -not -path './.git/*' \
  -not -path './tests/data/*/err/*' -not -path './fuzz/*' \
  -not -path './tests/data/inputs/scoped-loader/fw/lib/*' -print0 |
  xargs -0 -r -n1 nix-instantiate --parse >/dev/null
nix-instantiate --eval -E \
  'builtins.isFunction (scopedImport { fwName = "fw"; } ./tests/data/inputs/scoped-loader/fw/lib/dataDir.nix)' >/dev/null
echo "== tests, restic $(restic version | cut -d' ' -f2) (Debian 12)" >&2
cargo test --locked --all-targets "$@"
# The runtime suites again with the restic NixOS users run (0.18, Debian 13):
# every test binary that drives real restic.
next="$(./scripts/restic-next.sh)"
runtime_tests=()
for f in tests/runtime_*.rs tests/restore_*.rs tests/dr_*.rs tests/drill_*.rs \
         tests/hardening_*.rs tests/support_bundle.rs tests/menu_*.rs; do
  [ -e "$f" ] && runtime_tests+=(--test "$(basename "$f" .rs)")
done
echo "== runtime tests, restic $("$next/restic" version | cut -d' ' -f2) (Debian 13)" >&2
PATH="$next:$PATH" cargo test --locked "${runtime_tests[@]}" "$@"
# A short coverage-guided fuzz run of the reader (docs/hardening.md): about
# 7 minutes to build the instrumented target from scratch on 2 shared cores,
# then 60 s of fuzzing on a fresh corpus; any crash, hang or OOM fails.
# ATELIER_FUZZ_SECONDS=N changes the duration, 0 skips it.
if [ "${ATELIER_FUZZ_SECONDS:-60}" != 0 ]; then
  ./scripts/fuzz.sh "${ATELIER_FUZZ_SECONDS:-60}"
fi
