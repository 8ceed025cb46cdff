/*
 * cnn_train.h -- training a convolutional front (cnn.h) together with the
 * compiled net it feeds (exec.h): minibatch SGD with momentum and L2 weight
 * decay, PyTorch's rule (g += wd p; v = mu v + g; p -= lr v), as the paper
 * trains LeNet-5 (Section 4.1: lr 0.03, momentum 0.9, decay 1e-4, batch
 * 64); and the accuracy of the pair.
 *
 * Long runs stop and resume: scann_cnn_train_epoch stops at the next
 * batch boundary once scann_stop_requested is set (train.h; a SIGTERM
 * handler sets it), and a checkpoint written after an epoch holds all
 * that the next epochs depend on (front and net parameters, momenta, the
 * caller's generator), so stop, load, go on gives the uninterrupted
 * run's parameters bit for bit.
 *
 * Not here: shuffling and schedules (the caller orders the rows and sets
 * lr per epoch), early stopping, events: a job with a front trains through
 * train.c (exec.h compiles the front with the net) and checkpoints at its
 * steps; this is the bare loop bench_epoch times.
 */
#ifndef SCANN_CNN_TRAIN_H
#define SCANN_CNN_TRAIN_H

#include <stdint.h>

#include "cnn.h"
#include "exec.h"
#include "job/error.h"
#include "job/rng.h"
#include "train.h"

/* The optimiser's state: one momentum per parameter of front and net. */
struct scann_cnn_sgd {
	float *v_front, *v_net;	/* owned; zero at init */
	float lr, mu, wd;
	int stopped;		/* the last epoch stopped on request */
};

/* Returns 0 or SCANN_ENOMEM (then *s holds nothing to free). */
int scann_cnn_sgd_init(struct scann_cnn_sgd *s, const struct scann_cnn *cnn,
		       const struct scann_exec *ex, float lr, float mu,
		       float wd);

void scann_cnn_sgd_free(struct scann_cnn_sgd *s);

/*
 * One pass over rows[0..n) in the given order, batches of `batch` (at most
 * both bmax); data->x holds row-major images of cnn's shape.  Returns the
 * mean training loss.  Gradients are cleared by each step (ex->grad_zero).
 * With scann_stop_requested set it stops before the next batch and sets
 * s->stopped (the epoch is then incomplete: resume from a checkpoint).
 */
double scann_cnn_train_epoch(struct scann_cnn_sgd *s, struct scann_cnn *cnn,
			     struct scann_exec *ex,
			     const struct scann_data *data,
			     const uint32_t *rows, uint32_t n, uint32_t batch);

/* Correctly classified rows among idx[0..n), evaluated bmax at a time. */
uint32_t scann_cnn_correct(struct scann_cnn *cnn, struct scann_exec *ex,
			   const struct scann_data *data, const uint32_t *idx,
			   uint32_t n);

/*
 * Write everything the epochs after `epoch` (completed epochs) depend on
 * to path, atomically (a temporary file renamed over it): the front's
 * and the net's compiled parameters, both momenta, and *rng.  Returns 0
 * or SCANN_EIO (err says why).
 */
int scann_cnn_checkpoint_save(const char *path, const struct scann_cnn *cnn,
			      const struct scann_exec *ex,
			      const struct scann_cnn_sgd *s, uint32_t epoch,
			      const struct scann_rng *rng, struct scann_error *err);

/*
 * Read such a file into front, net, momenta and *rng, which must have the
 * shapes it was written with; *epoch gets its completed epochs.  Returns
 * 0, SCANN_ENOENT (no such file), SCANN_EIO or SCANN_EINVAL (another
 * shape or a damaged file; nothing is changed then).
 */
int scann_cnn_checkpoint_load(const char *path, struct scann_cnn *cnn,
			      struct scann_exec *ex, struct scann_cnn_sgd *s,
			      uint32_t *epoch, struct scann_rng *rng,
			      struct scann_error *err);

#endif
