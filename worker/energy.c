/*
 * energy.c -- per-inference cost of a network under the counting rule
 * written in energy.h.
 */
#include "cnn.h"
#include "energy.h"

void scann_energy_measure(const struct scann_net *net,
			  const struct scann_energy_model *model,
			  struct scann_cost *out)
{
	uint64_t active = scann_net_active(net);

	out->hidden = net->n_hidden;
	out->depth = net->depth;
	out->macs = active;
	out->flops = 2 * active;
	out->params = active + net->n_hidden + net->n_out;
	out->sram = out->params + 2ull * net->n_hidden + net->n_out;
	out->comparisons = net->n_hidden + (net->n_out ? net->n_out - 1 : 0);
	if (net->front) {
		struct scann_cnn_cost f;

		scann_cnn_params_count(net->front, &f);
		out->macs += f.macs;
		out->flops += 2 * f.macs;
		out->params += f.params;
		out->sram += f.params + 2 * f.values;
		out->comparisons += f.comparisons;
	}
	out->energy_nj = (out->macs * model->mac_pj + out->sram * model->sram_pj +
			  out->comparisons * model->cmp_pj) / 1000.0;
}
