#!/usr/bin/env bash
# Print the path of a Node 24 LTS `node` binary, installing it first when it is not cached yet.
#
#   "$(bash scripts/node24.sh)" --version        # v24.x
#
# The binary comes from the npm registry package node-linux-<arch>@24 (the official build, shipped in
# the package's bin/ folder; nothing is run at install time: `npm pack` only downloads the tarball).
# Only npm's registry needs to be reachable. The cache directory is $NETOPS_NODE24_DIR, else
# ${XDG_CACHE_HOME:-~/.cache}/netops/node24; a second run finds the binary there and prints its path at
# once. Set NETOPS_NODE24_REFRESH=1 to fetch the newest 24.x again. stdout carries only the path.
set -euo pipefail

dir="${NETOPS_NODE24_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/netops/node24}"
bin="$dir/bin/node"

if [[ -x "$bin" && "${NETOPS_NODE24_REFRESH:-}" != 1 ]]; then
  printf '%s\n' "$bin"
  exit 0
fi

case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *)
    echo "node24.sh: no node-linux package for $(uname -m)" >&2
    exit 1
    ;;
esac
[[ "$(uname -s)" == Linux ]] || {
  echo "node24.sh: Linux only (node-linux-$arch)" >&2
  exit 1
}

mkdir -p "$(dirname "$dir")"
# A private directory beside the cache, so that the final rename is atomic (two runs at once both succeed).
tmp="$(mktemp -d "$(dirname "$dir")/.node24.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "node24.sh: fetching node-linux-$arch@24 from the npm registry into $dir" >&2
(cd "$tmp" && npm pack "node-linux-$arch@24" --pack-destination "$tmp" --loglevel=error >&2)
tarball="$(find "$tmp" -maxdepth 1 -name "node-linux-$arch-*.tgz" | head -n 1)"
[[ -n "$tarball" ]] || {
  echo "node24.sh: npm pack node-linux-$arch@24 produced no tarball" >&2
  exit 1
}
mkdir -p "$tmp/out"
tar -xzf "$tarball" -C "$tmp/out" package/bin/node package/LICENSE
mkdir -p "$tmp/node24/bin"
mv "$tmp/out/package/bin/node" "$tmp/node24/bin/node"
mv "$tmp/out/package/LICENSE" "$tmp/node24/LICENSE"
chmod 755 "$tmp/node24/bin/node"

version="$("$tmp/node24/bin/node" --version)"
[[ "$version" == v24.* ]] || {
  echo "node24.sh: node-linux-$arch@24 reports $version" >&2
  exit 1
}

if [[ -x "$bin" && "${NETOPS_NODE24_REFRESH:-}" != 1 ]]; then
  : # another run installed it meanwhile: keep that copy (its users may be running it)
else
  # Replace any previous copy: move it aside, move the new one in (rename: atomic), then drop the old one.
  if [[ -e "$dir" ]]; then mv -T "$dir" "$tmp/old"; fi
  mv -T "$tmp/node24" "$dir" 2>/dev/null || [[ -x "$bin" ]] # a run at the same moment won the race: use its copy
  echo "node24.sh: installed $version" >&2
fi
printf '%s\n' "$bin"
