/*
 * dr_ica.c -- FastICA (Hyvarinen 1999), the variant scikit-learn's
 * FastICA(whiten="unit-variance") runs by default: centre, whiten to k
 * dimensions by PCA, then the parallel (symmetric) fixed-point iteration
 * with the logcosh contrast, g = tanh:
 *   W+ = E[g(W z) z^T] - diag(E[g'(W z)]) W,   W = (W+ W+^T)^-1/2 W+
 * until max_c |1 - |<w+_c, w_c>|| < tol (1e-4) or max_iter (200).
 * The whitening comes from the d x d covariance (dsyrk + dsyevr) instead
 * of an SVD of the rows: the same matrix for n >> d at a fraction of the
 * cost.
 *
 * The iteration runs in two phases.  First in single precision (sgemm and
 * a rational tanh accurate to 4e-7, vectorisable) until the criterion
 * holds: the n x k tanh and the two n x k x k products are the whole cost
 * and halve in float.  Then in double with libm-accurate tanh from that
 * point until the criterion holds again -- usually one step, since both
 * phases head for the same fixed point (they differ by ~1e-6, and the
 * criterion is quadratic in the step's angle).  The answer is therefore
 * the double-precision fixed point, reached at mostly float cost.  The start W is drawn from N(0,1) with the fit's seed, so a fit is
 * reproducible.  Finally each output is scaled to unit variance on the
 * training rows, and unmixing and whitening fold into one d x k matrix:
 * the transform is linear.
 */
#include "dr_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "job/rng.h"

#define TANH_CLAMP 7.90531110763549805f

/*
 * A rational approximation of tanh on [-7.9, 7.9] (the one Eigen uses for
 * float), max error 4e-7: enough to steer the float phase.
 */
static inline float tanh_rational(float x)	/* |x| <= TANH_CLAMP */
{
	float x2, p, q;

	x2 = x * x;
	p = -2.76076847742355e-16f;
	p = p * x2 + 2.00018790482477e-13f;
	p = p * x2 + -8.60467152213735e-11f;
	p = p * x2 + 5.12229709037114e-08f;
	p = p * x2 + 1.48572235717979e-05f;
	p = p * x2 + 6.37261928875436e-04f;
	p = p * x2 + 4.89352455891786e-03f;
	p = p * x;
	q = 1.19825839466702e-06f;
	q = q * x2 + 1.18534705686654e-04f;
	q = q * x2 + 2.26843463243900e-03f;
	q = q * x2 + 4.89352518554385e-03f;
	return p / q;
}

/*
 * v[0..n) = tanh(v).  The clamp is a pass of its own (its branches are
 * predictable, and any branch in a loop stops GCC's vectoriser); the
 * rational function then runs in blocks of a fixed 8 so that even -O2's
 * cheapest cost model vectorises it (no epilogue inside the block).
 */
static void tanh_rational_all(float *v, size_t n)
{
	size_t i = 0;

	for (size_t j = 0; j < n; j++) {
		if (v[j] < -TANH_CLAMP)
			v[j] = -TANH_CLAMP;
		else if (v[j] > TANH_CLAMP)
			v[j] = TANH_CLAMP;
	}
	for (; i + 8 <= n; i += 8) {
		float *w = v + i;

		for (int j = 0; j < 8; j++)
			w[j] = tanh_rational(w[j]);
	}
	for (; i < n; i++)
		v[i] = tanh_rational(v[i]);
}

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

/*
 * How far the unmixing rows moved in one step: max over rows of
 * | |<w1_c, w_c>| - 1 | (rows are unit length; 0 when none turned),
 * scikit-learn's convergence measure.
 */
static double unmixing_change(const double *W1, const double *W, uint32_t k)
{
	double lim = 0.0;

	for (uint32_t c = 0; c < k; c++) {
		double dot = 0.0;

		for (uint32_t j = 0; j < k; j++)
			dot += W1[(size_t)c * k + j] * W[(size_t)c * k + j];
		lim = fmax(lim, fabs(fabs(dot) - 1.0));
	}
	return lim;
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
	float *zf = NULL, *wzf = NULL, *fbuf = NULL;
	uint32_t it;
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
	it = 0;
	if (rc == 0) {
		zf = malloc((size_t)n * k * sizeof(*zf));
		wzf = malloc((size_t)n * k * sizeof(*wzf));
		fbuf = malloc((2 * (size_t)k * k + k) * sizeof(*fbuf));
		if (zf == NULL || wzf == NULL || fbuf == NULL)
			goto nomem;
		for (size_t i = 0; i < (size_t)n * k; i++)
			zf[i] = (float)z[i];
	}
	/* the float phase leaves at least one double step */
	for (; rc == 0 && it + 1 < max_iter; it++) {
		double lim;
		float *Wf = fbuf, *W1f = fbuf + (size_t)k * k;
		float *gpp = fbuf + 2 * (size_t)k * k;

		for (size_t i = 0; i < (size_t)k * k; i++)
			Wf[i] = (float)W[i];
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n,
			    (int)k, (int)k, 1.0f, zf, (int)k, Wf, (int)k, 0.0f,
			    wzf, (int)k);
		tanh_rational_all(wzf, (size_t)n * k);
		memset(gpp, 0, k * sizeof(*gpp));
		for (size_t i = 0; i < n; i++) {
			const float *t = wzf + i * k;

			for (uint32_t c = 0; c < k; c++)
				gpp[c] += t[c] * t[c];
		}
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k,
			    (int)k, (int)n, 1.0f / n, wzf, (int)k, zf, (int)k,
			    0.0f, W1f, (int)k);
		for (uint32_t c = 0; c < k; c++)
			for (uint32_t j = 0; j < k; j++)
				W1[(size_t)c * k + j] = W1f[(size_t)c * k + j] -
					(1.0 - gpp[c] / (double)n) * W[(size_t)c * k + j];
		rc = decorrelate(W1, k, tmp, err);
		if (rc < 0)
			break;
		lim = unmixing_change(W1, W, k);
		memcpy(W, W1, (size_t)k * k * sizeof(*W));
		if (a->opt->trace)
			a->opt->trace(a->opt->trace_ctx, it, lim);
		if (lim < tol) {
			it++;
			break;
		}
	}
	for (; rc == 0 && it < max_iter; it++) {
		double lim;

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
		lim = unmixing_change(W1, W, k);
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
	free(zf);
	free(wzf);
	free(fbuf);
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
