/*
 * dr_pca.c -- principal component analysis.  With n >> d (the normal case
 * here: thousands of rows, tens to hundreds of features) the d x d
 * covariance (dsyrk, one pass) and its top-k eigenvectors (dsyevr, only the
 * wanted ones) cost O(n d^2 + d^2 k), less than any SVD of the n x d data.
 * The transform is y = (x - mean) W with W the eigenvectors; var keeps the
 * eigenvalues (the variance each component explains, 1/(n-1) scaling).
 */
#include "dr_impl.h"

#include <stdlib.h>

int scann_dr__fit_pca(struct scann_dr *dr, struct scann_dr_fitargs *a,
		      struct scann_error *err)
{
	uint32_t d = dr->d, k = dr->k;
	double *cov = malloc((size_t)d * d * sizeof(*cov));
	int rc;

	dr->mean = malloc(d * sizeof(*dr->mean));
	dr->w = malloc((size_t)d * k * sizeof(*dr->w));
	dr->var = malloc(k * sizeof(*dr->var));
	if (cov == NULL || dr->mean == NULL || dr->w == NULL || dr->var == NULL) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL,
				     "out of memory for a %u x %u covariance", d, d);
		goto out;
	}
	scann_dr__mean(a->x, a->rows, d, dr->mean);
	rc = scann_dr__covariance(a->x, a->rows, d, dr->mean, cov);
	if (rc < 0) {
		rc = scann_error_set(err, rc, NULL, "out of memory");
		goto out;
	}
	rc = scann_dr__top_eigen(cov, d, k, dr->var, dr->w, err);
out:
	free(cov);
	return rc;
}
