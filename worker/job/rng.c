/*
 * rng.c -- the out-of-line parts of rng.h.
 */
#include "rng.h"

#include <math.h>

double scann_rng_normal(struct scann_rng *r)
{
	double u1, u2;

	do
		u1 = scann_rng_uniform(r);
	while (u1 <= 0.0);
	u2 = scann_rng_uniform(r);
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2);
}

void scann_rng_shuffle_u32(struct scann_rng *r, uint32_t *idx, uint32_t n)
{
	for (uint32_t i = n; i > 1; i--) {
		uint32_t j = scann_rng_below(r, i);
		uint32_t t = idx[i - 1];

		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}
