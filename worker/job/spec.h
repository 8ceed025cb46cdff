/*
 * spec.h -- the job spec of DESIGN.md ("Contracts: Job spec"): its parsed
 * form, its defaults, and the one validator that both scann-worker and
 * scannd use, so a spec the daemon accepts is a spec the worker can run.
 *
 * Only "dataset" is required; every other field has the paper's default.
 * Unknown fields, wrong types and out-of-range values are refused with
 * err->field naming the field by its dotted path ("scann.pruning.fraction",
 * "dr.methods[2]").  scann_spec_to_json() writes the spec back with every
 * default filled in: that is what a job stores and reports it ran with.
 */
#ifndef SCANN_SPEC_H
#define SCANN_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dr_methods.h"
#include "error.h"
#include "split.h"

#define SCANN_SPEC_MAX_LAYERS 8
#define SCANN_SPEC_MAX_RATIOS 16
#define SCANN_SPEC_MAX_WIDTHS 16
#define SCANN_SPEC_NAME_MAX 256
#define SCANN_SPEC_DATASET_MAX 1024
/* Largest hidden layer, neuron count or epoch count a spec may ask for. */
#define SCANN_SPEC_MAX_WIDTH 65536
#define SCANN_SPEC_MAX_EPOCHS 100000
/*
 * Hidden neurons a job's network may have in all.  The engine holds a net
 * as a dense (hidden + outputs) x (inputs + hidden) matrix of weights and
 * masks (net.h), so memory grows with the square: 8192 neurons are about
 * 340 MB before training's copies; [8192, 8192] took 6.7 GB (issue 16).
 */
#define SCANN_SPEC_MAX_HIDDEN 8192

enum scann_task {
	SCANN_TASK_SYNTHESIZE,	/* one scheme, one network out */
	SCANN_TASK_STUDY	/* MLP, DR, SCANN and DR+SCANN side by side */
};

enum scann_scheme {
	SCANN_SCHEME_A,		/* constructive: grow from small */
	SCANN_SCHEME_B,		/* destructive: prune from large */
	SCANN_SCHEME_C		/* B restricted to adjacent layers (DSD) */
};

/* The DR methods (dr_methods.h), as bits of scann_dr_spec.methods. */
enum scann_dr_method {
#define SCANN_DR_ENUM(id, name, fit, reads_rows, landmark) SCANN_DR_##id,
	SCANN_DR_METHODS(SCANN_DR_ENUM)
#undef SCANN_DR_ENUM
	SCANN_DR_METHOD_COUNT
};

enum scann_growth_mode {
	SCANN_GROWTH_GRADIENT,	/* largest |dL/dw| among dormant connections */
	SCANN_GROWTH_FULL,	/* every allowed connection */
	SCANN_GROWTH_NONE	/* none: the recipe's iterations only prune and
				 * retrain (iterative magnitude pruning) */
};

enum scann_optimizer {
	SCANN_OPT_ADAM,
	SCANN_OPT_SGD		/* with momentum */
};

enum scann_lr_schedule {
	SCANN_LR_CONSTANT,
	SCANN_LR_STEP,		/* x0.1 at 50% and 75% of the epochs */
	SCANN_LR_COSINE
};

struct scann_baseline_spec {
	uint32_t hidden[SCANN_SPEC_MAX_LAYERS];	/* fixed MLP, when !search */
	uint32_t n_hidden;
	int search;				/* pick depth/width by validation */
	uint32_t depths[SCANN_SPEC_MAX_LAYERS];
	uint32_t n_depths;
	uint32_t widths[SCANN_SPEC_MAX_WIDTHS];
	uint32_t n_widths;
};

struct scann_dr_spec {
	int enabled;			/* "dr": null turns DR off */
	uint32_t methods;		/* bit (1u << enum scann_dr_method) */
	double ratios[SCANN_SPEC_MAX_RATIOS];	/* ascending, each >= 1 */
	uint32_t n_ratios;
	double max_drop;		/* validation accuracy drop that stops r */
};

/*
 * How the scheme searches.  TARGET (the default): prune steps sized by what
 * validation accepts, rolled back when they break the target, growth to
 * recover, until steps stop paying, target.max_steps or the budget.
 * RECIPE: the paper's fixed iterations, fractions and keep counts, for
 * reproducing its tables.
 */
enum scann_search {
	SCANN_SEARCH_TARGET,
	SCANN_SEARCH_RECIPE
};

struct scann_target_spec {
	double max_drop;	/* validation accuracy below the baseline's */
	double noise_se;	/* ... plus this many standard errors of it */
	uint32_t max_steps;	/* architecture steps of a targeted search */
};

struct scann_synth_spec {
	enum scann_search search;
	uint32_t iterations;
	uint32_t epochs_per_step;
	uint32_t initial_hidden;	/* scheme A's start */
	uint32_t max_hidden;		/* scheme A's ceiling */
	uint32_t neuron_growth;		/* neurons added per growth step */
	enum scann_growth_mode growth_mode;
	double growth_fraction;		/* of dormant allowed connections */
	double pruning_fraction;	/* of existing connections, or ... */
	uint32_t pruning_keep;		/* ... > 0: prune down to this many */
	double initial_prune;		/* schemes B and C */
	double prune_first;		/* scheme A's recipe: share pruned after
					 * its first training (0: none) */
};

