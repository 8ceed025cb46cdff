#!/bin/sh
# dr_bench.sh -- DR speed against scikit-learn (../shared/peers/sklearn_dr.py),
# both single-threaded, same split protocol (stratified 70/15/15, [0,1] by
# the training range), same targets ceil(d / r).  Run by hand from a build
# directory configured without sanitizers:
#   mkdir -p build-bench && cd build-bench && ../configure CFLAGS=-O2 &&
#   make tests/bench/dr_bench && ../tests/bench/dr_bench.sh
# Environment: SEEDS (3: split/init seeds 0..SEEDS-1), REPEATS (5), RATIOS
# (2,4,8), DATASETS (satellite dna), METHODS (all, in sklearn_dr.py's
# names), DATA (the bundled CSVs), PEER.
#
# Each side reports, per seed, the best of REPEATS timings of fit(train)
# and transform(test); the table shows the median over seeds of fit +
# transform, so a lucky or unlucky random start (FastICA's iteration count
# depends on it) does not decide a row.  sklearn's Isomap and spectral runs
# take seconds, so they get 1 repeat.  For spectral sklearn has no
# transform: its fit_transform is compared with our fit + transform(test).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$(dirname "$here")")
SEEDS=${SEEDS:-3}
REPEATS=${REPEATS:-5}
RATIOS=${RATIOS:-2,4,8}
DATASETS=${DATASETS:-satellite dna}
METHODS=${METHODS:-pca,fa,ica,isomap,spectral,rp_gauss,rp_pm1,rp_sparse3,rp_auto}
fast=$(echo "$METHODS" | tr , '\n' | grep -v -x -e isomap -e spectral | paste -sd, -)
slow=$(echo "$METHODS" | tr , '\n' | grep -x -e isomap -e spectral | paste -sd, -)
DATA=${DATA:-$src/tests/data}
PEER=${PEER:-$src/../shared/peers/sklearn_dr.py}
BENCH=${BENCH:-./tests/bench/dr_bench}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for ds in $DATASETS; do
	seed=0
	while [ "$seed" -lt "$SEEDS" ]; do
		"$BENCH" --csv "$DATA/$ds.csv" --ratios "$RATIOS" \
			--repeats "$REPEATS" --seed "$seed" --methods "$METHODS" \
			>> "$tmp/ours.$ds"
		[ -z "$fast" ] || /usr/bin/python3 "$PEER" --csv "$DATA/$ds.csv" \
			--ratios "$RATIOS" --repeats "$REPEATS" --threads 1 \
			--seed "$seed" --methods "$fast" >> "$tmp/peer.$ds" 2>/dev/null
		[ -z "$slow" ] || /usr/bin/python3 "$PEER" --csv "$DATA/$ds.csv" \
			--ratios "$RATIOS" --repeats 1 --threads 1 --seed "$seed" \
			--methods "$slow" >> "$tmp/peer.$ds" 2>/dev/null
		seed=$((seed + 1))
	done
	cp "$tmp/ours.$ds" "${KEEP:-/dev/null}.ours.$ds" 2>/dev/null || true
	cp "$tmp/peer.$ds" "${KEEP:-/dev/null}.peer.$ds" 2>/dev/null || true
	/usr/bin/python3 - "$ds" "$tmp/ours.$ds" "$tmp/peer.$ds" <<'PY'
import json, statistics, sys
name, ours_f, peer_f = sys.argv[1:]
order = ["pca", "fa", "ica", "isomap", "spectral", "rp_gauss", "rp_pm1",
         "rp_sparse3", "rp_auto"]
def load(path):
    runs = {}
    for r in map(json.loads, open(path)):
        t = r["fit_s"] + (r["transform_s"] or 0.0)
        runs.setdefault((r["method"], r["target"]), []).append((t, r))
    return runs
ours, peer = load(ours_f), load(peer_f)
print(f"\n### {name}\n")
print("| method | ratio | k | fit rows (ours/sklearn) | ours fit+transform (s) "
      "| sklearn fit+transform (s) | sklearn / ours |")
print("|---|---|---|---|---|---|---|")
for (m, k) in sorted(ours, key=lambda x: (order.index(x[0]), -x[1])):
    if (m, k) not in peer:
        continue
    o = statistics.median(t for t, _ in ours[(m, k)])
    p = statistics.median(t for t, _ in peer[(m, k)])
    ro, rp = ours[(m, k)][0][1], peer[(m, k)][0][1]
    mark = "" if p / o >= 2 else " (miss)"
    print(f"| {m} | {ro['ratio']:g} | {k} | {ro['fit_rows']}/{rp['fit_rows']} | "
          f"{o:.5f} | {p:.5f} | {p / o:.1f}x{mark} |")
PY
done
