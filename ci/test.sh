#!/usr/bin/env bash
# Every test: installs what is missing, builds the Cortex-M image (cross-cm3), the optimised host (sil, GCC) and the
# sanitizer host (sil-asan: clang, ASan + UBSan), runs the unit, component, sil and fuzz tiers under the sanitizers
# (any finding fails the test that hit it; the fuzz tier runs each libFuzzer harness over its regression inputs and
# for a short smoke from its seeds, see fuzz/CMakeLists.txt; the nightly ci/fuzz.sh fuzzes long), then the pil and
# kernel tiers against the optimised build and the image under QEMU.
# Of the optimised tree only what those two tiers run is built (bmsrig, the targets tier_pil and tier_kernel) and the
# benchmark programs; every other test program is built and run in the sanitizer tree. For every tier on the
# optimised tree, build it whole first: `cmake --build --preset sil`.
# BMSRIG_CI_ASAN=0 leaves the sanitizer build out, builds the optimised tree whole and runs every tier on it, then
# the fuzz smoke in the fuzz preset's tree (ci/fuzz.sh 5000): a quicker local run.
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
sanitized_tiers='unit|component|sil|fuzz'
optimised_tiers='pil|kernel'
sanitized="^($sanitized_tiers)\$"
optimised="^($optimised_tiers)\$"

stage "cross-cm3: firmware for Cortex-M3"
cmake --preset cross-cm3 >/dev/null
cmake --build --preset cross-cm3 -j "$jobs"

stage "sil: host build"
cmake --preset sil >/dev/null
if [ "$asan" = "1" ]; then
  cmake --build --preset sil -j "$jobs" --target bmsrig tier_pil tier_kernel benchmarks
else
  cmake --build --preset sil -j "$jobs"
fi

if [ "$asan" = "1" ]; then
  stage "sil-asan: host build with AddressSanitizer and UndefinedBehaviorSanitizer"
  cmake --preset sil-asan >/dev/null
  cmake --build --preset sil-asan -j "$jobs"
  # The fuzz preset itself is built by the nightly (ci/fuzz.sh); here it is only configured, so that its CMake
  # stays sound. (Its harnesses' sources are built above, in the sanitizer tree.)
  cmake --preset fuzz >/dev/null

  # Every test belongs to a tier that runs here: the sanitized tiers, the optimised ones, or `case` (the library's
  # per-case tests; the library runs whole in bmsrig.certify.library_run).
  stray=$(ctest --test-dir build/sil-asan -N -LE "^(case|$sanitized_tiers|$optimised_tiers)\$" |
          sed -n 's/^ *Test *#[0-9]*: //p')
  if [ -n "$stray" ]; then
    echo "ci/test.sh: these tests carry no label of a tier ci/test.sh runs:" >&2
    echo "$stray" >&2
    exit 1
  fi

  stage "tests: unit, component, sil and fuzz tiers under ASan + UBSan"
  # Two lanes side by side. The bench tests (label `realtime`: the loopback, the virtual bench, the HIL command line,
  # the closed loop, all against the virtual board in real time) mostly wait: together about 160 s of wall time for
  # about 20 s of CPU. They run in a lane of their own, two at a time, beside the CPU-bound tests on every core,
  # instead of holding the CPU-bound tests' places; the CPU-bound lane runs at nice 10, so that the real-time
  # processes get a core the moment they wake. (Without it, one run of three failed a lead check by 1 ms: the virtual
  # board, starved, ran a tick late and read the cell DACs after its tick's instant. The board reports such a tick
  # on stderr, and runs at real-time priority where the host grants it, which leaves almost none.) Measured: the
  # tier took 89-93 s (the CPU-bound lane 89-93 s, the real-time lane 78 s), against 156 s when the real-time lane
  # ran one test at a time and 256 s with one ctest -j2. The lane's ctest works in a directory of its own (its
  # Testing/ logs stay apart) that points at the same tests.
  if [ $# -gt 0 ]; then  # a selection of tests given: one ctest, as the selection asks
    ctest --preset sil-asan -j "$jobs" -L "$sanitized" -LE '^case$' "$@"
  else
    lane=build/sil-asan-realtime-lane
    mkdir -p "$lane"
    echo "subdirs(\"$PWD/build/sil-asan\")" > "$lane/CTestTestfile.cmake"
    # Two at a time only where the virtual board gets real-time priority; otherwise one, as the board starves more
    # often beside a second bench test (measured at normal priority: 183 late ticks with two at a time, 40 with one).
    lane_jobs=1
    if chrt -f 10 true 2>/dev/null; then lane_jobs=$jobs; fi
    (cd "$lane" && UBSAN_OPTIONS=print_stacktrace=1 ctest -j "$lane_jobs" --output-on-failure --no-tests=error \
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

  stage "tests: pil and kernel tiers (optimised build)"
  # Only tier_pil and tier_kernel were built here: the full sanitizer tree must list exactly as many of these tests
  # (a test program missing from its tier target would otherwise leave its tests out unseen).
  count() { ctest --test-dir "$1" -N -L "$optimised" | sed -n 's/^Total Tests: //p'; }
  if [ "$(count build/sil)" != "$(count build/sil-asan)" ]; then
    echo "ci/test.sh: the optimised tree lists $(count build/sil) pil and kernel tests, the sanitizer tree" \
         "$(count build/sil-asan): a test program of these tiers is missing from tier_pil or tier_kernel" >&2
    exit 1
  fi
  ctest --preset sil -j "$jobs" -L "$optimised" "$@"
else
  stage "tests: every tier (optimised build)"
  ctest --preset sil -j "$jobs" -LE '^case$' "$@"

  stage "fuzz: every harness, 5000 runs (smoke)"
  ci/fuzz.sh 5000
fi
stage ""
echo "== ci/test.sh: passed in ${SECONDS} s"
