/*
 * reduce.c -- the DR stage of a synthesis job (DESIGN.md step 2, paper
 * Algorithm 1): the engine's side of scann_dr_sweep.  The sweep (dr_sweep.c)
 * fits each method at each ratio on the training rows; this file scores a
 * fit by training an MLP whose hidden layers are the baseline's divided by
 * the ratio (rounded up, outputs unchanged) on the reduced rows, and keeps
 * the best on validation.  The kept reduction is used only if its validation
 * accuracy is within dr.max_drop of the baseline's; SCANN then runs on the
 * reduced features and schemes B and C start from that reduced MLP.
 *
 * Rows seen in training are the fit's own embedding of the training rows;
 * validation and test rows go through scann_dr_transform, as a deployed
 * model's input will (predict does the same with the model's "dr").  The
 * kept transform is stored as scann_dr_to_json's bit-exact JSON, so what
 * predict applies is what the run measured.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dr.h"
#include "scheme.h"

struct sweep {
	struct scann_ctx *c;
	struct scann_progress *p;
	uint32_t hidden[SCANN_SPEC_MAX_LAYERS], n_layers;
	float *test_full;		/* the test rows, n_test x d */
	uint32_t index;
	/* the best candidate so far (owned) */
	double best_val;
	struct scann_net *best_net;
	float *best_x;
	json_t *best_dr;
	double best_ratio;
	uint32_t best_k;
};

static int score(void *ctx, const struct scann_dr *dr, double ratio,
		 const float *train_y, const float *val_y, double *val_acc,
		 struct scann_error *err)
{
	struct sweep *sw = ctx;
	struct scann_ctx *c = sw->c;
	const struct scann_split *sp = c->split;
	uint32_t k = scann_dr_outputs(dr), hidden[SCANN_SPEC_MAX_LAYERS];
	float *x = calloc((size_t)c->rows * k + 1, sizeof(float));
	float *t = malloc(((size_t)sp->n_test * k + 1) * sizeof(float));
	struct scann_data saved = c->data;
	struct scann_summary s;
	struct scann_net *net = NULL;
	json_t *layers = json_array();
	int rc;

	if (x == NULL || t == NULL) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory in DR");
		goto out;
	}
	/* Reduced rows at their dataset positions, so the split's row lists
	 * index them as they index the full data. */
	for (uint32_t i = 0; i < sp->n_train; i++)
		memcpy(x + (size_t)sp->train[i] * k, train_y + (size_t)i * k,
		       k * sizeof(float));
	for (uint32_t i = 0; i < sp->n_val; i++)
		memcpy(x + (size_t)sp->val[i] * k, val_y + (size_t)i * k,
		       k * sizeof(float));
	rc = scann_dr_transform(dr, sw->test_full, sp->n_test, t, err);
	if (rc != 0)
		goto out;
	for (uint32_t i = 0; i < sp->n_test; i++)
		memcpy(x + (size_t)sp->test[i] * k, t + (size_t)i * k,
		       k * sizeof(float));
	for (uint32_t l = 0; l < sw->n_layers; l++) {
		hidden[l] = (uint32_t)ceil(sw->hidden[l] / ratio);
		if (hidden[l] < 1)
			hidden[l] = 1;
		json_array_append_new(layers, json_integer(hidden[l]));
	}
	net = scann_net_new_mlp(k, hidden, sw->n_layers, c->full.classes,
				SCANN_WIRING_LAYERED, &c->rng);
	if (net == NULL) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory in DR");
		goto out;
	}
	c->data.x = x;
	c->data.features = k;
	c->dr_name = scann_dr_name(scann_dr_method(dr));
	c->dr_ratio = ratio;
	c->stage = "dr";
	c->iteration = ++sw->index;
	rc = scann_train_step(c, net, c->spec->train.epochs, "train", err);
	if (rc != 0)
		goto out;
	scann_summarize(c, net, &s);
	scann_emit_candidate(c, "dr", &s, json_pack("{s:O}", "hidden_layers", layers));
	*val_acc = s.val_acc;
	if (sw->best_net == NULL || s.val_acc > sw->best_val) {
		json_t *j = scann_dr_to_json(dr);

		if (j == NULL) {
			rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory in DR");
			goto out;
		}
		scann_net_free(sw->best_net);
		free(sw->best_x);
		json_decref(sw->best_dr);
		sw->best_net = net;
		sw->best_x = x;
		sw->best_dr = j;
		sw->best_val = s.val_acc;
		sw->best_ratio = ratio;
		sw->best_k = k;
		net = NULL;
		x = NULL;
	}
