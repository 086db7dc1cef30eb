#!/usr/bin/env bash
# Runs the interop tests that move data against the kernel (TAP, AF_PACKET,
# AF_XDP, the shim's own) RUNS times in a row with both cores kept busy by two
# spinning shells, and reports how many runs passed and where any failed.
# A stall prints where the echo stopped (assertEcho), so a failure here says
# which backend and how far it got.
#
# Usage (root): bash scripts/stress_interop.sh [RUNS] [LOG]   (default 50, /tmp/stress_interop.log)
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export NO_COLOR=1
runs=${1:-50}
log=${2:-/tmp/stress_interop.log}
deno=${DENO:-$(command -v deno || echo "npx --yes deno@2.9.5")}
bash scripts/build_shim.sh >/dev/null
: >"$log"
spin() { while :; do :; done; }
spin & s1=$!
spin & s2=$!
trap 'kill $s1 $s2 2>/dev/null' EXIT
pass=0
fail=0
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  out=$($deno test --allow-all tests/interop/tap_test.ts tests/interop/packet_test.ts \
    tests/interop/xdp_test.ts tests/interop/shim_test.ts 2>&1)
  rc=$?
  took=$(($(date +%s) - start))
  summary=$(echo "$out" | grep -E "^(ok|FAILED) \|" | tail -1)
  if [ $rc -eq 0 ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "--- run $i failed (whole output in ${log%.log}-run$i.txt):" >>"$log"
    echo "$out" >"${log%.log}-run$i.txt"
    echo "$out" | grep -E -A12 "^ERRORS|FAILED|Error" | head -60 >>"$log"
  fi
  echo "run $i: rc $rc in ${took}s: $summary" | tee -a "$log"
done
echo "stress: $pass of $runs runs passed, $fail failed, both cores loaded" | tee -a "$log"
[ $fail -eq 0 ]
