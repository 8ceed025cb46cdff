/*
 * check_prune.c -- magnitude pruning (prune.h): exactly round(fraction x
 * active) connections go, the smallest |w| first with ties to the lower
 * (target, source); `keep` prunes down to a count and overrides the
 * fraction; hidden neurons left without an input or an output are removed,
 * repeatedly, with their connections; inputs and outputs never are.
 * With a convolutional front (scheme C), its kernel weights rank in the
 * same list and count in keep; its biases are never pruned; full growth
 * revives them at 0.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "worker/cnn.h"
#include "worker/grow.h"
#include "worker/net.h"
#include "worker/prune.h"
#include "testutil.h"

static void set(struct scann_net *net, uint32_t t, uint32_t s, float w)
{
	net->mask[scann_net_at(net, t, s)] = 1;
	net->w[scann_net_at(net, t, s)] = w;
}

/* A FREE n_in-[H]-n_out net with no connection at all. */
static struct scann_net *empty_net(uint32_t n_in, uint32_t H, uint32_t n_out)
{
	struct scann_rng rng;
	struct scann_net *net;
	size_t cells;

	scann_rng_seed(&rng, 1);
	net = scann_net_new_mlp(n_in, H ? &H : NULL, H ? 1 : 0, n_out,
				SCANN_WIRING_FREE, &rng);
	cells = (size_t)scann_net_rows(net) * scann_net_cols(net);
	for (size_t i = 0; i < cells; i++) {
		net->mask[i] = 0;
		net->w[i] = 0.0f;
	}
	return net;
}

/* MLP 4-[5,3]-2: 41 connections; hidden 0's four inputs are the smallest. */
START_TEST(pruning_removes_exactly_the_count_and_dead_neurons)
{
	struct scann_rng rng;
	uint32_t hidden[2] = {5, 3};
	struct scann_net *net;
	struct scann_prune_stats st;

	scann_rng_seed(&rng, 9);
	net = scann_net_new_mlp(4, hidden, 2, 2, SCANN_WIRING_FREE, &rng);
	ck_assert_uint_eq(scann_net_active(net), 41);
	for (size_t i = 0; i < (size_t)scann_net_rows(net) * scann_net_cols(net); i++)
		if (net->mask[i])
			net->w[i] = 1.0f + (float)i;	/* distinct, large */
	for (uint32_t s = 0; s < 4; s++)
		net->w[scann_net_at(net, 0, s)] = 0.001f * (s + 1);
	ck_assert_int_eq(scann_prune(net, 0.1, 0, &st, NULL), 0);
	ck_assert_uint_eq(st.pruned, 4);	/* round(4.1) */
	ck_assert_uint_eq(st.neurons, 1);
	ck_assert_uint_eq(st.with_neurons, 3);	/* its outputs to layer 2 */
	ck_assert_uint_eq(net->n_hidden, 7);
	ck_assert_uint_eq(scann_net_active(net), 41 - 4 - 3);
	scann_net_free(net);
}
END_TEST

/*
 * Inputs straight to outputs (no hidden neuron to die): 3 x 4 = 12
 * connections with weights of distinct magnitude, signs mixed.
 */
