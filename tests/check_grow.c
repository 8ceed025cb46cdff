/*
 * check_grow.c -- the growth operations (grow.h): gradient growth activates
 * exactly the asked number of dormant allowed connections, the ones of
 * largest |dL/dw|, at weight 0 so the function is unchanged; full growth
 * restores every allowed connection; neuron growth clones the most active
 * neurons next to their parents, keeps the function up to its noise and
 * never clones more than it was asked to (or than there are neurons).
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker/exec.h"
#include "worker/grow.h"
#include "worker/net.h"
#include "worker/train.h"
#include "testnet.h"
#include "testutil.h"

static void random_data(float *x, uint32_t *y, uint32_t *idx, uint32_t rows,
			uint32_t d, uint32_t classes, struct scann_rng *rng)
{
	for (uint32_t i = 0; i < rows * d; i++)
		x[i] = (float)scann_rng_uniform(rng);
	for (uint32_t i = 0; i < rows; i++) {
		y[i] = scann_rng_below(rng, classes);
		idx[i] = i;
	}
}

/* The logits of rows[0..n) (n <= 64), output-major: out[o * 64 + r]. */
static void logits(const struct scann_net *net, const float *x,
		   const uint32_t *rows, uint32_t n, float *out)
{
	struct scann_exec ex;
	const struct scann_exec_level *L;

	ck_assert_uint_le(n, 64);
	ck_assert_int_eq(scann_exec_init(&ex, net, 64, 0.0), 0);
	scann_exec_load(&ex, x, rows, n);
	scann_exec_forward(&ex, n);
	L = &ex.lv[ex.n_levels - 1];
	for (uint32_t o = 0; o < net->n_out; o++)
		memcpy(out + (size_t)o * 64,
		       ex.a + (size_t)(L->first + o) * ex.bmax, n * sizeof(float));
	scann_exec_free(&ex);
}

/*
 * Inputs straight to two outputs, every connection dormant.  Input 2 is the
 * label, input 1 small noise, input 0 always zero: the two connections from
 * input 2 have by far the largest |dL/dw| and must be the ones grown.
 */
START_TEST(gradient_growth_picks_the_known_best_dormant_connections)
{
	struct scann_rng rng;
	struct scann_net *net;
	float x[64 * 3];
	uint32_t y[64], idx[64];
	struct scann_data data = {x, y, 3, 2};
	size_t grown;

	scann_rng_seed(&rng, 5);
	net = scann_net_new_mlp(3, NULL, 0, 2, SCANN_WIRING_FREE, &rng);
	memset(net->mask, 0, (size_t)scann_net_rows(net) * scann_net_cols(net));
	memset(net->w, 0, (size_t)scann_net_rows(net) * scann_net_cols(net) * 4);
	for (uint32_t i = 0; i < 64; i++) {
		y[i] = i % 4 == 0;
		x[i * 3 + 0] = 0.0f;
		x[i * 3 + 1] = (float)(0.01 * scann_rng_uniform(&rng));
		x[i * 3 + 2] = (float)y[i];
		idx[i] = i;
	}
	ck_assert_int_eq(scann_grow_connections(net, &data, idx, 64, 0.0, 2,
						&grown, NULL), 0);
	ck_assert_uint_eq(grown, 2);
	ck_assert_uint_eq(scann_net_active(net), 2);
	ck_assert(net->mask[scann_net_at(net, 0, 2)]);
	ck_assert(net->mask[scann_net_at(net, 1, 2)]);
	ck_assert(net->w[scann_net_at(net, 0, 2)] == 0.0f);
	/* By fraction: half of the 4 remaining dormant ones, input 1's. */
	ck_assert_int_eq(scann_grow_connections(net, &data, idx, 64, 0.5, 0,
						&grown, NULL), 0);
	ck_assert_uint_eq(grown, 2);
	ck_assert(net->mask[scann_net_at(net, 0, 1)]);
	ck_assert(net->mask[scann_net_at(net, 1, 1)]);
	ck_assert(!net->mask[scann_net_at(net, 0, 0)]);
	/* Input 0's two have dL/dw = 0 both: the tie goes to target 0. */
	ck_assert_int_eq(scann_grow_connections(net, &data, idx, 64, 0.0, 1,
						&grown, NULL), 0);
	ck_assert_uint_eq(grown, 1);
	ck_assert(net->mask[scann_net_at(net, 0, 0)]);
	ck_assert(!net->mask[scann_net_at(net, 1, 0)]);
	scann_net_free(net);
}
END_TEST

