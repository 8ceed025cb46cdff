/*
 * export.h -- a model file (model.h) as dependency-free C: the plan the
 * generated code runs, its float and int8 evaluations, and the writer.
 *
 * A tour:
 *
 *	struct scann_export_plan p;
 *	scann_export_plan_init(&p, &model, &err);	// float plan (export_plan.c)
 *	scann_export_int8_calibrate(&p, train_x, n);	// int8 (export_int8.c)
 *	scann_export_c_write(&p, &opts, h, c, &err);	// NAME.h, NAME.c (export_c.c)
 *	scann_export_plan_free(&p);
 *
 * The plan is the pipeline of one prediction, already in the order the
 * engine evaluates it (exec.c), so the generated code and the evaluators
 * here do the same arithmetic in the same order:
 *   1. range normalisation, xn = (x - min) / range as float, exactly as
 *      normalize.c (a constant feature gives 0);
 *   2. optionally the DR transform as one more layer from xn to the net's
 *      inputs: linear shapes (pca, fa, ica, rp-gaussian, rp-sign) as
 *      y = xn W + c with the mean folded into c = -mean W; the sparse
 *      projections as signs in CSR times one scale; summed in double and
 *      rounded to float, as dr.c does.  Isomap and spectral are refused:
 *      their out-of-sample map needs the training anchors and a
 *      nearest-neighbour search, not a fixed arithmetic;
 *   3. the net's levels over the activation buffer laid out as exec.h
 *      does (inputs, hidden by level, outputs last); a level the engine
 *      holds as CSR is CSR here (bias first, then the nonzeros in
 *      ascending source position, as exec.c's sparse kernel), a dense one
 *      a (count x sources) block summed in source order, then the bias (a
 *      GEMM, then the bias pass); ReLU on every level but the last;
 *   4. argmax of the output level (first maximum wins).
 * A model with a convolutional front (cnn.h; never with DR) runs the
 * front between 1 and 3, over one image in the engine's [map][y][x]
 * layout, whose flattening is the net's input order (cnn.h): xn is the
 * image; each convolution (valid, stride 1) starts every output at its
 * map's bias and adds the kernel's taps in (input map, ky, kx) order,
 * a tap at a time over the whole output map; a kernel is stored as its
 * taps, each with its offset into the input (dense when that is smaller:
 * then its pruned taps cost flash and MACs, never otherwise); max-pools
 * (2x2, stride 2, a ragged last row or column dropped, the upper then the
 * left winning ties as conv.c) and ReLUs work in place.  The buffers live
 * in one arena: the image and each convolution's output alternately at its
 * start and against its end, the front's output the start of the net's
 * buffer, so the arena is the largest pair of a convolution's input and
 * output (export_front.c).
 * The engine computes convolutions as GEMMs (conv.c) in its own summation
 * order: the float code's scores are the engine's to rounding, not bit for
 * bit.  int8: a convolution's weights times its input's activation scale
 * share one scale per layer, its outputs have one calibrated activation
 * scale; each output an int32 sum over its taps (any order: exact), the
 * bias added in float, then quantised; pools and ReLUs work on the int8
 * values (quantising is monotone, so the max of quantised values is the
 * quantised max) and keep their input's scale.
 *
 * int8: each layer's weights, with the scale of each source folded in,
 * share one scale per layer; each layer's outputs (and the quantised
 * inputs) have one activation scale calibrated as max |value| / 127 over
 * the training rows; sums are int32; the bias is added, and the output
 * level's scores produced, in float.
 */
#ifndef SCANN_EXPORT_H
#define SCANN_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "job/error.h"
#include "job/spec.h"
#include "model.h"

enum scann_export_format {
	SCANN_EXPORT_C,		/* float32 */
	SCANN_EXPORT_C_INT8	/* int8 weights and activations */
};

/* One layer: count outputs at positions [first, first + count) of its
 * output buffer, reading sources [lo, hi) of its input buffer. */
