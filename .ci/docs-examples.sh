#!/usr/bin/env bash
# Runs the examples of the docs for real, so they cannot rot:
#  1. every shell block marked <!-- docs-example: NAME --> in README.md and
#     docs/*.md, against alertmock binaries started on free ports (the docs'
#     ports 8080 and 8443 and the certificate path are rewritten to the real
#     ones), checking the output the docs show;
#  2. examples/ci/go-client, a client module, copied outside the repository
#     with a replace pointing at this checkout and tested with go test -race:
#     its client against mocktest, and its own feature files with the
#     suite's steps and its own (conformance.StateFrom, Config.OmitSteps).
# Needs only Go and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "docs-examples: $*" >&2; exit 1; }

echo "== build alertmock and conformance"
mkdir -p "$work/bin" "$work/tmp"
go build -o "$work/bin/" ./cmd/alertmock ./cmd/conformance
export PATH="$work/bin:$PATH"

# serve VAR ARGS...: starts alertmock ARGS on a free port and sets VAR to its port.
serve() {
  local var=$1; shift
  local out="$work/serve.$var.$RANDOM"
  : >"$out"
  TMPDIR="$work/tmp" alertmock -addr 127.0.0.1:0 "$@" >"$out" 2>"$out.log" &
  pids+=($!)
  local url=""
  for _ in $(seq 1 100); do
    url=$(grep -oE 'https?://127\.0\.0\.1:[0-9]+/beta' "$out" | head -n1 || true)
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || fail "alertmock $* did not start: $(cat "$out" "$out.log")"
  local port=${url##*:}; port=${port%/beta}
  printf -v "$var" '%s' "$port"
  cp "$out" "$work/last-serve.out"
}

ran=()
# example PAGE NAME PORT8080 [PORT8443]: runs the block NAME of PAGE; its output is in $out.
example() {
  local page=$1 name=$2 p80=$3 p443=${4:-0}
  local code
  code=$(awk -v m="<!-- docs-example: $name -->" '
    $0 == m { found = 1; next }
    found == 1 && /^```/ { found = 2; next }
    found == 2 && /^```/ { exit }
    found == 2 { print }' "$page")
  [ -n "$code" ] || fail "$page has no example $name"
  code=$(subst "$code" "$p80" "$p443")
  echo "-- $page: $name"
  out=$(cd "$root" && bash -euo pipefail -c "$code" 2>&1) || fail "$page: $name failed:
$code
$out"
  ran+=("$name")
}
# subst TEXT P80 P443: the docs' ports and certificate path, made real.
subst() {
  local s=$1
  s=${s//127.0.0.1:8080/127.0.0.1:$2}; s=${s//localhost:8080/localhost:$2}
  s=${s//127.0.0.1:8443/127.0.0.1:$3}; s=${s//localhost:8443/localhost:$3}
  s=${s//\/tmp\/alertmock-cert.pem/$work\/tmp\/alertmock-cert.pem}
  s=${s//-r reports/-r $work\/reports}
  printf '%s' "$s"
}
# expect TEXT...: each TEXT (with the docs' ports made real) is in $out.
expect() {
  local want
  for want in "$@"; do
    want=$(subst "$want" "$p80" "$p443")
    [[ "$out" == *"$want"* ]] || fail "output lacks: $want
output:
$out"
  done
}

echo "== shell examples of README.md and docs/"
usage=$(alertmock -h 2>&1 || true) # captured first: grep -q on a pipe can SIGPIPE alertmock under pipefail
grep -q 'default "127.0.0.1:8080"' <<<"$usage" || fail "alertmock no longer listens on 127.0.0.1:8080 by default, as README says"
grep -q 'alertmock token \[flags\]' <<<"$usage" || fail "alertmock -h does not list the token subcommand"

serve plain; p80=$plain; p443=0
example README.md readme-quickstart "$p80"
expect $'200\n' '"status":"resolved","resolvedBy":"alertmock@contoso.com"}'
example docs/mock.md mock-quickstart "$p80"
expect $'200\n' '{"@odata.context":"http://127.0.0.1:8080/beta/$metadata#security/partner/securityAlerts(status,resolvedReason,resolvedBy)/$entity","status":"resolved","resolvedReason":"fraud","resolvedBy":"alertmock@contoso.com"}'
example docs/mock.md tokens "$p80"
[ "$(echo $out)" = "200 403 401" ] || fail "tokens: got $(echo $out); want 200 403 401"

example docs/mock.md service-root "$p80"
expect '{"@odata.context":"http://127.0.0.1:8080/beta/$metadata","value":[{"name":"security","kind":"Singleton","url":"security"}]}' '<EntityType Name="partnerSecurityAlert" BaseType="graph.entity">'
example docs/mock.md batch "$p80"
expect '{"responses":[{"id":"1","status":200,' '{"id":"2","status":200,' '"status":"investigating"}}]}'

serve evolved -enum-member securityAlertSeverity=critical; p80=$evolved
example docs/mock.md evolvable-enums "$p80"
expect $'"severity":"unknownFutureValue"}\n' '"severity":"critical"}'

serve signed -auth-key s3cret; p80=$signed
example docs/mock.md auth-key "$p80"
[ "$(echo $out)" = "200 Invalid signature CompactToken parsing failed" ] || fail "auth-key: got $(echo $out)"

serve tls -tls; p443=$tls
grep -qF "written to $work/tmp/alertmock-cert.pem" "$work/last-serve.out" || fail "alertmock -tls did not state it wrote the certificate to \$TMPDIR/alertmock-cert.pem: $(cat "$work/last-serve.out")"
grep -qF 'alertmock -tls -addr 127.0.0.1:8443' docs/mock.md || fail "docs/mock.md no longer starts the HTTPS mock as this script does"
[ -z "$(find "$root" -maxdepth 1 -name '*.pem')" ] || fail "a certificate was written into the working tree"
example docs/mock.md https 0 "$p443"
expect '"@odata.context":"https://localhost:8443/beta/$metadata#security/partner/securityAlerts(id)"'

serve plain; p80=$plain
example docs/control-api.md sessions "$p80"
expect $'204\n{"value":[{"name":"suite-a","alerts":51,' $'204\n{"value":[]}'
example docs/control-api.md alerts "$p80"
expect '{"name":"suite-a","alerts":1,' '{"error":{"code":"BadRequest","message":"Invalid alert: alert 0 (id \"alert-3\"): missing properties: ' '} 400'
example docs/control-api.md journal "$p80"
expect '"session":"suite-a","method":"PATCH","path":"/beta/security/partner/securityAlerts/alert-1","query":""' '"Authorization":["Bearer [redacted]"]' '"body":"{\"status\":\"resolved\",\"resolvedReason\":\"fraud\"}","status":200' $'\n204'
example docs/control-api.md faults "$p80"
expect '{"value":[{"id":"1","method":"PATCH","session":"suite-a","kind":"status","status":429,"retryAfter":"2","times":1,"fired":0}]}' $'\n201\n' $'\n204\n204'
example docs/control-api.md throttle "$p80"
expect $'{"requestsPerSecond":2,"burst":2}\n{"requestsPerSecond":2,"burst":2}\n204'

serve plain; p80=$plain
example README.md cheat-sheet "$p80"
[ "$(grep -o '"fired":0' <<<"$out" | wc -l)" -eq 4 ] || fail "cheat-sheet: want 4 rules added: $out"
expect '"status":429,"retryAfter":"2","times":1' '"kind":"latency","latency":"2s"' '"kind":"drop","probability":0.1' '{"requestsPerSecond":5'

example docs/ci.md ci-recipe 0
expect 'conformance: PASS: ' '{"status":"ok"}'
[ -s "$work/reports/conformance.xml" ] || fail "ci-recipe wrote no JUnit report"

echo "== the CI recipe runs your command even when the suite fails, and fails if either did"
marker="$work/own-command-ran"
st=0
CONFORMANCE_FLAGS='-tags @no-such-tag' examples/ci/conformance.sh -r "$work/reports-fail" -- touch "$marker" >"$work/recipe.out" 2>&1 || st=$?
[ "$st" = 2 ] || fail "recipe with a failing suite exited $st; want 2 (the suite's status): $(cat "$work/recipe.out")"
[ -f "$marker" ] || fail "recipe with a failing suite did not run the command: $(cat "$work/recipe.out")"
st=0
CONFORMANCE_FLAGS='-tags @live-safe' examples/ci/conformance.sh -r "$work/reports-fail" -- sh -c 'exit 3' >"$work/recipe.out" 2>&1 || st=$?
[ "$st" = 3 ] || fail "recipe with a failing command exited $st; want 3 (the command's status): $(cat "$work/recipe.out")"

for name in $(grep -ho 'docs-example: [a-z0-9-]*' README.md docs/*.md | cut -d' ' -f2); do
  [[ " ${ran[*]} " == *" $name "* ]] || fail "example $name of the docs is not run by $0"
done

echo "== a client module outside the repository (examples/ci/go-client), go test -race"
mod="$work/go-client"
cp -r examples/ci/go-client "$mod"
(cd "$mod" && go mod edit -replace "github.com/partner-security/alertmock=$root" \
  && GOFLAGS=-mod=mod go mod tidy && GOFLAGS=-mod=mod go test -race -count=1 ./...)
echo "docs-examples: all examples ran"
