/*
 * export_plan.c -- the float plan of an exported model and its evaluation
 * (export.h has the pipeline).  The net's layout is taken from the
 * engine's own compiler (scann_exec_init), so positions, levels and which
 * level is CSR are the engine's by construction, not a second guess.
 * Not here: a convolutional front's layers (export_front.c), int8
 * (export_int8.c) and writing C (export_c.c).
 */
#include <stdlib.h>
#include <string.h>

#include "dr_impl.h"
#include "energy.h"
#include "exec.h"
#include "export.h"

static void layer_free(struct scann_export_layer *L)
{
	free(L->rowptr);
	free(L->col);
	free(L->w);
	free(L->b);
	free(L->dr_c);
	free(L->qw);
	memset(L, 0, sizeof(*L));
}

void scann_export_plan_free(struct scann_export_plan *p)
{
	free(p->min);
	free(p->range);
	if (p->dr) {
		layer_free(p->dr);
		free(p->dr);
	}
	for (uint32_t l = 0; p->lv && l < p->n_levels; l++)
		layer_free(&p->lv[l]);
	free(p->lv);
	scann_export_front_free(p);
	memset(p, 0, sizeof(*p));
}

/* A level of the compiled net copied into a layer (weights, CSR). */
static int level_copy(struct scann_export_layer *L,
		      const struct scann_exec *ex, uint32_t l)
{
	const struct scann_exec_level *E = &ex->lv[l];
	uint32_t K = E->hi - E->lo;

	L->first = E->first;
	L->count = E->count;
	L->lo = E->lo;
	L->hi = E->hi;
	L->sparse = E->sparse;
	L->relu = l + 1 < ex->n_levels;
	L->nnz = E->sparse ? E->nnz : (size_t)E->count * K;
	L->w = malloc(L->nnz * sizeof(float) + 1);
	L->b = malloc(E->count * sizeof(float) + 1);
	if (!L->w || !L->b)
		return SCANN_ENOMEM;
	memcpy(L->w, ex->param + E->w_off, L->nnz * sizeof(float));
	memcpy(L->b, ex->param + E->b_off, E->count * sizeof(float));
	if (E->sparse) {
		L->rowptr = malloc((E->count + 1) * sizeof(uint32_t));
		L->col = malloc(E->nnz * sizeof(uint32_t) + 1);
		if (!L->rowptr || !L->col)
			return SCANN_ENOMEM;
		memcpy(L->rowptr, E->rowptr, (E->count + 1) * sizeof(uint32_t));
		memcpy(L->col, E->col, E->nnz * sizeof(uint32_t));
	}
	return 0;
}

/*
 * The DR transform as a layer from xn (d) to the net's inputs (k).
 * Linear: row i of the layer is column i of W, the mean folded into the
 * constant -mean W (summed in double).  Sparse: R's CSR by input row
 * turned into CSR by output, columns ascending, so each output sums its
 * inputs in the order dr.c's transform_sparse does.
 */
static int dr_copy(struct scann_export_layer *L, const struct scann_dr *dr,
		   struct scann_error *err)
{
	uint32_t d = dr->d, k = dr->k;

