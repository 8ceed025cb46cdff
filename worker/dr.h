/*
 * dr.h -- dimensionality reduction for DR+SCANN (DESIGN.md step 2): nine
 * methods that map range-normalised rows of d features to k < d features,
 * each fitted on the training split only and then applied, unchanged, to
 * rows it has never seen (validation, test, a deployed model's input).
 *
 * A tour:
 *
 *	struct scann_dr *dr;
 *	struct scann_error err;
 *	uint32_t k = scann_dr_components(d, 4);		// ratio 4: ceil(d/4)
 *
 *	if (scann_dr_fit(SCANN_DR_PCA, train, n_train, d, k, seed, NULL,
 *			 &dr, train_y, &err) < 0)	// train_y may be NULL
 *		fail(err.field, err.message);
 *	scann_dr_transform(dr, val, n_val, val_y, &err);	// n_val * k floats
 *	json_t *j = scann_dr_to_json(dr);	// goes into the model file
 *	scann_dr_free(dr);
 *	...
 *	scann_dr_from_json(j, &dr, &err);	// the deployed model's copy
 *
 * The methods (enum scann_dr_method, from spec.h):
 *   pca            principal components of the training covariance (LAPACK
 *                  dsyevr on the d x d covariance: n >> d here).
 *   fa             factor analysis, maximum likelihood by EM on the
 *                  covariance (the SVD formulation scikit-learn uses, one
 *                  d x d eigenproblem per iteration); output is the factors'
 *                  posterior mean.
 *   ica            FastICA: PCA whitening to k dimensions, parallel
 *                  (symmetric) fixed point with logcosh, outputs scaled to
 *                  unit variance on the training rows.
 *   isomap         landmark Isomap: kNN graph (10 neighbours) over the
 *                  training rows, geodesics from m landmarks by Dijkstra,
 *                  classical MDS of the landmarks, distance-based
 *                  triangulation for every other row.  New rows reach the
 *                  graph through their nearest "anchors" (training rows whose
 *                  geodesics are kept).  Memory O(n*m), never O(n^2).
 *   spectral       spectral embedding of a Gaussian affinity (bandwidth from
 *                  the 10th-neighbour distance) over m landmarks: normalised
 *                  affinity eigenvectors, Nystrom extension for every row, so
 *                  no row outside the training split influences the fit.
 *   rp-gaussian    x R, R_ij ~ N(0, 1/k).
 *   rp-sign        x R, R_ij = +-1/sqrt(k).
 *   rp-sparse      Achlioptas: sqrt(3/k) * {+1, 0, -1} w.p. 1/6, 2/3, 1/6.
 *   rp-very-sparse Li et al.: density s = 1/sqrt(d), +-1/sqrt(s k).
 *   The two sparse projections are stored sparsely.
 *
 * Inputs are float32, row-major, already range-normalised to [0,1] by the
 * caller (normalize.h); the linear algebra inside is double precision.  A fit
 * is deterministic for a given (method, data, k, seed, options) on one build.
 * A fitted struct scann_dr is immutable: transform never changes it, so one
 * may be shared by threads.
 */
#ifndef SCANN_DR_H
#define SCANN_DR_H

#include <stdint.h>

#include <jansson.h>

#include "job/error.h"
#include "job/spec.h"

struct scann_dr;	/* a fitted transform; opaque */

/*
 * Knobs with defaults.  Zero (or NULL) in any field means "the default",
 * so "struct scann_dr_options o = {0};" or a NULL pointer is the paper's
 * setting.
 */
struct scann_dr_options {
	uint32_t neighbors;	/* isomap graph / spectral bandwidth; 10 */
	uint32_t landmarks;	/* m: isomap min(n, 500), spectral min(n, 1000) */
	uint32_t anchors;	/* isomap: rows kept for new rows; min(n, 2048) */
	uint32_t max_iter;	/* fa 1000, ica 200 */
	double tol;		/* fa 1e-4 (log-likelihood gain per row), ica 1e-4 */
	/*
	 * Called once per iteration of an iterative fit (fa: the
	 * log-likelihood after the iteration; ica: the largest change of an
	 * unmixing direction), for tests and progress events.  May be NULL.
	 */
	void (*trace)(void *ctx, uint32_t iteration, double value);
	void *trace_ctx;
};

/* k = ceil(d / ratio), at least 1: the features a ratio leaves. */
uint32_t scann_dr_components(uint32_t d, double ratio);

