/*
 * study.c -- DR+SCANN and the study task; see study.h for what runs and
 * how the H.A. and M.C. picks are made.
 */
#include "study.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dr.h"
#include "front.h"

/*
 * Each stage after the baseline draws from its own stream (train.seed plus
 * these), so one stage's settings never change another's random choices:
 * a study's DR+SCANN is the same network as a synthesize job's with the
 * same spec.
 */
enum { STAGE_SEED_SCANN = 1, STAGE_SEED_DR = 2, STAGE_SEED_DRSCANN = 3 };

struct study_cand {
	const char *stage;		/* static: "baseline", "dr", ... */
	struct scann_summary s;
};

struct study {
	struct scann_ctx *c;
	uint32_t rows;			/* of c->data */
	float *train_x;			/* the training rows, for the sweep's fits */
	uint32_t base_hidden[SCANN_SPEC_MAX_LAYERS], base_layers;
	/* Every candidate reported, in order. */
	struct study_cand *cands;
	size_t n_cands, cap;
	/* The sweep's best candidate so far (by validation). */
	struct scann_net *dr_net;
	json_t *dr_json;
	float *dr_x;			/* rows x dr_k, every row transformed */
	uint32_t dr_k;
	double dr_val, dr_ratio;
	uint64_t dr_params;
	const char *dr_method;
	uint32_t sweep_models;		/* methods x ratios, for progress */
	double sweep_lo, sweep_hi;	/* the sweep's share of the job */
	double target_val, floor_val;	/* the job's target (scheme.h) */
};

static int collect(void *ctx, const char *stage, const struct scann_summary *s,
		   const struct scann_net *net)
{
	struct study *st = ctx;

	(void)net;
	if (st->n_cands == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		struct study_cand *grown = realloc(st->cands, cap * sizeof(*grown));

		if (grown == NULL)
			return SCANN_ENOMEM;
		st->cands = grown;
		st->cap = cap;
	}
	/* Stage names are string literals of scheme.c and this file. */
	st->cands[st->n_cands].stage = stage;
	st->cands[st->n_cands++].s = *s;
	return 0;
}

/* Copy rows idx[0..n) of x (rows of d floats) into a new matrix. */
static float *gather(const float *x, uint32_t d, const uint32_t *idx, uint32_t n)
{
	float *out = malloc((size_t)n * d * sizeof(float) + 1);

	if (out != NULL)
		for (uint32_t i = 0; i < n; i++)
			memcpy(out + (size_t)i * d, x + (size_t)idx[i] * d,
			       d * sizeof(float));
	return out;
}

/*
 * Point c at DR features: x holds k per row, made by method at ratio.
 * Returns the data to hand back to leave_dr().
 */
static struct scann_data enter_dr(struct scann_ctx *c, const float *x,
				  uint32_t k, const char *method, double ratio)
{
	struct scann_data saved = c->data;

	c->data.x = x;
	c->data.features = k;
	c->dr_method = method;
	c->dr_ratio = ratio;
	return saved;
}

static void leave_dr(struct scann_ctx *c, struct scann_data saved)
{
	c->data = saved;
	c->dr_method = NULL;
	c->dr_ratio = 0;
}

/* Summary of net, which reads the sweep's best DR features. */
static void summarize_on_best_dr(struct study *st, const struct scann_net *net,
				 struct scann_summary *out)
{
	struct scann_data saved = enter_dr(st->c, st->dr_x, st->dr_k,
					   st->dr_method, st->dr_ratio);

	scann_stage_summarize(st->c, net, out);
	leave_dr(st->c, saved);
}

/* The hidden layer sizes of an MLP-shaped net (its layer tags). */
static void layer_sizes(const struct scann_net *net, uint32_t *sizes,
			uint32_t *n)
{
	*n = 0;
	for (uint32_t h = 0; h < net->n_hidden; h++) {
		uint32_t l = net->layer[h];

		if (l == 0 || l > SCANN_SPEC_MAX_LAYERS)
			continue;
		while (*n < l)
			sizes[(*n)++] = 0;
		sizes[l - 1]++;
	}
}

/*
 * Algorithm 1's "train and score" for one (method, ratio): transform every
 * row (the training rows too, so the network learns the very map it is
 * deployed with: the fit's own train_y is not used), train the baseline
 * shrunk by ratio, keep it if it is the best yet.
 */
