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
 * again.  Each iteration is an EM step; only points at least as likely as
 * the last one kept are kept, so the log-likelihood never decreases
 * (tested).
 *
 * Stopping: when an EM step gains less than tol per training row (default
 * TOL_ROW = 1e-4 nats of mean log-likelihood per row), or after max_iter
 * (1000) likelihood evaluations.  Per row because the total grows with n:
 * scikit-learn's 1e-2 on the total is 5e-6 nats per row on 2,000 rows and
 * 5e-8 on 200,000 -- far below what the data can resolve (the mean
 * log-likelihood's own standard error over rows is about 0.2 nats on
 * dna and satellite), and on dna it cost 100-170 evaluations for the
 * last 0.1 nats per row.  Measured at 1e-4 per row: dna ends within 0.1
 * nats per row of the converged optimum (k = 23: -213,888 against
 * -213,746 on 2,231 rows).
 *
 * Plain EM creeps when k is a large part of d (dna at ratio 2 needs all
 * 1000 iterations), so the steps are accelerated with SQUAREM (Varadhan
 * and Roland, Scand. J. Statist. 2008): from psi0 and two EM images psi1,
 * psi2, try psi0 - 2a r + a^2 v (r = psi1 - psi0, v = psi2 - 2 psi1 +
 * psi0, a = -|r|/|v|), and keep it only if its likelihood is at least
 * psi1's; otherwise continue from the plain EM step.
 *
 * Cheap evaluations: the matrix M = psi^-1/2 S psi^-1/2 changes little
 * from one evaluation to the next, so instead of a full eigensolve (about
 * 3 ms at d = 180) each evaluation warm-starts from the last one's
 * subspace: RITZ_STEPS steps of block subspace iteration on k +
 * RITZ_MARGIN vectors (GEMM, QR), then Rayleigh-Ritz on the block.  With
 * Ritz pairs the likelihood formula is still the exact likelihood of the
 * model whose loadings are built from them (fa_eval's comment), which is
 * at most the profile likelihood at that psi, so keeping only improving
 * points keeps the guarantee.  When a Ritz step gains less than tol the
 * kept point is re-evaluated with the exact eigensolve (never worse), and
 * the fit stops only if that gains less than tol too; the final model
 * always has the exact eigenpairs' loadings.  When the block is over half
 * of d, a Ritz evaluation costs as much as the eigensolve and every
 * evaluation is exact.
 *
 * The transform is the factors' posterior mean,
 *   E[z | x] = (x - mean) psi^-1 W^T (I + W psi^-1 W^T)^-1,
 * linear in x, so it is stored as the d x k matrix of the linear shape.
 */
#include "dr_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#define SMALL 1e-12	/* floor on a noise variance, as scikit-learn */
#define TOL_ROW 1e-4	/* default stop: gain per training row, nats */
#define RITZ_MARGIN 10	/* warm-start block: k + this many vectors */
#define RITZ_STEPS 2	/* subspace-iteration steps per evaluation */

#define SWAP(a, b) do { double *t_ = (a); (a) = (b); (b) = t_; } while (0)

/* Work space of one likelihood evaluation. */
struct fa_work {
	const double *s;	/* d x d covariance, 1/n */
	uint32_t d, k, n;
	uint32_t kb;		/* the warm start's block: k and a margin */
	double *m;		/* d x d: psi^-1/2 S psi^-1/2 */
	double *val;		/* k: eigen- or Ritz values, descending */
	double *u;		/* d x k column-major: their vectors */
	double *sq;		/* d: psi^1/2 of this evaluation */
	double *q, *qsq;	/* warm start: a d x k basis (column-major)
				 * in the coordinates of psi = qsq^2 */
	double *y, *b, *wk, *tau;	/* d x k, k x k, k, k scratch */
	double *t, *isq;	/* d x kb scratch; d: 1 / sq */
	double *lwork;		/* dsyevd's workspaces for kb x kb */
	lapack_int *iwork;
	size_t nlwork, niwork;
	int have_q;
	double llconst;
};

/*
 * sq = psi^1/2, isq = 1 / sq and the trace of M = psi^-1/2 S psi^-1/2;
 * M itself only when form_m (the exact eigensolve needs it, Ritz steps
 * multiply by it without forming it).
 */
static double fa_form(struct fa_work *fw, const double *psi, int form_m)
{
	uint32_t d = fw->d;
	double trace = 0.0;

	for (uint32_t j = 0; j < d; j++) {
		fw->sq[j] = sqrt(psi[j]) + SMALL;
		fw->isq[j] = 1.0 / fw->sq[j];
		trace += fw->s[(size_t)j * d + j] * fw->isq[j] * fw->isq[j];
	}
	if (form_m)
		for (uint32_t i = 0; i < d; i++)
			for (uint32_t j = 0; j < d; j++)
				fw->m[(size_t)i * d + j] =
					fw->s[(size_t)i * d + j] /
					(fw->sq[i] * fw->sq[j]);
	return trace;
}

/* The exact top-k eigenpairs of M (destroyed) into val, u; they become
 * the next warm start. */
static int fa_exact(struct fa_work *fw, struct scann_error *err)
{
	uint32_t d = fw->d, k = fw->k, kb = fw->kb;
	int rc = scann_dr__top_eigen(fw->m, d, kb, fw->wk, fw->y, err);

	if (rc < 0)
		return rc;
	for (uint32_t j = 0; j < d; j++)
		for (uint32_t c = 0; c < kb; c++)
			fw->q[(size_t)c * d + j] = fw->y[(size_t)j * kb + c];
	memcpy(fw->u, fw->q, (size_t)d * k * sizeof(*fw->q));
	memcpy(fw->val, fw->wk, k * sizeof(*fw->val));
	memcpy(fw->qsq, fw->sq, d * sizeof(*fw->sq));
	fw->have_q = 1;
	return 0;
}

/*
 * y = M q for the d x kb block q (column-major), without forming M: M =
 * D^-1 S D^-1 with D = diag(sq), so scale q's rows, one GEMM with S, scale
 * the result's rows -- 2 d kb divisions' worth instead of d^2.
 */
static void fa_mul_m(struct fa_work *fw, const double *q, double *y)
{
	uint32_t d = fw->d, kb = fw->kb;

	for (uint32_t c = 0; c < kb; c++)
		for (uint32_t j = 0; j < d; j++)
			fw->t[(size_t)c * d + j] = q[(size_t)c * d + j] * fw->isq[j];
	/* S is symmetric: row- and column-major are the same */
	cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)kb,
		    (int)d, 1.0, fw->s, (int)d, fw->t, (int)d, 0.0, y, (int)d);
	for (uint32_t c = 0; c < kb; c++)
		for (uint32_t j = 0; j < d; j++)
			y[(size_t)c * d + j] *= fw->isq[j];
}

