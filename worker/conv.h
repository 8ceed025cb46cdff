/*
 * conv.h -- the layers of a convolutional front over a whole batch: 2-D
 * convolution (stride 1, valid padding, several input and output maps),
 * max-pooling 2x2 (stride 2) and ReLU, forward and backward.
 *
 * Batch tensors are laid out [C][n][H][W]: map-major, the batch inside.
 * A convolution is then a GEMM over the batch: its im2col matrix has one
 * row per (input map, ky, kx) and one column per (sample, oy, ox), and the
 * product W (F x C*k*k) times it is the output [F][n][OH][OW] as it
 * stands, ready to be the next layer's input.  It is formed and multiplied
 * a block of samples at a time (scann_conv_block), so it stays in cache;
 * the backward pass forms it again rather than keep it.  The passes BLAS does not
 * cover (im2col, col2im, bias, pooling) run on the engine's pool (par.h),
 * each output value computed the same way whatever the split.
 *
 * These functions own nothing: every buffer is the caller's (cnn.c sizes
 * them once per batch size).  Not here: which layers make a front, their
 * parameters and buffers (cnn.c).
 */
#ifndef SCANN_CONV_H
#define SCANN_CONV_H

#include <stddef.h>
#include <stdint.h>

/* A convolution: c maps of h x w in, f maps of (h-k+1) x (w-k+1) out. */
struct scann_conv_dims {
	uint32_t c, h, w;	/* input maps and their size */
	uint32_t f, k;		/* output maps, kernel side */
};

static inline uint32_t scann_conv_oh(const struct scann_conv_dims *d)
{
	return d->h - d->k + 1;
}

static inline uint32_t scann_conv_ow(const struct scann_conv_dims *d)
{
	return d->w - d->k + 1;
}

/* Rows of the im2col matrix (and columns of W): c x k x k. */
static inline uint32_t scann_conv_rows(const struct scann_conv_dims *d)
{
	return d->c * d->k * d->k;
}

/*
 * Samples per im2col block: a convolution runs im2col and its GEMMs a block
 * of samples at a time, so the im2col matrix stays in cache.  The blocks
 * fall into SCANN_CONV_GROUPS fixed groups of consecutive samples, which
 * run on the pool's threads side by side (each with single-threaded BLAS)
 * when it has more than one.  col buffers hold SCANN_CONV_GROUPS x rows(d)
 * x block x OH x OW floats.
 */
#define SCANN_CONV_GROUPS 2

uint32_t scann_conv_block(const struct scann_conv_dims *d);

/*
 * Forward over n samples: y = W im2col(x) + b, block by block (col is
 * scratch).  W is f x rows(d) row-major (a map's kernel is [c][ky][kx]),
 * b has f values; x is [c][n][h][w], y [f][n][OH][OW].
 */
void scann_conv_forward(const struct scann_conv_dims *d, const float *W,
			const float *b, const float *x, float *col, float *y,
			uint32_t n);

/*
 * Backward over n samples, x the forward's input and dy dL/dy
 * ([f][n][OH][OW]): gW = dy im2col(x)^T with the slots where mask is 0
 * cleared (mask NULL: all active), gb = dy summed per map; when dx is not
 * NULL, dx = dL/dx ([c][n][h][w], overwritten).  col is scratch, as in
 * the forward pass; so is gscratch, (SCANN_CONV_GROUPS - 1) x f x rows(d)
 * floats for the groups' own sums.
 */
void scann_conv_backward(const struct scann_conv_dims *d, const float *W,
			 const uint8_t *mask, const float *x, float *col,
			 const float *dy, float *gW, float *gscratch, float *gb,
			 float *dx, uint32_t n);

/*
 * Max-pool 2x2, stride 2, over `planes` planes of h x w (a ragged last row
 * or column is dropped): y gets planes x h/2 x w/2, arg which of the four
 * won (0..3, row-major) for the backward pass.  Ties: within each column
 * the upper, then between the columns the left.
 */
void scann_pool_forward(const float *x, float *y, uint8_t *arg,
			uint32_t planes, uint32_t h, uint32_t w);

/* dx (planes x h x w, overwritten) = dy routed to the winners, else 0. */
void scann_pool_backward(const float *dy, const uint8_t *arg, float *dx,
			 uint32_t planes, uint32_t h, uint32_t w);

/* y = max(x, 0) over len values. */
void scann_relu_forward(const float *x, float *y, size_t len);

/* dx = dy where y > 0, else 0 (y is the forward output). */
void scann_relu_backward(const float *y, const float *dy, float *dx,
			 size_t len);

#endif
