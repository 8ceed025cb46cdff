/*
 * spec.c -- parsing, validating and printing job specs (see spec.h).
 *
 * Each JSON object of the spec is read against a table of its fields: the
 * name, the kind of value, where it lands in struct scann_job_spec and the
 * accepted range.  Objects and enums that need more than a range (baseline,
 * dr, growth, pruning) have a small function of their own.  A key that no
 * table lists is an error: a misspelt "epocs" must not silently run with the
 * default.  Every message names the field by its dotted path.
 */
#include "spec.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names ---------------------------------------------------------------- */

static const char *const task_names[] = { "synthesize", "study" };
static const char *const scheme_names[] = { "A", "B", "C" };
static const char *const dr_names[SCANN_DR_METHOD_COUNT] = {
#define DR_NAME(id, name, fit, reads_rows, landmark) [SCANN_DR_##id] = name,
	SCANN_DR_METHODS(DR_NAME)
#undef DR_NAME
};
static const char *const growth_names[] = { "gradient", "full", "none" };
static const char *const optimizer_names[] = { "adam", "sgd" };
static const char *const schedule_names[] = { "constant", "step", "cosine" };
static const char *const search_names[] = { "target", "recipe" };

static const char *const front_kind_names[] = { "conv", "pool", "relu" };

const struct scann_front_layer scann_front_lenet5[SCANN_FRONT_LENET5_LAYERS] = {
	{SCANN_FRONT_CONV, 20, 5},
	{SCANN_FRONT_POOL, 0, 0},
	{SCANN_FRONT_CONV, 50, 5},
	{SCANN_FRONT_POOL, 0, 0},
};

/* The one table of front presets, indexed by SCANN_FRONT_PRESET_*. */
static const struct {
	const char *name;
	const struct scann_front_layer *layers;
	uint32_t n_layers;
} front_presets[] = {
	{ "lenet5", scann_front_lenet5, SCANN_FRONT_LENET5_LAYERS },
};

#define N_FRONT_PRESETS (sizeof(front_presets) / sizeof(front_presets[0]))

const char *scann_front_kind_name(enum scann_front_kind k)
{
	return (unsigned)k < 3 ? front_kind_names[k] : NULL;
}

const char *scann_front_preset_name(int preset)
{
	return preset >= 0 && (size_t)preset < N_FRONT_PRESETS ?
		front_presets[preset].name : NULL;
}

uint32_t scann_front_outputs(const struct scann_front_spec *f, uint32_t c,
			     uint32_t h, uint32_t w, struct scann_error *err)
{
	char field[SCANN_ERROR_FIELD_MAX];

	for (uint32_t i = 0; i < f->n_layers; i++) {
		const struct scann_front_layer *L = &f->layers[i];

		snprintf(field, sizeof(field), "front.layers[%u]", i);
		if (L->kind == SCANN_FRONT_CONV) {
			if (L->k > h || L->k > w) {
				scann_error_set(err, SCANN_EINVAL, field,
						"a %ux%u kernel does not fit the "
						"%ux%u maps that reach %s", L->k,
						L->k, h, w, field);
				return 0;
			}
			c = L->maps;
			h = h - L->k + 1;
			w = w - L->k + 1;
		} else if (L->kind == SCANN_FRONT_POOL) {
			if (h < 2 || w < 2) {
				scann_error_set(err, SCANN_EINVAL, field,
						"a 2x2 pool does not fit the %ux%u "
						"maps that reach %s", h, w, field);
				return 0;
			}
			h /= 2;
			w /= 2;
		}
	}
	return c * h * w;
}

const char *scann_task_name(enum scann_task t) { return task_names[t]; }
const char *scann_scheme_name(enum scann_scheme s) { return scheme_names[s]; }
const char *scann_search_name(enum scann_search s) { return search_names[s]; }
const char *scann_dr_method_name(enum scann_dr_method m)
{
	return (unsigned)m < SCANN_DR_METHOD_COUNT ? dr_names[m] : NULL;
}

int scann_dr_method_from_name(const char *name)
{
	for (int m = 0; m < SCANN_DR_METHOD_COUNT; m++)
		if (name != NULL && strcmp(name, dr_names[m]) == 0)
			return m;
	return -1;
}

/* ---- defaults (DESIGN.md's example spec, which follows the paper) --------- */

static void dr_defaults(struct scann_dr_spec *dr)
{
	/* Mild ratios first: an unsupervised map to half the features can
	 * already lose what a few inputs decide (dna). */
	static const double ratios[] = { 1.5, 2, 3, 4, 8 };

	dr->methods = (1u << SCANN_DR_METHOD_COUNT) - 1;
	memcpy(dr->ratios, ratios, sizeof(ratios));
	dr->n_ratios = sizeof(ratios) / sizeof(ratios[0]);
	dr->max_drop = 0.01;
}

void scann_spec_defaults(struct scann_job_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->task = SCANN_TASK_SYNTHESIZE;
	spec->split.validation = 0.15;
	spec->split.test = 0.15;
	spec->split.seed = 1;
	/* The paper picks its MLP baseline by validation; so does the default. */
	static const uint32_t depths[] = { 1, 2 }, widths[] = { 64, 128, 256 };

	spec->baseline.search = 1;
	memcpy(spec->baseline.depths, depths, sizeof(depths));
	spec->baseline.n_depths = 2;
	memcpy(spec->baseline.widths, widths, sizeof(widths));
	spec->baseline.n_widths = 3;
	/* DR is off unless asked for (or the task is a study: see below). */
	dr_defaults(&spec->dr);
	spec->dr.enabled = 0;
	spec->front.preset = -1;	/* no front: features straight in */
	spec->scheme = SCANN_SCHEME_B;
	spec->target.max_drop = 0.0;
	spec->target.noise_se = 1.0;
	spec->target.max_steps = 24;
	spec->scann.search = SCANN_SEARCH_TARGET;
	spec->scann.iterations = 8;
	spec->scann.epochs_per_step = 0;	/* scann_stage_fit_plan */
	spec->scann.initial_hidden = 50;
	spec->scann.max_hidden = 300;
	spec->scann.neuron_growth = 5;
	spec->scann.growth_mode = SCANN_GROWTH_GRADIENT;
	spec->scann.growth_fraction = 0.3;
	spec->scann.pruning_fraction = 0.9;
	spec->scann.pruning_keep = 0;
	spec->scann.initial_prune = 0.95;
	spec->train.optimizer = SCANN_OPT_ADAM;
	spec->train.lr = 0.001;
	spec->train.weight_decay = 0.0001;
	spec->train.momentum = 0.9;
	spec->train.batch = 128;
	spec->train.epochs = 0;
	spec->train.patience = 0;
	spec->train.seed = 7;
	spec->train.schedule = SCANN_LR_CONSTANT;
	spec->resources.threads = 1;
	spec->resources.timeout_s = 3600;
	spec->resources.budget_s = 600;
}

