/*
 * cnn_train.h -- training a convolutional front (cnn.h) together with the
 * compiled net it feeds (exec.h): minibatch SGD with momentum and L2 weight
 * decay, PyTorch's rule (g += wd p; v = mu v + g; p -= lr v), as the paper
 * trains LeNet-5 (Section 4.1: lr 0.03, momentum 0.9, decay 1e-4, batch
 * 64); and the accuracy of the pair.
 *
 * Not here: shuffling and schedules (the caller orders the rows and sets
 * lr per epoch), early stopping, events -- what train.c does for a net
 * alone, which the front's integration into jobs will share.
 */
#ifndef SCANN_CNN_TRAIN_H
#define SCANN_CNN_TRAIN_H

#include <stdint.h>

#include "cnn.h"
#include "exec.h"
#include "train.h"

/* The optimiser's state: one momentum per parameter of front and net. */
struct scann_cnn_sgd {
	float *v_front, *v_net;	/* owned; zero at init */
	float lr, mu, wd;
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
 */
double scann_cnn_train_epoch(struct scann_cnn_sgd *s, struct scann_cnn *cnn,
			     struct scann_exec *ex,
			     const struct scann_data *data,
			     const uint32_t *rows, uint32_t n, uint32_t batch);

/* Correctly classified rows among idx[0..n), evaluated bmax at a time. */
uint32_t scann_cnn_correct(struct scann_cnn *cnn, struct scann_exec *ex,
			   const struct scann_data *data, const uint32_t *idx,
			   uint32_t n);

#endif
