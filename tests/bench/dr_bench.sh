#!/bin/sh
# dr_bench.sh -- DR speed against scikit-learn (../shared/peers/sklearn_dr.py),
# both single-threaded, same split protocol, same targets.  Run by hand from
# a build directory configured without sanitizers, e.g.
#   mkdir -p build-bench && cd build-bench && ../configure CFLAGS=-O2 &&
#   make tests/bench/dr_bench && ../tests/bench/dr_bench.sh
# Environment: REPEATS (5), RATIOS (2,4,8), DATA (the bundled CSVs),
# PEER (/work/shared/peers/sklearn_dr.py).  Prints a Markdown table per
# dataset: best-of-REPEATS seconds of fit(train) + transform(test) for each
# side and the ratio sklearn / ours (> 2 is the target).  For spectral
# sklearn has no transform: its fit_transform is compared with our fit +
# transform(test).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$(dirname "$here")")
REPEATS=${REPEATS:-5}
RATIOS=${RATIOS:-2,4,8}
DATA=${DATA:-$src/tests/data}
PEER=${PEER:-/work/shared/peers/sklearn_dr.py}
BENCH=${BENCH:-./tests/bench/dr_bench}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for ds in satellite dna; do
	"$BENCH" --csv "$DATA/$ds.csv" --ratios "$RATIOS" --repeats "$REPEATS" \
		> "$tmp/ours.$ds"
	/usr/bin/python3 "$PEER" --csv "$DATA/$ds.csv" --ratios "$RATIOS" \
		--repeats "$REPEATS" --threads 1 > "$tmp/peer.$ds" 2>/dev/null
	/usr/bin/python3 - "$ds" "$tmp/ours.$ds" "$tmp/peer.$ds" <<'PY'
import json, sys
name, ours_f, peer_f = sys.argv[1:]
key = lambda r: (r["method"], r["target"])
ours = {key(r): r for r in map(json.loads, open(ours_f))}
peer = {key(r): r for r in map(json.loads, open(peer_f))}
print(f"\n### {name}\n")
print("| method | ratio | k | rows fit | ours fit+tf (s) | sklearn fit+tf (s) | sklearn/ours |")
print("|---|---|---|---|---|---|---|")
for k in ours:
    o, p = ours[k], peer.get(k)
    if p is None:
        continue
    to = o["fit_s"] + o["transform_s"]
    tp = p["fit_s"] + (p["transform_s"] or 0.0)
    print(f"| {k[0]} | {o['ratio']:g} | {k[1]} | {o['fit_rows']}/{p['fit_rows']} | "
          f"{to:.5f} | {tp:.5f} | {tp / to:.1f}x |")
PY
done
