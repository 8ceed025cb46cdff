/*
 * net.c -- the general feed-forward network in its master form: creation
 * (an MLP, He-initialised), copies, the wiring's allowed connections,
 * levels, and inserting and removing hidden neurons.  See net.h.
 *
 * Not here: evaluation (the compiled executor and its kernels, exec.c),
 * growth and pruning (grow.c, prune.c), training (train.c).
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "cnn.h"

/* calloc that never asks for zero bytes: an empty net is still a net. */
static void *xcalloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

struct scann_net *scann_net_new_mlp(uint32_t n_in, const uint32_t *hidden,
				    uint32_t n_layers, uint32_t n_out,
				    enum scann_wiring wiring,
				    struct scann_rng *rng)
{
	struct scann_net *net = calloc(1, sizeof(*net));
	uint32_t H = 0, first = 0, prev_first, prev_count;

	if (net == NULL)
		return NULL;
	for (uint32_t l = 0; l < n_layers; l++)
		H += hidden[l];
	net->n_in = n_in;
	net->n_hidden = H;
	net->n_out = n_out;
	net->wiring = wiring;
	net->n_layers = n_layers;
	net->layer = xcalloc(H, sizeof(uint32_t));
	net->level = xcalloc(H, sizeof(uint32_t));
	net->w = xcalloc((size_t)(H + n_out) * (n_in + H), sizeof(float));
	net->mask = xcalloc((size_t)(H + n_out) * (n_in + H), 1);
	net->bias = xcalloc(H + n_out, sizeof(float));
	if (!net->layer || !net->level || !net->w || !net->mask || !net->bias) {
		scann_net_free(net);
		return NULL;
	}
	/* Sources of layer l: positions [prev_first, +prev_count) as sources. */
	prev_first = 0;
	prev_count = n_in;
	for (uint32_t l = 0; l <= n_layers; l++) {
		uint32_t count = l < n_layers ? hidden[l] : n_out;
		/* He initialisation suits ReLU: N(0, 2/fan_in). */
		double sd = sqrt(2.0 / (prev_count ? prev_count : 1));

		for (uint32_t j = 0; j < count; j++) {
			uint32_t t = l < n_layers ? first + j : H + j;

			if (l < n_layers)
				net->layer[t] = l + 1;
			for (uint32_t i = 0; i < prev_count; i++) {
				size_t at = scann_net_at(net, t, prev_first + i);

				net->w[at] = (float)(sd * scann_rng_normal(rng));
				net->mask[at] = 1;
			}
		}
		prev_first = n_in + first;
		prev_count = count;
		if (l < n_layers)
			first += count;
	}
	scann_net_update(net);
	return net;
}

struct scann_net *scann_net_clone(const struct scann_net *src)
{
	struct scann_net *net = calloc(1, sizeof(*net));
	size_t H = src->n_hidden, cells = (size_t)scann_net_rows(src) *
					  scann_net_cols(src);

	if (net == NULL)
		return NULL;
	*net = *src;
	net->layer = xcalloc(H, sizeof(uint32_t));
	net->level = xcalloc(H, sizeof(uint32_t));
	net->w = xcalloc(cells, sizeof(float));
	net->mask = xcalloc(cells, 1);
	net->bias = xcalloc(scann_net_rows(src), sizeof(float));
	net->front = src->front ? scann_cnn_params_clone(src->front) : NULL;
	if (!net->layer || !net->level || !net->w || !net->mask || !net->bias ||
	    (src->front && !net->front)) {
		scann_net_free(net);
		return NULL;
	}
	memcpy(net->layer, src->layer, H * sizeof(uint32_t));
	memcpy(net->level, src->level, H * sizeof(uint32_t));
	memcpy(net->w, src->w, cells * sizeof(float));
	memcpy(net->mask, src->mask, cells);
	memcpy(net->bias, src->bias, scann_net_rows(src) * sizeof(float));
	return net;
}

void scann_net_free(struct scann_net *net)
{
	if (net == NULL)
		return;
	free(net->layer);
	free(net->level);
	free(net->w);
	free(net->mask);
	free(net->bias);
	scann_cnn_params_free(net->front);
	free(net);
}

