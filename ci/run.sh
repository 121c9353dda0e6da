#!/usr/bin/env bash
# The main job: installs what is missing, builds (Cortex-M firmware and the host rig), and runs the whole scenario
# library in SIL. Writes out/junit.xml, out/results.json and one CSV + VCD trace per case in out/traces/, and
# prints a pass/fail line per scenario with its key measured margin; the last line names the report.
# Exit status is bmsrig's: 0 all expectations held, 1 a check failed, 2 a case could not be judged, 3 a scenario
# was refused (nothing ran), 130 interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset cross-cm3 >/dev/null
cmake --build --preset cross-cm3 -j "$jobs"
cmake --preset sil >/dev/null
cmake --build --preset sil -j "$jobs" --target bmsrig
rm -rf out/traces
mkdir -p out
start=$(date +%s.%N)
status=0
report_args=(--html out/report.html)
# The spec lives next to the repository (../shared/spec); with it the report's traceability matrix lists every ID.
if [ -f ../shared/spec/REQUIREMENTS.md ]; then report_args+=(--requirements ../shared/spec/REQUIREMENTS.md); fi
build/sil/rig/app/bmsrig run scenarios --mode sil -j "$jobs" \
  --junit out/junit.xml --json out/results.json --trace-dir out/traces "${report_args[@]}" || status=$?
end=$(date +%s.%N)
awk -v a="$start" -v b="$end" -v s="$status" 'BEGIN { printf "ci/run.sh: scenario library in %.1f s wall (exit %d)\n", b - a, s }'
echo "report: out/report.html"
exit "$status"
