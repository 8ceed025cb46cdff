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

/* Rows of the "large batch" that growth decisions are computed over. */
#define GROW_ROWS 4096
/* Multiplicative noise on a cloned neuron's incoming weights. */
#define CLONE_NOISE 0.05

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void scann_summarize(struct scann_ctx *c, const struct scann_net *net,
		     struct scann_summary *out)
{
	out->val_acc = scann_accuracy(net, &c->data, c->split->val,
				      c->split->n_val, c->sparse_below);
	out->test_acc = scann_accuracy(net, &c->data, c->split->test,
				       c->split->n_test, c->sparse_below);
	scann_energy_measure(net, &c->energy, &out->cost);
	out->features = net->n_in;
	out->dr_method = c->dr_method;
	out->dr_ratio = c->dr_ratio;
}

json_t *scann_summary_json(const struct scann_summary *s)
{
	json_t *dr = s->dr_method ?
		json_pack("{s:s, s:f}", "method", s->dr_method, "ratio", s->dr_ratio) :
		json_null();

	return json_pack("{s:f, s:f, s:I, s:I, s:I, s:f, s:I, s:I, s:I, s:o}",
			 "test_acc", s->test_acc, "val_acc", s->val_acc,
			 "params", (json_int_t)s->cost.params,
			 "macs", (json_int_t)s->cost.macs,
			 "flops", (json_int_t)s->cost.flops,
			 "energy_nj", s->cost.energy_nj,
			 "hidden", (json_int_t)s->cost.hidden,
			 "depth", (json_int_t)s->cost.depth,
			 "features", (json_int_t)s->features, "dr", dr);
}

void scann_progress_free(struct scann_progress *p)
{
	scann_net_free(p->baseline);
	scann_net_free(p->current);
	scann_net_free(p->best);
	memset(p, 0, sizeof(*p));
}

uint64_t scann_plan_baseline(const struct scann_job_spec *spec)
{
	const struct scann_baseline_spec *b = &spec->baseline;
	uint64_t models = b->search ? (uint64_t)b->n_depths * b->n_widths : 1;

	return models * spec->train.epochs;
}

/* Training steps per scheme iteration: growth, (neuron growth,) pruning. */
static uint32_t steps_per_iteration(const struct scann_job_spec *spec)
{
	return spec->scheme == SCANN_SCHEME_A ? 3 : 2;
}

static uint64_t first_step_epochs(const struct scann_job_spec *spec)
{
	return spec->scheme == SCANN_SCHEME_A ? spec->train.epochs :
		spec->scann.epochs_per_step;
}

uint64_t scann_plan_scheme(const struct scann_job_spec *spec)
{
	return first_step_epochs(spec) + (uint64_t)spec->scann.iterations *
		steps_per_iteration(spec) * spec->scann.epochs_per_step;
}

/* Epochs of the current stage done before the current step. */
static uint64_t epochs_into_stage(const struct scann_ctx *c)
{
	const struct scann_job_spec *spec = c->spec;
	uint64_t E = spec->scann.epochs_per_step, op;

	if (strcmp(c->stage, "baseline") == 0 || strcmp(c->stage, "dr") == 0)
		return (uint64_t)(c->iteration ? c->iteration - 1 : 0) *
			spec->train.epochs;
	if (c->iteration == 0)
		return 0;	/* the scheme's first step */
	op = strcmp(c->operation, "grow-connections") == 0 ? 0 :
		strcmp(c->operation, "grow-neurons") == 0 ? 1 :
		steps_per_iteration(spec) - 1;
	return first_step_epochs(spec) +
		(uint64_t)(c->iteration - 1) * steps_per_iteration(spec) * E + op * E;
}

static int on_epoch(void *ctx, struct scann_exec *ex, uint32_t epoch,
		    double train_loss)
{
	struct scann_ctx *c = ctx;
	uint32_t ok = scann_exec_correct(ex, c->data.x, c->data.y, c->split->val,
					 c->split->n_val);
	json_t *e = json_pack("{s:s, s:I, s:s, s:I, s:f, s:f, s:I, s:I, s:I, s:I}",
			      "stage", c->stage,
			      "iteration", (json_int_t)c->iteration,
			      "operation", c->operation,
			      "epoch", (json_int_t)epoch + 1,
			      "train_loss", train_loss,
			      "val_acc", c->split->n_val ?
				      (double)ok / c->split->n_val : 0.0,
			      "params", (json_int_t)c->step_cost.params,
			      "flops", (json_int_t)c->step_cost.flops,
			      "hidden", (json_int_t)c->step_cost.hidden,
			      "depth", (json_int_t)c->step_cost.depth);

	if (c->epochs_planned > 0) {
		double done = (double)(c->stage_offset + epochs_into_stage(c) +
				       epoch + 1) / (double)c->epochs_planned;

		json_object_set_new(e, "progress", json_real(done < 1.0 ? done : 1.0));
	}
	if (c->ev->timings)
		json_object_set_new(e, "elapsed_s", json_real(now_s() - c->t0));
	scann_events_emit(c->ev, "epoch", e);
	return 0;
}

