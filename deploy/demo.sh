#!/usr/bin/env bash
# deploy/demo.sh BUILDDIR -- the README's first command ends here: show what
# scann does on bundled real data, with the programs just built.
set -euo pipefail
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
worker="$top/$build/worker/scann-worker"

echo "== scann-worker describe tests/data/satellite.csv (Statlog Landsat)"
"$worker" describe "$top/tests/data/satellite.csv"