out:
	c->data = saved;
	scann_net_free(net);
	json_decref(layers);
	free(x);
	free(t);
	return rc;
}

int scann_reduce_run(struct scann_ctx *c, struct scann_progress *p,
		     struct scann_error *err)
{
	const struct scann_dr_spec *ds = &c->spec->dr;
	const struct scann_split *sp = c->split;
	uint32_t d = c->full.features, n_cands = 0, best = 0;
	struct scann_dr_candidate *cands = NULL;
	double ratios[SCANN_SPEC_MAX_RATIOS], base_val;
	float *train = NULL, *val = NULL;
	struct sweep sw;
	int rc;

	memset(&sw, 0, sizeof(sw));
	sw.c = c;
	sw.p = p;
	/* The baseline's layer sizes, from its layer tags. */
	sw.n_layers = p->baseline->n_layers < SCANN_SPEC_MAX_LAYERS ?
		p->baseline->n_layers : SCANN_SPEC_MAX_LAYERS;
	for (uint32_t h = 0; h < p->baseline->n_hidden; h++)
		if (p->baseline->layer[h] >= 1 && p->baseline->layer[h] <= sw.n_layers)
			sw.hidden[p->baseline->layer[h] - 1]++;
	for (uint32_t i = 0; i < ds->n_ratios; i++)
		ratios[i] = ds->ratios[i];
	train = malloc(((size_t)sp->n_train * d + 1) * sizeof(float));
	val = malloc(((size_t)sp->n_val * d + 1) * sizeof(float));
	sw.test_full = malloc(((size_t)sp->n_test * d + 1) * sizeof(float));
	if (!train || !val || !sw.test_full) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory in DR");
		goto out;
	}
	for (uint32_t i = 0; i < sp->n_train; i++)
		memcpy(train + (size_t)i * d, c->full.x + (size_t)sp->train[i] * d,
		       d * sizeof(float));
	for (uint32_t i = 0; i < sp->n_val; i++)
		memcpy(val + (size_t)i * d, c->full.x + (size_t)sp->val[i] * d,
		       d * sizeof(float));
	for (uint32_t i = 0; i < sp->n_test; i++)
		memcpy(sw.test_full + (size_t)i * d, c->full.x + (size_t)sp->test[i] * d,
		       d * sizeof(float));
	base_val = scann_accuracy(p->baseline, &c->full, sp->val, sp->n_val,
				  c->sparse_below);
	scann_events_emit(c->ev, "stage",
			  json_pack("{s:s, s:s}", "stage", "dr", "state", "start"));
	rc = scann_dr_sweep(train, sp->n_train, val, sp->n_val, d, ds->methods,
			    ratios, ds->n_ratios, ds->max_drop, base_val,
			    c->spec->train.seed, NULL, score, &sw, &cands,
			    &n_cands, &best, err);
	if (rc != 0)
		goto out;
	if (sw.best_net && sw.best_val >= base_val - ds->max_drop) {
		struct scann_summary s;

		rc = scann_dr_from_json(sw.best_dr, &p->dr, err);
		if (rc != 0)
			goto out;
		p->dr_ratio = sw.best_ratio;
		p->dr_k = sw.best_k;
		p->dr_x = sw.best_x;
		p->dr_net = sw.best_net;
		sw.best_x = NULL;
		sw.best_net = NULL;
		c->data.x = p->dr_x;
		c->data.features = p->dr_k;
		c->dr_name = scann_dr_name(scann_dr_method(p->dr));
		c->dr_ratio = p->dr_ratio;
		scann_summarize(c, p->dr_net, &s);
		c->data = c->full;
		scann_events_emit(c->ev, "stage",
				  json_pack("{s:s, s:s, s:o}", "stage", "dr", "state",
					    "end", "best", scann_summary_json(&s)));
	} else {
		scann_events_emit(c->ev, "stage",
				  json_pack("{s:s, s:s, s:n, s:s}", "stage", "dr",
					    "state", "end", "best", "message",
					    "no reduction within dr.max_drop of the "
					    "baseline's validation accuracy: SCANN "
					    "uses all features"));
	}
	rc = 0;
out:
	scann_net_free(sw.best_net);
	free(sw.best_x);
	json_decref(sw.best_dr);
	free(sw.test_full);
	free(train);
	free(val);
	free(cands);
	return rc;
}
