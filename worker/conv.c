/*
 * conv.c -- convolution (im2col + one GEMM per batch), max-pool 2x2 and
 * ReLU over [C][n][H][W] batch tensors, forward and backward; conv.h has
 * the layout and the contracts.
 *
 * Every pass is split over the pool by whole rows, maps or planes, so each
 * output value is computed by the same operations in the same order with
 * one thread or two (BLAS aside).
 */
#include <cblas.h>
#include <string.h>

#include "conv.h"
#include "par.h"

/* OpenBLAS's own (cblas.h does not always declare them). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

/*
 * The passes are short loops over contiguous runs (OW = 8 or 24 floats for
 * LeNet-5); build them for AVX2 as well as the baseline ISA, as exec.c
 * does, so the portable build still gets the wide units.
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
	!defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define SCANN_KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define SCANN_KERNEL
#endif

/*
 * Runs of OW floats (8 or 24 for LeNet-5): eight at a time through the
 * compiler's vector extension (a fixed-size memcpy is one unaligned
 * load or store), where a plain loop spent more on its trip-count checks
 * than on the copies.
 */
typedef float v8f __attribute__((vector_size(32)));

#if defined(__GNUC__)	/* static inline: the vector ABI never crosses a call */
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

static inline __attribute__((always_inline)) void
copy_run(float *restrict to, const float *restrict from, uint32_t len)
{
	uint32_t i = 0;

	for (; i + 8 <= len; i += 8) {
		v8f v;

		memcpy(&v, from + i, sizeof(v));
		memcpy(to + i, &v, sizeof(v));
	}
	for (; i < len; i++)
		to[i] = from[i];
}

static inline __attribute__((always_inline)) void
add_run(float *restrict to, const float *restrict from, uint32_t len)
{
	uint32_t i = 0;

	for (; i + 8 <= len; i += 8) {
		v8f a, b;

		memcpy(&a, to + i, sizeof(a));
		memcpy(&b, from + i, sizeof(b));
		a += b;
		memcpy(to + i, &a, sizeof(a));
	}
	for (; i < len; i++)
		to[i] += from[i];
}

/* Shared by the parts of one pass; which fields count depends on the pass. */
struct conv_job {
	const struct scann_conv_dims *d;
	const float *src;
	float *dst;
	const float *bias;
	float *gb;
	uint32_t n;		/* samples in the batch */
	uint32_t s0, m;		/* im2col, col2im: the block's samples */
};

/*
 * im2col of samples [s0, s0 + m), rows [lo, hi) of rows(d): row (c, ky, kx),
 * column (s - s0, oy, ox) holds x[c][s][oy+ky][ox+kx]; each (s, oy) is one
 * contiguous run of OW.  Inlined with OW a constant for LeNet-5's 8 and 24,
 * where the runs are whole vectors and the loop around them unrolls.
 */
static inline __attribute__((always_inline)) void
im2col_rows(const struct conv_job *j, size_t lo, size_t hi, uint32_t OW)
{
	const struct scann_conv_dims *d = j->d;
	uint32_t k = d->k, OH = scann_conv_oh(d);
	size_t P = (size_t)OH * OW, MP = P * j->m, HW = (size_t)d->h * d->w;

	for (size_t r = lo; r < hi; r++) {
		uint32_t c = (uint32_t)(r / (k * k)), ky = (uint32_t)(r / k % k);
		uint32_t kx = (uint32_t)(r % k);
		float *restrict row = j->dst + r * MP;

		for (uint32_t s = 0; s < j->m; s++) {
			const float *restrict plane = j->src +
				((size_t)c * j->n + j->s0 + s) * HW + kx;

			for (uint32_t oy = 0; oy < OH; oy++)
				copy_run(row + s * P + (size_t)oy * OW,
					 plane + (size_t)(oy + ky) * d->w, OW);
		}
	}
}

SCANN_KERNEL
static void im2col_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct conv_job *j = arg;
	uint32_t OW = scann_conv_ow(j->d);
	size_t lo, hi;

	scann_par_range(scann_conv_rows(j->d), 1, part, parts, &lo, &hi);
	if (OW == 8)
		im2col_rows(j, lo, hi, 8);
	else if (OW == 24)
		im2col_rows(j, lo, hi, 24);
	else
		im2col_rows(j, lo, hi, OW);
}

