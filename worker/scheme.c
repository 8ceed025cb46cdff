/*
 * scheme.c -- the stages of a synthesis job: baseline MLP, then SCANN's
 * scheme A, B or C, with events and checkpoints.  See scheme.h for what
 * each scheme does and why.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grow.h"
#include "prune.h"
#include "scheme.h"
#include "search.h"

/* Rows of the "large batch" that growth decisions are computed over. */
#define GROW_ROWS 4096
/* Multiplicative noise on a cloned neuron's incoming weights. */
#define CLONE_NOISE 0.05

static int baseline_one(struct scann_ctx *c, const uint32_t *hidden,
			uint32_t n, struct scann_net **out,
			struct scann_summary *sum, struct scann_error *err)
{
	return scann_stage_train_mlp(c, hidden, n, "baseline", NULL, out, sum, err);
}

static int run_baseline(struct scann_ctx *c, struct scann_progress *p,
			struct scann_error *err)
{
	const struct scann_baseline_spec *b = &c->spec->baseline;
	struct scann_summary best_sum = {0}, sum;
	struct scann_net *best = NULL, *net;
	double lo = c->span_lo, hi = c->span_hi;
	uint32_t models = b->search ? b->n_depths * b->n_widths : 1;
	int rc = 0;

	c->stage = "baseline";
	c->iteration = 0;
	scann_events_emit(c->ev, "stage",
			  json_pack("{s:s, s:s}", "stage", "baseline", "state", "start"));
	if (!b->search) {
		rc = baseline_one(c, b->hidden, b->n_hidden, &best, &best_sum, err);
	} else {
		for (uint32_t i = 0; i < b->n_depths && rc == 0; i++)
			for (uint32_t j = 0; j < b->n_widths && rc == 0; j++) {
				uint32_t hidden[SCANN_SPEC_MAX_LAYERS];
				uint32_t depth = b->depths[i] > SCANN_SPEC_MAX_LAYERS ?
					SCANN_SPEC_MAX_LAYERS : b->depths[i];

				/* Every layer of a searched MLP has the same width. */
				for (uint32_t k = 0; k < depth; k++)
					hidden[k] = b->widths[j];
				scann_stage_set_span(c, lo + (hi - lo) * c->iteration / models,
					       lo + (hi - lo) * (c->iteration + 1) / models);
				c->iteration++;
				rc = baseline_one(c, hidden, depth, &net, &sum, err);
				if (rc != 0)
					break;
				if (best == NULL || sum.val_acc > best_sum.val_acc ||
				    (sum.val_acc == best_sum.val_acc &&
				     sum.cost.params < best_sum.cost.params)) {
					scann_net_free(best);
					best = net;
					best_sum = sum;
				} else {
					scann_net_free(net);
				}
			}
	}
	scann_stage_set_span(c, lo, hi);
	if (rc != 0) {
		scann_net_free(best);
		return rc;
	}
	scann_events_emit(c->ev, "stage",
			  json_pack("{s:s, s:s, s:o}", "stage", "baseline", "state",
				    "end", "best", scann_stage_summary_json(&best_sum)));
	p->baseline = best;
	p->baseline_done = 1;
	return c->checkpoint ? c->checkpoint(c->checkpoint_ctx, p, &c->rng) : 0;
}

int scann_scheme_baseline(struct scann_ctx *c, struct scann_progress *p,
		       struct scann_error *err)
{
	return run_baseline(c, p, err);
}

static uint32_t grow_rows(const struct scann_ctx *c)
{
	return c->split->n_train < GROW_ROWS ? c->split->n_train : GROW_ROWS;
}

static int grow_connections(struct scann_ctx *c, struct scann_net *net,
			    size_t *grown, struct scann_error *err)
{
	const struct scann_synth_spec *s = &c->spec->scann;

	if (s->growth_mode == SCANN_GROWTH_NONE) {
		*grown = 0;	/* iterative magnitude pruning */
		return 0;
	}
	if (c->spec->scheme == SCANN_SCHEME_C ||
	    s->growth_mode == SCANN_GROWTH_FULL) {
		*grown = scann_grow_full(net);
		return 0;
	}
	return scann_grow_connections(net, &c->data, c->split->train,
				      grow_rows(c), s->growth_fraction, 0,
				      grown, err);
}

/* The recipe's start: A's small MLP trained, B's and C's initial prune. */
static int start_recipe(struct scann_ctx *c, struct scann_progress *p,
			struct scann_error *err)
{
	const struct scann_synth_spec *s = &c->spec->scann;
	struct scann_fit_plan plan;
	struct scann_summary sum;

