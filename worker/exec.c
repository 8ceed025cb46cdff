/*
 * exec.c -- the compiled executor of a scann_net: compiling the master form
 * into levels (exec.h has the layout), loading a batch, the forward pass,
 * softmax cross-entropy and the backward pass, with one GEMM per dense level
 * and CSR kernels for sparse ones, and storing the weights back.
 *
 * Not here: the network's structure (net.c) and what is done with the
 * gradients (train.c, grow.c).
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "cnn.h"
#include "exec.h"
#include "par.h"

/*
 * The sparse kernels are plain loops over a contiguous batch row; build them
 * for AVX2+FMA as well as the baseline ISA so the default (portable) build
 * still gets the wide units where the machine has them.
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
	!defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define SCANN_KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define SCANN_KERNEL
#endif

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SCANN_LOAD_AVX 1
#endif

/* calloc that never asks for zero bytes (a level may be empty). */
static void *xcalloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

void scann_exec_free(struct scann_exec *ex)
{
	if (ex->lv)
		for (uint32_t l = 0; l < ex->n_levels; l++) {
			free(ex->lv[l].mask);
			free(ex->lv[l].rowptr);
			free(ex->lv[l].col);
			free(ex->lv[l].t_ptr);
			free(ex->lv[l].t_row);
			free(ex->lv[l].t_at);
			free(ex->lv[l].t_w);
		}
	free(ex->lv);
	free(ex->pos);
	free(ex->neuron);
	free(ex->param);
	free(ex->grad);
	free(ex->a);
	free(ex->d);
	free(ex->prob);
	if (ex->cnn) {
		scann_cnn_free(ex->cnn);
		free(ex->cnn);
	}
	memset(ex, 0, sizeof(*ex));
}

/* Target index (row of the master matrix) of the neuron at position p. */
static uint32_t target_at(const struct scann_exec *ex, uint32_t p)
{
	/* hidden h is source n_in + h, output o is n_in + n_hidden + o */
	return ex->neuron[p] - ex->n_in;
}

/*
 * The CSC form of a sparse level's nonzeros from hidden sources (see
 * exec.h).  Rows are walked in order, so each source's list is in row order:
 * the order in which the row-wise loop used to add into the source.
 */
static int transpose_csr(struct scann_exec_level *L, uint32_t n_in)
{
	uint32_t lo = L->lo > n_in ? L->lo : n_in, ns = L->hi - lo;
	size_t kept = 0;

	L->t_lo = lo;
	L->t_ptr = xcalloc((size_t)ns + 1, sizeof(uint32_t));
	if (L->t_ptr == NULL)
		return SCANN_ENOMEM;
	for (size_t k = 0; k < L->nnz; k++)
		if (L->col[k] >= lo) {
			L->t_ptr[L->col[k] - lo + 1]++;
			kept++;
		}
	for (uint32_t s = 0; s < ns; s++)
		L->t_ptr[s + 1] += L->t_ptr[s];
	L->t_row = xcalloc(kept, sizeof(uint32_t));
	L->t_at = xcalloc(kept, sizeof(uint32_t));
	L->t_w = xcalloc(kept, sizeof(float));
	if (L->t_row == NULL || L->t_at == NULL || L->t_w == NULL)
		return SCANN_ENOMEM;
	for (uint32_t j = 0; j < L->count; j++)
		for (uint32_t k = L->rowptr[j]; k < L->rowptr[j + 1]; k++) {
			uint32_t s = L->col[k];

			if (s < lo)
				continue;
			/* t_ptr[s - lo] is the next free slot; restored below */
			L->t_row[L->t_ptr[s - lo]] = j;
			L->t_at[L->t_ptr[s - lo]++] = k;
		}
	for (uint32_t s = ns; s > 0; s--)
		L->t_ptr[s] = L->t_ptr[s - 1];
	L->t_ptr[0] = 0;
	return 0;
}

