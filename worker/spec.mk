# worker/spec.mk -- the job spec validator, shared by scann-worker and scannd.
worker_libscann_a_SOURCES += worker/spec.c worker/spec.h

check_PROGRAMS += tests/check_spec
TESTS += tests/check_spec
tests_check_spec_SOURCES = tests/check_spec.c
tests_check_spec_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS)
tests_check_spec_LDADD = $(SCANN_LIBS) $(CHECK_LIBS)
