/*
 * check_train.c -- minibatch training (train.h): a separable problem is
 * learned with Adam and with SGD + momentum, dormant weights stay exactly
 * zero, one seed gives one result, a stop request ends training at a batch
 * boundary; early stopping (struct scann_early_stop) ends `patience` epochs
 * after the last improvement and hands back the best epoch's weights, not
 * the last -- by accuracy (ties to the lower loss) or, with by_loss, by the
 * lowest validation loss.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker/exec.h"
#include "worker/net.h"
#include "worker/train.h"
#include "testnet.h"
#include "testutil.h"

START_TEST(training_learns_and_keeps_dormant_weights_zero)
{
	struct scann_rng rng;
	struct scann_net *net;
	enum { N = 400 };
	static float x[N * 4];
	static uint32_t y[N], idx[N];
	struct scann_data data = {x, y, 4, 2};
	struct scann_train_spec opt = {
		.optimizer = SCANN_OPT_ADAM, .lr = 0.01, .weight_decay = 1e-4,
		.momentum = 0.9, .batch = 32, .schedule = SCANN_LR_COSINE,
	};
	double before, after;

	scann_rng_seed(&rng, 11);
	net = test_random_dag(4, 12, 2, 0.4, &rng);
	for (uint32_t i = 0; i < N; i++) {
		for (uint32_t f = 0; f < 4; f++)
			x[i * 4 + f] = (float)scann_rng_uniform(&rng);
		y[i] = x[i * 4] + x[i * 4 + 1] > 1.0f;
		idx[i] = i;
	}
	before = scann_accuracy(net, &data, idx, N, SCANN_SPARSE_BELOW);
	ck_assert_int_eq(scann_train(net, &data, idx, N, &opt, 30,
				     SCANN_SPARSE_BELOW, &rng, NULL, NULL, NULL), 0);
	after = scann_accuracy(net, &data, idx, N, SCANN_SPARSE_BELOW);
	ck_assert_msg(after > 0.9 && after > before, "before %g after %g",
		      before, after);
	for (size_t i = 0; i < (size_t)scann_net_rows(net) * scann_net_cols(net); i++)
		if (!net->mask[i])
			ck_assert(net->w[i] == 0.0f);
	scann_net_free(net);
}
END_TEST

START_TEST(sgd_with_momentum_and_step_schedule_learns)
{
	struct scann_rng rng;
	uint32_t hidden[1] = {16};
	struct scann_net *net;
	enum { N = 400 };
	static float x[N * 3];
	static uint32_t y[N], idx[N];
	struct scann_data data = {x, y, 3, 3};
	struct scann_train_spec opt = {
		.optimizer = SCANN_OPT_SGD, .lr = 0.1, .weight_decay = 1e-4,
		.momentum = 0.9, .batch = 20, .schedule = SCANN_LR_STEP,
	};
	double acc;

	scann_rng_seed(&rng, 12);
	net = scann_net_new_mlp(3, hidden, 1, 3, SCANN_WIRING_LAYERED, &rng);
	for (uint32_t i = 0; i < N; i++) {
		y[i] = i % 3;
		for (uint32_t f = 0; f < 3; f++)
			x[i * 3 + f] = (float)(0.3 * scann_rng_uniform(&rng) +
					       (f == y[i] ? 0.7 : 0.0));
		idx[i] = i;
	}
	ck_assert_int_eq(scann_train(net, &data, idx, N, &opt, 20,
				     SCANN_SPARSE_BELOW, &rng, NULL, NULL, NULL), 0);
	acc = scann_accuracy(net, &data, idx, N, SCANN_SPARSE_BELOW);
	ck_assert_msg(acc > 0.95, "accuracy %g", acc);
	scann_net_free(net);
}
END_TEST

/*
 * The noisy problem of the early-stopping cases: two features, the label
 * x0 > x1 flipped for 30% of the rows, rows [0, 200) to train on and
 * [200, 300) to validate; a high learning rate makes the validation score
 * wander, so its best epoch is not its last.
 */
enum { NOISY_N = 300, NOISY_TRAIN = 200, NOISY_VAL = 100, NOISY_EPOCHS = 60,
       NOISY_BATCH = 32 };

static float noisy_x[NOISY_N * 2];
static uint32_t noisy_y[NOISY_N], noisy_idx[NOISY_N];

static const struct scann_data noisy = {noisy_x, noisy_y, 2, 2};

