#!/usr/bin/env bash
# The contract as client teams use it (docs/contract.md): runs on
# openapi/partner-security-alerts.yaml the linters and generators they run, at
# pinned versions, and fails on any error or warning:
#   - Spectral (spectral:oas, ruleset .spectral.yaml) and Redocly (recommended,
#     redocly.yaml): 0 errors, 0 warnings;
#   - oapi-codegen: examples/client/client.gen.go is what the pinned generator
#     makes from the description (regenerated into a temp dir and diffed), and
#     no body is interface{};
#   - ogen: generates every operation (no "not implemented" skip) into a temp
#     module that builds, with typed GET, list and PATCH bodies;
#   - openapi-typescript: examples/typescript/check.ts type-checks (strict)
#     against the generated types, so no body is `unknown`; and the
#     openapi-fetch recipe of docs/contract.md (examples/typescript/client.ts)
#     runs against an alertmock;
#   - @hey-api/openapi-ts: examples/typescript/hey-check.ts type-checks
#     (strict): the whole alert keeps its required properties;
#   - Specmatic (npm specmatic, its jar on Java 17): `specmatic test` of the
#     description's examples against an alertmock, every operation, 0 failures.
# Needs Go, node/npm and Java 17; npm packages go to a cache directory
# (CONTRACT_TOOLS_CACHE, default ~/.cache/alertmock-contract-tools), Go tools
# run with `go run module@version` outside the main module.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
spec=openapi/partner-security-alerts.yaml

SPECTRAL=@stoplight/spectral-cli@6.16.3
REDOCLY=@redocly/cli@2.77.0
OPENAPI_TS=openapi-typescript@7.13.0
TYPESCRIPT=typescript@5.9.3
OPENAPI_FETCH=openapi-fetch@0.17.0
HEY_API=@hey-api/openapi-ts@0.99.0
SPECMATIC=specmatic@2.55.1
OAPI_CODEGEN=github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2
OGEN=github.com/ogen-go/ogen/cmd/ogen@v1.25.0

work=$(mktemp -d)
mock_pid=""
cleanup() {
  if [ -n "$mock_pid" ]; then kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
start=$SECONDS

echo "== contract tools: npm packages"
. .ci/npm-tools.sh
npm_tools contract $SPECTRAL $REDOCLY $OPENAPI_TS $TYPESCRIPT $OPENAPI_FETCH $HEY_API $SPECMATIC
bin=$npm_bin

echo "== Spectral (spectral:oas, .spectral.yaml): fail on warnings too"
"$bin/spectral" lint --ruleset .spectral.yaml --fail-severity=warn "$spec"

echo "== Redocly (recommended, redocly.yaml): fail on warnings too"
"$bin/redocly" lint --config redocly.yaml --format=json "$spec" >"$work/redocly.json" 2>"$work/redocly.err" || true
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const p of r.problems) console.log(`${p.severity} ${p.ruleId}: ${p.message} at ${p.location.map(l => l.pointer).join(", ")}`);
  const t = r.totals || {};
  console.log(`redocly: ${t.errors} errors, ${t.warnings} warnings`);
  if (r.problems.length > 0 || t.errors !== 0 || t.warnings !== 0) process.exit(1);
' "$work/redocly.json" || { cat "$work/redocly.err"; exit 1; }

echo "== oapi-codegen: examples/client/client.gen.go is up to date"
sed "s#^output: .*#output: $work/oapi/client.gen.go#" examples/client/oapi-codegen.yaml >"$work/oapi-codegen.yaml"
mkdir -p "$work/oapi"
(cd examples/client && go run "$OAPI_CODEGEN" -config "$work/oapi-codegen.yaml" "$root/$spec")
if ! diff -u examples/client/client.gen.go "$work/oapi/client.gen.go" >"$work/oapi.diff"; then
  head -n 60 "$work/oapi.diff"
  echo "examples/client/client.gen.go is stale: run 'go generate ./examples/client' and commit it"
  exit 1
fi
if grep -nE 'JSON[0-9]+ +\*?(interface\{\}|any)\b|\[\](interface\{\}|any)\b' examples/client/client.gen.go; then
  echo "oapi-codegen gave an untyped body (above)"; exit 1
fi

echo "== ogen: every operation, typed, in a module that builds"
mkdir -p "$work/ogen"
(cd "$work/ogen" && go mod init example.test/ogencheck >/dev/null 2>&1)
# ogen stops on a feature it has not implemented unless told to skip it; no
# ogen.yml here, so a skipped operation fails the step.
(cd "$work/ogen" && go run "$OGEN" --target alerts --package alerts --clean "$root/$spec" 2>"$work/ogen.log") ||
  { grep -v 'Header name is not canonical' "$work/ogen.log"; exit 1; }
cat >"$work/ogen/typed.go" <<'EOF'
// Compile-time proof that ogen typed the bodies: a GET answers a typed alert,
// a list a typed page of alerts, a PATCH takes a typed body and answers a
// whole alert whose required properties are plain values.
package ogencheck

import (
	"context"

	"example.test/ogencheck/alerts"
)

