/*
 * check_dr_ica.c -- FastICA unmixes known independent sources: each source
 * is found again (|correlation| > 0.98) by one output, from a random mix
 * with extra noise dimensions; the outputs have unit variance.
 */
#include <check.h>

#include "check_dr_util.h"
#include "worker/dr_impl.h"

START_TEST(fastica_unmixes_independent_sources)
{
	enum { N = 4000, S = 3, D = 6 };
	static float src[N * S], x[N * D], y[N * S];
	double mix[S][D];
	struct scann_rng rng;
	struct scann_dr *dr;
	struct scann_error err;

	scann_rng_seed(&rng, 5);
	for (int i = 0; i < N; i++) {
		double u = scann_rng_uniform(&rng);

		src[i * S + 0] = (float)sin(i * 0.05);			/* sine */
		src[i * S + 1] = (float)(2 * u - 1);			/* uniform */
		src[i * S + 2] = (float)(((i / 37) % 2) ? 1 : -1);	/* square */
	}
	for (int c = 0; c < S; c++)
		for (int j = 0; j < D; j++)
			mix[c][j] = scann_rng_normal(&rng);
	for (int i = 0; i < N; i++)
		for (int j = 0; j < D; j++) {
			double v = 0.01 * scann_rng_normal(&rng);

			for (int c = 0; c < S; c++)
				v += src[i * S + c] * mix[c][j];
			x[i * D + j] = (float)v;
		}
	minmax(x, N, D);
	ck_assert_int_eq(scann_dr_fit(SCANN_DR_ICA, x, N, D, S, 3, NULL, &dr, y,
				      &err), 0);
	for (int c = 0; c < S; c++) {
		double best = 0, var = 0, mean = 0;

		for (int o = 0; o < S; o++)
			best = fmax(best, fabs(corr_strided(src + c, S, y + o, S, N)));
		ck_assert_msg(best > 0.98, "source %d: best |corr| %.4f", c, best);
		for (int i = 0; i < N; i++)
			mean += y[i * S + c] / N;
		for (int i = 0; i < N; i++)
			var += (y[i * S + c] - mean) * (y[i * S + c] - mean) / N;
		ck_assert(fabs(var - 1) < 1e-3);
	}
	scann_dr_free(dr);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dr_ica");
	TCase *tc = tcase_create("ica");

	tcase_add_test(tc, fastica_unmixes_independent_sources);
	suite_add_tcase(s, tc);
	return test_run(s);
}
