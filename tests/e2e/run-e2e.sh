#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the web UI's browser tests (node's test runner, npm playwright-core,
# Debian /usr/bin/chromium). "setup" installs playwright-core and axe-core
# from the lock file when either is missing (a fresh clone); otherwise the
# arguments are test files. Exit 77 (skipped, with the reason) when node,
# chromium or the centre binary is absent.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
skip() { echo "SKIP: $*"; exit 77; }
command -v node >/dev/null || skip "node is not installed (scripts/deps.sh check)"

if [ "${1:-}" = setup ]; then
  if [ -f "$here/node_modules/playwright-core/package.json" ] && [ -f "$here/node_modules/axe-core/package.json" ]; then
    echo "playwright-core and axe-core already installed"
    exit 0
  fi
  command -v npm >/dev/null || skip "npm is not installed (scripts/deps.sh check)"
  # The lock file pins the exact versions; no browser is downloaded
  # (playwright-core has no install script). axe-core (a test-only
  # devDependency, e2e-a11y's rules engine) came later: a tree installed
  # before it is installed again.
  npm ci --prefix "$here" --no-audit --no-fund --loglevel=error
  exit 0
fi

[ -x /usr/bin/chromium ] || skip "Debian chromium is not installed (scripts/deps.sh check)"
[ -f "$here/node_modules/playwright-core/package.json" ] || skip "playwright-core missing: run $0 setup"
build=${MAMORI_BUILD_DIR:-$here/../../build}
[ -x "${MAMORI_CENTER_BIN:-$build/src/center/mamori-center}" ] || skip "mamori-center is not built in $build"
files=()
for f in "$@"; do files+=("$here/$f"); done
cd "$here"
# A file whose every test was skipped (e.g. the desk API is not there yet)
# reports "skipped" to CTest with the reason, rather than "passed".
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
node --test --test-reporter=tap --test-concurrency=1 "${files[@]}" | tee "$out" || rc=$?
[ "$rc" -ne 0 ] && exit "$rc"
if grep -q '^# pass 0$' "$out" && ! grep -q '^# skipped 0$' "$out"; then
  echo "SKIP: every test in ${*} was skipped (reasons above)"
  exit 77
fi
exit 0
