#!/usr/bin/env bash
# The test command (README "Quick start", step 2): installs everything the tests need on a fresh
# Debian 12 machine (as root), builds, runs lint / format / dead-code / type checks, then every test on
# Node 20 (the machine's; end of life), where the few files listed in NODE24_ONLY are left out, and on
# Node 24 LTS (from the npm registry, cached by scripts/node24.sh).
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
# Files whose time goes into external programs at scale (cloud-init's python client crawling and booting,
# Netmiko, OVS STP convergence, etcd clusters restarting members), not into Node: they run on Node 24 (the
# LTS) only, to keep the whole run under 20 minutes. Every other file runs on both versions.
NODE24_ONLY=(
  test/e2e/metadata-fleet.test.ts             # boot storms: 140 cloud-init clients against replicas over etcd
  test/e2e-boot/boot.test.ts                  # full cloud-init boots in namespaces
  test/integration/metadata/cloud-init.test.ts # cloud-init's datasources crawling the server
  test/integration/lab/netmiko.test.ts        # Netmiko (python) driving the lab switch
  test/integration/ovs/stp-loop.test.ts       # STP/RSTP convergence between two OVS bridges
  test/integration/loop/apply.test.ts         # loop trace --apply: STP convergence on a real OVS loop
  test/integration/loop/apply-cli.test.ts     # the same through the built CLI
  test/e2e/loop-trace.test.ts                 # a real OVS node over sshd: STP convergence per scenario
  test/integration/metadata/replica.test.ts   # 3-member etcd clusters: members killed and restarted
  test/integration/metadata/inventory-store.test.ts # the same, for inventory push / pull
)
for f in "${NODE24_ONLY[@]}"; do [[ -f $f ]] || { echo "scripts/test.sh: NODE24_ONLY names $f, which does not exist" >&2; exit 1; }; done
node20_files=()
for f in "${files[@]}"; do [[ " ${NODE24_ONLY[*]} " == *" $f "* ]] || node20_files+=("$f"); done
status=0
run() { # run NAME NODE ARGS... — the runner's spec report on stdout, also kept for the totals
  local name=$1 bin=$2
  shift 2
  echo "== $name ($("$bin" --version))"
  "$bin" --import tsx --test-reporter=spec "$@" 2>&1 | tee "$log/$name.txt" || status=1
  grep -q '^ℹ pass ' "$log/$name.txt" || { echo "$name: the test runner printed no summary" >&2; status=1; }
}
# One Node version after the other, never both at once (several tests are timing-sensitive).
run node20-unit node test/unit.ts
echo "== node20-integration leaves out (run on Node 24 only): ${NODE24_ONLY[*]}"
run node20-integration node --test --test-concurrency=1 "${node20_files[@]}"
run node24-unit "$node24" test/unit.ts
run node24-integration "$node24" --test --test-concurrency=1 "${files[@]}"

passed=$(cat "$log"/*.txt | awk '/^ℹ pass /{s+=$3} END{print s+0}')
failed=$(cat "$log"/*.txt | awk '/^ℹ fail /{s+=$3} END{print s+0}')
((failed == 0)) || status=1
echo "tests: $passed passed, $failed failed"
exit $status
