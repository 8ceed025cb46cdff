/*
 * dr_linalg.c -- the dense linear algebra the DR methods share: means,
 * covariance through dsyrk, the top of a symmetric eigenproblem through
 * dsyevr, pairwise squared distances through dgemm and brute-force k
 * nearest neighbours by blocks.  Double precision throughout (DESIGN.md:
 * "Numerical pieces of DR use BLAS/LAPACK in double").  Not a general
 * library: only what dr_*.c need.
 */
#include "dr_impl.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

/* Rows per block: big enough for BLAS-3 speed, small enough for cache. */
#define BLOCK 256

void scann_dr__mean(const double *x, uint32_t rows, uint32_t d, double *mean)
{
	memset(mean, 0, d * sizeof(*mean));
	for (uint32_t i = 0; i < rows; i++) {
		const double *xi = x + (size_t)i * d;

		for (uint32_t j = 0; j < d; j++)
			mean[j] += xi[j];
	}
	for (uint32_t j = 0; j < d; j++)
		mean[j] /= rows;
}

int scann_dr__covariance(const double *x, uint32_t rows, uint32_t d,
			 const double *mean, double *cov)
{
	double *blk = malloc((size_t)BLOCK * d * sizeof(*blk));

	if (blk == NULL)
		return SCANN_ENOMEM;
	memset(cov, 0, (size_t)d * d * sizeof(*cov));
	for (uint32_t i0 = 0; i0 < rows; i0 += BLOCK) {
		uint32_t nb = rows - i0 < BLOCK ? rows - i0 : BLOCK;

		for (uint32_t i = 0; i < nb; i++)
			for (uint32_t j = 0; j < d; j++)
				blk[(size_t)i * d + j] =
					x[(size_t)(i0 + i) * d + j] - mean[j];
		/* upper triangle of cov += blk^T blk */
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d,
			    (int)nb, 1.0, blk, (int)d, 1.0, cov, (int)d);
	}
	free(blk);
	for (uint32_t a = 0; a < d; a++)
		for (uint32_t b = a; b < d; b++) {
			double v = cov[(size_t)a * d + b] / (rows > 1 ? rows - 1 : 1);

			cov[(size_t)a * d + b] = v;
			cov[(size_t)b * d + a] = v;
		}
	return 0;
}

int scann_dr__top_eigen(double *a, uint32_t n, uint32_t k, double *val,
			double *vec, struct scann_error *err)
{
	/*
	 * a is symmetric, so its row-major and column-major forms are the
	 * same matrix: call LAPACK column-major and skip LAPACKE's transposed
	 * copies.  Measured with OpenBLAS's LAPACK: dsyevr for a few of the
	 * largest eigenpairs is fastest, but once k > n/8 its subset path
	 * loses to the full divide-and-conquer dsyevd (180 x 180, k = 90:
	 * 7.7 ms against 2.8 ms).
	 */
	int full = (uint64_t)k * 8 >= n;
	double *w = malloc((size_t)n * sizeof(*w));
	double *z = full ? NULL : malloc((size_t)n * k * sizeof(*z));
	lapack_int *isuppz = full ? NULL : malloc(2 * (size_t)k * sizeof(*isuppz));
	lapack_int found = (lapack_int)k, info;
	int rc = 0;

	if (w == NULL || (!full && (z == NULL || isuppz == NULL))) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL,
				     "out of memory for a %u x %u eigenproblem",
				     n, n);
		goto out;
	}
	if (full)
		info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'U', (lapack_int)n,
				      a, (lapack_int)n, w);
	else
		info = LAPACKE_dsyevr(LAPACK_COL_MAJOR, 'V', 'I', 'U',
				      (lapack_int)n, a, (lapack_int)n, 0.0, 0.0,
				      (lapack_int)(n - k + 1), (lapack_int)n,
				      0.0, &found, w, z, (lapack_int)n, isuppz);
	if (info != 0 || found != (lapack_int)k) {
		rc = scann_error_set(err, SCANN_EINTERNAL, NULL,
				     "symmetric eigensolver failed (info %d, %d of %u found)",
				     (int)info, (int)found, k);
		goto out;
	}
	/* Both return ascending order: reverse into descending. */
	for (uint32_t c = 0; c < k; c++) {
		uint32_t src = full ? n - 1 - c : k - 1 - c;
		const double *col = (full ? a : z) + (size_t)src * n;
		double big = 0.0;

		val[c] = w[full ? n - 1 - c : k - 1 - c];
		for (uint32_t r = 0; r < n; r++)
			if (fabs(col[r]) > fabs(big) + 1e-12)
				big = col[r];
		for (uint32_t r = 0; r < n; r++)
			vec[(size_t)r * k + c] = big < 0 ? -col[r] : col[r];
	}