static const struct scann_train_spec noisy_opt = {
	.optimizer = SCANN_OPT_ADAM, .lr = 0.05, .batch = NOISY_BATCH,
	.schedule = SCANN_LR_CONSTANT,
};

static struct scann_net *noisy_setup(struct scann_rng *rng)
{
	uint32_t hidden[1] = {24};

	scann_rng_seed(rng, 17);
	for (uint32_t i = 0; i < NOISY_N; i++) {
		noisy_x[2 * i] = (float)scann_rng_uniform(rng);
		noisy_x[2 * i + 1] = (float)scann_rng_uniform(rng);
		noisy_y[i] = noisy_x[2 * i] > noisy_x[2 * i + 1];
		if (scann_rng_uniform(rng) < 0.3)
			noisy_y[i] ^= 1;
		noisy_idx[i] = i;
	}
	return scann_net_new_mlp(2, hidden, 1, 2, SCANN_WIRING_LAYERED, rng);
}

/* What every epoch looked like, recorded by the epoch callback. */
struct epochs_seen {
	const struct scann_early_stop *es;
	uint32_t n;
	double acc[NOISY_EPOCHS], loss[NOISY_EPOCHS];
	float *param[NOISY_EPOCHS];
	size_t n_param;
};

static int record_epoch(void *ctx, struct scann_exec *ex, uint32_t epoch,
			double train_loss)
{
	struct epochs_seen *seen = ctx;
	double loss;
	uint32_t ok;

	(void)train_loss;
	ck_assert_uint_eq(epoch, seen->n);
	/* the same scoring early stopping did, on the same weights */
	ok = scann_exec_score(ex, noisy.x, noisy.y, seen->es->rows,
			      seen->es->n, &loss);
	seen->acc[epoch] = (double)ok / seen->es->n;
	seen->loss[epoch] = loss / seen->es->n;
	ck_assert(seen->acc[epoch] == seen->es->last_acc);
	seen->param[epoch] = malloc(ex->n_param * sizeof(float));
	memcpy(seen->param[epoch], ex->param, ex->n_param * sizeof(float));
	seen->n_param = ex->n_param;
	seen->n++;
	return 0;
}

static void seen_free(struct epochs_seen *seen)
{
	for (uint32_t e = 0; e < seen->n; e++)
		free(seen->param[e]);
}

/*
 * The net handed back has exactly the weights of epoch `best` (1-based):
 * compiled the same way, its parameters are that epoch's bit for bit, and
 * it scores what early stopping reported.
 */
static void assert_holds_epoch(const struct scann_net *net,
			       const struct epochs_seen *seen,
			       const struct scann_early_stop *es)
{
	struct scann_exec ex;
	double loss;
	uint32_t ok;

	ck_assert_int_eq(scann_exec_init(&ex, net, NOISY_BATCH,
					 SCANN_SPARSE_BELOW), 0);
	ck_assert_uint_eq(ex.n_param, seen->n_param);
	ck_assert(memcmp(ex.param, seen->param[es->best_epoch - 1],
			 ex.n_param * sizeof(float)) == 0);
	ok = scann_exec_score(&ex, noisy.x, noisy.y, es->rows, es->n, &loss);
	ck_assert(fabs((double)ok / es->n - es->best_acc) < 1e-12);
	ck_assert(fabs(loss / es->n - es->best_loss) < 1e-12);
	scann_exec_free(&ex);
}

START_TEST(early_stopping_keeps_the_most_accurate_epoch)
{
	struct scann_rng rng;
	struct scann_net *net = noisy_setup(&rng);
	struct scann_early_stop es = {
		.rows = noisy_idx + NOISY_TRAIN, .n = NOISY_VAL, .patience = 4,
	};
	struct epochs_seen seen = {.es = &es};
	uint32_t since = 0, stop = NOISY_EPOCHS, best = 0;
	double best_acc = -1.0, best_loss = 0.0;

	ck_assert_int_eq(scann_train_validated(net, &noisy, noisy_idx,
					       NOISY_TRAIN, &noisy_opt,
					       NOISY_EPOCHS, SCANN_SPARSE_BELOW,
					       &rng, &es, record_epoch, &seen,
					       NULL), 0);
	/* The rule, replayed on what the epochs scored. */
	for (uint32_t e = 0; e < seen.n; e++) {
		if (seen.acc[e] > best_acc)
			since = 0;
		else
			since++;
		if (seen.acc[e] > best_acc ||
		    (seen.acc[e] == best_acc && seen.loss[e] < best_loss)) {
			best = e + 1;
			best_acc = seen.acc[e];
			best_loss = seen.loss[e];
		}
		if (since >= es.patience) {
			stop = e + 1;
			break;
		}
	}
	ck_assert_uint_eq(es.epochs_run, seen.n);
	ck_assert_uint_eq(es.epochs_run, stop);
	ck_assert_uint_lt(es.epochs_run, NOISY_EPOCHS);	/* it did stop early */
	ck_assert_uint_eq(es.best_epoch, best);
	ck_assert_uint_lt(es.best_epoch, es.epochs_run);	/* not the last */
	ck_assert(es.best_acc == best_acc);
	for (uint32_t e = 0; e < seen.n; e++)
		ck_assert(seen.acc[e] <= es.best_acc);
	assert_holds_epoch(net, &seen, &es);
	seen_free(&seen);
	scann_net_free(net);
}
END_TEST

