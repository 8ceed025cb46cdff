/*
 * check_conv.c -- the convolutional front (conv.h, cnn.h, exec_dx.h,
 * cnn_train.h): the conv and pool layers' gradients and a whole front
 * trained through an MLP agree with finite differences; the net's input
 * deltas do too, dense and CSR; LeNet-5 has exactly 431,080 parameters and
 * pruned kernel weights count as fewer parameters and MACs; one and two
 * pool threads give the same bits; dormant kernel weights stay zero.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker/cnn.h"
#include "worker/cnn_train.h"
#include "worker/conv.h"
#include "worker/energy.h"
#include "worker/exec.h"
#include "worker/exec_dx.h"
#include "worker/net.h"
#include "worker/par.h"
#include "testutil.h"

void openblas_set_num_threads(int num_threads);

static void fill(float *v, size_t n, double scale, struct scann_rng *rng)
{
	for (size_t i = 0; i < n; i++)
		v[i] = (float)(scale * (2.0 * scann_rng_uniform(rng) - 1.0));
}

/* |a - fd| small against the larger of the two (float arithmetic). */
static void near(double analytic, double fd, double abs_tol, const char *what,
		 size_t i)
{
	double tol = abs_tol + 2e-2 * fmax(fabs(analytic), fabs(fd));

	ck_assert_msg(fabs(analytic - fd) <= tol, "%s[%zu]: analytic %.6g, "
		      "finite difference %.6g", what, i, analytic, fd);
}

/* L = sum r . y for the conv layer's output, in double. */
static double conv_loss(const struct scann_conv_dims *d, const float *W,
			const float *b, const float *x, float *col, float *y,
			const float *r, uint32_t n)
{
	size_t len = (size_t)d->f * n * scann_conv_oh(d) * scann_conv_ow(d);
	double L = 0.0;

	scann_conv_forward(d, W, b, x, col, y, n);
	for (size_t i = 0; i < len; i++)
		L += (double)r[i] * y[i];
	return L;
}

START_TEST(conv_gradients_match_finite_differences)
{
	struct scann_conv_dims d = {2, 6, 7, 3, 3};
	enum { N = 3 };
	uint32_t K = scann_conv_rows(&d);
	size_t nx = (size_t)d.c * N * d.h * d.w;
	size_t ny = (size_t)d.f * N * scann_conv_oh(&d) * scann_conv_ow(&d);
	size_t ncol = (size_t)K * N * scann_conv_oh(&d) * scann_conv_ow(&d);
	float *W = malloc(d.f * K * sizeof(float)), *b = malloc(d.f * sizeof(float));
	float *x = malloc(nx * sizeof(float)), *dx = malloc(nx * sizeof(float));
	float *y = malloc(ny * sizeof(float)), *r = malloc(ny * sizeof(float));
	float *col = malloc(SCANN_CONV_GROUPS * ncol * sizeof(float));
	float *gs = malloc(SCANN_CONV_GROUPS * d.f * K * sizeof(float));
	float *gW = malloc(d.f * K * sizeof(float)), *gb = malloc(d.f * sizeof(float));
	uint8_t *mask = malloc(d.f * K);
	struct scann_rng rng;
	const float h = 1e-2f;

	scann_rng_seed(&rng, 3);
	fill(W, d.f * K, 0.5, &rng);
	fill(b, d.f, 0.5, &rng);
	fill(x, nx, 1.0, &rng);
	fill(r, ny, 1.0, &rng);
	for (uint32_t i = 0; i < d.f * K; i++)
		mask[i] = i % 7 != 3;	/* some dormant slots */
	for (uint32_t i = 0; i < d.f * K; i++)
		if (!mask[i])
			W[i] = 0.0f;
	conv_loss(&d, W, b, x, col, y, r, N);
	scann_conv_backward(&d, W, mask, x, col, r, gW, gs, gb, dx, N);

	for (uint32_t i = 0; i < d.f * K; i++) {
		float keep = W[i];
		double up, down;

		W[i] = keep + h;
		up = conv_loss(&d, W, b, x, col, y, r, N);
		W[i] = keep - h;
		down = conv_loss(&d, W, b, x, col, y, r, N);
		W[i] = keep;
		if (mask[i])
			near(gW[i], (up - down) / (2 * h), 1e-3, "dW", i);
		else
			ck_assert(gW[i] == 0.0f);
	}
	for (uint32_t i = 0; i < d.f; i++) {
		float keep = b[i];
		double up, down;

		b[i] = keep + h;
		up = conv_loss(&d, W, b, x, col, y, r, N);
		b[i] = keep - h;
		down = conv_loss(&d, W, b, x, col, y, r, N);
		b[i] = keep;
		near(gb[i], (up - down) / (2 * h), 1e-3, "db", i);
	}
	for (size_t i = 0; i < nx; i++) {
		float keep = x[i];
		double up, down;

		x[i] = keep + h;
		up = conv_loss(&d, W, b, x, col, y, r, N);
		x[i] = keep - h;
		down = conv_loss(&d, W, b, x, col, y, r, N);
		x[i] = keep;
		near(dx[i], (up - down) / (2 * h), 1e-3, "dx", i);
	}
	free(W); free(b); free(x); free(dx); free(y); free(r); free(col);
	free(gW); free(gb); free(mask); free(gs);
}
END_TEST

