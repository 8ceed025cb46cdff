/*
 * check_study.c -- DR+SCANN and the study through the real scann-worker:
 * a study reports H.A. and M.C. for DR, SCANN and DR+SCANN with every
 * candidate and a Markdown table; M.C. follows its rule; a DR+SCANN model
 * file carries its transform, so predict reproduces the reported test
 * accuracy; a DR job, which keeps no checkpoint, resumes by starting over.
 */
#define _DEFAULT_SOURCE
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <jansson.h>

#include "testutil.h"

static int worker(const char *args, const char *out)
{
	const char *b = getenv("SCANN_BUILDDIR");
	char cmd[8192];
	int st;

	snprintf(cmd, sizeof(cmd), "cd %s && %s/worker/scann-worker %s > %s 2> %s.err",
		 test_tmpdir(), b ? b : ".", args, out, out);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *wine_spec(const char *name, const char *task)
{
	char text[8192];

	snprintf(text, sizeof(text),
		 "{\"dataset\": \"%s\", \"task\": \"%s\","
		 " \"split\": {\"validation\": 0.2, \"test\": 0.2, \"seed\": 3},"
		 " \"baseline\": {\"hidden\": [24, 12]},"
		 " \"dr\": {\"methods\": [\"pca\", \"rp-gaussian\"], \"ratios\": [2, 3]},"
		 " \"scheme\": \"B\", \"scann\": {\"iterations\": 2, \"epochs_per_step\": 3,"
		 " \"pruning\": {\"fraction\": 0.3}, \"initial_prune\": 0.5},"
		 " \"train\": {\"epochs\": 30, \"batch\": 16, \"lr\": 0.01, \"seed\": 5}}",
		 test_data("wine.csv"), task);
	return test_write_str(name, text);
}

/* The result event: the last line of the stream in file name. */
static json_t *result_of(const char *name)
{
	char path[1024], line[1 << 16], last[1 << 16] = "";
	json_error_t jerr;
	FILE *f;
	json_t *j;

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		memcpy(last, line, sizeof(line));
	fclose(f);
	j = json_loads(last, 0, &jerr);
	ck_assert_msg(j != NULL, "last line is not JSON: %.200s", last);
	ck_assert_str_eq(json_string_value(json_object_get(j, "type")), "result");
	return j;
}

START_TEST(study_reports_picks_candidates_and_a_table)
{
	json_t *r, *cands, *c;
	const char *stages[] = { "dr", "scann", "dr+scann" };
	int seen[3] = { 0 };
	double base_test;
	size_t i;
	char path[1024];
	FILE *md;
	char text[8192] = "";

	ck_assert_int_eq(worker("run --out study-out study.json", "study.ndjson"), 0);
	r = result_of("study.ndjson");
	base_test = json_real_value(json_object_get(json_object_get(r, "baseline"),
						    "test_acc"));
	cands = json_object_get(r, "candidates");
	ck_assert_uint_gt(json_array_size(cands), 6);
	json_array_foreach(cands, i, c) {
		const char *st = json_string_value(json_object_get(c, "stage"));
		json_t *dr = json_object_get(c, "dr");

		for (int s = 0; s < 3; s++)
			if (strcmp(st, stages[s]) == 0)
				seen[s]++;
		/* DR networks read ceil(13 / r) features and say which DR. */
		if (strcmp(st, "dr") == 0 || strcmp(st, "dr+scann") == 0) {
			ck_assert(json_is_object(dr));
			ck_assert_int_le(json_integer_value(json_object_get(c, "features")), 7);
		} else {
			ck_assert(json_is_null(dr));
			ck_assert_int_eq(json_integer_value(json_object_get(c, "features")), 13);
		}
	}
	/* Two methods x two ratios unless the sweep stopped a method early. */
	ck_assert_int_ge(seen[0], 2);
	ck_assert_int_eq(seen[1], 3);	/* initial prune + 2 iterations */
	ck_assert_int_eq(seen[2], 3);
	for (int s = 0; s < 3; s++) {
		json_t *picks = json_object_get(r, stages[s]);
		json_t *ha = json_object_get(picks, "ha"), *mc = json_object_get(picks, "mc");

		ck_assert_msg(json_is_object(ha), "%s has no H.A.", stages[s]);
		ck_assert(json_is_object(mc) || json_is_null(mc));
		if (json_is_null(mc)) {
			/* Then no candidate of the stage meets the baseline. */
			json_array_foreach(cands, i, c)
				if (strcmp(json_string_value(json_object_get(c, "stage")),
					   stages[s]) == 0)
					ck_assert(json_real_value(json_object_get(c, "test_acc"))
						  < base_test);
			continue;
		}
		ck_assert(json_real_value(json_object_get(mc, "test_acc")) >= base_test);
		/* No candidate of the stage meeting the baseline is smaller. */
		json_array_foreach(cands, i, c)
			if (strcmp(json_string_value(json_object_get(c, "stage")),
				   stages[s]) == 0 &&
			    json_real_value(json_object_get(c, "test_acc")) >= base_test)
				ck_assert_int_ge(json_integer_value(json_object_get(c, "params")),
						 json_integer_value(json_object_get(mc, "params")));
		ck_assert_double_eq_tol(json_real_value(json_object_get(mc, "compression")),
					(double)json_integer_value(json_object_get(
						json_object_get(r, "baseline"), "params")) /
					json_integer_value(json_object_get(mc, "params")), 1e-6);
	}
	snprintf(path, sizeof(path), "%s/study-out/report.md", test_tmpdir());
	md = fopen(path, "r");
	ck_assert_ptr_nonnull(md);
	ck_assert_uint_gt(fread(text, 1, sizeof(text) - 1, md), 0);
	fclose(md);
	ck_assert_ptr_nonnull(strstr(text, "| MLP | baseline |"));
	ck_assert_ptr_nonnull(strstr(text, "| DR+SCANN | H.A. |"));
	ck_assert_ptr_nonnull(strstr(text, "| SCANN | M.C. |"));
	json_decref(r);
}
END_TEST

START_TEST(drscann_model_carries_its_transform_and_predicts_exactly)
{
	json_t *r, *p, *model;
	json_error_t jerr;
	char path[1024], args[8192];

	ck_assert_int_eq(worker("run --out drs-out drs.json", "drs.ndjson"), 0);
	r = result_of("drs.ndjson");
	ck_assert(json_is_object(json_object_get(r, "dr")));
	snprintf(path, sizeof(path), "%s/drs-out/model.json", test_tmpdir());
	model = json_load_file(path, 0, &jerr);
	ck_assert_ptr_nonnull(model);
	ck_assert(json_is_object(json_object_get(model, "dr")));
	json_decref(model);
	snprintf(args, sizeof(args), "predict drs-out/model.json %s", test_data("wine.csv"));
	ck_assert_int_eq(worker(args, "predict.json"), 0);
	snprintf(path, sizeof(path), "%s/predict.json", test_tmpdir());
	p = json_load_file(path, 0, &jerr);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(json_string_value(json_object_get(p, "scored")), "test");
	ck_assert_double_eq(json_real_value(json_object_get(p, "accuracy")),
			    json_real_value(json_object_get(json_object_get(r, "best"),
							    "test_acc")));
	json_decref(p);
	json_decref(r);
}
END_TEST

START_TEST(dr_job_resume_starts_over_with_the_same_stream)
{
	char a[1024], b[1024], cmd[4096];

	/* A DR job keeps no checkpoint, so --resume runs it again from the
	 * start: the same events, seq for seq, byte for byte. */
	ck_assert_int_eq(worker("run --out drs-again drs.json", "first.ndjson"), 0);
	ck_assert_int_eq(worker("run --resume drs-again", "again.ndjson"), 0);
	snprintf(a, sizeof(a), "%s/first.ndjson", test_tmpdir());
	snprintf(b, sizeof(b), "%s/again.ndjson", test_tmpdir());
	snprintf(cmd, sizeof(cmd), "cmp -s %s %s", a, b);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/*
 * Epoch events carry progress, never decreasing; the job's last stage
 * event says 1 (a search that ends early ends before its planned epochs).
 */
static void assert_progress(const char *name)
{
	char path[1024], line[1 << 16];
	double last = 0.0;
	int epochs = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		json_error_t jerr;
		json_t *e = json_loads(line, 0, &jerr);
		double p;

		ck_assert_ptr_nonnull(e);
		if (json_object_get(e, "progress") != NULL) {
			p = json_real_value(json_object_get(e, "progress"));
			ck_assert_msg(p > 0.0 && p <= 1.0 && p >= last,
				      "progress %g after %g", p, last);
			last = p;
			epochs += strcmp(json_string_value(json_object_get(e, "type")),
					 "epoch") == 0;
		}
		json_decref(e);
	}
	fclose(f);
	ck_assert_int_gt(epochs, 10);
	ck_assert_double_eq(last, 1.0);
}

START_TEST(progress_rises_to_one)
{
	ck_assert_int_eq(worker("run --out prog-study study.json", "prog-study.ndjson"), 0);
	assert_progress("prog-study.ndjson");
	ck_assert_int_eq(worker("run --out prog-drs drs.json", "prog-drs.ndjson"), 0);
	assert_progress("prog-drs.ndjson");
	ck_assert_int_eq(worker("run --out prog-plain plain.json", "prog-plain.ndjson"), 0);
	assert_progress("prog-plain.ndjson");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("study");
	TCase *tc = tcase_create("study");

	wine_spec("study.json", "study");
	wine_spec("drs.json", "synthesize");
	{
		/* The same job without DR: plain SCANN. */
		char text[8192];

		snprintf(text, sizeof(text),
			 "{\"dataset\": \"%s\", \"baseline\": {\"hidden\": [24, 12]},"
			 " \"scheme\": \"A\", \"scann\": {\"iterations\": 2,"
			 " \"epochs_per_step\": 3, \"initial_hidden\": 8, \"max_hidden\": 16},"
			 " \"train\": {\"epochs\": 10, \"batch\": 16, \"lr\": 0.01}}",
			 test_data("wine.csv"));
		test_write_str("plain.json", text);
	}
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, study_reports_picks_candidates_and_a_table);
	tcase_add_test(tc, drscann_model_carries_its_transform_and_predicts_exactly);
	tcase_add_test(tc, dr_job_resume_starts_over_with_the_same_stream);
	tcase_add_test(tc, progress_rises_to_one);
	suite_add_tcase(s, tc);
	return test_run(s);
}