int scann_exec_init(struct scann_exec *ex, const struct scann_net *net,
		    uint32_t bmax, double sparse_below)
{
	uint32_t H = net->n_hidden, maxlev = net->depth, *count = NULL;
	uint32_t cols = scann_net_cols(net);
	size_t off = 0;
	int rc = SCANN_ENOMEM;

	memset(ex, 0, sizeof(*ex));
	ex->n_in = net->n_in;
	ex->n_hidden = H;
	ex->n_out = net->n_out;
	ex->n_pos = net->n_in + H + net->n_out;
	/* Round the batch stride up so every row starts 32-byte aligned. */
	ex->bmax = (bmax + 7) & ~7u;
	ex->pos = xcalloc(ex->n_pos, sizeof(uint32_t));
	ex->neuron = xcalloc(ex->n_pos, sizeof(uint32_t));
	count = xcalloc(maxlev + 2, sizeof(uint32_t));
	ex->n_levels = maxlev + 1;
	ex->lv = xcalloc(ex->n_levels, sizeof(struct scann_exec_level));
	if (!ex->pos || !ex->neuron || !count || !ex->lv)
		goto out;

	/* Positions: inputs, hidden by (level, index), outputs. */
	for (uint32_t i = 0; i < net->n_in; i++)
		ex->pos[i] = ex->neuron[i] = i;
	for (uint32_t h = 0; h < H; h++)
		count[net->level[h]]++;
	{
		uint32_t p = net->n_in;

		for (uint32_t l = 1; l <= maxlev; l++) {
			ex->lv[l - 1].first = p;
			ex->lv[l - 1].count = count[l];
			p += count[l];
			count[l] = ex->lv[l - 1].first;	/* next free slot */
		}
		for (uint32_t h = 0; h < H; h++) {
			uint32_t q = count[net->level[h]]++;

			ex->pos[net->n_in + h] = q;
			ex->neuron[q] = net->n_in + h;
		}
		ex->lv[maxlev].first = p;
		ex->lv[maxlev].count = net->n_out;
		for (uint32_t o = 0; o < net->n_out; o++) {
			ex->pos[p + o] = p + o;
			ex->neuron[p + o] = p + o;
		}
	}

	/* Each level's source range and storage. */
	for (uint32_t l = 0; l < ex->n_levels; l++) {
		struct scann_exec_level *L = &ex->lv[l];
		uint32_t lo = UINT32_MAX, hi = 0;
		size_t nnz = 0;

		for (uint32_t j = 0; j < L->count; j++) {
			const uint8_t *m = net->mask +
				(size_t)target_at(ex, L->first + j) * cols;

			for (uint32_t s = 0; s < cols; s++)
				if (m[s]) {
					uint32_t p = ex->pos[s];

					nnz++;
					if (p < lo)
						lo = p;
					if (p + 1 > hi)
						hi = p + 1;
				}
		}
		if (nnz == 0)
			lo = hi = 0;
		L->lo = lo;
		L->hi = hi;
		L->nnz = nnz;
		L->sparse = nnz > 0 &&
			(double)nnz < sparse_below * L->count * (double)(hi - lo);
		L->w_off = off;
		off += L->sparse ? nnz : (size_t)L->count * (hi - lo);
		L->b_off = off;
		off += L->count;
	}
	ex->n_param = off;
	ex->param = xcalloc(off, sizeof(float));
	ex->grad = xcalloc(off, sizeof(float));
	ex->a = xcalloc((size_t)ex->n_pos * ex->bmax, sizeof(float));
	ex->d = xcalloc((size_t)ex->n_pos * ex->bmax, sizeof(float));
	ex->prob = xcalloc(net->n_out, sizeof(float));
	if (!ex->param || !ex->grad || !ex->a || !ex->d || !ex->prob)
		goto out;

	/* Gather the weights into the compiled layout. */
	for (uint32_t l = 0; l < ex->n_levels; l++) {
		struct scann_exec_level *L = &ex->lv[l];
		uint32_t K = L->hi - L->lo;
		float *W = ex->param + L->w_off;

		if (L->sparse) {
			L->rowptr = xcalloc(L->count + 1, sizeof(uint32_t));
			L->col = xcalloc(L->nnz, sizeof(uint32_t));
			if (!L->rowptr || !L->col)
				goto out;
		} else if (L->nnz < (size_t)L->count * K) {
			L->mask = xcalloc((size_t)L->count * K, 1);
			if (L->mask == NULL)
				goto out;
		}
		for (uint32_t j = 0, k = 0; j < L->count; j++) {
			uint32_t t = target_at(ex, L->first + j);
			const float *wr = net->w + (size_t)t * cols;
			const uint8_t *mr = net->mask + (size_t)t * cols;

			ex->param[L->b_off + j] = net->bias[t];
			if (L->sparse)
				L->rowptr[j] = k;
			/* Walk positions in order so CSR columns ascend. */
			for (uint32_t p = L->lo; p < L->hi; p++) {
				uint32_t s = ex->neuron[p];

				if (!mr[s])
					continue;
				if (L->sparse) {
					L->col[k] = p;
					W[k++] = wr[s];
				} else {
					W[(size_t)j * K + (p - L->lo)] = wr[s];
					if (L->mask)
						L->mask[(size_t)j * K + (p - L->lo)] = 1;
				}
			}
			if (L->sparse)
				L->rowptr[j + 1] = k;
		}
		if (L->sparse && L->hi > ex->n_in && transpose_csr(L, ex->n_in) != 0)
			goto out;
	}
	if (net->front) {
		struct scann_error err;

		ex->cnn = calloc(1, sizeof(*ex->cnn));
		if (ex->cnn == NULL)
			goto out;
		if (scann_cnn_from_params(ex->cnn, net->front, ex->bmax, &err) != 0) {
			free(ex->cnn);
			ex->cnn = NULL;
			goto out;
		}
	}
	rc = 0;
out:
	free(count);
	if (rc != 0)
		scann_exec_free(ex);
	return rc;
}

