#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmarks (make bench), not tests. One section per program; each builds
# what it needs in BUILD_DIR and prints its own table.
#   scripts/bench.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${MAMORI_SHARED_DIR:-$root/../shared}

# ---- sensor: mamori-sensor vs ndpiReader vs a bare libpcap loop ------------
echo "== mamori-sensor =="
if [ ! -d "$shared/pcaps" ] || [ ! -d "$shared/intel" ]; then
  echo "bench: $shared/pcaps or $shared/intel not found; sensor benchmark skipped"
else
  cmake --build "$build" -j"$(nproc)" --target mamori-sensor mm-bench-pcap-loop \
    mm-bench-make-capture >/dev/null
  python3 "$root/bench/sensor-bench.py" "$build" "$shared" "$build/bench-work"
fi

# ---- intel: loading one million indicators (target: under a second) --------
echo "== threat intel load =="
cmake --build "$build" -j"$(nproc)" --target mm-bench-intel-load >/dev/null
"$build/tests/unit/sensor/mm-bench-intel-load" --generate 1000000

# ---- centre: HTTP ingest vs raw SQLite, alert list latency -----------------
# (section owned by the centre benchmark: bench/center/)
echo "== mamori-center =="
cmake --build "$build" -j"$(nproc)" --target mamori-center mm-bench-center >/dev/null
python3 "$root/bench/center/center-bench.py" "$build" "$build/bench-work/center"