START_TEST(pruning_takes_round_fraction_of_the_smallest_magnitudes)
{
	struct scann_net *net = empty_net(4, 0, 3);
	struct scann_prune_stats st;
	/* |w| ranks: 12 distinct magnitudes, the smallest at odd places */
	const float w[12] = {-0.9f, 0.05f, 0.7f, -0.01f, 0.6f, -0.03f,
			     0.8f, 0.02f, -0.5f, 0.04f, 0.3f, -0.2f};

	for (uint32_t i = 0; i < 12; i++)
		set(net, i / 4, i % 4, w[i]);
	/* 0.3 x 12 = 3.6: four go, |w| 0.01, 0.02, 0.03, 0.04 */
	ck_assert_int_eq(scann_prune(net, 0.3, 0, &st, NULL), 0);
	ck_assert_uint_eq(st.pruned, 4);
	ck_assert_uint_eq(st.neurons, 0);
	ck_assert_uint_eq(scann_net_active(net), 8);
	for (uint32_t i = 0; i < 12; i++) {
		size_t at = scann_net_at(net, i / 4, i % 4);
		int small = w[i] > -0.045f && w[i] < 0.045f;

		ck_assert_msg(net->mask[at] == !small, "connection %u", i);
		if (small)
			ck_assert(net->w[at] == 0.0f);
		else
			ck_assert(net->w[at] == w[i]);
	}
	/* 0.25 x 8 = 2 exactly: 0.05 and -0.2 */
	ck_assert_int_eq(scann_prune(net, 0.25, 0, &st, NULL), 0);
	ck_assert_uint_eq(st.pruned, 2);
	ck_assert(!net->mask[scann_net_at(net, 0, 1)]);
	ck_assert(!net->mask[scann_net_at(net, 2, 3)]);
	ck_assert_uint_eq(scann_net_active(net), 6);
	/* 0.0: nothing */
	ck_assert_int_eq(scann_prune(net, 0.0, 0, &st, NULL), 0);
	ck_assert_uint_eq(st.pruned, 0);
	ck_assert_uint_eq(scann_net_active(net), 6);
	scann_net_free(net);
}
END_TEST

START_TEST(pruning_ties_go_to_the_lower_target_then_source)
{
	struct scann_net *net = empty_net(3, 0, 3);
	struct scann_prune_stats st;

	/* nine connections of |w| = 0.5, in a scrambled sign pattern */
	for (uint32_t t = 0; t < 3; t++)
		for (uint32_t s = 0; s < 3; s++)
			set(net, t, s, (t + 2 * s) % 3 ? 0.5f : -0.5f);
	ck_assert_int_eq(scann_prune(net, 0.0, 5, &st, NULL), 0);
	ck_assert_uint_eq(st.pruned, 4);
	for (uint32_t t = 0; t < 3; t++)
		for (uint32_t s = 0; s < 3; s++)
			ck_assert_msg(net->mask[scann_net_at(net, t, s)] ==
				      (t * 3 + s >= 4), "(%u, %u)", t, s);
	scann_net_free(net);
}
END_TEST

START_TEST(keep_prunes_down_to_the_count_and_overrides_the_fraction)
{
	struct scann_net *net = empty_net(4, 0, 3);
	struct scann_prune_stats st;

	for (uint32_t i = 0; i < 12; i++)
		set(net, i / 4, i % 4, 1.0f + (float)i);
	/* keep above the active count: nothing, whatever the fraction */
	ck_assert_int_eq(scann_prune(net, 0.9, 20, &st, NULL), 0);
	ck_assert_uint_eq(st.pruned, 0);
	ck_assert_uint_eq(scann_net_active(net), 12);
	ck_assert_int_eq(scann_prune(net, 0.9, 12, &st, NULL), 0);
	ck_assert_uint_eq(st.pruned, 0);
	/* keep 7: the five smallest go, fraction 0.9 is ignored */
	ck_assert_int_eq(scann_prune(net, 0.9, 7, &st, NULL), 0);
	ck_assert_uint_eq(st.pruned, 5);
	ck_assert_uint_eq(scann_net_active(net), 7);
	for (uint32_t i = 0; i < 12; i++)
		ck_assert_uint_eq(net->mask[scann_net_at(net, i / 4, i % 4)],
				  i >= 5);
	scann_net_free(net);
}
END_TEST

/*
 * FREE 2-[2]-2: i0 -> h0 (smallest), h0 -> h1, h1 -> o0, i1 -> o0,
 * i0 -> o1.  Pruning i0 -> h0 leaves h0 without input; once h0 is gone h1
 * has none either: both go, each with its remaining connection.
 */
