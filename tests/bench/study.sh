#!/bin/sh
# tests/bench/study.sh BUILDDIR [OUTDIR] -- issue 4's quality figures: the
# study (MLP, DR, SCANN, DR+SCANN; H.A. and M.C.) on satellite.csv and
# dna.csv with their Statlog splits, specs tests/bench/specs/<data>-study.json.
# Prints each study's Markdown table (also OUTDIR/<data>/report.md) and the
# wall time.  Run by hand from the source tree; about a minute in all.
set -eu
build=${1:?usage: study.sh BUILDDIR [OUTDIR]}
out=${2:-/tmp/scann-study}
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
for data in satellite dna; do
	start=$(date +%s.%N)
	"$build/worker/scann-worker" run --out "$out/$data" \
		"$here/specs/$data-study.json" > "$out-$data.ndjson"
	end=$(date +%s.%N)
	echo "## $data ($(echo "$end - $start" | bc) s)"
	cat "$out/$data/report.md"
	echo
done
