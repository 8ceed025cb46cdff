/*
 * export_int8.c -- the int8 plan: activation scales calibrated on the
 * model's training rows, per-layer weight scales, and its evaluation with
 * int32 sums (export.h has the scheme).  The generated int8 code
 * (export_c.c) is a transcription of scann_export_int8_eval: the same
 * integer sums and the same float operations, so the accuracy reported
 * at export is the accuracy of the code.
 *
 * Why the source scale is folded into the weights: a level of a general
 * feed-forward net reads neurons of several earlier levels, each with its
 * own activation scale; w * s_source per connection puts every product
 * of one level on one scale, so one int32 sum and one multiply suffice.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "job/error.h"
#include "export.h"

/* max |v| / 127, or 1 for an all-zero quantity (any scale is exact). */
static float scale_of(double maxabs)
{
	return maxabs > 0.0 ? (float)(maxabs / 127.0) : 1.0f;
}

/* The real weight of stored weight q of layer L. */
static double real_weight(const struct scann_export_layer *L, size_t q)
{
	return L->dr_signs ? L->w[q] * L->dr_scale : L->w[q];
}

/* Quantise L's weights times their sources' scales (pos_scale). */
static int quantise_layer(struct scann_export_layer *L, const float *pos_scale)
{
	uint32_t K = L->hi - L->lo;
	double mx = 0.0;

	L->qw = malloc(L->nnz + 1);
	if (L->qw == NULL)
		return SCANN_ENOMEM;
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t i = 0; i < L->count; i++) {
			size_t q0 = L->sparse ? L->rowptr[i] : (size_t)i * K;
			size_t q1 = L->sparse ? L->rowptr[i + 1] : q0 + K;

			for (size_t q = q0; q < q1; q++) {
				uint32_t src = L->sparse ? L->col[q] :
					L->lo + (uint32_t)(q - q0);
				double we = real_weight(L, q) * pos_scale[src];

				if (pass == 0 && fabs(we) > mx)
					mx = fabs(we);
				if (pass == 1)
					L->qw[q] = scann_export_quant(
						(float)(we / L->wscale));
			}
			if (pass == 0 && i + 1 == L->count)
				L->wscale = scale_of(mx);
		}
	return 0;
}

/* A convolution's weights times its input's scale s, on one scale. */
static int quantise_conv(struct scann_export_front *F, float s)
{
	double mx = 0.0;

	F->qw = malloc(F->nnz + 1);
	if (F->qw == NULL)
		return SCANN_ENOMEM;
	for (size_t q = 0; q < F->nnz; q++)
		if (fabs((double)F->kern[q] * s) > mx)
			mx = fabs((double)F->kern[q] * s);
	F->wscale = scale_of(mx);
	for (size_t q = 0; q < F->nnz; q++)
		F->qw[q] = scann_export_quant((float)((double)F->kern[q] * s /
						      F->wscale));
	return 0;
}

