# worker/local.mk -- the synthesis engine (worker/libscann.a) and scann-worker.

noinst_LIBRARIES += worker/libscann.a
worker_libscann_a_SOURCES =
worker_libscann_a_CFLAGS = $(AM_CFLAGS) $(OPENBLAS_CFLAGS) $(LAPACKE_CFLAGS) \
	$(ZLIB_CFLAGS) $(JANSSON_CFLAGS)

# Everything that links the engine links these, in this order.
SCANN_LIBS = worker/libscann.a $(SCANN_JOB_LIBS) \
	$(LAPACKE_LIBS) $(OPENBLAS_LIBS)

bin_PROGRAMS += worker/scann-worker
worker_scann_worker_SOURCES = worker/main.c worker/cmd.h worker/cmd_describe.c \
	worker/cmd_run.c worker/cmd_predict.c worker/cmd_split.c \
	worker/cmd_export.c
worker_scann_worker_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(OPENBLAS_CFLAGS)
worker_scann_worker_LDADD = $(SCANN_LIBS)

# The synthesis engine (issue 3).
worker_libscann_a_SOURCES += \
	worker/net.c worker/net.h \
	worker/exec.c worker/exec.h \
	worker/par.c worker/par.h \
	worker/train.c worker/train.h \
	worker/grow.c worker/grow.h \
	worker/prune.c worker/prune.h \
	worker/energy.c worker/energy.h \
	worker/normalize.c worker/normalize.h \
	worker/events.c worker/events.h \
	worker/stage.c worker/stage.h \
	worker/scheme.c worker/scheme.h \
	worker/search.c worker/search.h \
	worker/front.c worker/front.h \
	worker/study.c worker/study.h \
	worker/model.c worker/model.h \
	worker/checkpoint.c worker/checkpoint.h \
	worker/snapshot.c worker/snapshot.h \
	worker/blas_kernels.c worker/blas_kernels.h \
	worker/watchdog.c worker/watchdog.h \
	worker/memcap.c worker/memcap.h

# The C export (issue 14): the plan, its int8 form, the C writer.
worker_libscann_a_SOURCES += worker/export.h worker/export_plan.c \
	worker/export_int8.c worker/export_c.c worker/export_model.c \
	worker/export_front.c \
	worker/tar.c worker/tar.h
# Generated code compiled with gcc (and clang) and checked against the engine;
# cortex_m.sh: built for a Cortex-M3 and run on qemu (mps2-an385), skipped (77)
# without arm-none-eabi-gcc, newlib or qemu-system-arm.
TESTS += tests/export/test_export.sh tests/export/cortex_m.sh
EXTRA_DIST += tests/export/test_export.sh tests/export/harness.c \
	tests/export/cortex_m.sh tests/export/cortex_m_startup.c tests/export/cortex_m.ld \
	tests/export/bars_csv.sh

# The convolutional front (issue 13): layers, the front, the net's input
# deltas, their training together.
worker_libscann_a_SOURCES += \
	worker/conv.c worker/conv.h \
	worker/cnn.c worker/cnn.h \
	worker/exec_dx.c worker/exec_dx.h \
	worker/cnn_train.c worker/cnn_train.h

check_PROGRAMS += tests/check_conv
TESTS += tests/check_conv
tests_check_conv_SOURCES = tests/check_conv.c tests/testutil.h
tests_check_conv_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(OPENBLAS_CFLAGS)
tests_check_conv_LDADD = $(SCANN_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/check_net
TESTS += tests/check_net
tests_check_net_SOURCES = tests/check_net.c tests/testutil.h tests/testnet.h
tests_check_net_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(OPENBLAS_CFLAGS)
tests_check_net_LDADD = $(SCANN_LIBS) $(CHECK_LIBS)

# One test program per engine module (train, grow, prune, energy, events).
check_PROGRAMS += tests/check_train tests/check_grow tests/check_prune \
	tests/check_energy tests/check_events
TESTS += tests/check_train tests/check_grow tests/check_prune \
	tests/check_energy tests/check_events
tests_check_train_SOURCES = tests/check_train.c tests/testutil.h tests/testnet.h
tests_check_train_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(OPENBLAS_CFLAGS)
tests_check_train_LDADD = $(SCANN_LIBS) $(CHECK_LIBS)
tests_check_grow_SOURCES = tests/check_grow.c tests/testutil.h tests/testnet.h
tests_check_grow_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(OPENBLAS_CFLAGS)
tests_check_grow_LDADD = $(SCANN_LIBS) $(CHECK_LIBS)
tests_check_prune_SOURCES = tests/check_prune.c tests/testutil.h
tests_check_prune_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_prune_LDADD = $(SCANN_LIBS) $(CHECK_LIBS)
tests_check_energy_SOURCES = tests/check_energy.c tests/testutil.h
tests_check_energy_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_energy_LDADD = $(SCANN_LIBS) $(CHECK_LIBS)
tests_check_events_SOURCES = tests/check_events.c tests/testutil.h
tests_check_events_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS)
tests_check_events_LDADD = $(SCANN_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/check_scheme
TESTS += tests/check_scheme
tests_check_scheme_SOURCES = tests/check_scheme.c tests/testutil.h
tests_check_scheme_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS)
tests_check_scheme_LDADD = $(SCANN_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/check_run
TESTS += tests/check_run
tests_check_run_SOURCES = tests/check_run.c tests/testutil.h tests/testidx.h tests/testworker.h
tests_check_run_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS)
tests_check_run_LDADD = $(JANSSON_LIBS) $(CHECK_LIBS)
# check_run drives the real binary (built by "make check" before any test).

