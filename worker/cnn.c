/*
 * cnn.c -- a convolutional front made of conv.h's layers: shapes, the
 * parameters and their initialisation, buffers sized once per batch size,
 * the batch load, forward and backward through the stack, and the count of
 * its parameters and MACs; cnn.h has the contract.
 *
 * Not here: the layers' arithmetic (conv.c) and the feed-forward part the
 * front feeds (exec.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnn.h"
#include "par.h"

/* calloc that never asks for zero bytes. */
static void *xcalloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

void scann_cnn_free(struct scann_cnn *cnn)
{
	if (cnn->layer)
		for (uint32_t i = 0; i < cnn->n_layers; i++) {
			free(cnn->layer[i].col);
			free(cnn->layer[i].gscratch);
			free(cnn->layer[i].arg);
			free(cnn->layer[i].y);
			free(cnn->layer[i].dy);
		}
	free(cnn->layer);
	free(cnn->param);
	free(cnn->grad);
	free(cnn->mask);
	free(cnn->x);
	free(cnn->dout);
	memset(cnn, 0, sizeof(*cnn));
}

/* Shapes and parameter offsets of every layer; 0 or SCANN_EINVAL. */
static int plan(struct scann_cnn *cnn, const struct scann_front_layer *spec,
		struct scann_error *err)
{
	uint32_t c = cnn->c, h = cnn->h, w = cnn->w;
	size_t off = 0;
	char field[32];

	for (uint32_t i = 0; i < cnn->n_layers; i++) {
		struct scann_cnn_layer *L = &cnn->layer[i];

		snprintf(field, sizeof(field), "front.layers[%u]", i);
		L->kind = spec[i].kind;
		L->c = c;
		L->h = h;
		L->w = w;
		switch (spec[i].kind) {
		case SCANN_FRONT_CONV:
			if (spec[i].k == 0 || spec[i].maps == 0 ||
			    spec[i].k > h || spec[i].k > w)
				return scann_error_set(err, SCANN_EINVAL, field,
					"a %ux%u kernel and %u maps do not fit %ux%u input",
					spec[i].k, spec[i].k, spec[i].maps, h, w);
			L->dims = (struct scann_conv_dims){c, h, w, spec[i].maps,
							   spec[i].k};
			L->oc = spec[i].maps;
			L->oh = scann_conv_oh(&L->dims);
			L->ow = scann_conv_ow(&L->dims);
			L->w_off = off;
			off += (size_t)L->oc * scann_conv_rows(&L->dims);
			L->b_off = off;
			off += L->oc;
			break;
		case SCANN_FRONT_POOL:
			if (h < 2 || w < 2)
				return scann_error_set(err, SCANN_EINVAL, field,
					"a 2x2 pool does not fit %ux%u input", h, w);
			L->oc = c;
			L->oh = h / 2;
			L->ow = w / 2;
			break;
		case SCANN_FRONT_RELU:
			L->oc = c;
			L->oh = h;
			L->ow = w;
			break;
		default:
			return scann_error_set(err, SCANN_EINVAL, field,
					       "unknown layer kind %d", (int)spec[i].kind);
		}
		c = L->oc;
		h = L->oh;
		w = L->ow;
	}
	cnn->n_out = c * h * w;
	cnn->n_param = off;
	return 0;
}

int scann_cnn_init(struct scann_cnn *cnn, uint32_t c, uint32_t h, uint32_t w,
		   const struct scann_front_layer *spec, uint32_t n_layers,
		   uint32_t bmax, struct scann_rng *rng,
		   struct scann_error *err)
{
	size_t B = bmax ? bmax : 1;
	int rc;