void scann_exec_store(const struct scann_exec *ex, struct scann_net *net)
{
	uint32_t cols = scann_net_cols(net);

	if (ex->cnn && net->front)
		memcpy(net->front->param, ex->cnn->param,
		       net->front->n_param * sizeof(float));
	for (uint32_t l = 0; l < ex->n_levels; l++) {
		const struct scann_exec_level *L = &ex->lv[l];
		uint32_t K = L->hi - L->lo;
		const float *W = ex->param + L->w_off;

		for (uint32_t j = 0; j < L->count; j++) {
			uint32_t t = target_at(ex, L->first + j);
			float *wr = net->w + (size_t)t * cols;

			net->bias[t] = ex->param[L->b_off + j];
			if (L->sparse) {
				for (uint32_t k = L->rowptr[j]; k < L->rowptr[j + 1]; k++)
					wr[ex->neuron[L->col[k]]] = W[k];
			} else {
				const uint8_t *mr = net->mask + (size_t)t * cols;

				for (uint32_t p = L->lo; p < L->hi; p++)
					if (mr[ex->neuron[p]])
						wr[ex->neuron[p]] =
							W[(size_t)j * K + (p - L->lo)];
			}
		}
	}
}

/*
 * Rows [lo, hi) of a compressed (CSR or CSC) block of rows rows with row
 * pointers ptr, part p of parts, cut so that each part has about the same
 * number of nonzeros (rows differ a lot).
 */
static void ptr_part(const uint32_t *ptr, uint32_t rows, uint32_t part,
		     uint32_t parts, uint32_t *lo, uint32_t *hi)
{
	uint32_t cut[2];

	for (int e = 0; e < 2; e++) {
		size_t want = (size_t)ptr[rows] * (part + (uint32_t)e) / parts;
		uint32_t a = 0, b = rows;

		/* first row r with ptr[r] >= want */
		while (a < b) {
			uint32_t m = a + (b - a) / 2;

			if (ptr[m] < want)
				a = m + 1;
			else
				b = m;
		}
		cut[e] = a;
	}
	*lo = part == 0 ? 0 : cut[0];
	*hi = part + 1 == parts ? rows : cut[1];
}

struct load_job {
	struct scann_exec *ex;
	const float *x;
	const uint32_t *idx;
	uint32_t n;
};

/*
 * Rows r[0..8) of d features into eight columns of the neuron-major buffer
 * (stride B): a transpose.  Eight rows at a time so each write fills 32
 * contiguous bytes instead of touching a new cache line per value.
 */
static void transpose8_scalar(float *to, const float *const r[8], uint32_t f0,
			      uint32_t d, uint32_t B)
{
	for (uint32_t f = f0; f < d; f++)
		for (int k = 0; k < 8; k++)
			to[(size_t)f * B + k] = r[k][f];
}

#ifdef SCANN_LOAD_AVX
/*
 * The same with 8 x 8 register transposes: eight 32-byte loads, eight
 * 32-byte stores per block, where the scalar loop's scattered single
 * floats made the gather cost as much as a sparse epoch's arithmetic.
 */
__attribute__((target("avx")))
static void transpose8_avx(float *to, const float *const r[8], uint32_t d,
			   uint32_t B)
{
	uint32_t f = 0;

	for (; f + 8 <= d; f += 8) {
		__m256 a0 = _mm256_loadu_ps(r[0] + f), a1 = _mm256_loadu_ps(r[1] + f);
		__m256 a2 = _mm256_loadu_ps(r[2] + f), a3 = _mm256_loadu_ps(r[3] + f);
		__m256 a4 = _mm256_loadu_ps(r[4] + f), a5 = _mm256_loadu_ps(r[5] + f);
		__m256 a6 = _mm256_loadu_ps(r[6] + f), a7 = _mm256_loadu_ps(r[7] + f);
		__m256 t0 = _mm256_unpacklo_ps(a0, a1), t1 = _mm256_unpackhi_ps(a0, a1);
		__m256 t2 = _mm256_unpacklo_ps(a2, a3), t3 = _mm256_unpackhi_ps(a2, a3);
		__m256 t4 = _mm256_unpacklo_ps(a4, a5), t5 = _mm256_unpackhi_ps(a4, a5);
		__m256 t6 = _mm256_unpacklo_ps(a6, a7), t7 = _mm256_unpackhi_ps(a6, a7);
		__m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
		__m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
		__m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
		__m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
		float *o = to + (size_t)f * B;

		_mm256_storeu_ps(o, _mm256_permute2f128_ps(u0, u4, 0x20));
		_mm256_storeu_ps(o + B, _mm256_permute2f128_ps(u1, u5, 0x20));
		_mm256_storeu_ps(o + 2 * (size_t)B, _mm256_permute2f128_ps(u2, u6, 0x20));
		_mm256_storeu_ps(o + 3 * (size_t)B, _mm256_permute2f128_ps(u3, u7, 0x20));
		_mm256_storeu_ps(o + 4 * (size_t)B, _mm256_permute2f128_ps(u0, u4, 0x31));
		_mm256_storeu_ps(o + 5 * (size_t)B, _mm256_permute2f128_ps(u1, u5, 0x31));
		_mm256_storeu_ps(o + 6 * (size_t)B, _mm256_permute2f128_ps(u2, u6, 0x31));
		_mm256_storeu_ps(o + 7 * (size_t)B, _mm256_permute2f128_ps(u3, u7, 0x31));
	}
	transpose8_scalar(to, r, f, d, B);
}
#endif