/*
 * A LAYERED 6-[8,5]-3 MLP with half its connections pruned (so some
 * connections are dormant and allowed, and many are not allowed at all):
 * growing 7 activates exactly 7 of the dormant allowed ones, each at weight
 * 0, and the network's outputs stay what they were.
 */
START_TEST(gradient_growth_activates_exactly_count_at_weight_zero)
{
	struct scann_rng rng;
	uint32_t hidden[2] = {8, 5};
	struct scann_net *net;
	float x[50 * 6], before[3 * 64], after[3 * 64];
	uint32_t y[50], idx[50];
	struct scann_data data = {x, y, 6, 3};
	size_t cells, active, dormant, grown;
	uint8_t *old_mask;

	scann_rng_seed(&rng, 13);
	net = scann_net_new_mlp(6, hidden, 2, 3, SCANN_WIRING_LAYERED, &rng);
	cells = (size_t)scann_net_rows(net) * scann_net_cols(net);
	for (size_t i = 0; i < cells; i++)
		if (net->mask[i] && scann_rng_uniform(&rng) < 0.5) {
			net->mask[i] = 0;
			net->w[i] = 0.0f;
		}
	for (uint32_t t = 0; t < scann_net_rows(net); t++)
		net->bias[t] = (float)(0.1 * scann_rng_normal(&rng));
	scann_net_update(net);
	random_data(x, y, idx, 50, 6, 3, &rng);
	active = scann_net_active(net);
	dormant = scann_net_dormant(net);
	ck_assert_uint_gt(dormant, 7);
	old_mask = malloc(cells);
	memcpy(old_mask, net->mask, cells);
	logits(net, x, idx, 50, before);

	ck_assert_int_eq(scann_grow_connections(net, &data, idx, 50, 0.9, 7,
						&grown, NULL), 0);
	ck_assert_uint_eq(grown, 7);	/* count wins over fraction */
	ck_assert_uint_eq(scann_net_active(net), active + 7);
	ck_assert_uint_eq(scann_net_dormant(net), dormant - 7);
	for (uint32_t t = 0; t < scann_net_rows(net); t++)
		for (uint32_t s = 0; s < scann_net_cols(net); s++) {
			size_t at = scann_net_at(net, t, s);

			if (old_mask[at])
				ck_assert(net->mask[at]);	/* nothing lost */
			else if (net->mask[at]) {
				ck_assert(scann_net_allowed(net, t, s));
				ck_assert(net->w[at] == 0.0f);
			}
		}
	logits(net, x, idx, 50, after);
	for (uint32_t o = 0; o < 3; o++)
		for (uint32_t r = 0; r < 50; r++)
			ck_assert_float_eq_tol(after[o * 64 + r],
					       before[o * 64 + r], 1e-5);

	/* One more than there are: every dormant allowed one, and no more. */
	ck_assert_int_eq(scann_grow_connections(net, &data, idx, 50, 0.0,
						dormant - 7 + 1, &grown, NULL), 0);
	ck_assert_uint_eq(grown, dormant - 7);
	ck_assert_uint_eq(scann_net_dormant(net), 0);
	free(old_mask);
	scann_net_free(net);
}
END_TEST