/* ---- the field tables ----------------------------------------------------- */

enum field_kind {
	FIELD_U32,	/* integer in [min, max] -> uint32_t */
	FIELD_U64,	/* integer in [min, max] -> uint64_t */
	FIELD_REAL,	/* number in [min, max] (or (min, max] with open_min) */
	FIELD_ENUM,	/* one of names[] -> int-sized enum */
	FIELD_STRING,	/* string shorter than max -> char[] */
	FIELD_CUSTOM	/* parsed by the object's own function */
};

struct field {
	const char *name;
	enum field_kind kind;
	size_t offset;		/* in struct scann_job_spec */
	double min, max;
	int open_min;		/* REAL: min itself is excluded */
	const char *const *names;
	size_t n_names;
};

#define OFF(member) offsetof(struct scann_job_spec, member)
#define NAMES(a) (a), sizeof(a) / sizeof((a)[0])

static const struct field top_fields[] = {
	{ "name", FIELD_STRING, OFF(name), 0, SCANN_SPEC_NAME_MAX, 0, NULL, 0 },
	{ "preset", FIELD_CUSTOM, 0, 0, 0, 0, NULL, 0 },	/* applied first */
	{ "dataset", FIELD_STRING, OFF(dataset), 1, SCANN_SPEC_DATASET_MAX, 0, NULL, 0 },
	{ "label_column", FIELD_STRING, OFF(label_column), 0, SCANN_SPEC_NAME_MAX, 0, NULL, 0 },
	{ "task", FIELD_ENUM, OFF(task), 0, 0, 0, NAMES(task_names) },
	{ "scheme", FIELD_ENUM, OFF(scheme), 0, 0, 0, NAMES(scheme_names) },
	{ "split", FIELD_CUSTOM, 0, 0, 0, 0, NULL, 0 },
	{ "baseline", FIELD_CUSTOM, 0, 0, 0, 0, NULL, 0 },
	{ "dr", FIELD_CUSTOM, 0, 0, 0, 0, NULL, 0 },
	{ "front", FIELD_CUSTOM, 0, 0, 0, 0, NULL, 0 },
	{ "target", FIELD_CUSTOM, 0, 0, 0, 0, NULL, 0 },
	{ "scann", FIELD_CUSTOM, 0, 0, 0, 0, NULL, 0 },
	{ "train", FIELD_CUSTOM, 0, 0, 0, 0, NULL, 0 },
	{ "resources", FIELD_CUSTOM, 0, 0, 0, 0, NULL, 0 },
};

static const struct field split_fields[] = {
	{ "validation", FIELD_REAL, OFF(split.validation), 0, 0.95, 0, NULL, 0 },
	{ "test", FIELD_REAL, OFF(split.test), 0, 0.95, 0, NULL, 0 },
	{ "test_last", FIELD_U32, OFF(split.test_last), 0, UINT32_MAX, 0, NULL, 0 },
	{ "seed", FIELD_U64, OFF(split.seed), 0, 9007199254740991.0, 0, NULL, 0 },
};

static const struct field target_fields[] = {
	{ "max_drop", FIELD_REAL, OFF(target.max_drop), 0, 1, 0, NULL, 0 },
	{ "noise_se", FIELD_REAL, OFF(target.noise_se), 0, 3, 0, NULL, 0 },
	{ "max_steps", FIELD_U32, OFF(target.max_steps), 0, 1000, 0, NULL, 0 },
};

static const struct field scann_fields[] = {
	{ "search", FIELD_ENUM, OFF(scann.search), 0, 0, 0, NAMES(search_names) },
	{ "iterations", FIELD_U32, OFF(scann.iterations), 0, 1000, 0, NULL, 0 },
	{ "epochs_per_step", FIELD_U32, OFF(scann.epochs_per_step), 0, 1000, 0, NULL, 0 },
	{ "initial_hidden", FIELD_U32, OFF(scann.initial_hidden), 1, SCANN_SPEC_MAX_WIDTH, 0, NULL, 0 },
	{ "max_hidden", FIELD_U32, OFF(scann.max_hidden), 1, SCANN_SPEC_MAX_WIDTH, 0, NULL, 0 },
	{ "neuron_growth", FIELD_U32, OFF(scann.neuron_growth), 0, SCANN_SPEC_MAX_WIDTH, 0, NULL, 0 },
	{ "growth", FIELD_CUSTOM, 0, 0, 0, 0, NULL, 0 },
	{ "pruning", FIELD_CUSTOM, 0, 0, 0, 0, NULL, 0 },
	{ "initial_prune", FIELD_REAL, OFF(scann.initial_prune), 0, 0.9999, 0, NULL, 0 },
	{ "prune_first", FIELD_REAL, OFF(scann.prune_first), 0, 0.9999, 0, NULL, 0 },
};

static const struct field train_fields[] = {
	{ "optimizer", FIELD_ENUM, OFF(train.optimizer), 0, 0, 0, NAMES(optimizer_names) },
	{ "lr", FIELD_REAL, OFF(train.lr), 0, 10, 1, NULL, 0 },
	{ "weight_decay", FIELD_REAL, OFF(train.weight_decay), 0, 1, 0, NULL, 0 },
	{ "momentum", FIELD_REAL, OFF(train.momentum), 0, 0.9999, 0, NULL, 0 },
	{ "batch", FIELD_U32, OFF(train.batch), 1, 65536, 0, NULL, 0 },
	{ "epochs", FIELD_U32, OFF(train.epochs), 0, SCANN_SPEC_MAX_EPOCHS, 0, NULL, 0 },
	{ "patience", FIELD_U32, OFF(train.patience), 0, SCANN_SPEC_MAX_EPOCHS, 0, NULL, 0 },
	{ "seed", FIELD_U64, OFF(train.seed), 0, 9007199254740991.0, 0, NULL, 0 },
	{ "schedule", FIELD_ENUM, OFF(train.schedule), 0, 0, 0, NAMES(schedule_names) },
};

static const struct field resources_fields[] = {
	{ "threads", FIELD_U32, OFF(resources.threads), 1, 256, 0, NULL, 0 },
	{ "timeout_s", FIELD_U32, OFF(resources.timeout_s), 1, 30 * 24 * 3600, 0, NULL, 0 },
	{ "budget_s", FIELD_U32, OFF(resources.budget_s), 1, 30 * 24 * 3600, 0, NULL, 0 },
};

