#!/bin/sh
# tests/bench/lenet5.sh -- issue 13's speed and accuracy figures in one run:
# a LeNet-5 training epoch with the engine (bench_epoch --net lenet5) and
# with PyTorch (../shared/peers/torch_lenet5.py), same data, same training,
# each with 1 and 2 threads, interleaved so both see the machine's state.
# By hand only; see tests/bench/README.md.
#
#   tests/bench/lenet5.sh BUILDDIR MNIST_IDX_DIR [EPOCHS]
#
# BUILDDIR: a build without sanitizers (../configure, default -O2).
# MNIST_IDX_DIR: tests/bench/mnist.sh prints it.  OPENBLAS_CORETYPE, when
# set, goes to both (the first line says which OpenBLAS core ran).
set -eu
build=${1:?usage: lenet5.sh BUILDDIR MNIST_IDX_DIR [EPOCHS]}
idx=${2:?usage: lenet5.sh BUILDDIR MNIST_IDX_DIR [EPOCHS]}
epochs=${3:-1}
here=$(cd "$(dirname "$0")" && pwd)
peers=${SCANN_PEERS:-$here/../../../shared/peers}

echo "# $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)" \
	"OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-}"
for t in 1 2; do
	echo "# scann bench_epoch --net lenet5, $t thread(s)"
	OPENBLAS_VERBOSE=2 OPENBLAS_NUM_THREADS=$t "$build/tests/bench/bench_epoch" \
		--net lenet5 --idx "$idx" --threads "$t" --epochs "$epochs"
	echo "# torch_lenet5.py, $t thread(s)"
	/usr/bin/python3 "$peers/torch_lenet5.py" --idx "$idx" --epochs "$epochs" \
		--threads "$t"
done
echo "# end $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
