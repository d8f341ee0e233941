#!/usr/bin/env bash
# Runs every check the project has: install + build, PostgreSQL and Redis (started or
# installed when missing), lint, type-check, then every package's tests against the real
# services. Before the tests it removes what earlier runs left behind (test databases, the
# migrated template, test queue prefixes), so a used machine gives a fresh machine's result.
# Ends with one summary line: "Tests: N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib.sh"
set -e
# One full run at a time on a machine: the clean-up below would pull another run's state away.
exec 9>"${TMPDIR:-/tmp}/msr-webhooks-test.lock"
if ! flock -n 9; then
  log "another test run holds ${TMPDIR:-/tmp}/msr-webhooks-test.lock: waiting for it"
  flock 9
fi
bootstrap
bash "$ROOT/scripts/ensure-services.sh"
ensure_chromium
cd "$ROOT"
log "removing earlier runs' test databases and queue prefixes"
node "$ROOT/packages/testing/dist/cli/remove-leftovers.js"
log "lint and type-check"
pnpm exec turbo run lint check-types --output-logs=errors-only
set +e
log "tests"
find "$ROOT/apps" "$ROOT/packages" "$ROOT/bench" -maxdepth 2 \( -name .jest-results.json -o -name .vitest-results.json -o -name .node-test-results.json \) -delete
pnpm exec turbo run test --concurrency="${TEST_CONCURRENCY:-2}" --continue --output-logs=full
status=$?
node "$ROOT/scripts/sum-test-results.mjs" || status=1
exit "$status"
