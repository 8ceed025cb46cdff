/*
 * grow.h -- the growth operations of SCANN (paper Algorithms 3 and 4):
 * connection growth (gradient-based or full) and neuron growth.  Pruning,
 * the third operation, is in prune.h.
 */
#ifndef SCANN_GROW_H
#define SCANN_GROW_H

#include <stddef.h>
#include <stdint.h>

#include "job/error.h"
#include "net.h"
#include "job/rng.h"
#include "train.h"

/*
 * Gradient-based connection growth: over rows[0..n) (the "large batch",
 * evaluated SCANN_EVAL_BATCH rows at a time and summed), compute dL/dw of
 * every dormant allowed connection with one GEMM of the deltas and the
 * activations per chunk, and activate the `count` largest |dL/dw| (or, when
 * count == 0, round(fraction x dormant) of them).  New weights are 0, so the
 * function is unchanged.  Ties go to the lower (target, source).  *grown
 * gets the number activated.  Returns 0 or SCANN_ENOMEM.
 */
int scann_grow_connections(struct scann_net *net, const struct scann_data *data,
			   const uint32_t *rows, uint32_t n, double fraction,
			   size_t count, size_t *grown, struct scann_error *err);

/* Full growth: activate every allowed connection and every dormant kernel
 * weight of the front (new weights 0). */
size_t scann_grow_full(struct scann_net *net);

/*
 * Neuron growth: duplicate the k hidden neurons with the highest summed
 * activation over rows[0..n).  Each clone is inserted right after its parent
 * (same layer tag), copies the parent's incoming connections and bias with
 * multiplicative noise N(1, noise^2) on the weights to break the symmetry,
 * and takes half of each of the parent's outgoing weights (the parent keeps
 * the other half), so before the noise the network computes the same
 * function.  Returns 0 or SCANN_ENOMEM; *added gets the clones made.
 */
int scann_grow_neurons(struct scann_net *net, const struct scann_data *data,
		       const uint32_t *rows, uint32_t n, uint32_t k,
		       double noise, struct scann_rng *rng, uint32_t *added,
		       struct scann_error *err);

#endif