static void load_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct load_job *j = arg;
	uint32_t d = j->ex->n_in, B = j->ex->bmax;
	float *a = j->ex->a;
	size_t lo, hi, i;
#ifdef SCANN_LOAD_AVX
	int avx = __builtin_cpu_supports("avx");
#endif

	scann_par_range(j->n, 8, part, parts, &lo, &hi);
	for (i = lo; i + 8 <= hi; i += 8) {
		const float *r[8];

		for (int k = 0; k < 8; k++)
			r[k] = j->x + (size_t)j->idx[i + k] * d;
#ifdef SCANN_LOAD_AVX
		if (avx) {
			transpose8_avx(a + i, r, d, B);
			continue;
		}
#endif
		transpose8_scalar(a + i, r, 0, d, B);
	}
	for (; i < hi; i++) {
		const float *row = j->x + (size_t)j->idx[i] * d;

		for (uint32_t f = 0; f < d; f++)
			a[(size_t)f * B + i] = row[f];
	}
}

void scann_exec_load(struct scann_exec *ex, const float *x,
		     const uint32_t *idx, uint32_t n)
{
	struct load_job j = {ex, x, idx, n};

	assert(n <= ex->bmax);
	if (ex->cnn) {
		scann_cnn_load(ex->cnn, x, idx, n);
		scann_cnn_forward(ex->cnn, n, ex->a, ex->bmax);
		return;
	}
	scann_par_run_sized(load_part, &j, (size_t)n * ex->n_in);
}

/*
 * Eight floats at a time with the compiler's vector extension: portable
 * (GCC, clang), no intrinsics, and the kernels below stay readable.
 * memcpy makes the loads and stores alignment-free.
 */
typedef float v8f __attribute__((vector_size(32)));

/* These helpers are static and inlined, so the vector ABI GCC warns about
 * (passing AVX-sized values without AVX) never crosses a call boundary. */
#if defined(__GNUC__)	/* GCC and clang */
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

