#!/usr/bin/env bash
# Runs every test: contracts, core, server, CLI, and the real-browser tests (installing Chromium if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-true}" HARDHAT_DISABLE_TELEMETRY_PROMPT=true
bash scripts/ensure-chromium.sh
npm run build
npx hardhat test "$@"
