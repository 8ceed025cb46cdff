/*
 * conv.c -- convolution (im2col + one GEMM per batch), max-pool 2x2 and
 * ReLU over [C][n][H][W] batch tensors, forward and backward; conv.h has
 * the layout and the contracts.
 *
 * Every pass is split over the pool by whole rows, maps or planes, so each
 * output value is computed by the same operations in the same order with
 * one thread or two (BLAS aside).
 */
#include <cblas.h>
#include <string.h>

#include "conv.h"
#include "par.h"

/* Shared by the parts of one pass; which fields count depends on the pass. */
struct conv_job {
	const struct scann_conv_dims *d;
	const float *src;
	float *dst;
	const float *bias;
	float *gb;
	uint32_t n;
};

/*
 * im2col, rows [lo, hi) of rows(d): row (c, ky, kx), column (s, oy, ox)
 * holds x[c][s][oy+ky][ox+kx]; each (s, oy) is one contiguous copy of OW.
 */
static void im2col_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct conv_job *j = arg;
	const struct scann_conv_dims *d = j->d;
	uint32_t k = d->k, OH = scann_conv_oh(d), OW = scann_conv_ow(d);
	size_t P = (size_t)OH * OW, NP = P * j->n, HW = (size_t)d->h * d->w;
	size_t lo, hi;

	scann_par_range(scann_conv_rows(d), 1, part, parts, &lo, &hi);
	for (size_t r = lo; r < hi; r++) {
		uint32_t c = (uint32_t)(r / (k * k)), ky = (uint32_t)(r / k % k);
		uint32_t kx = (uint32_t)(r % k);
		float *row = j->dst + r * NP;

		for (uint32_t s = 0; s < j->n; s++) {
			const float *plane = j->src + ((size_t)c * j->n + s) * HW;

			for (uint32_t oy = 0; oy < OH; oy++)
				memcpy(row + s * P + (size_t)oy * OW,
				       plane + (size_t)(oy + ky) * d->w + kx,
				       OW * sizeof(float));
		}
	}
}

/*
 * col2im, input maps [lo, hi): dx[c][s] = sum over (ky, kx), in that order,
 * of the shifted rows of dcol.  A map's rows belong to one part, so no two
 * threads add into one value.
 */
static void col2im_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct conv_job *j = arg;
	const struct scann_conv_dims *d = j->d;
	uint32_t k = d->k, OH = scann_conv_oh(d), OW = scann_conv_ow(d);
	size_t P = (size_t)OH * OW, NP = P * j->n, HW = (size_t)d->h * d->w;
	size_t lo, hi;

	scann_par_range(d->c, 1, part, parts, &lo, &hi);
	for (size_t c = lo; c < hi; c++)
		for (uint32_t s = 0; s < j->n; s++) {
			float *plane = j->dst + (c * j->n + s) * HW;

			memset(plane, 0, HW * sizeof(float));
			for (uint32_t ky = 0; ky < k; ky++)
				for (uint32_t kx = 0; kx < k; kx++) {
					const float *src = j->src +
						((c * k + ky) * k + kx) * NP + s * P;

					for (uint32_t oy = 0; oy < OH; oy++) {
						float *to = plane + (size_t)(oy + ky) * d->w + kx;
						const float *from = src + (size_t)oy * OW;

						for (uint32_t ox = 0; ox < OW; ox++)
							to[ox] += from[ox];
					}
				}
		}
}

/* y[f] += b[f] over maps [lo, hi). */
static void bias_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct conv_job *j = arg;
	size_t NP = (size_t)scann_conv_oh(j->d) * scann_conv_ow(j->d) * j->n;
	size_t lo, hi;

	scann_par_range(j->d->f, 1, part, parts, &lo, &hi);
	for (size_t f = lo; f < hi; f++) {
		float *row = j->dst + f * NP, b = j->bias[f];

		for (size_t i = 0; i < NP; i++)
			row[i] += b;
	}
}

/* gb[f] = sum of dy[f] over maps [lo, hi), eight running sums per map so
 * the loop vectorises; their order is fixed, so is the result. */
static void bias_grad_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct conv_job *j = arg;
	size_t NP = (size_t)scann_conv_oh(j->d) * scann_conv_ow(j->d) * j->n;
	size_t lo, hi;

	scann_par_range(j->d->f, 1, part, parts, &lo, &hi);
	for (size_t f = lo; f < hi; f++) {
		const float *row = j->src + f * NP;
		float acc[8] = {0}, sum = 0.0f;
		size_t i = 0;

		for (; i + 8 <= NP; i += 8)
			for (int l = 0; l < 8; l++)
				acc[l] += row[i + l];
		for (int l = 0; l < 8; l++)
			sum += acc[l];
		for (; i < NP; i++)
			sum += row[i];
		j->gb[f] = sum;
	}
}