int scann_net_allowed(const struct scann_net *net, uint32_t t, uint32_t s)
{
	uint32_t ls, lt;

	if (t < net->n_hidden && s >= net->n_in + t)
		return 0;	/* only earlier neurons feed a hidden neuron */
	if (net->wiring == SCANN_WIRING_FREE)
		return 1;
	ls = s < net->n_in ? 0 : net->layer[s - net->n_in];
	lt = t < net->n_hidden ? net->layer[t] : net->n_layers + 1;
	return ls + 1 == lt;
}

void scann_net_update(struct scann_net *net)
{
	uint32_t cols = scann_net_cols(net);

	net->depth = 0;
	for (uint32_t h = 0; h < net->n_hidden; h++) {
		const uint8_t *m = net->mask + (size_t)h * cols;
		uint32_t lv = 1;

		/* Sources of h are earlier, so their levels are final. */
		for (uint32_t s = net->n_in; s < net->n_in + h; s++)
			if (m[s] && net->level[s - net->n_in] + 1 > lv)
				lv = net->level[s - net->n_in] + 1;
		net->level[h] = lv;
		if (lv > net->depth)
			net->depth = lv;
	}
}

size_t scann_net_active(const struct scann_net *net)
{
	size_t n = 0, cells = (size_t)scann_net_rows(net) * scann_net_cols(net);

	for (size_t i = 0; i < cells; i++)
		n += net->mask[i];
	return n;
}

size_t scann_net_dormant(const struct scann_net *net)
{
	size_t n = 0;

	for (uint32_t t = 0; t < scann_net_rows(net); t++)
		for (uint32_t s = 0; s < scann_net_cols(net); s++)
			if (!net->mask[scann_net_at(net, t, s)] &&
			    scann_net_allowed(net, t, s))
				n++;
	return n;
}

/*
 * Rebuild the matrices with one hidden neuron more (at h) or less (h
 * removed): rows and columns of the neurons after h move by one.
 */
static int reshape(struct scann_net *net, uint32_t h, int insert,
		   uint32_t layer)
{
	uint32_t H = net->n_hidden, nH = insert ? H + 1 : H - 1;
	uint32_t ocols = net->n_in + H, ncols = net->n_in + nH;
	uint32_t nrows = nH + net->n_out;
	float *w = xcalloc((size_t)nrows * ncols, sizeof(float));
	uint8_t *mask = xcalloc((size_t)nrows * ncols, 1);
	float *bias = xcalloc(nrows, sizeof(float));
	uint32_t *lay = xcalloc(nH, sizeof(uint32_t));
	uint32_t *lev = xcalloc(nH, sizeof(uint32_t));

	if (!w || !mask || !bias || !lay || !lev) {
		free(w);
		free(mask);
		free(bias);
		free(lay);
		free(lev);
		return SCANN_ENOMEM;
	}
	for (uint32_t nt = 0; nt < nrows; nt++) {
		uint32_t ot;

		/* Old target row feeding new row nt (or none for the new one). */
		if (insert) {
			if (nt == h)
				continue;
			ot = nt < h ? nt : nt - 1;
		} else {
			ot = nt < h ? nt : nt + 1;
		}
		bias[nt] = net->bias[ot];
		if (nt < nH)
			lay[nt] = net->layer[ot];
		for (uint32_t ns = 0; ns < ncols; ns++) {
			uint32_t os;

			if (insert) {
				if (ns == net->n_in + h)
					continue;
				os = ns < net->n_in + h ? ns : ns - 1;
			} else {
				os = ns < net->n_in + h ? ns : ns + 1;
			}
			w[(size_t)nt * ncols + ns] = net->w[(size_t)ot * ocols + os];
			mask[(size_t)nt * ncols + ns] =
				net->mask[(size_t)ot * ocols + os];
		}
	}
	if (insert)
		lay[h] = layer;
	free(net->w);
	free(net->mask);
	free(net->bias);
	free(net->layer);
	free(net->level);
	net->w = w;
	net->mask = mask;
	net->bias = bias;
	net->layer = lay;
	net->level = lev;
	net->n_hidden = nH;
	scann_net_update(net);
	return 0;
}

int scann_net_insert_hidden(struct scann_net *net, uint32_t h, uint32_t layer)
{
	assert(h <= net->n_hidden);
	return reshape(net, h, 1, layer);
}

int scann_net_remove_hidden(struct scann_net *net, uint32_t h)
{
	assert(h < net->n_hidden);
	/* The smaller matrices are fresh allocations, so even shrinking can
	 * fail; the caller decides what a neuron left in place means. */
	return reshape(net, h, 0, 0);
}
