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
 *   FREE wiring, trained for train.epochs; then per iteration: connection
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
 *   for B and C, after the initial prune); the output is the candidate with
 *   the best validation accuracy, ties to fewer parameters.
 */
#ifndef SCANN_SCHEME_H
#define SCANN_SCHEME_H

#include <jansson.h>

#include "energy.h"
#include "error.h"
#include "events.h"
#include "net.h"
#include "rng.h"
#include "spec.h"
#include "split.h"
#include "train.h"

struct scann_summary {
	double test_acc, val_acc;
	struct scann_cost cost;
	uint32_t features;
	const char *dr_method;	/* static name, NULL when no DR */
	double dr_ratio;
};

/* Where a job stands, for checkpoints and --resume. */
struct scann_progress {
	int baseline_done;
	struct scann_net *baseline;	/* owned; NULL until done */
	uint32_t iteration;		/* scheme iterations completed */
	int scheme_started;
	struct scann_net *current;	/* owned: the scheme's working net */
	struct scann_net *best;		/* owned: best candidate so far */
	double best_val;
	uint64_t best_params;
};

/*
 * Called for every candidate network a stage reports (the nets of the
 * scheme's iterations; the MLPs of a DR sweep), after its candidate event.
 * net is borrowed for the call.  Nonzero aborts with that code.
 */
typedef int (*scann_candidate_fn)(void *ctx, const char *stage,
				  const struct scann_summary *s,
				  const struct scann_net *net);

/* Called after every completed step worth resuming from; nonzero aborts. */
typedef int (*scann_checkpoint_fn)(void *ctx, const struct scann_progress *p,
				   const struct scann_rng *rng);

struct scann_ctx {
	const struct scann_job_spec *spec;
	struct scann_data data;
	const struct scann_split *split;
	struct scann_events *ev;
	struct scann_rng rng;
	struct scann_energy_model energy;
	double sparse_below;
	scann_checkpoint_fn checkpoint;
	void *checkpoint_ctx;
	scann_candidate_fn on_candidate;	/* may be NULL */
	void *candidate_ctx;
	/* The DR in front of data (NULL: none), for summaries. */
	const char *dr_method;
	double dr_ratio;
	/* Name of the scheme's stage in events: "scann" unless set. */
	const char *scheme_stage;
	/*
	 * Progress, reported in epoch events as the fraction of the job's
	 * planned training epochs done (none when epochs_planned is 0).  It is
	 * derived from the position (stage, iteration, operation, epoch), not
	 * counted, so a resumed job reports the same figures.
	 */
	uint64_t epochs_planned;
	uint64_t stage_offset;		/* the job's epochs before this stage */
	uint64_t scheme_offset;		/* stage_offset of the scheme's stage */
	/* The step being trained, for epoch events. */
	const char *stage, *operation;
	uint32_t iteration;
	struct scann_cost step_cost;
	double t0;			/* wall clock at start (timings only) */
};

/*
 * Train a new MLP of hidden sizes hidden[0..n) on c->data for
 * train.epochs epochs as stage `stage` (epoch events), then report it as a
 * candidate (extra, stolen, may be NULL, adds fields to the event).  On
 * success *out owns the net and *sum describes it.
 */
int scann_train_mlp(struct scann_ctx *c, const uint32_t *hidden, uint32_t n,
		    const char *stage, json_t *extra, struct scann_net **out,
		    struct scann_summary *sum, struct scann_error *err);

/* Training epochs the baseline stage and the scheme stage plan to run. */
uint64_t scann_plan_baseline(const struct scann_job_spec *spec);
uint64_t scann_plan_scheme(const struct scann_job_spec *spec);

/* Validation and test accuracy and cost of net. */
void scann_summarize(struct scann_ctx *c, const struct scann_net *net,
		     struct scann_summary *out);

/* The network summary object of DESIGN.md ("The result"). */
json_t *scann_summary_json(const struct scann_summary *s);

/*
 * Run only the baseline stage (fixed MLP or search) into p->baseline.
 */
int scann_job_baseline(struct scann_ctx *c, struct scann_progress *p,
		       struct scann_error *err);

/*
 * Run the baseline stage (unless p->baseline_done) and then the scheme from
 * where p says, updating p (which owns the nets) as it goes.  Returns 0,
 * SCANN_ECANCELED (stopped at a batch boundary; p holds the last checkpoint
 * state), or another SCANN_E* code with err set.
 */
int scann_job_run(struct scann_ctx *c, struct scann_progress *p,
		  struct scann_error *err);

void scann_progress_free(struct scann_progress *p);

#endif