/*
 * col2im of samples [s0, s0 + m), input maps [lo, hi): dx[c][s] = sum over
 * (ky, kx), in that order, of the shifted rows of dcol.  A map's rows
 * belong to one part, so no two threads add into one value.
 */
SCANN_KERNEL
static void col2im_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct conv_job *j = arg;
	const struct scann_conv_dims *d = j->d;
	uint32_t k = d->k, OH = scann_conv_oh(d), OW = scann_conv_ow(d);
	size_t P = (size_t)OH * OW, MP = P * j->m, HW = (size_t)d->h * d->w;
	size_t lo, hi;

	scann_par_range(d->c, 1, part, parts, &lo, &hi);
	for (size_t c = lo; c < hi; c++)
		for (uint32_t s = 0; s < j->m; s++) {
			float *restrict plane = j->dst +
				(c * j->n + j->s0 + s) * HW;

			memset(plane, 0, HW * sizeof(float));
			for (uint32_t ky = 0; ky < k; ky++)
				for (uint32_t kx = 0; kx < k; kx++) {
					const float *restrict src = j->src +
						((c * k + ky) * k + kx) * MP + s * P;

					for (uint32_t oy = 0; oy < OH; oy++)
						add_run(plane + (size_t)(oy + ky) * d->w + kx,
							src + (size_t)oy * OW, OW);
				}
		}
}

/*
 * y[f] = b[f] over maps [lo, hi), before a beta = 1 GEMM: the one pass over
 * y that beta = 0 (OpenBLAS zeroes C first) and a bias pass after it take
 * two of.
 */
SCANN_KERNEL
static void bias_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct conv_job *j = arg;
	size_t NP = (size_t)scann_conv_oh(j->d) * scann_conv_ow(j->d) * j->n;
	size_t lo, hi;

	scann_par_range(j->d->f, 1, part, parts, &lo, &hi);
	for (size_t f = lo; f < hi; f++) {
		float *row = j->dst + f * NP, b = j->bias[f];

		for (size_t i = 0; i < NP; i++)
			row[i] = b;
	}
}

/* gb[f] = sum of dy[f] over maps [lo, hi), eight running sums per map so
 * the loop vectorises; their order is fixed, so is the result. */
SCANN_KERNEL
static void bias_grad_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct conv_job *j = arg;
	size_t NP = (size_t)scann_conv_oh(j->d) * scann_conv_ow(j->d) * j->n;
	size_t lo, hi;

	scann_par_range(j->d->f, 1, part, parts, &lo, &hi);
	for (size_t f = lo; f < hi; f++) {
		const float *row = j->src + f * NP;
		float acc[8] = {0}, sum = 0.0f;
		size_t i = 0;

		for (; i + 8 <= NP; i += 8)
			for (int l = 0; l < 8; l++)
				acc[l] += row[i + l];
		for (int l = 0; l < 8; l++)
			sum += acc[l];
		for (; i < NP; i++)
			sum += row[i];
		j->gb[f] = sum;
	}
}

/*
 * The blocks of a batch fall into SCANN_CONV_GROUPS groups of consecutive
 * samples; with two or more pool threads each group runs on its own thread
 * with single-threaded GEMMs, where splitting every small GEMM over
 * OpenBLAS's threads spent more on waiting than on arithmetic.  The groups
 * are fixed, not one per thread, and each group's weight gradient is its
 * own sum, added in group order at the end: the result does not depend on
 * the thread count.
 */
struct group_job {
	const struct scann_conv_dims *d;
	const float *W, *x, *dy;
	float *col, *y, *gW, *gscratch, *dx;
	uint32_t n;
};

/* Blocks [*lo, *hi) of group g (nb blocks in all). */
static void group_blocks(uint32_t nb, uint32_t g, uint32_t *lo, uint32_t *hi)
{
	*lo = (uint32_t)((uint64_t)nb * g / SCANN_CONV_GROUPS);
	*hi = (uint32_t)((uint64_t)nb * (g + 1) / SCANN_CONV_GROUPS);
}

