/*
 * dr_ica.c -- FastICA (Hyvarinen 1999), the variant scikit-learn's
 * FastICA(whiten="unit-variance") runs by default: centre, whiten to k
 * dimensions by PCA, then the parallel (symmetric) fixed-point iteration
 * with the logcosh contrast, g = tanh:
 *   W+ = E[g(W z) z^T] - diag(E[g'(W z)]) W,   W = (W+ W+^T)^-1/2 W+
 * until max_c |1 - |<w+_c, w_c>|| < tol (1e-4) or max_iter (200).
 * The whitening comes from the d x d covariance (dsyrk + dsyevr) instead
 * of an SVD of the rows: the same matrix for n >> d at a fraction of the
 * cost.  The start W is drawn from N(0,1) with the fit's seed, so a fit is
 * reproducible.  Finally each output is scaled to unit variance on the
 * training rows, and unmixing and whitening fold into one d x k matrix:
 * the transform is linear.
 */
#include "dr_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "rng.h"

/*
 * tanh through expm1: as accurate as libm's tanh (within an ulp or two,
 * no cancellation near 0) and 40% cheaper here, where it is the one
 * transcendental evaluated n k times per iteration.
 */
static inline double fast_tanh(double x)
{
	double e = expm1(-2.0 * fabs(x));
	double t = -e / (2.0 + e);

	return x < 0 ? -t : t;
}

/* W = (W W^T)^-1/2 W for k x k W; tmp holds 3 k^2 doubles. */
static int decorrelate(double *W, uint32_t k, double *tmp,
		       struct scann_error *err)
{
	double *g = tmp, *e = tmp + (size_t)k * k, *h = tmp + 2 * (size_t)k * k;
	double val[1024], *v = k <= 1024 ? val : malloc(k * sizeof(*v));
	int rc;

	if (v == NULL)
		return scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)k, (int)k,
		    (int)k, 1.0, W, (int)k, W, (int)k, 0.0, g, (int)k);
	rc = scann_dr__top_eigen(g, k, k, v, e, err);
	if (rc == 0) {
		/* h = E diag(1/sqrt(v)) E^T */
		for (uint32_t i = 0; i < k; i++)
			for (uint32_t c = 0; c < k; c++)
				g[(size_t)i * k + c] = e[(size_t)i * k + c] /
						       sqrt(fmax(v[c], 1e-300));
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)k,
			    (int)k, (int)k, 1.0, g, (int)k, e, (int)k, 0.0, h,
			    (int)k);
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)k,
			    (int)k, (int)k, 1.0, h, (int)k, W, (int)k, 0.0, g,
			    (int)k);
		memcpy(W, g, (size_t)k * k * sizeof(*W));
	}
	if (v != val)
		free(v);
	return rc;
}

int scann_dr__fit_ica(struct scann_dr *dr, struct scann_dr_fitargs *a,
		      struct scann_error *err)
{
	uint32_t d = dr->d, k = dr->k, n = a->rows;
	uint32_t max_iter = a->opt->max_iter ? a->opt->max_iter : 200;
	double tol = a->opt->tol > 0 ? a->opt->tol : 1e-4;
	double *cov = malloc((size_t)d * d * sizeof(*cov));
	double *lam = malloc(k * sizeof(*lam));
	double *K = malloc((size_t)d * k * sizeof(*K));	/* whitening, d x k */
	double *z = malloc((size_t)n * k * sizeof(*z));	/* whitened rows */
	double *wz = malloc((size_t)n * k * sizeof(*wz));
	double *W = malloc((size_t)k * k * sizeof(*W));
	double *W1 = malloc((size_t)k * k * sizeof(*W1));
	double *tmp = malloc(3 * (size_t)k * k * sizeof(*tmp));
	double *gp = malloc(k * sizeof(*gp));
	double *xc = NULL;
	struct scann_rng rng;
	int rc;

