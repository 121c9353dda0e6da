#!/usr/bin/env bash
# Installs the Debian 12 packages bmsrig needs, and only those that are missing.
# Idempotent; prints nothing when everything is present. Set BMSRIG_NO_INSTALL=1 to only check.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  libgtest-dev libgmock-dev libbenchmark-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev libboost-dev
  libgpiod-dev libserialport-dev
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib binutils-arm-none-eabi
  qemu-system-arm
  libxml2-utils python3 libssl-dev python3-yaml python3-jsonschema
  sigrok-cli libsqlite3-dev
  clang-14 libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "${BMSRIG_NO_INSTALL:-0}" = "1" ]; then
  echo "ci/setup.sh: missing Debian packages: ${missing[*]}" >&2
  exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "ci/setup.sh: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
  fi
fi
echo "ci/setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