static int sweep_score(void *ctx, const struct scann_dr *dr, double ratio,
		       const float *train_y, const float *val_y,
		       double *val_acc, struct scann_error *err)
{
	struct study *st = ctx;
	struct scann_ctx *c = st->c;
	struct scann_data saved;
	uint32_t k = scann_dr_outputs(dr), hidden[SCANN_SPEC_MAX_LAYERS];
	const char *method = scann_dr_method_name(scann_dr_method(dr));
	struct scann_summary sum;
	struct scann_net *net = NULL;
	float *xr;
	int rc;

	(void)train_y;
	(void)val_y;
	xr = malloc((size_t)st->rows * k * sizeof(float) + 1);
	if (xr == NULL)
		return scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
	rc = scann_dr_transform(dr, c->data.x, st->rows, xr, err);
	if (rc != 0) {
		free(xr);
		return rc;
	}
	for (uint32_t i = 0; i < st->base_layers; i++) {
		hidden[i] = (uint32_t)ceil(st->base_hidden[i] / ratio);
		if (hidden[i] == 0)
			hidden[i] = 1;
	}
	saved = enter_dr(c, xr, k, method, ratio);
	scann_stage_set_span(c, st->sweep_lo + (st->sweep_hi - st->sweep_lo) *
		       c->iteration / st->sweep_models,
		       st->sweep_lo + (st->sweep_hi - st->sweep_lo) *
		       (c->iteration + 1) / st->sweep_models);
	c->iteration++;
	rc = scann_stage_train_mlp(c, hidden, st->base_layers, "dr",
			     json_pack("{s:s, s:f, s:I}", "method", method,
				       "ratio", ratio, "features", (json_int_t)k),
			     &net, &sum, err);
	leave_dr(c, saved);
	if (rc != 0) {
		free(xr);
		return rc;
	}
	*val_acc = sum.val_acc;
	if (st->dr_net == NULL || sum.val_acc > st->dr_val ||
	    (sum.val_acc == st->dr_val && sum.cost.params < st->dr_params)) {
		json_t *j = scann_dr_to_json(dr);

		if (j == NULL) {
			scann_net_free(net);
			free(xr);
			return scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
		}
		scann_net_free(st->dr_net);
		json_decref(st->dr_json);
		free(st->dr_x);
		st->dr_net = net;
		st->dr_json = j;
		st->dr_x = xr;
		st->dr_k = k;
		st->dr_val = sum.val_acc;
		st->dr_params = sum.cost.params;
		st->dr_ratio = ratio;
		st->dr_method = method;
	} else {
		scann_net_free(net);
		free(xr);
	}
	return 0;
}

static int run_sweep(struct study *st, const struct scann_summary *base,
		     struct scann_error *err)
{
	struct scann_ctx *c = st->c;
	const struct scann_dr_spec *dr = &c->spec->dr;
	const struct scann_split *sp = c->split;
	struct scann_dr_candidate *cands = NULL;
	uint32_t n_cands = 0, best = 0;
	double ratios[SCANN_SPEC_MAX_RATIOS];
	int rc;

	for (uint32_t i = 0; i < dr->n_ratios; i++)
		ratios[i] = dr->ratios[i];
	st->train_x = gather(c->data.x, c->data.features, sp->train, sp->n_train);
	if (st->train_x == NULL)
		return scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
	c->stage = "dr";
	c->iteration = 0;
	scann_events_emit(c->ev, "stage",
			  json_pack("{s:s, s:s}", "stage", "dr", "state", "start"));
	/*
	 * No validation rows for the sweep to transform: sweep_score maps every
	 * row itself and scores the validation split from that.
	 */
	rc = scann_dr_sweep(st->train_x, sp->n_train, NULL, 0,
			    c->data.features, dr->methods, ratios, dr->n_ratios,
			    dr->max_drop, base->val_acc, c->spec->train.seed, NULL,
			    sweep_score, st, &cands, &n_cands, &best, err);
	free(cands);
	if (rc != 0)
		return rc;
	if (st->dr_net == NULL)
		return scann_error_set(err, SCANN_EINVAL, "dr",
				       "the DR sweep produced no candidate");
	{
		struct scann_summary s;

		summarize_on_best_dr(st, st->dr_net, &s);
		scann_events_emit(c->ev, "stage",
				  json_pack("{s:s, s:s, s:o}", "stage", "dr", "state",
					    "end", "best", scann_stage_summary_json(&s)));
	}
	return 0;
}

/* The scheme on the sweep's best features, from its network. */
static int run_drscann(struct study *st, struct scann_progress *p,
		       struct scann_error *err)
{
	struct scann_ctx *c = st->c;
	struct scann_data saved;
	int rc;

