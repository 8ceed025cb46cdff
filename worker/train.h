/*
 * train.h -- minibatch training of a scann_net: softmax cross-entropy,
 * Adam or SGD with momentum, L2 weight decay, a learning-rate schedule over
 * the epochs of one call, deterministic shuffles from the job's generator.
 * Dormant connections stay exactly zero (their gradients are masked).
 *
 * Each call compiles the net once (exec.h), allocates its optimiser state
 * once, trains, and writes the weights back: no allocation per batch.  The
 * optimiser's moments start from zero at each call, i.e. after every
 * architecture change, because the parameter set itself has changed.
 */
#ifndef SCANN_TRAIN_H
#define SCANN_TRAIN_H

#include <signal.h>
#include <stdint.h>

#include "exec.h"
#include "job/error.h"
#include "net.h"
#include "job/rng.h"
#include "job/spec.h"

/* Batch size of every accuracy evaluation (run and predict use the same,
 * so a reported accuracy is reproduced bit for bit). */
#define SCANN_EVAL_BATCH 256

/*
 * Set (from a signal handler) to stop training at the next batch boundary:
 * scann_train() then returns SCANN_ECANCELED with the weights of the last
 * completed batch stored in the net.
 */
extern volatile sig_atomic_t scann_stop_requested;

/* Row-major features (already normalised) and labels of a whole dataset. */
struct scann_data {
	const float *x;
	const uint32_t *y;
	uint32_t features, classes;
};

/* Called after every epoch with the compiled net (weights current). A
 * nonzero return stops training and is returned by scann_train(). */
typedef int (*scann_epoch_fn)(void *ctx, struct scann_exec *ex,
			      uint32_t epoch, double train_loss);

/*
 * Train net for `epochs` epochs on rows[0..n) with the optimiser, rates,
 * batch and schedule of *opt (opt->epochs is ignored).  rows is borrowed and
 * not modified.  Returns 0, SCANN_ECANCELED, SCANN_ENOMEM, or what fn
 * returned; the net holds the trained weights in every case but ENOMEM.
 */
int scann_train(struct scann_net *net, const struct scann_data *data,
		const uint32_t *rows, uint32_t n,
		const struct scann_train_spec *opt, uint32_t epochs,
		double sparse_below, struct scann_rng *rng,
		scann_epoch_fn fn, void *ctx, struct scann_error *err);

/*
 * Early stopping on validation.  After every epoch rows[0..n) are scored;
 * the weights of the best epoch so far (more rows right, ties to the lower
 * loss; with by_loss, the lower loss) are kept, and training ends once
 * `patience` epochs in a row brought no better one (0: every epoch runs;
 * a loss must fall by 0.1% to count).  On success the net holds the best
 * epoch's weights, not the last: a long budget cannot overfit the result.
 */
struct scann_early_stop {
	const uint32_t *rows;
	uint32_t n;
	uint32_t patience;
	int by_loss;		/* best = lowest loss, not most rows right */
	/* Set by scann_train_validated(): */
	uint32_t epochs_run, best_epoch;	/* best_epoch counts from 1 */
	double best_acc, best_loss;		/* loss: mean over the rows */
	double last_acc;			/* the epoch just scored (for fn) */
};

/* scann_train() for at most `epochs` epochs, stopped early as *es says. */
int scann_train_validated(struct scann_net *net, const struct scann_data *data,
			  const uint32_t *rows, uint32_t n,
			  const struct scann_train_spec *opt, uint32_t epochs,
			  double sparse_below, struct scann_rng *rng,
			  struct scann_early_stop *es, scann_epoch_fn fn,
			  void *ctx, struct scann_error *err);

/*
 * Everything the rest of a training depends on, between two batches: where
 * it is (epoch, rows of it done), the optimiser's step count and moments,
 * the generator and the rows' order (shuffled in place every epoch), the
 * early stop and its best weights, the net's and the front's parameters in
 * the compiled layout.  A training snapshot (snapshot.h) is this state: a
 * training restored from it goes on exactly as if it had never stopped.
 * The arrays are the training's own; the hooks fill or read them.
 */
struct scann_train_state {
	uint32_t epochs;		/* planned: the schedule's length */
	uint32_t epoch;			/* the epoch to run (0-based) */
	int mid_epoch;			/* its shuffle done, `row` rows trained */
	uint32_t row;
	double loss_sum;		/* over those rows */
	int finished;			/* no epoch left (all run, or patience) */
	uint64_t step;			/* optimiser steps done */
	uint32_t since;			/* epochs without a better one */
	int adam;			/* v (and fv) are used */
	struct scann_early_stop *es;	/* NULL: none (then no best) */
	struct scann_rng *rng;
	uint32_t *order, n;
	float *param, *m, *v, *best;
	size_t n_param;
	float *fparam, *fm, *fv, *fbest;	/* the front's; NULL without */
	size_t fn_param;
};

/*
 * Where a training may be saved and resumed.  begin() is called once the
 * training is set up, before its first batch: it returns 1 when it restored
 * *st (the training goes on from there), 0 to start from the beginning,
 * -1 when it failed after writing into the arrays (the training then starts
 * from the beginning all the same).  at() is called after every epoch (the
 * epoch events emitted; st->mid_epoch 0) and at a stop request before the
 * training returns SCANN_ECANCELED (stopping 1, mid_epoch 1): it may save
 * *st, never change it.
 */
struct scann_train_hook {
	int (*begin)(void *ctx, struct scann_train_state *st);
	void (*at)(void *ctx, const struct scann_train_state *st, int stopping);
	void *ctx;
};

/* scann_train_validated() (es may be NULL) that hook may save and resume. */
int scann_train_resumable(struct scann_net *net, const struct scann_data *data,
			  const uint32_t *rows, uint32_t n,
			  const struct scann_train_spec *opt, uint32_t epochs,
			  double sparse_below, struct scann_rng *rng,
			  struct scann_early_stop *es, scann_epoch_fn fn,
			  void *ctx, const struct scann_train_hook *hook,
			  struct scann_error *err);

/* Accuracy of net on rows[0..n) (0 when n == 0); -1 when out of memory. */
double scann_accuracy(const struct scann_net *net, const struct scann_data *data,
		      const uint32_t *rows, uint32_t n, double sparse_below);

/* The same; right (may be NULL) gets 1 or 0 for each of rows[0..n). */
double scann_accuracy_rows(const struct scann_net *net,
			   const struct scann_data *data, const uint32_t *rows,
			   uint32_t n, double sparse_below, uint8_t *right);

#endif
