/*
 * grow.c -- connection growth (gradient-based and full) and neuron growth,
 * the growing half of SCANN's architecture operations (paper Algorithms 3
 * and 4).  See grow.h for the contracts.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "cnn.h"
#include "exec.h"
#include "grow.h"

struct scored {
	float score;
	uint32_t idx;	/* target * cols + source (or hidden neuron) */
};

/* Larger score first; ties to the lower index, so choices are stable. */
static int by_score_desc(const void *pa, const void *pb)
{
	const struct scored *a = pa, *b = pb;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

int scann_grow_connections(struct scann_net *net, const struct scann_data *data,
			   const uint32_t *rows, uint32_t n, double fraction,
			   size_t count, size_t *grown, struct scann_error *err)
{
	struct scann_exec ex;
	uint32_t rows_t = scann_net_rows(net), cols = scann_net_cols(net);
	uint32_t T, S, B;
	float *G = NULL;
	struct scored *cand = NULL;
	size_t nc = 0, take;
	int rc;

	*grown = 0;
	/* Dense evaluation: growth needs every delta, not a fast path. */
	rc = scann_exec_init(&ex, net, SCANN_EVAL_BATCH, 0.0);
	if (rc != 0)
		return scann_error_set(err, rc, NULL, "out of memory for growth");
	T = ex.n_pos - ex.n_in;	/* hidden then output positions */
	S = ex.n_in + ex.n_hidden;	/* source positions */
	B = ex.bmax;
	G = calloc((size_t)T * S + 1, sizeof(float));
	cand = malloc(((size_t)rows_t * cols + 1) * sizeof(*cand));
	if (!G || !cand) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory for growth");
		goto out;
	}
	/* dL/dW over all (target, source) positions: sum_b dz_t[b] a_s[b]. */
	for (uint32_t i = 0; i < n; i += B) {
		uint32_t m = n - i < B ? n - i : B;

		scann_exec_load(&ex, data->x, rows + i, m);
		scann_exec_forward(&ex, m);
		/* backward averages over m; weight each chunk by m/n below */
		scann_exec_backward(&ex, data->y, rows + i, m);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)T,
			    (int)S, (int)m, (float)m / (float)n,
			    ex.d + (size_t)ex.n_in * B, (int)B, ex.a, (int)B,
			    1.0f, G, (int)S);
	}
	for (uint32_t pt = 0; pt < T; pt++) {
		uint32_t t = ex.neuron[ex.n_in + pt] - ex.n_in;

		for (uint32_t ps = 0; ps < S; ps++) {
			uint32_t s = ex.neuron[ps];

			if (net->mask[scann_net_at(net, t, s)] ||
			    !scann_net_allowed(net, t, s))
				continue;
			cand[nc].score = fabsf(G[(size_t)pt * S + ps]);
			cand[nc].idx = (uint32_t)scann_net_at(net, t, s);
			nc++;
		}
	}
	take = count ? count : (size_t)llround(fraction * (double)nc);
	if (take > nc)
		take = nc;
	qsort(cand, nc, sizeof(*cand), by_score_desc);
	for (size_t k = 0; k < take; k++) {
		net->mask[cand[k].idx] = 1;
		net->w[cand[k].idx] = 0.0f;
	}
	*grown = take;
	scann_net_update(net);
	rc = 0;
out:
	free(G);
	free(cand);
	scann_exec_free(&ex);
	return rc;
}

size_t scann_grow_full(struct scann_net *net)
{
	size_t grown = 0;

	for (uint32_t t = 0; t < scann_net_rows(net); t++)
		for (uint32_t s = 0; s < scann_net_cols(net); s++) {
			size_t at = scann_net_at(net, t, s);

			if (!net->mask[at] && scann_net_allowed(net, t, s)) {
				net->mask[at] = 1;
				net->w[at] = 0.0f;
				grown++;
			}
		}
	if (net->front)		/* every kernel weight back, at 0 */
		for (size_t k = 0; k < net->front->n_param; k++)
			if (!net->front->mask[k]) {
				net->front->mask[k] = 1;
				net->front->param[k] = 0.0f;
				grown++;
			}
	scann_net_update(net);
	return grown;
}