	memset(p, 0, sizeof(*p));
	p->baseline = scann_net_clone(st->dr_net);
	if (p->baseline == NULL)
		return scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
	p->baseline_done = 1;
	saved = enter_dr(c, st->dr_x, st->dr_k, st->dr_method, st->dr_ratio);
	c->scheme_stage = "dr+scann";
	rc = scann_scheme_run(c, p, err);
	c->scheme_stage = NULL;
	leave_dr(c, saved);
	return rc;
}

/* Index of stage's H.A. candidate, or -1. */
static long pick_ha(const struct study *st, const char *stage)
{
	long best = -1;

	for (size_t i = 0; i < st->n_cands; i++) {
		const struct scann_summary *s = &st->cands[i].s;

		if (strcmp(st->cands[i].stage, stage) != 0)
			continue;
		if (best < 0 || s->val_acc > st->cands[best].s.val_acc ||
		    (s->val_acc == st->cands[best].s.val_acc &&
		     s->cost.params < st->cands[best].s.cost.params))
			best = (long)i;
	}
	return best;
}

/* Index of stage's M.C. candidate (see study.h), or -1. */
static long pick_mc(const struct study *st, const char *stage, double base_test)
{
	long best = -1;

	for (size_t i = 0; i < st->n_cands; i++) {
		const struct scann_summary *s = &st->cands[i].s;

		if (strcmp(st->cands[i].stage, stage) != 0 || s->test_acc < base_test)
			continue;
		if (best < 0 || s->cost.params < st->cands[best].s.cost.params ||
		    (s->cost.params == st->cands[best].s.cost.params &&
		     s->val_acc > st->cands[best].s.val_acc))
			best = (long)i;
	}
	return best;
}

/*
 * Index of stage's smallest candidate with validation accuracy at least
 * val (and above the majority class's), ties to the more accurate; or -1.
 */
static long pick_at(const struct study *st, const char *stage, double val)
{
	long best = -1;

	for (size_t i = 0; i < st->n_cands; i++) {
		const struct scann_summary *s = &st->cands[i].s;

		if (strcmp(st->cands[i].stage, stage) != 0 ||
		    s->val_acc < val - 1e-9 || s->val_acc <= st->floor_val)
			continue;
		if (best < 0 || s->cost.params < st->cands[best].s.cost.params ||
		    (s->cost.params == st->cands[best].s.cost.params &&
		     s->val_acc > st->cands[best].s.val_acc))
			best = (long)i;
	}
	return best;
}

static double ratio_of(uint64_t base, uint64_t params)
{
	return (double)base / (double)(params ? params : 1);
}

/* A pick as a network summary with its compression over the baseline. */
static json_t *pick_json(const struct study *st, long i, uint64_t base_params)
{
	json_t *j;

	if (i < 0)
		return json_null();
	j = scann_stage_summary_json(&st->cands[i].s);
	json_object_set_new(j, "compression",
			    json_real(ratio_of(base_params, st->cands[i].s.cost.params)));
	return j;
}

/*
 * When DR+SCANN cannot keep the target (an unsupervised reduction lost what
 * a few features decide, as on dna), compare it with SCANN at the accuracy
 * DR+SCANN does reach: each one's smallest candidate that loses no more
 * than DR+SCANN's most accurate one.  Null when the target was kept.
 */
static json_t *equal_loss_json(const struct study *st,
			       const struct scann_summary *base)
{
	long ha = pick_ha(st, "dr+scann");
	double level;

	if (pick_at(st, "dr+scann", st->target_val) >= 0 || ha < 0)
		return json_null();
	level = st->cands[ha].s.val_acc;
	return json_pack("{s:f, s:o, s:o}", "val_loss", base->val_acc - level,
			 "scann", pick_json(st, pick_at(st, "scann", level),
					    base->cost.params),
			 "dr+scann", pick_json(st, pick_at(st, "dr+scann", level),
					       base->cost.params));
}

/* Append line (n bytes, or a failed snprintf's n < 0) to the report. */
static void md_text(char **md, size_t *len, size_t *cap, const char *line,
		    int n)
{
	if (n < 0)
		return;
	while (*len + (size_t)n + 1 > *cap) {
		size_t grown_cap = *cap ? *cap * 2 : 2048;
		char *grown = realloc(*md, grown_cap);

		if (grown == NULL)
			return;
		*md = grown;
		*cap = grown_cap;
	}
	memcpy(*md + *len, line, (size_t)n + 1);
	*len += (size_t)n;
}

