#!/usr/bin/env bash
# Runs every test uplink has: typecheck, the wire schema check, unit, integration and (as root)
# the end-to-end suite. This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
echo "== build (scripts/build.mjs: the agent's bundle, the server's)"
npm run --silent build
# The suites run the bins; this makes the agent's (agent/bin/uplink-agent.js) run the build just
# made, never the sources, even if one is edited during the run: the tests test what ships.
export UPLINK_REQUIRE_BUILD=1
echo "== package (scripts/package-deb.sh: dist/uplink-agent_<version>_all.deb, lintian)"
npm run --silent package
echo "== typecheck"
npx tsc -p tsconfig.json --noEmit
echo "== shared/schema is current"
npm run --silent schema >/dev/null
git diff --exit-code --stat -- shared/schema || { echo "shared/schema is stale: run npm run schema and commit" >&2; exit 1; }
echo "== tests"
projects=(--project unit --project integration)
if [[ $(id -u) -eq 0 ]]; then projects+=(--project e2e); else echo "(not root: the e2e suite is skipped)"; fi
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
status=0
npx vitest run "${projects[@]}" --reporter=default --reporter=json --outputFile.json="$report" || status=$?
# One plain closing line, readable by any CI: "N passed, N failed, N skipped".
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$report" 2>/dev/null || echo "tests: the runner wrote no report"
exit "$status"