static inline __attribute__((always_inline)) v8f ld8(const float *p)
{
	v8f v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline __attribute__((always_inline)) void st8(float *p, v8f v)
{
	memcpy(p, &v, sizeof(v));
}

#define PF_AHEAD 6	/* nonzeros ahead whose source rows are prefetched */

/*
 * z[0..n) += sum_k w[k] * a[col[k]][0..n): one sparse row, forward.  The
 * batch is walked in blocks of 32 held in registers across all k, so each
 * nonzero costs one load of the source row per 8 lanes.
 */
SCANN_KERNEL
static void sparse_row_forward(float *restrict z, const float *restrict w,
			       const uint32_t *restrict col, uint32_t cnt,
			       const float *restrict a, uint32_t B, uint32_t n)
{
	uint32_t b = 0;

	/* 64 wide: half the passes over (w, col) of 32 wide, eight
	 * accumulators still leave registers for the loads */
	for (; b + 64 <= n; b += 64) {
		v8f z0 = ld8(z + b), z1 = ld8(z + b + 8);
		v8f z2 = ld8(z + b + 16), z3 = ld8(z + b + 24);
		v8f z4 = ld8(z + b + 32), z5 = ld8(z + b + 40);
		v8f z6 = ld8(z + b + 48), z7 = ld8(z + b + 56);

		for (uint32_t k = 0; k < cnt; k++) {
			const float *s = a + (size_t)col[k] * B + b;
			float wk = w[k];

			if (k + PF_AHEAD < cnt) {
				const float *p = a + (size_t)col[k + PF_AHEAD] * B + b;

				__builtin_prefetch(p);
				__builtin_prefetch(p + 16);
				__builtin_prefetch(p + 32);
				__builtin_prefetch(p + 48);
			}
			z0 += wk * ld8(s);
			z1 += wk * ld8(s + 8);
			z2 += wk * ld8(s + 16);
			z3 += wk * ld8(s + 24);
			z4 += wk * ld8(s + 32);
			z5 += wk * ld8(s + 40);
			z6 += wk * ld8(s + 48);
			z7 += wk * ld8(s + 56);
		}
		st8(z + b, z0);
		st8(z + b + 8, z1);
		st8(z + b + 16, z2);
		st8(z + b + 24, z3);
		st8(z + b + 32, z4);
		st8(z + b + 40, z5);
		st8(z + b + 48, z6);
		st8(z + b + 56, z7);
	}
	for (; b + 32 <= n; b += 32) {
		v8f z0 = ld8(z + b), z1 = ld8(z + b + 8);
		v8f z2 = ld8(z + b + 16), z3 = ld8(z + b + 24);

		for (uint32_t k = 0; k < cnt; k++) {
			const float *s = a + (size_t)col[k] * B + b;
			float wk = w[k];

			z0 += wk * ld8(s);
			z1 += wk * ld8(s + 8);
			z2 += wk * ld8(s + 16);
			z3 += wk * ld8(s + 24);
		}
		st8(z + b, z0);
		st8(z + b + 8, z1);
		st8(z + b + 16, z2);
		st8(z + b + 24, z3);
	}
	for (; b + 8 <= n; b += 8) {
		v8f z0 = ld8(z + b);

		for (uint32_t k = 0; k < cnt; k++)
			z0 += w[k] * ld8(a + (size_t)col[k] * B + b);
		st8(z + b, z0);
	}
	for (; b < n; b++) {
		float acc = z[b];

		for (uint32_t k = 0; k < cnt; k++)
			acc += w[k] * a[(size_t)col[k] * B + b];
		z[b] = acc;
	}
}

/* A dot product of n values as the kernels sum it: 8 lanes, then the lanes
 * in order, then the tail. */
static inline __attribute__((always_inline)) float
dot_lanes(v8f acc, const float *dz, const float *s, uint32_t n8, uint32_t n)
{
	float sum = 0.0f;

	for (int i = 0; i < 8; i++)
		sum += acc[i];
	for (uint32_t b = n8; b < n; b++)
		sum += dz[b] * s[b];
	return sum;
}

/*
 * One sparse row, backward, the weights' part: g[k] = dz . a[col[k]].  Four
 * nonzeros at a time share each load of dz, which otherwise doubles the
 * loads per multiply-add; each g[k] is still summed in the same order.
 */
SCANN_KERNEL
static void sparse_row_grad(const float *restrict dz, float *restrict g,
			    const uint32_t *restrict col, uint32_t cnt,
			    const float *restrict a, uint32_t B, uint32_t n)
{
	uint32_t n8 = n & ~7u, k = 0;

	for (; k + 4 <= cnt; k += 4) {
		const float *s0 = a + (size_t)col[k] * B;
		const float *s1 = a + (size_t)col[k + 1] * B;
		const float *s2 = a + (size_t)col[k + 2] * B;
		const float *s3 = a + (size_t)col[k + 3] * B;
		v8f c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0};

		for (uint32_t b = 0; b < n8; b += 8) {
			v8f d = ld8(dz + b);

			c0 += d * ld8(s0 + b);
			c1 += d * ld8(s1 + b);
			c2 += d * ld8(s2 + b);
			c3 += d * ld8(s3 + b);
		}
		g[k] = dot_lanes(c0, dz, s0, n8, n);
		g[k + 1] = dot_lanes(c1, dz, s1, n8, n);
		g[k + 2] = dot_lanes(c2, dz, s2, n8, n);
		g[k + 3] = dot_lanes(c3, dz, s3, n8, n);
	}
	for (; k < cnt; k++) {
		const float *s = a + (size_t)col[k] * B;
		v8f acc = {0};

		for (uint32_t b = 0; b < n8; b += 8)
			acc += ld8(dz + b) * ld8(s + b);
		g[k] = dot_lanes(acc, dz, s, n8, n);
	}
}

typedef int32_t v8i __attribute__((vector_size(32)));

/*
 * The per-neuron passes of a level (bias, ReLU, ReLU', bias gradient) over
 * count rows of stride B.  Branch-free and eight lanes wide: on real data
 * the sign of z is a coin toss, and a branch per value costs more than the
 * sparse kernels themselves.  Elementwise passes run over the padded width
 * n8 = round_up(n, 8) <= B; padding columns hold finite leftovers that no
 * result reads.
 */
SCANN_KERNEL
static void rows_fill_bias(float *restrict z, const float *restrict bias,
			   uint32_t count, uint32_t B, uint32_t n8)
{
	for (uint32_t j = 0; j < count; j++) {
		v8f b8 = bias[j] + (v8f){0};

		for (uint32_t b = 0; b < n8; b += 8)
			st8(z + (size_t)j * B + b, b8);
	}
}

