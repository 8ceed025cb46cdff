/*
 * check_net.c -- the network (net.h) and its compiled executor (exec.h):
 * gradients agree with finite differences on a random DAG with skip
 * connections (dense and sparse kernels), the two kernels agree, depth
 * follows the wiring, inserting and removing a hidden neuron moves every
 * other connection with it, and one or two pool threads train bit for bit
 * alike (the case ThreadSanitizer runs).  Growth, pruning and training have
 * their own files (check_grow.c, check_prune.c, check_train.c).
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker/exec.h"
#include "worker/net.h"
#include "worker/par.h"
#include "worker/train.h"
#include "testnet.h"
#include "testutil.h"

static void random_data(float *x, uint32_t *y, uint32_t rows, uint32_t d,
			uint32_t classes, struct scann_rng *rng)
{
	for (uint32_t i = 0; i < rows * d; i++)
		x[i] = (float)scann_rng_uniform(rng);
	for (uint32_t i = 0; i < rows; i++)
		y[i] = scann_rng_below(rng, classes);
}

static void gradient_check(double sparse_below)
{
	struct scann_rng rng;
	struct scann_net *net;
	struct scann_exec ex;
	float x[16 * 5];
	uint32_t y[16], idx[16];
	float *g;
	uint8_t *live;
	int checked = 0;

	scann_rng_seed(&rng, 42);
	net = test_random_dag(5, 8, 3, 0.5, &rng);
	ck_assert_uint_ge(net->depth, 3);	/* skip connections and depth */
	random_data(x, y, 16, 5, 3, &rng);
	for (uint32_t i = 0; i < 16; i++)
		idx[i] = i;
	ck_assert_int_eq(scann_exec_init(&ex, net, 16, sparse_below), 0);
	scann_exec_load(&ex, x, idx, 16);
	scann_exec_forward(&ex, 16);
	scann_exec_backward(&ex, y, idx, 16);
	g = malloc(ex.n_param * sizeof(float));
	memcpy(g, ex.grad, ex.n_param * sizeof(float));
	/* Dormant slots of dense blocks must get exactly zero gradient. */
	live = calloc(ex.n_param, 1);
	for (uint32_t l = 0; l < ex.n_levels; l++) {
		const struct scann_exec_level *L = &ex.lv[l];
		size_t nw = L->sparse ? L->nnz : (size_t)L->count * (L->hi - L->lo);

		for (size_t i = 0; i < nw; i++)
			live[L->w_off + i] = L->sparse || !L->mask || L->mask[i];
		memset(live + L->b_off, 1, L->count);
	}
	for (size_t k = 0; k < ex.n_param; k++) {
		float keep = ex.param[k];
		const float h = 1e-3f;
		double lp, lm, num;

		ex.param[k] = keep + h;
		scann_exec_forward(&ex, 16);
		lp = scann_exec_backward(&ex, y, idx, 16);
		ex.param[k] = keep - h;
		scann_exec_forward(&ex, 16);
		lm = scann_exec_backward(&ex, y, idx, 16);
		ex.param[k] = keep;
		num = (lp - lm) / (2 * h);
		if (!live[k]) {
			ck_assert(g[k] == 0.0f);
			continue;
		}
		ck_assert_msg(fabs(num - g[k]) <= 2e-3 + 2e-2 * fabs(num),
			      "param %zu: analytic %g numeric %g", k, g[k], num);
		checked += g[k] != 0.0f;
	}
	ck_assert_int_gt(checked, 20);
	free(g);
	free(live);
	scann_exec_free(&ex);
	scann_net_free(net);
}

START_TEST(gradient_matches_finite_differences_dense)
{
	gradient_check(0.0);
}
END_TEST

START_TEST(gradient_matches_finite_differences_sparse)
{
	gradient_check(2.0);
}
END_TEST

START_TEST(sparse_and_dense_kernels_agree)
{
	struct scann_rng rng;
	struct scann_net *net;
	struct scann_exec dn, sp;
	float x[70 * 9];
	uint32_t y[70], idx[70];

	scann_rng_seed(&rng, 3);
	net = test_random_dag(9, 40, 4, 0.15, &rng);
	random_data(x, y, 70, 9, 4, &rng);
	for (uint32_t i = 0; i < 70; i++)
		idx[i] = i;
	ck_assert_int_eq(scann_exec_init(&dn, net, 70, 0.0), 0);
	ck_assert_int_eq(scann_exec_init(&sp, net, 70, 2.0), 0);
	ck_assert(sp.lv[0].sparse && !dn.lv[0].sparse);
	scann_exec_load(&dn, x, idx, 70);
	scann_exec_load(&sp, x, idx, 70);
	scann_exec_forward(&dn, 70);
	scann_exec_forward(&sp, 70);
	for (uint32_t p = dn.n_in; p < dn.n_pos; p++)
		for (uint32_t b = 0; b < 70; b++)
			ck_assert_float_eq_tol(dn.a[(size_t)p * dn.bmax + b],
					       sp.a[(size_t)p * sp.bmax + b], 1e-4);
	scann_exec_free(&dn);
	scann_exec_free(&sp);
	scann_net_free(net);
}
END_TEST

