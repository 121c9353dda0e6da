#!/usr/bin/env bash
# The main job: installs what is missing, builds (Cortex-M firmware and the host rig), and certifies the whole
# scenario library in SIL with `bmsrig certify` against docs/spec/REQUIREMENTS.md. Writes into out/: report.html
# (summary, provenance, traceability matrix, SVG waveforms), junit.xml, results.json, one CSV + VCD + timeline per
# case in traces/, REQUIREMENTS.md (the spec judged against) and MANIFEST.sha256 (`cd out && sha256sum -c
# MANIFEST.sha256`). Prints a pass/fail line per test case with its key measured margin, the coverage, then checks
# the written report against the scenario files (rig/app/test/certify_check.py); the last line names the report.
# Exit status is bmsrig certify's: 0 every requirement covered and every case passed, 1 a check failed, 2 a
# requirement is uncovered or a case could not be judged (or the report check failed), 3 a scenario was refused
# (nothing ran), 130 interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset cross-cm3 >/dev/null
cmake --build --preset cross-cm3 -j "$jobs"
cmake --preset sil >/dev/null
cmake --build --preset sil -j "$jobs" --target bmsrig
mkdir -p out
start=$(date +%s.%N)
status=0
build/sil/rig/app/bmsrig certify scenarios --mode sil -j "$jobs" --out out \
  --requirements docs/spec/REQUIREMENTS.md || status=$?
end=$(date +%s.%N)
if [ "$status" -le 2 ] && [ -f out/report.html ]; then
  # The report, JUnit and manifest checked from the outside against the scenario files and the spec.
  check=rig/app/test/certify_check.py
  if ! { python3 "$check" coverage out docs/spec/REQUIREMENTS.md scenarios &&
         python3 "$check" html xmllint rig/report/test/html_check.sh out &&
         python3 "$check" manifest out; }; then
    echo "ci/run.sh: the written report does not match the library (see above)" >&2
    [ "$status" -eq 0 ] && status=2
  fi
fi
awk -v a="$start" -v b="$end" -v s="$status" 'BEGIN { printf "ci/run.sh: scenario library certified in %.1f s wall (exit %d)\n", b - a, s }'
echo "report: out/report.html"
exit "$status"