/*
 * LeNet-5's conv2 over 19 samples runs in several blocks, the last one
 * ragged: output and every gradient agree with the sums written out.
 */
START_TEST(blocked_conv_matches_direct_sums)
{
	struct scann_conv_dims d = {20, 12, 12, 50, 5};
	enum { N = 19, OH = 8, OW = 8 };
	uint32_t K = scann_conv_rows(&d), blk = scann_conv_block(&d);
	size_t nx = (size_t)d.c * N * d.h * d.w, ny = (size_t)d.f * N * OH * OW;
	float *W = malloc(d.f * K * sizeof(float)), *b = malloc(d.f * sizeof(float));
	float *x = malloc(nx * sizeof(float)), *dx = malloc(nx * sizeof(float));
	float *y = malloc(ny * sizeof(float)), *r = malloc(ny * sizeof(float));
	float *col = malloc((size_t)SCANN_CONV_GROUPS * K * blk * OH * OW *
			    sizeof(float));
	float *gs = malloc(SCANN_CONV_GROUPS * d.f * K * sizeof(float));
	float *gW = malloc(d.f * K * sizeof(float)), *gb = malloc(d.f * sizeof(float));
	double *rdx = calloc(nx, sizeof(double));
	struct scann_rng rng;

	ck_assert_uint_lt(blk, N / 2);	/* several blocks, a ragged last one */
	scann_rng_seed(&rng, 4);
	fill(W, d.f * K, 0.1, &rng);
	fill(b, d.f, 0.5, &rng);
	fill(x, nx, 1.0, &rng);
	fill(r, ny, 1.0, &rng);
	scann_conv_forward(&d, W, b, x, col, y, N);
	scann_conv_backward(&d, W, NULL, x, col, r, gW, gs, gb, dx, N);
	for (uint32_t f = 0; f < d.f; f++) {
		double gbf = 0.0;

		for (uint32_t s = 0; s < N; s++)
			for (uint32_t oy = 0; oy < OH; oy++)
				for (uint32_t ox = 0; ox < OW; ox++) {
					size_t at = (((size_t)f * N + s) * OH + oy) * OW + ox;
					double z = b[f];

					for (uint32_t c = 0; c < d.c; c++)
						for (uint32_t ky = 0; ky < d.k; ky++)
							for (uint32_t kx = 0; kx < d.k; kx++) {
								size_t wi = (size_t)f * K + (c * d.k + ky) * d.k + kx;
								size_t xi = (((size_t)c * N + s) * d.h + oy + ky) * d.w + ox + kx;

								z += (double)W[wi] * x[xi];
								rdx[xi] += (double)W[wi] * r[at];
							}
					near(y[at], z, 1e-4, "y", at);
					gbf += r[at];
				}
		near(gb[f], gbf, 1e-3, "gb", f);
		for (size_t q = 0; q < K; q++) {
			uint32_t c = (uint32_t)(q / (d.k * d.k));
			uint32_t ky = (uint32_t)(q / d.k % d.k), kx = (uint32_t)(q % d.k);
			double g = 0.0;

			for (uint32_t s = 0; s < N; s++)
				for (uint32_t oy = 0; oy < OH; oy++)
					for (uint32_t ox = 0; ox < OW; ox++)
						g += (double)r[(((size_t)f * N + s) * OH + oy) * OW + ox] *
						     x[(((size_t)c * N + s) * d.h + oy + ky) * d.w + ox + kx];
			near(gW[f * K + q], g, 1e-3, "gW", f * K + q);
		}
	}
	for (size_t i = 0; i < nx; i++)
		near(dx[i], rdx[i], 1e-4, "dx", i);
	free(W); free(b); free(x); free(dx); free(y); free(r); free(col);
	free(gW); free(gb); free(rdx); free(gs);
}
END_TEST