START_TEST(early_stopping_by_loss_keeps_the_lowest_loss_epoch)
{
	struct scann_rng rng;
	struct scann_net *net = noisy_setup(&rng);
	struct scann_early_stop es = {
		.rows = noisy_idx + NOISY_TRAIN, .n = NOISY_VAL, .patience = 4,
		.by_loss = 1,
	};
	struct epochs_seen seen = {.es = &es};
	uint32_t since = 0, stop = NOISY_EPOCHS, best = 0;
	double best_loss = 0.0;

	ck_assert_int_eq(scann_train_validated(net, &noisy, noisy_idx,
					       NOISY_TRAIN, &noisy_opt,
					       NOISY_EPOCHS, SCANN_SPARSE_BELOW,
					       &rng, &es, record_epoch, &seen,
					       NULL), 0);
	/* Any lower loss is kept; only a fall of 0.1% buys patience. */
	for (uint32_t e = 0; e < seen.n; e++) {
		if (best == 0 || seen.loss[e] < best_loss * (1.0 - 1e-3))
			since = 0;
		else
			since++;
		if (best == 0 || seen.loss[e] < best_loss) {
			best = e + 1;
			best_loss = seen.loss[e];
		}
		if (since >= es.patience) {
			stop = e + 1;
			break;
		}
	}
	ck_assert_uint_eq(es.epochs_run, stop);
	ck_assert_uint_lt(es.epochs_run, NOISY_EPOCHS);
	ck_assert_uint_eq(es.best_epoch, best);
	ck_assert_uint_lt(es.best_epoch, es.epochs_run);
	for (uint32_t e = 0; e < seen.n; e++)
		ck_assert(seen.loss[e] >= es.best_loss);
	/* the lowest loss need not be the most rows right */
	ck_assert(es.best_acc == seen.acc[es.best_epoch - 1]);
	assert_holds_epoch(net, &seen, &es);
	seen_free(&seen);
	scann_net_free(net);
}
END_TEST

/*
 * A loss that creeps down (a tiny learning rate: no prediction changes, the
 * loss falls by far less than 0.1% an epoch) picks the weights -- each epoch
 * is better than the last, at the same accuracy -- but buys no patience, so
 * training still ends `patience` epochs after the first; in both modes.
 */
static void creeping_loss(int by_loss)
{
	struct scann_rng rng;
	struct scann_net *net = noisy_setup(&rng);
	struct scann_train_spec opt = noisy_opt;
	struct scann_early_stop es = {
		.rows = noisy_idx + NOISY_TRAIN, .n = NOISY_VAL, .patience = 3,
		.by_loss = by_loss,
	};
	struct epochs_seen seen = {.es = &es};

	opt.lr = 1e-5;
	ck_assert_int_eq(scann_train_validated(net, &noisy, noisy_idx,
					       NOISY_TRAIN, &opt, NOISY_EPOCHS,
					       SCANN_SPARSE_BELOW, &rng, &es,
					       record_epoch, &seen, NULL), 0);
	ck_assert_uint_eq(es.epochs_run, 1 + 3);
	for (uint32_t e = 1; e < seen.n; e++) {
		/* the premise: same accuracy, a lower loss, by < 0.1% */
		ck_assert(seen.acc[e] == seen.acc[0]);
		ck_assert(seen.loss[e] < seen.loss[e - 1]);
		ck_assert(seen.loss[e] > seen.loss[e - 1] * (1.0 - 1e-3));
	}
	ck_assert_uint_eq(es.best_epoch, es.epochs_run);
	assert_holds_epoch(net, &seen, &es);
	seen_free(&seen);
	scann_net_free(net);
}

