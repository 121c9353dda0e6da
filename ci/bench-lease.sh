#!/usr/bin/env bash
# Runs a command holding the lease of one bench, with a deadline:
#   ci/bench-lease.sh BENCH DEADLINE_S COMMAND...
# The lease is an exclusive flock on $BENCH_LOCK_DIR/BENCH.lock (default /var/lock/bmsrig; several runners on one
# bench host share it). Waiting for the lease counts against the deadline; the command is stopped with SIGTERM at
# the deadline (bmsrig makes the bench safe on SIGTERM) and SIGKILL 30 s later. The lease is released on every exit
# path, because the kernel drops a flock when its holder exits, however it exits (also on SIGKILL or a crash).
# Teams that run a labgrid farm can use labgrid's place lock instead (`labgrid-client -p PLACE lock` … `unlock`).
set -euo pipefail
bench=$1 deadline=$2
shift 2
dir=${BENCH_LOCK_DIR:-/var/lock/bmsrig}
mkdir -p "$dir"
start=$(date +%s)
exec {lease}>"$dir/$bench.lock"
if ! flock -w "$deadline" "$lease"; then
  echo "bench-lease: bench $bench still leased after ${deadline} s; giving up" >&2
  exit 2
fi
trap 'flock -u "$lease" 2>/dev/null || true' EXIT INT TERM HUP
left=$(( deadline - ($(date +%s) - start) ))
[ "$left" -gt 0 ] || { echo "bench-lease: no time left for bench $bench" >&2; exit 2; }
echo "bench-lease: bench $bench leased for ${left} s"
timeout --kill-after=30 "$left" "$@"