/* ---- reading values ------------------------------------------------------- */

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:	return "an object";
	case JSON_ARRAY:	return "an array";
	case JSON_STRING:	return "a string";
	case JSON_INTEGER:	return "an integer";
	case JSON_REAL:		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:	return "a boolean";
	default:		return "null";
	}
}

/* path "a.b" + "c" -> "a.b.c" into buf. */
static const char *join(char *buf, size_t size, const char *path,
			const char *name)
{
	snprintf(buf, size, "%s%s%s", path, *path ? "." : "", name);
	return buf;
}

static int read_u64(const json_t *v, const char *path, double min, double max,
		    uint64_t *out, struct scann_error *err)
{
	json_int_t i;

	if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
	    fabs(json_real_value(v)) < 9007199254740992.0)
		i = (json_int_t)json_real_value(v);	/* 30.0 is 30 */
	else if (json_is_integer(v))
		i = json_integer_value(v);
	else
		return scann_error_set(err, SCANN_EINVAL, path,
				       "%s must be an integer, not %s", path,
				       json_kind(v));
	if ((double)i < min || (double)i > max)
		return scann_error_set(err, SCANN_EINVAL, path,
				       "%s must be in [%.0f, %.0f], got %lld", path,
				       min, max, (long long)i);
	*out = (uint64_t)i;
	return 0;
}

static int read_u32(const json_t *v, const char *path, double min, double max,
		    uint32_t *out, struct scann_error *err)
{
	uint64_t u;
	int rc = read_u64(v, path, min, max, &u, err);

	if (rc == 0)
		*out = (uint32_t)u;
	return rc;
}

static int read_real(const json_t *v, const char *path, double min, double max,
		     int open_min, double *out, struct scann_error *err)
{
	double d;

	if (!json_is_number(v))
		return scann_error_set(err, SCANN_EINVAL, path,
				       "%s must be a number, not %s", path,
				       json_kind(v));
	d = json_number_value(v);
	if (!isfinite(d) || d < min || d > max || (open_min && d == min))
		return scann_error_set(err, SCANN_EINVAL, path,
				       "%s must be in %c%g, %g], got %g", path,
				       open_min ? '(' : '[', min, max, d);
	*out = d;
	return 0;
}

static int read_enum(const json_t *v, const char *path,
		     const char *const *names, size_t n, int *out,
		     struct scann_error *err)
{
	char list[256] = "";

	if (json_is_string(v))
		for (size_t i = 0; i < n; i++)
			if (strcmp(json_string_value(v), names[i]) == 0) {
				*out = (int)i;
				return 0;
			}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(list);

		snprintf(list + len, sizeof(list) - len, "%s\"%s\"",
			 i ? ", " : "", names[i]);
	}
	if (!json_is_string(v))
		return scann_error_set(err, SCANN_EINVAL, path,
				       "%s must be one of %s, not %s", path, list,
				       json_kind(v));
	return scann_error_set(err, SCANN_EINVAL, path,
			       "%s must be one of %s, got \"%.64s\"", path, list,
			       json_string_value(v));
}

static int read_string(const json_t *v, const char *path, size_t min,
		       size_t size, char *out, struct scann_error *err)
{
	const char *s;
	size_t len;

	if (!json_is_string(v))
		return scann_error_set(err, SCANN_EINVAL, path,
				       "%s must be a string, not %s", path,
				       json_kind(v));
	s = json_string_value(v);
	len = json_string_length(v);
	if (len < min)
		return scann_error_set(err, SCANN_EINVAL, path, "%s is empty", path);
	if (len >= size)
		return scann_error_set(err, SCANN_EINVAL, path,
				       "%s is %zu bytes long; the limit is %zu",
				       path, len, size - 1);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20)
			return scann_error_set(err, SCANN_EINVAL, path,
					       "%s contains a control character at "
					       "byte %zu", path, i);
	memcpy(out, s, len + 1);
	return 0;
}

typedef int (*custom_fn)(const json_t *v, const char *path,
			 struct scann_job_spec *spec, struct scann_error *err);

/*
 * Read object obj (at path) against fields[]: every key must be listed;
 * scalar fields are stored, custom ones handed to custom(name, ...).
 */
static int read_object(const json_t *obj, const char *path,
		       const struct field *fields, size_t n,
		       struct scann_job_spec *spec,
		       int (*custom)(const char *name, const json_t *v,
				     const char *path, struct scann_job_spec *spec,
				     struct scann_error *err),
		       struct scann_error *err)
{
	const char *key;
	json_t *v;
	char sub[SCANN_ERROR_FIELD_MAX];

	if (!json_is_object(obj))
		return scann_error_set(err, SCANN_EINVAL, *path ? path : NULL,
				       "%s must be an object, not %s",
				       *path ? path : "the job spec", json_kind(obj));
	json_object_foreach((json_t *)obj, key, v) {
		const struct field *f = NULL;
		char *at;
		int rc = 0;

		for (size_t i = 0; i < n; i++)
			if (strcmp(fields[i].name, key) == 0) {
				f = &fields[i];
				break;
			}
		join(sub, sizeof(sub), path, key);
		if (f == NULL)
			return scann_error_set(err, SCANN_EINVAL, sub,
					       "unknown field \"%.64s\"%s%s", key,
					       *path ? " in " : "", path);
		at = (char *)spec + f->offset;
		switch (f->kind) {
		case FIELD_U32:
			rc = read_u32(v, sub, f->min, f->max, (uint32_t *)at, err);
			break;
		case FIELD_U64:
			rc = read_u64(v, sub, f->min, f->max, (uint64_t *)at, err);
			break;
		case FIELD_REAL:
			rc = read_real(v, sub, f->min, f->max, f->open_min,
				       (double *)at, err);
			break;
		case FIELD_ENUM: {
			int e;

			rc = read_enum(v, sub, f->names, f->n_names, &e, err);
			if (rc == 0)
				*(int *)at = e;
			break;
		}
		case FIELD_STRING:
			rc = read_string(v, sub, (size_t)f->min, (size_t)f->max, at,
					 err);
			break;
		case FIELD_CUSTOM:
			rc = custom(key, v, sub, spec, err);
			break;
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* A JSON array of positive integers in [min, max], at most cap of them. */
static int read_u32_array(const json_t *v, const char *path, uint32_t min,
			  uint32_t max, uint32_t *out, uint32_t cap,
			  uint32_t *n, struct scann_error *err)
{
	char sub[SCANN_ERROR_FIELD_MAX];
	size_t i;
	json_t *item;

	if (!json_is_array(v))
		return scann_error_set(err, SCANN_EINVAL, path,
				       "%s must be an array, not %s", path,
				       json_kind(v));
	if (json_array_size(v) == 0 || json_array_size(v) > cap)
		return scann_error_set(err, SCANN_EINVAL, path,
				       "%s must hold 1 to %u values, got %zu", path,
				       cap, json_array_size(v));
	json_array_foreach(v, i, item) {
		int rc;

		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		rc = read_u32(item, sub, min, max, &out[i], err);
		if (rc != 0)
			return rc;
	}
	*n = (uint32_t)json_array_size(v);
	return 0;
}

/* ---- the objects with more than ranges ------------------------------------ */

/* Refuse a key of obj (at path, which err->field names) not in keys[]. */
static int only_keys(const json_t *obj, const char *path,
		     const char *const *keys, size_t n, struct scann_error *err)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		size_t i = 0;

		while (i < n && strcmp(key, keys[i]) != 0)
			i++;
		if (i == n) {
			char sub[SCANN_ERROR_FIELD_MAX];

			return scann_error_set(err, SCANN_EINVAL,
					       join(sub, sizeof(sub), path, key),
					       "unknown field \"%.64s\" in %s", key,
					       path);
		}
	}
	return 0;
}

#define ONLY_KEYS(obj, path, err, ...) \
	only_keys((obj), (path), (const char *const[]){ __VA_ARGS__ }, \
		  sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *), (err))

