/*
 * search.c -- the targeted search; see search.h for the method and why.
 */
#include "search.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "grow.h"
#include "prune.h"

#define STEP_FIRST 0.5		/* share of connections the first step prunes */
#define STEP_MAX 0.9
#define STEP_MIN 0.02		/* below it a step no longer pays */
#define STEP_GAIN 1.5		/* after an accepted step */
#define RECOVER_SHARE 0.5	/* of a step's pruned connections to regrow */
#define GROW_ROWS 4096		/* the "large batch" of growth decisions */
#define CLONE_NOISE 0.05

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint32_t grow_rows(const struct scann_ctx *c)
{
	return c->split->n_train < GROW_ROWS ? c->split->n_train : GROW_ROWS;
}

static int oom(struct scann_error *err)
{
	return scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
}

static uint64_t params_of(const struct scann_ctx *c, const struct scann_net *net)
{
	struct scann_cost cost;

	scann_energy_measure(net, &c->energy, &cost);
	return cost.params;
}

static void log_end(struct scann_ctx *c, const struct scann_progress *p,
		    const char *why)
{
	scann_events_emit(c->ev, "log",
			  json_pack("{s:s, s:s, s:s, s:I}", "level", "info",
				    "stage", c->stage, "message", why,
				    "steps", (json_int_t)p->iteration));
}

/* The scheme's first network, trained and reported. */
static int start(struct scann_ctx *c, struct scann_progress *p,
		 struct scann_error *err)
{
	const struct scann_synth_spec *s = &c->spec->scann;
	struct scann_summary sum;
	int rc = 0;

	if (c->spec->scheme == SCANN_SCHEME_A) {
		uint32_t h = s->initial_hidden < s->max_hidden ?
			s->initial_hidden : s->max_hidden;
		struct scann_fit_plan plan;

		p->current = scann_stage_new_net(c, &h, 1, SCANN_WIRING_FREE,
						 err);
		if (p->current == NULL)
			return err->code;
		scann_stage_fit_plan(c->spec, c->split->n_train, &plan);
		rc = scann_stage_train(c, p->current, plan.epochs, "train", 1, err);
	} else {
		/* The baseline is trained already: it is the first candidate. */
		p->current = scann_net_clone(p->baseline);
		if (p->current == NULL)
			return oom(err);
		if (c->spec->scheme == SCANN_SCHEME_B)
			p->current->wiring = SCANN_WIRING_FREE;
		c->operation = "start";
	}
	if (rc != 0)
		return rc;
	if (scann_stage_candidate(c, p, &sum) != 0)
		return oom(err);
	p->step = STEP_FIRST;
	p->grown = c->spec->scheme != SCANN_SCHEME_A;
	return 0;
}

/* Scheme A before the target is met: grow connections and neurons. */
static int grow_step(struct scann_ctx *c, struct scann_progress *p,
		     uint32_t fine_tune, struct scann_error *err)
{
	const struct scann_synth_spec *s = &c->spec->scann;
	uint32_t H = p->current->n_hidden, k, added = 0;
	struct scann_summary sum;
	size_t grown = 0;
	int rc;

	k = H / 2 > s->neuron_growth ? H / 2 : s->neuron_growth;
	if (k > s->max_hidden - H)
		k = s->max_hidden - H;
	rc = scann_grow_connections(p->current, &c->data, c->split->train,
				    grow_rows(c), s->growth_fraction, 0, &grown,
				    err);
	if (rc == 0)
		rc = scann_grow_neurons(p->current, &c->data, c->split->train,
					grow_rows(c), k, CLONE_NOISE, &c->rng,
					&added, err);
	if (rc == 0)
		rc = scann_stage_train(c, p->current, fine_tune, "grow", 1, err);
	if (rc != 0)
		return rc;
	return scann_stage_candidate(c, p, &sum) ? oom(err) : 0;
}

/*
 * One proposal: prune, fine-tune, recover if needed; accept or roll back.
 * lo and hi are the step's share of the job's progress.
 */
static int prune_step(struct scann_ctx *c, struct scann_progress *p,
		      uint32_t fine_tune, double lo, double hi,
		      struct scann_error *err)
{
	struct scann_net *kept = p->current, *trial;
	size_t active = scann_prune_active(kept, scann_stage_prunes_front(c));
	size_t cut = (size_t)(p->step * (double)active + 0.5), grown = 0;
	struct scann_summary sum;
	int rc;