	memset(cnn, 0, sizeof(*cnn));
	cnn->c = c;
	cnn->h = h;
	cnn->w = w;
	cnn->n_layers = n_layers;
	cnn->bmax = (uint32_t)B;
	cnn->layer = xcalloc(n_layers, sizeof(*cnn->layer));
	if (cnn->layer == NULL) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
		goto fail;
	}
	rc = plan(cnn, spec, err);
	if (rc != 0)
		goto fail;
	cnn->param = xcalloc(cnn->n_param, sizeof(float));
	cnn->grad = xcalloc(cnn->n_param, sizeof(float));
	cnn->mask = xcalloc(cnn->n_param, 1);
	cnn->x = xcalloc(B * c * h * w, sizeof(float));
	cnn->dout = xcalloc((size_t)cnn->n_out * ((B + 7) & ~(size_t)7),
			    sizeof(float));
	rc = SCANN_ENOMEM;
	if (!cnn->param || !cnn->grad || !cnn->mask || !cnn->x || !cnn->dout)
		goto nomem;
	for (uint32_t i = 0; i < n_layers; i++) {
		struct scann_cnn_layer *L = &cnn->layer[i];
		size_t out = B * L->oc * L->oh * L->ow;

		L->y = xcalloc(out, sizeof(float));
		L->dy = xcalloc(out, sizeof(float));
		if (!L->y || !L->dy)
			goto nomem;
		if (L->kind == SCANN_FRONT_CONV) {
			size_t K = scann_conv_rows(&L->dims);
			size_t fan_in = K;
			double bound = 1.0 / sqrt((double)fan_in);

			size_t blk = scann_conv_block(&L->dims);

			L->col = xcalloc(SCANN_CONV_GROUPS * K * (blk < B ? blk : B) *
					 L->oh * L->ow, sizeof(float));
			L->gscratch = xcalloc((SCANN_CONV_GROUPS - 1) * K * L->oc,
					      sizeof(float));
			if (L->col == NULL || L->gscratch == NULL)
				goto nomem;
			if (rng == NULL)
				continue;
			for (size_t k = 0; k < (size_t)L->oc * K; k++) {
				cnn->param[L->w_off + k] = (float)(bound *
					(2.0 * scann_rng_uniform(rng) - 1.0));
				cnn->mask[L->w_off + k] = 1;
			}
			for (uint32_t f = 0; f < L->oc; f++) {
				cnn->param[L->b_off + f] = (float)(bound *
					(2.0 * scann_rng_uniform(rng) - 1.0));
				cnn->mask[L->b_off + f] = 1;
			}
		} else if (L->kind == SCANN_FRONT_POOL) {
			L->arg = xcalloc(out, 1);
			if (L->arg == NULL)
				goto nomem;
		}
	}
	return 0;
nomem:
	rc = scann_error_set(err, SCANN_ENOMEM, NULL,
			     "out of memory for the front's buffers");
fail:
	scann_cnn_free(cnn);
	return rc;
}

struct load_job {
	struct scann_cnn *cnn;
	const float *x;
	const uint32_t *idx;
	float *out;
	const float *in;
	uint32_t n, ld;
};

/* Images [lo, hi) of the batch, each map of each into its [c][s] plane. */
static void load_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct load_job *j = arg;
	const struct scann_cnn *cnn = j->cnn;
	size_t HW = (size_t)cnn->h * cnn->w, lo, hi;

	scann_par_range(j->n, 1, part, parts, &lo, &hi);
	for (size_t s = lo; s < hi; s++)
		for (uint32_t c = 0; c < cnn->c; c++)
			memcpy(cnn->x + ((size_t)c * j->n + s) * HW,
			       j->x + ((size_t)j->idx[s] * cnn->c + c) * HW,
			       HW * sizeof(float));
}

void scann_cnn_load(struct scann_cnn *cnn, const float *x,
		    const uint32_t *idx, uint32_t n)
{
	struct load_job j = {.cnn = cnn, .x = x, .idx = idx, .n = n};

	scann_par_run_sized(load_part, &j, (size_t)n * cnn->c * cnn->h * cnn->w);
}

/*
 * The last layer's [C][n][P] to and from feature-major rows (c*P + p) of
 * stride ld, features [lo, hi) per part.
 */
static void to_features_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct load_job *j = arg;
	const struct scann_cnn_layer *L = &j->cnn->layer[j->cnn->n_layers - 1];
	size_t P = (size_t)L->oh * L->ow, lo, hi;

	scann_par_range(j->cnn->n_out, 1, part, parts, &lo, &hi);
	for (size_t f = lo; f < hi; f++) {
		size_t c = f / P, p = f % P;
		float *row = j->out + f * j->ld;

		for (uint32_t s = 0; s < j->n; s++)
			row[s] = j->in[(c * j->n + s) * P + p];
	}
}