START_TEST(one_hidden_to_hidden_edge_gives_depth_2)
{
	struct scann_rng rng;
	uint32_t hidden[1] = {4};
	struct scann_net *net;
	struct scann_exec ex;

	scann_rng_seed(&rng, 1);
	net = scann_net_new_mlp(3, hidden, 1, 2, SCANN_WIRING_FREE, &rng);
	ck_assert_uint_eq(net->depth, 1);
	ck_assert(scann_net_allowed(net, 1, 3 + 0));	/* h0 -> h1 */
	ck_assert(!scann_net_allowed(net, 0, 3 + 1));	/* never backwards */
	net->mask[scann_net_at(net, 1, 3 + 0)] = 1;
	net->w[scann_net_at(net, 1, 3 + 0)] = 0.5f;
	scann_net_update(net);
	ck_assert_uint_eq(net->depth, 2);
	ck_assert_uint_eq(net->level[1], 2);
	ck_assert_int_eq(scann_exec_init(&ex, net, 8, SCANN_SPARSE_BELOW), 0);
	ck_assert_uint_eq(ex.n_levels, 3);	/* two hidden levels + outputs */
	scann_exec_free(&ex);
	scann_net_free(net);
}
END_TEST

START_TEST(layered_wiring_allows_only_adjacent_layers)
{
	struct scann_rng rng;
	uint32_t hidden[2] = {3, 2};
	struct scann_net *net;

	scann_rng_seed(&rng, 1);
	net = scann_net_new_mlp(2, hidden, 2, 2, SCANN_WIRING_LAYERED, &rng);
	ck_assert_uint_eq(scann_net_dormant(net), 0);
	ck_assert(!scann_net_allowed(net, 3, 0));	/* input -> layer 2 */
	ck_assert(!scann_net_allowed(net, 5, 2));	/* layer 1 -> output */
	ck_assert(scann_net_allowed(net, 5, 2 + 3));	/* layer 2 -> output */
	scann_net_free(net);
}
END_TEST

/*
 * A neuron inserted and removed again leaves the net as it was, bit for
 * bit; while it is there, every other connection sits one row or column
 * further along.
 */
START_TEST(inserting_and_removing_a_neuron_moves_the_others_with_it)
{
	struct scann_rng rng;
	struct scann_net *net, *orig;
	size_t cells;

	scann_rng_seed(&rng, 7);
	net = test_random_dag(3, 5, 2, 0.6, &rng);
	orig = scann_net_clone(net);
	cells = (size_t)scann_net_rows(net) * scann_net_cols(net);
	ck_assert_int_eq(scann_net_insert_hidden(net, 2, 9), 0);
	ck_assert_uint_eq(net->n_hidden, 6);
	ck_assert_uint_eq(net->layer[2], 9);
	ck_assert(net->bias[2] == 0.0f);
	ck_assert_uint_eq(scann_net_active(net), scann_net_active(orig));
	for (uint32_t t = 0; t < scann_net_rows(orig); t++)
		for (uint32_t s = 0; s < scann_net_cols(orig); s++) {
			uint32_t nt = t < 2 ? t : t + 1;
			uint32_t ns = s < 3 + 2 ? s : s + 1;

			ck_assert(net->w[scann_net_at(net, nt, ns)] ==
				  orig->w[scann_net_at(orig, t, s)]);
			ck_assert_uint_eq(net->mask[scann_net_at(net, nt, ns)],
					  orig->mask[scann_net_at(orig, t, s)]);
		}
	ck_assert_int_eq(scann_net_remove_hidden(net, 2), 0);
	ck_assert_uint_eq(net->n_hidden, 5);
	ck_assert(memcmp(net->w, orig->w, cells * sizeof(float)) == 0);
	ck_assert(memcmp(net->mask, orig->mask, cells) == 0);
	ck_assert(memcmp(net->bias, orig->bias,
			 scann_net_rows(orig) * sizeof(float)) == 0);
	ck_assert(memcmp(net->layer, orig->layer, 5 * sizeof(uint32_t)) == 0);
	ck_assert(memcmp(net->level, orig->level, 5 * sizeof(uint32_t)) == 0);
	ck_assert_uint_eq(net->depth, orig->depth);
	scann_net_free(orig);
	scann_net_free(net);
}
END_TEST

/*
 * An MLP 600-600-600-10 (FREE wiring) thinned to density p, plus skip
 * connections (inputs to the second layer, first layer to the outputs).
 * Levels this wide hand every pass to the thread pool (par.h's
 * SCANN_PAR_MIN_WORK), and one level's sources span inputs and hidden
 * neurons.
 */
enum { WIDE_IN = 600, WIDE_H = 600 };

