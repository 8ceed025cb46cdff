#!/bin/bash
# test_export.sh -- scann-worker export, proven with real compilers: models
# synthesized by `scann-worker run` on the bundled data (satellite without
# DR and with PCA folded in, dna with the sparse random projection, vehicle
# with ICA), exported as c and c-int8, compiled
# with the flags the export promises (gcc, and clang when installed), and a
# harness (harness.c) that classifies every row of the data compared with
# the engine (`predict --each --scores`):
#   - predict --each prints one class name per row of the data;
#   - float code: the same class on 100% of rows, every score within 1e-5
#     of the engine's relative to the row's largest |score| (the engine's
#     dense levels are BLAS sgemm, whose summation order is its own);
#   - int8 code: test-split accuracy within 1 point of the float code's,
#     and exactly the int8_acc the export reported;
#   - an Isomap model is refused, saying why.
set -u
W="${SCANN_BUILDDIR:?}/worker/scann-worker"
DATA="${SCANN_TEST_DATA:?}"
HARNESS="${SCANN_SRCDIR:?}/tests/export/harness.c"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
FAILS=0
ok() { echo "ok - $*"; }
no() { echo "not ok - $*"; FAILS=$((FAILS + 1)); }
CFLAGS_STRICT="-std=c99 -Wall -Wextra -Wpedantic -Werror -O2"
COMPILERS=gcc
command -v clang >/dev/null && COMPILERS="gcc clang"

# json_field FILE KEY: a number or string of a one-line JSON object.
json_field() { sed -n "s/.*\"$2\":\"\\{0,1\\}\\([^,\"}]*\\).*/\\1/p" "$1"; }

# spec NAME DATASET EXTRA: a small, fast synthesis spec.
spec() {
	printf '{"dataset":"%s/%s.csv","baseline":{"hidden":[16]},"train":{"epochs":20},"target":{"max_steps":3}%s}\n' \
		"$DATA" "$2" "$3" >"$T/$1.json"
}
spec satellite satellite ''
spec satellite-pca satellite ',"dr":{"methods":["pca"],"ratios":[2]}'
spec dna-rps dna ',"dr":{"methods":["rp-sparse"],"ratios":[2]}'
spec vehicle-ica vehicle ',"dr":{"methods":["ica"],"ratios":[2]}'

