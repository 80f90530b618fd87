#!/usr/bin/env bash
# Runs every test: contracts, core, server, CLI, ops, and the real-browser tests (installing Chromium if missing),
# with a throw-away PostgreSQL cluster (installed with apt when missing) for the store's PostgreSQL tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-true}" HARDHAT_DISABLE_TELEMETRY_PROMPT=true
bash scripts/ensure-chromium.sh
npm run build
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
# With no file named, every test file, TEST_JOBS at a time (default 3; TEST_JOBS=1 runs them one by one, in order).
parallel=()
if [ "$#" -eq 0 ] && [ "${TEST_JOBS:-3}" != 1 ]; then parallel=(--parallel); fi
npx ts-node --transpile-only scripts/postgres/with-cluster.ts npx hardhat test "${parallel[@]}" "$@" 2>&1 | tee "$log" || status=$?
# Mocha's own summary ("N passing", "N failing") as one plain line that any CI can read.
passed=$(grep -Eo '^ +[0-9]+ passing' "$log" | grep -Eo '[0-9]+' | tail -1 || true)
failed=$(grep -Eo '^ +[0-9]+ failing' "$log" | grep -Eo '[0-9]+' | tail -1 || true)
echo "Tests: ${passed:-0} passed, ${failed:-0} failed"
if [ "$status" -eq 0 ] && [ -z "$passed" ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
