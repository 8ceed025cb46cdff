/*
 * rng.h -- the one pseudo-random generator of scann (xoshiro256**, seeded
 * through splitmix64).  Every random choice in a job -- splits, weight
 * initialisation, shuffles, growth noise, projections -- draws from a
 * struct scann_rng seeded from the job spec, so a seed reproduces a run bit
 * for bit on the same build.  Not for cryptography.
 */
#ifndef SCANN_RNG_H
#define SCANN_RNG_H

#include <stdint.h>

struct scann_rng {
	uint64_t s[4];
};

static inline uint64_t scann_rng_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static inline void scann_rng_seed(struct scann_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = scann_rng_splitmix64(&seed);
}

static inline uint64_t scann_rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* A uniformly random 64-bit word. */
static inline uint64_t scann_rng_next(struct scann_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = scann_rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = scann_rng_rotl(s[3], 45);
	return result;
}

/* Uniform in [0, 1), 53 bits. */
static inline double scann_rng_uniform(struct scann_rng *r)
{
	return (double)(scann_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n), n > 0, without modulo bias (Lemire). */
static inline uint32_t scann_rng_below(struct scann_rng *r, uint32_t n)
{
	uint64_t m = (uint64_t)(uint32_t)(scann_rng_next(r) >> 32) * n;
	uint32_t low = (uint32_t)m;

	if (low < n) {
		uint32_t threshold = (uint32_t)(-n) % n;

		while (low < threshold) {
			m = (uint64_t)(uint32_t)(scann_rng_next(r) >> 32) * n;
			low = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

/* Standard normal deviate (Box-Muller; one value per call, for clarity). */
double scann_rng_normal(struct scann_rng *r);

/* Fisher-Yates shuffle of idx[0..n). */
void scann_rng_shuffle_u32(struct scann_rng *r, uint32_t *idx, uint32_t n);

#endif