struct scann_train_spec {
	enum scann_optimizer optimizer;
	double lr;
	double weight_decay;
	double momentum;
	uint32_t batch;
	uint32_t epochs;		/* at most; 0: from the row count */
	uint32_t patience;		/* epochs; 0: from the row count */
	uint64_t seed;
	enum scann_lr_schedule schedule;
};

/*
 * A convolutional front (issue 13): layers from an image to a feature
 * vector that the network SCANN grows and prunes reads as its inputs.
 * Stride 1 valid convolutions, 2x2 max-pools (stride 2), ReLUs.
 */
#define SCANN_SPEC_MAX_FRONT_LAYERS 16
#define SCANN_SPEC_MAX_FRONT_MAPS 1024
#define SCANN_SPEC_MAX_FRONT_KERNEL 64

enum scann_front_kind {
	SCANN_FRONT_CONV,	/* maps, k */
	SCANN_FRONT_POOL,	/* max 2x2, stride 2 */
	SCANN_FRONT_RELU
};

/* One layer: its kind, and for a convolution its maps and kernel side. */
struct scann_front_layer {
	enum scann_front_kind kind;
	uint32_t maps, k;
};

/* The presets a spec may name ("front": {"preset": NAME}); -1: none. */
#define SCANN_FRONT_PRESET_LENET5 0
/* LeNet-5 as Caffe has it (the paper's): conv 5x5x20, pool, conv 5x5x50,
 * pool; with FC 800-500-10 after it, 431,080 parameters. */
#define SCANN_FRONT_LENET5_LAYERS 4
extern const struct scann_front_layer scann_front_lenet5[SCANN_FRONT_LENET5_LAYERS];

struct scann_front_spec {
	int enabled;			/* "front": null (the default) is off */
	int preset;			/* SCANN_FRONT_PRESET_*, or -1 */
	struct scann_front_layer layers[SCANN_SPEC_MAX_FRONT_LAYERS];
	uint32_t n_layers;		/* the preset's, or the list's */
	/* Image shape (channels, height, width); 0: the IDX data's own. */
	uint32_t channels, height, width;
};

struct scann_resources_spec {
	uint32_t threads;
	uint32_t timeout_s;
	uint32_t budget_s;	/* each targeted search's wall clock */
};

struct scann_job_spec {
	char name[SCANN_SPEC_NAME_MAX];
	char dataset[SCANN_SPEC_DATASET_MAX];	/* id (scannd) or path (worker) */
	char label_column[SCANN_SPEC_NAME_MAX];	/* "" = the last column */
	enum scann_task task;
	struct scann_split_spec split;
	struct scann_baseline_spec baseline;
	struct scann_dr_spec dr;
	struct scann_front_spec front;
	enum scann_scheme scheme;
	struct scann_target_spec target;
	struct scann_synth_spec scann;
	struct scann_train_spec train;
	struct scann_resources_spec resources;
};

/* Fill *spec with every default (dataset left empty). */
void scann_spec_defaults(struct scann_job_spec *spec);

/*
 * Parse and validate a job spec object.  On success *spec holds the defaults
 * overridden by in; on failure *spec is unspecified and err names the field.
 * in is borrowed.
 */
int scann_spec_from_json(const json_t *in, struct scann_job_spec *spec,
			 struct scann_error *err);

/*
 * The same from text (a request body, a file, stdin): a JSON syntax error
 * is reported with its line and column.  text need not be NUL-terminated.
 */
int scann_spec_parse(const char *text, size_t len, struct scann_job_spec *spec,
		     struct scann_error *err);

/*
 * The same from the file at path ('-': standard input).  A file that cannot
 * be opened or read is SCANN_ENOENT or SCANN_EIO, with the path and the
 * reason in err; out of memory SCANN_ENOMEM; anything else is the spec's.
 */
int scann_spec_load(const char *path, struct scann_job_spec *spec,
		    struct scann_error *err);

/* The full spec, defaults included, as a new JSON object (caller decrefs). */
json_t *scann_spec_to_json(const struct scann_job_spec *spec);

/* Names used in specs and events. */
const char *scann_task_name(enum scann_task t);
const char *scann_scheme_name(enum scann_scheme s);
const char *scann_search_name(enum scann_search s);
/* "pca", ...: the one table of DR method names; NULL out of range. */
const char *scann_dr_method_name(enum scann_dr_method m);
/* The method named name (NULL allowed), or -1. */
int scann_dr_method_from_name(const char *name);
/* "conv", "pool", "relu"; and a front preset's name ("lenet5"). */
const char *scann_front_kind_name(enum scann_front_kind k);
const char *scann_front_preset_name(int preset);
/* The job presets ("preset": "lenet5-c", ...): the i-th name, NULL past
 * the last.  A preset replaces defaults; the spec's own fields override it. */
const char *scann_job_preset_name(int i);

/*
 * The front's output features for a c x h x w image, or 0 with err naming
 * the layer ("front.layers[i]") that does not fit its input.
 */
uint32_t scann_front_outputs(const struct scann_front_spec *f, uint32_t c,
			     uint32_t h, uint32_t w, struct scann_error *err);

#endif
