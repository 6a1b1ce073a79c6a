#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job (make run): the monitoring centre with real alerts, on this
# machine only (127.0.0.1), in a temporary folder that is removed on exit.
#   1. starts mamori-center on SQLite in a temporary data folder;
#   2. creates a demo vendor (admin + analyst) and two demo SMEs with owners
#      (one Japanese, one English) and enrols one sensor per SME;
#   3. writes a demo capture with the project's packet generator (a new
#      device, a look-up of and a connection to demo threat-intel entries,
#      Windows file sharing to the internet), runs mamori-sensor on it with
#      the demo intel (data/demo/) and sends the sensor's events to the
#      centre; with ../shared (or $MAMORI_SHARED_DIR) present, also the real
#      Emotet capture with the real Emotet indicators for the second SME;
#   4. prints the address and the demo logins; Ctrl-C stops everything.
# Usage: scripts/run-demo.sh [BUILD_DIR] [--port N] [--assess]
#   --assess  first show the self-diagnosis report of the demo answers
#   MAMORI_DEMO_PORT (default 8080; a free port is used when it is taken)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=build
port=${MAMORI_DEMO_PORT:-8080}
assess=0
while [ $# -gt 0 ]; do
  case "$1" in
  --port) port=$2; shift 2 ;;
  --assess) assess=1; shift ;;
  -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) build=$1; shift ;;
  esac
done
case "$build" in /*) ;; *) build=$root/$build ;; esac
center=$build/src/center/mamori-center
sensor=$build/src/sensor/mamori-sensor
demo="python3 $root/scripts/demo.py"
say() { printf '%s\n' "$*" >&2; }

[ -x "$center" ] || { say "mamori-center is not built in $build: run 'make' first"; exit 1; }

if [ "$assess" = 1 ] && [ -x "$build/src/cli/mamori" ]; then
  "$build/src/cli/mamori" diagnose --answers "$root/data/demo/diagnose-answers.json" || true
  echo
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mamori-demo.XXXXXX")
center_pid=
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$center_pid" ] && kill -0 "$center_pid" 2>/dev/null; then
    kill -TERM "$center_pid" 2>/dev/null || true
    wait "$center_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'say ""; say "mamori demo: stopping"; exit 0' INT TERM

# -- 1. the centre --------------------------------------------------------
mkdir -p "$work/center"
# Demo only: the minimum password-hash cost keeps start-up quick.
# The demo vendor's emergency number is fake (03-0000-0000): it shows where
# alert mails, reports and the SME's home page name the vendor ([vendor]).
printf '[auth]\npassword_cost = min\n[vendor]\nname = %s\nphone = 03-0000-0000\nhours = %s\n' \
    'デモ IT サービス（Demo IT Services）' '平日 9:00〜18:00 (weekdays)' >"$work/center.ini"
cc=("$center" --data "$work/center" --config "$work/center.ini")
start_center() {
  rm -f "$work/port"
  "${cc[@]}" --listen "127.0.0.1:$1" --port-file "$work/port" >"$work/center.log" 2>&1 &
  center_pid=$!
  for _ in $(seq 1 200); do
    if [ -s "$work/port" ] && curl -s -o /dev/null "http://127.0.0.1:$(cat "$work/port")/api/v1/me"; then
      return 0
    fi
    kill -0 "$center_pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}
if ! start_center "$port"; then
  say "mamori demo: port $port is busy; using a free port instead"
  start_center 0 || { cat "$work/center.log" >&2; exit 1; }
fi
url="http://127.0.0.1:$(cat "$work/port")"

# -- 2. vendor, SMEs, users, sensors ---------------------------------------
printf 'demo-admin-2026\n' | "${cc[@]}" admin create-admin --email admin@vendor.example \
  --lang ja --password-stdin >/dev/null
$demo seed "$url" "$work/seed.json"
tenant() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tenants"][sys.argv[2]])' "$work/seed.json" "$1"; }
code() { "${cc[@]}" admin enrol --tenant "$(tenant "$1")" 2>/dev/null | tail -n 1; }

# -- 3. events --------------------------------------------------------------
# The sensor enrols itself (--enrol CODE --center URL; its key stays in its
# --state folder) and its uplink drains the spool into the centre. Builds
# whose sensor has no uplink yet enrol through the API and post the sensor's
# EVE output with scripts/demo.py; builds with no sensor at all post the
# events the sensor raises on the demo capture.
uplink=0
if [ -x "$sensor" ] && grep -aq -- '--enrol' "$sensor"; then
  uplink=1
fi
$demo capture "$work/demo.pcap"

watch() { # sme sensor-name pcap intel...
  local sme=$1 name=$2 pcap=$3
  shift 3
  local args=() eve="$work/eve-$name.json" state="$work/sensor-$name"
  for i in "$@"; do args+=(--intel "$i"); done
  mkdir -p "$state"
  if [ "$uplink" = 1 ]; then
    if "$sensor" --enrol "$(code "$sme")" --center "$url" --sensor-name "$name" --state "$state" \
      -r "$pcap" "${args[@]}" --eve "$eve" >"$state.log" 2>&1; then
      say "mamori demo: $name watched $(basename "$pcap") and sent its events through its uplink"
      return
    fi
    say "mamori demo: mamori-sensor failed on $pcap:"
    tail -n 5 "$state.log" >&2
    return 1
  fi
  if [ -x "$sensor" ]; then
    "$sensor" -r "$pcap" "${args[@]}" --state "$state" --eve "$eve" >"$state.log" 2>&1 ||
      { tail -n 5 "$state.log" >&2; return 1; }
  else
    say "mamori demo: mamori-sensor is not built; sending the events it raises on the demo capture"
    $demo eve "$eve"
  fi
  local key n
  key=$($demo enrol "$url" "$(code "$sme")" "$name")
  n=$($demo upload "$url" "$key" "$eve")
  say "mamori demo: $name sent $n events"
}

watch yamada yamada-office "$work/demo.pcap" "$root/data/demo/intel.tsv"
shared=${MAMORI_SHARED_DIR:-$root/../shared}
if [ -x "$sensor" ] && [ -f "$shared/pcaps/ndpi_emotet.pcap" ] && [ -f "$shared/intel/maltrail/malware/emotet.txt" ]; then
  # A real Emotet infection (merged excerpts) and the real Emotet indicators.
  watch sakura sakura-hq "$shared/pcaps/ndpi_emotet.pcap" "$shared/intel/maltrail/malware/emotet.txt"
else
  watch sakura sakura-hq "$work/demo.pcap" "$root/data/demo/intel.tsv"
fi

# A question at the desk and an incident with a visit, where the centre has them.
$demo desk "$url" || say "mamori demo: could not add the desk examples (see above)"

# -- 4. ready -----------------------------------------------------------------
cat <<MSG

  mamori 監視センターのデモが動いています / the mamori demo centre is running:

      $url/

  ログイン / sign in (password after the slash):
    監視センター 管理者 (日本語)   admin@vendor.example   / demo-admin-2026
    Vendor analyst (English)      analyst@vendor.example / demo-analyst-2026
    山田製作所 責任者 (日本語)      owner@yamada.example   / demo-yamada-2026
    Sakura Trading owner (English) owner@sakura.example  / demo-sakura-2026

  Ctrl-C で終了します / press Ctrl-C to stop (the demo data is deleted).

MSG
wait "$center_pid"
