/*
 * dr_spectral.c -- spectral embedding (Laplacian eigenmaps with the
 * normalised Laplacian, as scikit-learn's SpectralEmbedding) over m
 * landmarks, with the Nystrom extension of Bengio et al. ("Out-of-sample
 * extensions for LLE, Isomap, MDS, Eigenmaps, and spectral clustering",
 * NIPS 2003) for every row, training rows included.
 *
 * Fit, on the training rows only:
 *   - m landmarks drawn with the seed (default m = min(n, 1000)): the
 *     affinity matrix is m x m, never n x n;
 *   - Gaussian affinity K(x, y) = exp(-gamma |x - y|^2), gamma = 1 /
 *     (2 sigma^2), sigma the median over landmarks of the distance to
 *     their q-th nearest landmark (q = 10): a local scale, so clusters
 *     farther apart than a few sigma do not talk to each other;
 *   - degrees d_j = sum_i K(l_i, l_j); the top k + 1 eigenpairs (lambda,
 *     v) of D^-1/2 K D^-1/2 (= the bottom of the normalised Laplacian
 *     I - D^-1/2 K D^-1/2); the first, the trivial sqrt(d), is dropped.
 * Transform of any row x (Nystrom):
 *   v_c(x) = 1/lambda_c sum_j K(x, l_j) v_c(j) / sqrt(d(x) d_j),
 *   y_c(x) = sqrt(m dbar / d(x)) v_c(x),  d(x) = sum_j K(x, l_j),
 * which at a landmark returns its own eigenvector entry scaled by
 * d^-1/2 (scikit-learn's embedding scaling), and which is homogeneous of
 * degree 0 in K: the kernel row is computed relative to the nearest
 * landmark, so a row far from every landmark does not underflow to 0/0.
 * No row outside the training split influences the fit -- unlike
 * scikit-learn, which can only embed the rows it was fitted on.
 */
#include "dr_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "job/rng.h"

#define BLOCK 256

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* out (rows x k) for rows of x (doubles), by blocks. */
static int nystrom(const struct scann_dr *dr, const double *x, uint32_t rows,
		   float *out)
{
	uint32_t d = dr->d, k = dr->k, m = dr->m;
	double *kb = malloc((size_t)BLOCK * m * sizeof(*kb));
	double *yb = malloc((size_t)BLOCK * k * sizeof(*yb));
	double *xn = malloc((size_t)BLOCK * sizeof(*xn));
	double *ln = malloc((size_t)m * sizeof(*ln));
	int rc = 0;

	if (kb == NULL || yb == NULL || xn == NULL || ln == NULL) {
		rc = SCANN_ENOMEM;
		goto out;
	}
	scann_dr__rownorm2(dr->anchor, m, d, ln);
	for (uint32_t i0 = 0; i0 < rows; i0 += BLOCK) {
		uint32_t nr = rows - i0 < BLOCK ? rows - i0 : BLOCK;
		const double *xi = x + (size_t)i0 * d;

		scann_dr__rownorm2(xi, nr, d, xn);
		scann_dr__sqdist(xi, nr, xn, dr->anchor, m, ln, d, kb);
		for (uint32_t i = 0; i < nr; i++) {
			double *r = kb + (size_t)i * m, lo = INFINITY, s = 0.0;

			for (uint32_t j = 0; j < m; j++)
				lo = r[j] < lo ? r[j] : lo;
			for (uint32_t j = 0; j < m; j++) {
				r[j] = exp(-dr->gamma * (r[j] - lo));
				s += r[j];
			}
			for (uint32_t j = 0; j < m; j++)	/* s >= 1 */
				r[j] *= dr->scale / s;
		}
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nr,
			    (int)k, (int)m, 1.0, kb, (int)m, dr->coef, (int)k,
			    0.0, yb, (int)k);
		for (size_t i = 0; i < (size_t)nr * k; i++)
			out[(size_t)i0 * k + i] = (float)yb[i];
	}
out:
	free(kb);
	free(yb);
	free(xn);
	free(ln);
	return rc;
}

int scann_dr__fit_spectral(struct scann_dr *dr, struct scann_dr_fitargs *a,
			   struct scann_error *err)
{
	uint32_t n = a->rows, d = dr->d, k = dr->k;
	uint32_t q = a->opt->neighbors ? a->opt->neighbors : 10;
	uint32_t m = a->opt->landmarks ? a->opt->landmarks : 1000;
	uint32_t *perm = malloc((size_t)n * sizeof(*perm));
	double *kk = NULL, *ln = NULL, *deg = NULL, *val = NULL, *vec = NULL;
	double *kth = NULL, dbar = 0.0, sigma;
	struct scann_rng rng;
	int rc = 0;

