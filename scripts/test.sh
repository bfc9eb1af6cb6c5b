#!/usr/bin/env bash
# The test command (README "Quick start", step 2): installs everything the tests need on a fresh
# Debian 12 machine (as root), builds, type-checks and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run build --silent
npx tsc -p tsconfig.test.json

# Tests run one file at a time: several start real daemons (sshd, ovsdb-server, ovs-vswitchd).
mapfile -t files < <(find test -name '*.test.ts' | sort)
node --import tsx --test --test-reporter=spec --test-concurrency=1 "${files[@]}"
