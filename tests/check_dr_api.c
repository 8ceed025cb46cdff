/*
 * check_dr_api.c -- the contract every method shares (dr.h): bad DR specs
 * refused naming the field; a transform never changes the fitted state; a
 * fit is deterministic for a seed; the JSON form reloads to a transform
 * that gives bit-identical outputs; malformed JSON refused naming the key.
 */
#include <check.h>

#include "check_dr_util.h"
#include "worker/dr_impl.h"

/* A job spec with this "dr" object is refused, naming field. */
static void expect_field(const char *dr, const char *field)
{
	char text[512];
	struct scann_job_spec spec;
	struct scann_error err;

	snprintf(text, sizeof(text), "{\"dataset\": \"d\", \"dr\": %s}", dr);
	scann_error_clear(&err);
	ck_assert_int_eq(scann_spec_parse(text, strlen(text), &spec, &err),
			 SCANN_EINVAL);
	ck_assert_str_eq(err.field, field);
	ck_assert(strlen(err.message) > 0);
}

START_TEST(bad_dr_specs_are_refused_with_the_field_named)
{
	struct scann_job_spec spec;
	struct scann_error err;
	const char *good = "{\"dataset\": \"d\", \"dr\": {\"methods\": [\"pca\", "
		"\"rp-very-sparse\"], \"ratios\": [2, 4, 8.5], \"max_drop\": 0.01}}";

	ck_assert_int_eq(scann_spec_parse(good, strlen(good), &spec, &err), 0);
	ck_assert_int_eq(spec.dr.methods, (1u << SCANN_DR_PCA) |
			 (1u << SCANN_DR_RP_VERY_SPARSE));
	expect_field("{\"methods\": [\"pca\", \"umap\"]}", "dr.methods[1]");
	expect_field("{\"methods\": [\"pca\", 3]}", "dr.methods[1]");
	expect_field("{\"methods\": [\"fa\", \"fa\"]}", "dr.methods[1]");
	expect_field("{\"methods\": []}", "dr.methods");
	expect_field("{\"ratios\": [2, 0.5]}", "dr.ratios[1]");
	expect_field("{\"ratios\": [0]}", "dr.ratios[0]");
	expect_field("{\"ratios\": [4, 2]}", "dr.ratios[1]");
	expect_field("{\"ratios\": [2, \"x\"]}", "dr.ratios[1]");
	expect_field("{\"max_drop\": 1.5}", "dr.max_drop");
	expect_field("{\"maxdrop\": 0.1}", "dr.maxdrop");
	expect_field("[1]", "dr");

	ck_assert_int_eq(scann_dr_check(42, 100, 10, 2, &err), SCANN_EINVAL);
	ck_assert_str_eq(err.field, "dr.method");
	ck_assert_int_eq(scann_dr_check(SCANN_DR_PCA, 100, 10, 11, &err),
			 SCANN_EINVAL);
	ck_assert_str_eq(err.field, "dr.k");
	ck_assert_int_eq(scann_dr_check(SCANN_DR_PCA, 100, 10, 0, &err),
			 SCANN_EINVAL);
	ck_assert_str_eq(err.field, "dr.k");
	ck_assert_int_eq(scann_dr_check(SCANN_DR_ISOMAP, 5, 10, 5, &err),
			 SCANN_EINVAL);
	ck_assert_str_eq(err.field, "dr.k");
	ck_assert_uint_eq(scann_dr_components(36, 4), 9);
	ck_assert_uint_eq(scann_dr_components(36, 8), 5);
	ck_assert_uint_eq(scann_dr_components(180, 8), 23);
	ck_assert_uint_eq(scann_dr_components(36, 100), 1);
}
END_TEST

START_TEST(fit_refuses_more_components_than_features)
{
	float x[6 * 3] = {0};
	struct scann_dr *dr = (struct scann_dr *)1;
	struct scann_error err;

	ck_assert_int_eq(scann_dr_fit(SCANN_DR_PCA, x, 6, 3, 4, 1, NULL, &dr,
				      NULL, &err), SCANN_EINVAL);
	ck_assert_str_eq(err.field, "dr.k");
	ck_assert_ptr_null(dr);
}
END_TEST

static char *dump(const struct scann_dr *dr)
{
	json_t *j = scann_dr_to_json(dr);
	char *s;

	ck_assert_ptr_nonnull(j);
	s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(j);
	return s;
}


