#!/usr/bin/env bash
# The container and release stage of CI (docs/container.md), for real:
#  1. scripts/release.sh builds the six release archives, then again from a
#     clone of the same commit in another folder: the SHA256SUMS must match;
#  2. scripts/image.sh builds the image from those linux binaries with podman
#     (FROM scratch: no registry), and its size is checked against the docs;
#  3. the image runs (as the README's line does) and, from outside, the
#     conformance suite passes against it, the README's quick start (a Graph
#     client's PATCH and GET) answers, the process is not root, flags and
#     ALERTMOCK_ADMIN_TOKEN are honoured, -state survives a new container on
#     the same volume, SIGTERM stops it with status 0, and the image's own
#     conformance binary passes against it over HTTPS;
#  4. the Testcontainers recipe (examples/testcontainers) runs on podman's
#     Docker-compatible socket, and so does the Node block of the docs;
#  5. examples/compose/compose.yaml runs with podman-compose.
# Installs podman, runc and podman-compose from Debian when missing, and
# Testcontainers for Node with npm into a cache folder. Podman
# keeps its images, containers, volumes and networks in a temporary folder,
# removed at the end: nothing is left running or stored.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
reports="${CI_REPORTS:-$PWD/reports}"
mkdir -p "$reports"
reports=$(cd "$reports" && pwd)
work=$(mktemp -d)
fail() { echo "container stage: FAIL: $*" >&2; exit 1; }
stage_start=$SECONDS
times=()
lap() { times+=("$1 $((SECONDS - lap_start))s"); lap_start=$SECONDS; }
lap_start=$SECONDS

service_pid=""
cleanup() {
  set +e
  if [ -n "$service_pid" ]; then kill "$service_pid" 2>/dev/null; wait "$service_pid" 2>/dev/null; fi
  if command -v podman >/dev/null && [ -f "$work/containers.conf" ]; then
    podman rm -af -t 2 >/dev/null 2>&1
    podman volume rm -af >/dev/null 2>&1
    podman rmi -af >/dev/null 2>&1
    podman network prune -f >/dev/null 2>&1
  fi
  findmnt -rn -o TARGET | grep "^$work/" | sort -r | xargs -r umount -l 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

echo "== podman, runc, podman-compose"
missing=()
for p in podman runc podman-compose; do command -v "$p" >/dev/null || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    fail "${missing[*]} missing, and this is not root on Debian: install them (apt-get install podman runc podman-compose) and run again"
  fi
  echo "apt-get install ${missing[*]}"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman runc podman-compose; } \
    >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; fail "apt-get could not install ${missing[*]}"; }
fi
podman --version
# The same settings as podman --runtime runc --cgroup-manager cgroupfs, in a
# file so that podman-compose and the API service get them too; crun's
# default rlimits fail here. Storage and networks live in $work.
mkdir -p "$work/storage" "$work/run" "$work/networks"
cat >"$work/containers.conf" <<EOF
[containers]
default_ulimits = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
[network]
network_config_dir = "$work/networks"
EOF
cat >"$work/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$work/storage"
runroot = "$work/run"
EOF
export CONTAINERS_CONF="$work/containers.conf" CONTAINERS_STORAGE_CONF="$work/storage.conf"
lap install

echo "== scripts/release.sh, twice on one commit (reproducible?)"
version="ci-$(git rev-parse --short=12 HEAD)"
t0=$SECONDS
scripts/release.sh "$version" "$work/dist"
release_s=$((SECONDS - t0))
[ "$(wc -l <"$work/dist/SHA256SUMS")" -eq 6 ] || fail "SHA256SUMS does not list six archives: $(cat "$work/dist/SHA256SUMS")"
if [ -n "$(git status --porcelain)" ]; then
  echo "the working tree has uncommitted changes: the second build (of the commit) is skipped; CI's clean clone runs it"
