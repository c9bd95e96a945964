#!/usr/bin/env bash
# The suite under load: run `make test` RUNS times (default 5) while one busy process per
# core keeps every core at 100 %, and report how many runs passed and how long each took.
#
#     tests/stress.sh [RUNS]
#
# A test that fails only here depends on how fast the machine is: that is a defect.
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
mkdir -p .stress
hogs=()
for _ in $(seq "$(nproc)"); do
    python3 -c 'while True: pass' &
    hogs+=("$!")
done
trap 'kill "${hogs[@]}" 2>/dev/null' EXIT
echo "$(nproc) busy loops running (pids ${hogs[*]})"
passed=0
for run in $(seq "$runs"); do
    started=$(date +%s)
    if make test >".stress/run-$run.log" 2>&1; then
        result=passed
        passed=$((passed + 1))
    else
        result="FAILED (see .stress/run-$run.log)"
    fi
    echo "run $run: $result in $(($(date +%s) - started)) s"
done
echo "$passed/$runs runs passed under load"
[ "$passed" -eq "$runs" ]