static int no_custom(const char *name, const json_t *v, const char *path,
		     struct scann_job_spec *spec, struct scann_error *err)
{
	return scann_error_set(err, SCANN_EINTERNAL, path, "%s: internal", path);
}

static int read_split(const json_t *v, const char *path,
		      struct scann_job_spec *spec, struct scann_error *err)
{
	int rc = read_object(v, path, split_fields,
			     sizeof(split_fields) / sizeof(split_fields[0]), spec,
			     no_custom, err);

	if (rc != 0)
		return rc;
	if (json_object_get(v, "test_last") != NULL) {
		if (json_object_get(v, "test") != NULL)
			return scann_error_set(err, SCANN_EINVAL, "split.test",
					       "split.test and split.test_last both "
					       "choose the test set: give one");
		spec->split.test = 0;
	}
	if (spec->split.validation + spec->split.test >= 0.95)
		return scann_error_set(err, SCANN_EINVAL, "split.validation",
				       "split.validation + split.test = %g leaves "
				       "too few training rows (must be < 0.95)",
				       spec->split.validation + spec->split.test);
	return 0;
}

static int read_baseline(const json_t *v, const char *path,
			 struct scann_job_spec *spec, struct scann_error *err)
{
	struct scann_baseline_spec *b = &spec->baseline;
	json_t *item;

	if (!json_is_object(v))
		return scann_error_set(err, SCANN_EINVAL, path,
				       "baseline must be an object, not %s",
				       json_kind(v));
	if (ONLY_KEYS(v, "baseline", err, "hidden", "search") != 0)
		return SCANN_EINVAL;
	if ((json_object_get(v, "hidden") != NULL) ==
	    (json_object_get(v, "search") != NULL))
		return scann_error_set(err, SCANN_EINVAL, "baseline",
				       "baseline needs exactly one of \"hidden\" "
				       "(a fixed MLP) or \"search\"");
	if ((item = json_object_get(v, "hidden")) != NULL) {
		b->search = 0;
		return read_u32_array(item, "baseline.hidden", 1,
				      SCANN_SPEC_MAX_WIDTH, b->hidden,
				      SCANN_SPEC_MAX_LAYERS, &b->n_hidden, err);
	}
	item = json_object_get(v, "search");
	if (!json_is_object(item))
		return scann_error_set(err, SCANN_EINVAL, "baseline.search",
				       "baseline.search must be an object, not %s",
				       json_kind(item));
	if (ONLY_KEYS(item, "baseline.search", err, "depths", "widths") != 0)
		return SCANN_EINVAL;
	b->search = 1;
	b->n_hidden = 0;
	if (json_object_get(item, "depths") == NULL ||
	    json_object_get(item, "widths") == NULL)
		return scann_error_set(err, SCANN_EINVAL, "baseline.search",
				       "baseline.search needs \"depths\" and "
				       "\"widths\"");
	if (read_u32_array(json_object_get(item, "depths"),
			   "baseline.search.depths", 1, SCANN_SPEC_MAX_LAYERS,
			   b->depths, SCANN_SPEC_MAX_LAYERS, &b->n_depths, err) != 0)
		return SCANN_EINVAL;
	return read_u32_array(json_object_get(item, "widths"),
			      "baseline.search.widths", 1, SCANN_SPEC_MAX_WIDTH,
			      b->widths, SCANN_SPEC_MAX_WIDTHS, &b->n_widths, err);
}

static int read_dr(const json_t *v, const char *path,
		   struct scann_job_spec *spec, struct scann_error *err)
{
	struct scann_dr_spec *dr = &spec->dr;
	json_t *item;
	size_t i;

	if (json_is_null(v)) {
		dr->enabled = 0;
		return 0;
	}
	if (!json_is_object(v))
		return scann_error_set(err, SCANN_EINVAL, "dr",
				       "dr must be an object or null, not %s",
				       json_kind(v));
	dr->enabled = 1;
	if (ONLY_KEYS(v, "dr", err, "methods", "ratios", "max_drop") != 0)
		return SCANN_EINVAL;
	if ((item = json_object_get(v, "methods")) != NULL) {
		if (!json_is_array(item) || json_array_size(item) == 0)
			return scann_error_set(err, SCANN_EINVAL, "dr.methods",
					       "dr.methods must be a non-empty array "
					       "of method names");
		json_t *name;

		dr->methods = 0;
		json_array_foreach(item, i, name) {
			char sub[64];
			int m;

			snprintf(sub, sizeof(sub), "dr.methods[%zu]", i);
			if (read_enum(name, sub, dr_names, SCANN_DR_METHOD_COUNT, &m,
				      err) != 0)
				return SCANN_EINVAL;
			if (dr->methods & (1u << m))
				return scann_error_set(err, SCANN_EINVAL, sub,
						       "%s: \"%s\" is listed twice",
						       sub, dr_names[m]);
			dr->methods |= 1u << m;
		}
	}
	if ((item = json_object_get(v, "ratios")) != NULL) {
		json_t *r;

		if (!json_is_array(item) || json_array_size(item) == 0 ||
		    json_array_size(item) > SCANN_SPEC_MAX_RATIOS)
			return scann_error_set(err, SCANN_EINVAL, "dr.ratios",
					       "dr.ratios must be an array of 1 to %d "
					       "numbers", SCANN_SPEC_MAX_RATIOS);
		json_array_foreach(item, i, r) {
			char sub[64];

			snprintf(sub, sizeof(sub), "dr.ratios[%zu]", i);
			if (read_real(r, sub, 1, 65536, 0, &dr->ratios[i], err) != 0)
				return SCANN_EINVAL;
			if (i > 0 && dr->ratios[i] <= dr->ratios[i - 1])
				return scann_error_set(err, SCANN_EINVAL, sub,
						       "dr.ratios must rise strictly: "
						       "%s is %g after %g", sub,
						       dr->ratios[i], dr->ratios[i - 1]);
		}
		dr->n_ratios = (uint32_t)json_array_size(item);
	}
	if ((item = json_object_get(v, "max_drop")) != NULL)
		return read_real(item, "dr.max_drop", 0, 1, 0, &dr->max_drop, err);
	return 0;
}