static void md_row(char **md, size_t *len, size_t *cap, const char *what,
		   const char *pick, const struct scann_summary *s,
		   uint64_t base_params)
{
	char line[512];
	int n;

	if (s == NULL)
		n = snprintf(line, sizeof(line),
			     "| %s | %s | (none meets the baseline) | | | | | |\n",
			     what, pick);
	else
		n = snprintf(line, sizeof(line),
			     "| %s | %s | %.2f%% | %llu | %.1fx | %.2f | %u | %u |\n",
			     what, pick, 100.0 * s->test_acc,
			     (unsigned long long)s->cost.params,
			     ratio_of(base_params, s->cost.params), s->cost.energy_nj,
			     s->features, s->cost.hidden);
	md_text(md, len, cap, line, n);
}

static char *study_markdown(const struct study *st, const struct scann_summary *base)
{
	static const char *const stages[] = { "dr", "scann", "dr+scann" };
	static const char *const names[] = { "DR", "SCANN", "DR+SCANN" };
	size_t len = 0, cap = 0;
	char *md = NULL;
	char head[512];

	snprintf(head, sizeof(head),
		 "| method | pick | test accuracy | parameters | compression | "
		 "energy (nJ) | features | hidden |\n"
		 "|---|---|---:|---:|---:|---:|---:|---:|\n");
	md = malloc(strlen(head) + 1);
	if (md == NULL)
		return NULL;
	strcpy(md, head);
	len = strlen(head);
	cap = len + 1;
	md_row(&md, &len, &cap, "MLP", "baseline", base, base->cost.params);
	for (int s = 0; s < 3; s++) {
		long ha = pick_ha(st, stages[s]);
		long mc = pick_mc(st, stages[s], base->test_acc);
		long at = pick_at(st, stages[s], st->target_val);

		md_row(&md, &len, &cap, names[s], "H.A.",
		       ha >= 0 ? &st->cands[ha].s : NULL, base->cost.params);
		md_row(&md, &len, &cap, names[s], "M.C.",
		       mc >= 0 ? &st->cands[mc].s : NULL, base->cost.params);
		md_row(&md, &len, &cap, names[s], "M.C. at target",
		       at >= 0 ? &st->cands[at].s : NULL, base->cost.params);
	}
	{
		long at = pick_at(st, "dr+scann", st->target_val);
		char line[512];
		int n = snprintf(line, sizeof(line),
				 "\nTarget: validation accuracy at least %.2f%% "
				 "(the baseline's %.2f%% less the job's tolerance), "
				 "above the majority class's %.2f%%.  DR+SCANN %s.\n",
				 100.0 * st->target_val, 100.0 * base->val_acc,
				 100.0 * st->floor_val, at >= 0 ? "meets it" :
				 "**does not meet it**: its M.C. at target is empty "
				 "and the network shipped is its most accurate");

		md_text(&md, &len, &cap, line, n);
	}
	return md;
}

void scann_study_out_free(struct scann_study_out *out)
{
	scann_net_free(out->model);
	scann_net_free(out->baseline);
	json_decref(out->model_dr);
	json_decref(out->result);
	free(out->markdown);
	memset(out, 0, sizeof(*out));
}

int scann_study_run(struct scann_ctx *c, struct scann_study_out *out,
		    struct scann_error *err)
{
	struct study st = { .c = c, .rows = 0 };
	struct scann_progress base = { 0 }, plain = { 0 }, drs = { 0 };
	struct scann_summary bs, ms;
	json_t *target = NULL;
	int study = c->spec->task == SCANN_TASK_STUDY;
	uint64_t bp;
	int rc;

	memset(out, 0, sizeof(*out));
	st.rows = c->split->n_train + c->split->n_val + c->split->n_test;
	/*
	 * Shares of the progress: the baseline, SCANN (studies), the sweep
	 * (every method at every ratio; a method stopped early makes progress
	 * jump), then DR+SCANN, which searches longest.
	 */
	{
		const struct scann_job_spec *spec = c->spec;
		uint32_t methods = 0;

		for (int m = 0; m < SCANN_DR_METHOD_COUNT; m++)
			methods += (spec->dr.methods >> m) & 1;
		st.sweep_models = methods * spec->dr.n_ratios;
		st.sweep_lo = study ? 0.45 : 0.2;
		st.sweep_hi = study ? 0.6 : 0.4;
	}
	c->baseline_share = 0.0;
	c->checkpoint = NULL;
	c->on_candidate = collect;
	c->candidate_ctx = &st;

