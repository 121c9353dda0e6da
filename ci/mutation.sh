#!/usr/bin/env bash
# Nightly: the mutation score of the scenario library (not part of ci/test.sh; about 30 s per mutant on 2 cores).
# Builds each firmware mutant of firmware/mutants/, runs the library in SIL, writes out/mutation/mutation.md.
# Arguments go to ci/mutation.py (e.g. `ci/mutation.sh --only lead` or `--min-score 90`).
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
exec python3 ci/mutation.py "$@"
