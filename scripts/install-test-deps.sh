#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian 12 machine (run as root).
# Idempotent: skips apt when every package is already present.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  openssh-server openssh-client   # real OpenSSH sshd for SSH-layer tests
  openvswitch-switch              # real Open vSwitch, run in user space by the OVS tests
  sudo                            # ovs stp --sudo over SSH (remote ovs-vsctl through sudo -n)
  python3-netmiko                 # Netmiko drives the lab switch (test and bench:switch peer)
  iproute2 iptables nftables      # network namespaces, redirect rules
  curl                            # metadata redirect test: VMs in namespaces fetch 169.254.169.254
  wrk nginx-light                 # bench:metadata load generator and peer
  python3-yaml python3-jinja2 python3-requests python3-configobj python3-jsonpatch  # cloud-init's
  python3-jsonschema python3-netifaces python3-oauthlib python3-serial wget           # own client code
  debootstrap                     # the full-boot test's Debian 12 root (scripts/debootstrap-root.sh)
  etcd-server                     # a real 3-member etcd cluster for the inventory store tests (/usr/bin/etcd)
  openssl                         # throwaway CA and certificates for the etcd TLS tests (store-security)
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  [[ "$p" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-test-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# cloud-init's own client code, unpacked privately (the machine's Python is not changed).
if [[ -x scripts/fetch-cloud-init.sh ]]; then scripts/fetch-cloud-init.sh; fi
