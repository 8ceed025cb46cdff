/*
 * export_model.c -- one model file to its C pair (export.h,
 * scann_export_model): load it and its data, plan, calibrate int8 on the
 * training rows, measure the float and int8 code on the test rows, write.
 *
 * The data: the model records its data source and split (model.h); the
 * export loads that file (or the request's), and when it is the very data
 * (same row count and fingerprint, as cmd_predict checks) remakes the
 * split.  c-int8 needs it; c does not (its accuracy figures are then left
 * out).
 */
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "job/dataset.h"
#include "job/split.h"
#include "model.h"

/* The test rows' accuracy of the plan (int8 or float), labels by name. */
static double plan_accuracy(const struct scann_export_plan *p, int int8,
			    const struct scann_dataset *ds, const uint32_t *map,
			    const uint32_t *rows, uint32_t n)
{
	struct scann_export_scratch s;
	float *scores = malloc(p->n_out * sizeof(float) + 1);
	uint32_t correct = 0;

	if (scores == NULL || scann_export_scratch_init(&s, p) != 0) {
		free(scores);
		return -1.0;
	}
	for (uint32_t i = 0; i < n; i++) {
		const float *x = ds->x + (size_t)rows[i] * ds->features;
		uint32_t c = int8 ? scann_export_int8_eval(p, &s, x, scores) :
			scann_export_eval(p, &s, x, scores);

		correct += c == map[ds->y[rows[i]]];
	}
	scann_export_scratch_free(&s);
	free(scores);
	return n ? (double)correct / n : -1.0;
}

struct export_data {
	struct scann_dataset *ds;
	struct scann_split split;
	int have_split;
};

/* The model's own data and split, when data_path holds that very data. */
static void load_data(const json_t *jdata, const char *data_path,
		      uint32_t features, struct export_data *d)
{
	const char *label = json_string_value(json_object_get(jdata, "label_column"));
	const char *want = json_string_value(json_object_get(jdata, "fingerprint"));
	struct scann_error err;
	char fp[17];

	if (label && !label[0])
		label = NULL;
	if (data_path == NULL ||
	    scann_dataset_load(data_path, label, &d->ds, &err) != 0 ||
	    d->ds->features != features)
		return;
	scann_dataset_fingerprint(d->ds, fp);
	if (json_integer_value(json_object_get(jdata, "rows")) == d->ds->rows &&
	    want && strcmp(want, fp) == 0) {
		json_t *sp = json_object_get(jdata, "split");
		struct scann_split_spec ss = {
			.validation = json_number_value(json_object_get(sp, "validation")),
			.test = json_number_value(json_object_get(sp, "test")),
			.test_last = (uint32_t)json_integer_value(json_object_get(sp, "test_last")),
			.seed = (uint64_t)json_integer_value(json_object_get(sp, "seed")),
		};

		d->have_split = scann_split_make(d->ds, &ss, &d->split, &err) == 0;
	}
}

int scann_export_model(const struct scann_export_request *rq, FILE *h,
		       FILE *c, json_t **summary, struct scann_error *err)
{
	struct scann_model m;
	struct scann_export_plan p = {0};
	struct export_data d = {0};
	struct scann_export_about a = {.test_acc = -1, .float_acc = -1,
				       .int8_acc = -1};
	json_t *jdata, *classes, *sum, *res;
	const char **names = NULL;
	uint32_t *map = NULL;
	size_t flash, ram;
	int rc;

	*summary = NULL;
	rc = scann_model_load(rq->model_path, &m, err);
	if (rc != 0)
		return rc;
	rc = scann_export_plan_init(&p, &m, err);
	if (rc != 0)
		goto out;
	jdata = json_object_get(m.root, "data");
	classes = json_object_get(m.root, "classes");
	sum = json_object_get(m.root, "summary");
	names = calloc(p.n_out + 1, sizeof(*names));
	if (names == NULL) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
		goto out;
	}
	for (uint32_t o = 0; o < p.n_out; o++) {
		names[o] = json_string_value(json_array_get(classes, o));
		if (names[o] == NULL) {
			rc = scann_error_set(err, SCANN_EINVAL, "classes",
					     "%s: \"classes\" names %zu of %u "
					     "outputs", rq->model_path,
					     json_array_size(classes), p.n_out);
			goto out;
		}
	}
	a.name = rq->name;
	a.class_names = names;
	a.dataset = json_string_value(json_object_get(jdata, "source"));
	a.job = rq->job;
	if (json_is_number(json_object_get(sum, "test_acc")))
		a.test_acc = json_number_value(json_object_get(sum, "test_acc"));
	load_data(jdata, rq->data_path ? rq->data_path : a.dataset, p.features,
		  &d);
	if (!d.have_split && rq->format == SCANN_EXPORT_C_INT8) {
		rc = scann_error_set(err, SCANN_EINVAL, "data",
				     "c-int8 calibrates on the model's training "
				     "rows: %s is not the data the model was made "
				     "from (give it with --data)",
				     rq->data_path ? rq->data_path :
				     a.dataset ? a.dataset : "no file");
		goto out;
	}
	if (d.have_split) {
		const struct scann_dataset *ds = d.ds;

		map = malloc(ds->classes * sizeof(uint32_t) + 1);
		if (map == NULL) {
			rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
			goto out;
		}
		for (uint32_t k = 0; k < ds->classes; k++) {
			map[k] = UINT32_MAX;	/* never an output's index */
			for (uint32_t o = 0; o < p.n_out; o++)
				if (strcmp(ds->class_names[k], names[o]) == 0)
					map[k] = o;
		}
		a.test_rows = d.split.n_test;
		a.float_acc = plan_accuracy(&p, 0, ds, map, d.split.test,
					    d.split.n_test);
		if (rq->format == SCANN_EXPORT_C_INT8) {
			if (scann_export_int8_calibrate(&p, ds->x, d.split.train,
							d.split.n_train) != 0) {
				rc = scann_error_set(err, SCANN_ENOMEM, NULL,
						     "out of memory");
				goto out;
			}
			a.int8_acc = plan_accuracy(&p, 1, ds, map, d.split.test,
						   d.split.n_test);
		}
	}
	rc = scann_export_c_write(&p, rq->format, &a, h, c, err);
	if (rc != 0)
		goto out;
	scann_export_c_size(&p, rq->format, &a, &flash, &ram);
	res = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I}",
			"format", rq->format == SCANN_EXPORT_C ? "c" : "c-int8",
			"features", (json_int_t)p.features,
			"classes", (json_int_t)p.n_out,
			"params", (json_int_t)p.params,
			"macs", (json_int_t)(p.macs + (p.dr ? p.dr->nnz : 0)),
			"flash_bytes", (json_int_t)flash,
			"ram_bytes", (json_int_t)ram);
	if (a.test_acc >= 0)
		json_object_set_new(res, "test_acc", json_real(a.test_acc));
	if (d.have_split) {
		json_object_set_new(res, "test_rows", json_integer(a.test_rows));
		json_object_set_new(res, "float_acc", json_real(a.float_acc));
	}
	if (a.int8_acc >= 0) {
		json_object_set_new(res, "int8_acc", json_real(a.int8_acc));
		json_object_set_new(res, "int8_change",
				    json_real(a.int8_acc - a.float_acc));
	}
	*summary = res;
out:
	scann_split_free(&d.split);
	scann_dataset_free(d.ds);
	scann_export_plan_free(&p);
	scann_model_free(&m);
	free(names);
	free(map);
	return rc;
}