	scann_stage_fit_plan(c->spec, c->split->n_train, &plan);
	if (c->spec->scheme == SCANN_SCHEME_A) {
		uint32_t h = s->initial_hidden < s->max_hidden ?
			s->initial_hidden : s->max_hidden;
		int rc;

		p->current = scann_stage_new_net(c, &h, 1, SCANN_WIRING_FREE,
						 err);
		if (p->current == NULL)
			return err->code;
		rc = scann_stage_train_full(c, p->current, "train", err);
		/* the paper's A on LeNet-5 prunes its start first (prune_first) */
		if (rc == 0 && s->prune_first > 0) {
			rc = scann_prune(p->current, s->prune_first, 0, NULL, err);
			if (rc == 0)
				rc = scann_stage_train(c, p->current, plan.fine_tune,
						       "initial-prune", 0, err);
		}
		if (rc != 0)
			return rc;
	} else {
		int rc;

		p->current = scann_net_clone(p->baseline);
		if (p->current == NULL)
			return scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
		if (c->spec->scheme == SCANN_SCHEME_B)
			p->current->wiring = SCANN_WIRING_FREE;
		rc = scann_prune_with_front(p->current,
					    scann_stage_prunes_front(c),
					    s->initial_prune, 0, NULL, err);
		if (rc == 0)
			rc = scann_stage_train(c, p->current, plan.fine_tune,
					      "initial-prune", 0, err);
		if (rc != 0)
			return rc;
	}
	return scann_stage_candidate(c, p, &sum) ?
		scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory") : 0;
}

/* One iteration of the recipe on p->current (paper Algorithm 2's loop). */
static int iterate(struct scann_ctx *c, struct scann_progress *p,
		   struct scann_error *err)
{
	const struct scann_synth_spec *s = &c->spec->scann;
	struct scann_fit_plan plan;
	struct scann_summary sum;
	size_t grown = 0;
	uint32_t E;
	int rc;

	double lo = c->span_lo, hi = c->span_hi;
	uint32_t parts = c->spec->scheme == SCANN_SCHEME_A ? 3 : 2;

	scann_stage_fit_plan(c->spec, c->split->n_train, &plan);
	E = plan.fine_tune;

	/* Each training of the iteration reports its own part of the span. */
	scann_stage_set_span(c, lo, lo + (hi - lo) / parts);
	rc = grow_connections(c, p->current, &grown, err);
	if (rc == 0)
		rc = scann_stage_train(c, p->current, E, "grow-connections", 0, err);
	if (rc != 0)
		return rc;
	if (c->spec->scheme == SCANN_SCHEME_A) {
		uint32_t H = p->current->n_hidden, k = 0, added = 0;

		if (H < s->max_hidden)
			k = s->max_hidden - H < s->neuron_growth ?
				s->max_hidden - H : s->neuron_growth;
		rc = scann_grow_neurons(p->current, &c->data, c->split->train,
					grow_rows(c), k, CLONE_NOISE, &c->rng,
					&added, err);
		scann_stage_set_span(c, lo + (hi - lo) / parts, lo + 2 * (hi - lo) / parts);
		if (rc == 0 && added > 0)
			rc = scann_stage_train(c, p->current, E, "grow-neurons",
					      0, err);
		if (rc != 0)
			return rc;
		if (s->pruning_keep)
			rc = scann_prune(p->current, 0.0, s->pruning_keep, NULL,
					 err);
		else
			rc = scann_prune(p->current, 0.0,
					 scann_net_active(p->current) -
						 (size_t)(s->pruning_fraction * grown + 0.5),
					 NULL, err);
	} else {
		rc = scann_prune_with_front(p->current,
					    scann_stage_prunes_front(c),
					    s->pruning_fraction, s->pruning_keep,
					    NULL, err);
	}
	if (rc != 0)
		return rc;
	scann_stage_set_span(c, lo + (parts - 1) * (hi - lo) / parts, hi);
	rc = scann_stage_train(c, p->current, E, "prune", 0, err);
	if (rc != 0)
		return rc;
	rc = scann_stage_candidate(c, p, &sum);
	return rc ? scann_error_set(err, rc, NULL, "out of memory") : 0;
}

/* The recipe's iterations, each with its share of the stage. */
static int run_recipe(struct scann_ctx *c, struct scann_progress *p,
		      struct scann_error *err)
{
	double lo = c->span_lo, hi = c->span_hi;
	uint32_t n = c->spec->scann.iterations + 1;	/* the start too */
	int rc;