func Use(ctx context.Context, c *alerts.Client) (string, error) {
	got, err := c.SecurityPartnerGetSecurityAlerts(ctx, alerts.SecurityPartnerGetSecurityAlertsParams{PartnerSecurityAlertId: "a"})
	if err != nil {
		return "", err
	}
	one := got.(*alerts.MicrosoftGraphPartnerSecurityPartnerSecurityAlertProjectionHeaders).Response
	list, err := c.SecurityPartnerListSecurityAlerts(ctx, alerts.SecurityPartnerListSecurityAlertsParams{})
	if err != nil {
		return "", err
	}
	page := list.(*alerts.MicrosoftGraphPartnerSecurityPartnerSecurityAlertCollectionResponseHeaders).Response
	var first alerts.MicrosoftGraphPartnerSecurityPartnerSecurityAlertProjection = page.Value[0]
	upd, err := c.SecurityPartnerUpdateSecurityAlerts(ctx, &alerts.MicrosoftGraphPartnerSecurityPartnerSecurityAlertUpdate{
		Status: alerts.MicrosoftGraphPartnerSecuritySecurityAlertStatusResolved,
	}, alerts.SecurityPartnerUpdateSecurityAlertsParams{PartnerSecurityAlertId: "a"})
	if err != nil {
		return "", err
	}
	whole := upd.(*alerts.MicrosoftGraphPartnerSecurityPartnerSecurityAlertEntityHeaders).Response
	var status alerts.MicrosoftGraphPartnerSecuritySecurityAlertStatus = whole.Status
	return one.DisplayName.Value + first.ID.Value + whole.DisplayName + string(status), nil
}
EOF
(cd "$work/ogen" && go mod tidy >/dev/null 2>&1 && go build ./... && go vet ./...)

echo "== openapi-typescript: examples/typescript/check.ts type-checks"
mkdir -p "$work/ts"
cp examples/typescript/check.ts "$work/ts/"
"$bin/openapi-typescript" "$spec" -o "$work/ts/schema.d.ts" >/dev/null
"$bin/tsc" --noEmit --strict --target es2020 --module esnext --moduleResolution bundler "$work/ts/check.ts"

echo "== an alertmock for the tools that send requests"
go build -o "$work/" ./cmd/alertmock
"$work/alertmock" -addr 127.0.0.1:0 >"$work/alertmock.out" 2>"$work/alertmock.log" &
mock_pid=$!
base=""
for _ in $(seq 1 100); do
  base=$(grep -o 'http://127\.0\.0\.1:[0-9]*/beta' "$work/alertmock.out" | head -n1 || true)
  [ -n "$base" ] && break
  sleep 0.1
done
[ -n "$base" ] || { echo "alertmock did not start"; cat "$work/alertmock.out" "$work/alertmock.log"; exit 1; }

echo "== openapi-fetch: the recipe of docs/contract.md runs against $base"
grep -qF 'querySerializer: { array: { style: "form", explode: false } },' docs/contract.md ||
  { echo "docs/contract.md no longer shows the querySerializer of examples/typescript/client.ts"; exit 1; }
cp examples/typescript/client.ts "$work/ts/"
ln -s "$npm_modules" "$work/ts/node_modules"
"$bin/tsc" --strict --target es2022 --module nodenext --moduleResolution nodenext --outDir "$work/ts/out" "$work/ts/client.ts"
(cd "$work/ts" && ALERTMOCK_BASE_URL="$base" node out/client.js)

echo "== @hey-api/openapi-ts: examples/typescript/hey-check.ts type-checks"
cp examples/typescript/hey-check.ts "$work/ts/"
"$bin/openapi-ts" -i "$root/$spec" -o "$work/ts/hey" >"$work/hey.log" 2>&1 || { cat "$work/hey.log"; exit 1; }
"$bin/tsc" --noEmit --strict --target es2020 --module esnext --moduleResolution bundler "$work/ts/hey-check.ts"

echo "== Specmatic: specmatic test against $base, every operation, 0 failures"
mkdir -p "$work/specmatic"
(cd "$work/specmatic" && "$bin/specmatic" test "$root/$spec" --testBaseURL="$base" >out.txt 2>&1) || true
summary=$(grep -E '^Tests run: [0-9]+' "$work/specmatic/out.txt" | tail -n1 || true)
echo "specmatic: $summary"
ops=$(grep -oE '^Scenario: (GET|PATCH) /security/partner/securityAlerts(/\(partnerSecurityAlertId:string\))? -> 200' "$work/specmatic/out.txt" | sort -u | wc -l)
if ! [[ "$summary" =~ ^Tests\ run:\ ([0-9]+),\ Successes:\ ([0-9]+),\ Failures:\ 0,\ WIP:\ 0,\ Errors:\ 0 ]] ||
  [ "${BASH_REMATCH[1]}" != "${BASH_REMATCH[2]}" ] || [ "$ops" != 3 ]; then
  grep -E -A25 'has FAILED|Error loading' "$work/specmatic/out.txt" | head -n 120
  echo "specmatic: want every test passed and all 3 operations tested (tested: $ops)"
  exit 1
fi

echo "contract tools: all passed in $((SECONDS - start)) s"