check_case() {
	local name=$1 data=$2 k rows
	local dir="$T/$name"

	if ! "$W" run --out "$dir" "$T/$name.json" >"$T/$name.ndjson" 2>"$T/$name.err"; then
		no "$name: run failed: $(tail -1 "$T/$name.err")"; return
	fi
	"$W" split "$T/$name.json" --out "$dir/rows" >/dev/null || { no "$name: split"; return; }
	"$W" predict --each --scores "$dir/model.json" "$DATA/$data.csv" >"$T/$name.engine" ||
		{ no "$name: predict --each"; return; }
	rows=$(($(wc -l <"$DATA/$data.csv") - 1))
	[ "$(wc -l <"$T/$name.engine")" -eq "$rows" ] &&
		ok "$name: predict --each prints one line per row ($rows)" ||
		no "$name: predict --each printed $(wc -l <"$T/$name.engine") lines for $rows rows"
	k=$(awk -F'\t' 'NR == 1 { print NF - 1 }' "$T/$name.engine")
	for fmt in c c-int8; do
		local out="$dir/$fmt"
		if ! "$W" export "$dir/model.json" --format $fmt --out "$out" >"$T/$name.$fmt.json"; then
			no "$name: export $fmt"; continue
		fi
		grep -q '^#define SCANN_MODEL_FEATURES [0-9]' "$out/scann_model.h" &&
		grep -q '^#define scann_model_FEATURES SCANN_MODEL_FEATURES$' "$out/scann_model.h" &&
		grep -q '^#define scann_model_CLASSES SCANN_MODEL_CLASSES$' "$out/scann_model.h" &&
		grep -q '^extern const char \*const scann_model_class_names\[SCANN_MODEL_CLASSES\];' "$out/scann_model.h" &&
		grep -q 'int scann_model_predict(const float features\[SCANN_MODEL_FEATURES\],' "$out/scann_model.h" &&
			ok "$name $fmt: the header's contract" || no "$name $fmt: the header's contract"
		! grep -Eq 'malloc|#include <math.h>|^(float|int|double)[^(]*[=;]' "$out/scann_model.c" &&
			ok "$name $fmt: no malloc, no libm, no mutable globals" ||
			no "$name $fmt: malloc, libm or a mutable global in the code"
		for cc in $COMPILERS; do
			if ! $cc $CFLAGS_STRICT -I"$out" -o "$T/h-$name-$fmt-$cc" "$HARNESS" \
				"$out/scann_model.c" 2>"$T/cc.err"; then
				no "$name $fmt: $cc -std=c99 -Wall -Wextra -Wpedantic -Werror: $(head -3 "$T/cc.err")"
				continue
			fi
			ok "$name $fmt: compiles warning-free with $cc"
			"$T/h-$name-$fmt-$cc" "$DATA/$data.csv" >"$T/$name.$fmt.$cc.all"
			"$T/h-$name-$fmt-$cc" "$dir/rows/test.csv" >"$T/$name.$fmt.$cc.test"
		done
		[ -f "$T/$name.$fmt.gcc.all" ] || continue
		if [ $fmt = c ]; then
			paste "$T/$name.engine" "$T/$name.c.gcc.all" | awk -F'\t' -v k="$k" '
				$1 != $(k + 2) { bad++ }
				{ mx = 0
				  for (i = 2; i <= k + 1; i++) { a = $i < 0 ? -$i : $i; if (a > mx) mx = a }
				  if (mx == 0) mx = 1
				  for (i = 2; i <= k + 1; i++) {
					d = $i - $(i + k + 1); if (d < 0) d = -d
					if (d / mx > mr) mr = d / mx } }
				END { printf "%d %d %g\n", NR, bad, mr; exit !(bad == 0 && mr <= 1e-5) }' \
				>"$T/cmp" && ok "$name c: agrees with predict --each on every row, scores within 1e-5 ($(cat "$T/cmp"))" ||
				no "$name c: rows, disagreements, max relative score error: $(cat "$T/cmp")"
		else
			local fa ia rep
			fa=$(awk -F'\t' '{ n++; c += $1 == $NF } END { printf "%.9f", c / n }' "$T/$name.c.gcc.test")
			ia=$(awk -F'\t' '{ n++; c += $1 == $NF } END { printf "%.9f", c / n }' "$T/$name.c-int8.gcc.test")
			rep=$(json_field "$T/$name.c-int8.json" int8_acc)
			awk -v f="$fa" -v i="$ia" 'BEGIN { d = f - i; exit !(d <= 0.01 && d >= -0.01) }' &&
				ok "$name c-int8: test accuracy $ia, float $fa (within 1 point)" ||
				no "$name c-int8: test accuracy $ia, float $fa: more than 1 point apart"
			awk -v r="$rep" -v i="$ia" 'BEGIN { d = r - i; exit !(d < 1e-6 && d > -1e-6) }' &&
				ok "$name c-int8: the code scores what the export reported ($rep)" ||
				no "$name c-int8: the code scores $ia, the export reported $rep"
		fi
		[ "$COMPILERS" = "gcc clang" ] && {
			cmp -s "$T/$name.$fmt.gcc.all" "$T/$name.$fmt.clang.all" &&
				ok "$name $fmt: gcc and clang builds print the same" ||
				no "$name $fmt: gcc and clang builds differ"; }
	done
}

check_case satellite satellite
check_case satellite-pca satellite
check_case dna-rps dna
check_case vehicle-ica vehicle

# Isomap: refused with the reason, nothing written.
spec iris-iso iris ',"dr":{"methods":["isomap"],"ratios":[2]}'
if "$W" run --out "$T/iso" "$T/iris-iso.json" >/dev/null 2>&1; then
	"$W" export "$T/iso/model.json" --format c --out "$T/iso/c" >/dev/null 2>"$T/iso.err"
	rc=$?
	[ $rc -eq 2 ] && grep -q 'nearest-neighbour' "$T/iso.err" && [ ! -e "$T/iso/c/scann_model.c" ] &&
		ok "isomap model refused: $(cat "$T/iso.err")" ||
		no "isomap model: exit $rc, $(cat "$T/iso.err")"
else
	no "isomap run failed"
fi

# Bad usage.
"$W" export "$T/satellite/model.json" --format java --out "$T/x" 2>/dev/null
[ $? -eq 2 ] && ok "unknown format: exit 2" || no "unknown format accepted"
"$W" export "$T/satellite/model.json" --format c --out "$T/x" --name 9lives 2>/dev/null
[ $? -eq 2 ] && ok "a name that is no C identifier: exit 2" || no "bad name accepted"

[ $FAILS -eq 0 ]
