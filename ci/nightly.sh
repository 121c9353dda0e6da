#!/usr/bin/env bash
# The nightly regression: builds, runs the library's SIL and PIL shards side by side, merges each mode into one
# report, records the runs in the margin history and prints the trend. Runs on a fresh Debian 12 machine.
#
#   ci/nightly.sh                     # everything here; results in out/nightly/<mode>/, history out/nightly/history.db
#   ci/nightly.sh shard MODE K N      # one shard only (CI engines: one job per shard), into out/nightly/MODE-K/
#   ci/nightly.sh merge MODE          # merge out/nightly/MODE-*/ into out/nightly/MODE/, add to the history, trend
#
# Environment: NIGHTLY_OUT (out/nightly), NIGHTLY_DB ($NIGHTLY_OUT/history.db), NIGHTLY_SHARDS (2),
# NIGHTLY_MODES ("sil pil"), NIGHTLY_SCENARIOS (scenarios). Exit: 0 all passed and nothing flagged by the trend,
# 1 a check failed or the trend flagged something, 2 and above as bmsrig.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${NIGHTLY_OUT:-out/nightly}
db=${NIGHTLY_DB:-$out/history.db}
shards=${NIGHTLY_SHARDS:-2}
modes=${NIGHTLY_MODES:-sil pil}
scenarios=${NIGHTLY_SCENARIOS:-scenarios}
bmsrig=build/sil/rig/app/bmsrig

build() {
  ci/setup.sh
  local jobs
  jobs=$(nproc 2>/dev/null || echo 2)
  if [[ " $modes " == *" pil "* ]]; then
    cmake --preset cross-cm3 >/dev/null && cmake --build --preset cross-cm3 -j "$jobs"
  fi
  cmake --preset sil >/dev/null && cmake --build --preset sil -j "$jobs" --target bmsrig
}

# One shard: bmsrig certify --shard K/N into $out/MODE-K (results.json, shard.json, junit.xml, traces/, report.html).
shard() {
  local mode=$1 k=$2 n=$3
  local history=()
  [ -f "$db" ] && history=(--shard-history "$db")
  rm -rf "$out/$mode-$k"
  "$bmsrig" certify "$scenarios" --mode "$mode" --shard "$k/$n" -j 1 --out "$out/$mode-$k" "${history[@]}" \
    > "$out/logs/$mode-$k.log" 2>&1 || true  # verdicts are judged after the merge
  tail -n 2 "$out/logs/$mode-$k.log"
}

# Merge a mode's shards, record them in the history.
merge() {
  local mode=$1 rc=0
  "$bmsrig" merge "$out/$mode"-[0-9]*/ --out "$out/$mode" --requirements docs/spec/REQUIREMENTS.md || rc=$?
  [ "$rc" -le 2 ] || return $rc  # 3: shards refused, nothing merged
  "$bmsrig" history add "$out/$mode/results.json" --db "$db"
  return $rc
}

trend() {
  "$bmsrig" history trend --db "$db" --json "$out/trend.json"
}

mkdir -p "$out/logs"
case "${1:-all}" in
  shard) shift; [ -x "$bmsrig" ] || build; shard "$@" ;;
  merge) shift; [ -x "$bmsrig" ] || build; merge "$1" ;;
  trend) trend ;;
  all)
    build
    pids=()
    for mode in $modes; do
      for k in $(seq 1 "$shards"); do
        shard "$mode" "$k" "$shards" &
        pids+=($!)
      done
    done
    for p in "${pids[@]}"; do wait "$p"; done
    status=0
    for mode in $modes; do merge "$mode" || status=1; done
    echo "== margin trend ($db)"
    trend || status=1
    for mode in $modes; do echo "report ($mode): $out/$mode/report.html"; done
    exit $status
    ;;
  *) echo "usage: ci/nightly.sh [all | shard MODE K N | merge MODE | trend]" >&2; exit 4 ;;
esac
