# worker/job/local.mk -- the job contract (worker/job/libscannjob.a): errors,
# the job spec and its validator, dataset loading, splitting and the split's
# digest, and the generator a split draws from.  scann-worker and scannd
# both link it; it needs no BLAS, so scannd links only this of the worker.
noinst_LIBRARIES += worker/job/libscannjob.a
worker_job_libscannjob_a_SOURCES = \
	worker/job/error.c worker/job/error.h \
	worker/job/rng.c worker/job/rng.h \
	worker/job/spec.c worker/job/spec.h \
	worker/job/dataset.c worker/job/dataset.h \
	worker/job/split.c worker/job/split.h \
	worker/job/split_digest.c worker/job/split_digest.h \
	worker/job/artifacts.c worker/job/artifacts.h \
	worker/job/dr_methods.h
worker_job_libscannjob_a_CFLAGS = $(AM_CFLAGS) $(ZLIB_CFLAGS) $(JANSSON_CFLAGS)

SCANN_JOB_LIBS = worker/job/libscannjob.a $(JANSSON_LIBS) $(ZLIB_LIBS) -lm

check_PROGRAMS += tests/check_spec tests/check_dataset tests/check_split
TESTS += tests/check_spec tests/check_dataset tests/check_split
tests_check_spec_SOURCES = tests/check_spec.c
tests_check_spec_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS)
tests_check_spec_LDADD = $(SCANN_JOB_LIBS) $(CHECK_LIBS)
tests_check_dataset_SOURCES = tests/check_dataset.c tests/testutil.h
tests_check_dataset_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_dataset_LDADD = $(SCANN_JOB_LIBS) $(CHECK_LIBS)
tests_check_split_SOURCES = tests/check_split.c tests/testutil.h
tests_check_split_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_split_LDADD = $(SCANN_JOB_LIBS) $(CHECK_LIBS)
