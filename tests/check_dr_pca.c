/*
 * check_dr_pca.c -- PCA: the projected training rows are uncorrelated with
 * variances in descending order, and what PCA throws away is exactly the
 * reconstruction error.
 */
#include <check.h>

#include "check_dr_util.h"
#include "worker/dr_impl.h"

START_TEST(projected_covariance_is_diagonal_and_descending)
{
	struct scann_dataset *ds = load_scaled("satellite.csv");
	uint32_t n = ds->rows, d = ds->features, k = 9;
	float *y = xmalloc((size_t)n * k * sizeof(*y));
	struct scann_dr *dr;
	struct scann_error err;
	double mean[9] = {0}, cov[9][9] = {{0}};

	ck_assert_int_eq(scann_dr_fit(SCANN_DR_PCA, ds->x, n, d, k, 1, NULL,
				      &dr, y, &err), 0);
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t a = 0; a < k; a++)
			mean[a] += y[(size_t)i * k + a] / n;
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t a = 0; a < k; a++)
			for (uint32_t b = 0; b < k; b++)
				cov[a][b] += (y[(size_t)i * k + a] - mean[a]) *
					     (y[(size_t)i * k + b] - mean[b]) / (n - 1);
	for (uint32_t a = 0; a < k; a++) {
		ck_assert(fabs(mean[a]) < 1e-4);
		/* float output: agree with the eigenvalue to float precision */
		ck_assert(fabs(cov[a][a] - dr->var[a]) < 1e-4 * dr->var[0]);
		if (a > 0)
			ck_assert(cov[a][a] <= cov[a - 1][a - 1]);
		for (uint32_t b = 0; b < a; b++)
			ck_assert(fabs(cov[a][b]) < 1e-4 * sqrt(cov[a][a] * cov[b][b]));
	}
	ck_assert(dr->var[k - 1] > 0);
	free(y);
	scann_dr_free(dr);
	scann_dataset_free(ds);
}
END_TEST

START_TEST(discarded_variance_equals_reconstruction_error)
{
	struct scann_dataset *ds = load_scaled("satellite.csv");
	uint32_t n = ds->rows, d = ds->features;

	for (uint32_t k = 1; k <= d; k += 7) {
		float *y = xmalloc((size_t)n * k * sizeof(*y));
		struct scann_dr *dr, *full;
		struct scann_error err;
		double total = 0, kept = 0, recon = 0;
		double *allvar;

		ck_assert_int_eq(scann_dr_fit(SCANN_DR_PCA, ds->x, n, d, k, 1,
					      NULL, &dr, y, &err), 0);
		ck_assert_int_eq(scann_dr_fit(SCANN_DR_PCA, ds->x, n, d, d, 1,
					      NULL, &full, NULL, &err), 0);
		allvar = full->var;
		for (uint32_t c = 0; c < d; c++)
			total += allvar[c];
		for (uint32_t c = 0; c < k; c++)
			kept += dr->var[c];
		for (uint32_t i = 0; i < n; i++)
			for (uint32_t j = 0; j < d; j++) {
				double xh = dr->mean[j], e;

				for (uint32_t c = 0; c < k; c++)
					xh += (double)y[(size_t)i * k + c] *
					      dr->w[(size_t)j * k + c];
				e = ds->x[(size_t)i * d + j] - xh;
				recon += e * e / (n - 1);
			}
		ck_assert_msg(fabs(recon - (total - kept)) < 1e-4 * total,
			      "k=%u: reconstruction %g, discarded %g", k, recon,
			      total - kept);
		free(y);
		scann_dr_free(dr);
		scann_dr_free(full);
	}
	scann_dataset_free(ds);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dr_pca");
	TCase *tc = tcase_create("pca");

	tcase_add_test(tc, projected_covariance_is_diagonal_and_descending);
	tcase_add_test(tc, discarded_variance_equals_reconstruction_error);
	suite_add_tcase(s, tc);
	return test_run(s);
}
