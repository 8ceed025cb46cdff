/*
 * study.h -- DR+SCANN and the study: the jobs that put dimensionality
 * reduction in front of SCANN (DESIGN.md steps 2 and 4).
 *
 * A synthesize job with "dr" set runs the baseline MLP, the DR sweep of the
 * paper's Algorithm 1 (dr_sweep.c: each method and ratio r reduces the d
 * features to ceil(d/r) and trains the baseline with every hidden layer
 * shrunk by r), then the spec's scheme on the features of the sweep's best
 * candidate, starting from its network: DR+SCANN.  Its result is the
 * DR+SCANN network best on validation.
 *
 * A study runs all four: the MLP baseline, DR alone (the sweep), SCANN on
 * the raw features, and DR+SCANN, and reports for each the paper's two
 * picks:
 *   H.A. -- the candidate with the highest validation accuracy (ties: fewer
 *           parameters); its test accuracy is what is reported;
 *   M.C. -- the candidate with the fewest parameters whose test accuracy is
 *           at least the baseline's (ties: higher validation accuracy), or
 *           null.  This is the paper's reporting rule (its Tables VI-VIII):
 *           it reads test accuracies, so it is a summary of what the
 *           candidates reached, not a way to choose a model blind.
 * Every candidate (stage, network summary) is kept in the result so the
 * accuracy-versus-size Pareto front can be drawn.
 *
 * The DR transform is fitted on the training rows only and then applied to
 * every row with scann_dr_transform (training rows included, so a deployed
 * model sees exactly the feature map it was trained on).
 *
 * These jobs do not checkpoint: `--resume` of a stopped DR job starts it
 * again from the beginning and, the run being deterministic, prints the
 * same events with the same seq again.
 */
#ifndef SCANN_STUDY_H
#define SCANN_STUDY_H

#include <jansson.h>

#include "job/error.h"
#include "net.h"
#include "scheme.h"

struct scann_study_out {
	struct scann_net *model;	/* owned: the network to ship */
	json_t *model_dr;		/* owned: its DR transform (NULL: none) */
	struct scann_summary model_sum;
	struct scann_net *baseline;	/* owned: the baseline MLP */
	struct scann_summary baseline_sum;
	json_t *result;			/* owned: the result event's body */
	char *markdown;			/* owned: the study table (studies only) */
};

/*
 * Run c->spec (a study, or a synthesize job with DR) on c->data, the full
 * normalised dataset, emitting events on c->ev.  c->checkpoint is not used.
 * On success *out owns everything it points to (scann_study_out_free);
 * SCANN_ECANCELED when stopped; another SCANN_E* code with err set.
 */
int scann_study_run(struct scann_ctx *c, struct scann_study_out *out,
		    struct scann_error *err);

void scann_study_out_free(struct scann_study_out *out);

#endif
