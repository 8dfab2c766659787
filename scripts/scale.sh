#!/usr/bin/env bash
# Measures alertmock with 100,000 generated alerts against the goals of
# issue #10 and prints the table of docs/performance.md. Usage:
#   scripts/scale.sh [-n ALERTS] [-samples K]
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./scripts/scale "$@"