else
  git clone -q --no-checkout "$root" "$work/clone"
  git -C "$work/clone" checkout -q "$(git rev-parse HEAD)"
  (cd "$work/clone" && scripts/release.sh "$version" "$work/dist2" >/dev/null)
  diff "$work/dist/SHA256SUMS" "$work/dist2/SHA256SUMS" ||
    fail "two builds of commit $(git rev-parse --short HEAD) gave different archives (diff above)"
  echo "identical SHA256SUMS from $root and $work/clone"
fi
arch=$(go env GOARCH)
bin="$work/dist/alertmock_${version}_linux_$arch"
lap release

echo "== scripts/image.sh (podman, FROM scratch)"
ENGINE=podman scripts/image.sh "$version" "$work/dist"
img="alertmock:$version"
if ! podman run --rm "$img" -version >"$work/version.out" 2>&1; then
  cat "$work/version.out" >&2
  fail "podman cannot run a container here (above). On Debian as root, podman and runc with the settings of this script must work; see docs/container.md#ci"
fi
grep -q "^alertmock $version (" "$work/version.out" || fail "alertmock -version in the image: $(cat "$work/version.out")"
v=$(podman run --rm --entrypoint conformance "$img" -version)
[[ "$v" == "conformance $version ("* ]] || fail "conformance -version in the image: $v"
labels=$(podman image inspect --format '{{index .Labels "org.opencontainers.image.version"}} {{index .Labels "org.opencontainers.image.source"}} {{.Config.User}}' "$img")
[ "$labels" = "$version https://github.com/partner-security/alertmock 65532:65532" ] || fail "labels and user: $labels"
size=$(podman image inspect --format '{{.Size}}' "$img")
documented=$(grep -oE 'Image size: \*\*[0-9.]+ MB\*\*' docs/container.md | grep -oE '[0-9.]+' || true)
[ -n "$documented" ] || fail "docs/container.md states no 'Image size: **N MB**'"
awk -v s="$size" -v d="$documented" 'BEGIN { r = s / 1e6 / d; exit !(r > 0.9 && r < 1.1) }' ||
  fail "the image is $((size / 1000)) kB; docs/container.md says $documented MB: update it"
TMPDIR=/tmp "$bin/alertmock" -h >"$work/host.usage" 2>&1
podman run --rm "$img" -h >"$work/image.usage" 2>&1
diff "$work/host.usage" "$work/image.usage" >/dev/null || fail "alertmock -h differs in the image: $(diff "$work/host.usage" "$work/image.usage")"
lap image

# wait_health URL [CURL_ARGS]: waits up to 10 s for /healthz.
wait_health() {
  local url=$1; shift
  for _ in $(seq 1 100); do
    if curl -sf "$@" "$url/healthz" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}
# published NAME: the host port of NAME's 8080.
published() { podman port "$1" 8080/tcp | head -n1 | sed 's/.*://'; }

echo "== the image running, checked from outside"
grep -qF 'podman run --rm -p 127.0.0.1:8080:8080 alertmock' README.md || fail "README no longer starts the mock from the image as this stage does"
admin="ci-admin-$RANDOM$RANDOM"
podman volume create alertmock-ci-state >/dev/null
podman run -d --name alertmock-ci -p 127.0.0.1::8080 -e ALERTMOCK_ADMIN_TOKEN="$admin" \
  -v alertmock-ci-state:/data alertmock -log json >/dev/null
port=$(published alertmock-ci)
url="http://127.0.0.1:$port"
wait_health "$url" || fail "no answer on $url/healthz: $(podman logs alertmock-ci 2>&1)"
echo "alertmock (image) on $url"
user=$(podman top alertmock-ci huser | tail -n1 | tr -d ' ')
[ "$user" = 65532 ] || fail "the mock runs as host user '$user'; want 65532 (non-root)"

ALERTMOCK_ADMIN_TOKEN="$admin" "$bin/conformance" -target "$url/beta" -format junit -out "$reports/container-conformance.xml" |
  tee "$work/conformance.out"
grep -q '^conformance: PASS: ' "$work/conformance.out" || fail "conformance against the container"