	dr->mean = malloc(d * sizeof(*dr->mean));
	dr->w = malloc((size_t)d * k * sizeof(*dr->w));
	if (cov == NULL || lam == NULL || K == NULL || z == NULL || wz == NULL ||
	    W == NULL || W1 == NULL || tmp == NULL || gp == NULL ||
	    dr->mean == NULL || dr->w == NULL)
		goto nomem;
	scann_dr__mean(a->x, n, d, dr->mean);
	if (scann_dr__covariance(a->x, n, d, dr->mean, cov) < 0)
		goto nomem;
	rc = scann_dr__top_eigen(cov, d, k, lam, K, err);
	if (rc < 0)
		goto out;
	for (uint32_t c = 0; c < k; c++) {
		/* 1/n variance, as the fixed point's expectations are means */
		double s = 1.0 / sqrt(fmax(lam[c] * (n - 1) / n, 1e-300));

		for (uint32_t j = 0; j < d; j++)
			K[(size_t)j * k + c] *= s;
	}
	/* z = (x - mean) K, by one dgemm over a centred copy */
	xc = malloc((size_t)n * d * sizeof(*xc));
	if (xc == NULL)
		goto nomem;
	for (size_t i = 0; i < n; i++)
		for (uint32_t j = 0; j < d; j++)
			xc[i * d + j] = a->x[i * d + j] - dr->mean[j];
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)k,
		    (int)d, 1.0, xc, (int)d, K, (int)k, 0.0, z, (int)k);
	free(xc);
	xc = NULL;

	scann_rng_seed(&rng, dr->seed);
	for (size_t i = 0; i < (size_t)k * k; i++)
		W[i] = scann_rng_normal(&rng);
	rc = decorrelate(W, k, tmp, err);
	for (uint32_t it = 0; rc == 0 && it < max_iter; it++) {
		double lim = 0.0;

		/* wz = z W^T: row i holds the k current source estimates */
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n,
			    (int)k, (int)k, 1.0, z, (int)k, W, (int)k, 0.0, wz,
			    (int)k);
		memset(gp, 0, k * sizeof(*gp));
		for (size_t i = 0; i < n; i++)
			for (uint32_t c = 0; c < k; c++) {
				double t = fast_tanh(wz[i * k + c]);

				wz[i * k + c] = t;
				gp[c] += 1.0 - t * t;
			}
		/* W1 = g(wz)^T z / n - diag(mean g') W */
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k,
			    (int)k, (int)n, 1.0 / n, wz, (int)k, z, (int)k, 0.0,
			    W1, (int)k);
		for (uint32_t c = 0; c < k; c++)
			for (uint32_t j = 0; j < k; j++)
				W1[(size_t)c * k + j] -= gp[c] / n * W[(size_t)c * k + j];
		rc = decorrelate(W1, k, tmp, err);
		if (rc < 0)
			break;
		for (uint32_t c = 0; c < k; c++) {
			double dot = 0.0;

			for (uint32_t j = 0; j < k; j++)
				dot += W1[(size_t)c * k + j] * W[(size_t)c * k + j];
			lim = fmax(lim, fabs(fabs(dot) - 1.0));
		}
		memcpy(W, W1, (size_t)k * k * sizeof(*W));
		if (a->opt->trace)
			a->opt->trace(a->opt->trace_ctx, it, lim);
		if (lim < tol)
			break;
	}
	if (rc < 0)
		goto out;
	/*
	 * Projection = K W^T (d x k).  The sources z W^T already have unit
	 * variance on the training rows (z is white with 1/n, W orthogonal),
	 * which is what scikit-learn's whiten="unit-variance" rescales to.
	 */
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)d, (int)k,
		    (int)k, 1.0, K, (int)k, W, (int)k, 0.0, dr->w, (int)k);
	rc = 0;
	goto out;
nomem:
	rc = scann_error_set(err, SCANN_ENOMEM, NULL,
			     "out of memory for FastICA of %u x %u rows", n, d);
out:
	free(xc);
	free(cov);
	free(lam);
	free(K);
	free(z);
	free(wz);
	free(W);
	free(W1);
	free(tmp);
	free(gp);
	return rc;
}
