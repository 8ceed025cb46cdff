/*
 * dr_bench.c -- times each DR method's fit (training split) and transform
 * (test split) on a CSV file, printing one JSON line per (method, target)
 * in the shape of ../shared/peers/sklearn_dr.py, so dr_bench.sh can set
 * the two side by side.  Not a test: run by hand (tests/bench/dr_bench.sh).
 *
 * Protocol, as the peer's: stratified 70/15/15 split with the seed, range
 * normalisation to [0,1] with the training rows' min/max, target =
 * ceil(features / r), Isomap and spectral fitted on at most --max-rows
 * training rows (the first of the shuffled split), best of --repeats.
 *
 * --ll 1 adds, for factor analysis, "loglik": the fitted model's Gaussian
 * log-likelihood of the training rows, computed here from its loadings and
 * noise variances (not taken from the fit's own bookkeeping), and
 * "iterations": how many times the fit called its trace hook -- so the
 * quality of a faster fit can be set beside the peer's.
 *
 *   dr_bench --csv satellite.csv [--ratios 2,4,8] [--repeats 5]
 *            [--methods pca,fa,...] [--max-rows 5000] [--seed 0] [--ll 1]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lapacke.h>

#include "worker/job/dataset.h"
#include "worker/dr.h"
#include "worker/dr_impl.h"
#include "worker/job/split.h"

static const struct {
	const char *peer;	/* sklearn_dr.py's name */
	enum scann_dr_method m;
} methods[] = {
	{"pca", SCANN_DR_PCA}, {"fa", SCANN_DR_FA}, {"ica", SCANN_DR_ICA},
	{"isomap", SCANN_DR_ISOMAP}, {"spectral", SCANN_DR_SPECTRAL},
	{"rp_gauss", SCANN_DR_RP_GAUSSIAN}, {"rp_pm1", SCANN_DR_RP_SIGN},
	{"rp_sparse3", SCANN_DR_RP_SPARSE}, {"rp_auto", SCANN_DR_RP_VERY_SPARSE},
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void count_iteration(void *ctx, uint32_t it, double v)
{
	(void)it;
	(void)v;
	++*(uint32_t *)ctx;
}

/*
 * -n/2 (d log 2 pi + log det C + tr(C^-1 S)), C = W^T W + diag(psi), S
 * the covariance of the rows with 1/n: the factor model's log-likelihood
 * of x (rows x d), by a Cholesky factorisation of C.  NaN on failure.
 */
static double fa_loglik(const struct scann_dr *dr, const float *x,
			uint32_t rows)
{
	uint32_t d = dr->d, k = dr->k;
	double *c = calloc((size_t)d * d, sizeof(*c));
	double *s = calloc((size_t)d * d, sizeof(*s));
	double *mu = calloc(d, sizeof(*mu));
	double logdet = 0.0, tr = 0.0, ll = NAN;

	if (c == NULL || s == NULL || mu == NULL)
		goto out;
	for (uint32_t i = 0; i < rows; i++)
		for (uint32_t j = 0; j < d; j++)
			mu[j] += x[(size_t)i * d + j];
	for (uint32_t j = 0; j < d; j++)
		mu[j] /= rows;
	for (uint32_t i = 0; i < rows; i++)
		for (uint32_t a = 0; a < d; a++) {
			double xa = x[(size_t)i * d + a] - mu[a];

			for (uint32_t b = 0; b < d; b++)
				s[(size_t)a * d + b] += xa * (x[(size_t)i * d + b] - mu[b]) / rows;
		}
	for (uint32_t a = 0; a < d; a++)
		for (uint32_t b = 0; b < d; b++) {
			double v = a == b ? dr->psi[a] : 0.0;

			for (uint32_t q = 0; q < k; q++)
				v += dr->loadings[(size_t)q * d + a] *
				     dr->loadings[(size_t)q * d + b];
			c[(size_t)a * d + b] = v;
		}
	if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (lapack_int)d, c, (lapack_int)d) != 0)
		goto out;
	for (uint32_t j = 0; j < d; j++)
		logdet += 2.0 * log(c[(size_t)j * d + j]);
	/* S <- C^-1 S, then its trace */
	if (LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', (lapack_int)d, (lapack_int)d,
			   c, (lapack_int)d, s, (lapack_int)d) != 0)
		goto out;
	for (uint32_t j = 0; j < d; j++)
		tr += s[(size_t)j * d + j];
	ll = -(double)rows / 2.0 * (d * log(2.0 * 3.14159265358979323846) +
				    logdet + tr);
out:
	free(c);
	free(s);
	free(mu);
	return ll;
}

static float *gather(const struct scann_dataset *ds, const uint32_t *idx,
		     uint32_t n)
{
	float *x = malloc((size_t)n * ds->features * sizeof(*x) + 1);

	if (x == NULL)
		abort();
	for (uint32_t i = 0; i < n; i++)
		memcpy(x + (size_t)i * ds->features,
		       ds->x + (size_t)idx[i] * ds->features,
		       ds->features * sizeof(*x));
	return x;
}

