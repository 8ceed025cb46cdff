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
 * decreases (tested); it stops when an EM step gains less than tol (1e-2,
 * as scikit-learn) or after max_iter (1000) likelihood evaluations.
 *
 * Plain EM creeps when k is a large part of d (dna at ratio 2 needs all
 * 1000 iterations), so the steps are accelerated with SQUAREM (Varadhan
 * and Roland, Scand. J. Statist. 2008): from psi0 and two EM images psi1,
 * psi2, try psi0 - 2a r + a^2 v (r = psi1 - psi0, v = psi2 - 2 psi1 +
 * psi0, a = -|r|/|v|), and keep it only if its likelihood is at least
 * psi1's; otherwise continue from the plain EM step.  Every point kept is
 * at least as likely as the one before, so monotonicity holds.
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

/* Work space of one likelihood evaluation. */
struct fa_work {
	const double *s;	/* d x d covariance, 1/n */
	uint32_t d, k, n;
	double *m, *val, *vec, *sq;
	double llconst;
};

/*
 * The profile log-likelihood at noise variances psi, the loadings W (k x d)
 * that maximise it, and the EM update of psi (psi_next, d).
 */
static int fa_eval(struct fa_work *fw, const double *psi, double *W,
		   double *psi_next, double *ll_out, struct scann_error *err)
{
	uint32_t d = fw->d, k = fw->k;
	double trace = 0.0, ll = fw->llconst, kept = 0.0;
	int rc;

	for (uint32_t j = 0; j < d; j++)
		fw->sq[j] = sqrt(psi[j]) + SMALL;
	for (uint32_t i = 0; i < d; i++)
		for (uint32_t j = 0; j < d; j++)
			fw->m[(size_t)i * d + j] = fw->s[(size_t)i * d + j] /
						   (fw->sq[i] * fw->sq[j]);
	for (uint32_t j = 0; j < d; j++)
		trace += fw->m[(size_t)j * d + j];
	rc = scann_dr__top_eigen(fw->m, d, k, fw->val, fw->vec, err);
	if (rc < 0)
		return rc;
	for (uint32_t c = 0; c < k; c++) {
		double l = fw->val[c] > SMALL ? fw->val[c] : SMALL;
		double g = sqrt(fmax(l - 1.0, 0.0));

		kept += l;
		ll += log(l);
		for (uint32_t j = 0; j < d; j++)
			W[(size_t)c * d + j] = g * fw->vec[(size_t)j * k + c] * fw->sq[j];
	}
	ll += trace - kept;
	for (uint32_t j = 0; j < d; j++)
		ll += log(psi[j]);
	*ll_out = ll * -(double)fw->n / 2.0;
	for (uint32_t j = 0; j < d; j++) {
		double r = fw->s[(size_t)j * d + j];

		for (uint32_t c = 0; c < k; c++)
			r -= W[(size_t)c * d + j] * W[(size_t)c * d + j];
		psi_next[j] = r > SMALL ? r : SMALL;
	}
	return 0;
}

#define SWAP(a, b) do { double *t_ = (a); (a) = (b); (b) = t_; } while (0)

int scann_dr__fit_fa(struct scann_dr *dr, struct scann_dr_fitargs *a,
		     struct scann_error *err)
{
	uint32_t d = dr->d, k = dr->k, n = a->rows;
	uint32_t max_iter = a->opt->max_iter ? a->opt->max_iter : 1000;
	double tol = a->opt->tol > 0 ? a->opt->tol : 1e-2;
	struct fa_work fw = {.d = d, .k = k, .n = n};
	double *s = malloc((size_t)d * d * sizeof(*s));
	double *ik = malloc((size_t)k * k * sizeof(*ik));
	double *wbuf = malloc(3 * (size_t)k * d * sizeof(*wbuf));
	double *pbuf = malloc(5 * (size_t)d * sizeof(*pbuf));
	double *W, *W1, *Wp, *cur, *nxt, *psi2, *pp, *pnext;
	double ll_cur, ll1, llp;
	uint32_t evals = 0, it = 0;
	int rc = 0;