START_TEST(full_growth_restores_every_allowed_connection)
{
	struct scann_rng rng;
	struct scann_net *net;
	uint32_t hidden[2] = {3, 2};
	size_t grown, dormant;

	scann_rng_seed(&rng, 6);
	net = test_random_dag(4, 6, 2, 0.3, &rng);
	dormant = scann_net_dormant(net);
	grown = scann_grow_full(net);
	ck_assert_uint_eq(grown, dormant);
	ck_assert_uint_eq(scann_net_dormant(net), 0);
	/* FREE: 6 hidden x (4 + earlier) + 2 outputs x (4 + 6) */
	ck_assert_uint_eq(scann_net_active(net), 6 * 4 + 15 + 2 * 10);
	scann_net_free(net);

	/* LAYERED 2-[3,2]-2 with one connection pruned: only that returns. */
	net = scann_net_new_mlp(2, hidden, 2, 2, SCANN_WIRING_LAYERED, &rng);
	net->mask[scann_net_at(net, 3, 2 + 1)] = 0;
	net->w[scann_net_at(net, 3, 2 + 1)] = 0.0f;
	scann_net_update(net);
	ck_assert_uint_eq(scann_grow_full(net), 1);
	ck_assert_uint_eq(scann_net_active(net), 2 * 3 + 3 * 2 + 2 * 2);
	ck_assert(net->mask[scann_net_at(net, 3, 2 + 1)]);
	ck_assert(net->w[scann_net_at(net, 3, 2 + 1)] == 0.0f);
	scann_net_free(net);
}
END_TEST

/*
 * The most active neuron is cloned right after itself: same layer tag,
 * bias and incoming connections (noise 0: the same weights), and parent
 * and clone each carry half of every outgoing weight.
 */
START_TEST(neuron_growth_clones_the_most_active_neuron_next_to_it)
{
	struct scann_rng rng;
	struct scann_net *net, *old;
	float x[40 * 5];
	uint32_t y[40], idx[40], added, best = 0, H, cols_old;
	struct scann_data data = {x, y, 5, 3};
	struct scann_exec ex;
	double sum[7] = {0};

	scann_rng_seed(&rng, 8);
	net = test_random_dag(5, 7, 3, 0.6, &rng);
	random_data(x, y, idx, 40, 5, 3, &rng);
	H = net->n_hidden;
	/* The summed activations, computed here from the compiled net. */
	ck_assert_int_eq(scann_exec_init(&ex, net, 40, 0.0), 0);
	scann_exec_load(&ex, x, idx, 40);
	scann_exec_forward(&ex, 40);
	for (uint32_t h = 0; h < H; h++) {
		for (uint32_t b = 0; b < 40; b++)
			sum[h] += ex.a[(size_t)ex.pos[5 + h] * ex.bmax + b];
		if (sum[h] > sum[best])
			best = h;
	}
	scann_exec_free(&ex);
	ck_assert(sum[best] > 0.0);
	old = scann_net_clone(net);
	cols_old = scann_net_cols(old);

	ck_assert_int_eq(scann_grow_neurons(net, &data, idx, 40, 1, 0.0, &rng,
					    &added, NULL), 0);
	ck_assert_uint_eq(added, 1);
	ck_assert_uint_eq(net->n_hidden, H + 1);
	ck_assert_uint_eq(net->layer[best + 1], old->layer[best]);
	ck_assert(net->bias[best + 1] == old->bias[best]);
	for (uint32_t s = 0; s < 5 + best; s++) {
		ck_assert_uint_eq(net->mask[scann_net_at(net, best + 1, s)],
				  old->mask[(size_t)best * cols_old + s]);
		ck_assert(net->w[scann_net_at(net, best + 1, s)] ==
			  old->w[(size_t)best * cols_old + s]);
	}
	/* Outgoing: targets after the parent, one row further down now. */
	for (uint32_t t = best + 1; t < scann_net_rows(old); t++) {
		float w = old->w[(size_t)t * cols_old + 5 + best];

		ck_assert(net->w[scann_net_at(net, t + 1, 5 + best)] == 0.5f * w);
		ck_assert(net->w[scann_net_at(net, t + 1, 5 + best + 1)] == 0.5f * w);
	}
	scann_net_free(old);
	scann_net_free(net);
}
END_TEST