static int read_growth(const json_t *v, const char *path,
		       struct scann_job_spec *spec, struct scann_error *err)
{
	struct scann_synth_spec *s = &spec->scann;
	json_t *item;
	int mode;

	if (!json_is_object(v))
		return scann_error_set(err, SCANN_EINVAL, path,
				       "%s must be an object, not %s", path,
				       json_kind(v));
	if (ONLY_KEYS(v, path, err, "mode", "fraction") != 0)
		return SCANN_EINVAL;
	if ((item = json_object_get(v, "mode")) != NULL) {
		if (read_enum(item, "scann.growth.mode", growth_names, 3, &mode,
			      err) != 0)
			return SCANN_EINVAL;
		s->growth_mode = (enum scann_growth_mode)mode;
	}
	if ((item = json_object_get(v, "fraction")) != NULL) {
		if (s->growth_mode != SCANN_GROWTH_GRADIENT)
			return scann_error_set(err, SCANN_EINVAL,
					       "scann.growth.fraction",
					       "scann.growth.fraction applies only to "
					       "mode \"gradient\"; full growth "
					       "restores every allowed connection, "
					       "none grows nothing");
		return read_real(item, "scann.growth.fraction", 0, 1, 1,
				 &s->growth_fraction, err);
	}
	return 0;
}

static int read_pruning(const json_t *v, const char *path,
			struct scann_job_spec *spec, struct scann_error *err)
{
	struct scann_synth_spec *s = &spec->scann;
	json_t *fraction, *keep;

	if (!json_is_object(v))
		return scann_error_set(err, SCANN_EINVAL, path,
				       "%s must be an object, not %s", path,
				       json_kind(v));
	if (ONLY_KEYS(v, path, err, "fraction", "keep") != 0)
		return SCANN_EINVAL;
	fraction = json_object_get(v, "fraction");
	keep = json_object_get(v, "keep");
	if ((fraction != NULL) == (keep != NULL))
		return scann_error_set(err, SCANN_EINVAL, path,
				       "%s needs exactly one of \"fraction\" (of "
				       "the connections to remove) or \"keep\" "
				       "(connections to keep)", path);
	if (fraction != NULL) {
		s->pruning_keep = 0;
		return read_real(fraction, "scann.pruning.fraction", 0, 0.9999, 0,
				 &s->pruning_fraction, err);
	}
	s->pruning_fraction = 0;
	return read_u32(keep, "scann.pruning.keep", 1, UINT32_MAX,
			&s->pruning_keep, err);
}

/* Layer i of front.layers: {"type": "conv", "maps": M, "kernel": K},
 * {"type": "pool"} (max 2x2, stride 2) or {"type": "relu"}. */
static int read_front_layer(const json_t *v, size_t i,
			    struct scann_front_layer *L, struct scann_error *err)
{
	char path[64], sub[80];
	const json_t *type = json_object_get(v, "type");
	int kind;

	snprintf(path, sizeof(path), "front.layers[%zu]", i);
	if (!json_is_object(v))
		return scann_error_set(err, SCANN_EINVAL, path,
				       "%s must be an object, not %s", path,
				       json_kind(v));
	snprintf(sub, sizeof(sub), "%s.type", path);
	if (read_enum(type ? type : json_null(), sub, front_kind_names, 3,
		      &kind, err) != 0)
		return SCANN_EINVAL;
	L->kind = (enum scann_front_kind)kind;
	L->maps = L->k = 0;
	if (L->kind != SCANN_FRONT_CONV)
		return ONLY_KEYS(v, path, err, "type");
	if (ONLY_KEYS(v, path, err, "type", "maps", "kernel") != 0)
		return SCANN_EINVAL;
	if (!json_object_get(v, "maps") || !json_object_get(v, "kernel"))
		return scann_error_set(err, SCANN_EINVAL, path,
				       "%s: a conv layer needs \"maps\" (its "
				       "kernel count) and \"kernel\" (the side)",
				       path);
	snprintf(sub, sizeof(sub), "%s.maps", path);
	if (read_u32(json_object_get(v, "maps"), sub, 1,
		     SCANN_SPEC_MAX_FRONT_MAPS, &L->maps, err) != 0)
		return SCANN_EINVAL;
	snprintf(sub, sizeof(sub), "%s.kernel", path);
	return read_u32(json_object_get(v, "kernel"), sub, 1,
			SCANN_SPEC_MAX_FRONT_KERNEL, &L->k, err);
}

/* "front": null, {"preset": "lenet5"} or {"layers": [...]}, with
 * "input": [channels, height, width] optional (IDX data has its own). */
static int read_front(const json_t *v, const char *path,
		      struct scann_job_spec *spec, struct scann_error *err)
{
	struct scann_front_spec *f = &spec->front;
	const json_t *preset, *layers, *input, *item;
	size_t i;

