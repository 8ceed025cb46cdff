#!/bin/bash
# c_export_bench.sh WORKER DIR -- the C export's figures for satellite and
# dna (issue 14's report; tests/bench/README.md, "C export"), by hand.
#
# For each dataset, the default spec (dataset and Statlog's test split
# only, 2 threads) is synthesized into DIR/NAME unless DIR/NAME/model.json
# exists, its rows written by `split`; then for the synthesized network
# (model.json) and the baseline (baseline.json), each as c and c-int8:
#   - the export's JSON (flash_bytes, ram_bytes, params, macs, float_acc,
#     int8_acc);
#   - cortex_m.sh over the test rows: the model object's sizes for a
#     Cortex-M3 at -Os, predict's stack, agreement with the host build and
#     with the engine, on qemu-system-arm -M mps2-an385;
#   - host time per row of the generated code (time_harness.c, gcc -O2,
#     rows in memory, best of 7 rounds);
#   - the engine's `scann-worker predict --all MODEL test.csv` (one BLAS
#     thread): wall time of the whole command per row (start, model and CSV
#     loading included), best of 5, and the marginal time per row (the test
#     rows 20 times over minus once, over 19 x rows: loading the CSV
#     included, start-up not).
# Prints one JSON line per (dataset, network, format) and then the table's
# markdown rows.  Needs gcc, arm-none-eabi-gcc, libnewlib-arm-none-eabi,
# qemu-system-arm.
set -eu
[ $# -eq 2 ] || { echo "usage: c_export_bench.sh WORKER DIR" >&2; exit 2; }
W=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
DIR=$2
here=$(cd "$(dirname "$0")" && pwd)
DATA=$(cd "$here/../data" && pwd)
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
export OPENBLAS_NUM_THREADS=1

json_field() { sed -n "s/.*\"$2\":\"\\{0,1\\}\\([^,\"}]*\\).*/\\1/p" "$1"; }
now() { date +%s%N; }
# best_ns N CMD...: the fastest of N runs of CMD, in nanoseconds.
best_ns() {
	local n=$1 best=0 t0 t i
	shift
	for i in $(seq "$n"); do
		t0=$(now)
		"$@" >/dev/null
		t=$(($(now) - t0))
		{ [ "$best" -eq 0 ] || [ "$t" -lt "$best" ]; } && best=$t
	done
	echo "$best"
}

: >"$DIR/table.md"
: >"$DIR/results.ndjson"
for ds in satellite:2000 dna:1186; do
	name=${ds%%:*} test_last=${ds##*:}
	d="$DIR/$name"
	printf '{"dataset": "%s/%s.csv", "split": {"test_last": %d}, "resources": {"threads": 2}}\n' \
		"$DATA" "$name" "$test_last" >"$DIR/$name.json"
	if [ ! -f "$d/model.json" ]; then
		t0=$(now)
		"$W" run --out "$d" "$DIR/$name.json" >"$DIR/$name.ndjson"
		echo "{\"dataset\":\"$name\",\"run_s\":$((($(now) - t0) / 1000000000))}"
	fi
	[ -f "$d/rows/test.csv" ] || "$W" split "$DIR/$name.json" --out "$d/rows" >/dev/null
	rows="$d/rows/test.csv"
	n=$(($(wc -l <"$rows") - 1))
	{ head -1 "$rows"; for i in $(seq 20); do tail -n +2 "$rows"; done; } >"$d/rows/test20.csv"
	for net in model baseline; do
		m="$d/$net.json"
		e1=$(best_ns 5 "$W" predict --all "$m" "$rows")
		e20=$(best_ns 3 "$W" predict --all "$m" "$d/rows/test20.csv")
		# Both formats on the emulated Cortex-M3: a JSON line each.
		SCANN_WORKER="$W" "$here/cortex_m.sh" "$m" "$rows" >"$d/$net.arm" ||
			echo "cortex_m.sh: $name $net failed" >&2
		for fmt in c c-int8; do
			out="$d/$net-$fmt"
			"$W" export "$m" --format $fmt --out "$out" >"$out.json"
			gcc -std=c99 -O2 -I"$out" -o "$out.time" "$here/time_harness.c" "$out/scann_model.c"
			"$out.time" "$rows" >"$out.timing"
			arm=$(grep -F "\"format\":\"$fmt\"" "$d/$net.arm" || echo '{}')
			line=$(printf '{"dataset":"%s","network":"%s","format":"%s","rows":%d,"export":%s,"host":%s,"engine_predict_ns_per_row":%d,"engine_marginal_ns_per_row":%d,"arm":%s}' \
				"$name" "$net" "$fmt" "$n" "$(cat "$out.json")" "$(cat "$out.timing")" \
				$((e1 / n)) $(((e20 - e1) / (19 * n))) "$arm")
			echo "$line"
			echo "$line" >>"$DIR/results.ndjson"
			# | dataset | network | format | params | MACs | test acc (int8 change) | export flash / RAM |
			# M3 object .text / .rodata / .data / .bss | predict's stack | rows as host / as engine / rows |
			# host ns/row | engine predict ns/row: whole command, marginal |
			awk -v ds="$name" -v net="$net" -v fmt="$fmt" -v n="$n" \
				-v e1=$((e1 / n)) -v em=$(((e20 - e1) / (19 * n))) \
				-v ex="$(cat "$out.json")" -v tm="$(cat "$out.timing")" -v arm="$arm" '
				function f(s, k,   r) { if (!match(s, "\"" k "\":[^,}]*")) return "?"; r = substr(s, RSTART + length(k) + 3, RLENGTH - length(k) - 3); gsub(/"/, "", r); return r }
				function obj(s, k) { return match(s, "\"" k "\":{[^}]*}") ? substr(s, RSTART, RLENGTH) : "" }
				BEGIN {
					acc = fmt == "c" ? f(ex, "float_acc") : f(ex, "int8_acc")
					chg = fmt == "c" ? "" : sprintf(" (%+.2f)", 100 * f(ex, "int8_change"))
					o = obj(arm, "object")
					printf "| %s | %s | %s | %s | %s | %.2f%%%s | %s / %s | %s / %s / %s / %s | %s | %s / %s / %s | %.0f | %d / %d |\n",
						ds, net == "model" ? "SCANN" : "baseline", fmt, f(ex, "params"), f(ex, "macs"),
						100 * acc, chg, f(ex, "flash_bytes"), f(ex, "ram_bytes"),
						f(o, "text"), f(o, "rodata"), f(o, "data"), f(o, "bss"),
						f(arm, "predict_stack_bytes"), f(arm, "agree_host"), f(arm, "agree_engine"), n,
						f(tm, "ns_per_row"), e1, em
				}' >>"$DIR/table.md"
		done
	done
done
cat "$DIR/table.md"
