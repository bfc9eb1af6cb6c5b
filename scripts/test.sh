#!/usr/bin/env bash
# The test command (README "Quick start", step 2): installs everything the tests need on a fresh
# Debian 12 machine (as root), builds, runs lint / format / dead-code / type checks, then every test on
# Node 20 (the machine's) and on Node 24 LTS (from the npm registry, cached by scripts/node24.sh).
# Ends with one line "tests: N passed, N failed" over both Node versions.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run build --silent

echo '== checks: eslint, prettier, knip, tsc'
npm run --silent check

node24=$(bash scripts/node24.sh)
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

# Unit tests share one process (test/unit.ts imports them all); integration and e2e files keep a
# process each and run one at a time, since several start real daemons (sshd, ovsdb-server, ovs-vswitchd).
mapfile -t files < <(find test -name '*.test.ts' -not -path 'test/unit/*' | sort)
status=0
run() { # run NAME NODE ARGS... — the runner's spec report on stdout, also kept for the totals
  local name=$1 bin=$2
  shift 2
  echo "== $name ($("$bin" --version))"
  "$bin" --import tsx --test-reporter=spec "$@" 2>&1 | tee "$log/$name.txt" || status=1
  grep -q '^ℹ pass ' "$log/$name.txt" || { echo "$name: the test runner printed no summary" >&2; status=1; }
}
for n in 20 24; do
  bin=node
  [[ $n == 24 ]] && bin=$node24
  run "node$n-unit" "$bin" test/unit.ts
  run "node$n-integration" "$bin" --test --test-concurrency=1 "${files[@]}"
done

passed=$(cat "$log"/*.txt | awk '/^ℹ pass /{s+=$3} END{print s+0}')
failed=$(cat "$log"/*.txt | awk '/^ℹ fail /{s+=$3} END{print s+0}')
((failed == 0)) || status=1
echo "tests: $passed passed, $failed failed"
exit $status
