#!/usr/bin/env bash
# Drift report and CLI safety in CI (docs/conformance-ci.md runs these very
# commands): the built-in mock compared with a separately started alertmock
# must agree (exit 0), with the Markdown report in $CI_REPORTS/drift.md (and in
# the job summary on GitHub Actions); a mistyped tag and a base URL without
# /beta must stop the run with exit 2; -h must exit 0. Needs only Go.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
reports="${CI_REPORTS:-$PWD/reports}"
mkdir -p "$reports"
work=$(mktemp -d)
mock_pid=""
cleanup() {
  if [ -n "$mock_pid" ]; then kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/alertmock" ./cmd/alertmock
go build -o "$work/conformance" ./cmd/conformance
"$work/alertmock" -addr 127.0.0.1:0 >"$work/alertmock.out" 2>"$work/alertmock.log" &
mock_pid=$!
base=""
for _ in $(seq 1 100); do
  base=$(grep -o 'http://127\.0\.0\.1:[0-9]*/beta' "$work/alertmock.out" | head -n1 || true)
  [ -n "$base" ] && break
  sleep 0.1
done
if [ -z "$base" ]; then echo "alertmock did not start:"; cat "$work/alertmock.out" "$work/alertmock.log"; exit 1; fi

# expect STATUS CMD...: run CMD, fail unless it exits with STATUS.
expect() {
  local want=$1; shift
  local got=0
  "$@" >"$work/stdout" 2>"$work/stderr" || got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL: $* exited $got; want $want"; cat "$work/stdout" "$work/stderr"; exit 1
  fi
}

echo "== drift report: the built-in mock against a separately started alertmock (must agree)"
expect 0 "$work/conformance" -compare "$base" -concurrency 8 -format markdown -out "$reports/drift.md"
head -n 2 "$work/stdout"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$reports/drift.md" >>"$GITHUB_STEP_SUMMARY"; fi
echo "Markdown drift report: $reports/drift.md"

echo "== a mistyped tag selects no scenario: exit 2"
expect 2 "$work/conformance" -target "$base" -tags '@live-safty'
cat "$work/stderr"

echo "== a base URL without /beta: exit 2 naming the fix"
expect 2 "$work/conformance" -target "${base%/beta}" -tags '@live-safe'
grep -q "try $base" "$work/stderr" || { echo "FAIL: no fix named:"; cat "$work/stderr"; exit 1; }
cat "$work/stderr"

echo "== conformance -h: exit 0"
expect 0 "$work/conformance" -h
