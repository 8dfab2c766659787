#!/usr/bin/env bash
# The JUnit report as CI systems read it (docs/conformance-ci.md, "JUnit"):
#   1. a failing run of the conformance command (a failed, an undefined and
#      passed scenarios, random order, concurrently) writes -format junit;
#   2. xmllint (libxml2, npm xmllint-wasm) validates it, and the golden
#      report of conformance/testdata, against junit-10.xsd;
#   3. junit2json, a JUnit reader from npm, reads it: tests, failures,
#      skipped and times must be those the command's summary line states,
#      every testcase has a classname, every failure its step.
# Needs Go and node/npm (packages cached as in contract-tools.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
JUNIT2JSON=junit2json@4.0.0
XMLLINT=xmllint-wasm@5.3.0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== JUnit consumers: npm packages"
. .ci/npm-tools.sh
npm_tools junit $JUNIT2JSON $XMLLINT

echo "== a failing run writes JUnit"
go build -o "$work/" ./cmd/conformance
mkdir -p "$work/features"
cat >"$work/features/ours.feature" <<'FEATURE'
Feature: A team's expectations
  Scenario: The alert can be read
    When I read the alert
    Then the request succeeds with status 200

  Scenario: A status the service never answers
    When I read the alert
    Then the request succeeds with status 201

  Scenario: A step nobody wrote
    When I dance around the alert
FEATURE
st=0
"$work/conformance" -features "$work/features" -format junit -out "$work/reports/failing.xml" -concurrency 4 >"$work/summary" || st=$?
[ "$st" = 1 ] || { echo "conformance exited $st; want 1"; cat "$work/summary"; exit 1; }
tail -n 1 "$work/summary"

echo "== xmllint (libxml2) validates against junit-10.xsd"
NODE_PATH="$npm_modules" node - conformance/testdata/junit-10.xsd "$work/reports/failing.xml" conformance/testdata/junit-report.xml <<'JS'
const { validateXML } = require("xmllint-wasm");
const fs = require("fs");
const [xsd, ...files] = process.argv.slice(2);
(async () => {
  let bad = 0;
  for (const f of files) {
    const r = await validateXML({ xml: [{ fileName: f, contents: fs.readFileSync(f, "utf8") }], schema: [fs.readFileSync(xsd, "utf8")] });
    console.log(`${f}: ${r.valid ? "valid" : "INVALID"}`);
    for (const e of r.errors) console.log("  " + e.rawMessage);
    if (!r.valid) bad++;
  }
  process.exit(bad ? 1 : 0);
})();
JS

echo "== junit2json reads the failing run"
"$npm_bin/junit2json" "$work/reports/failing.xml" >"$work/failing.json"
node - "$work/failing.json" "$(tail -n 1 "$work/summary")" <<'JS'
const fs = require("fs");
const r = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const m = /(\d+) scenarios, (\d+) passed, (\d+) failed/.exec(process.argv[3]);
if (!m) { console.log("no summary line: " + process.argv[3]); process.exit(1); }
const [want, passed, failed] = m.slice(1).map(Number);
const cases = r.testsuite.flatMap(s => s.testcase || []);
const failures = cases.filter(c => c.failure);
const skipped = r.testsuite.reduce((n, s) => n + (s.skipped || 0), 0);
const problems = [];
if (r.tests !== want || cases.length !== want) problems.push(`tests ${r.tests}, testcases ${cases.length}; want ${want}`);
if (r.failures !== failed || failures.length !== failed) problems.push(`failures ${r.failures}, failed testcases ${failures.length}; want ${failed}`);
if (cases.length - failures.length - skipped !== passed) problems.push(`passed ${cases.length - failures.length - skipped}; want ${passed}`);
for (const t of [r, ...r.testsuite, ...cases]) if (typeof t.time !== "number" || t.time < 0) problems.push(`${t.name}: time ${t.time}`);
for (const c of cases) if (!c.classname) problems.push(`${c.name}: no classname`);
for (const c of failures) if (!/^step \[/.test(c.failure[0].message)) problems.push(`${c.name}: failure message ${c.failure[0].message}`);
for (const s of r.testsuite) if (!s.file) problems.push(`${s.name}: no file`);
console.log(`junit2json: ${r.tests} tests, ${r.failures} failures, ${skipped} skipped, ${r.time} s; types ${failures.map(c => c.failure[0].type).sort().join(",")}`);
if (problems.length) { console.log(problems.join("\n")); process.exit(1); }
JS
echo "junit consumers: all passed"