/* Ties go to the upper value of a column, then to the left column. */
START_TEST(pool_ties_are_routed_by_the_stated_rule)
{
	/* one plane 2 x 20: ten windows, eight on the vector path, two in the
	 * tail, the same five patterns twice */
	const float top[10] = {1, 1, 0, 5, 2, 1, 3, 3, 7, 7};
	const float bottom[10] = {1, 0, 5, 5, 2, 2, 1, 3, 7, 7};
	/* 1 1 / 1 0: top left; 0 5 / 5 5: the left column's lower 5;
	 * 2 1 / 2 2: column 0's upper; 3 3 / 1 3: top left; all 7: top left */
	const uint8_t want[5] = {0, 2, 0, 0, 0};
	float x[40], y[10];
	uint8_t arg[10];

	for (int i = 0; i < 20; i++) {
		x[i] = top[i % 10];
		x[20 + i] = bottom[i % 10];
	}
	scann_pool_forward(x, y, arg, 1, 2, 20);
	for (int w = 0; w < 10; w++)
		ck_assert_msg(arg[w] == want[w % 5], "window %d: %u", w, arg[w]);
	ck_assert(y[1] == 5.0f && y[6] == 5.0f && y[9] == 7.0f);
}
END_TEST

START_TEST(pool_gradient_matches_finite_differences)
{
	/* ragged: row 4 and column 20 are dropped; 10 outputs a row take the
	 * eight-wide path and the scalar tail */
	enum { P = 4, H = 5, W = 21, OUT = P * 2 * 10 };
	float x[P * H * W], y[OUT], r[OUT], dx[P * H * W];
	uint8_t arg[OUT];
	struct scann_rng rng;
	const float h = 1e-3f;

	scann_rng_seed(&rng, 5);
	/* distinct values 0.1 apart: a step of h never changes a winner */
	for (int i = 0; i < P * H * W; i++)
		x[i] = 0.1f * (float)i;
	for (int i = P * H * W - 1; i > 0; i--) {
		uint32_t j = scann_rng_below(&rng, (uint32_t)i + 1);
		float t = x[i];

		x[i] = x[j];
		x[j] = t;
	}
	fill(r, OUT, 1.0, &rng);
	scann_pool_forward(x, y, arg, P, H, W);
	scann_pool_backward(r, arg, dx, P, H, W);
	for (int i = 0; i < P * H * W; i++) {
		float keep = x[i];
		double up = 0.0, down = 0.0;

		x[i] = keep + h;
		scann_pool_forward(x, y, arg, P, H, W);
		for (int k = 0; k < OUT; k++)
			up += (double)r[k] * y[k];
		x[i] = keep - h;
		scann_pool_forward(x, y, arg, P, H, W);
		for (int k = 0; k < OUT; k++)
			down += (double)r[k] * y[k];
		x[i] = keep;
		near(dx[i], (up - down) / (2 * h), 1e-3, "pool dx", (size_t)i);
	}
}
END_TEST

/* A small front (conv, pool, ReLU, conv) into a 12-8-3 MLP. */
static const struct scann_front_layer small_front[] = {
	{SCANN_FRONT_CONV, 3, 3},
	{SCANN_FRONT_POOL, 0, 0},
	{SCANN_FRONT_RELU, 0, 0},
	{SCANN_FRONT_CONV, 3, 2},
};