	f->enabled = 0;
	f->preset = -1;
	f->n_layers = 0;
	if (json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return scann_error_set(err, SCANN_EINVAL, path,
				       "front must be null or an object, not %s",
				       json_kind(v));
	if (ONLY_KEYS(v, "front", err, "preset", "layers", "input") != 0)
		return SCANN_EINVAL;
	preset = json_object_get(v, "preset");
	layers = json_object_get(v, "layers");
	if ((preset != NULL) == (layers != NULL))
		return scann_error_set(err, SCANN_EINVAL, "front",
				       "front needs exactly one of \"preset\" "
				       "(\"lenet5\") or \"layers\"");
	if (preset) {
		const char *names[N_FRONT_PRESETS];
		int k;

		for (i = 0; i < N_FRONT_PRESETS; i++)
			names[i] = front_presets[i].name;
		if (read_enum(preset, "front.preset", names, N_FRONT_PRESETS, &k,
			      err) != 0)
			return SCANN_EINVAL;
		f->preset = k;
		f->n_layers = front_presets[k].n_layers;
		memcpy(f->layers, front_presets[k].layers,
		       f->n_layers * sizeof(f->layers[0]));
	} else {
		if (!json_is_array(layers) || json_array_size(layers) == 0 ||
		    json_array_size(layers) > SCANN_SPEC_MAX_FRONT_LAYERS)
			return scann_error_set(err, SCANN_EINVAL, "front.layers",
					       "front.layers must be an array of 1 "
					       "to %u layers", SCANN_SPEC_MAX_FRONT_LAYERS);
		json_array_foreach(layers, i, item)
			if (read_front_layer(item, i, &f->layers[i], err) != 0)
				return SCANN_EINVAL;
		f->n_layers = (uint32_t)json_array_size(layers);
	}
	f->channels = f->height = f->width = 0;
	if ((input = json_object_get(v, "input")) != NULL) {
		uint32_t shape[3], n = 0;

		if (read_u32_array(input, "front.input", 1, 65536, shape, 3, &n,
				   err) != 0)
			return SCANN_EINVAL;
		if (n != 3)
			return scann_error_set(err, SCANN_EINVAL, "front.input",
					       "front.input is [channels, height, "
					       "width], not %u values", n);
		f->channels = shape[0];
		f->height = shape[1];
		f->width = shape[2];
		if (scann_front_outputs(f, f->channels, f->height, f->width,
					err) == 0)
			return SCANN_EINVAL;
	}
	f->enabled = 1;
	return 0;
}

static int scann_custom(const char *name, const json_t *v, const char *path,
			struct scann_job_spec *spec, struct scann_error *err)
{
	if (strcmp(name, "growth") == 0)
		return read_growth(v, path, spec, err);
	return read_pruning(v, path, spec, err);
}

static int top_custom(const char *name, const json_t *v, const char *path,
		      struct scann_job_spec *spec, struct scann_error *err)
{
	if (strcmp(name, "preset") == 0)
		return 0;	/* scann_spec_from_json applied it first */
	if (strcmp(name, "split") == 0)
		return read_split(v, path, spec, err);
	if (strcmp(name, "baseline") == 0)
		return read_baseline(v, path, spec, err);
	if (strcmp(name, "dr") == 0)
		return read_dr(v, path, spec, err);
	if (strcmp(name, "front") == 0)
		return read_front(v, path, spec, err);
	if (strcmp(name, "target") == 0)
		return read_object(v, path, target_fields,
				   sizeof(target_fields) / sizeof(target_fields[0]),
				   spec, no_custom, err);
	if (strcmp(name, "scann") == 0)
		return read_object(v, path, scann_fields,
				   sizeof(scann_fields) / sizeof(scann_fields[0]),
				   spec, scann_custom, err);
	if (strcmp(name, "train") == 0)
		return read_object(v, path, train_fields,
				   sizeof(train_fields) / sizeof(train_fields[0]),
				   spec, no_custom, err);
	return read_object(v, path, resources_fields,
			   sizeof(resources_fields) / sizeof(resources_fields[0]),
			   spec, no_custom, err);
}

/*
 * Job presets: the paper's schemes on MNIST images (Section 4.1, Table
 * III), as other defaults -- a spec's own fields still override them.
 * Every one is LeNet-5's front trained as the paper trains it (SGD lr
 * 0.03, momentum 0.9, weight decay 1e-4, batch 64) with the paper's
 * recipe (scann.search "recipe").
 *   lenet5-a  scheme A: 300 hidden neurons growing to at most 500, 95% of
 *             the connections pruned after the first training, 5 neurons
 *             per neuron growth, 35% of the dormant connections grown, 25%
 *             of those pruned again;
 *   lenet5-b  scheme B: a 400-neuron baseline pruned to about 19.3K
 *             connections (94.04% of its 324,000), regrown to 90% of them
 *             (89.4% of the dormant ones), pruned back to 19,300;
 *   lenet5-c  scheme C: the whole network, kernels included, pruned to
 *             5,000 weights (with the 580 biases about 77x fewer
 *             parameters than 431,080, the 75x bar), with full
 *             regrowth in between (dense-sparse-dense).
 */
static void preset_lenet5(struct scann_job_spec *spec)
{
	spec->front.enabled = 1;
	spec->front.preset = SCANN_FRONT_PRESET_LENET5;
	spec->front.n_layers = SCANN_FRONT_LENET5_LAYERS;
	memcpy(spec->front.layers, scann_front_lenet5, sizeof(scann_front_lenet5));
	spec->baseline.search = 0;
	spec->baseline.n_hidden = 1;
	spec->baseline.hidden[0] = 500;
	spec->scann.search = SCANN_SEARCH_RECIPE;
	spec->train.optimizer = SCANN_OPT_SGD;
	spec->train.lr = 0.03;
	spec->train.momentum = 0.9;
	spec->train.weight_decay = 1e-4;
	spec->train.batch = 64;
}

static void preset_lenet5_a(struct scann_job_spec *spec)
{
	preset_lenet5(spec);
	spec->scheme = SCANN_SCHEME_A;
	spec->scann.initial_hidden = 300;
	spec->scann.max_hidden = 500;
	spec->scann.neuron_growth = 5;
	spec->scann.growth_mode = SCANN_GROWTH_GRADIENT;
	spec->scann.growth_fraction = 0.35;
	spec->scann.prune_first = 0.95;
	spec->scann.pruning_fraction = 0.25;
	spec->scann.pruning_keep = 0;
}

static void preset_lenet5_b(struct scann_job_spec *spec)
{
	preset_lenet5(spec);
	spec->scheme = SCANN_SCHEME_B;
	spec->baseline.hidden[0] = 400;
	spec->scann.initial_prune = 0.94043;
	spec->scann.growth_mode = SCANN_GROWTH_GRADIENT;
	spec->scann.growth_fraction = 0.894;
	spec->scann.pruning_fraction = 0;
	spec->scann.pruning_keep = 19300;
}

static void preset_lenet5_c(struct scann_job_spec *spec)
{
	preset_lenet5(spec);
	spec->scheme = SCANN_SCHEME_C;
	spec->scann.initial_prune = 0.95;
	spec->scann.growth_mode = SCANN_GROWTH_FULL;
	spec->scann.pruning_fraction = 0;
	spec->scann.pruning_keep = 5000;
}

/* The one table of job presets ("preset": NAME). */
static const struct {
	const char *name;
	void (*apply)(struct scann_job_spec *spec);
} job_presets[] = {
	{ "lenet5-a", preset_lenet5_a },
	{ "lenet5-b", preset_lenet5_b },
	{ "lenet5-c", preset_lenet5_c },
};

#define N_JOB_PRESETS (sizeof(job_presets) / sizeof(job_presets[0]))

const char *scann_job_preset_name(int i)
{
	return i >= 0 && (size_t)i < N_JOB_PRESETS ? job_presets[i].name : NULL;
}

/* in's "preset", if any, over the defaults in *spec. */
static int apply_preset(const json_t *in, struct scann_job_spec *spec,
			struct scann_error *err)
{
	const json_t *v = json_is_object(in) ? json_object_get(in, "preset") : NULL;
	const char *names[N_JOB_PRESETS];
	int k;

