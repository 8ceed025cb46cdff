/*
 * dr_rp.c -- the four random projections, y = x R with R a d x k matrix
 * drawn from the seed:
 *   rp-gaussian     R_ij ~ N(0, 1/k)                          (dense)
 *   rp-sign         R_ij = +-1/sqrt(k), equally likely        (dense)
 *   rp-sparse       sqrt(3/k) * {+1, 0, -1} w.p. 1/6, 2/3, 1/6 (Achlioptas)
 *   rp-very-sparse  density s = 1/sqrt(d): +-1/sqrt(s k) w.p. s/2 each
 *                   (Li, Hastie, Church 2006)
 * All four preserve squared distances in expectation (E[R R^T] = I); the
 * sparse two are stored as CSR signs and one scale, and their transform
 * skips zeros.  No centring: a projection needs none, and scikit-learn's
 * peers do none either.  The entries are drawn row by row (feature j, then
 * component c), so a seed gives the same R on every machine.
 */
#include "dr_impl.h"

#include <math.h>
#include <stdlib.h>

#include "job/rng.h"

/*
 * n standard normal deviates by Marsaglia's polar method: two per accepted
 * pair and no trigonometry, several times cheaper than one Box-Muller
 * value per call (scann_rng_normal) when d x k of them are wanted.
 */
static void normals(struct scann_rng *rng, double *out, size_t n)
{
	size_t i = 0;

	while (i < n) {
		double u = 2.0 * scann_rng_uniform(rng) - 1.0;
		double v = 2.0 * scann_rng_uniform(rng) - 1.0;
		double s = u * u + v * v, f;

		if (s >= 1.0 || s == 0.0)
			continue;
		f = sqrt(-2.0 * log(s) / s);
		out[i++] = u * f;
		if (i < n)
			out[i++] = v * f;
	}
}

int scann_dr__fit_rp(struct scann_dr *dr, struct scann_dr_fitargs *a,
		     struct scann_error *err)
{
	uint32_t d = dr->d, k = dr->k;
	size_t n = (size_t)d * k;
	struct scann_rng rng;
	double density;

	scann_rng_seed(&rng, dr->seed);
	if (dr->method == SCANN_DR_RP_GAUSSIAN || dr->method == SCANN_DR_RP_SIGN) {
		double s = 1.0 / sqrt((double)k);

		dr->w = malloc(n * sizeof(*dr->w));
		if (dr->w == NULL)
			goto nomem;
		if (dr->method == SCANN_DR_RP_GAUSSIAN) {
			normals(&rng, dr->w, n);
			for (size_t i = 0; i < n; i++)
				dr->w[i] *= s;
		} else {
			for (size_t i = 0; i < n; i++)
				dr->w[i] = scann_rng_next(&rng) >> 63 ? s : -s;
		}
		return 0;
	}
	density = dr->method == SCANN_DR_RP_SPARSE ? 1.0 / 3.0 :
						     1.0 / sqrt((double)d);
	dr->sp_scale = 1.0 / sqrt(density * k);
	dr->sp_start = malloc((d + 1) * sizeof(*dr->sp_start));
	dr->sp_col = malloc((n ? n : 1) * sizeof(*dr->sp_col));
	dr->sp_sign = malloc((n ? n : 1) * sizeof(*dr->sp_sign));
	if (dr->sp_start == NULL || dr->sp_col == NULL || dr->sp_sign == NULL)
		goto nomem;
	dr->nnz = 0;
	for (uint32_t j = 0; j < d; j++) {
		dr->sp_start[j] = dr->nnz;
		for (uint32_t c = 0; c < k; c++) {
			if (scann_rng_uniform(&rng) >= density)
				continue;
			dr->sp_col[dr->nnz] = c;
			dr->sp_sign[dr->nnz] = scann_rng_next(&rng) >> 63 ? 1 : -1;
			dr->nnz++;
		}
	}
	dr->sp_start[d] = dr->nnz;
	if (dr->nnz > 0) {	/* give back the unused tail */
		uint32_t *c = realloc(dr->sp_col, dr->nnz * sizeof(*c));
		int8_t *s = realloc(dr->sp_sign, dr->nnz * sizeof(*s));

		if (c != NULL)
			dr->sp_col = c;
		if (s != NULL)
			dr->sp_sign = s;
	}
	return 0;
nomem:
	return scann_error_set(err, SCANN_ENOMEM, NULL,
			       "out of memory for a %u x %u projection", d, k);
}