struct scann_export_layer {
	uint32_t first, count, lo, hi;
	int sparse;		/* CSR: rowptr (count + 1), col (nnz, positions) */
	int relu;
	int dr;			/* the DR layer: double sums, xn as input */
	int dr_signs;		/* sparse DR: w holds +-1, times dr_scale */
	double dr_scale;
	double *dr_c;		/* linear DR: the folded constant -mean W */
	uint32_t *rowptr, *col;
	size_t nnz;		/* stored weights (dense: count * (hi - lo)) */
	float *w;		/* dense count x (hi - lo) row-major, or CSR */
	float *b;		/* count (linear DR: (float)dr_c, for int8) */
	/* int8, set by scann_export_int8_calibrate */
	int8_t *qw;		/* as w */
	float wscale;		/* real weight = qw * wscale / source scale */
	float oscale;		/* outputs' activation scale */
	float oinv;		/* (float)(1 / oscale): quantising multiplies */
};

/* A layer of a convolutional front over one image (cnn.h's kinds): c maps
 * of h x w in, oc of oh x ow out, at offsets in_at and out_at of the
 * arena (a pool or a ReLU works in place: its output over its input). */
struct scann_export_front {
	enum scann_front_kind kind;
	uint32_t c, h, w, oc, oh, ow, k;
	uint32_t in_at, out_at;
	int backward;		/* pool: last value first (aligned to the end) */
	int sparse;		/* conv: taps per map, ptr (oc + 1) and off */
	size_t nnz;		/* conv: stored weights (dense: oc*c*k*k) */
	size_t active;		/* conv: unpruned weights (the engine's mask) */
	uint32_t *ptr, *off;	/* off: c*h*w + ky*w + kx, into the input */
	uint32_t off_max;	/* conv: the last tap's offset */
	float *kern, *bias;	/* dense: oc x (c k k) row-major, or taps */
	/* int8 (conv), set by scann_export_int8_calibrate */
	int8_t *qw;		/* as kern */
	float wscale;		/* real weight = qw * wscale / input scale */
	float oscale, oinv;	/* outputs' activation scale, its inverse */
};

struct scann_export_plan {
	uint32_t features;	/* raw inputs */
	float *min, *range;	/* features each */
	uint32_t n_in, n_out, n_pos;	/* the net's buffer */
	struct scann_export_layer *dr;	/* NULL without DR */
	uint32_t n_levels;
	struct scann_export_layer *lv;	/* the net's levels, outputs last */
	uint32_t n_front;	/* the convolutional front's layers, or 0 */
	struct scann_export_front *front;
	uint32_t arena;		/* front: floats of the buffers' arena */
	uint32_t img_at, a_at;	/* front: xn's and the net buffer's offsets */
	uint64_t params, macs;	/* the net's, energy.h's counting rule */
	int int8;		/* calibrated */
	float in_scale;		/* int8: scale of xn */
	float in_inv;		/* (float)(1 / in_scale) */
};

/*
 * Build the float plan of model m (borrowed; the plan copies what it
 * needs).  Refuses (SCANN_EINVAL, field "dr") a landmark DR transform.
 * On failure the plan is empty (scann_export_plan_free is still safe).
 */
int scann_export_plan_init(struct scann_export_plan *p,
			   const struct scann_model *m, struct scann_error *err);

void scann_export_plan_free(struct scann_export_plan *p);

/*
 * The front's part of the plan (export_front.c), after the net's levels:
 * its layers from f (borrowed), the arena and the offsets in it.  0,
 * SCANN_EINVAL or SCANN_ENOMEM (err set); scann_export_plan_free frees it.
 */
int scann_export_front_init(struct scann_export_plan *p,
			    const struct scann_cnn_params *f,
			    struct scann_error *err);
void scann_export_front_free(struct scann_export_plan *p);

/* The front over the image at t + p->img_at, into t + p->a_at; when max
 * is not NULL, max[i] rises to conv layer i's largest |output|. */
void scann_export_front_eval(const struct scann_export_plan *p, float *t,
			     double *max);

/* The same in int8 over the int8 arena (export_int8.c). */
void scann_export_front_int8_eval(const struct scann_export_plan *p,
				  int8_t *t);

