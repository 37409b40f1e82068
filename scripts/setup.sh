#!/usr/bin/env bash
# Install every Debian package Klipper++ needs (only the missing ones) and build the tree.
# Idempotent; runs as root or through sudo on a fresh Debian 12. Usage: scripts/setup.sh [build-dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}

packages=(
  build-essential cmake ninja-build ccache pkg-config git python3
  libboost-context-dev nlohmann-json3-dev libfmt-dev libcli11-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev clang
  gcc-avr avr-libc binutils-avr
  gcc-arm-none-eabi libnewlib-arm-none-eabi
  simavr libsimavr-dev libsimavrparts1 libelf-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
ninja -C "$build"
