/*
 * stage.h -- what every stage of a job works with: the context (data,
 * split, spec, events, generator), where the job stands (struct
 * scann_progress, for checkpoints), and the steps they share -- training
 * with epoch events and progress, epoch budgets from the row count, the
 * candidates and the job's target that judges them.  scheme.c orders the
 * stages, search.c and study.c run theirs with these.
 *
 * The target: validation accuracy at least the baseline's minus
 * target.max_drop, minus target.noise_se standard errors of the baseline's
 * validation accuracy in whole rows, and above the majority class's.  The
 * output of a stage is its smallest candidate that meets it (ties to the
 * more accurate), or, when none does, the most accurate with target_met
 * false.  Candidates are also counted row by row against the job's baseline
 * on the validation rows (val_lost, val_gained; reported, not judged).
 */
#ifndef SCANN_STAGE_H
#define SCANN_STAGE_H

#include <jansson.h>

#include "energy.h"
#include "job/error.h"
#include "events.h"
#include "net.h"
#include "job/rng.h"
#include "job/spec.h"
#include "job/split.h"
#include "train.h"

struct scann_summary {
	double test_acc, val_acc;
	struct scann_cost cost;
	uint32_t features;
	const char *dr_method;	/* static name, NULL when no DR */
	double dr_ratio;
	/* The convolutional front's share of cost (0 layers: none). */
	uint32_t front_layers;
	uint64_t front_params, front_macs, front_weights;
	/* Validation rows the job's baseline got right and this net wrong,
	 * and the reverse: set by scann_stage_candidate, 0 otherwise. */
	uint32_t val_lost, val_gained;
};

/* Where a job stands, for checkpoints and --resume. */
struct scann_progress {
	int baseline_done;
	struct scann_net *baseline;	/* owned; NULL until done */
	uint32_t iteration;		/* recipe iterations or search steps */
	int scheme_started;
	struct scann_net *current;	/* owned: the scheme's working net (the
					 * search: the last step accepted) */
	struct scann_net *best;		/* owned: smallest candidate meeting the
					 * target; NULL while none does */
	double best_val;
	uint64_t best_params;
	struct scann_net *top;		/* owned: the most accurate candidate */
	double top_val;
	uint64_t top_params;
	double target_val;		/* validation accuracy a candidate needs */
	double target_job;		/* the job's own target (target_val is
					 * lower when the start misses it) */
	double floor_val;		/* ... and must beat: the majority class */
	uint8_t *val_right;		/* owned: n_val bytes, 1 where the job's
					 * baseline is right, then n_val of
					 * scratch; NULL: not counted.  Not
					 * checkpointed: recomputed */
	double step;			/* search: share of connections to prune */
	int grown;			/* search, scheme A: growth phase over */
	json_t *front;			/* owned: every candidate's summary */
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
	/* Training snapshots (snapshot.h): every training's hook; NULL: none. */
	const struct scann_train_hook *train_hook;
	/* Image shape when the spec has a front (data.x holds images): every
	 * new network gets a front of spec->front's layers; 0 otherwise. */
	uint32_t image_c, image_h, image_w;
	/* The DR in front of data (NULL: none), for summaries. */
	const char *dr_method;
	double dr_ratio;
	/* Name of the scheme's stage in events: "scann" unless set. */
	const char *scheme_stage;
	/*
	 * Progress, reported in epoch events: the stage running owns the share
	 * [span_lo, span_hi) of the job and each training call spreads its
	 * epochs over it.  Shares follow the position (stage, model, step), not
	 * a count, so a resumed job reports the same figures.
	 */
	double span_lo, span_hi;
	double baseline_share;		/* of scann_scheme_run's span (synthesize) */
	double target_base;		/* > 0: the job baseline's validation
					 * accuracy, when p->baseline is not it */
	const uint8_t *target_right;	/* with target_base: the rows it got
					 * right (borrowed, n_val bytes) */
	uint32_t span_epochs;		/* epochs of the current training call */
	struct scann_early_stop *es_live;	/* its early stop, if any */
	double search_t0;		/* wall clock when the search began */
	/* The step being trained, for epoch events. */
	const char *stage, *operation;
	uint32_t iteration;
	struct scann_cost step_cost;
	double t0;			/* wall clock at start (timings only) */
};