	fw.m = malloc((size_t)d * d * sizeof(*fw.m));
	fw.val = malloc(k * sizeof(*fw.val));
	fw.vec = malloc((size_t)d * k * sizeof(*fw.vec));
	fw.sq = malloc(d * sizeof(*fw.sq));
	fw.llconst = d * log(2.0 * 3.14159265358979323846) + k;
	dr->mean = malloc(d * sizeof(*dr->mean));
	dr->loadings = malloc((size_t)k * d * sizeof(*dr->loadings));
	dr->psi = malloc(d * sizeof(*dr->psi));
	dr->w = malloc((size_t)d * k * sizeof(*dr->w));
	if (s == NULL || ik == NULL || wbuf == NULL || pbuf == NULL ||
	    fw.m == NULL || fw.val == NULL || fw.vec == NULL || fw.sq == NULL ||
	    dr->mean == NULL || dr->loadings == NULL || dr->psi == NULL ||
	    dr->w == NULL) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL,
				     "out of memory for factor analysis of %u features", d);
		goto out;
	}
	W = wbuf;
	W1 = wbuf + (size_t)k * d;
	Wp = wbuf + 2 * (size_t)k * d;
	cur = pbuf;
	nxt = pbuf + d;
	psi2 = pbuf + 2 * (size_t)d;
	pp = pbuf + 3 * (size_t)d;
	pnext = pbuf + 4 * (size_t)d;
	scann_dr__mean(a->x, n, d, dr->mean);
	rc = scann_dr__covariance(a->x, n, d, dr->mean, s);
	if (rc < 0) {
		rc = scann_error_set(err, rc, NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < (size_t)d * d; i++)	/* ML uses 1/n */
		s[i] *= (double)(n - 1) / n;
	fw.s = s;
	for (uint32_t j = 0; j < d; j++)
		cur[j] = 1.0;

	/* cur: the last point kept, ll_cur its likelihood, W its loadings,
	 * nxt its EM image */
	rc = fa_eval(&fw, cur, W, nxt, &ll_cur, err);
	evals++;
	if (rc < 0)
		goto out;
	if (a->opt->trace)
		a->opt->trace(a->opt->trace_ctx, it++, ll_cur);
	while (evals < max_iter) {
		double rr = 0.0, vv = 0.0, alpha;

		/* the EM step: psi1 = nxt, and its own image psi2 */
		rc = fa_eval(&fw, nxt, W1, psi2, &ll1, err);
		evals++;
		if (rc < 0)
			goto out;
		if (a->opt->trace)
			a->opt->trace(a->opt->trace_ctx, it++, ll1);
		if (ll1 - ll_cur < tol) {
			SWAP(cur, nxt);
			SWAP(W, W1);
			break;
		}
		for (uint32_t j = 0; j < d; j++) {
			double r = nxt[j] - cur[j];
			double v = psi2[j] - 2.0 * nxt[j] + cur[j];

			rr += r * r;
			vv += v * v;
		}
		alpha = vv > 0 ? -sqrt(rr / vv) : -1.0;
		if (alpha < -1.0 && evals < max_iter) {
			for (uint32_t j = 0; j < d; j++) {
				double r = nxt[j] - cur[j];
				double v = psi2[j] - 2.0 * nxt[j] + cur[j];
				double p = cur[j] - 2.0 * alpha * r + alpha * alpha * v;

				/* a noise variance lies in (0, var_j] */
				pp[j] = fmin(fmax(p, SMALL), s[(size_t)j * d + j]);
			}
			rc = fa_eval(&fw, pp, Wp, pnext, &llp, err);
			evals++;
			if (rc < 0)
				goto out;
			if (isfinite(llp) && llp >= ll1) {
				SWAP(cur, pp);
				SWAP(nxt, pnext);
				SWAP(W, Wp);
				ll_cur = llp;
				if (a->opt->trace)
					a->opt->trace(a->opt->trace_ctx, it++, llp);
				continue;
			}
		}
		/* plain EM: keep psi1, whose image psi2 is known */
		SWAP(cur, nxt);
		SWAP(nxt, psi2);
		SWAP(W, W1);
		ll_cur = ll1;
	}
	memcpy(dr->psi, cur, d * sizeof(*cur));
	memcpy(dr->loadings, W, (size_t)k * d * sizeof(*W));
	W = dr->loadings;
	/*
	 * Posterior mean: solve (I + W psi^-1 W^T) P^T = W psi^-1 for the
	 * k x d matrix P^T, then store P (d x k).  The system matrix is SPD.
	 */
	for (uint32_t a1 = 0; a1 < k; a1++)
		for (uint32_t b = 0; b < k; b++) {
			double v = a1 == b ? 1.0 : 0.0;

			for (uint32_t j = 0; j < d; j++)
				v += W[(size_t)a1 * d + j] * W[(size_t)b * d + j] /
				     dr->psi[j];
			ik[(size_t)a1 * k + b] = v;
		}
	for (uint32_t c = 0; c < k; c++)
		for (uint32_t j = 0; j < d; j++)
			fw.m[(size_t)c * d + j] = W[(size_t)c * d + j] / dr->psi[j];
	if (LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (lapack_int)k, (lapack_int)d,
			  ik, (lapack_int)k, fw.m, (lapack_int)d) != 0) {
		rc = scann_error_set(err, SCANN_EINTERNAL, NULL,
				     "factor analysis: posterior covariance not positive definite");
		goto out;
	}
	for (uint32_t j = 0; j < d; j++)
		for (uint32_t c = 0; c < k; c++)
			dr->w[(size_t)j * k + c] = fw.m[(size_t)c * d + j];
out:
	free(s);
	free(ik);
	free(wbuf);
	free(pbuf);
	free(fw.m);
	free(fw.val);
	free(fw.vec);
	free(fw.sq);
	return rc;
}