static void forward_group(const struct group_job *gj, uint32_t g)
{
	const struct scann_conv_dims *d = gj->d;
	uint32_t K = scann_conv_rows(d), blk = scann_conv_block(d);
	uint32_t nb = (gj->n + blk - 1) / blk, lo, hi;
	size_t P = (size_t)scann_conv_oh(d) * scann_conv_ow(d), NP = P * gj->n;
	/* the buffer holds a block per group, for the largest batch; a block
	 * is never longer than this batch */
	float *col = gj->col + (size_t)g * K * (blk < gj->n ? blk : gj->n) * P;
	struct conv_job j = {.d = d, .src = gj->x, .dst = col, .n = gj->n};

	group_blocks(nb, g, &lo, &hi);
	for (uint32_t b = lo; b < hi; b++) {
		j.s0 = b * blk;
		j.m = gj->n - j.s0 < blk ? gj->n - j.s0 : blk;
		im2col_part(&j, 0, 1);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d->f,
			    (int)(P * j.m), (int)K, 1.0f, gj->W, (int)K, col,
			    (int)(P * j.m), 1.0f, gj->y + j.s0 * P, (int)NP);
	}
}

static void backward_group(const struct group_job *gj, uint32_t g)
{
	const struct scann_conv_dims *d = gj->d;
	uint32_t K = scann_conv_rows(d), blk = scann_conv_block(d);
	uint32_t nb = (gj->n + blk - 1) / blk, lo, hi;
	size_t P = (size_t)scann_conv_oh(d) * scann_conv_ow(d), NP = P * gj->n;
	float *col = gj->col + (size_t)g * K * (blk < gj->n ? blk : gj->n) * P;
	float *gW = g == 0 ? gj->gW : gj->gscratch + (size_t)(g - 1) * d->f * K;
	struct conv_job j = {.d = d, .n = gj->n};

	group_blocks(nb, g, &lo, &hi);
	if (lo == hi)
		memset(gW, 0, (size_t)d->f * K * sizeof(float));
	for (uint32_t b = lo; b < hi; b++) {
		int MP;

		j.s0 = b * blk;
		j.m = gj->n - j.s0 < blk ? gj->n - j.s0 : blk;
		MP = (int)(P * j.m);
		/* the block's im2col again: cheaper from cache than kept */
		j.src = gj->x;
		j.dst = col;
		im2col_part(&j, 0, 1);
		/* gW (f x K) += dy_block (f x MP) col^T, blocks in order */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)d->f,
			    (int)K, MP, 1.0f, gj->dy + j.s0 * P, (int)NP, col, MP,
			    b == lo ? 0.0f : 1.0f, gW, (int)K);
		if (gj->dx == NULL)
			continue;
		/* dcol (K x MP) = W^T dy_block, over col: the GEMM above was
		 * its last reader */
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, MP,
			    (int)d->f, 1.0f, gj->W, (int)K, gj->dy + j.s0 * P,
			    (int)NP, 0.0f, col, MP);
		j.src = col;
		j.dst = gj->dx;
		col2im_part(&j, 0, 1);
	}
}

static void forward_groups_part(void *arg, uint32_t part, uint32_t parts)
{
	for (uint32_t g = part; g < SCANN_CONV_GROUPS; g += parts)
		forward_group(arg, g);
}

static void backward_groups_part(void *arg, uint32_t part, uint32_t parts)
{
	for (uint32_t g = part; g < SCANN_CONV_GROUPS; g += parts)
		backward_group(arg, g);
}

/*
 * Run fn over the groups: on the pool with single-threaded BLAS when there
 * are pool threads to run them, else here with BLAS as it is.
 */
static void run_groups(scann_par_fn fn, struct group_job *gj)
{
	if (scann_par_threads() > 1) {
		int blas = openblas_get_num_threads();

		openblas_set_num_threads(1);
		scann_par_run(fn, gj);
		openblas_set_num_threads(blas);
	} else {
		fn(gj, 0, 1);
	}
}