out:
	free(w);
	free(z);
	free(isuppz);
	return rc;
}

void scann_dr__rownorm2(const double *x, uint32_t rows, uint32_t d,
			double *out)
{
	for (uint32_t i = 0; i < rows; i++) {
		const double *xi = x + (size_t)i * d;
		double s = 0.0;

		for (uint32_t j = 0; j < d; j++)
			s += xi[j] * xi[j];
		out[i] = s;
	}
}

void scann_dr__sqdist(const double *a, uint32_t na, const double *anorm,
		      const double *b, uint32_t nb, const double *bnorm,
		      uint32_t d, double *out)
{
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)na, (int)nb,
		    (int)d, -2.0, a, (int)d, b, (int)d, 0.0, out, (int)nb);
	for (uint32_t i = 0; i < na; i++) {
		double *o = out + (size_t)i * nb;

		for (uint32_t j = 0; j < nb; j++) {
			double v = o[j] + anorm[i] + bnorm[j];

			o[j] = v > 0.0 ? v : 0.0;
		}
	}
}

int scann_dr__knn(const double *a, uint32_t na, const double *b, uint32_t nb,
		  uint32_t d, uint32_t q, int skip_self, uint32_t *idx,
		  double *dist2)
{
	double *an = malloc((size_t)na * sizeof(*an));
	double *bn = malloc((size_t)nb * sizeof(*bn));
	double *blk = malloc((size_t)BLOCK * nb * sizeof(*blk));
	int rc = 0;

	if (an == NULL || bn == NULL || blk == NULL) {
		rc = SCANN_ENOMEM;
		goto out;
	}
	scann_dr__rownorm2(a, na, d, an);
	scann_dr__rownorm2(b, nb, d, bn);
	for (uint32_t i0 = 0; i0 < na; i0 += BLOCK) {
		uint32_t nr = na - i0 < BLOCK ? na - i0 : BLOCK;

		scann_dr__sqdist(a + (size_t)i0 * d, nr, an + i0, b, nb, bn, d,
				 blk);
		for (uint32_t i = 0; i < nr; i++) {
			const double *row = blk + (size_t)i * nb;
			uint32_t *ix = idx + (size_t)(i0 + i) * q;
			double *dx = dist2 + (size_t)(i0 + i) * q;
			uint32_t have = 0;

			/* insertion into a sorted list of the q best so far */
			for (uint32_t j = 0; j < nb; j++) {
				double v = row[j];
				uint32_t p;

				if (skip_self && j == i0 + i)
					continue;
				if (have == q && v >= dx[q - 1])
					continue;
				p = have < q ? have++ : q - 1;
				while (p > 0 && dx[p - 1] > v) {
					dx[p] = dx[p - 1];
					ix[p] = ix[p - 1];
					p--;
				}
				dx[p] = v;
				ix[p] = j;
			}
		}
	}
out:
	free(an);
	free(bn);
	free(blk);
	return rc;
}

double *scann_dr__to_double(const float *x, size_t count)
{
	double *y = malloc((count ? count : 1) * sizeof(*y));

	if (y != NULL)
		for (size_t i = 0; i < count; i++)
			y[i] = x[i];
	return y;
}