/*
 * z = max(z + bias, 0) (relu) or z + bias, after a beta = 0 GEMM; exactly
 * n columns (not padded: adding is not idempotent).
 */
SCANN_KERNEL
static void rows_bias_relu(float *restrict z, const float *restrict bias,
			   int relu, uint32_t count, uint32_t B, uint32_t n)
{
	uint32_t n8 = n & ~7u;

	for (uint32_t j = 0; j < count; j++) {
		float *r = z + (size_t)j * B;
		v8f b8 = bias[j] + (v8f){0};

		for (uint32_t b = 0; b < n8; b += 8) {
			v8f v = ld8(r + b) + b8;

			if (relu)
				v = (v8f)((v8i)v & (v > (v8f){0}));
			st8(r + b, v);
		}
		for (uint32_t b = n8; b < n; b++) {
			float v = r[b] + bias[j];

			r[b] = relu && !(v > 0.0f) ? 0.0f : v;
		}
	}
}

SCANN_KERNEL
static void rows_relu(float *restrict z, uint32_t count, uint32_t B,
		      uint32_t n8)
{
	for (size_t i = 0; i < (size_t)count * B; i += B)
		for (uint32_t b = 0; b < n8; b += 8) {
			v8f v = ld8(z + i + b);

			st8(z + i + b, (v8f)((v8i)v & (v > (v8f){0})));
		}
}

/* dz = dz where a > 0, else 0 (ReLU'), then gb[j] = sum_b<n dz[j][b]. */
SCANN_KERNEL
static void rows_relu_grad_bias(float *restrict dz, const float *restrict a,
				float *restrict gb, int relu, uint32_t count,
				uint32_t B, uint32_t n)
{
	uint32_t n8 = n & ~7u;

	for (uint32_t j = 0; j < count; j++) {
		float *d = dz + (size_t)j * B;
		const float *z = a + (size_t)j * B;
		v8f acc = {0};
		float sum = 0.0f;

		for (uint32_t b = 0; b < n8; b += 8) {
			v8f v = ld8(d + b);

			if (relu)
				v = (v8f)((v8i)v & (ld8(z + b) > (v8f){0}));
			st8(d + b, v);
			acc += v;
		}
		for (uint32_t b = n8; b < n; b++) {
			if (relu && !(z[b] > 0.0f))
				d[b] = 0.0f;
			sum += d[b];
		}
		for (int i = 0; i < 8; i++)
			sum += acc[i];
		gb[j] = sum;
	}
}

/* One level's pass, handed to the pool; which fields count depends on fn. */
struct level_job {
	struct scann_exec *ex;
	const struct scann_exec_level *L;
	uint32_t n;
	int hidden;		/* ReLU level (every level but the output) */
};

/* Forward through a CSR level, rows split by nonzeros. */
static void forward_sparse_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct level_job *j = arg;
	const struct scann_exec_level *L = j->L;
	uint32_t B = j->ex->bmax, n8 = (j->n + 7) & ~7u, lo, hi;
	const float *W = j->ex->param + L->w_off;
	const float *bias = j->ex->param + L->b_off;
	float *z = j->ex->a + (size_t)L->first * B;

	ptr_part(L->rowptr, L->count, part, parts, &lo, &hi);
	rows_fill_bias(z + (size_t)lo * B, bias + lo, hi - lo, B, n8);
	for (uint32_t r = lo; r < hi; r++)
		sparse_row_forward(z + (size_t)r * B, W + L->rowptr[r],
				   L->col + L->rowptr[r],
				   L->rowptr[r + 1] - L->rowptr[r], j->ex->a, B,
				   j->n);
	if (j->hidden)
		rows_relu(z + (size_t)lo * B, hi - lo, B, n8);
}

/* Bias and ReLU after a dense level's GEMM, rows split evenly. */
static void bias_relu_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct level_job *j = arg;
	const struct scann_exec_level *L = j->L;
	uint32_t B = j->ex->bmax;
	size_t lo, hi;

	scann_par_range(L->count, 1, part, parts, &lo, &hi);
	rows_bias_relu(j->ex->a + (size_t)(L->first + lo) * B,
		       j->ex->param + L->b_off + lo, j->hidden,
		       (uint32_t)(hi - lo), B, j->n);
}

