#!/bin/sh
# Instructions per plant step and per firmware tick, counted by valgrind's callgrind (Debian packages valgrind and
# python3, which reads callgrind's output).
#
# A wall time on a shared or virtual machine varies by tens of per cent from run to run; an instruction count is the
# same on every run of the same binary. This plant and loop run near the core's peak throughput (several
# instructions per cycle), so their time follows their instruction count: a change that removes instructions, and
# adds no cache misses or mispredicted branches, is faster, whatever the noise of the machine says on the day.
# Compare two builds with this script, and their wall times with rig_core_bench or `bmsrig run --json` (README,
# Speed): the wall time still decides for a change that trades instructions for branches.
#
# Usage: rig/core/bench/instructions.sh [build-dir]     (default build/sil; needs plant_bench and bmsrig built)
# Takes about 30 s: the references are short (World::step in plant_bench; the five-battery reference cut to 2
# minutes; the first hour of the 24 h soak).
set -eu

root=$(cd "$(dirname "$0")/../../.." && pwd)
build=${1:-$root/build/sil}
plant_bench=$build/plant_models/bench/plant_bench
bmsrig=$build/rig/app/bmsrig
for x in "$plant_bench" "$bmsrig"; do
  [ -x "$x" ] || { echo "instructions.sh: $x is not built (cmake --build $build --target plant_bench bmsrig)" >&2; exit 2; }
done
for tool in valgrind python3; do
  command -v $tool >/dev/null || { echo "instructions.sh: $tool is not installed (apt-get install $tool)" >&2; exit 2; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# callgrind's output file → "calls inclusive" of every function whose name contains one of the given texts.
summarise() {
  python3 - "$@" <<'EOF'
import re, sys
path, wanted = sys.argv[1], sys.argv[2:]
names, calls, cost = {}, {w: 0 for w in wanted}, {w: 0 for w in wanted}
lines = open(path).read().split("\n")
for i, line in enumerate(lines):
    m = re.match(r"(c?fn)=\((\d+)\)(?: (.*))?$", line)
    if not m:
        continue
    kind, fid, name = m.groups()
    if name:
        names[fid] = name
    if kind != "cfn" or not lines[i + 1].startswith("calls="):
        continue
    for w in wanted:
        if w in names.get(fid, ""):
            calls[w] += int(lines[i + 1].split()[0][len("calls="):])
            cost[w] += int(lines[i + 2].split()[1])
for w in wanted:
    print(w, calls[w], cost[w])
EOF
}

# World::step, counted inside the function only (the benchmark harness excluded).
for n in 1 5; do
  valgrind --tool=callgrind --callgrind-out-file="$tmp/step$n" --toggle-collect='plant::World::step(double)' \
    "$plant_bench" --benchmark_filter="BM_WorldStep/$n/1\$" --benchmark_min_time=0.05 >/dev/null 2>&1
  summarise "$tmp/step$n" 'plant::World::step(double)' |
    awk -v n="$n" '{ printf "World::step, %d batter%s (%d cells): %.0f instructions per step\n", n, n == 1 ? "y" : "ies", 4 * n, $3 / $2 }'
done

# The loop: what one plant step (five batteries) and one tick (the soak) cost, and where it goes. The rig's share is
# one figure: how much of its sampling the compiler inlines into the tick differs from build to build.
loop() {  # $1 scenario, $2 label, $3 per "step" or "tick"
  valgrind --tool=callgrind --callgrind-out-file="$tmp/loop" "$bmsrig" run "$root/$1" >/dev/null 2>&1 ||
    { echo "instructions.sh: $1 did not pass" >&2; exit 1; }
  summarise "$tmp/loop" 'Loop::run()' 'plant::World::step(double)' 'fw::Bms::step(' 'InProcessDut::step_ticks' \
    > "$tmp/sum"
  awk -v label="$2" -v per="$3" '
    { calls[$1] = $2; cost[$1] = $3 }
    END {
      n = per == "tick" ? calls["fw::Bms::step("] : calls["plant::World::step(double)"]
      printf "%s: %.0f instructions per %s (%d %ss)\n", label, cost["Loop::run()"] / n, per, n, per
      plant = cost["plant::World::step(double)"]; dut = cost["InProcessDut::step_ticks"]
      rig = cost["Loop::run()"] - plant - dut
      printf "  plant (World::step) %.0f, firmware and the board ADC model (the Dut) %.0f, the rig (timeline, signal sampling and recording, watched conditions) %.0f\n",
        plant / n, dut / n, rig / n
    }' "$tmp/sum"
}
loop rig/core/bench/scenarios/five_batteries_two_minutes.yaml "Five batteries, 1 ms plant step" step
loop rig/core/bench/scenarios/soak_first_hour.yaml "Soak (two batteries, 10 ms step)" tick