/*
 * Orthonormalise the columns of the d x kb block q in place.  Cholesky QR
 * (Gram matrix, its Cholesky factor R, q R^-1: two BLAS-3 calls) is several
 * times faster than Householder QR on a tall, thin block; it loses
 * orthogonality only when the block is ill-conditioned, which the failed
 * factorisation reports, and then Householder QR does the job.  g: kb x kb
 * scratch; tau: kb.
 */
static lapack_int orthonormalise(double *q, uint32_t d, uint32_t kb,
				 double *g, double *tau)
{
	lapack_int info;

	cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)kb, (int)d,
		    1.0, q, (int)d, 0.0, g, (int)kb);
	info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (lapack_int)kb, g,
				   (lapack_int)kb);
	if (info == 0) {
		cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans,
			    CblasNonUnit, (int)d, (int)kb, 1.0, g, (int)kb, q,
			    (int)d);
		return 0;
	}
	info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)d, (lapack_int)kb,
			      q, (lapack_int)d, tau);
	if (info == 0)
		info = LAPACKE_dorgqr(LAPACK_COL_MAJOR, (lapack_int)d,
				      (lapack_int)kb, (lapack_int)kb, q,
				      (lapack_int)d, tau);
	return info;
}

/*
 * Ritz pairs of M on the warm-start subspace: carry the last basis into
 * this psi's coordinates (x psi_old^1/2 / psi^1/2: the loadings' subspace
 * moves with psi), orthonormalise it (Q), and diagonalise Q^T M Q = Z L Z^T;
 * u = Q Z.  M Q, one step of subspace iteration, is kept as the next warm
 * start, so the subspace converges to M's dominant one as psi does.
 */
static int fa_ritz(struct fa_work *fw, struct scann_error *err)
{
	uint32_t d = fw->d, k = fw->k, kb = fw->kb;
	double *q = fw->q;
	lapack_int info = 0;

	for (uint32_t c = 0; c < kb; c++)
		for (uint32_t j = 0; j < d; j++)
			q[(size_t)c * d + j] *= fw->qsq[j] / fw->sq[j];
	for (int st = 0; st < RITZ_STEPS; st++) {
		if (st > 0)
			SWAP(q, fw->y);
		info = orthonormalise(q, d, kb, fw->b, fw->tau);
		if (info != 0)
			goto fail;
		fa_mul_m(fw, q, fw->y);
	}
	cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)kb, (int)kb,
		    (int)d, 1.0, q, (int)d, fw->y, (int)d, 0.0, fw->b, (int)kb);
	info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'U', (lapack_int)kb,
				   fw->b, (lapack_int)kb, fw->wk, fw->lwork,
				   (lapack_int)fw->nlwork, fw->iwork,
				   (lapack_int)fw->niwork);
	if (info != 0)
		goto fail;
	/* ascending: reverse into descending, the top k first */
	for (uint32_t c = 0; c < k; c++)
		fw->val[c] = fw->wk[kb - 1 - c];
	for (uint32_t c = 0; c < kb / 2; c++)
		for (uint32_t r = 0; r < kb; r++) {
			double t = fw->b[(size_t)c * kb + r];

			fw->b[(size_t)c * kb + r] = fw->b[(size_t)(kb - 1 - c) * kb + r];
			fw->b[(size_t)(kb - 1 - c) * kb + r] = t;
		}
	cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)k,
		    (int)kb, 1.0, q, (int)d, fw->b, (int)kb, 0.0, fw->u, (int)d);
	/* the next start: M Q (swap buffers: q becomes scratch) */
	fw->q = fw->y;
	fw->y = q;
	memcpy(fw->qsq, fw->sq, d * sizeof(*fw->sq));
	return 0;
