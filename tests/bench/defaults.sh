#!/bin/sh
# tests/bench/defaults.sh -- issue 11's quality targets with nothing tuned:
# every dataset of ../shared/datasets with a spec of `dataset` and `split`
# only (the Statlog files keep their test_last), task synthesize, default
# scheme.  Per dataset: the job (baseline, best, compression, target_met,
# wall time with 2 threads), scikit-learn's best MLP on the job's exact rows
# (`scann-worker split` + ../shared/peers/sklearn_mlp.py) and iterative
# magnitude pruning of the same MLP shape (../shared/peers/torch_prune.py,
# its own 70/15/15 split).  By hand, some minutes; Debian's python3-sklearn
# and python3-torch are needed for the peers (skipped without them):
#
#   tests/bench/defaults.sh BUILDDIR [OUTDIR] [DATASET...]
#
# SCANN_DATA=DIR takes DATASET.csv from DIR instead (data the defaults were
# never looked at on; its files are CSVs with the class in the last column).
# PEERS=0 skips the peers (their figures depend on the rows only, not on
# the search).
set -eu
build=$(cd "${1:?usage: defaults.sh BUILDDIR [OUTDIR] [DATASET...]}" && pwd)
out=${2:-/tmp/scann-defaults}
shift; [ $# -gt 0 ] && shift
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
data=${SCANN_DATA:-$top/../shared/datasets}
peers=$top/../shared/peers
py=/usr/bin/python3
sets=${*:-iris wine breast_cancer digits vehicle satellite dna}
. "$here/defaults_spec.sh"
mkdir -p "$out"
for name in $sets; do
	default_spec "$name" "$data/$name.csv" > "$out/$name.json"
	start=$(date +%s.%N)
	"$build/worker/scann-worker" run --out "$out/$name" "$out/$name.json" \
		> "$out/$name.ndjson"
	end=$(date +%s.%N)
	tail -1 "$out/$name.ndjson" |
		$py -c 'import json,sys; e=json.load(sys.stdin); print(json.dumps({"dataset": sys.argv[1], "wall_s": round(float(sys.argv[3])-float(sys.argv[2]),1), "baseline": e["baseline"], "best": e["best"], "compression": e["compression"], "target_met": e["target_met"], "target": e["target"]}))' \
		"$name" "$start" "$end" > "$out/$name.scann.json"
	if [ "${PEERS:-1}" != 0 ] && $py -c 'import sklearn, torch' 2>/dev/null; then
		"$build/worker/scann-worker" split "$out/$name.json" --out "$out/$name-rows" >/dev/null
		$py "$peers/sklearn_mlp.py" --train "$out/$name-rows/train.csv" \
			--val "$out/$name-rows/validation.csv" \
			--test "$out/$name-rows/test.csv" | tail -1 > "$out/$name.sklearn.json"
		hidden=$($py - "$out/$name.ndjson" <<'PY'
import json, sys
best = None
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("type") == "candidate" and e.get("stage") == "baseline":
        n = e["network"]
        if best is None or n["val_acc"] > best[0] or (n["val_acc"] == best[0] and n["params"] < best[1]):
            best = (n["val_acc"], n["params"], e["hidden_layers"])
print(",".join(str(h) for h in best[2]))
PY
)
		(cd "$peers" && $py torch_prune.py --csv "$data/$name.csv" --hidden "$hidden" \
			--epochs 50 --rounds 12 --sparsity 0.995 --threads 2) | tail -1 > "$out/$name.prune.json"
	fi
done
$py "$here/defaults_table.py" "$out" $sets