code=$(curl -s -o "$work/refused" -w '%{http_code}' "$url/_mock/sessions")
[ "$code" = 401 ] && grep -q 'needs the admin token' "$work/refused" ||
  fail "the control API without the admin token: $code $(cat "$work/refused"); want 401"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $admin" "$url/_mock/sessions")
[ "$code" = 200 ] || fail "the control API with ALERTMOCK_ADMIN_TOKEN: $code; want 200"

quickstart=$(awk '$0 == "<!-- docs-example: readme-quickstart -->" { f = 1; next }
  f == 1 && /^```/ { f = 2; next } f == 2 && /^```/ { exit } f == 2 { print }' README.md)
[ -n "$quickstart" ] || fail "README.md has no readme-quickstart example"
out=$(bash -euo pipefail -c "${quickstart//127.0.0.1:8080/127.0.0.1:$port}")
[[ "$out" == $'200\n'*'"status":"resolved","resolvedBy":"alertmock@contoso.com"}' ]] ||
  fail "README quick start against the container: $out"
podman logs alertmock-ci >"$work/alertmock-ci.log" 2>&1
grep -q '^{"time":' "$work/alertmock-ci.log" || fail "-log json (a flag after the image) was not honoured: $(cat "$work/alertmock-ci.log")"

podman stop -t 20 alertmock-ci >/dev/null
status=$(podman inspect --format '{{.State.ExitCode}}' alertmock-ci)
[ "$status" = 0 ] || fail "SIGTERM: exit status $status; want 0 (drained)"
podman rm alertmock-ci >/dev/null
lap run

echo "== a new container on the same volume, HTTPS (from ALERTMOCK_TLS, as a service container sets flags), and the image's conformance binary"
podman run -d --name alertmock-ci2 -p 127.0.0.1::8080 -e ALERTMOCK_ADMIN_TOKEN="$admin" -e ALERTMOCK_TLS=true \
  -v alertmock-ci-state:/data alertmock >/dev/null
port=$(published alertmock-ci2)
for _ in $(seq 1 100); do podman cp alertmock-ci2:/tmp/alertmock-cert.pem "$work/cert.pem" 2>/dev/null && break; sleep 0.1; done
[ -s "$work/cert.pem" ] || fail "-tls wrote no certificate to /tmp in the container: $(podman logs alertmock-ci2 2>&1)"
url="https://127.0.0.1:$port"
wait_health "$url" --cacert "$work/cert.pem" || fail "no answer on $url/healthz: $(podman logs alertmock-ci2 2>&1)"
got=$(curl -s --cacert "$work/cert.pem" -H 'Authorization: Bearer any-opaque-token' \
  "$url/beta/security/partner/securityAlerts/d8b202fc-a216-3404-69ef-bdffa445eff6?\$select=status")
[[ "$got" == *'"status":"resolved"'* ]] || fail "-state: the resolved alert did not survive a new container on the volume: $got"
mkdir -p "$work/reports"
podman run --rm --network host --user "$(id -u):$(id -g)" -e ALERTMOCK_ADMIN_TOKEN="$admin" \
  -v "$work/reports:/reports" -v "$work/cert.pem:/cert.pem:ro" --entrypoint conformance "$img" \
  -target "$url/beta" -ca-cert /cert.pem -format junit -out /reports/conformance.xml | tee "$work/conformance2.out"
grep -q '^conformance: PASS: ' "$work/conformance2.out" && [ -s "$work/reports/conformance.xml" ] ||
  fail "the image's conformance binary against the container over HTTPS"
podman rm -f -t 5 alertmock-ci2 >/dev/null
podman volume rm alertmock-ci-state >/dev/null
lap https

echo "== Testcontainers for Go on podman's Docker-compatible socket (examples/testcontainers)"
podman system service --time=0 "unix://$work/podman.sock" >"$work/service.log" 2>&1 &
service_pid=$!
for _ in $(seq 1 100); do [ -S "$work/podman.sock" ] && break; sleep 0.1; done
[ -S "$work/podman.sock" ] || fail "podman system service did not start: $(cat "$work/service.log")"
(cd examples/testcontainers && go vet ./... && DOCKER_HOST="unix://$work/podman.sock" TESTCONTAINERS_RYUK_DISABLED=true \
  ALERTMOCK_IMAGE="$img" go test -count=1 -v ./... >"$work/tc.out" 2>&1) ||
  { cat "$work/tc.out"; fail "the Testcontainers recipe"; }
grep -E '^(--- |ok|PASS|FAIL)' "$work/tc.out"
! grep -q -- '--- SKIP' "$work/tc.out" || fail "the Testcontainers recipe skipped: no container engine on $work/podman.sock"

echo "== Testcontainers for Node: the block of docs/container.md, then a PATCH through it"
TESTCONTAINERS_NODE=testcontainers@11.14.0 # runs on Node.js 20 (12.x needs 22)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/alertmock-testcontainers-node"
if [ "$(cat "$cache/installed" 2>/dev/null)" != "$TESTCONTAINERS_NODE" ]; then
  rm -rf "$cache" && mkdir -p "$cache"
  (cd "$cache" && echo '{"private":true}' >package.json &&
    npm install --no-audit --no-fund --loglevel=error "$TESTCONTAINERS_NODE") >"$work/npm.log" 2>&1 ||
    { cat "$work/npm.log"; fail "npm install $TESTCONTAINERS_NODE"; }
  echo "$TESTCONTAINERS_NODE" >"$cache/installed"
fi
snippet=$(awk '$0 == "<!-- container-example: node -->" { f = 1; next }
  f == 1 && /^```/ { f = 2; next } f == 2 && /^```/ { exit } f == 2 { print }' docs/container.md)
[ -n "$snippet" ] || fail "docs/container.md has no <!-- container-example: node --> block"
cat >"$work/node-check.cjs" <<EOF
(async () => {
$snippet
  const r = await fetch(baseUrl + "/security/partner/securityAlerts/d8b202fc-a216-3404-69ef-bdffa445eff6", {
    method: "PATCH",
    headers: { Authorization: "Bearer any-opaque-token", "Content-Type": "application/json" },
    body: JSON.stringify({ status: "resolved", resolvedReason: "fraud" }),
  });
  const body = await r.text();
  await alertmock.stop();
  if (r.status !== 200) throw new Error("PATCH " + baseUrl + ": " + r.status + " " + body);
  console.log("testcontainers (node): PATCH through " + baseUrl + ": " + r.status);
})().catch((e) => { console.error(e); process.exit(1); });
EOF
NODE_PATH="$cache/node_modules" DOCKER_HOST="unix://$work/podman.sock" TESTCONTAINERS_RYUK_DISABLED=true \
  TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 node "$work/node-check.cjs" || fail "the Node block of docs/container.md"
kill "$service_pid"; wait "$service_pid" 2>/dev/null || true; service_pid=""
lap testcontainers

echo "== examples/compose/compose.yaml with podman-compose"
cport=""
for p in $(shuf -i 20000-40000 -n 20); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then cport=$p; break; fi
done
[ -n "$cport" ] || fail "no free port for compose"
compose() { ALERTMOCK_PORT=$cport ALERTMOCK_ADMIN_TOKEN="$admin" podman-compose -p alertmock-ci -f examples/compose/compose.yaml "$@" >>"$work/compose.log" 2>&1; }
compose up -d || { cat "$work/compose.log"; fail "podman-compose up"; }
wait_health "http://127.0.0.1:$cport" || { cat "$work/compose.log"; fail "the compose service does not answer on 127.0.0.1:$cport"; }
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $admin" "http://127.0.0.1:$cport/_mock/sessions")
[ "$code" = 200 ] || fail "compose: the control API with the admin token: $code"
compose down -v || { cat "$work/compose.log"; fail "podman-compose down"; }
echo "compose: up, healthy on 127.0.0.1:$cport, down"
lap compose

mb=$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 }')
echo "container stage: PASS in $((SECONDS - stage_start)) s ($(IFS=,; echo "${times[*]}")); image $mb MB; release build of six platforms $release_s s"
