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
#include "job/spec.h"

/* Layers (kinds, maps, kernels) and the LeNet-5 preset are the job spec's:
 * struct scann_front_layer, scann_front_lenet5 (job/spec.h). */

struct scann_cnn_layer {
	enum scann_front_kind kind;
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
 * default for Conv2d), drawn from rng; rng NULL leaves them 0 and every
 * weight dormant (mask 0), for a caller that copies a front's parameters
 * in (scann_cnn_from_params).  Returns 0, SCANN_EINVAL (a layer
 * that does not fit its input; err names it, "front.layers[i]", the spec's field) or SCANN_ENOMEM;
 * on failure *cnn holds nothing to free.
 */
int scann_cnn_init(struct scann_cnn *cnn, uint32_t c, uint32_t h, uint32_t w,
		   const struct scann_front_layer *spec, uint32_t n_layers,
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
	uint64_t values;	/* outputs of every layer (each written once
				 * and read once by the next) */
	uint64_t comparisons;	/* 3 per pooled value, 1 per ReLU value */
};

/*
 * A map none of whose weights is active outputs its bias everywhere, a
 * constant the next layer's biases could absorb: its bias is not counted.
 */
void scann_cnn_count(const struct scann_cnn *cnn, struct scann_cnn_cost *out);

/*
 * A front as a network carries it (net.h): its shape and parameters, no
 * buffers; what is cloned, saved and loaded with the net, and compiled into
 * a struct scann_cnn for each executor (exec.h).  param and mask are in the
 * layout of scann_cnn (every conv layer's weights, then its biases).
 */
struct scann_cnn_params {
	uint32_t c, h, w;
	uint32_t n_layers;
	struct scann_front_layer *spec;	/* n_layers */
	uint32_t n_out;
	size_t n_param;
	float *param;
	uint8_t *mask;
};

/*
 * New parameters for a front of spec's layers over c x h x w images,
 * initialised as scann_cnn_init does from rng.  NULL with err set when a
 * layer does not fit its input or memory runs out.
 */
struct scann_cnn_params *scann_cnn_params_new(uint32_t c, uint32_t h,
					      uint32_t w,
					      const struct scann_front_layer *spec,
					      uint32_t n_layers,
					      struct scann_rng *rng,
					      struct scann_error *err);

/* A deep copy, NULL when out of memory. */
struct scann_cnn_params *scann_cnn_params_clone(const struct scann_cnn_params *p);

void scann_cnn_params_free(struct scann_cnn_params *p);

/* A front for batches of bmax with p's weights and masks (0 or SCANN_E*). */
int scann_cnn_from_params(struct scann_cnn *cnn, const struct scann_cnn_params *p,
			  uint32_t bmax, struct scann_error *err);

/* The cost of p's front per image (scann_cnn_count without buffers). */
void scann_cnn_params_count(const struct scann_cnn_params *p,
			    struct scann_cnn_cost *out);

/* Active kernel weights of p (biases not counted). */
size_t scann_cnn_params_active(const struct scann_cnn_params *p);

#endif
