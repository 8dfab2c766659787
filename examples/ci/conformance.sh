#!/usr/bin/env bash
# The CI recipe: build alertmock and the conformance runner, start the mock on
# a free loopback port, run the conformance suite against it with a JUnit
# report, then (optionally) run your own command against the same mock.
#
#   examples/ci/conformance.sh [-r REPORT_DIR] [-- COMMAND ...]
#
# REPORT_DIR (default ./reports) receives conformance.xml (JUnit) and
# alertmock.log. COMMAND, if given, runs while the mock is up, with
#   ALERTMOCK_URL       the root URL, e.g. http://127.0.0.1:41234 (control API: $ALERTMOCK_URL/_mock/)
#   ALERTMOCK_BASE_URL  the Graph base URL, $ALERTMOCK_URL/beta
# in its environment and the alertmock and conformance binaries on its PATH, e.g. -- go test ./... for a client's own tests.
# CONFORMANCE_FLAGS, if set, adds flags to the conformance run (split at
# spaces), e.g. CONFORMANCE_FLAGS=-random-seed=0.
# COMMAND runs even when the conformance suite failed; the script exits
# non-zero when either failed: with the suite's status (1 failed scenarios,
# 2 usage error) when the suite failed, else with the command's.
#
# Binaries: built from the alertmock checkout this script sits in; with
# ALERTMOCK_VERSION set (e.g. latest or v1.2.3) they are installed with
# go install github.com/partner-security/alertmock/cmd/...@$ALERTMOCK_VERSION
# instead, so a client repository can copy this one file. Needs only Go.
# .ci/run runs this script, so the recipe cannot rot.
set -euo pipefail

reports="$PWD/reports"
while [ $# -gt 0 ]; do
  case "$1" in
    -r) reports="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [-r REPORT_DIR] [-- COMMAND ...]" >&2; exit 2 ;;
  esac
done
mkdir -p "$reports"
reports=$(cd "$reports" && pwd)

work=$(mktemp -d)
mock_pid=""
cleanup() {
  if [ -n "$mock_pid" ]; then kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== build alertmock and conformance"
if [ -n "${ALERTMOCK_VERSION:-}" ]; then
  GOBIN="$work" go install "github.com/partner-security/alertmock/cmd/alertmock@$ALERTMOCK_VERSION" \
    "github.com/partner-security/alertmock/cmd/conformance@$ALERTMOCK_VERSION"
else
  src="$(cd "$(dirname "$0")/../.." && pwd)"
  (cd "$src" && go build -o "$work/" ./cmd/alertmock ./cmd/conformance)
fi

echo "== start alertmock on a free port"
"$work/alertmock" -addr 127.0.0.1:0 >"$work/alertmock.out" 2>"$reports/alertmock.log" &
mock_pid=$!
base=""
for _ in $(seq 1 100); do
  base=$(grep -o 'http://127\.0\.0\.1:[0-9]*/beta' "$work/alertmock.out" | head -n1 || true)
  [ -n "$base" ] && break
  kill -0 "$mock_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$base" ]; then
  echo "alertmock did not start:" >&2; cat "$work/alertmock.out" "$reports/alertmock.log" >&2; exit 1
fi
echo "alertmock: $base"

echo "== conformance suite (JUnit: $reports/conformance.xml)"
# A failing suite must not skip your own command: both run, and the script
# exits non-zero when either failed (with the suite's status when it failed).
suite=0
# shellcheck disable=SC2086 # CONFORMANCE_FLAGS is split into flags on purpose
"$work/conformance" -target "$base" ${CONFORMANCE_FLAGS:-} -format junit -out "$reports/conformance.xml" || suite=$?

own=0
if [ $# -gt 0 ]; then
  echo "== $*"
  PATH="$work:$PATH" ALERTMOCK_URL="${base%/beta}" ALERTMOCK_BASE_URL="$base" "$@" || own=$?
fi

if [ "$suite" -ne 0 ] || [ "$own" -ne 0 ]; then
  echo "conformance.sh: conformance suite exited $suite, your command exited $own" >&2
  if [ "$suite" -ne 0 ]; then exit "$suite"; fi
  exit "$own"
fi
