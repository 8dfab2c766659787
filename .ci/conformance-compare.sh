#!/usr/bin/env bash
# Drift report and CLI safety in CI (docs/conformance-ci.md runs these very
# commands): the built-in mock compared with the alertmock the recipe started
# must agree (exit 0), with the Markdown report in $CI_REPORTS/drift.md (and in
# the job summary on GitHub Actions); a mistyped tag (negated too) and a base
# URL without /beta must stop the run with exit 2; -list prints a selection
# without a target; -h must exit 0.
set -euo pipefail
# Run as the COMMAND of the CI recipe, which started the mock and put both
# binaries on PATH:  examples/ci/conformance.sh -r reports -- .ci/conformance-compare.sh
base="${ALERTMOCK_BASE_URL:?run me as the COMMAND of examples/ci/conformance.sh}"
reports="${CI_REPORTS:-$PWD/reports}"
mkdir -p "$reports"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

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
expect 0 conformance -compare "$base" -concurrency 8 -format markdown -out "$reports/drift.md"
head -n 2 "$work/stdout"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$reports/drift.md" >>"$GITHUB_STEP_SUMMARY"; fi
echo "Markdown drift report: $reports/drift.md"

echo "== a mistyped tag selects no scenario: exit 2"
expect 2 conformance -target "$base" -tags '@live-safty'
cat "$work/stderr"

echo "== a base URL without /beta: exit 2 naming the fix"
expect 2 conformance -target "${base%/beta}" -tags '@live-safe'
grep -q "try $base" "$work/stderr" || { echo "FAIL: no fix named:"; cat "$work/stderr"; exit 1; }
cat "$work/stderr"

echo "== -list: the scenarios a tag set selects, no request (an unreachable target is fine)"
expect 0 conformance -list -target http://127.0.0.1:1/beta -tags '@live-writes && ~@assumption'
tail -n 1 "$work/stdout"
grep -q 'scenarios selected by -tags "@live-writes && ~@assumption"' "$work/stdout" || { echo "FAIL: no count line"; exit 1; }
if grep -v '^$' "$work/stdout" | grep -v 'scenarios selected' | grep -v '@live-writes' | grep -q .; then echo "FAIL: a listed scenario lacks @live-writes"; exit 1; fi

echo "== a typo inside a negated tag: exit 2 naming it"
expect 2 conformance -target "$base" -tags '~@mock-only && ~@asumption'
grep -q 'did you mean @assumption?' "$work/stderr" || { echo "FAIL: typo not named:"; cat "$work/stderr"; exit 1; }
cat "$work/stderr"

echo "== conformance -h: exit 0"
expect 0 conformance -h