	scann_stage_set_span(c, 0.0, study ? 0.15 : 0.2);
	rc = scann_scheme_baseline(c, &base, err);
	if (rc != 0)
		goto out;
	scann_stage_summarize(c, base.baseline, &bs);
	bp = bs.cost.params;
	/* Every search keeps the job baseline's accuracy, DR+SCANN's too. */
	if (scann_stage_set_target(c, &base, bs.val_acc) != 0) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
		goto out;
	}
	st.target_val = base.target_job;
	st.floor_val = base.floor_val;
	c->target_base = bs.val_acc;
	c->target_right = base.val_right;
	layer_sizes(base.baseline, st.base_hidden, &st.base_layers);

	if (study) {
		scann_rng_seed(&c->rng, c->spec->train.seed + STAGE_SEED_SCANN);
		plain.baseline = scann_net_clone(base.baseline);
		if (plain.baseline == NULL) {
			rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
			goto out;
		}
		plain.baseline_done = 1;
		scann_stage_set_span(c, 0.15, 0.45);
		rc = scann_scheme_run(c, &plain, err);
		if (rc != 0)
			goto out;
	}
	scann_rng_seed(&c->rng, c->spec->train.seed + STAGE_SEED_DR);
	rc = run_sweep(&st, &bs, err);
	if (rc == 0) {
		scann_rng_seed(&c->rng, c->spec->train.seed + STAGE_SEED_DRSCANN);
		scann_stage_set_span(c, st.sweep_hi, 1.0);
		rc = run_drscann(&st, &drs, err);
	}
	if (rc != 0)
		goto out;

	/* The network to ship: DR+SCANN's search result. */
	target = scann_stage_target_json(c, &drs);
	if (drs.best == NULL) {
		drs.best = drs.top;
		drs.top = NULL;
	}
	summarize_on_best_dr(&st, drs.best, &ms);
	out->model = drs.best;
	drs.best = NULL;
	out->model_dr = st.dr_json;
	st.dr_json = NULL;
	out->model_sum = ms;
	out->baseline = base.baseline;
	base.baseline = NULL;
	out->baseline_sum = bs;

	if (!study) {
		out->result = json_pack("{s:o, s:o, s:f, s:s, s:{s:s, s:f, s:I}}",
					"baseline", scann_stage_summary_json(&bs),
					"best", scann_stage_summary_json(&ms),
					"compression", ratio_of(bp, ms.cost.params),
					"scheme", scann_scheme_name(c->spec->scheme),
					"dr", "method", st.dr_method, "ratio",
					st.dr_ratio, "features", (json_int_t)st.dr_k);
		json_object_update(out->result, target);
	} else {
		json_t *cands = json_array();

		for (size_t i = 0; i < st.n_cands; i++) {
			json_t *j = scann_stage_summary_json(&st.cands[i].s);

			json_object_set_new(j, "stage", json_string(st.cands[i].stage));
			json_array_append_new(cands, j);
		}
		json_t *front, *methods = json_object();
		static const char *const stages[] = { "dr", "scann", "dr+scann" };

		for (int k = 0; k < 3; k++)
			json_object_set_new(methods, stages[k], json_pack(
				"{s:o, s:o, s:o}",
				"ha", pick_json(&st, pick_ha(&st, stages[k]), bp),
				"mc", pick_json(&st, pick_mc(&st, stages[k], bs.test_acc), bp),
				"mc_target", pick_json(&st, pick_at(&st, stages[k],
								    st.target_val), bp)));
		front = scann_front(cands);
		out->result = json_pack("{s:o, s:o, s:o, s:s}",
			"baseline", scann_stage_summary_json(&bs),
			"best", scann_stage_summary_json(&ms),
			"candidates", cands,
			"scheme", scann_scheme_name(c->spec->scheme));
		json_object_update(out->result, methods);
		json_decref(methods);
		json_object_update(out->result, target);
		json_object_set_new(out->result, "pareto", front ? front : json_array());
		json_object_set_new(out->result, "equal_loss",
				    equal_loss_json(&st, &bs));
		out->markdown = study_markdown(&st, &bs);
	}
	if (out->result == NULL || (study && out->markdown == NULL)) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
		goto out;
	}
out:
	if (rc != 0)
		scann_study_out_free(out);
	scann_stage_progress_free(&base);
	scann_stage_progress_free(&plain);
	scann_stage_progress_free(&drs);
	scann_net_free(st.dr_net);
	json_decref(st.dr_json);
	free(st.dr_x);
	free(st.train_x);
	free(st.cands);
	json_decref(target);
	c->on_candidate = NULL;
	c->target_base = 0.0;
	c->target_right = NULL;
	return rc;
}