void scann_exec_forward(struct scann_exec *ex, uint32_t n)
{
	uint32_t B = ex->bmax;

	for (uint32_t l = 0; l < ex->n_levels; l++) {
		const struct scann_exec_level *L = &ex->lv[l];
		struct level_job j = {ex, L, n, l + 1 < ex->n_levels};
		const float *W = ex->param + L->w_off, *bias = ex->param + L->b_off;
		float *z = ex->a + (size_t)L->first * B;
		uint32_t K = L->hi - L->lo;
		uint32_t n8 = (n + 7) & ~7u;

		if (L->sparse) {
			scann_par_run_sized(forward_sparse_part, &j, L->nnz * n);
		} else if (K > 0 && L->count > 0) {
			/* beta = 0, then bias and ReLU in one pass over z */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
				    (int)L->count, (int)n, (int)K, 1.0f, W, (int)K,
				    ex->a + (size_t)L->lo * B, (int)B, 0.0f, z,
				    (int)B);
			scann_par_run_sized(bias_relu_part, &j, (size_t)L->count * n);
		} else {
			rows_fill_bias(z, bias, L->count, B, n8);
			if (j.hidden)
				rows_relu(z, L->count, B, n8);
		}
	}
}

/* ReLU' and the bias gradient of a level, rows split evenly. */
static void relu_grad_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct level_job *j = arg;
	const struct scann_exec_level *L = j->L;
	uint32_t B = j->ex->bmax;
	size_t lo, hi;

	scann_par_range(L->count, 1, part, parts, &lo, &hi);
	rows_relu_grad_bias(j->ex->d + (size_t)(L->first + lo) * B,
			    j->ex->a + (size_t)(L->first + lo) * B,
			    j->ex->grad + L->b_off + lo, j->hidden,
			    (uint32_t)(hi - lo), B, j->n);
}

/* A CSR level's weight gradients, rows split by nonzeros. */
static void grad_sparse_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct level_job *j = arg;
	const struct scann_exec_level *L = j->L;
	uint32_t B = j->ex->bmax, lo, hi;
	const float *dz = j->ex->d + (size_t)L->first * B;
	float *gW = j->ex->grad + L->w_off;

	ptr_part(L->rowptr, L->count, part, parts, &lo, &hi);
	for (uint32_t r = lo; r < hi; r++)
		sparse_row_grad(dz + (size_t)r * B, gW + L->rowptr[r],
				L->col + L->rowptr[r],
				L->rowptr[r + 1] - L->rowptr[r], j->ex->a, B,
				j->n);
}

/*
 * A CSR level's dL/dz into its hidden sources, sources split by nonzeros:
 * every d[s][b] gets its terms in row order whatever the split, and no two
 * threads add into one row.
 */
static void spread_sparse_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct level_job *j = arg;
	const struct scann_exec_level *L = j->L;
	uint32_t B = j->ex->bmax, ns = L->hi - L->t_lo, lo, hi;
	const float *dz = j->ex->d + (size_t)L->first * B;
	const float *W = j->ex->param + L->w_off;

	ptr_part(L->t_ptr, ns, part, parts, &lo, &hi);
	/*
	 * The forward kernel on the transposed level: d[s] += sum_k
	 * w[at[k]] dz[row[k]], its weights gathered into CSC order first.
	 */
	for (uint32_t k = L->t_ptr[lo]; k < L->t_ptr[hi]; k++)
		L->t_w[k] = W[L->t_at[k]];
	for (uint32_t s = lo; s < hi; s++)
		sparse_row_forward(j->ex->d + (size_t)(L->t_lo + s) * B,
				   L->t_w + L->t_ptr[s], L->t_row + L->t_ptr[s],
				   L->t_ptr[s + 1] - L->t_ptr[s], dz, B, j->n);
}

/* Dormant slots of a masked dense level get no gradient. */
static void mask_grad_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct level_job *j = arg;
	const struct scann_exec_level *L = j->L;
	float *gW = j->ex->grad + L->w_off;
	size_t lo, hi;

	scann_par_range((size_t)L->count * (L->hi - L->lo), 64, part, parts,
			&lo, &hi);
	for (size_t i = lo; i < hi; i++)
		if (!L->mask[i])
			gW[i] = 0.0f;
}