enum { SF_C = 2, SF_H = 9, SF_W = 10, SF_N = 5, SF_CLASSES = 3 };

/* Mean cross-entropy of the batch, and every gradient, after one pass. */
static double front_pass(struct scann_cnn *cnn, struct scann_exec *ex,
			 const struct scann_data *data, const uint32_t *idx)
{
	double loss;

	memset(cnn->grad, 0, cnn->n_param * sizeof(float));
	scann_cnn_load(cnn, data->x, idx, SF_N);
	scann_cnn_forward(cnn, SF_N, ex->a, ex->bmax);
	scann_exec_forward(ex, SF_N);
	loss = scann_exec_backward(ex, data->y, idx, SF_N);
	scann_exec_input_delta(ex, SF_N, cnn->dout, ex->bmax);
	scann_cnn_backward(cnn, SF_N, cnn->dout, ex->bmax);
	return loss;
}

/*
 * Central difference of the loss in *p against the analytic g; returns 0
 * (and checks nothing) when the one-sided differences disagree, i.e. a
 * kink (a pool winner or a ReLU switching) lies within +-h.
 */
static int fd_check(struct scann_cnn *cnn, struct scann_exec *ex,
		    const struct scann_data *data, const uint32_t *idx,
		    float *p, double g, const char *what, size_t i)
{
	const float h = 1e-3f;
	float keep = *p;
	double mid, up, down;

	mid = front_pass(cnn, ex, data, idx);
	*p = keep + h;
	up = front_pass(cnn, ex, data, idx);
	*p = keep - h;
	down = front_pass(cnn, ex, data, idx);
	*p = keep;
	if (fabs((up - mid) - (mid - down)) / h > 2e-3 + 0.05 * fabs(g))
		return 0;
	near(g, (up - down) / (2 * h), 2e-3, what, i);
	return 1;
}

START_TEST(front_through_mlp_matches_finite_differences)
{
	struct scann_cnn cnn;
	struct scann_exec ex;
	struct scann_net *net;
	struct scann_rng rng;
	uint32_t hidden[1] = {8}, idx[SF_N], y[SF_N];
	static float x[SF_N * SF_C * SF_H * SF_W];
	struct scann_data data = {x, y, SF_C * SF_H * SF_W, SF_CLASSES};
	float *grad, *exgrad;
	int checked = 0, total = 0;

	scann_rng_seed(&rng, 9);
	ck_assert_int_eq(scann_cnn_init(&cnn, SF_C, SF_H, SF_W, small_front, 4,
					SF_N, &rng, NULL), 0);
	/* 9x10 -> conv3 7x8 -> pool 3x4 -> conv2 2x3, 3 maps: 18 features */
	ck_assert_uint_eq(cnn.n_out, 18);
	net = scann_net_new_mlp(cnn.n_out, hidden, 1, SF_CLASSES,
				SCANN_WIRING_LAYERED, &rng);
	ck_assert_int_eq(scann_exec_init(&ex, net, SF_N, 0.0), 0);
	fill(x, sizeof(x) / sizeof(x[0]), 1.0, &rng);
	for (uint32_t i = 0; i < SF_N; i++) {
		idx[i] = SF_N - 1 - i;	/* not in storage order */
		y[i] = i % SF_CLASSES;
	}
	front_pass(&cnn, &ex, &data, idx);
	grad = malloc(cnn.n_param * sizeof(float));
	exgrad = malloc(ex.n_param * sizeof(float));
	memcpy(grad, cnn.grad, cnn.n_param * sizeof(float));
	memcpy(exgrad, ex.grad, ex.n_param * sizeof(float));
	for (size_t i = 0; i < cnn.n_param; i++) {
		checked += fd_check(&cnn, &ex, &data, idx, cnn.param + i, grad[i],
				    "front", i);
		total++;
	}
	/* and the net's own first-level weights, which the front feeds */
	for (size_t i = ex.lv[0].w_off; i < ex.lv[0].w_off + 20; i++)
		fd_check(&cnn, &ex, &data, idx, ex.param + i, exgrad[i], "net", i);
	/* a max-pool winner or a ReLU that switches within +-h is a kink, not
	 * a wrong gradient; few may be skipped */
	ck_assert_msg(checked >= total * 9 / 10, "%d of %d checked", checked, total);
	ck_assert_int_eq(total, 3 * 2 * 9 + 3 + 3 * 3 * 4 + 3);
	free(grad);
	free(exgrad);
	scann_exec_free(&ex);
	scann_net_free(net);
	scann_cnn_free(&cnn);
}
END_TEST

