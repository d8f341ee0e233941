#!/usr/bin/env bash
# Runs every check the project has: install + build, PostgreSQL and Redis (started or
# installed when missing), lint, type-check, then every package's tests against the real
# services. Ends with one summary line: "Tests: N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib.sh"
set -e
bootstrap
bash "$ROOT/scripts/ensure-services.sh"
cd "$ROOT"
log "lint and type-check"
pnpm exec turbo run lint check-types --output-logs=errors-only
set +e
log "tests"
find "$ROOT/apps" "$ROOT/packages" -maxdepth 2 -name .jest-results.json -delete
# One package at a time: the timing-sensitive suites (isolation, latency) need the cores.
pnpm exec turbo run test --concurrency=1 --continue --output-logs=full
status=$?
node "$ROOT/scripts/sum-test-results.mjs" || status=1
exit "$status"