START_TEST(a_creeping_loss_picks_the_weights_but_buys_no_time)
{
	creeping_loss(0);
}
END_TEST

START_TEST(a_creeping_loss_picks_the_weights_but_buys_no_time_by_loss)
{
	creeping_loss(1);
}
END_TEST

START_TEST(patience_zero_runs_every_epoch_and_still_keeps_the_best)
{
	struct scann_rng rng;
	struct scann_net *net = noisy_setup(&rng);
	struct scann_early_stop es = {
		.rows = noisy_idx + NOISY_TRAIN, .n = NOISY_VAL,
	};
	struct epochs_seen seen = {.es = &es};
	double best_acc = 0.0;

	ck_assert_int_eq(scann_train_validated(net, &noisy, noisy_idx,
					       NOISY_TRAIN, &noisy_opt, 20,
					       SCANN_SPARSE_BELOW, &rng, &es,
					       record_epoch, &seen, NULL), 0);
	ck_assert_uint_eq(es.epochs_run, 20);
	ck_assert_uint_eq(seen.n, 20);
	for (uint32_t e = 0; e < seen.n; e++)
		best_acc = fmax(best_acc, seen.acc[e]);
	ck_assert(es.best_acc == best_acc);
	assert_holds_epoch(net, &seen, &es);
	seen_free(&seen);
	scann_net_free(net);
}
END_TEST

START_TEST(one_seed_gives_one_result)
{
	struct scann_rng rng;
	struct scann_net *net[2];

	for (int k = 0; k < 2; k++) {
		net[k] = noisy_setup(&rng);
		ck_assert_int_eq(scann_train(net[k], &noisy, noisy_idx,
					     NOISY_TRAIN, &noisy_opt, 5,
					     SCANN_SPARSE_BELOW, &rng, NULL,
					     NULL, NULL), 0);
	}
	ck_assert(memcmp(net[0]->w, net[1]->w, (size_t)scann_net_rows(net[0]) *
			 scann_net_cols(net[0]) * sizeof(float)) == 0);
	ck_assert(memcmp(net[0]->bias, net[1]->bias,
			 scann_net_rows(net[0]) * sizeof(float)) == 0);
	scann_net_free(net[0]);
	scann_net_free(net[1]);
}
END_TEST

/* A stop requested before the first batch: canceled, weights untouched. */
START_TEST(a_stop_request_ends_training_at_a_batch_boundary)
{
	struct scann_rng rng;
	struct scann_net *net = noisy_setup(&rng), *before;
	struct scann_error err = {0};
	size_t cells = (size_t)scann_net_rows(net) * scann_net_cols(net);

	before = scann_net_clone(net);
	scann_stop_requested = 1;
	ck_assert_int_eq(scann_train(net, &noisy, noisy_idx, NOISY_TRAIN,
				     &noisy_opt, 5, SCANN_SPARSE_BELOW, &rng,
				     NULL, NULL, &err), SCANN_ECANCELED);
	scann_stop_requested = 0;
	ck_assert_int_eq(err.code, SCANN_ECANCELED);
	ck_assert(memcmp(net->w, before->w, cells * sizeof(float)) == 0);
	ck_assert(memcmp(net->bias, before->bias,
			 scann_net_rows(net) * sizeof(float)) == 0);
	scann_net_free(before);
	scann_net_free(net);
}
END_TEST

static Suite *train_suite(void)
{
	Suite *s = suite_create("train");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, training_learns_and_keeps_dormant_weights_zero);
	tcase_add_test(tc, sgd_with_momentum_and_step_schedule_learns);
	tcase_add_test(tc, early_stopping_keeps_the_most_accurate_epoch);
	tcase_add_test(tc, early_stopping_by_loss_keeps_the_lowest_loss_epoch);
	tcase_add_test(tc, a_creeping_loss_picks_the_weights_but_buys_no_time);
	tcase_add_test(tc, a_creeping_loss_picks_the_weights_but_buys_no_time_by_loss);
	tcase_add_test(tc, patience_zero_runs_every_epoch_and_still_keeps_the_best);
	tcase_add_test(tc, one_seed_gives_one_result);
	tcase_add_test(tc, a_stop_request_ends_training_at_a_batch_boundary);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(train_suite());
}