uint32_t scann_conv_block(const struct scann_conv_dims *d)
{
	/*
	 * A block's im2col about 256 KB: it stays in L2 from the copy to the
	 * GEMM's packing, where a whole batch's (8 MB for LeNet-5's conv2)
	 * went to memory and back twice.  LeNet-5 epoch, 1 thread, CPU s
	 * for 2^15..2^20 floats: 14.3, 12.8, 13.1-13.9, 14.5, 15.7, 16.0;
	 * 2 threads 2^16..2^18: 22.4, 23.8, 33.5 (a loaded machine).
	 */
	size_t per = (size_t)scann_conv_rows(d) * scann_conv_oh(d) *
		     scann_conv_ow(d);
	size_t blk = ((size_t)1 << 16) / (per ? per : 1);

	return blk < 1 ? 1 : blk > 64 ? 64 : (uint32_t)blk;
}

void scann_conv_forward(const struct scann_conv_dims *d, const float *W,
			const float *b, const float *x, float *col, float *y,
			uint32_t n)
{
	size_t NP = (size_t)scann_conv_oh(d) * scann_conv_ow(d) * n;
	struct conv_job j = {.d = d, .dst = y, .bias = b, .n = n};
	struct group_job gj = {.d = d, .W = W, .x = x, .col = col, .y = y,
			       .n = n};

	scann_par_run_sized(bias_part, &j, d->f * NP);
	run_groups(forward_groups_part, &gj);
}

void scann_conv_backward(const struct scann_conv_dims *d, const float *W,
			 const uint8_t *mask, const float *x, float *col,
			 const float *dy, float *gW, float *gscratch, float *gb,
			 float *dx, uint32_t n)
{
	uint32_t K = scann_conv_rows(d);
	size_t NP = (size_t)scann_conv_oh(d) * scann_conv_ow(d) * n;
	size_t FK = (size_t)d->f * K;
	struct conv_job j = {.d = d, .src = dy, .gb = gb, .n = n};
	struct group_job gj = {.d = d, .W = W, .x = x, .dy = dy, .col = col,
			       .gW = gW, .gscratch = gscratch, .dx = dx, .n = n};

	scann_par_run_sized(bias_grad_part, &j, d->f * NP);
	run_groups(backward_groups_part, &gj);
	for (uint32_t g = 1; g < SCANN_CONV_GROUPS; g++)
		for (size_t i = 0; i < FK; i++)
			gW[i] += gscratch[(g - 1) * FK + i];
	if (mask)
		for (size_t i = 0; i < FK; i++)
			if (!mask[i])
				gW[i] = 0.0f;
}

struct pool_job {
	const float *x;
	float *y;
	uint8_t *arg;
	const uint8_t *carg;
	uint32_t planes, h, w;
};

typedef int32_t v8i __attribute__((vector_size(32)));

/* lanes where m is set from b, the others from a */
static inline __attribute__((always_inline)) v8f blend(v8i m, v8f b, v8f a)
{
	return (v8f)(((v8i)b & m) | ((v8i)a & ~m));
}

/*
 * One output row of a 2x2 pool from input rows r0, r1: sixteen inputs of
 * each row (eight outputs) per step, split into even and odd columns.
 * Each column's pair first (r0 wins a tie), then the pair of columns (the
 * left wins a tie): the maximum of any order, and a winner that depends
 * only on the values, in the vector path and the tail alike.
 */