/*
 * A FREE net whose inputs feed both of its levels, dense or CSR: the input
 * deltas agree with finite differences on the inputs.
 */
static void check_input_delta(double sparse_below)
{
	enum { D = 6, H = 7, C = 3, N = 4 };
	uint32_t hidden[1] = {H}, y[N] = {0, 1, 2, 1}, idx[N] = {0, 1, 2, 3};
	float x[N * D], dx[D * 8];
	struct scann_net *net;
	struct scann_exec ex;
	struct scann_rng rng;
	const float h = 1e-3f;

	scann_rng_seed(&rng, 13);
	net = scann_net_new_mlp(D, hidden, 1, C, SCANN_WIRING_FREE, &rng);
	for (uint32_t t = 0; t < scann_net_rows(net); t++)
		for (uint32_t s = 0; s < scann_net_cols(net); s++) {
			size_t at = scann_net_at(net, t, s);
			int on = scann_net_allowed(net, t, s) &&
				 scann_rng_uniform(&rng) < 0.6;

			net->mask[at] = (uint8_t)on;
			net->w[at] = on ? (float)scann_rng_normal(&rng) : 0.0f;
		}
	scann_net_update(net);
	ck_assert_int_eq(scann_exec_init(&ex, net, N, sparse_below), 0);
	ck_assert_int_eq(ex.lv[0].sparse, sparse_below > 1.0);
	ck_assert_uint_lt(ex.lv[1].lo, D);	/* outputs see inputs directly */
	fill(x, N * D, 1.0, &rng);
	scann_exec_load(&ex, x, idx, N);
	scann_exec_forward(&ex, N);
	scann_exec_backward(&ex, y, idx, N);
	scann_exec_input_delta(&ex, N, dx, 8);
	for (uint32_t s = 0; s < N; s++)
		for (uint32_t f = 0; f < D; f++) {
			float keep = x[s * D + f];
			double up, down;

			x[s * D + f] = keep + h;
			scann_exec_load(&ex, x, idx, N);
			scann_exec_forward(&ex, N);
			up = scann_exec_backward(&ex, y, idx, N);
			x[s * D + f] = keep - h;
			scann_exec_load(&ex, x, idx, N);
			scann_exec_forward(&ex, N);
			down = scann_exec_backward(&ex, y, idx, N);
			x[s * D + f] = keep;
			near(dx[f * 8 + s], (up - down) / (2 * h), 2e-3, "net dx",
			     f * 8 + s);
		}
	scann_exec_free(&ex);
	scann_net_free(net);
}

START_TEST(input_delta_dense_matches_finite_differences)
{
	check_input_delta(0.0);
}
END_TEST

START_TEST(input_delta_csr_matches_finite_differences)
{
	check_input_delta(2.0);
}
END_TEST

START_TEST(lenet5_has_431080_parameters)
{
	struct scann_cnn cnn;
	struct scann_cnn_cost cc;
	struct scann_cost fc;
	struct scann_rng rng;
	struct scann_net *net;
	uint32_t hidden[1] = {500};

	scann_rng_seed(&rng, 1);
	ck_assert_int_eq(scann_cnn_init(&cnn, 1, 28, 28, scann_front_lenet5,
					SCANN_FRONT_LENET5_LAYERS, 8, &rng, NULL), 0);
	ck_assert_uint_eq(cnn.n_out, 800);
	net = scann_net_new_mlp(cnn.n_out, hidden, 1, 10, SCANN_WIRING_LAYERED,
				&rng);
	scann_cnn_count(&cnn, &cc);
	scann_energy_measure(net, &SCANN_ENERGY_130NM, &fc);
	ck_assert_uint_eq(cc.weights, 500 + 25000);
	ck_assert_uint_eq(cc.params, 500 + 20 + 25000 + 50);
	ck_assert_uint_eq(cc.weights + scann_net_active(net), 430500);
	ck_assert_uint_eq(cc.params + fc.params, 431080);
	/* MACs: 24x24 positions x 500 + 8x8 x 25,000 */
	ck_assert_uint_eq(cc.macs, 576 * 500 + 64 * 25000);
	scann_net_free(net);
	scann_cnn_free(&cnn);
}
END_TEST