START_TEST(dead_neurons_are_removed_until_none_is_left)
{
	struct scann_net *net = empty_net(2, 2, 2);
	struct scann_prune_stats st;

	set(net, 0, 0, 0.01f);		/* i0 -> h0 */
	set(net, 1, 2 + 0, 1.0f);	/* h0 -> h1 */
	set(net, 2 + 0, 2 + 1, 1.0f);	/* h1 -> o0 */
	set(net, 2 + 0, 1, 1.0f);	/* i1 -> o0 */
	set(net, 2 + 1, 0, 1.0f);	/* i0 -> o1 */
	scann_net_update(net);
	ck_assert_uint_eq(net->depth, 2);
	ck_assert_int_eq(scann_prune(net, 0.0, 4, &st, NULL), 0);
	ck_assert_uint_eq(st.pruned, 1);
	ck_assert_uint_eq(st.neurons, 2);
	ck_assert_uint_eq(st.with_neurons, 2);
	ck_assert_uint_eq(net->n_hidden, 0);
	ck_assert_uint_eq(net->depth, 0);
	ck_assert_uint_eq(scann_net_active(net), 2);
	/* the survivors kept their places and weights */
	ck_assert(net->w[scann_net_at(net, 0, 1)] == 1.0f);
	ck_assert(net->w[scann_net_at(net, 1, 0)] == 1.0f);
	scann_net_free(net);
}
END_TEST

START_TEST(inputs_and_outputs_are_never_removed)
{
	struct scann_rng rng;
	uint32_t hidden[2] = {4, 3}, neurons = 99;
	struct scann_net *net;
	struct scann_prune_stats st;
	size_t conns = 99;

	scann_rng_seed(&rng, 4);
	net = scann_net_new_mlp(5, hidden, 2, 3, SCANN_WIRING_LAYERED, &rng);
	ck_assert_int_eq(scann_prune(net, 1.0, 0, &st, NULL), 0);
	ck_assert_uint_eq(st.pruned, 5 * 4 + 4 * 3 + 3 * 3);
	ck_assert_uint_eq(st.neurons, 7);
	ck_assert_uint_eq(st.with_neurons, 0);
	ck_assert_uint_eq(net->n_in, 5);
	ck_assert_uint_eq(net->n_hidden, 0);
	ck_assert_uint_eq(net->n_out, 3);
	/* the sweep alone on a net with nothing dead removes nothing */
	ck_assert_int_eq(scann_prune_dead(net, &neurons, &conns, NULL), 0);
	ck_assert_uint_eq(neurons, 0);
	ck_assert_uint_eq(conns, 0);
	ck_assert_uint_eq(net->n_out, 3);
	scann_net_free(net);
}
END_TEST

/* A neuron fed but feeding nothing is dead too; the others stay. */
START_TEST(the_sweep_alone_removes_a_neuron_without_output)
{
	struct scann_net *net = empty_net(2, 3, 1);
	uint32_t neurons;
	size_t conns;

	set(net, 0, 0, 1.0f);		/* i0 -> h0 */
	set(net, 3, 2 + 0, 1.0f);	/* h0 -> o0 */
	set(net, 1, 0, 1.0f);		/* i0 -> h1, h1 feeds nothing */
	set(net, 1, 1, 1.0f);		/* i1 -> h1 */
	set(net, 2, 1, 1.0f);		/* i1 -> h2 */
	set(net, 3, 2 + 2, 2.0f);	/* h2 -> o0 */
	scann_net_update(net);
	ck_assert_int_eq(scann_prune_dead(net, &neurons, &conns, NULL), 0);
	ck_assert_uint_eq(neurons, 1);
	ck_assert_uint_eq(conns, 2);
	ck_assert_uint_eq(net->n_hidden, 2);
	/* h2 is hidden 1 now, its weights with it */
	ck_assert(net->w[scann_net_at(net, 2, 2 + 1)] == 2.0f);
	ck_assert(net->mask[scann_net_at(net, 1, 1)]);
	ck_assert_uint_eq(scann_net_active(net), 4);
	scann_net_free(net);
}
END_TEST

