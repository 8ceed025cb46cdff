# store/local.mk -- SQLite persistence (store/libscannstore.a) and its tests.

noinst_LIBRARIES += store/libscannstore.a
store_libscannstore_a_SOURCES = \
	store/store.h store/store_int.h store/store.c \
	store/state.c store/state.h \
	store/datasets.c store/jobs.c store/events.c store/users.c \
	store/runs.c store/delete.c \
	store/sha256.c store/sha256.h store/backup.c
store_libscannstore_a_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(JANSSON_CFLAGS)

SCANN_STORE_LIBS = store/libscannstore.a $(SQLITE_LIBS) $(JANSSON_LIBS)

check_PROGRAMS += tests/check_store
TESTS += tests/check_store
tests_check_store_SOURCES = tests/check_store.c tests/testutil.h
tests_check_store_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(SQLITE_CFLAGS) \
	$(JANSSON_CFLAGS)
tests_check_store_LDADD = $(SCANN_STORE_LIBS) $(SCANN_JOB_LIBS) $(CHECK_LIBS)
