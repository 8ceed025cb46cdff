# tests/fuzz/local.mk -- fuzz targets.  `make check` replays the committed
# corpora with the build's sanitizers; tests/fuzz/run.sh fuzzes with clang.
FUZZ_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
FUZZ_SOURCES = tests/fuzz/fuzz.h tests/fuzz/scratch.c tests/fuzz/replay.c
check_PROGRAMS += tests/fuzz/replay_csv tests/fuzz/replay_idx tests/fuzz/replay_spec
tests_fuzz_replay_csv_SOURCES = tests/fuzz/fuzz_csv.c $(FUZZ_SOURCES)
tests_fuzz_replay_csv_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_replay_csv_LDADD = $(SCANN_LIBS)
tests_fuzz_replay_idx_SOURCES = tests/fuzz/fuzz_idx.c $(FUZZ_SOURCES)
tests_fuzz_replay_idx_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_replay_idx_LDADD = $(SCANN_LIBS)
tests_fuzz_replay_spec_SOURCES = tests/fuzz/fuzz_spec.c $(FUZZ_SOURCES)
tests_fuzz_replay_spec_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_replay_spec_LDADD = $(SCANN_LIBS)
TESTS += tests/fuzz/replay.sh
EXTRA_DIST += tests/fuzz/replay.sh tests/fuzz/run.sh tests/fuzz/config-fuzz.h \
	tests/fuzz/corpus
