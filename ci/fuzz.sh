#!/usr/bin/env bash
# Fuzzing: builds the `fuzz` preset (clang, libFuzzer, ASan + UBSan) and runs every harness over its seed corpus.
#   ci/fuzz.sh [RUNS [HARNESS...]]
# RUNS executions per harness (default 10000000, the nightly goal; ci/test.sh runs the harnesses' regressions and a
# short smoke as the CTest tier `fuzz` of the sanitizer tree instead, see fuzz/CMakeLists.txt). The corpus each
# harness grows is kept in build/fuzz/corpus/<harness>; a finding (crash-*, leak-*, timeout-*, oom-*) is written to
# build/fuzz/findings/<harness>/ and fails the run. Reproduce one with: build/fuzz/fuzz/fuzz_<harness> <file>.
# The harnesses run side by side, as many at a time as there are cores (BMSRIG_FUZZ_JOBS to choose): each fuzzer is
# one process on one core.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10000000}
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=(scenario_loader expr rig_yaml vedirect_text vedirect_hex plant_link results_reader)
jobs=$(nproc 2>/dev/null || echo 2)

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs"

bin=build/fuzz/fuzz
# AddressSanitizer keeps no allocation stacks while fuzzing: storing them took a fifth of the YAML harnesses' time
# from the start (about 18 % more executions without) and, as its store only grows, slowed scenario_loader from
# 1 750 to 300 executions/s within 15 minutes. A finding still aborts at once with its own stack; reproduce it
# (build/fuzz/fuzz/fuzz_<harness> <file>) to see where its memory was allocated and freed.
export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=0}
# One harness: the regression inputs whole, then the fuzzing; "ok" or "FAILED" into build/fuzz/findings/<h>.result.
fuzz_one() {
  local h=$1 result
  local work=build/fuzz/corpus/$h findings=build/fuzz/findings/$h log=build/fuzz/findings/$h.log
  mkdir -p "$work" "$findings"
  local seeds=("$bin/corpus/$h")
  [ -d "fuzz/regressions/$h" ] && seeds+=("fuzz/regressions/$h")
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a parser must stay bounded on any input.
  local limits=(-timeout=10 -rss_limit_mb=2048)
  # First every regression input whole, once: some are longer than -max_len below on purpose (20 000 characters
  # of a name, 5 000 parentheses), and libFuzzer cuts a corpus input at -max_len when it loads it.
  local regressions=()
  [ -d "fuzz/regressions/$h" ] && mapfile -t regressions < <(find "fuzz/regressions/$h" -type f | sort)
  : > "$log"
  if [ ${#regressions[@]} -gt 0 ] && ! "$bin/fuzz_$h" "${limits[@]}" "${regressions[@]}" >> "$log" 2>&1; then
    result=FAILED
  # -max_len: libFuzzer would let inputs grow to its largest seed (10 KB, a library scenario); 4 KB holds every
  # library scenario whole but the 24 h soak (5.4 KB, cut there when loaded), and the regression inputs ran whole
  # above. (scenario_loader reached more coverage with it than without: 5 375 points against 5 291.)
  elif "$bin/fuzz_$h" -runs="$runs" -max_len=4096 "${limits[@]}" -print_final_stats=1 \
       -artifact_prefix="$findings/" "$work" "${seeds[@]}" >> "$log" 2>&1; then
    result=ok
  else
    result=FAILED
  fi
  echo "$result" > "build/fuzz/findings/$h.result"
}

parallel=${BMSRIG_FUZZ_JOBS:-$jobs}
running=0
for h in "${harnesses[@]}"; do
  if [ "$running" -ge "$parallel" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  rm -f "build/fuzz/findings/$h.result"
  fuzz_one "$h" &
  running=$((running + 1))
done
wait || true

status=0
for h in "${harnesses[@]}"; do
  log=build/fuzz/findings/$h.log
  result=$(cat "build/fuzz/findings/$h.result" 2>/dev/null || echo FAILED)
  if [ "$result" != ok ]; then
    status=1
    tail -40 "$log" >&2
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  printf 'fuzz %-16s %s executions, %s (log %s)\n' "$h" "${execs:-?}" "$result" "$log"
done
exit $status
