#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job (make run), for now: a self-diagnosis demo end to end, without
# questions. It scores the demo answers (data/demo/diagnose-answers.json),
# prints the text report in the user's language (LANG/LC_ALL: ja_* gives
# Japanese, else English; or MAMORI_LANG=ja|en), and writes the print-ready
# HTML report under the build directory. The centre demo will replace this.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
mamori="$build/src/cli/mamori"
answers="$here/data/demo/diagnose-answers.json"
out="$build/demo"
lang_opt=()
[ -n "${MAMORI_LANG:-}" ] && lang_opt=(--lang "$MAMORI_LANG")

mkdir -p "$out"
"$mamori" "${lang_opt[@]}" diagnose --answers "$answers"
"$mamori" "${lang_opt[@]}" diagnose --answers "$answers" --format html --output "$out/diagnose.html"
"$mamori" "${lang_opt[@]}" diagnose --answers "$answers" --format json --output "$out/diagnose.json"
echo
echo "HTML report: $(cd "$out" && pwd)/diagnose.html"
echo "JSON result: $(cd "$out" && pwd)/diagnose.json"
