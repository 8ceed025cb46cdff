/*
 * prune.c -- magnitude pruning of connections and removal of the hidden
 * neurons it kills (paper Algorithm 5).  See prune.h.
 */
#include <math.h>
#include <stdlib.h>

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

int scann_prune(struct scann_net *net, double fraction, size_t keep,
		struct scann_prune_stats *st, struct scann_error *err)
{
	size_t cells = (size_t)scann_net_rows(net) * scann_net_cols(net);
	size_t active = 0, k;
	struct mag *list = malloc((cells + 1) * sizeof(*list));
	struct scann_prune_stats tmp = {0};
	int rc;

	if (list == NULL)
		return scann_error_set(err, SCANN_ENOMEM, NULL,
				       "out of memory for pruning");
	for (size_t i = 0; i < cells; i++)
		if (net->mask[i]) {
			list[active].mag = fabsf(net->w[i]);
			list[active].idx = (uint32_t)i;
			active++;
		}
	if (keep > 0)
		k = active > keep ? active - keep : 0;
	else
		k = (size_t)llround(fraction * (double)active);
	if (k > active)
		k = active;
	qsort(list, active, sizeof(*list), by_mag_asc);
	for (size_t j = 0; j < k; j++) {
		net->mask[list[j].idx] = 0;
		net->w[list[j].idx] = 0.0f;
	}
	free(list);
	tmp.pruned = k;
	rc = scann_prune_dead(net, &tmp.neurons, &tmp.with_neurons, err);
	if (st)
		*st = tmp;
	return rc;
}