	if (m > n)
		m = n;
	if (m < k + 2)
		m = k + 2 <= n ? k + 2 : n;
	if (q > m - 1)
		q = m - 1;
	dr->m = m;
	kk = malloc((size_t)m * m * sizeof(*kk));
	ln = malloc((size_t)m * sizeof(*ln));
	deg = malloc((size_t)m * sizeof(*deg));
	val = malloc((size_t)(k + 1) * sizeof(*val));
	vec = malloc((size_t)m * (k + 1) * sizeof(*vec));
	kth = malloc((size_t)m * sizeof(*kth));
	dr->anchor = malloc((size_t)m * d * sizeof(*dr->anchor));
	dr->coef = calloc((size_t)m * k, sizeof(*dr->coef));
	if (perm == NULL || kk == NULL || ln == NULL || deg == NULL ||
	    val == NULL || vec == NULL || kth == NULL || dr->anchor == NULL ||
	    dr->coef == NULL) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL,
				     "out of memory for a spectral embedding with %u landmarks",
				     m);
		goto out;
	}
	for (uint32_t i = 0; i < n; i++)
		perm[i] = i;
	scann_rng_seed(&rng, dr->seed);
	scann_rng_shuffle_u32(&rng, perm, n);
	for (uint32_t i = 0; i < m; i++)
		memcpy(dr->anchor + (size_t)i * d, a->x + (size_t)perm[i] * d,
		       d * sizeof(*dr->anchor));

	scann_dr__rownorm2(dr->anchor, m, d, ln);
	scann_dr__sqdist(dr->anchor, m, ln, dr->anchor, m, ln, d, kk);
	/* bandwidth: median distance to the q-th nearest other landmark */
	for (uint32_t i = 0; i < m; i++) {
		memcpy(kth, kk + (size_t)i * m, m * sizeof(*kth));
		qsort(kth, m, sizeof(*kth), cmp_double);
		deg[i] = kth[q];	/* kth[0] is the landmark itself */
	}
	qsort(deg, m, sizeof(*deg), cmp_double);
	sigma = sqrt(deg[m / 2]);
	if (!(sigma > 1e-12))
		sigma = 1e-12;	/* duplicated rows: any positive scale works */
	dr->gamma = 1.0 / (2.0 * sigma * sigma);

	for (uint32_t i = 0; i < m; i++)
		deg[i] = 0.0;
	for (uint32_t i = 0; i < m; i++)
		for (uint32_t j = 0; j < m; j++) {
			double v = i == j ? 1.0 : exp(-dr->gamma * kk[(size_t)i * m + j]);

			kk[(size_t)i * m + j] = v;
			deg[i] += v;
		}
	for (uint32_t i = 0; i < m; i++) {
		dbar += deg[i] / m;
		for (uint32_t j = 0; j < m; j++)
			kk[(size_t)i * m + j] /= sqrt(deg[i] * deg[j]);
	}
	rc = scann_dr__top_eigen(kk, m, k + 1, val, vec, err);
	if (rc < 0)
		goto out;
	dr->scale = sqrt(m * dbar);
	for (uint32_t c = 0; c < k; c++) {
		double lam = val[c + 1];

		if (!(lam > 1e-10 * val[0]))
			continue;	/* numerically null: leave 0 */
		for (uint32_t j = 0; j < m; j++)
			dr->coef[(size_t)j * k + c] =
				vec[(size_t)j * (k + 1) + c + 1] / (lam * sqrt(deg[j]));
	}
	if (a->train_y != NULL) {
		if (nystrom(dr, a->x, n, a->train_y) < 0) {
			rc = scann_error_set(err, SCANN_ENOMEM, NULL,
					     "out of memory embedding %u rows", n);
			goto out;
		}
		a->train_y_done = 1;
	}
out:
	free(perm);
	free(kk);
	free(ln);
	free(deg);
	free(val);
	free(vec);
	free(kth);
	return rc;
}

int scann_dr__transform_spectral(const struct scann_dr *dr, const float *x,
				 uint32_t rows, float *out,
				 struct scann_error *err)
{
	double *xb = malloc((size_t)BLOCK * dr->d * sizeof(*xb));
	int rc = 0;

	if (xb == NULL)
		return scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
	for (uint32_t i0 = 0; i0 < rows && rc == 0; i0 += BLOCK) {
		uint32_t nr = rows - i0 < BLOCK ? rows - i0 : BLOCK;

		for (size_t i = 0; i < (size_t)nr * dr->d; i++)
			xb[i] = x[(size_t)i0 * dr->d + i];
		rc = nystrom(dr, xb, nr, out + (size_t)i0 * dr->k);
	}
	free(xb);
	if (rc < 0)
		return scann_error_set(err, SCANN_ENOMEM, NULL,
				       "out of memory transforming %u rows", rows);
	return 0;
}
