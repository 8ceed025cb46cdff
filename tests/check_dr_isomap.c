/*
 * check_dr_isomap.c -- landmark Isomap unrolls a swiss roll: its first
 * coordinate follows the roll parameter (|Spearman| > 0.95) on the
 * training rows and on rows it never saw, and transforming the training
 * rows gives back the fit's own embedding.
 */
#include <check.h>

#include "check_dr_util.h"
#include "worker/dr_impl.h"

/* n points of a swiss roll, scaled into [0,1]^3 by one common factor so
 * the geometry is kept; t[i] is the roll parameter. */
static void swiss_roll(uint32_t n, uint64_t seed, float *x, float *t)
{
	struct scann_rng rng;

	scann_rng_seed(&rng, seed);
	for (uint32_t i = 0; i < n; i++) {
		double u = 1.5 * 3.14159265358979 * (1 + 2 * scann_rng_uniform(&rng));
		double h = 21 * scann_rng_uniform(&rng);

		t[i] = (float)u;
		x[i * 3 + 0] = (float)((u * cos(u) + 12) / 30);
		x[i * 3 + 1] = (float)(h / 30);
		x[i * 3 + 2] = (float)((u * sin(u) + 12) / 30);
	}
}

static void unrolls(uint32_t n, uint32_t landmarks, uint32_t anchors)
{
	uint32_t nte = 500, k = 2;
	float *x = xmalloc((size_t)n * 3 * sizeof(*x)), *t = xmalloc(n * sizeof(*t));
	float *xt = xmalloc((size_t)nte * 3 * sizeof(*xt));
	float *tt = xmalloc(nte * sizeof(*tt));
	float *y = xmalloc((size_t)n * k * sizeof(*y));
	float *y2 = xmalloc((size_t)n * k * sizeof(*y2));
	float *yt = xmalloc((size_t)nte * k * sizeof(*yt));
	struct scann_dr_options o = {.landmarks = landmarks, .anchors = anchors};
	struct scann_dr *dr;
	struct scann_error err;
	double rho, rho_t, span = 0, worst = 0;

	swiss_roll(n, 1, x, t);
	swiss_roll(nte, 2, xt, tt);
	ck_assert_int_eq(scann_dr_fit(SCANN_DR_ISOMAP, x, n, 3, k, 7, &o, &dr,
				      y, &err), 0);
	rho = spearman_strided(y, k, t, 1, n);
	ck_assert_msg(fabs(rho) > 0.95, "train |Spearman| %.4f", rho);
	ck_assert_int_eq(scann_dr_transform(dr, xt, nte, yt, &err), 0);
	rho_t = spearman_strided(yt, k, tt, 1, nte);
	ck_assert_msg(fabs(rho_t) > 0.95, "unseen |Spearman| %.4f", rho_t);

	/* the out-of-sample map on the training rows is the fit's map */
	ck_assert_int_eq(scann_dr_transform(dr, x, n, y2, &err), 0);
	for (uint32_t i = 0; i < n; i++)
		span = fmax(span, fabs(y[(size_t)i * k]));
	if (anchors == 0 || anchors >= n) {
		for (size_t i = 0; i < (size_t)n * k; i++)
			worst = fmax(worst, fabs(y[i] - y2[i]));
		ck_assert_msg(worst < 1e-3 * span, "max |fit - transform| %.3g of %.3g",
			      worst, span);
	} else {
		/* anchors only: the map agrees on them (the first n_anchor of
		 * the seeded order are not known here; agreement in rank) */
		double r2 = spearman_strided(y, k, y2, k, n);

		ck_assert_msg(r2 > 0.99, "fit vs transform Spearman %.4f", r2);
	}
	free(x);
	free(t);
	free(xt);
	free(tt);
	free(y);
	free(y2);
	free(yt);
	scann_dr_free(dr);
}

START_TEST(isomap_unrolls_swiss_roll_all_landmarks)
{
	unrolls(1500, 1500, 0);	/* exact Isomap: every row a landmark */
}
END_TEST

START_TEST(isomap_unrolls_swiss_roll_with_landmarks)
{
	unrolls(2000, 0, 0);	/* defaults: 500 landmarks, all rows anchors */
}
END_TEST

START_TEST(isomap_unrolls_swiss_roll_with_fewer_anchors)
{
	unrolls(3000, 200, 1500);
}
END_TEST

START_TEST(disconnected_graph_is_joined)
{
	/* two far-apart clumps: 10 neighbours never cross the gap */
	enum { N = 200 };
	static float x[N * 2], y[N];
	struct scann_rng rng;
	struct scann_dr *dr;
	struct scann_error err;

	scann_rng_seed(&rng, 3);
	for (int i = 0; i < N; i++) {
		x[i * 2] = (float)(0.1 * scann_rng_uniform(&rng) + (i < N / 2 ? 0 : 0.9));
		x[i * 2 + 1] = (float)(0.1 * scann_rng_uniform(&rng));
	}
	ck_assert_int_eq(scann_dr_fit(SCANN_DR_ISOMAP, x, N, 2, 1, 1, NULL, &dr,
				      y, &err), 0);
	for (int i = 0; i < N; i++)
		ck_assert(isfinite(y[i]));
	/* the clumps land on opposite sides */
	ck_assert((y[0] > 0) != (y[N - 1] > 0));
	scann_dr_free(dr);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dr_isomap");
	TCase *tc = tcase_create("isomap");

	tcase_add_test(tc, isomap_unrolls_swiss_roll_all_landmarks);
	tcase_add_test(tc, isomap_unrolls_swiss_roll_with_landmarks);
	tcase_add_test(tc, isomap_unrolls_swiss_roll_with_fewer_anchors);
	tcase_add_test(tc, disconnected_graph_is_joined);
	suite_add_tcase(s, tc);
	return test_run(s);
}
