/*
 * check_dr_spectral.c -- spectral embedding separates well-separated
 * clusters: in the embedding every training row and every unseen row is
 * nearest its own cluster's centroid, and the clusters are far apart
 * compared with their spread.  Fitted on landmarks (fewer than the rows),
 * so the Nystrom extension is what places most rows.
 */
#include <check.h>

#include "check_dr_util.h"
#include "worker/dr_impl.h"

enum { C = 4, D = 10, K = 3 };

static void blobs(uint32_t n, uint64_t seed, const double ctr[C][D], float *x,
		  uint32_t *lab)
{
	struct scann_rng rng;

	scann_rng_seed(&rng, seed);
	for (uint32_t i = 0; i < n; i++) {
		lab[i] = i % C;
		for (int j = 0; j < D; j++)
			x[i * D + j] = (float)(ctr[lab[i]][j] +
					       0.02 * scann_rng_normal(&rng));
	}
}

/* Fraction of rows nearest their own cluster's centroid (centroids given). */
static double nearest_centroid(const float *y, const uint32_t *lab, uint32_t n,
			       const double cen[C][K])
{
	uint32_t ok = 0;

	for (uint32_t i = 0; i < n; i++) {
		int best = 0;
		double bd = INFINITY;

		for (int c = 0; c < C; c++) {
			double s = 0;

			for (int a = 0; a < K; a++)
				s += (y[i * K + a] - cen[c][a]) * (y[i * K + a] - cen[c][a]);
			if (s < bd) {
				bd = s;
				best = c;
			}
		}
		ok += (uint32_t)best == lab[i];
	}
	return (double)ok / n;
}

START_TEST(spectral_separates_well_separated_clusters)
{
	enum { N = 1200, NT = 400 };
	static float x[N * D], xt[NT * D], y[N * K], yt[NT * K];
	static uint32_t lab[N], labt[NT];
	double ctr[C][D], cen[C][K] = {{0}}, spread = 0, gap = INFINITY;
	struct scann_rng rng;
	struct scann_dr_options o = {.landmarks = 300};
	struct scann_dr *dr;
	struct scann_error err;

	scann_rng_seed(&rng, 9);
	for (int c = 0; c < C; c++)
		for (int j = 0; j < D; j++)
			ctr[c][j] = 0.2 + 0.6 * scann_rng_uniform(&rng);
	blobs(N, 1, ctr, x, lab);
	blobs(NT, 2, ctr, xt, labt);
	ck_assert_int_eq(scann_dr_fit(SCANN_DR_SPECTRAL, x, N, D, K, 4, &o, &dr,
				      y, &err), 0);
	ck_assert_int_eq(scann_dr_transform(dr, xt, NT, yt, &err), 0);
	for (uint32_t i = 0; i < N; i++)
		for (int a = 0; a < K; a++)
			cen[lab[i]][a] += y[i * K + a] / (N / C);
	for (uint32_t i = 0; i < N; i++) {
		double s = 0;

		for (int a = 0; a < K; a++)
			s += pow(y[i * K + a] - cen[lab[i]][a], 2);
		spread = fmax(spread, sqrt(s));
	}
	for (int c = 0; c < C; c++)
		for (int e = c + 1; e < C; e++) {
			double s = 0;

			for (int a = 0; a < K; a++)
				s += pow(cen[c][a] - cen[e][a], 2);
			gap = fmin(gap, sqrt(s));
		}
	ck_assert_msg(gap > 10 * spread, "centroid gap %.4g, spread %.4g", gap,
		      spread);
	ck_assert(nearest_centroid(y, lab, N, cen) == 1.0);
	ck_assert(nearest_centroid(yt, labt, NT, cen) == 1.0);
	scann_dr_free(dr);
}
END_TEST

START_TEST(spectral_embeds_real_data_finitely)
{
	struct scann_dataset *ds = load_scaled("dna.csv");
	uint32_t k = scann_dr_components(ds->features, 8);
	float *y = xmalloc((size_t)ds->rows * k * sizeof(*y));
	struct scann_dr *dr;
	struct scann_error err;

	ck_assert_int_eq(scann_dr_fit(SCANN_DR_SPECTRAL, ds->x, ds->rows,
				      ds->features, k, 1, NULL, &dr, y, &err), 0);
	for (size_t i = 0; i < (size_t)ds->rows * k; i++)
		ck_assert(isfinite(y[i]));
	free(y);
	scann_dr_free(dr);
	scann_dataset_free(ds);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dr_spectral");
	TCase *tc = tcase_create("spectral");

	tcase_add_test(tc, spectral_separates_well_separated_clusters);
	tcase_add_test(tc, spectral_embeds_real_data_finitely);
	suite_add_tcase(s, tc);
	return test_run(s);
}