	L->dr = 1;
	L->first = 0;
	L->count = k;
	L->lo = 0;
	L->hi = d;
	L->b = calloc(k + 1, sizeof(float));
	if (L->b == NULL)
		goto nomem;
	if (dr->sp_start != NULL) {
		L->sparse = 1;
		L->dr_signs = 1;
		L->dr_scale = dr->sp_scale;
		L->nnz = dr->nnz;
		L->rowptr = calloc(k + 1, sizeof(uint32_t));
		L->col = malloc(dr->nnz * sizeof(uint32_t) + 1);
		L->w = malloc(dr->nnz * sizeof(float) + 1);
		if (!L->rowptr || !L->col || !L->w)
			goto nomem;
		for (uint32_t p = 0; p < dr->nnz; p++)
			L->rowptr[dr->sp_col[p] + 1]++;
		for (uint32_t i = 0; i < k; i++)
			L->rowptr[i + 1] += L->rowptr[i];
		for (uint32_t j = 0; j < d; j++)
			for (uint32_t p = dr->sp_start[j]; p < dr->sp_start[j + 1]; p++) {
				uint32_t at = L->rowptr[dr->sp_col[p]]++;

				L->col[at] = j;
				L->w[at] = dr->sp_sign[p] > 0 ? 1.0f : -1.0f;
			}
		for (uint32_t i = k; i > 0; i--)	/* undo the fill's advance */
			L->rowptr[i] = L->rowptr[i - 1];
		L->rowptr[0] = 0;
		return 0;
	}
	if (dr->w == NULL)
		return scann_error_set(err, SCANN_EINVAL, "dr",
				       "the model's %s transform has no matrix",
				       scann_dr_method_name(dr->method));
	L->nnz = (size_t)d * k;
	L->w = malloc(L->nnz * sizeof(float) + 1);
	L->dr_c = malloc(k * sizeof(double) + 1);
	if (L->w == NULL || L->dr_c == NULL)
		goto nomem;
	for (uint32_t i = 0; i < k; i++) {
		double c = 0.0;

		for (uint32_t j = 0; j < d; j++) {
			L->w[(size_t)i * d + j] = (float)dr->w[(size_t)j * k + i];
			if (dr->mean)
				c -= dr->mean[j] * dr->w[(size_t)j * k + i];
		}
		L->dr_c[i] = c;
		L->b[i] = (float)c;
	}
	return 0;
nomem:
	return scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
}

int scann_export_plan_init(struct scann_export_plan *p,
			   const struct scann_model *m, struct scann_error *err)
{
	struct scann_exec ex;
	struct scann_cost cost;
	uint32_t d = m->norm.features;
	int rc;

	memset(p, 0, sizeof(*p));
	if (m->dr != NULL && (m->dr->method == SCANN_DR_ISOMAP ||
			      m->dr->method == SCANN_DR_SPECTRAL))
		return scann_error_set(err, SCANN_EINVAL, "dr",
				       "cannot export a model with %s DR: its out-of-sample "
				       "transform places a new row by a nearest-"
				       "neighbour search over the training anchors "
				       "it keeps, not by fixed arithmetic; export a "
				       "model with a linear DR (pca, fa, ica, rp-*) "
				       "or none", scann_dr_method_name(m->dr->method));
	/* DR reads feature vectors, a front images: the spec never makes
	 * both (spec.c); a model file that has them is not the engine's. */
	if (m->dr != NULL && m->net->front != NULL)
		return scann_error_set(err, SCANN_EINVAL, "network.front",
				       "a model with both a DR transform and a "
				       "convolutional front cannot be exported: "
				       "the engine never makes one");
	p->features = d;
	p->min = malloc(d * sizeof(float) + 1);
	p->range = malloc(d * sizeof(float) + 1);
	if (!p->min || !p->range)
		goto nomem;
	for (uint32_t f = 0; f < d; f++) {
		p->min[f] = m->norm.min[f];
		/* the float subtraction normalize.c makes for every row */
		p->range[f] = m->norm.max[f] - m->norm.min[f];
	}
	if (m->dr != NULL) {
		p->dr = calloc(1, sizeof(*p->dr));
		if (p->dr == NULL)
			goto nomem;
		rc = dr_copy(p->dr, m->dr, err);
		if (rc != 0) {
			scann_export_plan_free(p);
			return rc;
		}
	}
	if (scann_exec_init(&ex, m->net, 1, SCANN_SPARSE_BELOW) != 0)
		goto nomem;
	p->n_in = ex.n_in;
	p->n_out = ex.n_out;
	p->n_pos = ex.n_pos;
	p->n_levels = ex.n_levels;
	p->lv = calloc(ex.n_levels, sizeof(*p->lv));
	rc = p->lv ? 0 : SCANN_ENOMEM;
	for (uint32_t l = 0; rc == 0 && l < ex.n_levels; l++)
		rc = level_copy(&p->lv[l], &ex, l);
	scann_exec_free(&ex);
	if (rc != 0)
		goto nomem;
	if (m->net->front != NULL) {
		rc = scann_export_front_init(p, m->net->front, err);
		if (rc != 0) {
			scann_export_plan_free(p);
			return rc;
		}
	}
	scann_energy_measure(m->net, &SCANN_ENERGY_130NM, &cost);
	p->params = cost.params;
	p->macs = cost.macs;
	return 0;
nomem:
	scann_export_plan_free(p);
	return scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
}