static void from_features_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct load_job *j = arg;
	const struct scann_cnn_layer *L = &j->cnn->layer[j->cnn->n_layers - 1];
	size_t P = (size_t)L->oh * L->ow, lo, hi;

	scann_par_range(j->cnn->n_out, 1, part, parts, &lo, &hi);
	for (size_t f = lo; f < hi; f++) {
		size_t c = f / P, p = f % P;
		const float *row = j->in + f * j->ld;

		for (uint32_t s = 0; s < j->n; s++)
			j->out[(c * j->n + s) * P + p] = row[s];
	}
}

void scann_cnn_forward(struct scann_cnn *cnn, uint32_t n, float *out,
		       uint32_t ld)
{
	const float *in = cnn->x;
	struct load_job j = {.cnn = cnn, .out = out, .n = n, .ld = ld};

	for (uint32_t i = 0; i < cnn->n_layers; i++) {
		struct scann_cnn_layer *L = &cnn->layer[i];

		switch (L->kind) {
		case SCANN_FRONT_CONV:
			scann_conv_forward(&L->dims, cnn->param + L->w_off,
					   cnn->param + L->b_off, in, L->col,
					   L->y, n);
			break;
		case SCANN_FRONT_POOL:
			scann_pool_forward(in, L->y, L->arg, L->c * n, L->h, L->w);
			break;
		case SCANN_FRONT_RELU:
			scann_relu_forward(in, L->y, (size_t)L->c * n * L->h * L->w);
			break;
		}
		in = L->y;
	}
	j.in = in;
	scann_par_run_sized(to_features_part, &j, (size_t)cnn->n_out * n);
}

void scann_cnn_backward(struct scann_cnn *cnn, uint32_t n, const float *dout,
			uint32_t ld)
{
	struct load_job j = {.cnn = cnn, .n = n, .ld = ld, .in = dout};

	if (cnn->n_layers == 0)
		return;
	j.out = cnn->layer[cnn->n_layers - 1].dy;
	scann_par_run_sized(from_features_part, &j, (size_t)cnn->n_out * n);
	for (uint32_t i = cnn->n_layers; i-- > 0;) {
		struct scann_cnn_layer *L = &cnn->layer[i];
		/* dL/d(input) is the previous layer's dy; the image needs none */
		float *dx = i > 0 ? cnn->layer[i - 1].dy : NULL;
		const float *x = i > 0 ? cnn->layer[i - 1].y : cnn->x;

		switch (L->kind) {
		case SCANN_FRONT_CONV:
			scann_conv_backward(&L->dims, cnn->param + L->w_off,
					    cnn->mask + L->w_off, x, L->col, L->dy,
					    cnn->grad + L->w_off, L->gscratch,
					    cnn->grad + L->b_off, dx, n);
			break;
		case SCANN_FRONT_POOL:
			if (dx)
				scann_pool_backward(L->dy, L->arg, dx, L->c * n,
						    L->h, L->w);
			break;
		case SCANN_FRONT_RELU:
			if (dx)
				scann_relu_backward(L->y, L->dy, dx,
						    (size_t)L->c * n * L->h * L->w);
			break;
		}
	}
}

void scann_cnn_count(const struct scann_cnn *cnn, struct scann_cnn_cost *out)
{
	memset(out, 0, sizeof(*out));
	for (uint32_t i = 0; i < cnn->n_layers; i++) {
		const struct scann_cnn_layer *L = &cnn->layer[i];
		size_t K = scann_conv_rows(&L->dims);
		uint64_t values = (uint64_t)L->oc * L->oh * L->ow;

		out->values += values;
		if (L->kind == SCANN_FRONT_POOL)
			out->comparisons += 3 * values;
		if (L->kind == SCANN_FRONT_RELU)
			out->comparisons += values;
		if (L->kind != SCANN_FRONT_CONV)
			continue;
		for (uint32_t f = 0; f < L->oc; f++) {
			uint64_t active = 0;

			for (size_t k = 0; k < K; k++)
				active += cnn->mask[L->w_off + f * K + k];
			out->weights += active;
			out->params += active + (active > 0);
			out->macs += active * L->oh * L->ow;
		}
	}
}