START_TEST(pruned_kernel_weights_count_less)
{
	struct scann_cnn cnn;
	struct scann_cnn_cost before, after;
	struct scann_rng rng;
	const struct scann_cnn_layer *c2;

	scann_rng_seed(&rng, 1);
	ck_assert_int_eq(scann_cnn_init(&cnn, 1, 28, 28, scann_front_lenet5,
					SCANN_FRONT_LENET5_LAYERS, 8, &rng, NULL), 0);
	c2 = &cnn.layer[2];
	scann_cnn_count(&cnn, &before);
	/* ten weights of conv2's first map, and all 25 of conv1's map 3 */
	for (size_t k = 0; k < 10; k++)
		cnn.mask[c2->w_off + k] = 0;
	for (size_t k = 0; k < 25; k++)
		cnn.mask[cnn.layer[0].w_off + 3 * 25 + k] = 0;
	scann_cnn_count(&cnn, &after);
	ck_assert_uint_eq(after.weights, before.weights - 35);
	ck_assert_uint_eq(after.params, before.params - 35 - 1);	/* map 3's bias */
	ck_assert_uint_eq(after.macs, before.macs - 10 * 64 - 25 * 576);
	scann_cnn_free(&cnn);
}
END_TEST

/* A few SGD steps of LeNet-5 on random images with pool threads t. */
static void lenet_steps(uint32_t threads, float *param_out, size_t *n_param,
			int prune)
{
	enum { N = 40 };
	static float x[N * 784];
	uint32_t y[N], rows[N], hidden[1] = {500};
	struct scann_data data = {x, y, 784, 10};
	struct scann_cnn cnn;
	struct scann_exec ex;
	struct scann_cnn_sgd sgd;
	struct scann_net *net;
	struct scann_rng rng;

	scann_rng_seed(&rng, 17);
	fill(x, N * 784, 1.0, &rng);
	for (uint32_t i = 0; i < N; i++) {
		y[i] = scann_rng_below(&rng, 10);
		rows[i] = (i * 7) % N;
	}
	ck_assert_int_eq(scann_cnn_init(&cnn, 1, 28, 28, scann_front_lenet5,
					SCANN_FRONT_LENET5_LAYERS, 16, &rng, NULL), 0);
	if (prune)
		for (size_t k = cnn.layer[2].w_off; k < cnn.layer[2].b_off; k += 3) {
			cnn.mask[k] = 0;
			cnn.param[k] = 0.0f;
		}
	net = scann_net_new_mlp(cnn.n_out, hidden, 1, 10, SCANN_WIRING_LAYERED,
				&rng);
	ck_assert_int_eq(scann_exec_init(&ex, net, 16, SCANN_SPARSE_BELOW), 0);
	ck_assert_int_eq(scann_cnn_sgd_init(&sgd, &cnn, &ex, 0.03f, 0.9f, 1e-4f), 0);
	ck_assert_uint_eq(scann_par_set_threads(threads), threads);
	scann_cnn_train_epoch(&sgd, &cnn, &ex, &data, rows, N, 16);
	scann_cnn_train_epoch(&sgd, &cnn, &ex, &data, rows, N, 16);
	scann_par_set_threads(1);
	memcpy(param_out, cnn.param, cnn.n_param * sizeof(float));
	*n_param = cnn.n_param;
	if (prune)
		for (size_t k = cnn.layer[2].w_off; k < cnn.layer[2].b_off; k += 3)
			ck_assert(cnn.param[k] == 0.0f);
	scann_cnn_sgd_free(&sgd);
	scann_exec_free(&ex);
	scann_net_free(net);
	scann_cnn_free(&cnn);
}

