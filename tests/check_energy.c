/*
 * check_energy.c -- the per-inference cost (energy.h, worker/README.md
 * "Cost and energy") on hand-built networks, figure by figure: params =
 * active connections + one bias per hidden neuron and output; MACs = active
 * connections; FLOPs = 2 x MACs; SRAM = params + 2 per hidden neuron + 1
 * per output; comparisons = hidden + outputs - 1; energy = MACs x 11.8 pJ +
 * SRAM x 34.6 pJ + comparisons x 6.16 pJ.  The reports and the dashboard
 * print these numbers, so each term is checked on its own.  A
 * convolutional front adds its active kernel weights (and the biases of
 * maps with any) to params, each active weight times its map's output
 * positions to MACs, a write and a read per value a layer outputs to
 * SRAM, and 3 comparisons per pooled value, 1 per ReLU value.
 */
#include <check.h>
#include <stdint.h>

#include "worker/cnn.h"
#include "worker/energy.h"
#include "worker/net.h"
#include "testutil.h"

static void set(struct scann_net *net, uint32_t t, uint32_t s)
{
	net->mask[scann_net_at(net, t, s)] = 1;
	net->w[scann_net_at(net, t, s)] = 1.0f;
}

/*
 * FREE 3-[3]-2 wired by hand, skip connections included:
 *   h0 <- i0, i1;  h1 <- i2, h0;  h2 <- i0;  o0 <- h1, h2, i1;  o1 <- h1.
 * 9 active connections, depth 2 (h1 sits above h0).
 */
static struct scann_net *hand_net(void)
{
	struct scann_rng rng;
	uint32_t hidden[1] = {3};
	struct scann_net *net;
	size_t cells;

	scann_rng_seed(&rng, 1);
	net = scann_net_new_mlp(3, hidden, 1, 2, SCANN_WIRING_FREE, &rng);
	cells = (size_t)scann_net_rows(net) * scann_net_cols(net);
	for (size_t i = 0; i < cells; i++) {
		net->mask[i] = 0;
		net->w[i] = 0.0f;
	}
	set(net, 0, 0);
	set(net, 0, 1);
	set(net, 1, 2);
	set(net, 1, 3 + 0);
	set(net, 2, 0);
	set(net, 3 + 0, 3 + 1);
	set(net, 3 + 0, 3 + 2);
	set(net, 3 + 0, 1);
	set(net, 3 + 1, 3 + 1);
	scann_net_update(net);
	return net;
}

START_TEST(a_hand_built_net_costs_what_the_rule_says)
{
	struct scann_net *net = hand_net();
	struct scann_energy_model m = SCANN_ENERGY_130NM;
	struct scann_cost c;

	scann_energy_measure(net, &m, &c);
	ck_assert_uint_eq(c.macs, 9);
	ck_assert_uint_eq(c.flops, 18);
	ck_assert_uint_eq(c.params, 9 + 3 + 2);
	ck_assert_uint_eq(c.sram, 14 + 2 * 3 + 2);
	ck_assert_uint_eq(c.comparisons, 3 + 2 - 1);
	ck_assert_uint_eq(c.hidden, 3);
	ck_assert_uint_eq(c.depth, 2);
	/* 9 x 11.8 + 22 x 34.6 + 4 x 6.16 = 891.84 pJ */
	ck_assert_double_eq_tol(c.energy_nj, 0.89204, 1e-12);
	scann_net_free(net);
}
END_TEST

/* Each term of the energy with the other two prices at zero. */
START_TEST(each_energy_term_has_its_own_price)
{
	struct scann_net *net = hand_net();
	struct scann_energy_model mac = {1.0, 0.0, 0.0}, sram = {0.0, 1.0, 0.0};
	struct scann_energy_model cmp = {0.0, 0.0, 1.0};
	struct scann_energy_model paper = SCANN_ENERGY_130NM;
	struct scann_cost c;

	/* the paper's 130 nm prices, as the README states them */
	ck_assert_double_eq(paper.mac_pj, 11.8);
	ck_assert_double_eq(paper.sram_pj, 34.6);
	ck_assert_double_eq(paper.cmp_pj, 6.16);
	scann_energy_measure(net, &mac, &c);
	ck_assert_double_eq_tol(c.energy_nj, 9 / 1000.0, 1e-15);
	scann_energy_measure(net, &sram, &c);
	ck_assert_double_eq_tol(c.energy_nj, 22 / 1000.0, 1e-15);
	scann_energy_measure(net, &cmp, &c);
	ck_assert_double_eq_tol(c.energy_nj, 4 / 1000.0, 1e-15);
	scann_net_free(net);
}
END_TEST