fail:
	return scann_error_set(err, SCANN_EINTERNAL, NULL,
			       "factor analysis: Ritz step failed (info %d)",
			       (int)info);
}

/*
 * The log-likelihood of the model at noise variances psi whose loadings
 * W (k x d) are built from the eigen- or Ritz pairs (lambda_c, u_c) of M
 * = psi^-1/2 S psi^-1/2: W_c = sqrt(max(lambda_c - 1, 0)) u_c psi^1/2,
 * and the EM update of psi (psi_next, d).  exact: LAPACK's eigenpairs,
 * so W maximises the likelihood at this psi (the profile likelihood);
 * otherwise Ritz pairs from the warm start.
 *
 * Why the value is exact for Ritz pairs too: with the u_c orthonormal and
 * u_c^T M u_c' = lambda_c delta_cc', C = W^T W + psi = psi^1/2 (I + U D
 * U^T) psi^1/2, D = diag(max(lambda - 1, 0)), so log det C = log det psi
 * + sum log(1 + D_c) and tr(C^-1 S) = tr M - sum D_c lambda_c / (1 + D_c):
 * with l_c = max(lambda_c, 1) that is sum log l_c and tr M - sum (l_c - 1)
 * -- the sum below.  (An eigenvalue under 1 gives no factor.)
 */
static int fa_eval(struct fa_work *fw, const double *psi, int exact,
		   double *W, double *psi_next, double *ll_out,
		   struct scann_error *err)
{
	uint32_t d = fw->d, k = fw->k;
	int full = exact || !fw->have_q;
	double trace = fa_form(fw, psi, full), ll = fw->llconst, kept = 0.0;
	int rc;

	rc = full ? fa_exact(fw, err) : fa_ritz(fw, err);
	if (rc < 0)
		return rc;
	for (uint32_t c = 0; c < k; c++) {
		double l = fw->val[c] > 1.0 ? fw->val[c] : 1.0;
		double g = sqrt(l - 1.0);

		kept += l - 1.0;
		ll += log(l);
		for (uint32_t j = 0; j < d; j++)
			W[(size_t)c * d + j] = g * fw->u[(size_t)c * d + j] * fw->sq[j];
	}
	ll += trace - kept;	/* tr(C^-1 S) */
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

int scann_dr__fit_fa(struct scann_dr *dr, struct scann_dr_fitargs *a,
		     struct scann_error *err)
{
	uint32_t d = dr->d, k = dr->k, n = a->rows;
	uint32_t max_iter = a->opt->max_iter ? a->opt->max_iter : 1000;
	double tol = (a->opt->tol > 0 ? a->opt->tol : TOL_ROW) * n;
	struct fa_work fw = {.d = d, .k = k, .n = n};
	double *s = malloc((size_t)d * d * sizeof(*s));
	double *ik = malloc((size_t)k * k * sizeof(*ik));
	double *wbuf = malloc(3 * (size_t)k * d * sizeof(*wbuf));
	double *pbuf = malloc(5 * (size_t)d * sizeof(*pbuf));
	/* fw's arrays: m, u, q, y, val, wk, tau, b, sq, qsq */
	uint32_t kb = k + RITZ_MARGIN < d ? k + RITZ_MARGIN : d;
	double *fwbuf = malloc(((size_t)d * d + (size_t)d * k + 3 * (size_t)d * kb +
				k + 2 * (size_t)kb + (size_t)kb * kb +
				3 * (size_t)d) * sizeof(*fwbuf));
	size_t nlwork = 1 + 6 * (size_t)kb + 2 * (size_t)kb * kb;
	size_t niwork = 3 + 5 * (size_t)kb;
	double *lwork = malloc(nlwork * sizeof(*lwork));
	lapack_int *iwork = malloc(niwork * sizeof(*iwork));
	double *W, *W1, *Wp, *cur, *nxt, *psi2, *pp, *pnext;
	double ll_cur, ll1, llp;
	uint32_t evals = 0, it = 0;
	/*
	 * Ritz evaluations cost RITZ_STEPS GEMMs of d x d by d x kb; once
	 * kb is past d/2 that is no cheaper than LAPACK's full eigensolve
	 * (measured, d = 180: k = 90 took as long per evaluation and more
	 * evaluations), so such fits use exact evaluations throughout.
	 */
	int exact = 2 * (uint64_t)kb > d, cur_exact;
	int rc = 0;

