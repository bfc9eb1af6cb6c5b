#!/usr/bin/env bash
# Unpacks Debian 12's cloud-init package privately, so tests can run cloud-init's own datasource
# code against `netops metadata serve` without installing cloud-init on this machine (no units,
# no /etc/cloud, no generator: the machine's next boot is unchanged).
#
#   scripts/fetch-cloud-init.sh            # idempotent; prints the tree's PYTHONPATH on stdout
#   NETOPS_CACHE=/var/cache/netops scripts/fetch-cloud-init.sh
#
# Result: ${NETOPS_CACHE:-$HOME/.cache/netops}/cloud-init/
#   root/usr/lib/python3/dist-packages/cloudinit   the code (PYTHONPATH = root/usr/lib/python3/dist-packages)
#   .deb-version                                  the package version that was unpacked
# Run as root on Debian 12 (apt-get installs the missing python3-* dependencies).
set -euo pipefail

CACHE="${NETOPS_CACHE:-$HOME/.cache/netops}/cloud-init"
PY=/usr/bin/python3 # never the pyenv python3 on PATH: it cannot see Debian's python3-* modules

# What cloud-init 22.4's Ec2, OpenStack, NoCloud and CloudStack datasources (and what they import
# at module level: url_helper, util, net, distros, helpers, handlers) need. wget: CloudStack's
# password client shells out to it, and it is not a Depends of the cloud-init package.
DEPS=(
  python3-yaml python3-jinja2 python3-requests python3-configobj python3-jsonpatch
  python3-jsonschema python3-netifaces python3-oauthlib python3-serial wget
)

say() { echo "fetch-cloud-init: $*" >&2; }

missing=()
for p in "${DEPS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

check() {
  PYTHONPATH="$CACHE/root/usr/lib/python3/dist-packages" PYTHONNOUSERSITE=1 env -u PYTHONHOME "$PY" -c '
import cloudinit.version as v
from cloudinit.sources import DataSourceEc2, DataSourceOpenStack, DataSourceNoCloud, DataSourceCloudStack
print(v.version_string())'
}

# Byte-compile the unpacked code once (dpkg -x runs no py3compile): every crawl of the tests is a new
# python3 process (with PYTHONDONTWRITEBYTECODE), which would otherwise compile cloudinit/ again, about
# 0.2 s of CPU each. Idempotent: up-to-date .pyc files are left alone.
compile() {
  "$PY" -m compileall -q "$CACHE/root/usr/lib/python3/dist-packages/cloudinit" >/dev/null
}

if [[ -f "$CACHE/.deb-version" ]] && check >/dev/null 2>&1; then
  compile
  say "already in $CACHE ($(cat "$CACHE/.deb-version"))"
  echo "$CACHE/root/usr/lib/python3/dist-packages"
  exit 0
fi

mkdir -p "$CACHE"
tmp="$(mktemp -d "$CACHE/.dl.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# apt-get download needs the package lists; refresh them once if the download fails.
if ! (cd "$tmp" && apt-get download -qq cloud-init >/dev/null 2>&1); then
  apt-get update -qq
  (cd "$tmp" && apt-get download -qq cloud-init)
fi
deb="$(ls "$tmp"/cloud-init_*.deb)"
version="$(dpkg-deb -f "$deb" Version)"
rm -rf "$CACHE/root"
dpkg -x "$deb" "$tmp/root"
mv "$tmp/root" "$CACHE/root"
echo "$version" >"$CACHE/.deb-version"

got="$(check)" || { say "unpacked $version but $PY cannot import its datasources"; exit 1; }
compile
say "cloud-init $got ($version) unpacked in $CACHE"
echo "$CACHE/root/usr/lib/python3/dist-packages"
