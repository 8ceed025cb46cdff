# server/local.mk -- scannd: the libuv loop, libmicrohttpd glue, the worker
# pool and the configuration.

bin_PROGRAMS += server/scannd
server_scannd_SOURCES = \
	server/main.c server/config.c server/config.h \
	server/httpd.c server/httpd.h server/pool.c server/pool.h \
	server/runner.h server/runner_local.c server/runner_slurm.c
server_scannd_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS) $(MHD_CFLAGS) \
	$(JANSSON_CFLAGS) $(SQLITE_CFLAGS) \
	-DSCANN_PKGDATADIR='"$(pkgdatadir)"' \
	-DSCANN_VERSION='"$(PACKAGE_VERSION)"' -DSCANN_BINDIR='"$(bindir)"' \
	-DSCANN_SRC_WEBDIR='"$(abs_top_srcdir)/web"'
server_scannd_LDADD = $(SCANN_API_LIBS) $(SCANN_JOB_LIBS) $(MHD_LIBS) \
	$(UV_LIBS) $(SQLITE_LIBS) $(JANSSON_LIBS)

# End-to-end tests: the real scannd on a free loopback port, driven by curl.
E2E_TESTS = \
	tests/e2e/test_jobs.sh tests/e2e/test_users.sh \
	tests/e2e/test_faults.sh tests/e2e/test_restart.sh \
	tests/e2e/test_malformed.sh tests/e2e/test_openapi.sh \
	tests/e2e/test_uploads.sh tests/e2e/test_listen.sh \
	tests/e2e/test_store_full.sh tests/e2e/test_schema.sh \
	tests/e2e/test_isolation.sh tests/e2e/test_connections.sh \
	tests/e2e/test_storage.sh tests/e2e/test_cli.sh tests/e2e/test_reload.sh \
	tests/e2e/test_backup.sh tests/e2e/test_slurm.sh tests/e2e/test_orphans.sh \
	tests/e2e/test_worker_bounds.sh \
	tests/e2e/test_one_curve.sh tests/e2e/test_budgets.sh \
	tests/e2e/test_routes.sh tests/e2e/test_fail_closed.sh \
	tests/e2e/test_upload_stream.sh
TESTS += $(E2E_TESTS)
EXTRA_DIST += $(E2E_TESTS) tests/e2e/lib.sh deploy/slurm-local.sh \
	deploy/slurm.md tests/bench/slurm_bench.sh
EXTRA_DIST += tests/bench/server_bench.sh tests/bench/server_results.md
EXTRA_DIST += tests/bench/soak.sh tests/bench/soak_check.py
