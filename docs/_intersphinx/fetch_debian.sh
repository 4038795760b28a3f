#!/usr/bin/env bash
# Refresh python.inv and scipy.inv: the real Sphinx inventories that Debian ships in its
# documentation packages (bookworm: python3.11-doc, python-scipy-doc). Debian's archive is one
# of the package registries this project may reach; docs.python.org and docs.scipy.org are not
# reachable at build time, so the build reads these committed copies and never the network.
#
#   bash docs/_intersphinx/fetch_debian.sh      # then review `git diff --stat` and commit
#
# The versions in use are recorded in docs/_intersphinx/README.md; tests/site/test_intersphinx.py
# checks that the committed files load and hold the objects the course links to.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download python3.11-doc python-scipy-doc
for deb in ./*.deb; do dpkg-deb -x "$deb" tree; done
cp tree/usr/share/doc/python3.11/html/objects.inv "$here/python.inv"
cp tree/usr/share/doc/python-scipy-doc/html/objects.inv "$here/scipy.inv"
ls ./*.deb
sha256sum "$here/python.inv" "$here/scipy.inv"