/* Train net for `epochs` epochs as step `op`, with epoch events. */
static int train_step(struct scann_ctx *c, struct scann_net *net,
		      uint32_t epochs, const char *op, struct scann_error *err)
{
	c->operation = op;
	scann_energy_measure(net, &c->energy, &c->step_cost);
	return scann_train(net, &c->data, c->split->train, c->split->n_train,
			   &c->spec->train, epochs, c->sparse_below, &c->rng,
			   on_epoch, c, err);
}

static void emit_candidate(struct scann_ctx *c, const char *stage,
			   const struct scann_summary *s, json_t *extra)
{
	json_t *e = json_pack("{s:s, s:I}", "stage", stage, "iteration",
			      (json_int_t)c->iteration);

	if (extra) {
		json_object_update(e, extra);
		json_decref(extra);
	}
	json_object_set_new(e, "network", scann_summary_json(s));
	scann_events_emit(c->ev, "candidate", e);
}

static json_t *hidden_json(const uint32_t *hidden, uint32_t n)
{
	json_t *a = json_array();

	for (uint32_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer(hidden[i]));
	return a;
}

int scann_train_mlp(struct scann_ctx *c, const uint32_t *hidden, uint32_t n,
		    const char *stage, json_t *extra, struct scann_net **out,
		    struct scann_summary *sum, struct scann_error *err)
{
	struct scann_net *net = scann_net_new_mlp(c->data.features, hidden, n,
						  c->data.classes,
						  SCANN_WIRING_LAYERED, &c->rng);
	int rc;

	if (net == NULL) {
		json_decref(extra);
		return scann_error_set(err, SCANN_ENOMEM, NULL,
				       "out of memory for an MLP");
	}
	rc = train_step(c, net, c->spec->train.epochs, "train", err);
	if (rc == 0) {
		scann_summarize(c, net, sum);
		if (extra == NULL)
			extra = json_object();
		json_object_set_new(extra, "hidden_layers", hidden_json(hidden, n));
		emit_candidate(c, stage, sum, extra);
		extra = NULL;
		if (c->on_candidate)
			rc = c->on_candidate(c->candidate_ctx, stage, sum, net);
	}
	json_decref(extra);
	if (rc != 0) {
		scann_net_free(net);
		return rc;
	}
	*out = net;
	return 0;
}

static int baseline_one(struct scann_ctx *c, const uint32_t *hidden,
			uint32_t n, struct scann_net **out,
			struct scann_summary *sum, struct scann_error *err)
{
	return scann_train_mlp(c, hidden, n, "baseline", NULL, out, sum, err);
}

static int run_baseline(struct scann_ctx *c, struct scann_progress *p,
			struct scann_error *err)
{
	const struct scann_baseline_spec *b = &c->spec->baseline;
	struct scann_summary best_sum = {0}, sum;
	struct scann_net *best = NULL, *net;
	int rc = 0;

	c->stage = "baseline";
	c->stage_offset = 0;
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
	if (rc != 0) {
		scann_net_free(best);
		return rc;
	}
	scann_events_emit(c->ev, "stage",
			  json_pack("{s:s, s:s, s:o}", "stage", "baseline", "state",
				    "end", "best", scann_summary_json(&best_sum)));
	p->baseline = best;
	p->baseline_done = 1;
	return c->checkpoint ? c->checkpoint(c->checkpoint_ctx, p, &c->rng) : 0;
}

int scann_job_baseline(struct scann_ctx *c, struct scann_progress *p,
		       struct scann_error *err)
{
	return run_baseline(c, p, err);
}

/* Record the scheme's current net as a candidate; keep it if best. */
static int candidate(struct scann_ctx *c, struct scann_progress *p)
{
	struct scann_summary s;

	scann_summarize(c, p->current, &s);
	emit_candidate(c, c->stage, &s,
		       json_pack("{s:s}", "scheme", scann_scheme_name(c->spec->scheme)));
	if (c->on_candidate) {
		int rc = c->on_candidate(c->candidate_ctx, c->stage, &s, p->current);

		if (rc != 0)
			return rc;
	}
	if (p->best == NULL || s.val_acc > p->best_val ||
	    (s.val_acc == p->best_val && s.cost.params < p->best_params)) {
		struct scann_net *copy = scann_net_clone(p->current);

		if (copy == NULL)
			return SCANN_ENOMEM;
		scann_net_free(p->best);
		p->best = copy;
		p->best_val = s.val_acc;
		p->best_params = s.cost.params;
	}
	return 0;
}