# Training snapshots (snapshot.c), end to end on the real binary as well.
check_PROGRAMS += tests/check_snapshot
TESTS += tests/check_snapshot
tests_check_snapshot_SOURCES = tests/check_snapshot.c tests/testutil.h tests/testidx.h tests/testworker.h
tests_check_snapshot_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS)
tests_check_snapshot_LDADD = $(JANSSON_LIBS) $(CHECK_LIBS)
# ... and what they cost and save, by hand (tests/bench/README.md).
EXTRA_DIST += tests/bench/snapshot.sh

# The worker's choice of OpenBLAS kernels (blas_kernels.c).
check_PROGRAMS += tests/check_blas_kernels
TESTS += tests/check_blas_kernels
tests_check_blas_kernels_SOURCES = tests/check_blas_kernels.c tests/testutil.h
tests_check_blas_kernels_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS)
tests_check_blas_kernels_LDADD = $(SCANN_LIBS) $(JANSSON_LIBS) $(CHECK_LIBS)

# Benchmarks, run by hand (tests/bench/run.sh), never by "make check".
noinst_PROGRAMS += tests/bench/bench_epoch
tests_bench_bench_epoch_SOURCES = tests/bench/bench_epoch.c
tests_bench_bench_epoch_LDADD = $(SCANN_LIBS)

check_PROGRAMS += tests/check_model
TESTS += tests/check_model
tests_check_model_SOURCES = tests/check_model.c tests/testutil.h
tests_check_model_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS)
tests_check_model_LDADD = $(SCANN_LIBS) $(CHECK_LIBS)

EXTRA_DIST += worker/README.md tests/bench/README.md tests/bench/run.sh \
	tests/bench/quality.sh tests/bench/ratios.py tests/bench/mnist.sh \
	tests/bench/lenet5.sh tests/bench/table3.sh tests/bench/table3.py \
	tests/bench/table4.sh \
	tests/bench/run-2026-11-25T2149.txt tests/bench/run-2026-11-25T2325.txt \
	tests/bench/run-2026-11-26T0038.txt tests/bench/run-2026-11-26T0041.txt \
	tests/bench/specs/satellite-A.json \
	tests/bench/specs/satellite-B.json tests/bench/specs/satellite-C.json \
	tests/bench/specs/dna-A.json tests/bench/specs/dna-B.json \
	tests/bench/specs/dna-C.json \
	tests/bench/study.sh tests/bench/dna_dr_ceiling.py \
	tests/bench/specs/satellite-study.json tests/bench/specs/dna-study.json

# The model-file reader's fuzz target (tests/fuzz/fuzz_model.c), replayed.
check_PROGRAMS += tests/fuzz/replay_model
tests_fuzz_replay_model_SOURCES = tests/fuzz/fuzz_model.c $(FUZZ_SOURCES)
tests_fuzz_replay_model_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_replay_model_LDADD = $(SCANN_LIBS)
TESTS += tests/fuzz/replay_model.sh
EXTRA_DIST += tests/fuzz/replay_model.sh

check_PROGRAMS += tests/check_study
TESTS += tests/check_study
tests_check_study_SOURCES = tests/check_study.c tests/testutil.h
tests_check_study_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS)
tests_check_study_LDADD = $(SCANN_LIBS) $(CHECK_LIBS)

# "scann-worker split": a job's rows as CSV, with the digests run reports.
check_PROGRAMS += tests/check_split_export
TESTS += tests/check_split_export
tests_check_split_export_SOURCES = tests/check_split_export.c tests/testutil.h tests/testworker.h
tests_check_split_export_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS)
tests_check_split_export_LDADD = $(SCANN_LIBS) $(CHECK_LIBS)
