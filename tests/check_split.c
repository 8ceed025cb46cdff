/*
 * check_split.c -- train/validation/test splits: stratified draws keep each
 * class's share, a fixed test set is honoured, the seed decides everything,
 * and bad fractions are refused with the field named.
 */
#include <check.h>
#include <stdint.h>

#include "worker/job/dataset.h"
#include "worker/job/split.h"
#include "testutil.h"

static struct scann_dataset *satellite(void)
{
	struct scann_dataset *ds;
	struct scann_error err;

	ck_assert_int_eq(scann_dataset_load_csv(test_data("satellite.csv"), NULL,
						&ds, &err), 0);
	return ds;
}

/* Every row appears in exactly one part. */
static void assert_partition(const struct scann_dataset *ds,
			     const struct scann_split *s)
{
	uint8_t *seen = calloc(ds->rows, 1);

	ck_assert_uint_eq(s->n_train + s->n_val + s->n_test, ds->rows);
	for (uint32_t i = 0; i < s->n_train; i++)
		seen[s->train[i]]++;
	for (uint32_t i = 0; i < s->n_val; i++)
		seen[s->val[i]]++;
	for (uint32_t i = 0; i < s->n_test; i++)
		seen[s->test[i]]++;
	for (uint32_t i = 0; i < ds->rows; i++)
		ck_assert_uint_eq(seen[i], 1);
	free(seen);
}

START_TEST(stratified_split_keeps_class_shares)
{
	struct scann_dataset *ds = satellite();
	struct scann_split_spec spec = { .validation = 0.15, .test = 0.15, .seed = 1 };
	struct scann_split s;
	struct scann_error err;
	uint32_t per_class[16] = { 0 };

	ck_assert_int_eq(scann_split_make(ds, &spec, &s, &err), 0);
	assert_partition(ds, &s);
	for (uint32_t i = 0; i < s.n_val; i++)
		per_class[ds->y[s.val[i]]]++;
	for (uint32_t c = 0; c < ds->classes; c++) {
		double share = (double)per_class[c] / ds->class_counts[c];

		ck_assert_double_eq_tol(share, 0.15, 0.002);
	}
	ck_assert_uint_eq(s.n_train, 4505);	/* sum of round(0.7 n_c) */
	scann_split_free(&s);
	scann_dataset_free(ds);
}
END_TEST

START_TEST(test_last_is_the_statlog_test_file)
{
	struct scann_dataset *ds = satellite();
	struct scann_split_spec spec = { .validation = 0.15, .test_last = 2000, .seed = 1 };
	struct scann_split s;
	struct scann_error err;

	ck_assert_int_eq(scann_split_make(ds, &spec, &s, &err), 0);
	assert_partition(ds, &s);
	ck_assert_uint_eq(s.n_test, 2000);
	for (uint32_t i = 0; i < s.n_test; i++)
		ck_assert_uint_ge(s.test[i], 4435);
	for (uint32_t i = 0; i < s.n_train; i++)
		ck_assert_uint_lt(s.train[i], 4435);
	ck_assert_uint_ge(s.n_val, 660);
	ck_assert_uint_le(s.n_val, 670);
	scann_split_free(&s);
	scann_dataset_free(ds);
}
END_TEST

START_TEST(same_seed_same_split_other_seed_other_split)
{
	struct scann_dataset *ds = satellite();
	struct scann_split_spec spec = { .validation = 0.2, .test = 0.1, .seed = 42 };
	struct scann_split a, b, c;
	struct scann_error err;

	ck_assert_int_eq(scann_split_make(ds, &spec, &a, &err), 0);
	ck_assert_int_eq(scann_split_make(ds, &spec, &b, &err), 0);
	spec.seed = 43;
	ck_assert_int_eq(scann_split_make(ds, &spec, &c, &err), 0);
	ck_assert_int_eq(memcmp(a.train, b.train, a.n_train * sizeof(uint32_t)), 0);
	ck_assert_int_ne(memcmp(a.train, c.train, a.n_train * sizeof(uint32_t)), 0);
	scann_split_free(&a);
	scann_split_free(&b);
	scann_split_free(&c);
	scann_dataset_free(ds);
}
END_TEST

START_TEST(bad_fractions_name_the_field)
{
	struct scann_dataset *ds = satellite();
	struct scann_split s;
	struct scann_error err;
	struct scann_split_spec spec = { .validation = -0.1, .test = 0.1 };

	ck_assert_int_eq(scann_split_make(ds, &spec, &s, &err), SCANN_EINVAL);
	ck_assert_str_eq(err.field, "split.validation");
	spec.validation = 0.5;
	spec.test = 1.5;
	ck_assert_int_eq(scann_split_make(ds, &spec, &s, &err), SCANN_EINVAL);
	ck_assert_str_eq(err.field, "split.test");
	spec.test = 0.6;
	ck_assert_int_eq(scann_split_make(ds, &spec, &s, &err), SCANN_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "no training rows"));
	spec.test = 0;
	spec.test_last = 6435;
	ck_assert_int_eq(scann_split_make(ds, &spec, &s, &err), SCANN_EINVAL);
	ck_assert_str_eq(err.field, "split.test_last");
	ck_assert_ptr_null(s.train);
	scann_dataset_free(ds);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("split");
	TCase *tc = tcase_create("split");

	tcase_add_test(tc, stratified_split_keeps_class_shares);
	tcase_add_test(tc, test_last_is_the_statlog_test_file);
	tcase_add_test(tc, same_seed_same_split_other_seed_other_split);
	tcase_add_test(tc, bad_fractions_name_the_field);
	suite_add_tcase(s, tc);
	return test_run(s);
}