/* Duplicate hidden neuron h into a new neuron h + 1 (see grow.h). */
static int clone_neuron(struct scann_net *net, uint32_t h, double noise,
			struct scann_rng *rng)
{
	uint32_t c = h + 1, cols;
	int rc = scann_net_insert_hidden(net, c, net->layer[h]);

	if (rc != 0)
		return rc;
	cols = scann_net_cols(net);
	net->bias[c] = net->bias[h];
	for (uint32_t s = 0; s < net->n_in + h; s++) {
		size_t from = scann_net_at(net, h, s), to = scann_net_at(net, c, s);

		if (!net->mask[from])
			continue;
		net->mask[to] = 1;
		net->w[to] = net->w[from] *
			(float)(1.0 + noise * scann_rng_normal(rng));
	}
	for (uint32_t t = c + 1; t < scann_net_rows(net); t++) {
		size_t from = (size_t)t * cols + net->n_in + h;
		size_t to = (size_t)t * cols + net->n_in + c;

		if (!net->mask[from])
			continue;
		net->w[from] *= 0.5f;
		net->w[to] = net->w[from];
		net->mask[to] = 1;
	}
	return 0;
}

int scann_grow_neurons(struct scann_net *net, const struct scann_data *data,
		       const uint32_t *rows, uint32_t n, uint32_t k,
		       double noise, struct scann_rng *rng, uint32_t *added,
		       struct scann_error *err)
{
	struct scann_exec ex;
	struct scored *act = NULL;
	uint32_t H = net->n_hidden, *pick = NULL;
	int rc;

	*added = 0;
	if (k > H)
		k = H;
	if (k == 0)
		return 0;
	rc = scann_exec_init(&ex, net, SCANN_EVAL_BATCH, SCANN_SPARSE_BELOW);
	if (rc != 0)
		return scann_error_set(err, rc, NULL, "out of memory for growth");
	act = calloc(H, sizeof(*act));
	pick = calloc(k, sizeof(uint32_t));
	if (!act || !pick) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory for growth");
		goto out;
	}
	for (uint32_t h = 0; h < H; h++)
		act[h].idx = h;
	for (uint32_t i = 0; i < n; i += ex.bmax) {
		uint32_t m = n - i < ex.bmax ? n - i : ex.bmax;

		scann_exec_load(&ex, data->x, rows + i, m);
		scann_exec_forward(&ex, m);
		for (uint32_t h = 0; h < H; h++) {
			const float *a = ex.a + (size_t)ex.pos[ex.n_in + h] * ex.bmax;
			float s = 0.0f;

			for (uint32_t b = 0; b < m; b++)
				s += a[b];
			act[h].score += s;
		}
	}
	qsort(act, H, sizeof(*act), by_score_desc);
	for (uint32_t j = 0; j < k; j++)
		pick[j] = act[j].idx;
	/* Clone from the highest index down so pending parents keep theirs. */
	for (uint32_t j = 0; j < k; j++)
		for (uint32_t i = j + 1; i < k; i++)
			if (pick[i] > pick[j]) {
				uint32_t t = pick[i];

				pick[i] = pick[j];
				pick[j] = t;
			}
	for (uint32_t j = 0; j < k; j++) {
		rc = clone_neuron(net, pick[j], noise, rng);
		if (rc != 0) {
			rc = scann_error_set(err, rc, NULL, "out of memory for growth");
			goto out;
		}
		(*added)++;
	}
	scann_net_update(net);
	rc = 0;
out:
	free(act);
	free(pick);
	scann_exec_free(&ex);
	return rc;
}
