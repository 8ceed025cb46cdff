#!/bin/bash
# cortex_m.sh [MODEL DATA] -- an export (scann-worker export) built for a
# Cortex-M3 and run on an emulated board, row by row against the host.
#
# For each of the formats c and c-int8:
#   - NAME.c alone is compiled with `arm-none-eabi-gcc -mcpu=cortex-m3
#     -mthumb -Os -std=c99 -Wall -Wextra -Wpedantic -Werror -fstack-usage`;
#     its .text/.rodata/.data/.bss bytes (arm-none-eabi-size -A) and the
#     predict function's stack bytes (-fstack-usage) are the model's cost on
#     the part, next to the export's own flash_bytes/ram_bytes;
#   - harness.c (the host harness, unchanged) + cortex_m_startup.c (vector
#     table, reset handler) + NAME.c, linked by cortex_m.ld for QEMU's
#     mps2-an385 (code at 0x0, data at 0x20000000) against newlib with
#     semihosting (--specs=rdimon.specs -nostartfiles), runs under
#     `qemu-system-arm -M mps2-an385 -semihosting-config
#     enable=on,target=native,arg=harness,arg=DATA`: it reads DATA through
#     semihosting file I/O and prints a line per row (class, scores with 9
#     significant digits, the row's label);
#   - the same harness built for the host with gcc -O2 reads DATA too;
#   - `scann-worker predict --each MODEL DATA` is the engine's class per row.
# One JSON line per format on stdout: the object's sizes, the whole ELF's,
# the export's figures, rows, rows whose class is the engine's, rows whose
# printed line (class and scores) is the host build's, the emulator's
# accuracy on DATA's labels, the emulator's wall seconds.  Pass: every row's
# line is the host's (both formats), and the float code's class is the
# engine's on every row.  Exit 0 pass, 1 fail, 2 usage, 77 (skip) without
# the arm toolchain, newlib or qemu-system-arm.
#
# With no arguments (`make check`): small models synthesized here from the
# bundled data (satellite, and dna with the sparse random projection folded
# in) and a convolutional front on images (bars_csv.sh), checked over their
# test rows.
#
# The worker is $SCANN_WORKER, else $SCANN_BUILDDIR/worker/scann-worker,
# else scann-worker on PATH.  CORTEX_M_TIMEOUT: seconds per emulator run
# (default 900).  CORTEX_M_KEEP=DIR keeps the exports, ELFs and outputs.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${SCANN_WORKER:-}" ]; then
	W=$SCANN_WORKER
elif [ -n "${SCANN_BUILDDIR:-}" ]; then
	W=$SCANN_BUILDDIR/worker/scann-worker
else
	W=$(command -v scann-worker) || { echo "cortex_m.sh: no scann-worker (set SCANN_WORKER)" >&2; exit 2; }
fi
TIMEOUT=${CORTEX_M_TIMEOUT:-900}
ARM_CFLAGS="-mcpu=cortex-m3 -mthumb -Os -std=c99 -Wall -Wextra -Wpedantic -Werror"