static uint32_t grow_rows(const struct scann_ctx *c)
{
	return c->split->n_train < GROW_ROWS ? c->split->n_train : GROW_ROWS;
}

static int grow_connections(struct scann_ctx *c, struct scann_net *net,
			    size_t *grown, struct scann_error *err)
{
	const struct scann_synth_spec *s = &c->spec->scann;

	if (c->spec->scheme == SCANN_SCHEME_C ||
	    s->growth_mode == SCANN_GROWTH_FULL) {
		*grown = scann_grow_full(net);
		return 0;
	}
	return scann_grow_connections(net, &c->data, c->split->train,
				      grow_rows(c), s->growth_fraction, 0,
				      grown, err);
}

static int start_scheme(struct scann_ctx *c, struct scann_progress *p,
			struct scann_error *err)
{
	const struct scann_synth_spec *s = &c->spec->scann;
	int rc;

	c->iteration = 0;
	if (c->spec->scheme == SCANN_SCHEME_A) {
		uint32_t h = s->initial_hidden < s->max_hidden ?
			s->initial_hidden : s->max_hidden;

		p->current = scann_net_new_mlp(c->data.features, &h, 1,
					       c->data.classes, SCANN_WIRING_FREE,
					       &c->rng);
		if (p->current == NULL)
			return scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
		rc = train_step(c, p->current, c->spec->train.epochs, "train", err);
	} else {
		p->current = scann_net_clone(p->baseline);
		if (p->current == NULL)
			return scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
		if (c->spec->scheme == SCANN_SCHEME_B)
			p->current->wiring = SCANN_WIRING_FREE;
		scann_prune(p->current, s->initial_prune, 0, NULL);
		rc = train_step(c, p->current, s->epochs_per_step,
				"initial-prune", err);
	}
	if (rc != 0)
		return rc;
	rc = candidate(c, p);
	if (rc != 0)
		return scann_error_set(err, rc, NULL, "out of memory");
	p->scheme_started = 1;
	p->iteration = 0;
	return c->checkpoint ? c->checkpoint(c->checkpoint_ctx, p, &c->rng) : 0;
}

/* One iteration of the scheme on p->current (paper Algorithm 2's loop). */
static int iterate(struct scann_ctx *c, struct scann_progress *p,
		   struct scann_error *err)
{
	const struct scann_synth_spec *s = &c->spec->scann;
	uint32_t E = s->epochs_per_step;
	size_t grown = 0;
	int rc;

	rc = grow_connections(c, p->current, &grown, err);
	if (rc == 0)
		rc = train_step(c, p->current, E, "grow-connections", err);
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
		if (rc == 0 && added > 0)
			rc = train_step(c, p->current, E, "grow-neurons", err);
		if (rc != 0)
			return rc;
		if (s->pruning_keep)
			scann_prune(p->current, 0.0, s->pruning_keep, NULL);
		else
			scann_prune(p->current, 0.0,
				    scann_net_active(p->current) -
					    (size_t)(s->pruning_fraction * grown + 0.5),
				    NULL);
	} else {
		scann_prune(p->current, s->pruning_fraction, s->pruning_keep, NULL);
	}
	rc = train_step(c, p->current, E, "prune", err);
	if (rc != 0)
		return rc;
	rc = candidate(c, p);
	return rc ? scann_error_set(err, rc, NULL, "out of memory") : 0;
}

int scann_job_run(struct scann_ctx *c, struct scann_progress *p,
		  struct scann_error *err)
{
	int rc;

	if (!p->baseline_done) {
		rc = run_baseline(c, p, err);
		if (rc != 0)
			return rc;
	}
	c->stage = c->scheme_stage ? c->scheme_stage : "scann";
	c->stage_offset = c->scheme_offset;
	if (!p->scheme_started) {
		scann_events_emit(c->ev, "stage",
				  json_pack("{s:s, s:s, s:s}", "stage", c->stage,
					    "state", "start", "scheme",
					    scann_scheme_name(c->spec->scheme)));
		rc = start_scheme(c, p, err);
		if (rc != 0)
			return rc;
	}
	while (p->iteration < c->spec->scann.iterations) {
		c->iteration = p->iteration + 1;
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
	{
		struct scann_summary s;

		scann_summarize(c, p->best, &s);
		scann_events_emit(c->ev, "stage",
				  json_pack("{s:s, s:s, s:o}", "stage", c->stage,
					    "state", "end", "best",
					    scann_summary_json(&s)));
	}
	return 0;
}
