/*
 * export_front.c -- a convolutional front in the export plan (export.h has
 * the arithmetic and the arena): its layers copied from the engine's own
 * compiled front (scann_cnn_from_params), so shapes, the flattening and
 * the parameter layout are cnn.c's by construction, not a second guess;
 * each kernel kept as taps or dense, whichever takes fewer bytes; the
 * arena laid out; and the float evaluation the generated code
 * (export_c.c) transcribes loop for loop.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cnn.h"
#include "export.h"

void scann_export_front_free(struct scann_export_plan *p)
{
	for (uint32_t i = 0; p->front && i < p->n_front; i++) {
		free(p->front[i].ptr);
		free(p->front[i].off);
		free(p->front[i].kern);
		free(p->front[i].bias);
		free(p->front[i].qw);
	}
	free(p->front);
	p->front = NULL;
	p->n_front = 0;
}

/* Where tap j of a kernel (input map, ky, kx in that order) reads. */
static uint32_t tap_offset(const struct scann_export_front *F, uint32_t j)
{
	uint32_t kk = F->k * F->k;

	return j / kk * F->h * F->w + j / F->k % F->k * F->w + j % F->k;
}

/* Bytes of a conv layer's kernels stored dense, or as taps. */
static size_t dense_bytes(const struct scann_export_front *F)
{
	return (size_t)F->oc * F->c * F->k * F->k * 4;
}

static size_t taps_bytes(const struct scann_export_front *F, size_t taps)
{
	return taps * (4 + scann_export_idx_bytes(F->off_max)) +
		(F->oc + 1) * scann_export_idx_bytes(taps);
}

/* A tap is kept when its mask is 1 or its weight is not zero: a dormant
 * weight is exactly 0 (cnn.h), and should a file hold one that is not,
 * the engine's GEMM still multiplies it. */
static int kept_tap(const float *W, const uint8_t *M, size_t q)
{
	return M[q] != 0 || W[q] != 0.0f;
}

/* A conv layer's bias and kernels: the kept taps per map in (input map,
 * ky, kx) order when that is smaller than dense. */
static int conv_copy(struct scann_export_front *F, const struct scann_cnn *cnn,
		     const struct scann_cnn_layer *L)
{
	uint32_t K = scann_conv_rows(&L->dims);
	const float *W = cnn->param + L->w_off;
	const uint8_t *M = cnn->mask + L->w_off;
	size_t taps = 0;

	F->k = L->dims.k;
	F->off_max = tap_offset(F, K - 1);
	F->active = 0;
	for (size_t q = 0; q < (size_t)F->oc * K; q++) {
		F->active += M[q] != 0;
		taps += kept_tap(W, M, q);
	}
	F->sparse = taps_bytes(F, taps) < dense_bytes(F);
	F->nnz = F->sparse ? taps : (size_t)F->oc * K;
	F->bias = malloc(F->oc * sizeof(float) + 1);
	F->kern = malloc(F->nnz * sizeof(float) + 1);
	if (!F->bias || !F->kern)
		return SCANN_ENOMEM;
	memcpy(F->bias, cnn->param + L->b_off, F->oc * sizeof(float));
	if (!F->sparse) {
		memcpy(F->kern, W, F->nnz * sizeof(float));
		return 0;
	}
	F->ptr = malloc((F->oc + 1) * sizeof(uint32_t));
	F->off = malloc(F->nnz * sizeof(uint32_t) + 1);
	if (!F->ptr || !F->off)
		return SCANN_ENOMEM;
	F->ptr[0] = 0;
	for (uint32_t f = 0, q = 0; f < F->oc; f++) {
		for (uint32_t j = 0; j < K; j++)
			if (kept_tap(W, M, (size_t)f * K + j)) {
				F->off[q] = tap_offset(F, j);
				F->kern[q++] = W[(size_t)f * K + j];
			}
		F->ptr[f + 1] = q;
	}
	return 0;
}

/*
 * The arena: the image, then each convolution's output, alternately at
 * its start and aligned to its end, so a convolution's input and output
 * never overlap; pools (forward at the start, backward at the end) and
 * ReLUs work in place, shrinking a buffer towards its side.  The front's
 * output is the start of the net's buffer (kept floats): at the end, its
 * edge sits kept - n_in floats short of the arena's.  So the arena is the
 * largest pair of a convolution's input and output (or the net's buffer,
 * or the image, when larger).
 */
static void arena_layout(struct scann_export_plan *p, uint32_t kept)
{
	uint32_t extra = kept > p->n_in ? kept - p->n_in : 0;
	uint32_t N = p->features > kept ? p->features : kept;
	uint32_t last = p->n_front, cur = p->features, end = 0;

	for (uint32_t i = 0; i < p->n_front; i++)
		if (p->front[i].kind == SCANN_FRONT_CONV)
			last = i;
	for (uint32_t i = 0; i < p->n_front; i++) {
		const struct scann_export_front *F = &p->front[i];
		uint32_t out = F->oc * F->oh * F->ow;

		if (F->kind != SCANN_FRONT_CONV) {
			cur = out;
			continue;
		}
		end = !end;
		if (cur + out + (i == last && end ? extra : 0) > N)
			N = cur + out + (i == last && end ? extra : 0);
		cur = out;
	}
	p->arena = N;
	/* the same walk, placing each buffer against its side */
#define PLACE(size) (end ? (conv_seen == last_slot ? N - extra : N) - (size) : 0)
	{
		uint32_t conv_seen = 0, last_slot = 0;

		for (uint32_t i = 0; i < p->n_front; i++)
			last_slot += p->front[i].kind == SCANN_FRONT_CONV;
		end = 0;
		cur = p->features;
		p->img_at = PLACE(cur);
		for (uint32_t i = 0; i < p->n_front; i++) {
			struct scann_export_front *F = &p->front[i];

			F->in_at = PLACE(cur);
			if (F->kind == SCANN_FRONT_CONV) {
				end = !end;
				conv_seen++;
			}
			cur = F->oc * F->oh * F->ow;
			F->out_at = PLACE(cur);
			F->backward = F->kind == SCANN_FRONT_POOL && end;
		}
		p->a_at = PLACE(p->n_in);
	}
#undef PLACE
}