/*
 * A front conv 2@3x3 over 1x5x5 (18 kernel weights, 2 biases; 2 maps of
 * 3x3 = 18 features) before a net 18-[]-2 (36 connections): kernel
 * weights 10, 11, ... 27 (biases 0.5), connection weights 1 + i/100, so the
 * whole network's 54 weights sort connections first, then kernels.
 */
START_TEST(pruning_with_the_front_ranks_kernel_weights_with_connections)
{
	static const struct scann_front_layer conv[1] = {{SCANN_FRONT_CONV, 2, 3}};
	struct scann_rng rng;
	struct scann_net *net;
	struct scann_prune_stats st;
	size_t cells;

	scann_rng_seed(&rng, 2);
	net = scann_net_new_mlp(18, NULL, 0, 2, SCANN_WIRING_LAYERED, &rng);
	net->front = scann_cnn_params_new(1, 5, 5, conv, 1, &rng, NULL);
	ck_assert_ptr_nonnull(net->front);
	ck_assert_uint_eq(net->front->n_param, 20);
	for (size_t k = 0; k < 18; k++)
		net->front->param[k] = 10.0f + (float)k;
	net->front->param[18] = net->front->param[19] = 0.5f;
	cells = (size_t)scann_net_rows(net) * scann_net_cols(net);
	for (size_t i = 0; i < cells; i++)
		net->w[i] = 1.0f + (float)i / 100.0f;
	ck_assert_uint_eq(scann_prune_active(net, 1), 36 + 18);
	ck_assert_uint_eq(scann_prune_active(net, 0), 36);
	/* without the front (schemes A, B) the kernels are not touched */
	ck_assert_int_eq(scann_prune(net, 0.5, 0, &st, NULL), 0);
	ck_assert_uint_eq(st.pruned, 18);
	ck_assert_uint_eq(scann_cnn_params_active(net->front), 18);
	/* the whole network down to 10: the 18 connections left go first,
	 * then the 8 smallest kernel weights (10..17); biases stay */
	ck_assert_int_eq(scann_prune_with_front(net, 1, 0.0, 10, &st, NULL), 0);
	ck_assert_uint_eq(st.pruned, 26);
	ck_assert_uint_eq(scann_net_active(net), 0);
	ck_assert_uint_eq(scann_cnn_params_active(net->front), 10);
	for (size_t k = 0; k < 18; k++) {
		ck_assert_int_eq(net->front->mask[k], k >= 8);
		ck_assert(k >= 8 || net->front->param[k] == 0.0f);
	}
	ck_assert(net->front->mask[18] && net->front->mask[19]);
	ck_assert(net->front->param[18] == 0.5f);
	/* full growth (scheme C) revives all 8 kernel weights at 0 and every
	 * connection */
	ck_assert_uint_eq(scann_grow_full(net), 36 + 8);
	ck_assert_uint_eq(scann_cnn_params_active(net->front), 18);
	ck_assert(net->front->param[0] == 0.0f && net->front->param[8] == 18.0f);
	scann_net_free(net);
}
END_TEST

static Suite *prune_suite(void)
{
	Suite *s = suite_create("prune");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, pruning_removes_exactly_the_count_and_dead_neurons);
	tcase_add_test(tc, pruning_takes_round_fraction_of_the_smallest_magnitudes);
	tcase_add_test(tc, pruning_ties_go_to_the_lower_target_then_source);
	tcase_add_test(tc, keep_prunes_down_to_the_count_and_overrides_the_fraction);
	tcase_add_test(tc, dead_neurons_are_removed_until_none_is_left);
	tcase_add_test(tc, inputs_and_outputs_are_never_removed);
	tcase_add_test(tc, the_sweep_alone_removes_a_neuron_without_output);
	tcase_add_test(tc, pruning_with_the_front_ranks_kernel_weights_with_connections);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(prune_suite());
}
