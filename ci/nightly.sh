#!/usr/bin/env bash
# The nightly regression: builds, runs the library's SIL and PIL shards side by side, merges each mode into one
# report, records the runs in the margin history and prints the trend. Runs on a fresh Debian 12 machine.
#
#   ci/nightly.sh                     # everything here; results in out/nightly/<mode>/, history out/nightly/history.db
#   ci/nightly.sh shard MODE K N      # one shard only (CI engines: one job per shard), into out/nightly/MODE-K/
#   ci/nightly.sh finish              # merge every mode's shards, add them to the history, print the trend
#   ci/nightly.sh merge MODE          # merge out/nightly/MODE-*/ into out/nightly/MODE/ and add it to the history
#   ci/nightly.sh trend               # the trend table of the history
#
# Environment: NIGHTLY_OUT (out/nightly), NIGHTLY_DB ($NIGHTLY_OUT/history.db), NIGHTLY_SHARDS (2),
# NIGHTLY_MODES ("sil pil"), NIGHTLY_SCENARIOS (scenarios), NIGHTLY_REQUIREMENTS (docs/spec/REQUIREMENTS.md),
# NIGHTLY_BMSRIG (build/sil/rig/app/bmsrig; when it exists nothing is built for shard/merge/finish).
#
# Exit status — every step runs whatever an earlier one found (a failing shard is still merged, recorded and
# trended); the status is then the worst of all steps:
#   0  every case of every shard passed, the merges cover the spec, nothing flagged by the trend
#   1  a check failed, or the trend flagged something (verdict change, shrinking margin, case appeared/vanished)
#   2  an error: a case could not be judged, a shard ended abnormally (refused input, usage, killed, missing), a
#      merge was refused or a requirement is uncovered, the history could not be written or read
# `shard` exits with its shard's status (bmsrig certify's: 0 pass, 1 fail, 2 and above error) and records it in
# out/nightly/logs/MODE-K.rc, which `merge`/`finish` count, so a CI engine's merge job (run always) stays honest
# about shards that ran in other jobs.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${NIGHTLY_OUT:-out/nightly}
db=${NIGHTLY_DB:-$out/history.db}
shards=${NIGHTLY_SHARDS:-2}
modes=${NIGHTLY_MODES:-sil pil}
scenarios=${NIGHTLY_SCENARIOS:-scenarios}
requirements=${NIGHTLY_REQUIREMENTS:-docs/spec/REQUIREMENTS.md}
bmsrig=${NIGHTLY_BMSRIG:-build/sil/rig/app/bmsrig}

# 0 stays 0, 1 (a failure) stays 1, anything else is an error (2).
severity() { case "$1" in 0) echo 0 ;; 1) echo 1 ;; *) echo 2 ;; esac; }
worst=0
note() {  # note RC: keep the worst severity seen
  local s
  s=$(severity "$1")
  [ "$s" -gt "$worst" ] && worst=$s
  return 0
}

build() {
  ci/setup.sh || exit 2
  local jobs
  jobs=$(nproc 2>/dev/null || echo 2)
  if [[ " $modes " == *" pil "* ]]; then
    { cmake --preset cross-cm3 >/dev/null && cmake --build --preset cross-cm3 -j "$jobs"; } || exit 2
  fi
  { cmake --preset sil >/dev/null && cmake --build --preset sil -j "$jobs" --target bmsrig; } || exit 2
}

# One shard: bmsrig certify --shard K/N into $out/MODE-K (results.json, shard.json, junit.xml, traces/, report.html);
# its exit status into $out/logs/MODE-K.rc.
shard() {
  local mode=$1 k=$2 n=$3 rc=0
  local history=()
  [ -f "$db" ] && history=(--shard-history "$db")
  rm -rf "${out:?}/$mode-$k"
  "$bmsrig" certify "$scenarios" --mode "$mode" --shard "$k/$n" -j 1 --out "$out/$mode-$k" "${history[@]}" \
    > "$out/logs/$mode-$k.log" 2>&1 || rc=$?
  echo "$rc" > "$out/logs/$mode-$k.rc"
  tail -n 2 "$out/logs/$mode-$k.log"
  [ "$rc" -eq 0 ] || echo "shard $mode $k/$n: exit $rc (log: $out/logs/$mode-$k.log)"
  return "$rc"
}

# Merge a mode's shards and record the merge in the history; counts the shards' recorded exit statuses.
merge() {
  local mode=$1 rc=0 f
  for f in "$out/logs/$mode"-[0-9]*.rc; do
    [ -f "$f" ] && note "$(cat "$f")"
  done
  if ! compgen -G "$out/$mode-[0-9]*/results.json" >/dev/null; then
    echo "merge $mode: no shard results in $out/$mode-*/" >&2
    note 2
    return
  fi
  "$bmsrig" merge "$out/$mode"-[0-9]*/ --out "$out/$mode" --requirements "$requirements" --history "$db" || rc=$?
  note "$rc"
  [ "$rc" -le 2 ] || return 0  # 3: shards refused, nothing merged, nothing to record
  rc=0
  "$bmsrig" history add "$out/$mode/results.json" --db "$db" || rc=$?
  [ "$rc" -eq 0 ] || note 2
}

trend() {
  local rc=0
  echo "== margin trend ($db)"
  "$bmsrig" history trend --db "$db" --json "$out/trend.json" || rc=$?
  note "$rc"
}

finish() {
  local mode
  for mode in $modes; do merge "$mode"; done
  trend
  for mode in $modes; do echo "report ($mode): $out/$mode/report.html"; done
  echo "nightly: exit $worst"
}

mkdir -p "$out/logs"
case "${1:-all}" in
  shard) shift; [ -x "$bmsrig" ] || build; shard "$@"; exit $? ;;
  merge) shift; [ -x "$bmsrig" ] || build; merge "$1" ;;
  trend) trend ;;
  finish) [ -x "$bmsrig" ] || build; finish ;;
  all)
    build
    rm -f "$out"/logs/*.rc
    pids=()
    for mode in $modes; do
      for k in $(seq 1 "$shards"); do
        shard "$mode" "$k" "$shards" &
        pids+=($!)
      done
    done
    for p in "${pids[@]}"; do wait "$p"; done  # statuses are in $out/logs/*.rc, counted by merge
    finish
    ;;
  *) echo "usage: ci/nightly.sh [all | shard MODE K N | finish | merge MODE | trend]" >&2; exit 4 ;;
esac
exit "$worst"
