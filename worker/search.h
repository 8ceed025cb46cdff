/*
 * search.h -- SCANN's targeted search (scann.search "target", the default):
 * the smallest network that keeps the job's validation target, found step
 * by step within target.max_steps and resources.budget_s.
 *
 * The start is the scheme's: B the trained baseline rewired FREE, C the
 * baseline LAYERED, A a small FREE MLP trained to convergence and then
 * grown -- connections by gradient, neurons by cloning, half the hidden
 * count at a time up to scann.max_hidden -- until it meets the target.
 * Then each step proposes a smaller network (NetAdapt's idea: shrink,
 * fine-tune briefly, let validation judge):
 *   - prune the `step` share of the connections of smallest |w| from the
 *     last accepted network and fine-tune it, keeping its epoch of lowest
 *     validation loss;
 *   - if it misses the target, grow back by gradient up to half of what
 *     was pruned (SCANN's recovery; within the scheme's wiring) and
 *     fine-tune again;
 *   - accept it if it meets the target (and, after recovery, is still
 *     smaller), and try a 1.5x larger share next; otherwise roll back to
 *     the last accepted network and halve the share.
 * The search ends when the share falls below 2% (steps stop paying), when
 * the accepted network misses the target itself (A's growth never reached
 * it), after target.max_steps steps, or once resources.budget_s seconds
 * have passed (logged: a budget makes the stream depend on the clock).
 * Every network fine-tuned is a candidate (scann_stage_candidate).
 */
#ifndef SCANN_SEARCH_H
#define SCANN_SEARCH_H

#include "stage.h"

/*
 * Run (or resume, as p says) the search in c->stage.  p->target_val and
 * p->floor_val must be set.  Returns 0, SCANN_ECANCELED or an error with
 * err set; checkpoints after every step.
 */
int scann_search_run(struct scann_ctx *c, struct scann_progress *p,
		     struct scann_error *err);

#endif