/* Method names: scann_dr_method_name() and _from_name() of spec.h. */

/*
 * Can method m reduce rows x d training data to k features?  Refuses (with
 * SCANN_EINVAL) an unknown method (field "dr.method"), k == 0 or k > d
 * (field "dr.k": more components than features), too few rows (field
 * "dr.k": isomap and spectral need k < rows, the others rows >= 2).
 */
int scann_dr_check(int m, uint32_t rows, uint32_t d, uint32_t k,
		   struct scann_error *err);

/*
 * Fit method m on the training rows x (rows x d, borrowed) to k features.
 * opt may be NULL.  On success *out owns a new transform (scann_dr_free);
 * if train_y is not NULL it receives the fit's own embedding of the
 * training rows (rows x k; for isomap the exact graph geodesics, for the
 * others the same as scann_dr_transform of x).  On failure *out is NULL.
 * Memory: O(rows * (d + m)) doubles; never rows^2.
 */
int scann_dr_fit(enum scann_dr_method m, const float *x, uint32_t rows,
		 uint32_t d, uint32_t k, uint64_t seed,
		 const struct scann_dr_options *opt, struct scann_dr **out,
		 float *train_y, struct scann_error *err);

/*
 * Map rows x d floats (borrowed) to rows x k floats in out (caller's).
 * dr is not changed.  Fails only on out-of-memory.
 */
int scann_dr_transform(const struct scann_dr *dr, const float *x,
		       uint32_t rows, float *out, struct scann_error *err);

void scann_dr_free(struct scann_dr *dr);

enum scann_dr_method scann_dr_method(const struct scann_dr *dr);
uint32_t scann_dr_inputs(const struct scann_dr *dr);	/* d */
uint32_t scann_dr_outputs(const struct scann_dr *dr);	/* k */

/*
 * The fitted transform as a new JSON object (caller decrefs), arrays as
 * base64 of little-endian IEEE values so a reload is bit-exact:
 * {"method", "inputs", "outputs", "seed", ...method's arrays}.
 */
json_t *scann_dr_to_json(const struct scann_dr *dr);

/*
 * Rebuild a transform from scann_dr_to_json's object (borrowed).  On
 * success *out owns it; a malformed object is refused naming the key.
 */
int scann_dr_from_json(const json_t *j, struct scann_dr **out,
		       struct scann_error *err);

/*
 * The DR sweep of the paper's Algorithm 1, as a pure function: the caller
 * supplies "train a network on these features and score it on validation"
 * as a callback, so this file needs no engine.
 *
 * For each method bit set in methods (ascending enum order) and each ratio
 * of ratios[] (ascending), k = ceil(d / r): fit on train, transform train
 * and validation, call score().  Stopping rule (documented in dr_sweep.c):
 * a method stops raising r once its validation accuracy falls more than
 * max_drop below its reference, the larger of baseline_acc (pass a
 * negative value when there is none) and the best accuracy the method
 * has reached so far.  The candidate that triggers the stop is still
 * reported.  A score() failure aborts the sweep with its error.
 */
struct scann_dr_candidate {
	enum scann_dr_method method;
	double ratio;
	uint32_t features;	/* k */
	double val_acc;		/* as score() returned it */
	int stopped;		/* 1: this candidate ended its method's sweep */
};

/*
 * score: ctx is the caller's; dr is the fitted transform (borrowed for the
 * call: transform test rows with it if wanted); train_y / val_y are the
 * reduced rows (n_train x k, n_val x k, borrowed).  Returns 0 and sets
 * *val_acc, or a negative SCANN_E* code with err filled.
 */
typedef int (*scann_dr_score_fn)(void *ctx, const struct scann_dr *dr,
				 double ratio, const float *train_y,
				 const float *val_y, double *val_acc,
				 struct scann_error *err);

/*
 * Outputs: *cands (owned by the caller, free()) holds *n_cands candidates
 * in the order run; *best the index of the highest validation accuracy
 * (first on ties).  n_val may be 0 (val NULL).
 */
int scann_dr_sweep(const float *train, uint32_t n_train, const float *val,
		   uint32_t n_val, uint32_t d, uint32_t methods,
		   const double *ratios, uint32_t n_ratios, double max_drop,
		   double baseline_acc, uint64_t seed,
		   const struct scann_dr_options *opt, scann_dr_score_fn score,
		   void *ctx, struct scann_dr_candidate **cands,
		   uint32_t *n_cands, uint32_t *best, struct scann_error *err);

#endif
