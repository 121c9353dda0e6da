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
  # Two lanes side by side. The bench tests (label `realtime`: the loopback, the virtual bench, the HIL command line,
  # the closed loop, all against the virtual board in real time) mostly wait: together about 160 s of wall time for
  # about 20 s of CPU. They run one at a time in a lane of their own, beside the CPU-bound tests on every core,
  # instead of holding a core each; the CPU-bound lane runs at nice 10, so that the real-time processes get a core
  # the moment they wake. (Without it, one run of three failed a lead check by 1 ms: the virtual board, starved,
  # ran a tick late and read the cell DACs after its tick's instant.) Measured: 179-184 s for the tier against
  # 256 s with one ctest -j2; the real-time lane took 167-168 s. The lane's ctest works in a directory of its own
  # (its Testing/ logs stay apart) that points at the same tests.
  if [ $# -gt 0 ]; then  # a selection of tests given: one ctest, as the selection asks
    ctest --preset sil-asan -j "$jobs" -L "$sanitized" -LE '^case$' "$@"
  else
    lane=build/sil-asan-realtime-lane
    mkdir -p "$lane"
    echo "subdirs(\"$PWD/build/sil-asan\")" > "$lane/CTestTestfile.cmake"
    (cd "$lane" && UBSAN_OPTIONS=print_stacktrace=1 ctest -j 1 --output-on-failure --no-tests=error \
       -L "$sanitized" -L '^realtime$' -LE '^case$' > lane.log 2>&1) &
    lane_pid=$!
    cpu_status=0
    nice -n 10 ctest --preset sil-asan -j "$jobs" -L "$sanitized" -LE '^(case|realtime)$' || cpu_status=$?
    lane_status=0
    wait "$lane_pid" || lane_status=$?
    echo "-- real-time lane ($lane/lane.log):"
    cat "$lane/lane.log"
    if [ "$cpu_status" -ne 0 ] || [ "$lane_status" -ne 0 ]; then
      echo "== tests under ASan + UBSan failed (CPU-bound lane: exit $cpu_status, real-time lane: exit $lane_status)"
      exit 1
    fi
  fi

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