/* The plan's scratch per row: xn (features) and the buffer (n_pos). */
struct scann_export_scratch {
	float *xn, *a;
	float *t;		/* front: the arena, a and xn inside it */
	int8_t *qx, *qa;
	int8_t *qt;		/* front: the int8 arena, qa inside it */
	double *front_max;	/* NULL, or per front layer the largest
				 * |output| of a conv so far (calibration) */
};

int scann_export_scratch_init(struct scann_export_scratch *s,
			      const struct scann_export_plan *p);
void scann_export_scratch_free(struct scann_export_scratch *s);

/* Step 1 of the plan: xn = (x - min) / range, as normalize.c. */
void scann_export_normalize(const struct scann_export_plan *p, const float *x,
			    float *xn);

/*
 * One raw row x (features floats) through the float plan: scores (n_out)
 * and the returned class index, what the generated float code computes.
 */
uint32_t scann_export_eval(const struct scann_export_plan *p,
			   struct scann_export_scratch *s, const float *x,
			   float *scores);

/*
 * Calibrate the int8 plan on rows[0..n) of raw data x (row-major,
 * p->features columns): activation scales from the float plan's values,
 * then the weights quantised.  0 or SCANN_ENOMEM.
 */
int scann_export_int8_calibrate(struct scann_export_plan *p, const float *x,
				const uint32_t *rows, uint32_t n);

/* v rounded to nearest (halves away from 0), clamped to [-127, 127]. */
static inline int8_t scann_export_quant(float v)
{
	if (!(v > -127.0f))
		return -127;
	if (v >= 127.0f)
		return 127;
	return (int8_t)(v >= 0.0f ? (int)(v + 0.5f) : -(int)(0.5f - v));
}

/* One raw row through the int8 plan, what the generated int8 code does. */
uint32_t scann_export_int8_eval(const struct scann_export_plan *p,
				struct scann_export_scratch *s, const float *x,
				float *scores);

/* What the header comment reports; strings borrowed, NULL or < 0: unknown. */
struct scann_export_about {
	const char *name;	/* identifier prefix, e.g. "scann_model" */
	const char *dataset;
	const char *job;
	const char *const *class_names;	/* n_out */
	double test_acc;	/* the engine's, from the model's summary */
	double float_acc;	/* the float plan on the test rows */
	double int8_acc;	/* the int8 plan on the test rows */
	uint32_t test_rows;
};

/* The bytes of the narrowest of uint8/16/32 that holds max (indices). */
unsigned scann_export_idx_bytes(uint64_t max);

/* Flash (constant data) and RAM (the predict function's buffers) bytes. */
void scann_export_c_size(const struct scann_export_plan *p,
			 enum scann_export_format f,
			 const struct scann_export_about *a, size_t *flash,
			 size_t *ram);

/*
 * Write the pair: h gets NAME.h, c gets NAME.c.  An int8 format needs a
 * calibrated plan.  0, or SCANN_EIO naming the file that failed.
 */
int scann_export_c_write(const struct scann_export_plan *p,
			 enum scann_export_format f,
			 const struct scann_export_about *a, FILE *h, FILE *c,
			 struct scann_error *err);

/* What to export, for scann_export_model. */
struct scann_export_request {
	const char *model_path;	/* a model file (model.h) */
	const char *data_path;	/* NULL: the data the model names */
	const char *name;	/* the C identifier prefix */
	const char *job;	/* for the header comment; may be NULL */
	enum scann_export_format format;
};

/*
 * Export the model as the pair h (NAME.h) and c (NAME.c), calibrating an
 * int8 export on the model's training rows and measuring on its test rows
 * when its data can be read.  *summary gets a new object: format,
 * features, classes, params, macs, flash_bytes, ram_bytes and, when known,
 * test_acc (the engine's), test_rows, float_acc, int8_acc, int8_change.
 * SCANN_EINVAL (err names why: a landmark DR, int8 without the data), or
 * the error of the model file, data or writing.
 */
int scann_export_model(const struct scann_export_request *rq, FILE *h,
		       FILE *c, json_t **summary, struct scann_error *err);

#endif