START_TEST(two_threads_train_the_front_bit_identically)
{
	static float p1[26000], p2[26000];
	size_t n1, n2;

	openblas_set_num_threads(1);	/* only the pool's split may differ */
	lenet_steps(1, p1, &n1, 0);
	lenet_steps(2, p2, &n2, 0);
	ck_assert_uint_eq(n1, n2);
	ck_assert(memcmp(p1, p2, n1 * sizeof(float)) == 0);
}
END_TEST

START_TEST(dormant_kernel_weights_stay_zero)
{
	static float p[26000];
	size_t n;

	lenet_steps(1, p, &n, 1);	/* asserts inside */
}
END_TEST

/*
 * Three epochs of a small front (conv 4@5x5, pool over 12x12 images) and
 * a 64-16-3 net, the rows shuffled by rng each epoch.  With split > 0:
 * checkpoint after `split` epochs, throw everything away, build it anew
 * from another seed, load the checkpoint, train the rest.  The parameters
 * of front and net end in param_out.
 */
static size_t ckpt_run(uint32_t split, const char *path, float *param_out)
{
	enum { N = 48, EPOCHS = 3 };
	static const struct scann_front_layer spec[2] = {
		{SCANN_FRONT_CONV, 4, 5}, {SCANN_FRONT_POOL, 0, 0},
	};
	static float x[N * 144];
	uint32_t y[N], rows[N], hidden[1] = {16}, e = 0, done;
	struct scann_data data = {x, y, 144, 3};
	struct scann_cnn cnn;
	struct scann_exec ex;
	struct scann_cnn_sgd sgd;
	struct scann_net *net;
	struct scann_rng rng, data_rng;
	size_t n;

	scann_rng_seed(&data_rng, 4);
	fill(x, N * 144, 1.0, &data_rng);
	for (uint32_t i = 0; i < N; i++) {
		y[i] = scann_rng_below(&data_rng, 3);
		rows[i] = i;
	}
	for (int life = 0; life < (split ? 2 : 1); life++) {
		scann_rng_seed(&rng, life ? 99 : 5);	/* the second life differs */
		ck_assert_int_eq(scann_cnn_init(&cnn, 1, 12, 12, spec, 2, 8, &rng,
						NULL), 0);
		net = scann_net_new_mlp(cnn.n_out, hidden, 1, 3,
					SCANN_WIRING_LAYERED, &rng);
		ck_assert_int_eq(scann_exec_init(&ex, net, 8, SCANN_SPARSE_BELOW), 0);
		ck_assert_int_eq(scann_cnn_sgd_init(&sgd, &cnn, &ex, 0.05f, 0.9f,
						    1e-4f), 0);
		if (life == 1) {
			ck_assert_int_eq(scann_cnn_checkpoint_load(path, &cnn, &ex,
						&sgd, &done, &rng, NULL), 0);
			ck_assert_uint_eq(done, split);
			e = done;
		}
		for (; e < EPOCHS; e++) {
			if (split && life == 0 && e == split) {
				ck_assert_int_eq(scann_cnn_checkpoint_save(path, &cnn,
							&ex, &sgd, e, &rng, NULL), 0);
				break;
			}
			scann_rng_shuffle_u32(&rng, rows, N);
			scann_cnn_train_epoch(&sgd, &cnn, &ex, &data, rows, N, 8);
			ck_assert(!sgd.stopped);
		}
		if (life == (split ? 1 : 0)) {
			memcpy(param_out, cnn.param, cnn.n_param * sizeof(float));
			memcpy(param_out + cnn.n_param, ex.param,
			       ex.n_param * sizeof(float));
		}
		n = cnn.n_param + ex.n_param;
		scann_cnn_sgd_free(&sgd);
		scann_exec_free(&ex);
		scann_net_free(net);
		scann_cnn_free(&cnn);
	}
	return n;
}

