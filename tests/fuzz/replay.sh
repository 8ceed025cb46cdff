#!/usr/bin/env bash
# tests/fuzz/replay.sh -- replay every committed fuzz corpus through its
# target under the build's sanitizers (a `make check` test).
set -euo pipefail
for t in csv idx spec; do
	"$SCANN_BUILDDIR/tests/fuzz/replay_$t" "$SCANN_SRCDIR/tests/fuzz/corpus/$t"
done
