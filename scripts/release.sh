#!/usr/bin/env bash
# Builds the release archives of alertmock (docs/container.md#release-archives):
#
#   scripts/release.sh VERSION OUTDIR
#
# OUTDIR (new or empty) receives alertmock_VERSION_OS_ARCH.tar.gz (.zip for
# windows) for linux, darwin and windows on amd64 and arm64, each holding the
# alertmock and conformance binaries with VERSION stamped in, a short README
# and the LICENSE; the unpacked folders beside them; and SHA256SUMS. Two runs
# on one commit give the same checksums. PLATFORMS=linux/amd64,darwin/arm64
# builds only those; SOURCE_DATE_EPOCH overrides the entries' date (default:
# the commit's time). Needs Go and git.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 VERSION OUTDIR" >&2; exit 2
fi
out=$2
case $out in /*) ;; *) out="$PWD/$out" ;; esac
cd "$(dirname "$0")/.."
exec go run ./scripts/release -platforms "${PLATFORMS:-all}" "$1" "$out"
