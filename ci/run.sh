#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs the scenario library in SIL.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset cross-cm3 >/dev/null
cmake --build --preset cross-cm3 -j "$jobs"
cmake --preset sil >/dev/null
cmake --build --preset sil -j "$jobs"
if [ -x build/sil/rig/app/bmsrig ]; then
  mkdir -p out
  exec build/sil/rig/app/bmsrig run scenarios --mode sil --junit out/junit.xml --json out/results.json --trace-dir out/traces
else
  echo "ci/run.sh: the rig is not built yet; would run: bmsrig run scenarios --mode sil"
fi