	dr->mean = malloc(d * sizeof(*dr->mean));
	dr->loadings = malloc((size_t)k * d * sizeof(*dr->loadings));
	dr->psi = malloc(d * sizeof(*dr->psi));
	dr->w = malloc((size_t)d * k * sizeof(*dr->w));
	if (s == NULL || ik == NULL || wbuf == NULL || pbuf == NULL ||
	    fwbuf == NULL || lwork == NULL || iwork == NULL || dr->mean == NULL || dr->loadings == NULL ||
	    dr->psi == NULL || dr->w == NULL) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL,
				     "out of memory for factor analysis of %u features", d);
		goto out;
	}
	fw.m = fwbuf;
	fw.kb = kb;
	fw.u = fw.m + (size_t)d * d;
	fw.q = fw.u + (size_t)d * k;
	fw.y = fw.q + (size_t)d * kb;
	fw.val = fw.y + (size_t)d * kb;
	fw.wk = fw.val + k;
	fw.tau = fw.wk + kb;
	fw.b = fw.tau + kb;
	fw.sq = fw.b + (size_t)kb * kb;
	fw.qsq = fw.sq + d;
	fw.isq = fw.qsq + d;
	fw.t = fw.isq + d;
	fw.lwork = lwork;
	fw.nlwork = nlwork;
	fw.iwork = iwork;
	fw.niwork = niwork;
	fw.llconst = d * log(2.0 * 3.14159265358979323846);
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

#define KEEP(ll) do {							\
		ll_cur = (ll);						\
		if (a->opt->trace)					\
			a->opt->trace(a->opt->trace_ctx, it++, ll_cur);	\
	} while (0)
	/* cur: the last point kept, ll_cur its likelihood, W its loadings
	 * (cur_exact: from exact eigenpairs), nxt its EM image */
	rc = fa_eval(&fw, cur, 1, W, nxt, &ll1, err);
	evals++;
	if (rc < 0)
		goto out;
	KEEP(ll1);
	cur_exact = 1;
	while (evals < max_iter) {
		double rr = 0.0, vv = 0.0, alpha;

		/* the EM step: psi1 = nxt, and its own image psi2 */
		rc = fa_eval(&fw, nxt, exact, W1, psi2, &ll1, err);
		evals++;
		if (rc < 0)
			goto out;
		if (ll1 - ll_cur < tol) {
			if (ll1 > ll_cur) {
				SWAP(cur, nxt);
				SWAP(nxt, psi2);
				SWAP(W, W1);
				cur_exact = exact;
				KEEP(ll1);
			}
			if (cur_exact)
				break;	/* an exact EM step gains < tol */
			/*
			 * A Ritz step gaining little may only mean the warm
			 * start lags: redo the kept point exactly (never
			 * worse: the profile likelihood is the maximum over
			 * W); if that gains little too, stop.
			 */
			rc = fa_eval(&fw, cur, 1, W1, psi2, &ll1, err);
			evals++;
			if (rc < 0)
				goto out;
			if (ll1 >= ll_cur) {
				double gain = ll1 - ll_cur;

				SWAP(W, W1);
				SWAP(nxt, psi2);
				cur_exact = 1;
				KEEP(ll1);
				if (gain < tol)
					break;
			}
			continue;
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
			rc = fa_eval(&fw, pp, exact, Wp, pnext, &llp, err);
			evals++;
			if (rc < 0)
				goto out;
			if (isfinite(llp) && llp >= ll1) {
				SWAP(cur, pp);
				SWAP(nxt, pnext);
				SWAP(W, Wp);
				cur_exact = exact;
				KEEP(llp);
				continue;
			}
		}
		/* plain EM: keep psi1, whose image psi2 is known */
		SWAP(cur, nxt);
		SWAP(nxt, psi2);
		SWAP(W, W1);
		cur_exact = exact;
		KEEP(ll1);
	}
	if (!cur_exact) {
		/* out of evaluations on a Ritz point: its exact loadings */
		rc = fa_eval(&fw, cur, 1, W1, psi2, &ll1, err);
		evals++;
		if (rc < 0)
			goto out;
		if (ll1 >= ll_cur) {
			SWAP(W, W1);
			KEEP(ll1);
		}
	}
#undef KEEP
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
	free(fwbuf);
	free(lwork);
	free(iwork);
	return rc;
}
