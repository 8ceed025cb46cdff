/*
 * check_blas_kernels.c -- the worker trains with kernels its CPU runs: when
 * OpenBLAS does not recognise the CPU and falls back to its generic SSE3
 * kernels, the real scann-worker starts again with better ones and names
 * them in its "job accepted" event; an OPENBLAS_CORETYPE the environment
 * already holds is the one it runs.  The test never sets the variable; it
 * reads what the machine it runs on gives.
 */
#define _DEFAULT_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#include <jansson.h>

#include "testutil.h"
#include "worker/blas_kernels.h"

/* The "blas" field of the worker's first event, for a small iris job. */
static char *worker_blas_core(void)
{
	char cmd[8192], path[1024], line[65536];
	const char *b = getenv("SCANN_BUILDDIR");
	json_t *ev;
	FILE *f;
	char *core;
	int st;

	snprintf(line, sizeof(line),
		 "{\"dataset\": \"%s\", \"baseline\": {\"hidden\": [4]}, "
		 "\"scheme\": \"A\", \"scann\": {\"search\": \"recipe\", "
		 "\"iterations\": 1, \"epochs_per_step\": 1}, "
		 "\"train\": {\"epochs\": 1}}",
		 test_data("iris.csv"));
	test_write_str("spec.json", line);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && %s/worker/scann-worker run --out o spec.json "
		 "> events.ndjson 2> err.txt",
		 test_tmpdir(), b ? b : ".");
	st = system(cmd);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "worker failed: %d", st);
	snprintf(path, sizeof(path), "%s/events.ndjson", test_tmpdir());
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	fclose(f);
	ev = json_loads(line, 0, NULL);
	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(json_string_value(json_object_get(ev, "message")),
			 "job accepted");
	ck_assert_ptr_nonnull(json_string_value(json_object_get(ev, "blas")));
	core = strdup(json_string_value(json_object_get(ev, "blas")));
	json_decref(ev);
	return core;
}

START_TEST(the_worker_runs_kernels_its_cpu_runs)
{
	const char *env = getenv("OPENBLAS_CORETYPE");
	char *core = worker_blas_core();

	if (env != NULL)	/* an operator's choice stands */
		ck_assert_msg(strcasecmp(core, env) == 0,
			      "OPENBLAS_CORETYPE=%s but the worker ran %s", env, core);
	else if (scann_cpu_has_avx2())
		ck_assert_msg(!scann_blas_is_fallback(core),
			      "this CPU runs AVX2, the worker ran OpenBLAS's "
			      "generic %s kernels", core);
	free(core);
}
END_TEST

/* In this process OpenBLAS chose at load time; the advice must match. */
START_TEST(better_core_is_asked_only_for_a_fallback)
{
	const char *better = scann_blas_better_core();

	if (getenv("OPENBLAS_CORETYPE") != NULL ||
	    !scann_blas_is_fallback(scann_blas_core()))
		ck_assert_ptr_null(better);
	else if (scann_cpu_has_avx512())
		ck_assert_str_eq(better, "SkylakeX");
	else if (scann_cpu_has_avx2())
		ck_assert_str_eq(better, "Haswell");
}
END_TEST

static Suite *blas_kernels_suite(void)
{
	Suite *s = suite_create("blas_kernels");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, the_worker_runs_kernels_its_cpu_runs);
	tcase_add_test(tc, better_core_is_asked_only_for_a_fallback);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(blas_kernels_suite());
}