	if (!p->scheme_started) {
		c->iteration = 0;
		scann_stage_set_span(c, lo, lo + (hi - lo) / n);
		rc = start_recipe(c, p, err);
		if (rc != 0)
			return rc;
		p->scheme_started = 1;
		p->iteration = 0;
		if (c->checkpoint &&
		    (rc = c->checkpoint(c->checkpoint_ctx, p, &c->rng)) != 0)
			return rc;
	}
	while (p->iteration < c->spec->scann.iterations) {
		c->iteration = p->iteration + 1;
		scann_stage_set_span(c, lo + (hi - lo) * c->iteration / n,
			       lo + (hi - lo) * (c->iteration + 1) / n);
		rc = iterate(c, p, err);
		if (rc != 0)
			return rc;
		p->iteration++;
		if (c->checkpoint) {
			rc = c->checkpoint(c->checkpoint_ctx, p, &c->rng);
			if (rc != 0)
				return rc;
		}
	}
	scann_stage_set_span(c, lo, hi);
	return 0;
}

int scann_scheme_run(struct scann_ctx *c, struct scann_progress *p,
		  struct scann_error *err)
{
	double lo = c->span_lo, hi = c->span_hi;
	int rc;

	if (hi <= lo)
		lo = 0.0, hi = 1.0;
	if (!p->baseline_done) {
		scann_stage_set_span(c, lo, lo + (hi - lo) * c->baseline_share);
		rc = run_baseline(c, p, err);
		if (rc != 0)
			return rc;
	}
	scann_stage_set_span(c, lo + (hi - lo) * c->baseline_share, hi);
	c->stage = c->scheme_stage ? c->scheme_stage : "scann";
	if (!p->scheme_started) {
		struct scann_summary bs;

		scann_stage_summarize(c, p->baseline, &bs);
		if (scann_stage_set_target(c, p, c->target_base > 0 ?
					   c->target_base : bs.val_acc) != 0)
			return scann_error_set(err, SCANN_ENOMEM, NULL,
					       "out of memory");
		/*
		 * A start that misses the job's target already (DR lost
		 * accuracy) is searched at its own accuracy: the smallest
		 * network that loses no more than the reduction did.  The
		 * result still says the job's target was not met.
		 */
		if (c->spec->scheme != SCANN_SCHEME_A &&
		    !scann_stage_meets_target(p, bs.val_acc) && bs.val_acc > p->floor_val) {
			p->target_val = bs.val_acc;
			scann_events_emit(c->ev, "log",
				json_pack("{s:s, s:s, s:s, s:f, s:f}", "level",
					  "warning", "stage", c->stage, "message",
					  "the start network misses the target; the "
					  "search keeps its accuracy instead",
					  "target_val", p->target_job,
					  "start_val", bs.val_acc));
		}
		scann_events_emit(c->ev, "stage",
				  json_pack("{s:s, s:s, s:s, s:s, s:f}", "stage",
					    c->stage, "state", "start", "scheme",
					    scann_scheme_name(c->spec->scheme),
					    "search",
					    scann_search_name(c->spec->scann.search),
					    "target_val", p->target_val));
	} else if (scann_stage_set_reference(c, p) != 0) {
		/* Resumed: the baseline's rows are recomputed, not saved. */
		return scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
	}
	rc = c->spec->scann.search == SCANN_SEARCH_RECIPE ?
		run_recipe(c, p, err) : scann_search_run(c, p, err);
	if (rc != 0)
		return rc;
	{
		struct scann_summary s;
		int met = scann_stage_target_met(p);

		scann_stage_summarize(c, p->best ? p->best : p->top, &s);
		if (!met)
			scann_events_emit(c->ev, "log",
				json_pack("{s:s, s:s, s:s, s:f, s:f, s:f}",
					  "level", "warning", "stage", c->stage,
					  "message", "no candidate met the target: the "
					  "result is the most accurate network, not a "
					  "compact one that keeps the baseline's accuracy",
					  "target_val", p->target_val,
					  "majority_val", p->floor_val,
					  "best_val", p->top_val));
		scann_events_emit(c->ev, "stage",
				  json_pack("{s:s, s:s, s:o, s:b, s:f}", "stage",
					    c->stage, "state", "end", "best",
					    scann_stage_summary_json(&s), "target_met", met,
					    "progress", hi));
	}
	return 0;
}
