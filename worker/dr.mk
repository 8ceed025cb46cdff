# worker/dr.mk -- dimensionality reduction: the nine DR methods of
# DR+SCANN, their JSON codec and the Algorithm-1 sweep.  Part of the engine
# library (model files carry fitted transforms, and DR's method names are
# the job spec's), kept in its own fragment.
worker_libscann_a_SOURCES += \
	worker/dr.c worker/dr.h worker/dr_impl.h \
	worker/dr_linalg.c worker/dr_pca.c worker/dr_fa.c worker/dr_ica.c \
	worker/dr_isomap.c worker/dr_spectral.c worker/dr_rp.c \
	worker/dr_sweep.c

# One Check program per method, plus the shared contract and the sweep.
DR_CHECK_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS) \
	$(OPENBLAS_CFLAGS) $(LAPACKE_CFLAGS)
DR_CHECK_LDADD = $(SCANN_LIBS) $(CHECK_LIBS)
DR_CHECKS = \
	tests/check_dr_api \
	tests/check_dr_pca \
	tests/check_dr_fa \
	tests/check_dr_ica \
	tests/check_dr_isomap \
	tests/check_dr_spectral \
	tests/check_dr_rp \
	tests/check_dr_sweep
check_PROGRAMS += $(DR_CHECKS)
TESTS += $(DR_CHECKS)
tests_check_dr_api_SOURCES = tests/check_dr_api.c tests/check_dr_util.h
tests_check_dr_api_CFLAGS = $(DR_CHECK_CFLAGS)
tests_check_dr_api_LDADD = $(DR_CHECK_LDADD)
tests_check_dr_pca_SOURCES = tests/check_dr_pca.c tests/check_dr_util.h
tests_check_dr_pca_CFLAGS = $(DR_CHECK_CFLAGS)
tests_check_dr_pca_LDADD = $(DR_CHECK_LDADD)
tests_check_dr_fa_SOURCES = tests/check_dr_fa.c tests/check_dr_util.h
tests_check_dr_fa_CFLAGS = $(DR_CHECK_CFLAGS)
tests_check_dr_fa_LDADD = $(DR_CHECK_LDADD)
tests_check_dr_ica_SOURCES = tests/check_dr_ica.c tests/check_dr_util.h
tests_check_dr_ica_CFLAGS = $(DR_CHECK_CFLAGS)
tests_check_dr_ica_LDADD = $(DR_CHECK_LDADD)
tests_check_dr_isomap_SOURCES = tests/check_dr_isomap.c tests/check_dr_util.h
tests_check_dr_isomap_CFLAGS = $(DR_CHECK_CFLAGS)
tests_check_dr_isomap_LDADD = $(DR_CHECK_LDADD)
tests_check_dr_spectral_SOURCES = tests/check_dr_spectral.c tests/check_dr_util.h
tests_check_dr_spectral_CFLAGS = $(DR_CHECK_CFLAGS)
tests_check_dr_spectral_LDADD = $(DR_CHECK_LDADD)
tests_check_dr_rp_SOURCES = tests/check_dr_rp.c tests/check_dr_util.h
tests_check_dr_rp_CFLAGS = $(DR_CHECK_CFLAGS)
tests_check_dr_rp_LDADD = $(DR_CHECK_LDADD)
tests_check_dr_sweep_SOURCES = tests/check_dr_sweep.c tests/check_dr_util.h
tests_check_dr_sweep_CFLAGS = $(DR_CHECK_CFLAGS)
tests_check_dr_sweep_LDADD = $(DR_CHECK_LDADD)

# The benchmark against scikit-learn: built, never run by make check
# (tests/bench/dr_bench.sh runs it by hand).
noinst_PROGRAMS += tests/bench/dr_bench
tests_bench_dr_bench_SOURCES = tests/bench/dr_bench.c
tests_bench_dr_bench_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_bench_dr_bench_LDADD = $(SCANN_LIBS)
noinst_PROGRAMS += tests/bench/dr_scale
tests_bench_dr_scale_SOURCES = tests/bench/dr_scale.c
tests_bench_dr_scale_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_bench_dr_scale_LDADD = $(SCANN_LIBS)
EXTRA_DIST += tests/bench/dr_bench.sh