static inline __attribute__((always_inline)) void
pool_row(const float *restrict r0, const float *restrict r1,
	 float *restrict out, uint8_t *restrict win, uint32_t OW)
{
	const v8i even = {0, 2, 4, 6, 8, 10, 12, 14};
	const v8i odd = {1, 3, 5, 7, 9, 11, 13, 15};
	uint32_t ox = 0;

	for (; ox + 8 <= OW; ox += 8) {
		v8f a0, a1, b0, b1, ae, ao, be, bo, me, mo;
		v8i de, dO, r, code;

		memcpy(&a0, r0 + 2 * ox, sizeof(a0));
		memcpy(&a1, r0 + 2 * ox + 8, sizeof(a1));
		memcpy(&b0, r1 + 2 * ox, sizeof(b0));
		memcpy(&b1, r1 + 2 * ox + 8, sizeof(b1));
		ae = __builtin_shuffle(a0, a1, even);
		ao = __builtin_shuffle(a0, a1, odd);
		be = __builtin_shuffle(b0, b1, even);
		bo = __builtin_shuffle(b0, b1, odd);
		de = be > ae;
		dO = bo > ao;
		me = blend(de, be, ae);
		mo = blend(dO, bo, ao);
		r = mo > me;
		me = blend(r, mo, me);
		memcpy(out + ox, &me, sizeof(me));
		/* comparisons give -1: q = right + 2 * lower */
		code = -r - 2 * ((r & dO) | (~r & de));
		for (int q = 0; q < 8; q++)
			win[ox + q] = (uint8_t)code[q];
	}
	for (; ox < OW; ox++) {
		float a0 = r0[2 * ox], a1 = r0[2 * ox + 1];
		float b0 = r1[2 * ox], b1 = r1[2 * ox + 1];
		int d0 = b0 > a0, d1 = b1 > a1;
		float me = d0 ? b0 : a0, mo = d1 ? b1 : a1;
		int r = mo > me;

		out[ox] = r ? mo : me;
		win[ox] = (uint8_t)(r + 2 * (r ? d1 : d0));
	}
}

SCANN_KERNEL
static void pool_forward_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct pool_job *j = arg;
	uint32_t OH = j->h / 2, OW = j->w / 2;
	size_t lo, hi;

	scann_par_range(j->planes, 1, part, parts, &lo, &hi);
	for (size_t p = lo; p < hi; p++) {
		const float *in = j->x + p * j->h * j->w;

		for (uint32_t oy = 0; oy < OH; oy++)
			pool_row(in + (size_t)2 * oy * j->w,
				 in + (size_t)(2 * oy + 1) * j->w,
				 j->y + (p * OH + oy) * OW,
				 j->arg + (p * OH + oy) * OW, OW);
	}
}

SCANN_KERNEL
static void pool_backward_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct pool_job *j = arg;
	uint32_t OH = j->h / 2, OW = j->w / 2;
	size_t lo, hi;

	scann_par_range(j->planes, 1, part, parts, &lo, &hi);
	for (size_t p = lo; p < hi; p++) {
		const float *dy = j->x + p * OH * OW;
		const uint8_t *win = j->carg + p * OH * OW;
		float *dx = j->y + p * j->h * j->w;

		memset(dx, 0, (size_t)j->h * j->w * sizeof(float));
		for (uint32_t oy = 0; oy < OH; oy++)
			for (uint32_t ox = 0; ox < OW; ox++) {
				uint8_t q = win[oy * OW + ox];

				dx[(size_t)(2 * oy + q / 2) * j->w + 2 * ox + q % 2] =
					dy[oy * OW + ox];
			}
	}
}

void scann_pool_forward(const float *x, float *y, uint8_t *arg,
			uint32_t planes, uint32_t h, uint32_t w)
{
	struct pool_job j = {.x = x, .y = y, .arg = arg, .planes = planes,
			     .h = h, .w = w};

	scann_par_run_sized(pool_forward_part, &j, (size_t)planes * h * w);
}

void scann_pool_backward(const float *dy, const uint8_t *arg, float *dx,
			 uint32_t planes, uint32_t h, uint32_t w)
{
	struct pool_job j = {.x = dy, .y = dx, .carg = arg, .planes = planes,
			     .h = h, .w = w};

	scann_par_run_sized(pool_backward_part, &j, (size_t)planes * h * w);
}

/* ReLU is cheap next to the GEMMs around it: one thread. */
void scann_relu_forward(const float *x, float *y, size_t len)
{
	for (size_t i = 0; i < len; i++)
		y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void scann_relu_backward(const float *y, const float *dy, float *dx,
			 size_t len)
{
	for (size_t i = 0; i < len; i++)
		dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}
