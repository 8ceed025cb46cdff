/*
 * scheme.h -- one synthesis job's stages: the baseline MLP (fixed or
 * searched by validation) and SCANN's schemes A, B and C (paper Section 3.7,
 * Algorithm 2), emitting the event stream as they go and returning the
 * checkpoint best on validation.  The job's inputs (normalised data, split,
 * spec) are prepared by the caller (cmd_run.c); artefacts are written there
 * too.  This file decides what runs in which order; the operations
 * themselves are grow.c, prune.c and train.c.
 *
 * Scheme A (constructive): an MLP of initial_hidden neurons in one layer,
 *   FREE wiring, trained for train.epochs (and, with scann.prune_first,
 *   that share of its connections pruned and retrained, as the paper's A
 *   on LeNet-5); then per iteration: connection
 *   growth, neuron growth (never beyond max_hidden), pruning, each followed
 *   by epochs_per_step epochs of training.  "Lightly" is made concrete:
 *   A's pruning removes pruning.fraction of the connections that growth
 *   added in the same iteration (or down to pruning.keep when set).
 * Scheme B (destructive): the trained baseline, rewired FREE (same function,
 *   every earlier neuron now allowed to feed every later one), loses
 *   initial_prune of its connections, then per iteration: connection growth
 *   (growth.mode) and pruning (pruning.fraction or .keep), each followed by
 *   training.
 * Scheme C: B on the baseline with LAYERED wiring (adjacent layers only) and
 *   full growth: iterative dense-sparse-dense.
 * Candidates are the networks after each iteration's last training (and,
 *   for B and C, after the initial prune).
 *
 * That is the paper's recipe (scann.search "recipe").  The default,
 * "target", keeps the schemes' starts and operations but sizes the steps by
 * what validation accepts (search.h).  Either way every candidate is judged
 * against the job's target (stage.h).
 */
#ifndef SCANN_SCHEME_H
#define SCANN_SCHEME_H

#include "stage.h"

/* Share of a synthesize job's progress that its baseline stage reports. */
#define SCANN_BASELINE_SHARE 0.3

/*
 * Run only the baseline stage (fixed MLP or search) into p->baseline.
 */
int scann_scheme_baseline(struct scann_ctx *c, struct scann_progress *p,
		       struct scann_error *err);

/*
 * Run the baseline stage (unless p->baseline_done) and then the scheme from
 * where p says, updating p (which owns the nets) as it goes.  Returns 0,
 * SCANN_ECANCELED (stopped at a batch boundary; p holds the last checkpoint
 * state), or another SCANN_E* code with err set.
 */
int scann_scheme_run(struct scann_ctx *c, struct scann_progress *p,
		  struct scann_error *err);

#endif
