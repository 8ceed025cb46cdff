/*
 * dr_sweep.c -- the DR sweep of the paper's Algorithm 1, with the training
 * and scoring of a network left to the caller (a callback), so the sweep
 * is a pure function of its inputs and testable without an engine.
 *
 * For each method, ratios are tried in ascending order; the shrinking of
 * the hidden layers by the same ratio is the callback's business (it gets
 * the ratio).  The stopping rule, which the paper states only as "until
 * the accuracy drops significantly": a method stops raising r once a
 * candidate's validation accuracy is more than max_drop below the
 * method's reference, the larger of
 *   - the unreduced baseline's validation accuracy (when the caller has
 *     one), so a method is not pushed further once it has clearly lost
 *     what the full features give, and
 *   - the best accuracy this method has reached at a smaller r, so a
 *     method that beats the baseline at r = 2 is held to its own level.
 * The candidate that trips the rule is still reported (it has been
 * trained), flagged "stopped"; larger ratios of that method are skipped.
 */
#include "dr_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int scann_dr_sweep(const float *train, uint32_t n_train, const float *val,
		   uint32_t n_val, uint32_t d, uint32_t methods,
		   const double *ratios, uint32_t n_ratios, double max_drop,
		   double baseline_acc, uint64_t seed,
		   const struct scann_dr_options *opt, scann_dr_score_fn score,
		   void *ctx, struct scann_dr_candidate **cands,
		   uint32_t *n_cands, uint32_t *best, struct scann_error *err)
{
	struct scann_dr_candidate *c = NULL;
	float *ty = NULL, *vy = NULL;
	uint32_t nc = 0, cap = 0;
	int rc = 0;

	*cands = NULL;
	*n_cands = 0;
	*best = 0;
	for (uint32_t i = 0; i < n_ratios; i++)
		if (!(ratios[i] >= 1.0) || (i > 0 && !(ratios[i] > ratios[i - 1]))) {
			char field[32];

			snprintf(field, sizeof(field), "dr.ratios[%u]", i);
			return scann_error_set(err, SCANN_EINVAL, field,
					       "ratios must be >= 1 and ascending");
		}
	for (int m = 0; m < SCANN_DR_METHOD_COUNT; m++) {
		double method_best = -INFINITY;

		if (!(methods & (1u << m)))
			continue;
		for (uint32_t i = 0; i < n_ratios; i++) {
			uint32_t k = scann_dr_components(d, ratios[i]);
			struct scann_dr *dr = NULL;
			double acc = 0.0, ref;

			if (nc == cap) {
				struct scann_dr_candidate *g;

				cap = cap ? 2 * cap : 16;
				g = realloc(c, cap * sizeof(*c));
				if (g == NULL)
					goto nomem;
				c = g;
			}
			free(ty);
			free(vy);
			ty = malloc(((size_t)n_train * k + 1) * sizeof(*ty));
			vy = malloc(((size_t)n_val * k + 1) * sizeof(*vy));
			if (ty == NULL || vy == NULL)
				goto nomem;
			rc = scann_dr_fit((enum scann_dr_method)m, train, n_train, d,
					  k, seed, opt, &dr, ty, err);
			if (rc == 0 && n_val > 0)
				rc = scann_dr_transform(dr, val, n_val, vy, err);
			if (rc == 0)
				rc = score(ctx, dr, ratios[i], ty, vy, &acc, err);
			scann_dr_free(dr);
			if (rc < 0)
				goto fail;
			ref = fmax(baseline_acc >= 0 ? baseline_acc : -INFINITY,
				   method_best);
			c[nc].method = (enum scann_dr_method)m;
			c[nc].ratio = ratios[i];
			c[nc].features = k;
			c[nc].val_acc = acc;
			c[nc].stopped = isfinite(ref) && acc < ref - max_drop;
			if (nc == 0 || acc > c[*best].val_acc)
				*best = nc;
			method_best = fmax(method_best, acc);
			if (c[nc++].stopped)
				break;
		}
	}
	free(ty);
	free(vy);
	*cands = c;
	*n_cands = nc;
	return 0;
nomem:
	rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory in the DR sweep");
fail:
	free(ty);
	free(vy);
	free(c);
	*best = 0;
	return rc;
}
