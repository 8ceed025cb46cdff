/*
 * normalize.h -- range normalisation of features to [0,1], fitted on the
 * training rows only (DESIGN.md step 1) and then applied to every row, so no
 * validation or test row influences it.  A constant feature maps to 0.
 * Rows outside the fitted range map outside [0,1]; they are not clipped.
 */
#ifndef SCANN_NORMALIZE_H
#define SCANN_NORMALIZE_H

#include <stdint.h>

struct scann_norm {
	uint32_t features;
	float *min, *max;	/* features each, owned */
};

/* Fit on rows[0..n) of row-major x.  Returns 0 or SCANN_ENOMEM. */
int scann_norm_fit(struct scann_norm *nm, const float *x, uint32_t features,
		   const uint32_t *rows, uint32_t n);

/* Write the normalised rows[0..total) of x into out (both row-major). */
void scann_norm_apply(const struct scann_norm *nm, const float *x,
		      uint32_t total, float *out);

void scann_norm_free(struct scann_norm *nm);

#endif
