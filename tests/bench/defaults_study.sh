#!/bin/sh
# tests/bench/defaults_study.sh -- issue 11's study targets with nothing
# tuned: for each dataset of ../shared/datasets, a spec of `dataset`,
# `split` (Statlog files keep their test_last) and "task": "study" only,
# 2 threads.  Prints, per dataset, the wall time and each method's H.A.,
# M.C. (the paper's rule: test accuracy at least the baseline's) and M.C.
# at the job's target, with compression; DR+SCANN at equal accuracy loss
# where it cannot keep the target.  By hand (minutes per dataset):
#
#   tests/bench/defaults_study.sh BUILDDIR [OUTDIR] [DATASET...]
set -eu
build=$(cd "${1:?usage: defaults_study.sh BUILDDIR [OUTDIR] [DATASET...]}" && pwd)
out=${2:-/tmp/scann-defaults-study}
shift; [ $# -gt 0 ] && shift
here=$(cd "$(dirname "$0")" && pwd)
data=$(cd "$here/../../../shared/datasets" && pwd)
sets=${*:-iris wine breast_cancer digits vehicle satellite dna}
. "$here/defaults_spec.sh"
mkdir -p "$out"
for name in $sets; do
	default_spec "$name" "$data/$name.csv" '"task": "study"' > "$out/$name.json"
	start=$(date +%s.%N)
	"$build/worker/scann-worker" run --out "$out/$name" "$out/$name.json" \
		> "$out/$name.ndjson"
	end=$(date +%s.%N)
	echo "$name $start $end" >> "$out/times"
done
/usr/bin/python3 - "$out" $sets <<'PY'
import json, math, os, sys
out, sets = sys.argv[1], sys.argv[2:]
times = {}
for line in open(os.path.join(out, "times")):
    n, a, b = line.split()
    times[n] = float(b) - float(a)
def cell(p):
    return "-" if not p else "%.2f%% / %d / %.1fx" % (100 * p["test_acc"], p["params"], p["compression"])
print("| dataset | baseline test / params | SCANN M.C. at target | DR+SCANN H.A. | DR+SCANN M.C. | DR+SCANN M.C. at target | equal loss: SCANN / DR+SCANN | wall s |")
print("|---|---|---|---|---|---|---|---:|")
mc = []
for n in sets:
    with open(os.path.join(out, n + ".ndjson")) as f:
        r = json.loads(f.readlines()[-1])
    if r.get("type") != "result":
        print("| %s | (failed) |" % n)
        continue
    b, d = r["baseline"], r["dr+scann"]
    eq = r.get("equal_loss")
    eqs = "-" if not eq else "loss %.2f pt: %s vs %s" % (100 * eq["val_loss"], cell(eq["scann"]), cell(eq["dr+scann"]))
    if d["mc_target"]:
        mc.append(d["mc_target"]["compression"])
    print("| %s | %.2f%% / %d | %s | %s | %s | %s | %s | %.0f |" % (
        n, 100 * b["test_acc"], b["params"], cell(r["scann"]["mc_target"]), cell(d["ha"]),
        cell(d["mc"]), cell(d["mc_target"]), eqs, times.get(n, 0)))
if mc:
    print("\nDR+SCANN M.C. at target on %d of %d; geometric mean of its compression %.1fx" % (
        len(mc), len(sets), math.exp(sum(map(math.log, mc)) / len(mc))))
PY
