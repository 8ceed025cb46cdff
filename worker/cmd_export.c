/*
 * cmd_export.c -- "scann-worker export MODEL --format c|c-int8 --out DIR
 * [--name NAME] [--data DATA]": a model file as the C pair DIR/NAME.h and
 * DIR/NAME.c (export.h, export_c.c), with a JSON summary on stdout.
 *
 * The data: the model records its data source and split (model.h); the
 * export loads that file (or DATA), and when it is the very data (same row
 * count and fingerprint, as cmd_predict checks) remakes the split, to
 * calibrate int8 on the training rows and to measure the float and int8
 * code's accuracy on the test rows.  c-int8 needs the data; c does not
 * (its accuracy figures are then left out).
 *
 * Files are written as NAME.h.tmp and NAME.c.tmp and renamed once both are
 * whole, so a failed export leaves no half pair behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cmd.h"
#include "export.h"
#include "job/dataset.h"
#include "job/split.h"
#include "model.h"

static int export_usage(FILE *to, int status)
{
	fprintf(to,
		"Usage: scann-worker export MODEL --format c|c-int8 --out DIR\n"
		"                           [--name NAME] [--data DATA] [--job ID]\n"
		"\n"
		"Write the model file MODEL (model.json of a run) as dependency-free\n"
		"C99: DIR/NAME.h and DIR/NAME.c (NAME defaults to scann_model and must\n"
		"be a C identifier).  The header declares NAME_predict(features,\n"
		"scores), NAME_class_names and the macros NAME_FEATURES and\n"
		"NAME_CLASSES (NAME in upper case).  c is float32 and follows the\n"
		"engine's arithmetic; c-int8 has int8 weights and activations\n"
		"calibrated on the model's training rows (read from the data file the\n"
		"model names, or DATA).  Prints a JSON summary: sizes and the test\n"
		"accuracy of the engine, the float code and the int8 code.  ID is\n"
		"the job named in the header's comment.\n"
		"Models with isomap or spectral DR are refused.\n"
		"\n"
		"Exit status: 0 success, 1 failure, 2 bad usage, model or data.\n");
	return status;
}

static int is_identifier(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

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

/* Write DIR/NAME.h and DIR/NAME.c through temporaries, then rename. */
static int write_pair(const char *dir, const struct scann_export_plan *p,
		      enum scann_export_format f,
		      const struct scann_export_about *a, char *hpath,
		      char *cpath, size_t cap, struct scann_error *err)
{
	char htmp[4200], ctmp[4200];
	FILE *h, *c;
	int rc;

	snprintf(hpath, cap, "%s/%s.h", dir, a->name);
	snprintf(cpath, cap, "%s/%s.c", dir, a->name);
	snprintf(htmp, sizeof(htmp), "%s.tmp", hpath);
	snprintf(ctmp, sizeof(ctmp), "%s.tmp", cpath);
	h = fopen(htmp, "w");
	c = fopen(ctmp, "w");
	if (h == NULL || c == NULL) {
		rc = scann_error_set(err, SCANN_EIO, "--out", "cannot write in %s: %s",
				     dir, strerror(errno));
	} else {
		rc = scann_export_c_write(p, f, a, h, c, err);
	}
	if (h && fclose(h) != 0 && rc == 0)
		rc = scann_error_set(err, SCANN_EIO, NULL, "writing %s failed", htmp);
	if (c && fclose(c) != 0 && rc == 0)
		rc = scann_error_set(err, SCANN_EIO, NULL, "writing %s failed", ctmp);
	if (rc == 0 && (rename(htmp, hpath) != 0 || rename(ctmp, cpath) != 0))
		rc = scann_error_set(err, SCANN_EIO, NULL, "renaming into %s: %s",
				     dir, strerror(errno));
	if (rc != 0) {
		remove(htmp);
		remove(ctmp);
	}
	return rc;
}

