#!/bin/sh
# tests/bench/quality.sh -- the quality table of issue 3: for satellite.csv
# and dna.csv (Statlog splits: the last 2000 / 1186 rows are the test set,
# validation 0.15 of the rest), the best baseline MLP found by validation
# and schemes A, B and C: test accuracy, parameters, depth, energy, wall time.
# Run from the source tree by hand (a few minutes):
#
#   tests/bench/quality.sh BUILDDIR [OUTDIR]
#
# The specs are tests/bench/specs/<data>-<scheme>.json (baseline search over
# depths 1-2 and widths 64/128/256 in every one, so each row's baseline is
# the same network).
set -eu
build=${1:?usage: quality.sh BUILDDIR [OUTDIR]}
out=${2:-/tmp/scann-quality}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mkdir -p "$out"
cd "$top"
printf '%-10s %-8s %8s %8s %7s %5s %10s %8s %7s\n' data network test_acc val_acc params depth energy_nJ compr wall_s
for data in satellite dna; do
	for scheme in A B C; do
		name=$data-$scheme
		start=$(date +%s.%N)
		"$build/worker/scann-worker" run --out "$out/$name" \
			"$here/specs/$name.json" > "$out/$name.ndjson"
		end=$(date +%s.%N)
		tail -1 "$out/$name.ndjson" | /usr/bin/python3 -c '
import json, sys
e = json.loads(sys.stdin.read()); wall = float(sys.argv[3]) - float(sys.argv[2])
rows = [("baseline", e["baseline"], "")] if sys.argv[4] == "A" else []
rows.append(("scheme " + sys.argv[4], e["best"], "%.1fx" % e["compression"]))
for label, n, c in rows:
    print("%-10s %-8s %8.4f %8.4f %7d %5d %10.1f %8s %7s" % (sys.argv[1], label,
          n["test_acc"], n["val_acc"], n["params"], n["depth"], n["energy_nj"], c,
          "%.1f" % wall if label != "baseline" else "-"))
' "$data" "$start" "$end" "$scheme"
	done
done
