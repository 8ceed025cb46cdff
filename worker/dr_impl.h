/*
 * dr_impl.h -- what the dr_*.c files share and nothing outside them (and
 * their tests) should see: the layout of a fitted struct scann_dr, each
 * method's fit, and the linear-algebra helpers (dr_linalg.c).
 *
 * Every fitted transform is one of three shapes, so transform, free and the
 * JSON codec are written once (dr.c):
 *   linear   y = (x - mean) W                 pca, fa, ica, rp-gaussian, rp-sign
 *   sparse   y = x R, R in CSR by input row   rp-sparse, rp-very-sparse
 *   landmark isomap (anchors + geodesics + MDS triangulation) or spectral
 *            (landmarks + Nystrom coefficients)
 */
#ifndef SCANN_DR_IMPL_H
#define SCANN_DR_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "dr.h"

struct scann_dr {
	enum scann_dr_method method;
	uint32_t d, k;
	uint64_t seed;

	/* linear */
	double *mean;		/* d, or NULL (no centring) */
	double *w;		/* d x k row-major, or NULL */
	double *var;		/* k, pca: variance along each component */
	double *loadings;	/* k x d, fa: the factor loadings W */
	double *psi;		/* d, fa: the noise variances */

	/* sparse: row j of R has entries sp_col/sp_sign[sp_start[j] ..
	 * sp_start[j+1]), each worth sp_sign * sp_scale */
	uint32_t nnz;
	uint32_t *sp_start;	/* d + 1 */
	uint32_t *sp_col;	/* nnz */
	int8_t *sp_sign;	/* nnz */
	double sp_scale;

	/* landmark */
	uint32_t m;		/* landmarks */
	uint32_t n_anchor;	/* isomap: rows [0, m) of anchor are landmarks */
	uint32_t knn;		/* isomap: neighbours a new row links to */
	double *anchor;		/* isomap n_anchor x d; spectral m x d */
	float *geo;		/* isomap n_anchor x m geodesic distances */
	double *coef;		/* m x k */
	double *offset;		/* isomap: m mean squared landmark geodesics */
	double gamma;		/* spectral: affinity exp(-gamma |x - l|^2) */
	double scale;		/* spectral: output scale sqrt(m * mean degree) */
};

/* Allocate a zeroed transform; NULL on out-of-memory. */
struct scann_dr *scann_dr__new(enum scann_dr_method m, uint32_t d, uint32_t k,
			       uint64_t seed);

/*
 * Each method's fit: dr is new (from scann_dr__new, method/d/k/seed set),
 * x is rows x d doubles (borrowed).  Fill dr's arrays (dr owns them: free
 * on failure is scann_dr_free's job).  train_y as in scann_dr_fit; a fit
 * that leaves it alone gets it filled by a transform of the rows.
 * Return 0 or a negative code with err filled.
 */
struct scann_dr_fitargs {
	const double *x;
	const float *xf;	/* the same rows as the caller's floats */
	uint32_t rows;
	const struct scann_dr_options *opt;	/* never NULL here */
	float *train_y;		/* may be NULL */
	int train_y_done;	/* set by a fit that filled train_y */
};

/* Every method's fit, declared from the one list (job/dr_methods.h). */
#define SCANN_DR_FIT_DECL(id, name, fit, reads_rows, landmark) \
	int fit(struct scann_dr *dr, struct scann_dr_fitargs *a, \
		struct scann_error *err);
SCANN_DR_METHODS(SCANN_DR_FIT_DECL)
#undef SCANN_DR_FIT_DECL

/* Landmark methods' transforms (dr_isomap.c, dr_spectral.c). */
int scann_dr__transform_isomap(const struct scann_dr *dr, const float *x,
			       uint32_t rows, float *out,
			       struct scann_error *err);
int scann_dr__transform_spectral(const struct scann_dr *dr, const float *x,
				 uint32_t rows, float *out,
				 struct scann_error *err);

/* ---- dr_linalg.c ---------------------------------------------------- */

/* Column means of x (rows x d) into mean (d). */
void scann_dr__mean(const double *x, uint32_t rows, uint32_t d, double *mean);

/*
 * cov (d x d, full symmetric) = (x - mean)^T (x - mean) / (rows - 1),
 * by blocks of rows through dsyrk: no centred copy of x is made.
 * Returns SCANN_ENOMEM or 0.
 */
int scann_dr__covariance(const double *x, uint32_t rows, uint32_t d,
			 const double *mean, double *cov);

/*
 * The k largest eigenvalues of the symmetric n x n matrix a (destroyed) in
 * descending order into val (k), their eigenvectors as the columns of vec
 * (n x k row-major), each signed so its largest-magnitude entry is
 * positive (deterministic output).  LAPACK dsyevr, or dsyevd when k is a
 * large part of n.  0 or a negative code.
 */
int scann_dr__top_eigen(double *a, uint32_t n, uint32_t k, double *val,
			double *vec, struct scann_error *err);

/* |row|^2 of each row of x (rows x d) into out (rows). */
void scann_dr__rownorm2(const double *x, uint32_t rows, uint32_t d,
			double *out);

/*
 * Squared Euclidean distances between rows of a (na x d) and rows of b
 * (nb x d) into out (na x nb): |a|^2 + |b|^2 - 2 a.b through one dgemm,
 * clamped at 0.  anorm, bnorm are the rows' squared norms.
 */
void scann_dr__sqdist(const double *a, uint32_t na, const double *anorm,
		      const double *b, uint32_t nb, const double *bnorm,
		      uint32_t d, double *out);

/*
 * The q nearest rows of b to each row of a (squared distances ascending,
 * ties by lower index) into idx and dist2 (na x q), by blocks of a so
 * memory is O(block * nb), never na * nb.  skip_self: a and b are the same
 * rows and a row is not its own neighbour.  q <= nb (- 1 with skip_self).
 * 0 or SCANN_ENOMEM.
 */
int scann_dr__knn(const double *a, uint32_t na, const double *b, uint32_t nb,
		  uint32_t d, uint32_t q, int skip_self, uint32_t *idx,
		  double *dist2);

/* Convert rows x d floats to doubles (malloc'd, caller frees); NULL: OOM. */
double *scann_dr__to_double(const float *x, size_t count);

#endif