/* ---- the front as a network carries it ----------------------------------- */

void scann_cnn_params_free(struct scann_cnn_params *p)
{
	if (p == NULL)
		return;
	free(p->spec);
	free(p->param);
	free(p->mask);
	free(p);
}

/* An empty one of p's shape (0 parameters filled); NULL when out of memory. */
static struct scann_cnn_params *params_alloc(uint32_t c, uint32_t h, uint32_t w,
					     const struct scann_front_layer *spec,
					     uint32_t n_layers, uint32_t n_out,
					     size_t n_param)
{
	struct scann_cnn_params *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	*p = (struct scann_cnn_params){c, h, w, n_layers, NULL, n_out, n_param,
				       NULL, NULL};
	p->spec = xcalloc(n_layers, sizeof(*spec));
	p->param = xcalloc(n_param, sizeof(float));
	p->mask = xcalloc(n_param, 1);
	if (!p->spec || !p->param || !p->mask) {
		scann_cnn_params_free(p);
		return NULL;
	}
	if (n_layers)
		memcpy(p->spec, spec, n_layers * sizeof(*spec));
	return p;
}

struct scann_cnn_params *scann_cnn_params_new(uint32_t c, uint32_t h,
					      uint32_t w,
					      const struct scann_front_layer *spec,
					      uint32_t n_layers,
					      struct scann_rng *rng,
					      struct scann_error *err)
{
	struct scann_cnn cnn;
	struct scann_cnn_params *p;

	/* One image of buffers: the initialisation is scann_cnn_init's. */
	if (scann_cnn_init(&cnn, c, h, w, spec, n_layers, 1, rng, err) != 0)
		return NULL;
	p = params_alloc(c, h, w, spec, n_layers, cnn.n_out, cnn.n_param);
	if (p == NULL) {
		scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
	} else {
		memcpy(p->param, cnn.param, cnn.n_param * sizeof(float));
		memcpy(p->mask, cnn.mask, cnn.n_param);
	}
	scann_cnn_free(&cnn);
	return p;
}

struct scann_cnn_params *scann_cnn_params_clone(const struct scann_cnn_params *p)
{
	struct scann_cnn_params *q = params_alloc(p->c, p->h, p->w, p->spec,
						  p->n_layers, p->n_out,
						  p->n_param);

	if (q == NULL)
		return NULL;
	memcpy(q->param, p->param, p->n_param * sizeof(float));
	memcpy(q->mask, p->mask, p->n_param);
	return q;
}

int scann_cnn_from_params(struct scann_cnn *cnn, const struct scann_cnn_params *p,
			  uint32_t bmax, struct scann_error *err)
{
	int rc = scann_cnn_init(cnn, p->c, p->h, p->w, p->spec, p->n_layers,
				bmax, NULL, err);

	if (rc != 0)
		return rc;
	if (cnn->n_param != p->n_param) {
		scann_cnn_free(cnn);
		return scann_error_set(err, SCANN_EINVAL, "front",
				       "the front's layers need %zu parameters, "
				       "%zu given", cnn->n_param, p->n_param);
	}
	memcpy(cnn->param, p->param, p->n_param * sizeof(float));
	memcpy(cnn->mask, p->mask, p->n_param);
	return 0;
}

void scann_cnn_params_count(const struct scann_cnn_params *p,
			    struct scann_cnn_cost *out)
{
	struct scann_cnn tmp;
	struct scann_error err;

	memset(out, 0, sizeof(*out));
	memset(&tmp, 0, sizeof(tmp));
	tmp.c = p->c;
	tmp.h = p->h;
	tmp.w = p->w;
	tmp.n_layers = p->n_layers;
	tmp.layer = xcalloc(p->n_layers, sizeof(*tmp.layer));
	if (tmp.layer == NULL || plan(&tmp, p->spec, &err) != 0) {
		free(tmp.layer);
		return;
	}
	tmp.mask = p->mask;
	scann_cnn_count(&tmp, out);
	free(tmp.layer);
}

size_t scann_cnn_params_active(const struct scann_cnn_params *p)
{
	struct scann_cnn_cost cost;

	scann_cnn_params_count(p, &cost);
	return cost.weights;
}