double scann_exec_backward(struct scann_exec *ex, const uint32_t *y,
			   const uint32_t *idx, uint32_t n)
{
	uint32_t B = ex->bmax, C = ex->n_out;
	const struct scann_exec_level *out = &ex->lv[ex->n_levels - 1];
	const float *z = ex->a + (size_t)out->first * B;
	float *dout = ex->d + (size_t)out->first * B;
	double loss = 0.0;
	float beta = ex->grad_zero ? 1.0f : 0.0f;

	ex->grad_zero = 0;
	/* Softmax cross-entropy; dL/dz = (p - onehot) / n. */
	for (uint32_t b = 0; b < n; b++) {
		float mx = z[b];
		double sum = 0.0;
		uint32_t cls = y[idx[b]];

		for (uint32_t o = 1; o < C; o++)
			if (z[(size_t)o * B + b] > mx)
				mx = z[(size_t)o * B + b];
		for (uint32_t o = 0; o < C; o++) {
			ex->prob[o] = expf(z[(size_t)o * B + b] - mx);
			sum += ex->prob[o];
		}
		loss -= log(ex->prob[cls] / sum);
		for (uint32_t o = 0; o < C; o++)
			dout[(size_t)o * B + b] = (float)((ex->prob[o] / sum -
							   (o == cls)) / n);
	}
	memset(ex->d + (size_t)ex->n_in * B, 0,
	       (size_t)ex->n_hidden * B * sizeof(float));

	for (uint32_t l = ex->n_levels; l-- > 0;) {
		const struct scann_exec_level *L = &ex->lv[l];
		struct level_job j = {ex, L, n, l + 1 < ex->n_levels};
		const float *W = ex->param + L->w_off;
		float *gW = ex->grad + L->w_off;
		float *dz = ex->d + (size_t)L->first * B;
		uint32_t K = L->hi - L->lo;

		scann_par_run_sized(relu_grad_part, &j, (size_t)L->count * n);
		if (L->sparse) {
			scann_par_run_sized(grad_sparse_part, &j, L->nnz * n);
			if (L->hi > ex->n_in)	/* some source is hidden */
				scann_par_run_sized(spread_sparse_part, &j, L->nnz * n);
			continue;
		}
		if (K == 0 || L->count == 0)
			continue;
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
			    (int)L->count, (int)K, (int)n, 1.0f, dz, (int)B,
			    ex->a + (size_t)L->lo * B, (int)B, beta, gW, (int)K);
		if (L->mask)
			scann_par_run_sized(mask_grad_part, &j, (size_t)L->count * K);
		/* Inputs need no gradient: only the hidden part of the range. */
		{
			uint32_t hlo = L->lo > ex->n_in ? L->lo : ex->n_in;

			if (L->hi > hlo)
				cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
					    (int)(L->hi - hlo), (int)n,
					    (int)L->count, 1.0f, W + (hlo - L->lo),
					    (int)K, dz, (int)B, 1.0f,
					    ex->d + (size_t)hlo * B, (int)B);
		}
	}
	return loss / n;
}

uint32_t scann_exec_argmax(const struct scann_exec *ex, uint32_t b)
{
	const struct scann_exec_level *out = &ex->lv[ex->n_levels - 1];
	const float *z = ex->a + (size_t)out->first * ex->bmax + b;
	uint32_t best = 0;

	for (uint32_t o = 1; o < ex->n_out; o++)
		if (z[(size_t)o * ex->bmax] > z[(size_t)best * ex->bmax])
			best = o;
	return best;
}

/* Cross-entropy of batch column b against class cls after a forward pass. */
static double column_loss(const struct scann_exec *ex, uint32_t b, uint32_t cls)
{
	const struct scann_exec_level *out = &ex->lv[ex->n_levels - 1];
	const float *z = ex->a + (size_t)out->first * ex->bmax + b;
	float mx = z[0];
	double sum = 0.0;

	for (uint32_t o = 1; o < ex->n_out; o++)
		if (z[(size_t)o * ex->bmax] > mx)
			mx = z[(size_t)o * ex->bmax];
	for (uint32_t o = 0; o < ex->n_out; o++)
		sum += exp((double)z[(size_t)o * ex->bmax] - mx);
	return log(sum) - ((double)z[(size_t)cls * ex->bmax] - mx);
}

uint32_t scann_exec_score(struct scann_exec *ex, const float *x,
			  const uint32_t *y, const uint32_t *idx, uint32_t n,
			  double *loss)
{
	uint32_t correct = 0;

	*loss = 0.0;
	for (uint32_t i = 0; i < n; i += ex->bmax) {
		uint32_t m = n - i < ex->bmax ? n - i : ex->bmax;

		scann_exec_load(ex, x, idx + i, m);
		scann_exec_forward(ex, m);
		for (uint32_t b = 0; b < m; b++) {
			uint32_t cls = y[idx[i + b]];

			correct += scann_exec_argmax(ex, b) == cls;
			*loss += column_loss(ex, b, cls);
		}
	}
	return correct;
}

uint32_t scann_exec_correct_rows(struct scann_exec *ex, const float *x,
				 const uint32_t *y, const uint32_t *idx,
				 uint32_t n, uint8_t *right)
{
	uint32_t correct = 0;

	for (uint32_t i = 0; i < n; i += ex->bmax) {
		uint32_t m = n - i < ex->bmax ? n - i : ex->bmax;

		scann_exec_load(ex, x, idx + i, m);
		scann_exec_forward(ex, m);
		for (uint32_t b = 0; b < m; b++) {
			uint8_t ok = scann_exec_argmax(ex, b) == y[idx[i + b]];

			correct += ok;
			if (right)
				right[i + b] = ok;
		}
	}
	return correct;
}

uint32_t scann_exec_correct(struct scann_exec *ex, const float *x,
			    const uint32_t *y, const uint32_t *idx, uint32_t n)
{
	return scann_exec_correct_rows(ex, x, y, idx, n, NULL);
}
