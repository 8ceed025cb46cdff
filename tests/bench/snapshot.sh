#!/bin/bash
# tests/bench/snapshot.sh -- what training snapshots (worker/snapshot.h)
# cost and save.  By hand only:
#
#   tests/bench/snapshot.sh BUILD [DIR]      (DIR default /tmp/snapbench)
#
# On synthetic 28x28 IDX images (no download): a LeNet-5-sized job (the
# lenet5 front and 500 hidden, 431,080 parameters, SGD as the lenet5
# presets train) and a Ciresan-sized MLP (784-2500-2000-1500-1000-500-10,
# 11.97M weights, SGD as table4.sh).  Prints each snapshot's size and write
# time (run --timings), then the LeNet-5 job's 40-epoch baseline stopped
# after AFTER seconds (default 30) three ways and resumed: SIGKILL with a
# snapshot every 5 s, SIGTERM with the default 60 s (the stop's own
# snapshot), SIGTERM with snapshots off (the old behaviour): epochs the
# stopped run finished against those the resumed run restored.
set -eu
build=$(cd "$1" && pwd)
dir=${2:-/tmp/snapbench}
after=${AFTER:-30}
W=$build/worker/scann-worker
mkdir -p "$dir"
cd "$dir"

python3 - <<'EOF'
import os, random, struct
random.seed(3)
def write(d, prefix, n):
    os.makedirs(d, exist_ok=True)
    with open('%s/%s-images-idx3-ubyte' % (d, prefix), 'wb') as im, \
         open('%s/%s-labels-idx1-ubyte' % (d, prefix), 'wb') as lb:
        im.write(struct.pack('>IIII', 0x803, n, 28, 28))
        lb.write(struct.pack('>II', 0x801, n))
        for r in range(n):
            y = r % 10
            px = bytearray(random.randrange(40) for _ in range(784))
            for k in range(28):   # a bar whose place is the class
                px[(3 + y * 5) * 28 + k if y < 5 else k * 28 + 3 + (y - 5) * 5] = 255
            im.write(bytes(px))
            lb.write(bytes([y]))
write('lenet', 'train', 2000); write('lenet', 't10k', 300)
write('mlp', 'train', 400); write('mlp', 't10k', 100)
EOF

cat >lenet.json <<EOF
{"dataset": "$dir/lenet", "front": {"preset": "lenet5"}, "baseline": {"hidden": [500]},
 "scheme": "C", "split": {"validation": 0.2},
 "scann": {"iterations": 1, "epochs_per_step": 1, "initial_prune": 0.95,
           "growth": {"mode": "full"}, "pruning": {"keep": 5000}},
 "train": {"epochs": 40, "patience": 1000, "optimizer": "sgd", "lr": 0.03,
           "momentum": 0.9, "weight_decay": 1e-4, "batch": 64}}
EOF
cat >mlp.json <<EOF
{"dataset": "$dir/mlp", "baseline": {"hidden": [2500, 2000, 1500, 1000, 500]},
 "scheme": "C", "split": {"validation": 0.2},
 "scann": {"iterations": 1, "epochs_per_step": 1, "initial_prune": 0.9,
           "growth": {"mode": "full"}, "pruning": {"fraction": 0.5}},
 "train": {"epochs": 3, "patience": 1000, "optimizer": "sgd", "lr": 0.01,
           "momentum": 0.9, "weight_decay": 1e-4, "batch": 64}}
EOF

# Sizes and write times: a snapshot at every epoch end of the baselines.
for job in lenet mlp; do
	rm -rf "size-$job"
	"$W" run --timings --snapshot-every 0 --out "size-$job" "$job.json" \
		>"size-$job.ndjson" 2>"size-$job.err" &
	pid=$!
	# three baseline epochs are enough
	while [ "$(grep -c '"type":"epoch"' "size-$job.ndjson")" -lt 3 ]; do
		sleep 0.2
	done
	kill -TERM $pid
	wait $pid || true
	echo "== $job: snapshots (size, write time incl. fsync)"
	grep -h "training snapshot" "size-$job.err"
done

# Work lost by a stop after $after s.
lost() {
	local tag=$1 sig=$2 st
	shift 2
	rm -rf "$tag"
	"$W" run --out "$tag" "$@" lenet.json >"$tag.ndjson" 2>"$tag.err" &
	pid=$!
	sleep "$after"
	kill "-$sig" $pid
	st=0
	wait $pid || st=$?
	echo "== $tag: SIG$sig after ${after} s (exit $st), $*: $(grep -c '"type":"epoch"' "$tag.ndjson") epochs finished before the stop"
	"$W" run --resume "$tag" >"$tag-rest.ndjson" 2>"$tag-rest.err"
	grep -h "resumed from\|epochs trained" "$tag-rest.err" || true
	cmp -s "$tag/model.json" ref/model.json && echo "   model.json: the uninterrupted run's"
}
"$W" run --out ref lenet.json >ref.ndjson 2>ref.err
lost kill5 KILL --snapshot-every 5
lost term60 TERM
lost termoff TERM --snapshot-every off