if [ $# -ne 0 ] && [ $# -ne 2 ]; then
	echo "usage: cortex_m.sh [MODEL DATA]" >&2
	exit 2
fi
for tool in arm-none-eabi-gcc arm-none-eabi-size qemu-system-arm; do
	command -v $tool >/dev/null || { echo "cortex_m.sh: no $tool: skipped" >&2; exit 77; }
done

if [ -n "${CORTEX_M_KEEP:-}" ]; then
	T=$CORTEX_M_KEEP
	mkdir -p "$T" || exit 2
else
	T=$(mktemp -d)
	trap 'rm -rf "$T"' EXIT
fi
# newlib with semihosting (libnewlib-arm-none-eabi) is a package of its own.
printf 'int main(void) { return 0; }\n' >"$T/probe.c"
arm-none-eabi-gcc $ARM_CFLAGS --specs=rdimon.specs -nostartfiles -T "$here/cortex_m.ld" \
	-o "$T/probe.elf" "$here/cortex_m_startup.c" "$T/probe.c" >/dev/null 2>&1 ||
	{ echo "cortex_m.sh: arm-none-eabi-gcc links no newlib with semihosting (libnewlib-arm-none-eabi): skipped" >&2; exit 77; }

FAILS=0
# json_field FILE KEY: a number or string of a one-line JSON object.
json_field() { sed -n "s/.*\"$2\":\"\\{0,1\\}\\([^,\"}]*\\).*/\\1/p" "$1"; }
# section_size SIZE_A_OUTPUT SECTION: the bytes of SECTION and its
# SECTION.* input sections (an object's .rodata.str1.1: the class names).
section_size() { awk -v s="$2" '$1 == s || index($1, s ".") == 1 { n += $2 } END { print n + 0 }' "$1"; }
sizes_json() {
	printf '{"text":%d,"rodata":%d,"data":%d,"bss":%d}' \
		"$(section_size "$1" .text)" "$(section_size "$1" .rodata)" \
		"$(section_size "$1" .data)" "$(section_size "$1" .bss)"
}

# check MODEL DATA TAG: both formats of MODEL over DATA; one JSON line each.
check() {
	local model=$1 data=$2 tag=$3 fmt
	local d="$T/$tag"

	mkdir -p "$d"
	if ! "$W" predict --each "$model" "$data" >"$d/engine" 2>"$d/engine.err"; then
		echo "cortex_m.sh: $tag: predict --each: $(tail -1 "$d/engine.err")" >&2
		FAILS=$((FAILS + 1)); return
	fi
	for fmt in c c-int8; do
		local out="$d/$fmt" name ret rows agree_engine agree_host acc t0 t1 stack
		if ! "$W" export "$model" --format $fmt --out "$out" >"$d/$fmt.json" 2>"$d/$fmt.err"; then
			echo "cortex_m.sh: $tag $fmt: export: $(tail -1 "$d/$fmt.err")" >&2
			FAILS=$((FAILS + 1)); continue
		fi
		name=$(basename "$(json_field "$d/$fmt.json" source)" .c)
		# The model alone, as it would sit in firmware.
		if ! arm-none-eabi-gcc $ARM_CFLAGS -fstack-usage -c -o "$d/$fmt.o" \
			"$out/$name.c" 2>"$d/$fmt.cc.err"; then
			echo "cortex_m.sh: $tag $fmt: arm-none-eabi-gcc: $(head -3 "$d/$fmt.cc.err")" >&2
			FAILS=$((FAILS + 1)); continue
		fi
		arm-none-eabi-size -A "$d/$fmt.o" >"$d/$fmt.o.size"
		stack=$(awk -v f="${name}_predict" '$0 ~ ":" f "\t" { print $2 }' "$d/$fmt.su")
		# The emulated board's program, and the same harness on the host.
		if ! arm-none-eabi-gcc $ARM_CFLAGS --specs=rdimon.specs -nostartfiles \
			-T "$here/cortex_m.ld" -I"$out" -o "$d/$fmt.elf" \
			"$here/cortex_m_startup.c" "$here/harness.c" "$out/$name.c" 2>"$d/$fmt.ld.err"; then
			echo "cortex_m.sh: $tag $fmt: link: $(head -3 "$d/$fmt.ld.err")" >&2
			FAILS=$((FAILS + 1)); continue
		fi
		arm-none-eabi-size -A "$d/$fmt.elf" >"$d/$fmt.elf.size"
		if ! gcc -std=c99 -O2 -I"$out" -o "$d/$fmt.host" "$here/harness.c" "$out/$name.c" ||
			! "$d/$fmt.host" "$data" >"$d/$fmt.host.out"; then
			echo "cortex_m.sh: $tag $fmt: host harness failed" >&2
			FAILS=$((FAILS + 1)); continue
		fi
		t0=$(date +%s.%N)
		timeout "$TIMEOUT" qemu-system-arm -M mps2-an385 -nographic -monitor none -serial none \
			-semihosting-config "enable=on,target=native,arg=harness,arg=$data" \
			-kernel "$d/$fmt.elf" >"$d/$fmt.arm.out" 2>"$d/$fmt.arm.err"
		ret=$?
		t1=$(date +%s.%N)
		rows=$(wc -l <"$d/engine")
		agree_engine=$(paste "$d/engine" "$d/$fmt.arm.out" | awk -F'\t' '$1 == $2 { n++ } END { print n + 0 }')
		agree_host=$(awk 'NR == FNR { h[FNR] = $0; next } h[FNR] == $0 { n++ } END { print n + 0 }' \
			"$d/$fmt.host.out" "$d/$fmt.arm.out")
		acc=$(awk -F'\t' '{ n++; c += $1 == $NF } END { printf "%.6f", n ? c / n : 0 }' "$d/$fmt.arm.out")
		printf '{"model":"%s","data":"%s","format":"%s","cpu":"cortex-m3","cflags":"%s","object":%s,"predict_stack_bytes":%s,"export":{"flash_bytes":%s,"ram_bytes":%s,"params":%s,"macs":%s},"elf":%s,"rows":%d,"arm_lines":%d,"qemu_exit":%d,"agree_engine":%d,"agree_host":%d,"arm_acc":%s,"qemu_s":%.2f}\n' \
			"$model" "$data" "$fmt" "$ARM_CFLAGS" "$(sizes_json "$d/$fmt.o.size")" "${stack:-null}" \
			"$(json_field "$d/$fmt.json" flash_bytes)" "$(json_field "$d/$fmt.json" ram_bytes)" \
			"$(json_field "$d/$fmt.json" params)" "$(json_field "$d/$fmt.json" macs)" \
			"$(sizes_json "$d/$fmt.elf.size")" "$rows" "$(wc -l <"$d/$fmt.arm.out")" "$ret" \
			"$agree_engine" "$agree_host" "$acc" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
		if [ "$ret" -ne 0 ] || [ "$agree_host" -ne "$rows" ] ||
			[ "$(wc -l <"$d/$fmt.arm.out")" -ne "$rows" ] ||
			{ [ $fmt = c ] && [ "$agree_engine" -ne "$rows" ]; }; then
			echo "cortex_m.sh: $tag $fmt: FAIL (qemu exit $ret, $agree_host of $rows lines as the host's, $agree_engine classes as the engine's; $(head -2 "$d/$fmt.arm.err"))" >&2
			FAILS=$((FAILS + 1))
		fi
	done
}

if [ $# -eq 2 ]; then
	[ -r "$1" ] && [ -r "$2" ] || { echo "cortex_m.sh: cannot read $1 or $2" >&2; exit 2; }
	check "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" \
		"$(cd "$(dirname "$2")" && pwd)/$(basename "$2")" model
else
	DATA="${SCANN_TEST_DATA:?no MODEL DATA and no SCANN_TEST_DATA}"
	# Small, fast specs (as test_export.sh's); their test rows go through.
	spec() {
		printf '{"dataset":"%s/%s.csv","baseline":{"hidden":[16]},"train":{"epochs":20},"target":{"max_steps":3}%s}\n' \
			"$DATA" "$2" "$3" >"$T/$1.json"
	}
	spec satellite satellite ''
	spec dna-rps dna ',"dr":{"methods":["rp-sparse"],"ratios":[2]}'
	# a convolutional front (test_export.sh's) on 17x17 images
	bash "$here/bars_csv.sh" 300 17 >"$T/bars.csv"
	printf '{"dataset":"%s/bars.csv","front":{"input":[1,17,17],"layers":[%s]},"baseline":{"hidden":[12]},"scheme":"C","split":{"validation":0.2},"scann":{"iterations":2,"epochs_per_step":2,"initial_prune":0.5,"pruning":{"fraction":0.5}},"train":{"epochs":8,"batch":16,"lr":0.01}}\n' \
		"$T" '{"type":"conv","maps":4,"kernel":3},{"type":"relu"},{"type":"pool"},{"type":"conv","maps":6,"kernel":3},{"type":"pool"},{"type":"conv","maps":8,"kernel":1},{"type":"relu"}' \
		>"$T/front.json"
	for tag in satellite dna-rps front; do
		if ! "$W" run --out "$T/$tag.run" "$T/$tag.json" >/dev/null 2>"$T/$tag.err" ||
			! "$W" split "$T/$tag.json" --out "$T/$tag.rows" >/dev/null 2>>"$T/$tag.err"; then
			echo "cortex_m.sh: $tag: run/split failed: $(tail -1 "$T/$tag.err")" >&2
			FAILS=$((FAILS + 1)); continue
		fi
		check "$T/$tag.run/model.json" "$T/$tag.rows/test.csv" "$tag"
	done
fi
[ $FAILS -eq 0 ]
