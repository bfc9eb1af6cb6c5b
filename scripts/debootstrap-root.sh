#!/usr/bin/env bash
# Builds (once) the pristine Debian 12 root the full-boot test boots: debootstrap minbase + cloud-init
# + ifupdown (a network renderer) + openssh-client (ssh-keygen) + wget (CloudStack's password client).
# The root is never modified afterwards: every boot puts a fresh overlay on top of it.
#
#   scripts/debootstrap-root.sh            # idempotent; prints the root's path on stdout
#   NETOPS_CACHE=/var/cache/netops DEBIAN_MIRROR=http://deb.debian.org/debian scripts/debootstrap-root.sh
#
# Result: ${NETOPS_CACHE:-$HOME/.cache/netops}/rootfs/bookworm-cloud-init/ (about 450 MB), with
# .netops-root (cloud-init version + build date) written last: a root without it is incomplete.
# Run as root. Takes about 1-3 minutes with a near mirror.
set -euo pipefail

CACHE="${NETOPS_CACHE:-$HOME/.cache/netops}/rootfs"
ROOT="$CACHE/bookworm-cloud-init"
SUITE=bookworm
MIRROR="${DEBIAN_MIRROR:-}"
PACKAGES="cloud-init ifupdown openssh-client wget"

say() { echo "debootstrap-root: $*" >&2; }

if [[ -f "$ROOT/.netops-root" ]]; then
  say "already in $ROOT ($(head -1 "$ROOT/.netops-root"))"
  echo "$ROOT"
  exit 0
fi
[[ $EUID -eq 0 ]] || { say "must run as root (debootstrap, chroot)"; exit 1; }
if ! command -v debootstrap >/dev/null; then
  say "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi
if [[ -z "$MIRROR" ]]; then
  # The machine's own Debian mirror (deb822 URIs: or one-line deb ...), else deb.debian.org.
  MIRROR="$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/* |
    grep -oE 'https?://[^ ]+/debian/?( |$)' | head -1 | tr -d ' ')" || true
  MIRROR="${MIRROR:-http://deb.debian.org/debian}"
fi

mkdir -p "$CACHE"
build="$(mktemp -d "$CACHE/.build.XXXXXX")"
cleanup() {
  for m in proc sys dev/pts dev; do mountpoint -q "$build/$m" 2>/dev/null && umount -l "$build/$m"; done
  rm -rf --one-file-system "$build"
}
trap cleanup EXIT

t0=$SECONDS
say "debootstrap $SUITE from $MIRROR into $build"
debootstrap --variant=minbase "$SUITE" "$build" "$MIRROR" >"$build.log" 2>&1 ||
  { tail -20 "$build.log" >&2; rm -f "$build.log"; exit 1; }
rm -f "$build.log"
t1=$SECONDS
# No service may start inside the chroot while packages are installed.
printf '#!/bin/sh\nexit 101\n' >"$build/usr/sbin/policy-rc.d"
chmod +x "$build/usr/sbin/policy-rc.d"
cat >"$build/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${MIRROR%/debian*}/debian-security $SUITE-security main
EOF
cp /etc/resolv.conf "$build/etc/resolv.conf"
say "installing $PACKAGES"
chroot "$build" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive sh -c \
  "apt-get update -qq && apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null && apt-get clean" ||
  { say "apt-get inside the root failed"; exit 1; }
rm -rf "$build/var/lib/apt/lists/"*
version="$(chroot "$build" dpkg-query -W -f='${Version}' cloud-init)"
t2=$SECONDS
printf 'cloud-init %s\nbuilt %s (debootstrap %ss, packages %ss)\n' "$version" "$(date -u +%FT%TZ)" \
  $((t1 - t0)) $((t2 - t1)) >"$build/.netops-root"
rm -rf --one-file-system "$ROOT"
mv "$build" "$ROOT"
trap - EXIT
say "built $ROOT: cloud-init $version, debootstrap $((t1 - t0)) s + packages $((t2 - t1)) s, $(du -sh "$ROOT" | cut -f1)"
echo "$ROOT"