int scann_export_int8_calibrate(struct scann_export_plan *p, const float *x,
				const uint32_t *rows, uint32_t n)
{
	struct scann_export_scratch s = {0};
	double in_max = 0.0, dr_max = 0.0, *lv_max;
	float in_scale;
	float *scores, *pos_scale = NULL;
	int rc = SCANN_ENOMEM;

	lv_max = calloc(p->n_levels, sizeof(double));
	scores = malloc(p->n_out * sizeof(float) + 1);
	pos_scale = malloc((p->n_pos > p->features ? p->n_pos : p->features) *
			   sizeof(float) + 1);
	if (!lv_max || !scores || !pos_scale ||
	    scann_export_scratch_init(&s, p) != 0)
		goto out;
	if (p->n_front && (s.front_max = calloc(p->n_front,
						sizeof(double))) == NULL)
		goto out;
	for (uint32_t r = 0; r < n; r++) {
		const float *xr = x + (size_t)rows[r] * p->features;

		scann_export_eval(p, &s, xr, scores);
		/* xn again: eval kept it only when there is a DR layer */
		scann_export_normalize(p, xr, s.xn);
		for (uint32_t f = 0; f < p->features; f++)
			if (fabs(s.xn[f]) > in_max)
				in_max = fabs(s.xn[f]);
		for (uint32_t i = 0; p->dr && i < p->n_in; i++)
			if (fabs(s.a[i]) > dr_max)
				dr_max = fabs(s.a[i]);
		for (uint32_t l = 0; l < p->n_levels; l++) {
			const struct scann_export_layer *L = &p->lv[l];

			for (uint32_t i = 0; i < L->count; i++)
				if (fabs(s.a[L->first + i]) > lv_max[l])
					lv_max[l] = fabs(s.a[L->first + i]);
		}
	}
	p->in_scale = scale_of(in_max);
	p->in_inv = 1.0f / p->in_scale;
	if (p->dr) {
		for (uint32_t f = 0; f < p->features; f++)
			pos_scale[f] = p->in_scale;
		p->dr->oscale = scale_of(dr_max);
		p->dr->oinv = 1.0f / p->dr->oscale;
		if (quantise_layer(p->dr, pos_scale) != 0)
			goto out;
	}
	in_scale = p->dr ? p->dr->oscale : p->in_scale;
	for (uint32_t i = 0; i < p->n_front; i++) {
		struct scann_export_front *F = &p->front[i];

		if (F->kind != SCANN_FRONT_CONV)
			continue;	/* pools and ReLUs keep the scale */
		F->oscale = scale_of(s.front_max[i]);
		F->oinv = 1.0f / F->oscale;
		if (quantise_conv(F, in_scale) != 0)
			goto out;
		in_scale = F->oscale;
	}
	for (uint32_t i = 0; i < p->n_in; i++)
		pos_scale[i] = in_scale;
	for (uint32_t l = 0; l < p->n_levels; l++) {
		struct scann_export_layer *L = &p->lv[l];

		L->oscale = scale_of(lv_max[l]);
		L->oinv = 1.0f / L->oscale;
		for (uint32_t i = 0; i < L->count; i++)
			pos_scale[L->first + i] = L->oscale;
	}
	for (uint32_t l = 0; l < p->n_levels; l++)
		if (quantise_layer(&p->lv[l], pos_scale) != 0)
			goto out;
	p->int8 = 1;
	rc = 0;
out:
	free(s.front_max);
	scann_export_scratch_free(&s);
	free(lv_max);
	free(scores);
	free(pos_scale);
	return rc;
}

/* One layer in int8: int32 sums, float bias, quantised outputs (the last
 * level's real scores go to scores instead). */
static void eval_layer(const struct scann_export_layer *L, const int8_t *in,
		       int8_t *out, float *scores)
{
	uint32_t K = L->hi - L->lo;

	for (uint32_t i = 0; i < L->count; i++) {
		int32_t acc = 0;
		float z;

		if (L->sparse) {
			for (uint32_t q = L->rowptr[i]; q < L->rowptr[i + 1]; q++)
				acc += (int32_t)L->qw[q] * in[L->col[q]];
		} else {
			const int8_t *w = L->qw + (size_t)i * K;

			for (uint32_t j = 0; j < K; j++)
				acc += (int32_t)w[j] * in[L->lo + j];
		}
		z = (float)acc * L->wscale + L->b[i];
		if (scores) {
			scores[i] = z;
			continue;
		}
		if (L->relu && !(z > 0.0f))
			z = 0.0f;
		out[L->first + i] = scann_export_quant(z * L->oinv);
	}
}