/* MLP 4-[3]-2 with one input connection pruned: 4*3-1 + 3*2 = 17 MACs. */
START_TEST(a_pruned_mlp_costs_what_the_rule_says)
{
	struct scann_rng rng;
	uint32_t hidden[1] = {3};
	struct scann_net *net;
	struct scann_cost c;
	struct scann_energy_model m = SCANN_ENERGY_130NM;

	scann_rng_seed(&rng, 3);
	net = scann_net_new_mlp(4, hidden, 1, 2, SCANN_WIRING_LAYERED, &rng);
	net->mask[scann_net_at(net, 0, 0)] = 0;
	net->w[scann_net_at(net, 0, 0)] = 0.0f;
	scann_energy_measure(net, &m, &c);
	ck_assert_uint_eq(c.macs, 17);
	ck_assert_uint_eq(c.flops, 34);
	ck_assert_uint_eq(c.params, 17 + 3 + 2);
	ck_assert_uint_eq(c.sram, 22 + 2 * 3 + 2);
	ck_assert_uint_eq(c.comparisons, 3 + 1);
	ck_assert_double_eq_tol(c.energy_nj,
				(17 * 11.8 + 30 * 34.6 + 4 * 6.16) / 1000.0, 1e-12);
	ck_assert_uint_eq(c.depth, 1);
	ck_assert_uint_eq(c.hidden, 3);
	scann_net_free(net);
}
END_TEST

/* No hidden neuron (inputs straight to the outputs), and one output. */
START_TEST(edge_shapes_count_no_relu_and_no_argmax)
{
	struct scann_rng rng;
	struct scann_net *net;
	struct scann_energy_model m = SCANN_ENERGY_130NM;
	struct scann_cost c;

	scann_rng_seed(&rng, 4);
	net = scann_net_new_mlp(4, NULL, 0, 3, SCANN_WIRING_LAYERED, &rng);
	scann_energy_measure(net, &m, &c);
	ck_assert_uint_eq(c.macs, 12);
	ck_assert_uint_eq(c.params, 12 + 3);
	ck_assert_uint_eq(c.sram, 15 + 3);
	ck_assert_uint_eq(c.comparisons, 2);	/* argmax only */
	ck_assert_uint_eq(c.depth, 0);
	ck_assert_double_eq_tol(c.energy_nj,
				(12 * 11.8 + 18 * 34.6 + 2 * 6.16) / 1000.0, 1e-12);
	scann_net_free(net);

	net = scann_net_new_mlp(2, NULL, 0, 1, SCANN_WIRING_LAYERED, &rng);
	scann_energy_measure(net, &m, &c);
	ck_assert_uint_eq(c.comparisons, 0);	/* one output: no argmax */
	ck_assert_uint_eq(c.params, 3);
	ck_assert_uint_eq(c.sram, 4);
	scann_net_free(net);
}
END_TEST

/*
 * conv 2@3x3 over 1x6x6 (out 2x4x4), ReLU (2x4x4), pool (2x2x2): 8
 * features into 8-[]-2 (16 connections).  Then map 0's kernel pruned
 * whole and 4 of map 1's: sparse kernels count as fewer parameters and
 * MACs.
 */
START_TEST(a_front_costs_its_kernels_outputs_and_comparisons)
{
	static const struct scann_front_layer front[3] = {
		{SCANN_FRONT_CONV, 2, 3}, {SCANN_FRONT_RELU, 0, 0},
		{SCANN_FRONT_POOL, 0, 0},
	};
	struct scann_rng rng;
	struct scann_net *net;
	struct scann_cost c;
	struct scann_energy_model m = SCANN_ENERGY_130NM;
	/* front values: conv 32, relu 32, pool 8 */
	uint64_t values = 32 + 32 + 8, cmp = 3 * 8 + 32;

	scann_rng_seed(&rng, 5);
	net = scann_net_new_mlp(8, NULL, 0, 2, SCANN_WIRING_LAYERED, &rng);
	net->front = scann_cnn_params_new(1, 6, 6, front, 3, &rng, NULL);
	ck_assert_uint_eq(net->front->n_out, 8);
	scann_energy_measure(net, &m, &c);
	ck_assert_uint_eq(c.macs, 16 + 18 * 16);
	ck_assert_uint_eq(c.flops, 2 * (16 + 18 * 16));
	ck_assert_uint_eq(c.params, 16 + 2 + 18 + 2);
	ck_assert_uint_eq(c.sram, (18 + 20) + 2 + 2 * values);
	ck_assert_uint_eq(c.comparisons, 1 + cmp);
	ck_assert_double_eq_tol(c.energy_nj, (c.macs * 11.8 + c.sram * 34.6 +
					      c.comparisons * 6.16) / 1000.0, 1e-12);
	for (size_t k = 0; k < 9; k++)		/* map 0: every weight */
		net->front->mask[k] = 0;
	for (size_t k = 9; k < 13; k++)		/* map 1: 4 of 9 */
		net->front->mask[k] = 0;
	scann_energy_measure(net, &m, &c);
	ck_assert_uint_eq(c.macs, 16 + 5 * 16);
	/* map 0 has no weight left: its bias is a constant, not counted */
	ck_assert_uint_eq(c.params, 16 + 2 + 5 + 1);
	ck_assert_uint_eq(c.sram, (18 + 6) + 2 + 2 * values);
	scann_net_free(net);
}
END_TEST

static Suite *energy_suite(void)
{
	Suite *s = suite_create("energy");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, a_hand_built_net_costs_what_the_rule_says);
	tcase_add_test(tc, each_energy_term_has_its_own_price);
	tcase_add_test(tc, a_pruned_mlp_costs_what_the_rule_says);
	tcase_add_test(tc, edge_shapes_count_no_relu_and_no_argmax);
	tcase_add_test(tc, a_front_costs_its_kernels_outputs_and_comparisons);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(energy_suite());
}
