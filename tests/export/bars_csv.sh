#!/bin/bash
# bars_csv.sh ROWS SIDE -- a CSV of SIDE x SIDE grey images in three
# classes for the convolutional-front export tests (test_export.sh,
# cortex_m.sh): a bright bar across a random row (class "row"), down a
# random column ("column") or along the diagonal ("diagonal"), on faint
# noise; pixel_R_C columns then the label, as `scann-worker split` writes
# IDX images.  Deterministic: a linear congruential generator whose
# products stay exact in awk's doubles (below 2^53).
set -eu
rows=${1:?usage: bars_csv.sh ROWS SIDE}
side=${2:?usage: bars_csv.sh ROWS SIDE}
awk -v rows="$rows" -v side="$side" 'BEGIN {
	seed = 12345
	for (r = 0; r < side; r++)
		for (c = 0; c < side; c++)
			printf "pixel_%d_%d,", r, c
	print "label"
	split("row column diagonal", name, " ")
	for (n = 0; n < rows; n++) {
		y = n % 3
		for (k = 0; k < side * side; k++) {
			seed = (seed * 69069 + 1) % 4294967296
			px[k] = int(seed / 65536) % 60
		}
		seed = (seed * 69069 + 1) % 4294967296
		at = int(seed / 65536) % side
		for (k = 0; k < side; k++)
			px[y == 0 ? at * side + k : y == 1 ? k * side + at : k * (side + 1)] = 255
		for (k = 0; k < side * side; k++)
			printf "%d,", px[k]
		print name[y + 1]
	}
}'