int scann_export_scratch_init(struct scann_export_scratch *s,
			      const struct scann_export_plan *p)
{
	memset(s, 0, sizeof(*s));
	s->xn = malloc(p->features * sizeof(float) + 1);
	if (p->n_front) {
		/* the outputs past the generated code's arena: it writes them
		 * to scores */
		s->t = malloc(((size_t)p->arena + p->n_out) * sizeof(float));
		s->a = s->t ? s->t + p->a_at : NULL;
	} else {
		s->a = malloc(p->n_pos * sizeof(float) + 1);
	}
	s->qx = malloc(p->features + 1);
	if (p->n_front) {
		s->qt = malloc((size_t)p->arena + p->n_out);
		s->qa = s->qt ? s->qt + p->a_at : NULL;
	} else {
		s->qa = malloc(p->n_pos + 1);
	}
	if (!s->xn || !s->a || !s->qx || !s->qa) {
		scann_export_scratch_free(s);
		return SCANN_ENOMEM;
	}
	return 0;
}

void scann_export_scratch_free(struct scann_export_scratch *s)
{
	free(s->xn);
	if (s->t)
		free(s->t);
	else
		free(s->a);
	free(s->qx);
	if (s->qt)
		free(s->qt);
	else
		free(s->qa);
	memset(s, 0, sizeof(*s));
}

/* The DR layer: double sums rounded to float, as dr.c. */
static void eval_dr(const struct scann_export_layer *L, const float *xn,
		    float *out)
{
	for (uint32_t i = 0; i < L->count; i++) {
		double s = 0.0;

		if (L->dr_signs) {
			for (uint32_t q = L->rowptr[i]; q < L->rowptr[i + 1]; q++)
				s += L->w[q] > 0.0f ? (double)xn[L->col[q]] :
					-(double)xn[L->col[q]];
			out[i] = (float)(s * L->dr_scale);
		} else {
			const float *w = L->w + (size_t)i * (L->hi - L->lo);

			for (uint32_t j = L->lo; j < L->hi; j++)
				s += (double)w[j - L->lo] * xn[j];
			out[i] = (float)(s + L->dr_c[i]);
		}
	}
}

/* One level in float, in exec.c's order. */
static void eval_level(const struct scann_export_layer *L, float *a)
{
	uint32_t K = L->hi - L->lo;

	for (uint32_t i = 0; i < L->count; i++) {
		float z;

		if (L->sparse) {
			z = L->b[i];
			for (uint32_t q = L->rowptr[i]; q < L->rowptr[i + 1]; q++)
				z += L->w[q] * a[L->col[q]];
		} else {
			const float *w = L->w + (size_t)i * K;

			z = 0.0f;
			for (uint32_t j = 0; j < K; j++)
				z += w[j] * a[L->lo + j];
			z += L->b[i];
		}
		a[L->first + i] = L->relu && !(z > 0.0f) ? 0.0f : z;
	}
}

void scann_export_normalize(const struct scann_export_plan *p, const float *x,
			    float *xn)
{
	for (uint32_t f = 0; f < p->features; f++)
		xn[f] = p->range[f] > 0.0f ? (x[f] - p->min[f]) / p->range[f] : 0.0f;
}

uint32_t scann_export_eval(const struct scann_export_plan *p,
			   struct scann_export_scratch *s, const float *x,
			   float *scores)
{
	const struct scann_export_layer *out = &p->lv[p->n_levels - 1];
	uint32_t best = 0;

	if (p->dr) {
		scann_export_normalize(p, x, s->xn);
		eval_dr(p->dr, s->xn, s->a);
	} else if (p->n_front) {
		scann_export_normalize(p, x, s->t + p->img_at);
		scann_export_front_eval(p, s->t, s->front_max);
	} else {
		scann_export_normalize(p, x, s->a);
	}
	for (uint32_t l = 0; l < p->n_levels; l++)
		eval_level(&p->lv[l], s->a);
	for (uint32_t o = 0; o < p->n_out; o++) {
		scores[o] = s->a[out->first + o];
		if (scores[o] > scores[best])
			best = o;
	}
	return best;
}