	if (v == NULL)
		return 0;
	for (size_t i = 0; i < N_JOB_PRESETS; i++)
		names[i] = job_presets[i].name;
	if (read_enum(v, "preset", names, N_JOB_PRESETS, &k, err) != 0)
		return SCANN_EINVAL;
	job_presets[k].apply(spec);
	return 0;
}

int scann_spec_from_json(const json_t *in, struct scann_job_spec *spec,
			 struct scann_error *err)
{
	int rc;

	scann_spec_defaults(spec);
	rc = apply_preset(in, spec, err);
	if (rc != 0)
		return rc;
	rc = read_object(in, "", top_fields,
			 sizeof(top_fields) / sizeof(top_fields[0]), spec,
			 top_custom, err);
	if (rc != 0)
		return rc;
	if (spec->dataset[0] == '\0')
		return scann_error_set(err, SCANN_EINVAL, "dataset",
				       "dataset is required: a dataset id, or for "
				       "scann-worker a CSV file or IDX directory");
	/* A study compares DR against no DR, so it needs DR methods. */
	if (spec->task == SCANN_TASK_STUDY && json_object_get(in, "dr") == NULL)
		spec->dr.enabled = 1;
	if (spec->task == SCANN_TASK_STUDY && !spec->dr.enabled)
		return scann_error_set(err, SCANN_EINVAL, "dr",
				       "a study compares DR with SCANN: dr cannot "
				       "be null when task is \"study\"");
	/* DR reads feature vectors; a front reads images. */
	if (spec->front.enabled && spec->dr.enabled)
		return scann_error_set(err, SCANN_EINVAL, "front",
				       "a front reads images and DR reduces "
				       "features: front and dr (or task \"study\") "
				       "cannot be combined");
	{
		const struct scann_baseline_spec *b = &spec->baseline;
		uint32_t total = 0, depth = 0, width = 0;
		const char *field = "baseline.hidden";

		if (b->search) {
			for (uint32_t i = 0; i < b->n_depths; i++)
				depth = b->depths[i] > depth ? b->depths[i] : depth;
			for (uint32_t i = 0; i < b->n_widths; i++)
				width = b->widths[i] > width ? b->widths[i] : width;
			total = depth * width;	/* both capped: no overflow */
			field = "baseline.search.widths";
		} else {
			for (uint32_t i = 0; i < b->n_hidden; i++)
				total += b->hidden[i];
		}
		if (total > SCANN_SPEC_MAX_HIDDEN)
			return scann_error_set(err, SCANN_EINVAL, field,
					       "%s asks for a network of %u hidden "
					       "neurons; a job may have %u in all "
					       "(memory grows with their square)",
					       field, total, SCANN_SPEC_MAX_HIDDEN);
		if (spec->scann.max_hidden > SCANN_SPEC_MAX_HIDDEN)
			return scann_error_set(err, SCANN_EINVAL, "scann.max_hidden",
					       "scann.max_hidden is %u; a job may have "
					       "%u hidden neurons in all",
					       spec->scann.max_hidden,
					       SCANN_SPEC_MAX_HIDDEN);
	}
	if (spec->scann.max_hidden < spec->scann.initial_hidden)
		return scann_error_set(err, SCANN_EINVAL, "scann.max_hidden",
				       "scann.max_hidden (%u) is below "
				       "scann.initial_hidden (%u)",
				       spec->scann.max_hidden,
				       spec->scann.initial_hidden);
	{
		const json_t *sc = json_object_get(in, "scann");
		/* the first recipe-only field the spec gives, if any */
		const char *recipe_field =
			json_object_get(sc, "pruning") ? "scann.pruning" :
			json_object_get(sc, "initial_prune") ? "scann.initial_prune" :
			json_object_get(sc, "prune_first") ? "scann.prune_first" :
			NULL;

		/* Those fields only mean something to the paper's recipe, so a
		 * spec that gives them asks for it -- unless it says otherwise. */
		if (json_object_get(sc, "search") == NULL && recipe_field)
			spec->scann.search = SCANN_SEARCH_RECIPE;
		if (spec->scann.search == SCANN_SEARCH_TARGET && recipe_field)
			return scann_error_set(err, SCANN_EINVAL, recipe_field,
					       "%s applies to scann.search \"recipe\"; "
					       "the targeted search sizes its own steps",
					       recipe_field);
	}
	if (spec->scann.growth_mode == SCANN_GROWTH_NONE &&
	    spec->scann.search != SCANN_SEARCH_RECIPE)
		return scann_error_set(err, SCANN_EINVAL, "scann.growth.mode",
				       "scann.growth.mode \"none\" applies to "
				       "scann.search \"recipe\" (iterative "
				       "magnitude pruning); the targeted search "
				       "grows to recover");
	if (spec->scheme == SCANN_SCHEME_C &&
	    json_object_get(json_object_get(json_object_get(in, "scann"),
					    "growth"), "mode") == NULL)
		spec->scann.growth_mode = SCANN_GROWTH_FULL;	/* DSD */
	return 0;
}

int scann_spec_parse(const char *text, size_t len, struct scann_job_spec *spec,
		     struct scann_error *err)
{
	json_error_t jerr;
	json_t *root;
	int rc;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return scann_error_set(err, SCANN_EINVAL, NULL,
				       "the job spec is not valid JSON: line %d, "
				       "column %d: %s", jerr.line, jerr.column,
				       jerr.text);
	rc = scann_spec_from_json(root, spec, err);
	json_decref(root);
	return rc;
}

/* The whole of f; NULL when out of memory or on a read error (errno). */
static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);

	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (got == 0)
			break;
		if (n == cap) {
			char *grown = realloc(buf, cap *= 2);

			if (grown == NULL) {
				free(buf);
				return NULL;
			}
			buf = grown;
		}
	}
	if (buf != NULL && ferror(f)) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

