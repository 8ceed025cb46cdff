/*
 * check_dr_util.h -- what the DR tests share: synthetic data from the
 * project's rng, Pearson and Spearman correlations, a min-max scaling to
 * [0,1] (DR's input contract), and loading a bundled CSV scaled the same
 * way.  Header-only, static functions: each test program includes it once.
 */
#ifndef SCANN_CHECK_DR_UTIL_H
#define SCANN_CHECK_DR_UTIL_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker/job/dataset.h"
#include "worker/dr.h"
#include "worker/job/rng.h"
#include "testutil.h"

static inline void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		abort();
	return p;
}

/* Pearson correlation of a[i*sa] and b[i*sb], i < n. */
static inline double corr_strided(const float *a, size_t sa, const float *b,
				  size_t sb, uint32_t n)
{
	double ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;

	for (uint32_t i = 0; i < n; i++) {
		ma += a[i * sa];
		mb += b[i * sb];
	}
	ma /= n;
	mb /= n;
	for (uint32_t i = 0; i < n; i++) {
		double x = a[i * sa] - ma, y = b[i * sb] - mb;

		saa += x * x;
		sbb += y * y;
		sab += x * y;
	}
	return sab / sqrt(saa * sbb + 1e-300);
}

static const float *rank_key;
static inline int rank_cmp(const void *pa, const void *pb)
{
	float a = rank_key[*(const uint32_t *)pa], b = rank_key[*(const uint32_t *)pb];

	return (a > b) - (a < b);
}

/* Ranks (0..n-1, ties broken arbitrarily: fine for continuous data). */
static inline void ranks(const float *v, size_t stride, uint32_t n, float *out)
{
	float *tmp = xmalloc(n * sizeof(*tmp));
	uint32_t *idx = xmalloc(n * sizeof(*idx));

	for (uint32_t i = 0; i < n; i++) {
		tmp[i] = v[i * stride];
		idx[i] = i;
	}
	rank_key = tmp;
	qsort(idx, n, sizeof(*idx), rank_cmp);
	for (uint32_t r = 0; r < n; r++)
		out[idx[r]] = (float)r;
	free(tmp);
	free(idx);
}

static inline double spearman_strided(const float *a, size_t sa, const float *b,
				      size_t sb, uint32_t n)
{
	float *ra = xmalloc(n * sizeof(*ra)), *rb = xmalloc(n * sizeof(*rb));
	double c;

	ranks(a, sa, n, ra);
	ranks(b, sb, n, rb);
	c = corr_strided(ra, 1, rb, 1, n);
	free(ra);
	free(rb);
	return c;
}

/* Scale each column of x (rows x d) to [0,1] in place. */
static inline void minmax(float *x, uint32_t rows, uint32_t d)
{
	for (uint32_t j = 0; j < d; j++) {
		float lo = INFINITY, hi = -INFINITY;

		for (uint32_t i = 0; i < rows; i++) {
			float v = x[(size_t)i * d + j];

			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		for (uint32_t i = 0; i < rows; i++)
			x[(size_t)i * d + j] = hi > lo ?
				(x[(size_t)i * d + j] - lo) / (hi - lo) : 0.0f;
	}
}

/* A bundled CSV, features scaled to [0,1] (caller frees the dataset). */
static inline struct scann_dataset *load_scaled(const char *name)
{
	struct scann_dataset *ds;
	struct scann_error err;

	if (scann_dataset_load_csv(test_data(name), NULL, &ds, &err) < 0) {
		fprintf(stderr, "%s: %s\n", name, err.message);
		abort();
	}
	minmax(ds->x, ds->rows, ds->features);
	return ds;
}

#endif
