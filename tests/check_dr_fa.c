/*
 * check_dr_fa.c -- factor analysis: the log-likelihood never decreases
 * from one iteration to the next, and data drawn from a known factor model
 * give back its loadings (up to rotation: W^T W) and noise variances; the
 * returned loadings are the exact eigensolution, not a warm-started one.
 */
#include <check.h>

#include "check_dr_util.h"
#include "worker/dr_impl.h"

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

/*
 * Evaluations warm-start from the last one's subspace (Ritz pairs), but
 * the model returned must carry the exact top-k eigenpairs of psi^-1/2 S
 * psi^-1/2 at its psi: tr(W psi^-1 W^T) = sum (lambda_c - 1)^+, which a
 * Ritz subspace falls short of (its values interlace below).
 */
START_TEST(final_loadings_come_from_the_exact_eigenpairs)
{
	struct scann_dataset *ds = load_scaled("dna.csv");
	struct scann_dr *dr;
	struct scann_error err;
	uint32_t d = ds->features, k = scann_dr_components(d, 8), n = ds->rows;
	double *x = scann_dr__to_double(ds->x, (size_t)n * d);
	double *mu = malloc(d * sizeof(*mu)), *s = malloc((size_t)d * d * sizeof(*s));
	double *val = malloc(k * sizeof(*val)), *vec = malloc((size_t)d * k * sizeof(*vec));
	double want = 0.0, got = 0.0;

	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(scann_dr_fit(SCANN_DR_FA, ds->x, n, d, k, 1, NULL, &dr,
				      NULL, &err), 0);
	scann_dr__mean(x, n, d, mu);
	ck_assert_int_eq(scann_dr__covariance(x, n, d, mu, s), 0);
	for (uint32_t i = 0; i < d; i++)
		for (uint32_t j = 0; j < d; j++)
			s[(size_t)i * d + j] *= (double)(n - 1) / n /
				sqrt(dr->psi[i] * dr->psi[j]);
	ck_assert_int_eq(scann_dr__top_eigen(s, d, k, val, vec, &err), 0);
	for (uint32_t c = 0; c < k; c++) {
		want += val[c] > 1.0 ? val[c] - 1.0 : 0.0;
		for (uint32_t j = 0; j < d; j++)
			got += dr->loadings[(size_t)c * d + j] *
			       dr->loadings[(size_t)c * d + j] / dr->psi[j];
	}
	ck_assert_msg(fabs(got - want) < 1e-10 * want, "tr %.10g, exact %.10g",
		      got, want);
	free(x);
	free(mu);
	free(s);
	free(val);
	free(vec);
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
	tcase_add_test(tc, final_loadings_come_from_the_exact_eigenpairs);
	tcase_add_test(tc, loadings_of_a_known_factor_model_are_recovered);
	suite_add_tcase(s, tc);
	return test_run(s);
}