int scann_spec_load(const char *path, struct scann_job_spec *spec,
		    struct scann_error *err)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t len = 0;
	char *text;
	int rc;

	if (f == NULL)
		return scann_error_set(err, errno == ENOENT ? SCANN_ENOENT :
				       SCANN_EIO, NULL, "%s: %s", path,
				       strerror(errno));
	errno = 0;
	text = read_all(f, &len);
	rc = errno;
	if (f != stdin)
		fclose(f);
	if (text == NULL)
		return rc && rc != ENOMEM ?
			scann_error_set(err, SCANN_EIO, NULL, "%s: %s", path,
					strerror(rc)) :
			scann_error_set(err, SCANN_ENOMEM, NULL,
					"out of memory reading %s", path);
	rc = scann_spec_parse(text, len, spec, err);
	free(text);
	return rc;
}

/* ---- writing -------------------------------------------------------------- */

static json_t *u32_array(const uint32_t *v, uint32_t n)
{
	json_t *a = json_array();

	for (uint32_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	return a;
}

json_t *scann_spec_to_json(const struct scann_job_spec *spec)
{
	const struct scann_synth_spec *s = &spec->scann;
	const struct scann_train_spec *t = &spec->train;
	json_t *split, *baseline, *dr, *growth, *pruning, *root;

	if (spec->split.test_last > 0)
		split = json_pack("{s:f, s:I, s:I}", "validation",
				  spec->split.validation, "test_last",
				  (json_int_t)spec->split.test_last, "seed",
				  (json_int_t)spec->split.seed);
	else
		split = json_pack("{s:f, s:f, s:I}", "validation",
				  spec->split.validation, "test", spec->split.test,
				  "seed", (json_int_t)spec->split.seed);
	if (spec->baseline.search)
		baseline = json_pack("{s:{s:o, s:o}}", "search", "depths",
				     u32_array(spec->baseline.depths,
					       spec->baseline.n_depths),
				     "widths",
				     u32_array(spec->baseline.widths,
					       spec->baseline.n_widths));
	else
		baseline = json_pack("{s:o}", "hidden",
				     u32_array(spec->baseline.hidden,
					       spec->baseline.n_hidden));
	if (spec->dr.enabled) {
		json_t *methods = json_array();

		for (int m = 0; m < SCANN_DR_METHOD_COUNT; m++)
			if (spec->dr.methods & (1u << m))
				json_array_append_new(methods,
						      json_string(dr_names[m]));
		json_t *ratios = json_array();

		for (uint32_t i = 0; i < spec->dr.n_ratios; i++)
			json_array_append_new(ratios, json_real(spec->dr.ratios[i]));
		dr = json_pack("{s:o, s:o, s:f}", "methods", methods, "ratios",
			       ratios, "max_drop", spec->dr.max_drop);
	} else {
		dr = json_null();
	}
	if (s->growth_mode == SCANN_GROWTH_GRADIENT)
		growth = json_pack("{s:s, s:f}", "mode", "gradient", "fraction",
				   s->growth_fraction);
	else
		growth = json_pack("{s:s}", "mode", growth_names[s->growth_mode]);
	if (s->pruning_keep > 0)
		pruning = json_pack("{s:I}", "keep", (json_int_t)s->pruning_keep);
	else
		pruning = json_pack("{s:f}", "fraction", s->pruning_fraction);

	root = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:s}",
			 "name", spec->name, "dataset", spec->dataset,
			 "task", task_names[spec->task], "split", split,
			 "baseline", baseline, "dr", dr,
			 "scheme", scheme_names[spec->scheme]);
	if (spec->front.enabled) {
		const struct scann_front_spec *f = &spec->front;
		json_t *front;

		if (f->preset >= 0) {
			front = json_pack("{s:s}", "preset",
					  front_presets[f->preset].name);
		} else {
			json_t *layers = json_array();

			for (uint32_t i = 0; i < f->n_layers; i++)
				json_array_append_new(layers,
					f->layers[i].kind == SCANN_FRONT_CONV ?
					json_pack("{s:s, s:I, s:I}", "type", "conv",
						  "maps", (json_int_t)f->layers[i].maps,
						  "kernel", (json_int_t)f->layers[i].k) :
					json_pack("{s:s}", "type",
						  front_kind_names[f->layers[i].kind]));
			front = json_pack("{s:o}", "layers", layers);
		}
		if (f->channels)
			json_object_set_new(front, "input",
				json_pack("[I, I, I]", (json_int_t)f->channels,
					  (json_int_t)f->height, (json_int_t)f->width));
		json_object_set_new(root, "front", front);
	}
	if (spec->label_column[0])
		json_object_set_new(root, "label_column",
				    json_string(spec->label_column));
	json_object_set_new(root, "target",
		json_pack("{s:f, s:f, s:I}", "max_drop", spec->target.max_drop,
			  "noise_se", spec->target.noise_se,
			  "max_steps", (json_int_t)spec->target.max_steps));
	json_object_set_new(root, "scann",
		json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:o}",
			  "search", search_names[s->search],
			  "iterations", (json_int_t)s->iterations,
			  "epochs_per_step", (json_int_t)s->epochs_per_step,
			  "initial_hidden", (json_int_t)s->initial_hidden,
			  "max_hidden", (json_int_t)s->max_hidden,
			  "neuron_growth", (json_int_t)s->neuron_growth,
			  "growth", growth));
	/* The recipe's own sizes; a targeted search refuses them. */
	if (s->search == SCANN_SEARCH_RECIPE) {
		json_t *sc = json_object_get(root, "scann");

		json_object_set_new(sc, "pruning", pruning);
		json_object_set_new(sc, "initial_prune", json_real(s->initial_prune));
		if (s->prune_first > 0)
			json_object_set_new(sc, "prune_first",
					    json_real(s->prune_first));
	} else {
		json_decref(pruning);
	}
	json_object_set_new(root, "train",
		json_pack("{s:s, s:f, s:f, s:f, s:I, s:I, s:I, s:I, s:s}",
			  "optimizer", optimizer_names[t->optimizer],
			  "lr", t->lr, "weight_decay", t->weight_decay,
			  "momentum", t->momentum, "batch", (json_int_t)t->batch,
			  "epochs", (json_int_t)t->epochs,
			  "patience", (json_int_t)t->patience,
			  "seed", (json_int_t)t->seed,
			  "schedule", schedule_names[t->schedule]));
	json_object_set_new(root, "resources",
		json_pack("{s:I, s:I, s:I}", "threads",
			  (json_int_t)spec->resources.threads, "timeout_s",
			  (json_int_t)spec->resources.timeout_s, "budget_s",
			  (json_int_t)spec->resources.budget_s));
	return root;
}
