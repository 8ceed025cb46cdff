/*
 * prune.c -- magnitude pruning of connections and removal of the hidden
 * neurons it kills (paper Algorithm 5).  See prune.h.
 */
#include <math.h>
#include <stdlib.h>

#include "cnn.h"
#include "prune.h"

struct mag {
	float mag;
	uint32_t idx;
};

/* Smaller |w| first; ties to the lower index. */
static int by_mag_asc(const void *pa, const void *pb)
{
	const struct mag *a = pa, *b = pb;

	if (a->mag != b->mag)
		return a->mag < b->mag ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int has_input(const struct scann_net *net, uint32_t h)
{
	const uint8_t *m = net->mask + scann_net_at(net, h, 0);

	for (uint32_t s = 0; s < net->n_in + h; s++)
		if (m[s])
			return 1;
	return 0;
}

static int has_output(const struct scann_net *net, uint32_t h)
{
	for (uint32_t t = h + 1; t < scann_net_rows(net); t++)
		if (net->mask[scann_net_at(net, t, net->n_in + h)])
			return 1;
	return 0;
}

static size_t degree(const struct scann_net *net, uint32_t h)
{
	size_t d = 0;

	for (uint32_t s = 0; s < scann_net_cols(net); s++)
		d += net->mask[scann_net_at(net, h, s)];
	for (uint32_t t = 0; t < scann_net_rows(net); t++)
		d += net->mask[scann_net_at(net, t, net->n_in + h)];
	return d;
}

int scann_prune_dead(struct scann_net *net, uint32_t *neurons,
		     size_t *connections, struct scann_error *err)
{
	int changed = 1, rc = 0;

	*neurons = 0;
	if (connections)
		*connections = 0;
	while (changed && rc == 0) {
		changed = 0;
		for (uint32_t h = net->n_hidden; h-- > 0;) {
			size_t d;

			if (has_input(net, h) && has_output(net, h))
				continue;
			d = degree(net, h);
			rc = scann_net_remove_hidden(net, h);
			if (rc != 0) {
				rc = scann_error_set(err, rc, NULL,
						     "out of memory removing a dead neuron");
				break;
			}
			if (connections)
				*connections += d;
			(*neurons)++;
			changed = 1;
		}
	}
	scann_net_update(net);
	return rc;
}

int scann_prune_with_front(struct scann_net *net, int with_front,
			   double fraction, size_t keep,
			   struct scann_prune_stats *st, struct scann_error *err)
{
	size_t cells = (size_t)scann_net_rows(net) * scann_net_cols(net);
	struct scann_cnn_params *f = with_front ? net->front : NULL;
	size_t kernel = 0;
	size_t active = 0, k;
	struct mag *list;
	struct scann_prune_stats tmp = {0};
	int rc;

	/* The front's kernel weights rank in the same list, after the net's
	 * cells (biases are never pruned: their mask bytes stay 1). */
	if (f)
		kernel = f->n_param;
	list = malloc((cells + kernel + 1) * sizeof(*list));
	if (list == NULL)
		return scann_error_set(err, SCANN_ENOMEM, NULL,
				       "out of memory for pruning");
	for (size_t i = 0; i < cells; i++)
		if (net->mask[i]) {
			list[active].mag = fabsf(net->w[i]);
			list[active].idx = (uint32_t)i;
			active++;
		}
	if (f) {
		struct scann_cnn cnn;
		struct scann_error e;

		/* which parameters are kernel weights: the layers' offsets */
		if (scann_cnn_init(&cnn, f->c, f->h, f->w, f->spec, f->n_layers,
				   1, NULL, &e) != 0) {
			free(list);
			return scann_error_set(err, e.code, e.field, "%s", e.message);
		}
		for (uint32_t l = 0; l < cnn.n_layers; l++) {
			const struct scann_cnn_layer *L = &cnn.layer[l];

			if (L->kind != SCANN_FRONT_CONV)
				continue;
			for (size_t i = L->w_off; i < L->b_off; i++)
				if (f->mask[i]) {
					list[active].mag = fabsf(f->param[i]);
					list[active].idx = (uint32_t)(cells + i);
					active++;
				}
		}
		scann_cnn_free(&cnn);
	}
	if (keep > 0)
		k = active > keep ? active - keep : 0;
	else
		k = (size_t)llround(fraction * (double)active);
	if (k > active)
		k = active;
	qsort(list, active, sizeof(*list), by_mag_asc);
	for (size_t j = 0; j < k; j++) {
		size_t i = list[j].idx;

		if (i < cells) {
			net->mask[i] = 0;
			net->w[i] = 0.0f;
		} else {
			f->mask[i - cells] = 0;
			f->param[i - cells] = 0.0f;
		}
	}
	free(list);
	tmp.pruned = k;
	rc = scann_prune_dead(net, &tmp.neurons, &tmp.with_neurons, err);
	if (st)
		*st = tmp;
	return rc;
}

int scann_prune(struct scann_net *net, double fraction, size_t keep,
		struct scann_prune_stats *st, struct scann_error *err)
{
	return scann_prune_with_front(net, 0, fraction, keep, st, err);
}

size_t scann_prune_active(const struct scann_net *net, int with_front)
{
	return scann_net_active(net) + (with_front && net->front ?
					scann_cnn_params_active(net->front) : 0);
}
