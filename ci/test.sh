#!/usr/bin/env bash
# Every test: installs what is missing, builds the Cortex-M image (cross-cm3), the optimised host (sil, GCC) and the
# sanitizer host (sil-asan: clang, ASan + UBSan), runs the unit, component and sil tiers under the sanitizers (any
# finding fails the test that hit it), pil and the remaining tiers against the optimised build and the image under
# QEMU, then each fuzz harness for a short fixed number of runs (ci/fuzz.sh; the nightly runs them long).
# BMSRIG_CI_ASAN=0 leaves the sanitizer build out and runs every tier on the optimised build (a quicker local run).
# The library's per-case tests (label `case`, for `ctest -L LD-2`) are left out: the library runs once, in
# bmsrig.certify.library_run. Extra arguments go to every ctest call (e.g. `-R rig_report`).
# Each stage prints its wall time; the README's "Speed" table has the measured stages.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)
asan=${BMSRIG_CI_ASAN:-1}
stage_start=$SECONDS
stage() {
  [ -n "${stage_name:-}" ] && echo "== ${stage_name}: $((SECONDS - stage_start)) s"
  stage_name=$1 stage_start=$SECONDS
  [ -n "$1" ] && echo "== $1"
  return 0
}
sanitized='^(unit|component|sil)$'

stage "cross-cm3: firmware for Cortex-M3"
cmake --preset cross-cm3 >/dev/null
cmake --build --preset cross-cm3 -j "$jobs"

stage "sil: host build"
cmake --preset sil >/dev/null
cmake --build --preset sil -j "$jobs"

if [ "$asan" = "1" ]; then
  stage "sil-asan: host build with AddressSanitizer and UndefinedBehaviorSanitizer"
  cmake --preset sil-asan >/dev/null
  cmake --build --preset sil-asan -j "$jobs"

  stage "tests: unit, component and sil tiers under ASan + UBSan"
  ctest --preset sil-asan -j "$jobs" -L "$sanitized" -LE '^case$' "$@"

  stage "tests: pil and the remaining tiers (optimised build)"
  ctest --preset sil -j "$jobs" -LE "^case\$|$sanitized" "$@"
else
  stage "tests: every tier (optimised build)"
  ctest --preset sil -j "$jobs" -LE '^case$' "$@"
fi

stage "fuzz: every harness, 5000 runs (smoke)"
ci/fuzz.sh 5000
stage ""
echo "== ci/test.sh: passed in ${SECONDS} s"
