#!/usr/bin/env bash
# Every test: installs what is missing, builds the host (sil) and Cortex-M (cross-cm3) presets, runs CTest.
# Extra arguments go to ctest (e.g. `ci/test.sh -L unit`).
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)

echo "== cross-cm3: firmware for Cortex-M3"
cmake --preset cross-cm3 >/dev/null
cmake --build --preset cross-cm3 -j "$jobs"

echo "== sil: host build"
cmake --preset sil >/dev/null
cmake --build --preset sil -j "$jobs"

echo "== tests"
ctest --preset sil -j "$jobs" "$@"
