#!/usr/bin/env bash
# The end-to-end suite alone: network namespaces and real Linux tools, so it needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $(id -u) -ne 0 ]]; then echo "test:e2e needs root (network namespaces)" >&2; exit 1; fi
bash scripts/install-system-deps.sh
# The e2e suite runs the built agent (agent/bin/uplink-agent.js runs agent/dist when current).
npm run --silent build
export UPLINK_REQUIRE_BUILD=1
npx vitest run --project e2e "$@"
