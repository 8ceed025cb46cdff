#!/bin/sh
# tests/bench/table3.sh -- the paper's Table III on MNIST (issue 13):
# LeNet-5's baseline, magnitude pruning on the same split, and schemes A,
# B and C, each a scann-worker job from a preset ("preset": "lenet5-a",
# ...), with the budget below; then the table (tests/bench/table3.py).
# By hand only; see tests/bench/README.md.
#
#   tests/bench/table3.sh BUILDDIR MNIST_IDX_DIR OUT [EPOCHS [STEP_EPOCHS]]
#
# BUILDDIR: a build without sanitizers.  MNIST_IDX_DIR: tests/bench/mnist.sh
# prints it.  OUT: a directory for the specs, event streams and artefacts.
# EPOCHS: the baseline's (and scheme A's start's) training epochs (default
# 4); STEP_EPOCHS: the epochs after each architecture step (default 1).
# The four jobs run side by side, one thread each (--timings gives the
# wall seconds).  SCHEDULE: the learning-rate schedule of every training
# (default cosine: each training anneals from lr 0.03, so each fine-tune
# after a step starts high again -- learning-rate rewinding).
# OPENBLAS_CORETYPE, when set, is passed on.
set -eu
build=${1:?usage: table3.sh BUILDDIR MNIST_IDX_DIR OUT [EPOCHS [STEP_EPOCHS]]}
idx=${2:?usage: table3.sh BUILDDIR MNIST_IDX_DIR OUT [EPOCHS [STEP_EPOCHS]]}
out=${3:?usage: table3.sh BUILDDIR MNIST_IDX_DIR OUT [EPOCHS [STEP_EPOCHS]]}
epochs=${4:-4}
step=${5:-1}
schedule=${SCHEDULE:-cosine}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
idx=$(cd "$idx" && pwd)

# The paper's split: 50,000 / 10,000 / 10,000 (t10k is the test set).
common="\"dataset\": \"$idx\", \"split\": {\"validation\": 0.16666667, \"seed\": 1},
 \"train\": {\"epochs\": $epochs, \"patience\": $epochs, \"schedule\": \"$schedule\"},
 \"resources\": {\"threads\": 1, \"timeout_s\": 86400}"
# A, B, C: the presets with fewer iterations than the paper's budget.
cat > "$out/a.json" <<SPEC
{"name": "table3-A", "preset": "lenet5-a", $common,
 "scann": {"iterations": 2, "epochs_per_step": $step}}
SPEC
cat > "$out/b.json" <<SPEC
{"name": "table3-B", "preset": "lenet5-b", $common,
 "scann": {"iterations": 2, "epochs_per_step": $step}}
SPEC
cat > "$out/c.json" <<SPEC
{"name": "table3-C", "preset": "lenet5-c", $common,
 "scann": {"iterations": 3, "epochs_per_step": $step}}
SPEC
# Magnitude pruning of the whole network (kernels too) with retraining,
# no growth (Han et al. 2015): scheme C's recipe with growth "none", 90%
# and then half of what is left three times: about 5,400 weights, the
# compression C aims at.  (Its "grow-connections" epochs only retrain.)
cat > "$out/m.json" <<SPEC
{"name": "table3-magnitude", "preset": "lenet5-c", $common,
 "scann": {"iterations": 3, "epochs_per_step": $step, "initial_prune": 0.9,
  "growth": {"mode": "none"}, "pruning": {"fraction": 0.5}}}
SPEC
echo "# $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)" \
	"epochs $epochs step $step schedule $schedule" \
	"OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-}" | tee "$out/started"
# The run keeps the binary it used (a rebuild during the run changes nothing).
cp "$build/worker/scann-worker" "$out/scann-worker"
for j in a b c m; do
	"$out/scann-worker" run --timings --out "$out/$j" "$out/$j.json" \
		> "$out/$j.ndjson" 2> "$out/$j.err" &
done
wait
echo "# end $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/ended"
/usr/bin/python3 "$here/table3.py" "$out"
