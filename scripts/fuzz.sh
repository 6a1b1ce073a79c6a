#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer harnesses with clang (MM_FUZZ=ON) and runs each one:
#   fuzz.sh BUILD_DIR smoke   a short run per harness (part of make check)
#   fuzz.sh BUILD_DIR long    FUZZ_SECONDS per harness (make fuzz)
# Corpora are tests/fuzz/corpus/<target>/; new crashes land in
# tests/fuzz/crashes/<target>/ to be kept as regression cases.
set -euo pipefail
build=${1:-build-fuzz}
mode=${2:-smoke}
secs=${FUZZ_SECONDS:-300}
[ "$mode" = smoke ] && secs=${FUZZ_SMOKE_SECONDS:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v clang >/dev/null; then
  echo "fuzz: clang not installed (scripts/deps.sh check installs it)" >&2
  exit 1
fi
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DMM_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build" -j"$(nproc)" --target mm-fuzzers >/dev/null
shopt -s nullglob
harnesses=("$build"/tests/fuzz/fuzz-*)
if [ ${#harnesses[@]} -eq 0 ]; then
  echo "fuzz: no harnesses built yet"
  exit 0
fi
for h in "${harnesses[@]}"; do
  [ -x "$h" ] || continue
  name=$(basename "$h"); target=${name#fuzz-}
  corpus="$root/tests/fuzz/corpus/$target"; work="$build/fuzz-work/$target"
  crashes="$root/tests/fuzz/crashes/$target"
  mkdir -p "$corpus" "$work" "$crashes"
  echo "fuzz: $target for ${secs}s"
  "$h" -max_total_time="$secs" -max_len=65536 -artifact_prefix="$crashes/" -print_final_stats=0 \
    "$work" "$corpus" >"$build/fuzz-work/$target.log" 2>&1 || {
    echo "fuzz: $target FAILED; see $build/fuzz-work/$target.log and $crashes" >&2
    tail -30 "$build/fuzz-work/$target.log" >&2
    exit 1
  }
done
echo "fuzz: all harnesses ran clean"
