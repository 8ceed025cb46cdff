/*
 * check_dr_fa.c -- factor analysis: the log-likelihood never decreases
 * from one iteration to the next, and data drawn from a known factor model
 * give back its loadings (up to rotation: W^T W) and noise variances.
 */
#include <check.h>

#include "check_dr_util.h"
#include "dr_impl.h"

struct lltrace {
	double ll[2000];
	uint32_t n;
};

static void record(void *ctx, uint32_t it, double v)
{
	struct lltrace *t = ctx;

	ck_assert_uint_eq(it, t->n);
	if (t->n < 2000)
		t->ll[t->n++] = v;
}

START_TEST(log_likelihood_never_decreases)
{
	struct scann_dataset *ds = load_scaled(_i ? "dna.csv" : "satellite.csv");
	static struct lltrace t;
	struct scann_dr_options o = {.trace = record, .trace_ctx = &t,
				     .tol = 1e-6};
	struct scann_dr *dr;
	struct scann_error err;
	uint32_t k = scann_dr_components(ds->features, 4);

	t.n = 0;
	ck_assert_int_eq(scann_dr_fit(SCANN_DR_FA, ds->x, ds->rows,
				      ds->features, k, 1, &o, &dr, NULL, &err), 0);
	ck_assert_uint_gt(t.n, 3);
	for (uint32_t i = 1; i < t.n; i++)
		ck_assert_msg(t.ll[i] >= t.ll[i - 1] - 1e-9 * fabs(t.ll[i - 1]),
			      "iteration %u: %.10g after %.10g", i, t.ll[i],
			      t.ll[i - 1]);
	scann_dr_free(dr);
	scann_dataset_free(ds);
}
END_TEST

START_TEST(loadings_of_a_known_factor_model_are_recovered)
{
	enum { N = 6000, D = 12, K = 3 };
	static float x[N * D];
	double wt[K][D], psit[D], err2 = 0, norm2 = 0;
	struct scann_rng rng;
	struct scann_dr *dr;
	struct scann_error err;

	scann_rng_seed(&rng, 21);
	for (int c = 0; c < K; c++)
		for (int j = 0; j < D; j++)
			wt[c][j] = 0.2 * scann_rng_normal(&rng);
	for (int j = 0; j < D; j++)
		psit[j] = 0.002 + 0.01 * scann_rng_uniform(&rng);
	for (int i = 0; i < N; i++) {
		double z[K];

		for (int c = 0; c < K; c++)
			z[c] = scann_rng_normal(&rng);
		for (int j = 0; j < D; j++) {
			double v = 0.5 + sqrt(psit[j]) * scann_rng_normal(&rng);

			for (int c = 0; c < K; c++)
				v += z[c] * wt[c][j];
			x[i * D + j] = (float)v;
		}
	}
	ck_assert_int_eq(scann_dr_fit(SCANN_DR_FA, x, N, D, K, 1, NULL, &dr,
				      NULL, &err), 0);
	/* W is identified up to a rotation of the factors: compare W^T W */
	for (int a = 0; a < D; a++)
		for (int b = 0; b < D; b++) {
			double t = 0, e = 0;

			for (int c = 0; c < K; c++) {
				t += wt[c][a] * wt[c][b];
				e += dr->loadings[c * D + a] * dr->loadings[c * D + b];
			}
			err2 += (t - e) * (t - e);
			norm2 += t * t;
		}
	ck_assert_msg(sqrt(err2 / norm2) < 0.05, "W^T W relative error %.3f",
		      sqrt(err2 / norm2));
	for (int j = 0; j < D; j++)
		ck_assert_msg(fabs(dr->psi[j] - psit[j]) < 0.25 * psit[j],
			      "psi[%d] %.5f, true %.5f", j, dr->psi[j], psit[j]);
	scann_dr_free(dr);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dr_fa");
	TCase *tc = tcase_create("fa");

	tcase_add_loop_test(tc, log_likelihood_never_decreases, 0, 2);
	tcase_add_test(tc, loadings_of_a_known_factor_model_are_recovered);
	suite_add_tcase(s, tc);
	return test_run(s);
}
