/*
 * dr_fa.c -- factor analysis: x = mean + z W + e, z ~ N(0, I_k),
 * e ~ N(0, diag(psi)), fitted by maximum likelihood.
 *
 * The iteration is scikit-learn's "lapack" one (Barber, "Bayesian Reasoning
 * and Machine Learning", alg. 21.1): for the current psi, the optimal W
 * comes from the top-k eigenpairs of psi^-1/2 S psi^-1/2 (S the covariance
 * with 1/n), then psi is re-estimated as diag(S - W^T W).  scikit-learn
 * gets those eigenpairs from an SVD of the n x d data every iteration; the
 * eigenproblem of the d x d matrix has the same values and costs O(d^2 k)
 * instead of O(n d k), so we form S once (dsyrk) and never touch the rows
 * again.  Each iteration is an EM step, so the log-likelihood never
 * decreases (tested); it stops when it rises by less than tol (1e-2, as
 * scikit-learn) or after max_iter (1000).
 *
 * The transform is the factors' posterior mean,
 *   E[z | x] = (x - mean) psi^-1 W^T (I + W psi^-1 W^T)^-1,
 * linear in x, so it is stored as the d x k matrix of the linear shape.
 */
#include "dr_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#define SMALL 1e-12	/* floor on a noise variance, as scikit-learn */

int scann_dr__fit_fa(struct scann_dr *dr, struct scann_dr_fitargs *a,
		     struct scann_error *err)
{
	uint32_t d = dr->d, k = dr->k, n = a->rows;
	uint32_t max_iter = a->opt->max_iter ? a->opt->max_iter : 1000;
	double tol = a->opt->tol > 0 ? a->opt->tol : 1e-2;
	double *s = malloc((size_t)d * d * sizeof(*s));
	double *m = malloc((size_t)d * d * sizeof(*m));
	double *val = malloc(k * sizeof(*val));
	double *vec = malloc((size_t)d * k * sizeof(*vec));
	double *sq = malloc(d * sizeof(*sq));
	double *ik = malloc((size_t)k * k * sizeof(*ik));
	double llconst = d * log(2.0 * 3.14159265358979323846) + k, old_ll = -INFINITY;
	double *W, *psi;
	int rc = 0;

	dr->mean = malloc(d * sizeof(*dr->mean));
	dr->loadings = W = calloc((size_t)k * d, sizeof(*W));
	dr->psi = psi = malloc(d * sizeof(*psi));
	dr->w = malloc((size_t)d * k * sizeof(*dr->w));
	if (s == NULL || m == NULL || val == NULL || vec == NULL || sq == NULL ||
	    ik == NULL || dr->mean == NULL || W == NULL || psi == NULL ||
	    dr->w == NULL) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL,
				     "out of memory for factor analysis of %u features", d);
		goto out;
	}
	scann_dr__mean(a->x, n, d, dr->mean);
	rc = scann_dr__covariance(a->x, n, d, dr->mean, s);
	if (rc < 0) {
		rc = scann_error_set(err, rc, NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < (size_t)d * d; i++)	/* ML uses 1/n */
		s[i] *= (double)(n - 1) / n;
	for (uint32_t j = 0; j < d; j++)
		psi[j] = 1.0;
	for (uint32_t it = 0; it < max_iter; it++) {
		double trace = 0.0, ll = llconst, kept = 0.0;

		for (uint32_t j = 0; j < d; j++)
			sq[j] = sqrt(psi[j]) + SMALL;
		for (uint32_t i = 0; i < d; i++)
			for (uint32_t j = 0; j < d; j++)
				m[(size_t)i * d + j] = s[(size_t)i * d + j] /
						       (sq[i] * sq[j]);
		for (uint32_t j = 0; j < d; j++)
			trace += m[(size_t)j * d + j];
		rc = scann_dr__top_eigen(m, d, k, val, vec, err);
		if (rc < 0)
			goto out;
		for (uint32_t c = 0; c < k; c++) {
			double l = val[c] > SMALL ? val[c] : SMALL;
			double g = sqrt(fmax(l - 1.0, 0.0));

			kept += l;
			ll += log(l);
			for (uint32_t j = 0; j < d; j++)
				W[(size_t)c * d + j] = g * vec[(size_t)j * k + c] * sq[j];
		}
		ll += trace - kept;
		for (uint32_t j = 0; j < d; j++)
			ll += log(psi[j]);
		ll *= -(double)n / 2.0;
		if (a->opt->trace)
			a->opt->trace(a->opt->trace_ctx, it, ll);
		if (ll - old_ll < tol)
			break;
		old_ll = ll;
		for (uint32_t j = 0; j < d; j++) {
			double r = s[(size_t)j * d + j];

			for (uint32_t c = 0; c < k; c++)
				r -= W[(size_t)c * d + j] * W[(size_t)c * d + j];
			psi[j] = r > SMALL ? r : SMALL;
		}
	}
	/*
	 * Posterior mean: solve (I + W psi^-1 W^T) P^T = W psi^-1 for the
	 * k x d matrix P^T, then store P (d x k).  The system matrix is SPD.
	 */
	for (uint32_t a1 = 0; a1 < k; a1++)
		for (uint32_t b = 0; b < k; b++) {
			double v = a1 == b ? 1.0 : 0.0;

			for (uint32_t j = 0; j < d; j++)
				v += W[(size_t)a1 * d + j] * W[(size_t)b * d + j] / psi[j];
			ik[(size_t)a1 * k + b] = v;
		}
	for (uint32_t c = 0; c < k; c++)
		for (uint32_t j = 0; j < d; j++)
			m[(size_t)c * d + j] = W[(size_t)c * d + j] / psi[j];
	if (LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (lapack_int)k, (lapack_int)d,
			  ik, (lapack_int)k, m, (lapack_int)d) != 0) {
		rc = scann_error_set(err, SCANN_EINTERNAL, NULL,
				     "factor analysis: posterior covariance not positive definite");
		goto out;
	}
	for (uint32_t j = 0; j < d; j++)
		for (uint32_t c = 0; c < k; c++)
			dr->w[(size_t)j * k + c] = m[(size_t)c * d + j];
out:
	free(s);
	free(m);
	free(val);
	free(vec);
	free(sq);
	free(ik);
	return rc;
}
