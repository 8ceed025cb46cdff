/*
 * exec_dx.c -- the input deltas of a compiled net after its backward pass;
 * see exec_dx.h.  Kept out of exec.c: a net fed by raw features never asks
 * for them, and nothing in exec.c changes for those that do.
 */
#include <cblas.h>
#include <string.h>

#include "exec_dx.h"
#include "par.h"

struct dx_job {
	const struct scann_exec *ex;
	const struct scann_exec_level *L;
	float *dx;
	uint32_t n, ld;
};

/*
 * A CSR level's terms into its input sources, batch columns split (multiples
 * of 8): each dx value gets its terms in (row, nonzero) order whatever the
 * split.
 */
static void sparse_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct dx_job *j = arg;
	const struct scann_exec_level *L = j->L;
	uint32_t B = j->ex->bmax;
	const float *W = j->ex->param + L->w_off;
	const float *dz = j->ex->d + (size_t)L->first * B;
	size_t lo, hi;

	scann_par_range(j->n, 8, part, parts, &lo, &hi);
	for (uint32_t r = 0; r < L->count; r++)
		for (uint32_t k = L->rowptr[r]; k < L->rowptr[r + 1]; k++) {
			uint32_t s = L->col[k];
			float w = W[k], *to;
			const float *from;

			if (s >= j->ex->n_in)
				break;	/* columns ascend: the rest are hidden */
			to = j->dx + (size_t)s * j->ld;
			from = dz + (size_t)r * B;
			for (size_t b = lo; b < hi; b++)
				to[b] += w * from[b];
		}
}

void scann_exec_input_delta(const struct scann_exec *ex, uint32_t n,
			    float *dx, uint32_t ld)
{
	uint32_t B = ex->bmax;

	for (uint32_t i = 0; i < ex->n_in; i++)
		memset(dx + (size_t)i * ld, 0, n * sizeof(float));
	for (uint32_t l = 0; l < ex->n_levels; l++) {
		const struct scann_exec_level *L = &ex->lv[l];
		uint32_t K = L->hi - L->lo;
		uint32_t ihi = L->hi < ex->n_in ? L->hi : ex->n_in;

		if (L->nnz == 0 || L->lo >= ex->n_in || L->count == 0)
			continue;
		if (L->sparse) {
			struct dx_job j = {ex, L, dx, n, ld};

			scann_par_run_sized(sparse_part, &j, L->nnz * n);
			continue;
		}
		/* dx[lo, ihi) += W[:, 0 : ihi-lo]^T dz; dormant slots hold 0 */
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
			    (int)(ihi - L->lo), (int)n, (int)L->count, 1.0f,
			    ex->param + L->w_off, (int)K,
			    ex->d + (size_t)L->first * B, (int)B, 1.0f,
			    dx + (size_t)L->lo * ld, (int)ld);
	}
}