/* One pooled int8 value, ties as the float code. */
static int8_t pool_one(const struct scann_export_front *F, const int8_t *in,
		       uint32_t ch, uint32_t y, uint32_t x)
{
	const int8_t *r0 = in + (size_t)ch * F->h * F->w + (size_t)2 * y * F->w +
		2 * x;
	const int8_t *r1 = r0 + F->w;
	int8_t m0 = r1[0] > r0[0] ? r1[0] : r0[0];
	int8_t m1 = r1[1] > r0[1] ? r1[1] : r0[1];

	return m1 > m0 ? m1 : m0;
}

void scann_export_front_int8_eval(const struct scann_export_plan *p,
				  int8_t *t)
{
	for (uint32_t i = 0; i < p->n_front; i++) {
		const struct scann_export_front *F = &p->front[i];
		uint32_t K = F->c * F->k * F->k;
		const int8_t *in = t + F->in_at;
		int8_t *out = t + F->out_at;

		if (F->kind == SCANN_FRONT_RELU) {
			for (size_t j = 0; j < (size_t)F->oc * F->oh * F->ow; j++)
				if (out[j] < 0)
					out[j] = 0;
			continue;
		}
		for (uint32_t ch = 0; F->kind == SCANN_FRONT_POOL && ch < F->c; ch++)
			for (uint32_t y = 0; y < F->oh; y++)
				for (uint32_t x = 0; x < F->ow; x++) {
					/* in place: forward, or mirrored */
					uint32_t c2 = F->backward ? F->c - 1 - ch : ch;
					uint32_t y2 = F->backward ? F->oh - 1 - y : y;
					uint32_t x2 = F->backward ? F->ow - 1 - x : x;

					out[((size_t)c2 * F->oh + y2) * F->ow + x2] =
						pool_one(F, in, c2, y2, x2);
				}
		if (F->kind != SCANN_FRONT_CONV)
			continue;
		/* a whole int32 sum per output: exact in any order */
		for (uint32_t f = 0; f < F->oc; f++)
			for (uint32_t y = 0; y < F->oh; y++)
				for (uint32_t x = 0; x < F->ow; x++) {
					const int8_t *px = in + (size_t)y * F->w + x;
					int32_t acc = 0;
					float z;

					if (F->sparse)
						for (uint32_t q = F->ptr[f]; q < F->ptr[f + 1]; q++)
							acc += (int32_t)F->qw[q] * px[F->off[q]];
					else	/* the generated loops' order */
						for (uint32_t q = 0, j = 0; j < F->c; j++)
							for (uint32_t ky = 0; ky < F->k; ky++)
								for (uint32_t kx = 0; kx < F->k; kx++)
									acc += (int32_t)F->qw[(size_t)f * K + q++] *
										px[((size_t)j * F->h + ky) * F->w + kx];
					z = (float)acc * F->wscale + F->bias[f];
					out[((size_t)f * F->oh + y) * F->ow + x] =
						scann_export_quant(z * F->oinv);
				}
	}
}

uint32_t scann_export_int8_eval(const struct scann_export_plan *p,
				struct scann_export_scratch *s, const float *x,
				float *scores)
{
	uint32_t best = 0;

	scann_export_normalize(p, x, s->xn);
	if (p->n_front) {
		for (uint32_t f = 0; f < p->features; f++)
			s->qt[p->img_at + f] = scann_export_quant(s->xn[f] * p->in_inv);
		scann_export_front_int8_eval(p, s->qt);
	} else if (p->dr) {
		for (uint32_t f = 0; f < p->features; f++)
			s->qx[f] = scann_export_quant(s->xn[f] * p->in_inv);
		eval_layer(p->dr, s->qx, s->qa, NULL);
	} else {
		for (uint32_t f = 0; f < p->features; f++)
			s->qa[f] = scann_export_quant(s->xn[f] * p->in_inv);
	}
	for (uint32_t l = 0; l < p->n_levels; l++)
		eval_layer(&p->lv[l], s->qa, s->qa,
			   l + 1 == p->n_levels ? scores : NULL);
	for (uint32_t o = 1; o < p->n_out; o++)
		if (scores[o] > scores[best])
			best = o;
	return best;
}