static struct scann_net *wide_skip_net(double p, struct scann_rng *rng)
{
	uint32_t hidden[2] = {WIDE_H, WIDE_H};
	struct scann_net *net = scann_net_new_mlp(WIDE_IN, hidden, 2, 10,
						  SCANN_WIRING_FREE, rng);

	for (uint32_t t = 0; t < scann_net_rows(net); t++)
		for (uint32_t s = 0; s < scann_net_cols(net); s++) {
			size_t at = scann_net_at(net, t, s);
			uint32_t ls = s < WIDE_IN ? 0 : net->layer[s - WIDE_IN];
			uint32_t lt = t < 2 * WIDE_H ? net->layer[t] : 3;
			int skip = ls + 1 < lt && scann_rng_uniform(rng) < 0.05;

			if (skip) {
				net->mask[at] = 1;
				net->w[at] = (float)(0.1 * scann_rng_normal(rng));
			}
			if (net->mask[at] && scann_rng_uniform(rng) >= p) {
				net->mask[at] = 0;
				net->w[at] = 0.0f;
			}
		}
	scann_net_update(net);
	return net;
}

/* Train the same net with 1 and with 2 pool threads (BLAS's thread count
 * unchanged); the weights must agree bit for bit (par.h: the pool's split
 * never changes a result). */
static void threads_do_not_change_results(double density, int optimizer)
{
	enum { N = 300, D = WIDE_IN };
	static float x[N * D];
	static uint32_t y[N], idx[N];
	struct scann_data data = {x, y, D, 10};
	struct scann_train_spec opt = {
		.optimizer = optimizer, .lr = 0.01, .weight_decay = 1e-4,
		.momentum = 0.9, .batch = 128, .schedule = SCANN_LR_COSINE,
	};
	struct scann_net *net[2];
	struct scann_exec ex;
	struct scann_rng rng;
	float *start = NULL;
	size_t cells = 0;

	for (int t = 0; t < 2; t++) {
		scann_rng_seed(&rng, 21);
		random_data(x, y, N, D, 10, &rng);
		for (uint32_t i = 0; i < N; i++)
			idx[i] = i;
		net[t] = wide_skip_net(density, &rng);
		cells = (size_t)scann_net_rows(net[t]) * scann_net_cols(net[t]);
		if (t == 0) {
			/* the kernels this case is about are the ones used */
			ck_assert_int_eq(scann_exec_init(&ex, net[t], 128,
							 SCANN_SPARSE_BELOW), 0);
			ck_assert_int_eq(ex.lv[0].sparse, density < 0.2);
			ck_assert_int_eq(ex.lv[1].sparse, density < 0.2);
			scann_exec_free(&ex);
			start = malloc(cells * sizeof(float));
			memcpy(start, net[t]->w, cells * sizeof(float));
		}
		ck_assert_uint_eq(scann_par_set_threads((uint32_t)t + 1),
				  (uint32_t)t + 1);
		ck_assert_int_eq(scann_train(net[t], &data, idx, N, &opt, 3,
					     SCANN_SPARSE_BELOW, &rng, NULL,
					     NULL, NULL), 0);
	}
	scann_par_set_threads(1);
	ck_assert_uint_eq(net[0]->depth, 2);	/* skips did not deepen it */
	ck_assert(memcmp(net[0]->w, net[1]->w, cells * sizeof(float)) == 0);
	ck_assert(memcmp(net[0]->bias, net[1]->bias,
			 scann_net_rows(net[0]) * sizeof(float)) == 0);
	/* and training did move the weights */
	ck_assert(memcmp(net[0]->w, start, cells * sizeof(float)) != 0);
	free(start);
	scann_net_free(net[0]);
	scann_net_free(net[1]);
}

START_TEST(two_threads_train_bit_identically_dense)
{
	threads_do_not_change_results(0.6, SCANN_OPT_ADAM);
}
END_TEST

START_TEST(two_threads_train_bit_identically_sparse)
{
	threads_do_not_change_results(0.08, SCANN_OPT_ADAM);
}
END_TEST

START_TEST(two_threads_train_bit_identically_sgd)
{
	threads_do_not_change_results(0.6, SCANN_OPT_SGD);
}
END_TEST

static Suite *net_suite(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, gradient_matches_finite_differences_dense);
	tcase_add_test(tc, gradient_matches_finite_differences_sparse);
	tcase_add_test(tc, sparse_and_dense_kernels_agree);
	tcase_add_test(tc, one_hidden_to_hidden_edge_gives_depth_2);
	tcase_add_test(tc, layered_wiring_allows_only_adjacent_layers);
	tcase_add_test(tc, inserting_and_removing_a_neuron_moves_the_others_with_it);
	tcase_add_test(tc, two_threads_train_bit_identically_dense);
	tcase_add_test(tc, two_threads_train_bit_identically_sparse);
	tcase_add_test(tc, two_threads_train_bit_identically_sgd);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(net_suite());
}
