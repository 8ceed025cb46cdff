/*
 * check_dr_rp.c -- random projections: the sparse matrices have the
 * density they promise, and every projection keeps all pairwise squared
 * distances within the Johnson-Lindenstrauss bound.
 */
#include <check.h>

#include "check_dr_util.h"
#include "worker/dr_impl.h"

START_TEST(sparse_projections_have_their_density)
{
	uint32_t d = 400, k = 100, n = 10;
	float *x = xmalloc((size_t)n * d * sizeof(*x));
	struct scann_error err;

	for (size_t i = 0; i < (size_t)n * d; i++)
		x[i] = (float)(i % 7) / 7.0f;
	for (int m = SCANN_DR_RP_SPARSE; m <= SCANN_DR_RP_VERY_SPARSE; m++) {
		struct scann_dr *dr;
		double p = m == SCANN_DR_RP_SPARSE ? 1.0 / 3.0 : 1.0 / sqrt(d);
		double cells = (double)d * k, sd = sqrt(cells * p * (1 - p));
		uint32_t plus = 0;

		ck_assert_int_eq(scann_dr_fit(m, x, n, d, k, 3, NULL, &dr, NULL,
					      &err), 0);
		ck_assert_ptr_nonnull(dr->sp_start);
		ck_assert_ptr_null(dr->w);	/* stored sparsely */
		ck_assert_msg(fabs(dr->nnz - cells * p) < 4 * sd,
			      "%s: %u nonzeros, expected %.0f +- %.0f",
			      scann_dr_method_name(m), dr->nnz, cells * p, sd);
		for (uint32_t q = 0; q < dr->nnz; q++)
			plus += dr->sp_sign[q] > 0;
		ck_assert(fabs(plus - dr->nnz / 2.0) < 4 * sqrt(dr->nnz / 4.0));
		/* unit expected squared norm per column: scale^2 * p * d = d/k */
		ck_assert(fabs(dr->sp_scale * dr->sp_scale * p * k - 1) < 1e-12);
		scann_dr_free(dr);
	}
	free(x);
}
END_TEST

/*
 * The dense projections take mostly-zero rows through a sparse path and
 * other rows through GEMM (dr.c's transform_linear): both must equal x R
 * computed plainly.  k = 23 covers the kernel's 16-, 4- and 1-wide parts.
 */
START_TEST(sparse_and_dense_rows_project_alike)
{
	uint32_t d = 60, k = 23, n = 40;
	float *x = xmalloc((size_t)n * d * sizeof(*x));
	float *y = xmalloc((size_t)n * k * sizeof(*y));
	struct scann_rng rng;
	struct scann_error err;

	scann_rng_seed(&rng, 5);
	for (uint32_t i = 0; i < n; i++)	/* even rows 80% zeros, odd dense */
		for (uint32_t j = 0; j < d; j++)
			x[(size_t)i * d + j] = i % 2 == 0 &&
				scann_rng_uniform(&rng) < 0.8 ? 0.0f :
				(float)scann_rng_uniform(&rng);
	for (int m = SCANN_DR_RP_GAUSSIAN; m <= SCANN_DR_RP_SIGN; m++) {
		struct scann_dr *dr;

		ck_assert_int_eq(scann_dr_fit(m, x, n, d, k, 9, NULL, &dr, NULL,
					      &err), 0);
		ck_assert_ptr_nonnull(dr->w);
		ck_assert_int_eq(scann_dr_transform(dr, x, n, y, &err), 0);
		for (uint32_t i = 0; i < n; i++)
			for (uint32_t c = 0; c < k; c++) {
				double want = 0.0;

				for (uint32_t j = 0; j < d; j++)
					want += (double)x[(size_t)i * d + j] *
						dr->w[(size_t)j * k + c];
				ck_assert_msg(fabs(y[(size_t)i * k + c] - want) <
					      1e-5 * (1.0 + fabs(want)),
					      "%s row %u column %u: %g, want %g",
					      scann_dr_method_name(m), i, c,
					      y[(size_t)i * k + c], want);
			}
		scann_dr_free(dr);
	}
	free(x);
	free(y);
}
END_TEST

START_TEST(pairwise_distances_within_jl_bound)
{
	/* JL (Dasgupta-Gupta): k >= 4 ln n / (eps^2/2 - eps^3/3) keeps every
	 * squared distance within 1 +- eps with probability >= 1 - 1/n. */
	uint32_t n = 60, d = 1000;
	double eps = 0.5;
	uint32_t k = (uint32_t)ceil(4 * log(n) /
				    (eps * eps / 2 - eps * eps * eps / 3));
	float *x = xmalloc((size_t)n * d * sizeof(*x));
	float *y = xmalloc((size_t)n * k * sizeof(*y));
	struct scann_rng rng;
	struct scann_error err;

	scann_rng_seed(&rng, 11);
	for (size_t i = 0; i < (size_t)n * d; i++)
		x[i] = (float)scann_rng_uniform(&rng);
	for (int m = SCANN_DR_RP_GAUSSIAN; m <= SCANN_DR_RP_VERY_SPARSE; m++) {
		struct scann_dr *dr;
		double worst = 0;

		ck_assert_int_eq(scann_dr_fit(m, x, n, d, k, 5, NULL, &dr, y,
					      &err), 0);
		for (uint32_t a = 0; a < n; a++)
			for (uint32_t b = a + 1; b < n; b++) {
				double dx = 0, dy = 0;

				for (uint32_t j = 0; j < d; j++) {
					double t = x[(size_t)a * d + j] - x[(size_t)b * d + j];
					dx += t * t;
				}
				for (uint32_t c = 0; c < k; c++) {
					double t = y[(size_t)a * k + c] - y[(size_t)b * k + c];
					dy += t * t;
				}
				worst = fmax(worst, fabs(dy / dx - 1));
			}
		ck_assert_msg(worst < eps, "%s: distortion %.3f >= %.2f (k=%u)",
			      scann_dr_method_name(m), worst, eps, k);
		scann_dr_free(dr);
	}
	free(x);
	free(y);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dr_rp");
	TCase *tc = tcase_create("rp");

	tcase_add_test(tc, sparse_projections_have_their_density);
	tcase_add_test(tc, pairwise_distances_within_jl_bound);
	tcase_add_test(tc, sparse_and_dense_rows_project_alike);
	suite_add_tcase(s, tc);
	return test_run(s);
}
