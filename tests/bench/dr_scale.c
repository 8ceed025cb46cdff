/*
 * dr_scale.c -- the memory claim of dr.h, checked by hand: Isomap and
 * spectral embedding on ROWS synthetic training rows (default 60,000, the
 * size of MNIST's training set) stay O(n m), never O(n^2).  Run under
 * /usr/bin/time -v and read "Maximum resident set size":
 *   /usr/bin/time -v ./tests/bench/dr_scale 60000 36 isomap
 * Rows are uniform in [0,1]^D around a few random directions so the kNN
 * graph has structure; the timings are a side note.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "worker/dr.h"
#include "worker/job/rng.h"

int main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)atoi(argv[1]) : 60000;
	uint32_t d = argc > 2 ? (uint32_t)atoi(argv[2]) : 36;
	enum scann_dr_method m = argc > 3 && strcmp(argv[3], "spectral") == 0 ?
				 SCANN_DR_SPECTRAL : SCANN_DR_ISOMAP;
	uint32_t k = (d + 3) / 4;
	float *x = malloc((size_t)n * d * sizeof(*x));
	float *y = malloc((size_t)n * k * sizeof(*y));
	struct scann_rng rng;
	struct scann_dr *dr;
	struct scann_error err;
	struct timespec t0, t1;

	if (x == NULL || y == NULL)
		return 1;
	scann_rng_seed(&rng, 1);
	for (uint32_t i = 0; i < n; i++) {
		double a = scann_rng_uniform(&rng), b = scann_rng_uniform(&rng);

		for (uint32_t j = 0; j < d; j++)
			x[(size_t)i * d + j] = (float)(0.5 + 0.25 * ((j % 3 == 0) ? a :
					       (j % 3 == 1) ? b : a * b) +
					       0.02 * scann_rng_uniform(&rng));
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (scann_dr_fit(m, x, n, d, k, 1, NULL, &dr, y, &err) < 0) {
		fprintf(stderr, "%s\n", err.message);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%s: %u x %u -> %u in %.1f s\n", scann_dr_method_name(m), n, d, k,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9);
	scann_dr_free(dr);
	free(x);
	free(y);
	return 0;
}
