#!/bin/sh
# tests/fuzz/replay_model.sh -- replay the model-file corpus through
# fuzz_model.c under the build's sanitizers (a `make check` test).
set -eu
exec "$SCANN_BUILDDIR/tests/fuzz/replay_model" "$SCANN_SRCDIR/tests/fuzz/corpus/model"