START_TEST(neuron_clone_without_noise_keeps_the_function)
{
	struct scann_rng rng;
	struct scann_net *net;
	float x[40 * 5], before[3 * 64], after[3 * 64];
	uint32_t y[40], idx[40], added;
	struct scann_data data = {x, y, 5, 3};

	scann_rng_seed(&rng, 8);
	net = test_random_dag(5, 7, 3, 0.6, &rng);
	random_data(x, y, idx, 40, 5, 3, &rng);
	logits(net, x, idx, 40, before);
	ck_assert_int_eq(scann_grow_neurons(net, &data, idx, 40, 3, 0.0, &rng,
					    &added, NULL), 0);
	ck_assert_uint_eq(added, 3);
	ck_assert_uint_eq(net->n_hidden, 10);
	logits(net, x, idx, 40, after);
	for (uint32_t o = 0; o < 3; o++)
		for (uint32_t r = 0; r < 40; r++)
			ck_assert_float_eq_tol(after[o * 64 + r],
					       before[o * 64 + r], 1e-4);
	scann_net_free(net);
}
END_TEST

/*
 * With noise 0.05 the clones' incoming weights move by about 5%, so the
 * outputs move, but by a small fraction of their size.
 */
START_TEST(neuron_growth_with_noise_keeps_the_function_up_to_the_noise)
{
	struct scann_rng rng;
	struct scann_net *net;
	float x[40 * 5], before[3 * 64], after[3 * 64];
	uint32_t y[40], idx[40], added;
	struct scann_data data = {x, y, 5, 3};
	double scale = 0.0, diff = 0.0;

	scann_rng_seed(&rng, 8);
	net = test_random_dag(5, 7, 3, 0.6, &rng);
	random_data(x, y, idx, 40, 5, 3, &rng);
	logits(net, x, idx, 40, before);
	ck_assert_int_eq(scann_grow_neurons(net, &data, idx, 40, 3, 0.05, &rng,
					    &added, NULL), 0);
	ck_assert_uint_eq(added, 3);
	logits(net, x, idx, 40, after);
	for (uint32_t o = 0; o < 3; o++)
		for (uint32_t r = 0; r < 40; r++) {
			scale = fmax(scale, fabs(before[o * 64 + r]));
			diff = fmax(diff, fabs(after[o * 64 + r] -
					       before[o * 64 + r]));
		}
	ck_assert_msg(diff > 0.0, "the noise was not applied");
	ck_assert_msg(diff < 0.05 * scale, "outputs moved by %g of %g", diff,
		      scale);
	scann_net_free(net);
}
END_TEST

START_TEST(neuron_growth_never_clones_more_than_asked_or_existing)
{
	struct scann_rng rng;
	struct scann_net *net;
	float x[40 * 5];
	uint32_t y[40], idx[40], added;
	struct scann_data data = {x, y, 5, 3};

	scann_rng_seed(&rng, 9);
	net = test_random_dag(5, 7, 3, 0.6, &rng);
	random_data(x, y, idx, 40, 5, 3, &rng);
	ck_assert_int_eq(scann_grow_neurons(net, &data, idx, 40, 0, 0.05, &rng,
					    &added, NULL), 0);
	ck_assert_uint_eq(added, 0);
	ck_assert_uint_eq(net->n_hidden, 7);
	ck_assert_int_eq(scann_grow_neurons(net, &data, idx, 40, 2, 0.05, &rng,
					    &added, NULL), 0);
	ck_assert_uint_eq(added, 2);
	ck_assert_uint_eq(net->n_hidden, 9);
	/* 10 asked, 9 there: each cloned once. */
	ck_assert_int_eq(scann_grow_neurons(net, &data, idx, 40, 10, 0.05,
					    &rng, &added, NULL), 0);
	ck_assert_uint_eq(added, 9);
	ck_assert_uint_eq(net->n_hidden, 18);
	scann_net_free(net);
}
END_TEST

static Suite *grow_suite(void)
{
	Suite *s = suite_create("grow");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, gradient_growth_picks_the_known_best_dormant_connections);
	tcase_add_test(tc, gradient_growth_activates_exactly_count_at_weight_zero);
	tcase_add_test(tc, full_growth_restores_every_allowed_connection);
	tcase_add_test(tc, neuron_growth_clones_the_most_active_neuron_next_to_it);
	tcase_add_test(tc, neuron_clone_without_noise_keeps_the_function);
	tcase_add_test(tc, neuron_growth_with_noise_keeps_the_function_up_to_the_noise);
	tcase_add_test(tc, neuron_growth_never_clones_more_than_asked_or_existing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(grow_suite());
}
