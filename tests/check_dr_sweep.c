/*
 * check_dr_sweep.c -- the Algorithm-1 sweep with a synthetic "train and
 * score" callback: it stops raising r for a method after a large drop
 * (the larger ratios are never trained), runs every ratio of a method that
 * never drops, picks the best by validation accuracy, hands the callback
 * reduced rows of ceil(d / r) features, and aborts on a callback error.
 */
#include <check.h>

#include "check_dr_util.h"

struct calls {
	int n;
	int method[32];
	double ratio[32];
	int fail_at;	/* call number that fails, or -1 */
};

/* pca: 0.90, 0.89, then collapses at r = 8; rp-gaussian: never drops. */
static int fake_score(void *ctx, const struct scann_dr *dr, double ratio,
		      const float *train_y, const float *val_y, double *acc,
		      struct scann_error *err)
{
	struct calls *c = ctx;
	int m = scann_dr_method(dr);

	ck_assert_uint_eq(scann_dr_outputs(dr), scann_dr_components(16, ratio));
	ck_assert(isfinite(train_y[0]) && isfinite(val_y[0]));
	if (c->n == c->fail_at)
		return scann_error_set(err, SCANN_ECANCELED, NULL, "stop");
	c->method[c->n] = m;
	c->ratio[c->n++] = ratio;
	if (m == SCANN_DR_PCA)
		*acc = ratio <= 2 ? 0.90 : ratio <= 4 ? 0.89 : 0.70;
	else
		*acc = 0.88 - 0.001 * ratio;
	return 0;
}

static float *data(uint32_t n)
{
	float *x = xmalloc((size_t)n * 16 * sizeof(*x));
	struct scann_rng rng;

	scann_rng_seed(&rng, 1);
	for (size_t i = 0; i < (size_t)n * 16; i++)
		x[i] = (float)scann_rng_uniform(&rng);
	return x;
}

START_TEST(sweep_stops_raising_r_after_a_large_drop)
{
	float *tr = data(200), *va = data(50);
	double ratios[] = {2, 4, 8, 16};
	struct calls c = {.fail_at = -1};
	struct scann_dr_candidate *cand;
	uint32_t n, best;
	struct scann_error err;

	ck_assert_int_eq(scann_dr_sweep(tr, 200, va, 50, 16,
					(1u << SCANN_DR_PCA) | (1u << SCANN_DR_RP_GAUSSIAN),
					ratios, 4, 0.05, 0.91, 3, NULL, fake_score,
					&c, &cand, &n, &best, &err), 0);
	/* pca: 2, 4, 8 (the drop) and never 16; rp-gaussian: all four */
	ck_assert_int_eq(c.n, 7);
	ck_assert_uint_eq(n, 7);
	ck_assert_int_eq(cand[2].method, SCANN_DR_PCA);
	ck_assert(cand[2].ratio == 8 && cand[2].stopped);
	ck_assert(!cand[0].stopped && !cand[1].stopped);
	for (int i = 3; i < 7; i++) {
		ck_assert_int_eq(cand[i].method, SCANN_DR_RP_GAUSSIAN);
		ck_assert(!cand[i].stopped);
	}
	ck_assert(cand[6].ratio == 16);
	ck_assert_uint_eq(cand[1].features, 4);
	ck_assert_uint_eq(best, 0);	/* pca at r = 2, 0.90 */
	free(cand);

	/* held to its own best: without a baseline the rule still trips */
	c.n = 0;
	ck_assert_int_eq(scann_dr_sweep(tr, 200, va, 50, 16, 1u << SCANN_DR_PCA,
					ratios, 4, 0.05, -1, 3, NULL, fake_score,
					&c, &cand, &n, &best, &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert(cand[2].stopped);
	free(cand);

	/* a small drop does not stop it */
	c.n = 0;
	ck_assert_int_eq(scann_dr_sweep(tr, 200, va, 50, 16, 1u << SCANN_DR_PCA,
					ratios, 4, 0.25, 0.91, 3, NULL, fake_score,
					&c, &cand, &n, &best, &err), 0);
	ck_assert_uint_eq(n, 4);
	free(cand);
	free(tr);
	free(va);
}
END_TEST

START_TEST(sweep_passes_callback_errors_and_checks_ratios)
{
	float *tr = data(200), *va = data(50);
	double ratios[] = {2, 4};
	double bad[] = {2, 0.5};
	struct calls c = {.fail_at = 1};
	struct scann_dr_candidate *cand = (void *)1;
	uint32_t n, best;
	struct scann_error err;

	ck_assert_int_eq(scann_dr_sweep(tr, 200, va, 50, 16, 1u << SCANN_DR_PCA,
					ratios, 2, 0.05, 0.9, 3, NULL, fake_score,
					&c, &cand, &n, &best, &err), SCANN_ECANCELED);
	ck_assert_ptr_null(cand);
	ck_assert_int_eq(scann_dr_sweep(tr, 200, va, 50, 16, 1u << SCANN_DR_PCA,
					bad, 2, 0.05, 0.9, 3, NULL, fake_score,
					&c, &cand, &n, &best, &err), SCANN_EINVAL);
	ck_assert_str_eq(err.field, "dr.ratios[1]");
	free(tr);
	free(va);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dr_sweep");
	TCase *tc = tcase_create("sweep");

	tcase_add_test(tc, sweep_stops_raising_r_after_a_large_drop);
	tcase_add_test(tc, sweep_passes_callback_errors_and_checks_ratios);
	suite_add_tcase(s, tc);
	return test_run(s);
}
