/*
 * normalize.c -- min/max range normalisation fitted on training rows; see
 * normalize.h.
 */
#include <stdlib.h>

#include "job/error.h"
#include "normalize.h"

int scann_norm_fit(struct scann_norm *nm, const float *x, uint32_t features,
		   const uint32_t *rows, uint32_t n)
{
	nm->features = features;
	nm->min = malloc((features + 1) * sizeof(float));
	nm->max = malloc((features + 1) * sizeof(float));
	if (!nm->min || !nm->max) {
		scann_norm_free(nm);
		return SCANN_ENOMEM;
	}
	for (uint32_t f = 0; f < features; f++) {
		nm->min[f] = n ? x[(size_t)rows[0] * features + f] : 0.0f;
		nm->max[f] = nm->min[f];
	}
	for (uint32_t i = 1; i < n; i++) {
		const float *r = x + (size_t)rows[i] * features;

		for (uint32_t f = 0; f < features; f++) {
			if (r[f] < nm->min[f])
				nm->min[f] = r[f];
			if (r[f] > nm->max[f])
				nm->max[f] = r[f];
		}
	}
	return 0;
}

void scann_norm_apply(const struct scann_norm *nm, const float *x,
		      uint32_t total, float *out)
{
	uint32_t d = nm->features;

	for (uint32_t i = 0; i < total; i++)
		for (uint32_t f = 0; f < d; f++) {
			float range = nm->max[f] - nm->min[f];
			size_t at = (size_t)i * d + f;

			out[at] = range > 0.0f ? (x[at] - nm->min[f]) / range : 0.0f;
		}
}

void scann_norm_free(struct scann_norm *nm)
{
	free(nm->min);
	free(nm->max);
	nm->min = nm->max = NULL;
}
