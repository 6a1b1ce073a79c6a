#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job (make run). Placeholder until the demo grows: shows the CLI.
set -euo pipefail
build=${1:-build}
"$build/src/cli/mamori" --help