/*
 * Epoch budgets from the row count, so a 200-row dataset gets as many
 * optimiser steps as a 20,000-row one: a full training runs at most
 * `epochs` (train.epochs, or about 10,000 steps) and stops after `patience`
 * epochs without a better validation score (train.patience, or about 1,000
 * steps); a fine-tune after an architecture step runs `fine_tune` epochs
 * (scann.epochs_per_step; unset, about 300 steps, or the recipe's 3).
 */
struct scann_fit_plan {
	uint32_t epochs, patience, fine_tune;
};

void scann_stage_fit_plan(const struct scann_job_spec *spec, uint32_t n_train,
		    struct scann_fit_plan *out);

/* Set the share of the job that the next stage's epochs report. */
void scann_stage_set_span(struct scann_ctx *c, double lo, double hi);

/* Validation and test accuracy and cost of net. */
void scann_stage_summarize(struct scann_ctx *c, const struct scann_net *net,
		     struct scann_summary *out);

/* The network summary object of DESIGN.md ("The result"). */
json_t *scann_stage_summary_json(const struct scann_summary *s);

/*
 * Judge a network by the target of p (scann_stage_set_target): 1 when its
 * validation accuracy meets the target and beats the majority class.
 */
int scann_stage_meets_target(const struct scann_progress *p, double val_acc);

/*
 * The target of a scheme that starts from baseline accuracy base_val:
 * base_val - target.max_drop - noise_se standard errors in whole rows, and
 * the majority class's validation accuracy as the floor.  It also records
 * which validation rows the job's baseline gets right (p->val_right): with
 * c->target_base 0 p->baseline is that baseline, else c->target_right is
 * copied.  SCANN_ENOMEM when out of memory.
 */
int scann_stage_set_target(struct scann_ctx *c, struct scann_progress *p,
			   double base_val);

/*
 * On resume: recompute p->val_right as scann_stage_set_target did, when it
 * is not there.  SCANN_ENOMEM when out of memory.
 */
int scann_stage_set_reference(struct scann_ctx *c, struct scann_progress *p);

/*
 * Record p->current as a candidate of stage c->stage (event, callback,
 * p->front) and keep it as p->best or p->top when it is.  *s gets its
 * summary.
 */
int scann_stage_candidate(struct scann_ctx *c, struct scann_progress *p,
		    struct scann_summary *s);

/*
 * Train net for `epochs` epochs as step op (epoch events); with keep_best
 * the net ends with its best validation epoch's weights.
 */
int scann_stage_train(struct scann_ctx *c, struct scann_net *net,
		     uint32_t epochs, const char *op, int keep_best,
		     struct scann_error *err);

/*
 * A full training of net: the plan's epochs, stopped early on validation
 * (most rows right), as step op.
 */
int scann_stage_train_full(struct scann_ctx *c, struct scann_net *net,
			   const char *op, struct scann_error *err);

/*
 * Train a new MLP of hidden sizes hidden[0..n) on c->data to convergence
 * (scann_stage_fit_plan's epochs, early stopping) as stage `stage` (epoch
 * events), then report it as a candidate (extra, stolen, may be NULL, adds
 * fields to the event).  On success *out owns the net and *sum describes it.
 */
int scann_stage_train_mlp(struct scann_ctx *c, const uint32_t *hidden, uint32_t n,
		    const char *stage, json_t *extra, struct scann_net **out,
		    struct scann_summary *sum, struct scann_error *err);

/*
 * A new network for c's data: an MLP of hidden sizes hidden[0..n) with the
 * given wiring, behind a new front of the spec's layers when c has one
 * (front drawn from c->rng first).  NULL with err set on failure.
 */
struct scann_net *scann_stage_new_net(struct scann_ctx *c, const uint32_t *hidden,
				      uint32_t n, enum scann_wiring wiring,
				      struct scann_error *err);

/* Whether pruning takes the front's kernel weights too: scheme C prunes
 * the whole network; A and B the net behind the front. */
static inline int scann_stage_prunes_front(const struct scann_ctx *c)
{
	return c->spec->scheme == SCANN_SCHEME_C;
}

/* Whether p's best meets the job's own target. */
int scann_stage_target_met(const struct scann_progress *p);

/* The result's view of p: target_met, the target and the Pareto front. */
json_t *scann_stage_target_json(const struct scann_ctx *c,
			  const struct scann_progress *p);

void scann_stage_progress_free(struct scann_progress *p);

#endif