static int export_run(int argc, char **argv)
{
	const char *model_path = NULL, *out = NULL, *name = "scann_model";
	const char *format = NULL, *data_path = NULL, *label = NULL, *job = NULL;
	enum scann_export_format f;
	struct scann_model m;
	struct scann_export_plan p = {0};
	struct scann_dataset *ds = NULL;
	struct scann_split split = {0};
	struct scann_export_about a = {.test_acc = -1, .float_acc = -1,
				       .int8_acc = -1};
	struct scann_error err;
	json_t *jdata, *classes, *summary, *res;
	const char **names = NULL;
	uint32_t *map = NULL;
	char hpath[4096], cpath[4096], fp[17];
	size_t flash, ram;
	int status = 2, have_split = 0;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return export_usage(stdout, 0);
		if (v && strcmp(argv[i], "--format") == 0)
			format = v, i++;
		else if (v && strcmp(argv[i], "--out") == 0)
			out = v, i++;
		else if (v && strcmp(argv[i], "--name") == 0)
			name = v, i++;
		else if (v && strcmp(argv[i], "--data") == 0)
			data_path = v, i++;
		else if (v && strcmp(argv[i], "--job") == 0)
			job = v, i++;
		else if (argv[i][0] == '-' || model_path != NULL)
			return export_usage(stderr, 2);
		else
			model_path = argv[i];
	}
	if (model_path == NULL || out == NULL || format == NULL)
		return export_usage(stderr, 2);
	if (strcmp(format, "c") == 0)
		f = SCANN_EXPORT_C;
	else if (strcmp(format, "c-int8") == 0)
		f = SCANN_EXPORT_C_INT8;
	else {
		fprintf(stderr, "scann-worker: --format: '%s' is not c or c-int8\n",
			format);
		return 2;
	}
	if (!is_identifier(name) || strlen(name) > 64) {
		fprintf(stderr, "scann-worker: --name: '%s' is not a C identifier "
			"of at most 64 characters\n", name);
		return 2;
	}
	if (scann_model_load(model_path, &m, &err) != 0) {
		fprintf(stderr, "scann-worker: %s\n", err.message);
		return 2;
	}
	if (scann_export_plan_init(&p, &m, &err) != 0) {
		fprintf(stderr, "scann-worker: %s\n", err.message);
		goto out;
	}
	jdata = json_object_get(m.root, "data");
	classes = json_object_get(m.root, "classes");
	summary = json_object_get(m.root, "summary");
	names = calloc(p.n_out + 1, sizeof(*names));
	if (names == NULL)
		goto out;
	for (uint32_t o = 0; o < p.n_out; o++) {
		names[o] = json_string_value(json_array_get(classes, o));
		if (names[o] == NULL) {
			fprintf(stderr, "scann-worker: %s: \"classes\" names %zu of "
				"%u outputs\n", model_path, json_array_size(classes),
				p.n_out);
			goto out;
		}
	}
	a.name = name;
	a.class_names = names;
	a.dataset = json_string_value(json_object_get(jdata, "source"));
	a.job = job;
	if (json_is_number(json_object_get(summary, "test_acc")))
		a.test_acc = json_number_value(json_object_get(summary, "test_acc"));
	if (data_path == NULL)
		data_path = a.dataset;
	label = json_string_value(json_object_get(jdata, "label_column"));
	if (label && !label[0])
		label = NULL;
	if (data_path && scann_dataset_load(data_path, label, &ds, &err) == 0 &&
	    ds->features == p.features) {
		scann_dataset_fingerprint(ds, fp);
		if (json_integer_value(json_object_get(jdata, "rows")) == ds->rows &&
		    json_string_value(json_object_get(jdata, "fingerprint")) &&
		    strcmp(json_string_value(json_object_get(jdata, "fingerprint")),
			   fp) == 0) {
			json_t *sp = json_object_get(jdata, "split");
			struct scann_split_spec ss = {
				.validation = json_number_value(json_object_get(sp, "validation")),
				.test = json_number_value(json_object_get(sp, "test")),
				.test_last = (uint32_t)json_integer_value(json_object_get(sp, "test_last")),
				.seed = (uint64_t)json_integer_value(json_object_get(sp, "seed")),
			};

			have_split = scann_split_make(ds, &ss, &split, &err) == 0;
		}
	}
	if (!have_split && f == SCANN_EXPORT_C_INT8) {
		fprintf(stderr, "scann-worker: c-int8 calibrates on the model's "
			"training rows: %s is not the data the model was made from "
			"(give it with --data)\n", data_path ? data_path : "no file");
		goto out;
	}
	status = 1;
	if (have_split) {
		map = malloc(ds->classes * sizeof(uint32_t) + 1);
		if (map == NULL)
			goto out;
		for (uint32_t c = 0; c < ds->classes; c++) {
			map[c] = UINT32_MAX;	/* never an output's index */
			for (uint32_t o = 0; o < p.n_out; o++)
				if (strcmp(ds->class_names[c], names[o]) == 0)
					map[c] = o;
		}
		a.test_rows = split.n_test;
		a.float_acc = plan_accuracy(&p, 0, ds, map, split.test, split.n_test);
		if (f == SCANN_EXPORT_C_INT8) {
			if (scann_export_int8_calibrate(&p, ds->x, split.train,
							split.n_train) != 0)
				goto out;
			a.int8_acc = plan_accuracy(&p, 1, ds, map, split.test,
						   split.n_test);
		}
	}
	if (mkdir(out, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "scann-worker: --out: cannot create %s: %s\n", out,
			strerror(errno));
		goto out;
	}
	if (write_pair(out, &p, f, &a, hpath, cpath, sizeof(hpath), &err) != 0) {
		fprintf(stderr, "scann-worker: %s\n", err.message);
		goto out;
	}
	scann_export_c_size(&p, f, &a, &flash, &ram);
	res = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}",
			"format", format, "header", hpath, "source", cpath,
			"features", (json_int_t)p.features,
			"classes", (json_int_t)p.n_out,
			"params", (json_int_t)p.params,
			"macs", (json_int_t)(p.macs + (p.dr ? p.dr->nnz : 0)),
			"flash_bytes", (json_int_t)flash,
			"ram_bytes", (json_int_t)ram);
	if (a.test_acc >= 0)
		json_object_set_new(res, "test_acc", json_real(a.test_acc));
	if (have_split) {
		json_object_set_new(res, "test_rows", json_integer(a.test_rows));
		json_object_set_new(res, "float_acc", json_real(a.float_acc));
	}
	if (a.int8_acc >= 0) {
		json_object_set_new(res, "int8_acc", json_real(a.int8_acc));
		json_object_set_new(res, "int8_change",
				    json_real(a.int8_acc - a.float_acc));
	}
	{
		char *text = json_dumps(res, JSON_COMPACT | JSON_PRESERVE_ORDER |
					JSON_REAL_PRECISION(9));

		if (text)
			puts(text);
		free(text);
		json_decref(res);
	}
	status = 0;
out:
	scann_split_free(&split);
	scann_dataset_free(ds);
	scann_export_plan_free(&p);
	scann_model_free(&m);
	free(names);
	free(map);
	return status;
}

const struct scann_cmd scann_cmd_export = {
	.name = "export",
	.summary = "write a model file as dependency-free C (float32 or int8)",
	.run = export_run,
};
