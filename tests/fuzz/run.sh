#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS] [TARGET...] -- build the libFuzzer targets with
# clang (ASan + UBSan + coverage) and fuzz each for SECONDS (default 60),
# growing tests/fuzz/corpus/<target>/.  Run by hand; `make check` only
# replays the committed corpora.  A crash leaves crash-* in the current
# directory: add it to the corpus once fixed.
set -euo pipefail
secs=${1:-60}
shift || true
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${FUZZ_OUT:-/tmp/scann-fuzz}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(csv idx spec)
mkdir -p "$out"
for t in "${targets[@]}"; do
	clang -g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-I"$top" -include "$here/config-fuzz.h" \
		"$here/fuzz_$t.c" "$here/scratch.c" \
		"$top"/worker/job/{error,rng,dataset,split,spec}.c \
		$(pkg-config --cflags --libs jansson zlib) -lm -o "$out/fuzz_$t"
	mkdir -p "$here/corpus/$t"
	"$out/fuzz_$t" -max_total_time="$secs" -max_len=4096 -timeout=10 \
		"$here/corpus/$t" 2>&1 | tail -n 3
	# Keep the committed corpus small: merge into a minimal set.
	tmp=$(mktemp -d)
	"$out/fuzz_$t" -merge=1 "$tmp" "$here/corpus/$t" >/dev/null 2>&1
	rm -rf "$here/corpus/$t" && mv "$tmp" "$here/corpus/$t"
	echo "fuzz_$t: $(ls "$here/corpus/$t" | wc -l) corpus inputs"
done