int main(int argc, char **argv)
{
	const char *csv = NULL, *ratios = "2,4,8", *which = NULL;
	uint32_t repeats = 5, max_rows = 5000;
	int want_ll = 0;
	uint64_t seed = 0;
	struct scann_dataset *ds;
	struct scann_split sp;
	struct scann_split_spec spec = {.validation = 0.15, .test = 0.15};
	struct scann_error err;
	float *tr, *te;
	uint32_t d;
	char *rlist, *save = NULL;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--csv") == 0)
			csv = argv[i + 1];
		else if (strcmp(argv[i], "--ratios") == 0)
			ratios = argv[i + 1];
		else if (strcmp(argv[i], "--methods") == 0)
			which = argv[i + 1];
		else if (strcmp(argv[i], "--repeats") == 0)
			repeats = (uint32_t)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--max-rows") == 0)
			max_rows = (uint32_t)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--seed") == 0)
			seed = strtoull(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--ll") == 0)
			want_ll = atoi(argv[i + 1]);
	}
	if (csv == NULL || repeats == 0) {
		fprintf(stderr, "usage: %s --csv FILE [--ratios 2,4,8] [--repeats N] "
			"[--methods pca,...] [--max-rows N] [--seed S] [--ll 1]\n", argv[0]);
		return 2;
	}
	if (scann_dataset_load_csv(csv, NULL, &ds, &err) < 0) {
		fprintf(stderr, "%s\n", err.message);
		return 1;
	}
	spec.seed = seed;
	if (scann_split_make(ds, &spec, &sp, &err) < 0) {
		fprintf(stderr, "%s\n", err.message);
		return 1;
	}
	d = ds->features;
	tr = gather(ds, sp.train, sp.n_train);
	te = gather(ds, sp.test, sp.n_test);
	for (uint32_t j = 0; j < d; j++) {	/* [0,1] by the training range */
		float lo = INFINITY, hi = -INFINITY, span;

		for (uint32_t i = 0; i < sp.n_train; i++) {
			lo = fminf(lo, tr[(size_t)i * d + j]);
			hi = fmaxf(hi, tr[(size_t)i * d + j]);
		}
		span = hi > lo ? hi - lo : 1.0f;
		for (uint32_t i = 0; i < sp.n_train; i++)
			tr[(size_t)i * d + j] = (tr[(size_t)i * d + j] - lo) / span;
		for (uint32_t i = 0; i < sp.n_test; i++)
			te[(size_t)i * d + j] = (te[(size_t)i * d + j] - lo) / span;
	}
	rlist = strdup(ratios);
	for (char *r = strtok_r(rlist, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
		double ratio = atof(r);
		uint32_t k = scann_dr_components(d, ratio);
		float *y = malloc((size_t)sp.n_test * k * sizeof(*y) + 1);

		for (size_t mi = 0; mi < sizeof(methods) / sizeof(methods[0]); mi++) {
			enum scann_dr_method m = methods[mi].m;
			int capped = m == SCANN_DR_ISOMAP || m == SCANN_DR_SPECTRAL;
			uint32_t rows = capped && sp.n_train > max_rows ? max_rows : sp.n_train;
			double *fit = malloc(repeats * sizeof(*fit));
			double *tf = malloc(repeats * sizeof(*tf));

			if (which != NULL && !strstr(which, methods[mi].peer))
				goto next;
			for (uint32_t rep = 0; rep < repeats; rep++) {
				struct scann_dr *dr;
				double t0 = now();

				if (scann_dr_fit(m, tr, rows, d, k, seed, NULL, &dr,
						 NULL, &err) < 0) {
					fprintf(stderr, "%s: %s\n", methods[mi].peer,
						err.message);
					return 1;
				}
				fit[rep] = now() - t0;
				t0 = now();
				if (scann_dr_transform(dr, te, sp.n_test, y, &err) < 0)
					return 1;
				tf[rep] = now() - t0;
				scann_dr_free(dr);
			}
			{
				double bf, bt, mf, mt;

				qsort(fit, repeats, sizeof(*fit), cmp_double);
				qsort(tf, repeats, sizeof(*tf), cmp_double);
				bf = fit[0];
				bt = tf[0];
				mf = fit[repeats / 2];
				mt = tf[repeats / 2];
				printf("{\"method\": \"%s\", \"features\": %u, \"target\": %u, "
				       "\"ratio\": %g, \"train_rows\": %u, \"fit_rows\": %u, "
				       "\"test_rows\": %u, \"fit_s\": %.6f, \"transform_s\": %.6f, "
				       "\"fit_median_s\": %.6f, \"transform_median_s\": %.6f",
				       methods[mi].peer, d, k, ratio, sp.n_train, rows,
				       sp.n_test, bf, bt, mf, mt);
				if (want_ll && m == SCANN_DR_FA) {
					uint32_t its = 0;
					struct scann_dr_options o = {
						.trace = count_iteration, .trace_ctx = &its};
					struct scann_dr *dr;

					if (scann_dr_fit(m, tr, rows, d, k, seed, &o, &dr,
							 NULL, &err) < 0)
						return 1;
					printf(", \"loglik\": %.3f, \"iterations\": %u",
					       fa_loglik(dr, tr, rows), its);
					scann_dr_free(dr);
				}
				printf("}\n");
				fflush(stdout);
			}
next:
			free(fit);
			free(tf);
		}
		free(y);
	}
	free(rlist);
	free(tr);
	free(te);
	scann_split_free(&sp);
	scann_dataset_free(ds);
	return 0;
}