int scann_export_front_init(struct scann_export_plan *p,
			    const struct scann_cnn_params *f,
			    struct scann_error *err)
{
	struct scann_cnn cnn;
	int rc;

	rc = scann_cnn_from_params(&cnn, f, 1, err);
	if (rc != 0)
		return rc;
	p->n_front = cnn.n_layers;
	p->front = calloc(cnn.n_layers + 1, sizeof(*p->front));
	rc = p->front ? 0 : SCANN_ENOMEM;
	for (uint32_t i = 0; rc == 0 && i < cnn.n_layers; i++) {
		const struct scann_cnn_layer *L = &cnn.layer[i];
		struct scann_export_front *F = &p->front[i];

		*F = (struct scann_export_front){
			.kind = L->kind, .c = L->c, .h = L->h, .w = L->w,
			.oc = L->oc, .oh = L->oh, .ow = L->ow};
		if (L->kind == SCANN_FRONT_CONV)
			rc = conv_copy(F, &cnn, L);
	}
	scann_cnn_free(&cnn);
	if (rc == 0)
		arena_layout(p, p->n_pos - p->n_out);
	if (rc != 0) {
		scann_export_front_free(p);
		return scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
	}
	return 0;
}

/* Every output at its map's bias, then the taps added in order, each
 * over the whole map. */
static void conv_eval(const struct scann_export_front *F, const float *in,
		      float *out)
{
	uint32_t P = F->oh * F->ow, K = F->c * F->k * F->k;

	for (uint32_t f = 0; f < F->oc; f++) {
		float *o = out + (size_t)f * P;
		size_t q0 = F->sparse ? F->ptr[f] : (size_t)f * K;
		size_t q1 = F->sparse ? F->ptr[f + 1] : q0 + K;

		for (uint32_t j = 0; j < P; j++)
			o[j] = F->bias[f];
		for (size_t q = q0; q < q1; q++) {
			const float wq = F->kern[q];
			const float *x = in + (F->sparse ? F->off[q] :
					       tap_offset(F, (uint32_t)(q - q0)));

			for (uint32_t y = 0; y < F->oh; y++)
				for (uint32_t xx = 0; xx < F->ow; xx++)
					o[y * F->ow + xx] += wq * x[y * F->w + xx];
		}
	}
}

/* One pooled value: ties as conv.c, the upper of a column, then the
 * left column. */
static float pool_one(const struct scann_export_front *F, const float *in,
		      uint32_t ch, uint32_t y, uint32_t x)
{
	const float *r0 = in + (size_t)ch * F->h * F->w + (size_t)2 * y * F->w +
		2 * x;
	const float *r1 = r0 + F->w;
	float m0 = r1[0] > r0[0] ? r1[0] : r0[0];
	float m1 = r1[1] > r0[1] ? r1[1] : r0[1];

	return m1 > m0 ? m1 : m0;
}

/*
 * 2x2 max in place.  Forward (output at the buffer's start): output i is
 * written after its inputs are read, and every input a later output
 * reads lies at or past index i + 1.  Backward (output aligned to the
 * buffer's end, last value first): mirrored, every input an earlier
 * output reads lies before the place of the value just written.
 */
static void pool_eval(const struct scann_export_front *F, float *t)
{
	const float *in = t + F->in_at;
	float *out = t + F->out_at;

	if (!F->backward) {
		for (uint32_t ch = 0; ch < F->c; ch++)
			for (uint32_t y = 0; y < F->oh; y++)
				for (uint32_t x = 0; x < F->ow; x++)
					out[((size_t)ch * F->oh + y) * F->ow + x] =
						pool_one(F, in, ch, y, x);
		return;
	}
	for (uint32_t ch = F->c; ch-- > 0;)
		for (uint32_t y = F->oh; y-- > 0;)
			for (uint32_t x = F->ow; x-- > 0;)
				out[((size_t)ch * F->oh + y) * F->ow + x] =
					pool_one(F, in, ch, y, x);
}

void scann_export_front_eval(const struct scann_export_plan *p, float *t,
			     double *max)
{
	for (uint32_t i = 0; i < p->n_front; i++) {
		const struct scann_export_front *F = &p->front[i];
		size_t len = (size_t)F->oc * F->oh * F->ow;

		if (F->kind == SCANN_FRONT_CONV) {
			conv_eval(F, t + F->in_at, t + F->out_at);
			for (size_t j = 0; max && j < len; j++)
				if (fabs(t[F->out_at + j]) > max[i])
					max[i] = fabs(t[F->out_at + j]);
		} else if (F->kind == SCANN_FRONT_POOL)
			pool_eval(F, t);
		else
			for (size_t j = 0; j < len; j++)
				if (!(t[F->out_at + j] > 0.0f))
					t[F->out_at + j] = 0.0f;
	}
}