	if (cut == 0 || cut >= active) {
		p->step = 0.0;		/* nothing left to try */
		return 0;
	}
	trial = scann_net_clone(kept);
	if (trial == NULL)
		return oom(err);
	p->current = trial;
	rc = scann_prune_with_front(trial, scann_stage_prunes_front(c), 0.0,
				    active - cut, NULL, err);
	scann_stage_set_span(c, lo, (lo + hi) / 2);
	if (rc == 0)
		rc = scann_stage_train(c, trial, fine_tune, "prune", 1, err);
	if (rc == 0)
		rc = scann_stage_candidate(c, p, &sum) ? oom(err) : 0;
	if (rc == 0 && scann_stage_meets_target(p, sum.val_acc)) {
		scann_net_free(kept);
		p->step = fmin(p->step * STEP_GAIN, STEP_MAX);
		return 0;
	}
	if (rc == 0) {
		size_t want = (size_t)(RECOVER_SHARE * (double)cut + 0.5);

		rc = scann_grow_connections(trial, &c->data, c->split->train,
					    grow_rows(c), 0.0, want ? want : 1,
					    &grown, err);
	}
	if (rc == 0 && grown > 0) {
		scann_stage_set_span(c, (lo + hi) / 2, hi);
		rc = scann_stage_train(c, trial, fine_tune, "grow-connections", 1,
				      err);
		if (rc == 0)
			rc = scann_stage_candidate(c, p, &sum) ? oom(err) : 0;
		if (rc == 0 && scann_stage_meets_target(p, sum.val_acc) &&
		    sum.cost.params < params_of(c, kept)) {
			scann_net_free(kept);
			return 0;
		}
	}
	/* Roll back: the next proposal starts again from the kept network. */
	p->current = kept;
	scann_net_free(trial);
	if (rc == 0)
		p->step /= 2;
	return rc;
}

int scann_search_run(struct scann_ctx *c, struct scann_progress *p,
		     struct scann_error *err)
{
	uint32_t steps = c->spec->target.max_steps;
	double lo = c->span_lo, hi = c->span_hi, per = (hi - lo) / (steps + 1);
	struct scann_fit_plan plan;
	const char *why = "the target search used its target.max_steps";
	int rc;

	scann_stage_fit_plan(c->spec, c->split->n_train, &plan);
	if (!p->scheme_started) {
		c->iteration = 0;
		scann_stage_set_span(c, lo, lo + per);
		rc = start(c, p, err);
		if (rc != 0)
			return rc;
		p->scheme_started = 1;
		p->iteration = 0;
		if (c->checkpoint &&
		    (rc = c->checkpoint(c->checkpoint_ctx, p, &c->rng)) != 0)
			return rc;
	}
	c->search_t0 = now_s();
	while (p->iteration < steps) {
		double at = lo + per * (p->iteration + 1);
		double val = scann_accuracy(p->current, &c->data, c->split->val,
					    c->split->n_val, c->sparse_below);

		if (now_s() - c->search_t0 >= c->spec->resources.budget_s) {
			why = "the target search stopped at resources.budget_s";
			break;
		}
		if (p->grown && !scann_stage_meets_target(p, val)) {
			why = "the start network misses the target: nothing to "
			      "prune towards";
			break;
		}
		if (!p->grown && (scann_stage_meets_target(p, val) ||
				  p->current->n_hidden >= c->spec->scann.max_hidden)) {
			p->grown = 1;
			continue;
		}
		if (p->grown && p->step < STEP_MIN) {
			why = "the target search ended: smaller steps stopped paying";
			break;
		}
		c->iteration = p->iteration + 1;
		scann_stage_set_span(c, at, at + per);
		rc = p->grown ? prune_step(c, p, plan.fine_tune, at, at + per, err) :
			grow_step(c, p, plan.fine_tune, err);
		if (rc != 0)
			return rc;
		p->iteration++;
		if (c->checkpoint &&
		    (rc = c->checkpoint(c->checkpoint_ctx, p, &c->rng)) != 0)
			return rc;
	}
	log_end(c, p, why);
	scann_stage_set_span(c, lo, hi);
	return 0;
}
