/*
 * fuzz.h -- the shape shared by scann's fuzz targets.  Each target defines
 * LLVMFuzzerTestOneInput(); built with clang -fsanitize=fuzzer it is a
 * libFuzzer target (tests/fuzz/run.sh), and linked with replay.c it replays
 * a corpus directory under `make check`, so every input that once crashed a
 * parser stays a test.
 */
#ifndef SCANN_FUZZ_H
#define SCANN_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Write data to a per-process scratch file named suffix; returns its path. */
const char *fuzz_scratch_file(const char *suffix, const uint8_t *data,
			      size_t size);

#endif
