/*
 * exec.h -- the compiled, level-by-level executor of a scann_net (net.h):
 * what training, growth and scoring run.
 *
 * scann_exec_init() compiles a net whose levels are current.  Neurons are
 * laid out in an activation buffer by (level, index), outputs last, one row
 * of `bmax` batch values per neuron (neuron-major).  A level's sources
 * therefore lie below it in the buffer, and each level is one GEMM over the
 * contiguous position range that covers its active sources (for an MLP
 * exactly the previous layer).  A level whose active connections fill less
 * than `sparse_below` of its block is held as CSR instead and evaluated with
 * axpy/dot loops over contiguous batch rows, which is where sparsity pays
 * off in time.
 *
 * Ownership: a scann_exec owns its compiled copy of the weights (the net is
 * only read; scann_exec_store() writes the weights back) and its buffers.
 * The executor is for one architecture: after growth or pruning, compile
 * again.
 */
#ifndef SCANN_EXEC_H
#define SCANN_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "net.h"

/* One level of the compiled net: its neurons, their sources, their weights. */
struct scann_exec_level {
	uint32_t first, count;	/* its neurons' positions [first, first+count) */
	uint32_t lo, hi;	/* source positions [lo, hi) */
	int sparse;		/* CSR instead of a dense block */
	size_t w_off;		/* into param: dense count x (hi-lo), or nnz CSR */
	size_t b_off;		/* into param: count biases */
	uint8_t *mask;		/* dense, count x (hi-lo); NULL when all active */
	uint32_t *rowptr;	/* sparse: count + 1 */
	uint32_t *col;		/* sparse: source positions */
	size_t nnz;		/* active connections of the level */
	/*
	 * Sparse levels with hidden sources: the same nonzeros by source
	 * (CSC) for the backward pass into the sources, positions
	 * [t_lo, hi): t_ptr (hi - t_lo + 1), t_row (the level's row of each),
	 * t_at (its index in the CSR order, i.e. into the weights), t_w
	 * (the weights in this order, gathered before each use).
	 */
	uint32_t t_lo;
	uint32_t *t_ptr, *t_row, *t_at;
	float *t_w;
};

struct scann_exec {
	uint32_t n_in, n_hidden, n_out, n_pos, bmax;
	uint32_t *pos;		/* neuron -> position (sources, then outputs) */
	uint32_t *neuron;	/* position -> source index, or n_in+n_hidden+o */
	uint32_t n_levels;	/* hidden levels + the output level */
	struct scann_exec_level *lv;
	float *param, *grad;	/* all weights and biases, compiled layout */
	size_t n_param;
	float *a;		/* n_pos x bmax activations (outputs: logits) */
	float *d;		/* n_pos x bmax: dL/dz (hidden, outputs) */
	float *prob;		/* bmax softmax scratch */
	/*
	 * Set by the caller when every gradient is zero (train.c's step clears
	 * them as it reads them): the next backward pass then accumulates its
	 * GEMMs into the gradients (beta = 1) and skips the separate pass
	 * over them that beta = 0 costs in OpenBLAS; same result, bit for
	 * bit.  scann_exec_backward clears it.
	 */
	int grad_zero;
	/*
	 * The net's convolutional front (net->front) compiled for bmax images,
	 * owned; NULL when the net reads features.  scann_exec_load then runs
	 * the images through it into the input rows; training steps its
	 * parameters too (train.c), scann_exec_store copies them back.
	 */
	struct scann_cnn *cnn;
};

/* Default density below which a level is evaluated as CSR (see bench). */
#define SCANN_SPARSE_BELOW 0.2

/*
 * Compile net (levels must be current, see scann_net_update) for batches of
 * up to bmax rows.  sparse_below is the density threshold for CSR levels
 * (0 forces dense, > 1 forces sparse).  Returns 0 or SCANN_ENOMEM; *ex owns
 * everything it points to afterwards (scann_exec_free), also on failure.
 */
int scann_exec_init(struct scann_exec *ex, const struct scann_net *net,
		    uint32_t bmax, double sparse_below);

/* Copy the compiled weights and biases back into net (same architecture),
 * the front's parameters included. */
void scann_exec_store(const struct scann_exec *ex, struct scann_net *net);

void scann_exec_free(struct scann_exec *ex);

/*
 * Load n <= bmax rows of row-major data x (features = n_in columns), rows
 * idx[0..n), into the input rows of the activation buffer.  With a front
 * (ex->cnn) x holds images (the front's c*h*w columns) and the front's
 * forward pass writes its features there.
 */
void scann_exec_load(struct scann_exec *ex, const float *x,
		     const uint32_t *idx, uint32_t n);

/* Forward pass over the loaded n rows; logits end up in the output rows. */
void scann_exec_forward(struct scann_exec *ex, uint32_t n);

/*
 * Softmax cross-entropy against labels y[idx[0..n)], then the backward pass:
 * grad gets dL/dparam (mean over the batch, masked: dormant weights get 0)
 * and d holds dL/dz of every hidden and output neuron.  Returns the mean
 * loss.  Call after scann_exec_forward with the same n.
 */
double scann_exec_backward(struct scann_exec *ex, const uint32_t *y,
			   const uint32_t *idx, uint32_t n);

/* Predicted class of batch column b after a forward pass. */
uint32_t scann_exec_argmax(const struct scann_exec *ex, uint32_t b);

/*
 * Correctly classified rows among idx[0..n) (any n; evaluated bmax at a
 * time, in the given order, so the result is exactly reproducible).
 */
uint32_t scann_exec_correct(struct scann_exec *ex, const float *x,
			    const uint32_t *y, const uint32_t *idx, uint32_t n);

/* The same count; right (may be NULL) gets 1 or 0 for each of idx[0..n). */
uint32_t scann_exec_correct_rows(struct scann_exec *ex, const float *x,
				 const uint32_t *y, const uint32_t *idx,
				 uint32_t n, uint8_t *right);

/*
 * The same count, and in *loss the summed softmax cross-entropy of those
 * rows: early stopping breaks ties of accuracy, which a few hundred
 * validation rows make common, by the loss.
 */
uint32_t scann_exec_score(struct scann_exec *ex, const float *x,
			  const uint32_t *y, const uint32_t *idx, uint32_t n,
			  double *loss);

#endif