START_TEST(a_checkpointed_run_resumes_to_the_same_parameters)
{
	static float straight[4096], resumed[4096];
	const char *path = test_write_str("front.ckpt", "");
	char copy[1024];
	size_t n1, n2;
	struct scann_cnn cnn;
	struct scann_exec ex;
	struct scann_cnn_sgd sgd;
	struct scann_net *net;
	struct scann_rng rng;
	struct scann_error err;
	uint32_t hidden[1] = {16}, done;
	static const struct scann_front_layer other[1] = {{SCANN_FRONT_CONV, 3, 5}};

	snprintf(copy, sizeof(copy), "%s", path);
	n1 = ckpt_run(0, copy, straight);
	ck_assert_uint_lt(n1, 4096);
	for (uint32_t split = 1; split < 3; split++) {
		n2 = ckpt_run(split, copy, resumed);
		ck_assert_uint_eq(n1, n2);
		ck_assert_msg(memcmp(straight, resumed, n1 * sizeof(float)) == 0,
			      "resumed after %u epochs: other parameters", split);
	}
	/* a checkpoint of another shape is refused, nothing changed */
	scann_rng_seed(&rng, 1);
	ck_assert_int_eq(scann_cnn_init(&cnn, 1, 12, 12, other, 1, 8, &rng, NULL), 0);
	net = scann_net_new_mlp(cnn.n_out, hidden, 1, 3, SCANN_WIRING_LAYERED, &rng);
	ck_assert_int_eq(scann_exec_init(&ex, net, 8, SCANN_SPARSE_BELOW), 0);
	ck_assert_int_eq(scann_cnn_sgd_init(&sgd, &cnn, &ex, 0.05f, 0.9f, 1e-4f), 0);
	ck_assert_int_eq(scann_cnn_checkpoint_load(copy, &cnn, &ex, &sgd, &done,
						   &rng, &err), SCANN_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "not a checkpoint of this network"));
	/* a stop request ends the epoch before its next batch */
	scann_stop_requested = 1;
	{
		static float x[8 * 144];
		uint32_t y[8] = {0}, rows[8] = {0, 1, 2, 3, 4, 5, 6, 7};
		struct scann_data data = {x, y, 144, 3};
		float before = cnn.param[0];

		scann_cnn_train_epoch(&sgd, &cnn, &ex, &data, rows, 8, 8);
		ck_assert(sgd.stopped);
		ck_assert(cnn.param[0] == before);
	}
	scann_stop_requested = 0;
	scann_cnn_sgd_free(&sgd);
	scann_exec_free(&ex);
	scann_net_free(net);
	scann_cnn_free(&cnn);
}
END_TEST

START_TEST(a_kernel_too_big_is_refused_by_layer)
{
	struct scann_cnn cnn;
	struct scann_error err;
	struct scann_rng rng;
	const struct scann_front_layer spec[] = {
		{SCANN_FRONT_CONV, 4, 5}, {SCANN_FRONT_POOL, 0, 0},
		{SCANN_FRONT_CONV, 4, 5},
	};

	scann_rng_seed(&rng, 1);
	/* 12 -> 8 -> 4: a 5x5 kernel does not fit */
	ck_assert_int_eq(scann_cnn_init(&cnn, 1, 12, 12, spec, 3, 8, &rng,
					&err), SCANN_EINVAL);
	ck_assert_str_eq(err.field, "front.layers[2]");
}
END_TEST

static Suite *conv_suite(void)
{
	Suite *s = suite_create("conv");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, conv_gradients_match_finite_differences);
	tcase_add_test(tc, blocked_conv_matches_direct_sums);
	tcase_add_test(tc, pool_gradient_matches_finite_differences);
	tcase_add_test(tc, pool_ties_are_routed_by_the_stated_rule);
	tcase_add_test(tc, front_through_mlp_matches_finite_differences);
	tcase_add_test(tc, input_delta_dense_matches_finite_differences);
	tcase_add_test(tc, input_delta_csr_matches_finite_differences);
	tcase_add_test(tc, lenet5_has_431080_parameters);
	tcase_add_test(tc, pruned_kernel_weights_count_less);
	tcase_add_test(tc, two_threads_train_the_front_bit_identically);
	tcase_add_test(tc, dormant_kernel_weights_stay_zero);
	tcase_add_test(tc, a_kernel_too_big_is_refused_by_layer);
	tcase_add_test(tc, a_checkpointed_run_resumes_to_the_same_parameters);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(conv_suite());
}
