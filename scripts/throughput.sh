#!/usr/bin/env bash
# Throughput of alertmock's PATCH over real sockets, side by side with a bare
# Go handler doing the same JSON work (scripts/throughput/bare), measured with
# wrk in alternating rounds on 127.0.0.1. Prints req/s of every round and the
# median ratio mock ÷ bare. Usage:
#
#   scripts/throughput.sh [-rounds N] [-duration 5s] [-old REF] [-token opaque|jwt] [-flags "..."]
#
# -old REF also builds alertmock as of git commit REF and measures it in the
# same rounds (before/after). alertmock runs with its default flags: text
# access log at info level, written (stderr) to a file in the temporary
# directory, as a user running `alertmock 2>alertmock.log` would. wrk: 2
# threads, 32 connections. -flags adds alertmock flags (e.g. "-log-level warn"
# to measure without the access log). Installs wrk with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3 duration=5s old="" token=jwt threads=2 conns=32 flags=""
while [ $# -gt 0 ]; do
  case "$1" in
    -rounds) rounds=$2; shift 2 ;;
    -duration) duration=$2; shift 2 ;;
    -old) old=$2; shift 2 ;;
    -token) token=$2; shift 2 ;;
    -flags) flags=$2; shift 2 ;;
    *) echo "usage: $0 [-rounds N] [-duration 5s] [-old REF] [-token opaque|jwt] [-flags \"...\"]" >&2; exit 2 ;;
  esac
done

if ! command -v wrk >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/alertmock" ./cmd/alertmock
go build -o "$tmp/bare" ./scripts/throughput/bare
targets=(new bare)
if [ -n "$old" ]; then
  git archive --format=tar "$old" | (mkdir -p "$tmp/old-src" && tar -x -C "$tmp/old-src")
  (cd "$tmp/old-src" && go build -o "$tmp/alertmock-old" ./cmd/alertmock)
  targets=(old new bare)
fi

# start NAME CMD...: runs CMD (which prints its base URL on stdout first) and
# sets url[NAME].
declare -A url
start() {
  local name=$1; shift
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.log" &
  pids+=($!)
  for _ in $(seq 100); do
    if u=$(grep -m1 -o 'http://127\.0\.0\.1:[0-9]*/beta' "$tmp/$name.out" "$tmp/$name.log" 2>/dev/null | head -1 | sed 's/^[^:]*://'); [ -n "$u" ]; then
      url[$name]=$u; return
    fi
    sleep 0.1
  done
  echo "$name did not start:" >&2; cat "$tmp/$name.out" "$tmp/$name.log" >&2; exit 1
}
# shellcheck disable=SC2086 # -flags is split into words on purpose
start new "$tmp/alertmock" -addr 127.0.0.1:0 $flags
# shellcheck disable=SC2086
[ -z "$old" ] || start old "$tmp/alertmock-old" -addr 127.0.0.1:0 $flags
start bare "$tmp/bare" -addr 127.0.0.1:0

case "$token" in
  jwt) TOKEN=$("$tmp/alertmock" token -upn bench@contoso.com -scp PartnerSecurity.ReadWrite.All) ;;
  opaque) TOKEN=any-opaque-token ;;
  *) echo "-token: opaque or jwt" >&2; exit 2 ;;
esac
export TOKEN
id=d8b202fc-a216-3404-69ef-bdffa445eff6 # alert.DocumentedID, in the seed dataset
declare -A rps
for name in "${targets[@]}"; do
  export ALERT_PATH="$(echo "${url[$name]}" | sed 's|^http://[^/]*||')/security/partner/securityAlerts/$id"
  # warm up: resolve the alert once, then a second of load
  wrk -t1 -c1 -d1s -s scripts/throughput/patch.lua "${url[$name]%/beta}" >/dev/null
done

echo "PATCH, wrk -t$threads -c$conns -d$duration, $rounds rounds rotating ${targets[*]}; token: $token; alertmock flags: ${flags:-none}"
for r in $(seq "$rounds"); do
  line="round $r:"
  # each round starts with the next target, so none always runs first or last
  n=${#targets[@]}
  order=()
  for i in $(seq 0 $((n - 1))); do order+=("${targets[$(((r - 1 + i) % n))]}"); done
  for name in "${order[@]}"; do
    export ALERT_PATH="$(echo "${url[$name]}" | sed 's|^http://[^/]*||')/security/partner/securityAlerts/$id"
    out=$(wrk -t"$threads" -c"$conns" -d"$duration" -s scripts/throughput/patch.lua "${url[$name]%/beta}")
    if grep -q 'Non-2xx\|Socket errors' <<<"$out"; then
      echo "$name: errors under load:" >&2; echo "$out" >&2; exit 1
    fi
    v=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    rps[$name]+="$v "
    line+=" $name $(printf '%.0f' "$v") req/s;"
  done
  echo "$line"
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# ratio of each round (same round, neighbouring in time), then the median
ratios() {
  paste <(tr ' ' '\n' <<<"${rps[$1]}" | grep -v '^$') <(tr ' ' '\n' <<<"${rps[bare]}" | grep -v '^$') |
    awk '{printf "%.3f ", $1/$2}'
}
for name in "${targets[@]}"; do
  printf '%-5s median %.0f req/s' "$name" "$(median <<<"${rps[$name]}")"
  [ "$name" = bare ] || printf ', ÷ bare: rounds %s→ median %.2f×' "$(ratios "$name")" "$(ratios "$name" | median)"
  echo
done
echo "access log lines (new): $(wc -l <"$tmp/new.log")"