void scann_conv_forward(const struct scann_conv_dims *d, const float *W,
			const float *b, const float *x, float *col, float *y,
			uint32_t n)
{
	uint32_t K = scann_conv_rows(d);
	size_t NP = (size_t)scann_conv_oh(d) * scann_conv_ow(d) * n;
	struct conv_job j = {.d = d, .src = x, .dst = col, .bias = b, .n = n};

	scann_par_run_sized(im2col_part, &j, K * NP);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d->f,
		    (int)NP, (int)K, 1.0f, W, (int)K, col, (int)NP, 0.0f, y,
		    (int)NP);
	j.dst = y;
	scann_par_run_sized(bias_part, &j, d->f * NP);
}

void scann_conv_backward(const struct scann_conv_dims *d, const float *W,
			 const uint8_t *mask, float *col, const float *dy,
			 float *gW, float *gb, float *dx, uint32_t n)
{
	uint32_t K = scann_conv_rows(d);
	size_t NP = (size_t)scann_conv_oh(d) * scann_conv_ow(d) * n;
	struct conv_job j = {.d = d, .src = dy, .gb = gb, .n = n};

	scann_par_run_sized(bias_grad_part, &j, d->f * NP);
	/* gW (f x K) = dy (f x NP) col^T */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)d->f, (int)K,
		    (int)NP, 1.0f, dy, (int)NP, col, (int)NP, 0.0f, gW, (int)K);
	if (mask)
		for (size_t i = 0; i < (size_t)d->f * K; i++)
			if (!mask[i])
				gW[i] = 0.0f;
	if (dx == NULL)
		return;
	/* dcol (K x NP) = W^T dy, over col: its last reader was the GEMM above */
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)NP,
		    (int)d->f, 1.0f, W, (int)K, dy, (int)NP, 0.0f, col, (int)NP);
	j.src = col;
	j.dst = dx;
	scann_par_run_sized(col2im_part, &j, K * NP);
}

struct pool_job {
	const float *x;
	float *y;
	uint8_t *arg;
	const uint8_t *carg;
	uint32_t planes, h, w;
};

static void pool_forward_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct pool_job *j = arg;
	uint32_t OH = j->h / 2, OW = j->w / 2;
	size_t lo, hi;

	scann_par_range(j->planes, 1, part, parts, &lo, &hi);
	for (size_t p = lo; p < hi; p++) {
		const float *in = j->x + p * j->h * j->w;
		float *out = j->y + p * OH * OW;
		uint8_t *win = j->arg + p * OH * OW;

		for (uint32_t oy = 0; oy < OH; oy++) {
			const float *r0 = in + (size_t)2 * oy * j->w;
			const float *r1 = r0 + j->w;

			for (uint32_t ox = 0; ox < OW; ox++) {
				float v[4] = {r0[2 * ox], r0[2 * ox + 1],
					      r1[2 * ox], r1[2 * ox + 1]};
				uint8_t best = 0;

				for (uint8_t q = 1; q < 4; q++)
					if (v[q] > v[best])
						best = q;
				out[oy * OW + ox] = v[best];
				win[oy * OW + ox] = best;
			}
		}
	}
}

static void pool_backward_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct pool_job *j = arg;
	uint32_t OH = j->h / 2, OW = j->w / 2;
	size_t lo, hi;

	scann_par_range(j->planes, 1, part, parts, &lo, &hi);
	for (size_t p = lo; p < hi; p++) {
		const float *dy = j->x + p * OH * OW;
		const uint8_t *win = j->carg + p * OH * OW;
		float *dx = j->y + p * j->h * j->w;

		memset(dx, 0, (size_t)j->h * j->w * sizeof(float));
		for (uint32_t oy = 0; oy < OH; oy++)
			for (uint32_t ox = 0; ox < OW; ox++) {
				uint8_t q = win[oy * OW + ox];

				dx[(size_t)(2 * oy + q / 2) * j->w + 2 * ox + q % 2] =
					dy[oy * OW + ox];
			}
	}
}

void scann_pool_forward(const float *x, float *y, uint8_t *arg,
			uint32_t planes, uint32_t h, uint32_t w)
{
	struct pool_job j = {.x = x, .y = y, .arg = arg, .planes = planes,
			     .h = h, .w = w};

	scann_par_run_sized(pool_forward_part, &j, (size_t)planes * h * w);
}

void scann_pool_backward(const float *dy, const uint8_t *arg, float *dx,
			 uint32_t planes, uint32_t h, uint32_t w)
{
	struct pool_job j = {.x = dy, .y = dx, .carg = arg, .planes = planes,
			     .h = h, .w = w};

	scann_par_run_sized(pool_backward_part, &j, (size_t)planes * h * w);
}

/* ReLU is cheap next to the GEMMs around it: one thread. */
void scann_relu_forward(const float *x, float *y, size_t len)
{
	for (size_t i = 0; i < len; i++)
		y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void scann_relu_backward(const float *y, const float *dy, float *dx,
			 size_t len)
{
	for (size_t i = 0; i < len; i++)
		dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}
