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
#     against the generated types, so no body is `unknown`.
# Needs Go and node/npm; npm packages go to a cache directory
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
OAPI_CODEGEN=github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2
OGEN=github.com/ogen-go/ogen/cmd/ogen@v1.25.0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS

echo "== contract tools: npm packages"
. .ci/npm-tools.sh
npm_tools contract $SPECTRAL $REDOCLY $OPENAPI_TS $TYPESCRIPT
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

echo "contract tools: all passed in $((SECONDS - start)) s"
