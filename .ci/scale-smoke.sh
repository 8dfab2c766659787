#!/usr/bin/env bash
# Scale smoke (issue #10): the scale benchmarks without the 100k cases, one
# iteration each, and the scale script on a small dataset, so neither rots.
# The 100,000-alert measures stay out of CI (docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== scale benchmarks (-short: 1k and 10k alerts, 1 iteration)"
go test ./mock -run '^$' -bench 'Scale' -benchtime 1x -short
echo "== scale script on 2,000 alerts"
go run ./scripts/scale -n 2000 -samples 20 -check=false
