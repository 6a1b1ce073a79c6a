#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages mamori needs to build, run and test.
# Usage: scripts/deps.sh [build|run|check]   (default: check, the superset)
# As root it runs apt-get non-interactively; otherwise it prints the exact line.
set -euo pipefail

build_pkgs=(cmake make gcc pkg-config
  libcmocka-dev libpcap-dev libjansson-dev libinih-dev libcsv-dev libcmark-dev
  libpsl-dev ieee-data libmicrohttpd-dev libgnutls28-dev libsqlite3-dev libsodium-dev
  libcurl4-openssl-dev libssl-dev zlib1g-dev libcairo2-dev libpango1.0-dev)
run_pkgs=(sqlite3 python3 curl tzdata)
check_pkgs=(clang libclang-rt-14-dev tshark libndpi-bin python3-aiosmtpd chromium clang-format go-md2man
  fonts-noto-cjk poppler-utils openssl strace)

want=("${build_pkgs[@]}")
case "${1:-check}" in
build) ;;
run) want+=("${run_pkgs[@]}") ;;
check) want+=("${run_pkgs[@]}" "${check_pkgs[@]}") ;;
*) echo "usage: $0 [build|run|check]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Browser tests drive Chromium with npm's playwright-core; the machine image may
# already carry Node.js from elsewhere, so only ask Debian for it when absent.
if [ "${1:-check}" = check ] && ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "mamori: missing Debian packages; run as root:" >&2
  echo "  apt-get update && $line" >&2
  exit 1
fi
echo "mamori: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