/* Every method, on wine (178 x 13): train on 120 rows, transform the rest. */
START_TEST(transform_keeps_state_fit_is_deterministic_json_reloads_exactly)
{
	struct scann_dataset *ds = load_scaled("wine.csv");
	uint32_t d = ds->features, k = 5, ntr = 120, nte = ds->rows - ntr;
	const float *tr = ds->x, *te = ds->x + (size_t)ntr * d;
	float *y1 = xmalloc((size_t)nte * k * sizeof(float));
	float *y2 = xmalloc((size_t)nte * k * sizeof(float));
	float *ytr = xmalloc((size_t)ntr * k * sizeof(float));
	int m = _i;
	struct scann_dr *dr, *again, *loaded;
	struct scann_error err;
	char *before, *after, *twice, *reloaded;
	json_t *j;

	ck_assert_int_eq(scann_dr_fit(m, tr, ntr, d, k, 9, NULL, &dr, ytr, &err), 0);
	before = dump(dr);
	ck_assert_int_eq(scann_dr_transform(dr, te, nte, y1, &err), 0);
	ck_assert_int_eq(scann_dr_transform(dr, tr, ntr, ytr, &err), 0);
	after = dump(dr);
	ck_assert_str_eq(before, after);
	for (size_t i = 0; i < (size_t)nte * k; i++)
		ck_assert(isfinite(y1[i]));

	ck_assert_int_eq(scann_dr_fit(m, tr, ntr, d, k, 9, NULL, &again, NULL,
				      &err), 0);
	twice = dump(again);
	ck_assert_str_eq(before, twice);

	j = scann_dr_to_json(dr);
	ck_assert_int_eq(scann_dr_from_json(j, &loaded, &err), 0);
	json_decref(j);
	reloaded = dump(loaded);
	ck_assert_str_eq(before, reloaded);
	ck_assert_int_eq(scann_dr_transform(loaded, te, nte, y2, &err), 0);
	ck_assert_int_eq(memcmp(y1, y2, (size_t)nte * k * sizeof(float)), 0);
	ck_assert_int_eq(scann_dr_method(loaded), m);
	ck_assert_uint_eq(scann_dr_inputs(loaded), d);
	ck_assert_uint_eq(scann_dr_outputs(loaded), k);

	free(before);
	free(after);
	free(twice);
	free(reloaded);
	free(y1);
	free(y2);
	free(ytr);
	scann_dr_free(dr);
	scann_dr_free(again);
	scann_dr_free(loaded);
	scann_dataset_free(ds);
}
END_TEST

START_TEST(malformed_json_is_refused_naming_the_key)
{
	struct scann_dataset *ds = load_scaled("wine.csv");
	struct scann_dr *dr, *bad = NULL;
	struct scann_error err;
	json_t *j;

	ck_assert_int_eq(scann_dr_fit(SCANN_DR_PCA, ds->x, ds->rows,
				      ds->features, 3, 1, NULL, &dr, NULL,
				      &err), 0);
	j = scann_dr_to_json(dr);
	json_object_set_new(j, "w", json_string("AAAA"));
	ck_assert_int_eq(scann_dr_from_json(j, &bad, &err), SCANN_EINVAL);
	ck_assert_str_eq(err.field, "w");
	json_object_del(j, "w");
	ck_assert_int_eq(scann_dr_from_json(j, &bad, &err), SCANN_EINVAL);
	ck_assert_str_eq(err.field, "method");
	json_object_set_new(j, "method", json_string("lda"));
	ck_assert_int_eq(scann_dr_from_json(j, &bad, &err), SCANN_EINVAL);
	ck_assert_str_eq(err.field, "method");
	json_object_set_new(j, "format", json_string("other"));
	ck_assert_int_eq(scann_dr_from_json(j, &bad, &err), SCANN_EINVAL);
	ck_assert_str_eq(err.field, "format");
	ck_assert_ptr_null(bad);
	json_decref(j);
	scann_dr_free(dr);
	scann_dataset_free(ds);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dr_api");
	TCase *tc = tcase_create("api");

	tcase_add_test(tc, bad_dr_specs_are_refused_with_the_field_named);
	tcase_add_test(tc, fit_refuses_more_components_than_features);
	tcase_add_loop_test(tc, transform_keeps_state_fit_is_deterministic_json_reloads_exactly,
			    0, SCANN_DR_METHOD_COUNT);
	tcase_add_test(tc, malformed_json_is_refused_naming_the_key);
	suite_add_tcase(s, tc);
	return test_run(s);
}
