/*
 * testnet.h -- a random general feed-forward net, for the engine's tests
 * (check_net, check_grow, check_train).
 */
#ifndef SCANN_TESTNET_H
#define SCANN_TESTNET_H

#include "worker/job/rng.h"
#include "worker/net.h"

/* A FREE net with every allowed connection active with probability p. */
static inline struct scann_net *test_random_dag(uint32_t n_in, uint32_t H,
						uint32_t n_out, double p,
						struct scann_rng *rng)
{
	uint32_t hidden[1] = {H};
	struct scann_net *net = scann_net_new_mlp(n_in, hidden, 1, n_out,
						  SCANN_WIRING_FREE, rng);

	for (uint32_t t = 0; t < scann_net_rows(net); t++) {
		net->bias[t] = (float)(0.1 * scann_rng_normal(rng));
		for (uint32_t s = 0; s < scann_net_cols(net); s++) {
			size_t at = scann_net_at(net, t, s);
			int on = scann_net_allowed(net, t, s) &&
				 scann_rng_uniform(rng) < p;

			net->mask[at] = (uint8_t)on;
			net->w[at] = on ? (float)(0.7 * scann_rng_normal(rng)) : 0.0f;
		}
	}
	scann_net_update(net);
	return net;
}

#endif
