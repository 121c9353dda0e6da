#!/usr/bin/env bash
# ci/nightly.sh's exit status is honest: shards run as separate jobs (`shard`), then `finish` merges, records and
# trends whatever they gave, and exits with the worst: 0 all passed; 1 a check failed (the failing shard itself exits
# 1 too); 2 a shard that ended abnormally (its recorded status), even when the other steps went well.
#   nightly_exit_check.sh BMSRIG SOURCE_DIR WORK_DIR
set -u
bmsrig=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work/pass" "$work/fail" && cp -r "$src/scenarios/fragments" "$work/"
cp "$src/scenarios/requirements/ld1_output_levels.yaml" "$work/pass/a.yaml"
cp "$src/scenarios/requirements/ld1_output_levels.yaml" "$work/pass/b.yaml"
cp "$src/scenarios/requirements/ld1_output_levels.yaml" "$work/fail/a.yaml"
{ echo "requirements: [LD-1]"; cat "$src/rig/app/test/data/failing.yaml"; } > "$work/fail/b.yaml"
printf -- '- LD-1 load output\n- CD-1 charge output\n- PA-1 pre-alarm output\n- TOP-3 outputs\n' > "$work/REQUIREMENTS.md"
export NIGHTLY_BMSRIG=$bmsrig NIGHTLY_MODES=sil NIGHTLY_SHARDS=2 NIGHTLY_REQUIREMENTS=$work/REQUIREMENTS.md
nightly() { "$src/ci/nightly.sh" "$@" > "$NIGHTLY_OUT/out.txt" 2>&1; local rc=$?; cat "$NIGHTLY_OUT/out.txt"; return $rc; }
expect() {  # expect WHAT WANT GOT
  if [ "$2" != "$3" ]; then echo "FAIL: $1: exit $3, expected $2"; exit 1; fi
  echo "ok: $1: exit $3"
}
for set in pass fail; do
  export NIGHTLY_OUT=$work/out-$set NIGHTLY_SCENARIOS=$work/$set
  mkdir -p "$NIGHTLY_OUT"
  s1=0; nightly shard sil 1 2 || s1=$?
  s2=0; nightly shard sil 2 2 || s2=$?
  f=0; nightly finish || f=$?
  [ -f "$NIGHTLY_OUT/sil/report.html" ] || { echo "FAIL: $set: no merged report"; exit 1; }
  [ -f "$NIGHTLY_OUT/history.db" ] || { echo "FAIL: $set: nothing recorded in the history"; exit 1; }
  grep -q "trend:" "$NIGHTLY_OUT/out.txt" || { echo "FAIL: $set: no trend table"; exit 1; }
  grep -q 'id="history-table"' "$NIGHTLY_OUT/sil/report.html" || { echo "FAIL: $set: no margin history in the report"; exit 1; }
  if [ $set = pass ]; then
    expect "passing shards" 0 $((s1 + s2)); expect "passing nightly" 0 $f
  else
    expect "one shard with the failing case" 1 $((s1 + s2)); expect "nightly with a failing case" 1 $f
  fi
done
# A shard that ended abnormally in its own job (killed: 137) makes the nightly an error though the rest passed.
export NIGHTLY_OUT=$work/out-pass NIGHTLY_SCENARIOS=$work/pass
echo 137 > "$NIGHTLY_OUT/logs/sil-2.rc"
f=0; nightly finish || f=$?
expect "nightly with a killed shard" 2 $f
