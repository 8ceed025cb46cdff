/*
 * energy.h -- what a network costs per inference: parameters, MACs, FLOPs
 * and energy under the paper's 130 nm model (Hassantabar et al., after
 * Horowitz): MAC 11.8 pJ, SRAM access 34.6 pJ, comparison 6.16 pJ.
 *
 * Counting rule (one inference of one sample):
 *   params      = active connections + one bias per live neuron
 *                 (hidden neurons and outputs);
 *   MACs        = active connections;
 *   FLOPs       = 2 x MACs (a multiply and an add each; the bias add of a
 *                 neuron replaces the add of its first MAC);
 *   SRAM        = one read per parameter (every weight and bias fetched
 *                 once) + one write and one read per hidden activation
 *                 + one write per output;
 *   comparisons = one per hidden neuron (ReLU) + (outputs - 1) (argmax);
 *   energy      = MACs x E_mac + SRAM x E_sram + comparisons x E_cmp.
 * Inputs are assumed to arrive in registers (their fetch is the same for
 * every network of a dataset, so it would only blur comparisons).
 *
 * A convolutional front (net->front) adds, per image:
 *   params      = active kernel weights + one bias per map with any;
 *   MACs        = each active kernel weight x its map's output positions
 *                 (a pruned kernel weight costs nothing anywhere);
 *   SRAM        = one read per parameter + one write and one read per
 *                 value every layer outputs;
 *   comparisons = 3 per pooled value (max of 4), 1 per ReLU value.
 */
#ifndef SCANN_ENERGY_H
#define SCANN_ENERGY_H

#include <stdint.h>

#include "net.h"

struct scann_energy_model {
	double mac_pj, sram_pj, cmp_pj;
};

#define SCANN_ENERGY_130NM ((struct scann_energy_model){11.8, 34.6, 6.16})

struct scann_cost {
	uint64_t params, macs, flops, sram, comparisons;
	uint32_t hidden, depth;
	double energy_nj;
};

void scann_energy_measure(const struct scann_net *net,
			  const struct scann_energy_model *model,
			  struct scann_cost *out);

#endif
