#!/usr/bin/env bash
# How docs/_static/3dmol/ was made: 3Dmol.js (BSD-3-Clause), pinned, from the npm registry.
# The site serves this copy itself (no CDN), so the protein viewers work offline.
# To update: change VERSION, run this script from the repository root, check the sha256
# printed against the registry (`npm view 3dmol@$VERSION dist.integrity`), rebuild the
# site and run tests/site/test_motion.py.
set -euo pipefail
VERSION=2.5.5
DEST=docs/_static/3dmol
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "3dmol@$VERSION" >/dev/null && tar xzf "3dmol-$VERSION.tgz")
mkdir -p "$DEST"
cp "$tmp/package/build/3Dmol-min.js" "$DEST/3Dmol-min.js"
cp "$tmp/package/LICENSE" "$DEST/LICENSE"
printf '3dmol %s (npm tarball 3dmol-%s.tgz, file build/3Dmol-min.js)\n' "$VERSION" "$VERSION" \
  > "$DEST/VERSION"
sha256sum "$DEST/3Dmol-min.js"
