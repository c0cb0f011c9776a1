#!/usr/bin/env bash
# A coverage-guided fuzz run of the reader (fuzz/, target `reader`) on stable
# Rust, without cargo-fuzz: the target is built with libFuzzer's coverage
# instrumentation (the flags of `cargo fuzz build -s none -a`, stable `-C`
# options only) and run for SECONDS on a fresh corpus seeded with every .nix
# file of the repository and the regression inputs.
#
#   scripts/fuzz.sh [SECONDS] [WORKDIR]      (defaults: 60, a new temp dir)
#
# Exits non-zero on any crash (panic, abort), timeout (an input running over
# 10 s) or out-of-memory; the input is kept in WORKDIR/artifacts. Turn it into
# a regression case as docs/hardening.md says. scripts/test.sh (and so CI)
# runs this for 60 s; ATELIER_FUZZ_SECONDS=0 skips it there.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
work="${2:-}"
keep=1
if [ -z "$work" ]; then
  work="$(mktemp -d -t atelier-fuzz-XXXXXX)"
  keep=0
fi
mkdir -p "$work/corpus" "$work/artifacts" "$work/tmp"

triple="$(rustc -vV | sed -n 's/^host: //p')"
target_dir="${CARGO_TARGET_DIR:-$PWD/fuzz/target}"
flags="-Cpasses=sancov-module \
 -Cllvm-args=-sanitizer-coverage-level=4 \
 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
 -Cllvm-args=-sanitizer-coverage-pc-table \
 -Cllvm-args=-sanitizer-coverage-trace-compares \
 -Cllvm-args=-sanitizer-coverage-stack-depth \
 -Cllvm-args=-simplifycfg-branch-fold-threshold=0 \
 --cfg fuzzing -Cdebug-assertions"
# --target keeps RUSTFLAGS away from build scripts and proc macros.
echo "fuzz: building the reader target (instrumented, release, debug assertions)" >&2
RUSTFLAGS="$flags" cargo build --locked --release \
  --manifest-path fuzz/Cargo.toml --target "$triple" --target-dir "$target_dir" --bin reader
bin="$target_dir/$triple/release/reader"

# Seeds: every .nix file (as host.nix, most are valid declarations) and the
# inputs that once crashed the reader.
find tests/data examples nix -type f -name '*.nix' -print0 |
  while IFS= read -r -d '' f; do cp "$f" "$work/corpus/$(printf '%s' "$f" | tr '/' '_')"; done
find tests/data/fuzz-regressions -type f ! -name README.md -print0 |
  while IFS= read -r -d '' f; do cp "$f" "$work/corpus/regression_$(basename "$f")"; done
seeds="$(find "$work/corpus" -type f | wc -l)"

# Every seed once, in one process: fork mode's initial merge skips a seed
# that crashes instead of reporting it.
status=0
TMPDIR="$work/tmp" "$bin" "$work/corpus" -runs=0 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$work/artifacts/" >"$work/seeds.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  tail -n 60 "$work/seeds.log" >&2
  echo "fuzz: FAILED: a seed input crashes the reader (exit status $status); artifacts in $work/artifacts" >&2
  exit 1
fi

# One process: the evaluator's Rc cycles are freed with each Evaluator
# (docs/hardening.md), so memory stays flat (87 MB over 1,872 inputs,
# measured), and no fork-mode merge of every seed eats the budget.
# Any crash, timeout or OOM ends the run non-zero.
echo "fuzz: running for ${seconds}s on $seeds seed files; log and artifacts in $work" >&2
TMPDIR="$work/tmp" "$bin" "$work/corpus" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
  -artifact_prefix="$work/artifacts/" >"$work/fuzz.log" 2>&1 || status=$?
rm -rf "$work/tmp"

execs="$(grep -Eo '^#[0-9]+' "$work/fuzz.log" | tail -1 | tr -d '#')"
rss="$(grep -Eo 'rss: [0-9]+Mb' "$work/fuzz.log" | tail -1 | sed 's/rss: //')"
corpus="$(find "$work/corpus" -type f | wc -l)"
artifacts="$(find "$work/artifacts" -type f | wc -l)"
echo "fuzz: ${execs:-0} executions (budget ${seconds}s), corpus $seeds -> $corpus files, peak RSS ${rss:-?}, exit status $status, $artifacts artifact(s)" >&2
if [ "$status" -ne 0 ] || [ "$artifacts" -ne 0 ]; then
  tail -n 80 "$work/fuzz.log" >&2
  find "$work/artifacts" -type f -exec ls -l {} + >&2 || true
  cat >&2 <<EOF
fuzz: FAILED: the reader crashed, hung or ran out of memory on an input (above).
  Minimize it:   $bin -minimize_crash=1 -runs=20000 -exact_artifact_path=minimized ARTIFACT
  then copy the result into tests/data/fuzz-regressions/ (replayed by
  tests/hardening_reader.rs::fuzz_regressions) and fix the reader.
EOF
  exit 1
fi
if [ "$keep" = 0 ]; then rm -rf "$work"; fi
