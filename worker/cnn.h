/*
 * cnn.h -- a convolutional front: a stack of conv, max-pool and ReLU layers
 * (conv.h) from an image to a feature vector, whose output feeds SCANN's
 * general feed-forward part (exec.h) and whose backward pass takes that
 * part's input deltas (exec_dx.h).
 *
 * Use, per batch of n <= bmax images:
 *
 *   scann_cnn_load(&cnn, x, idx, n);            images into the front
 *   scann_cnn_forward(&cnn, n, ex.a, ex.bmax);  features into the net's inputs
 *   scann_exec_forward(&ex, n);
 *   scann_exec_backward(&ex, y, idx, n);
 *   scann_exec_input_delta(&ex, n, cnn.dout, ex.bmax);
 *   scann_cnn_backward(&cnn, n, cnn.dout, ex.bmax);   cnn.grad filled
 *
 * The output is feature-major (one row of the batch per feature, the
 * layout of exec.h's input rows); feature (c, y, x) of the last layer's
 * maps is row c*OH*OW + y*OW + x, PyTorch's flatten order.
 *
 * Parameters: every conv layer's weights (maps x in-maps x k x k) then its
 * biases, in one array; a mask byte per parameter (biases always 1) makes
 * pruned kernel weights dormant: exactly zero, no gradient, not counted.
 *
 * Ownership: a scann_cnn owns its parameters and every buffer, sized once
 * for bmax images at scann_cnn_init; nothing is allocated per batch.
 */
#ifndef SCANN_CNN_H
#define SCANN_CNN_H

#include <stddef.h>
#include <stdint.h>

#include "conv.h"
#include "job/error.h"
#include "job/rng.h"

enum scann_cnn_kind {
	SCANN_CNN_CONV,		/* maps, k */
	SCANN_CNN_POOL,		/* max 2x2, stride 2 */
	SCANN_CNN_RELU,
};

/* One layer as a front is described: kind, and for conv maps and k. */
struct scann_cnn_spec {
	enum scann_cnn_kind kind;
	uint32_t maps, k;
};

/* LeNet-5 as Caffe has it (and the paper): conv 5x5x20, pool, conv 5x5x50,
 * pool; with FC 800-500-10 after it, 431,080 parameters. */
#define SCANN_CNN_LENET5_LAYERS 4
extern const struct scann_cnn_spec scann_cnn_lenet5[SCANN_CNN_LENET5_LAYERS];

struct scann_cnn_layer {
	enum scann_cnn_kind kind;
	uint32_t c, h, w;	/* input maps and size */
	uint32_t oc, oh, ow;	/* output maps and size */
	struct scann_conv_dims dims;	/* conv */
	size_t w_off, b_off;	/* conv: into param, grad, mask */
	float *col;		/* conv: im2col scratch, a block per group */
	float *gscratch;	/* conv: the other groups' weight gradients */
	uint8_t *arg;		/* pool: the winners */
	float *y;		/* output [oc][n][oh][ow] */
	float *dy;		/* dL/d(output), same layout */
};

struct scann_cnn {
	uint32_t c, h, w;	/* input image: c maps of h x w, [c][h][w] */
	uint32_t n_layers;
	struct scann_cnn_layer *layer;
	uint32_t n_out;		/* output features */
	uint32_t bmax;
	float *param, *grad;
	uint8_t *mask;
	size_t n_param;
	float *x;		/* the loaded batch [c][n][h][w] */
	float *dout;		/* n_out rows of bmax (rounded to 8): for the
				 * net's input deltas */
};

/*
 * A front for c x h x w images from n_layers layers of spec, for batches of
 * up to bmax.  Weights and biases uniform in +-1/sqrt(fan in) (PyTorch's
 * default for Conv2d), drawn from rng.  Returns 0, SCANN_EINVAL (a layer
 * that does not fit its input; err names it, "layers[i]") or SCANN_ENOMEM;
 * on failure *cnn holds nothing to free.
 */
int scann_cnn_init(struct scann_cnn *cnn, uint32_t c, uint32_t h, uint32_t w,
		   const struct scann_cnn_spec *spec, uint32_t n_layers,
		   uint32_t bmax, struct scann_rng *rng,
		   struct scann_error *err);

void scann_cnn_free(struct scann_cnn *cnn);

/* Rows idx[0..n) of x (row-major images, c*h*w floats each) into cnn->x. */
void scann_cnn_load(struct scann_cnn *cnn, const float *x,
		    const uint32_t *idx, uint32_t n);

/* Forward over the loaded n images; features into out (n_out rows of
 * stride ld, columns [0, n)). */
void scann_cnn_forward(struct scann_cnn *cnn, uint32_t n, float *out,
		       uint32_t ld);

/*
 * Backward after scann_cnn_forward over the same n: dout holds dL/d(output)
 * (n_out rows of stride ld); grad gets dL/dparam (dormant weights 0).
 * The image's own gradient is not computed.
 */
void scann_cnn_backward(struct scann_cnn *cnn, uint32_t n, const float *dout,
			uint32_t ld);

/* Per inference of one image, as energy.h counts the net. */
struct scann_cnn_cost {
	uint64_t weights;	/* active kernel weights */
	uint64_t params;	/* those + the biases of maps that have one */
	uint64_t macs;		/* active weight x output positions */
};

/*
 * A map none of whose weights is active outputs its bias everywhere, a
 * constant the next layer's biases could absorb: its bias is not counted.
 */
void scann_cnn_count(const struct scann_cnn *cnn, struct scann_cnn_cost *out);

#endif
