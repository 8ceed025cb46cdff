/*
 * cmd_predict.c -- "scann-worker predict MODEL DATA": score a model file on
 * a dataset and print the accuracy as JSON.
 *
 * Which rows: when DATA is the very data the model was synthesized on (same
 * row count and fingerprint, recorded in the model's "data"), the model's
 * split spec is applied again and only the test rows are scored, in the
 * same order and batch size as the run did, so the printed test accuracy
 * equals the reported one exactly.  Any other file is scored on all its
 * rows (--all forces that for the original data too).  Labels are matched
 * to the model's classes by name; a row of an unknown class counts as wrong.
 *
 * --each prints the engine's verdict on every row of DATA in file order
 * instead (one class name a line, --scores adds the output neurons' raw
 * scores), so an exported network (export_c.c) can be checked against the
 * engine row by row.  The rows go through the same executor and batch size
 * as the accuracy does, so the verdicts are the ones the accuracy counts.
 * --features says DATA is a CSV of the model's features only, no label
 * column: rows to classify (scannd's predict route sends them so).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "job/dataset.h"
#include "dr.h"
#include "exec.h"
#include "model.h"
#include "job/split.h"
#include "train.h"

static int predict_usage(FILE *to, int status)
{
	fprintf(to,
		"Usage: scann-worker predict [--all] MODEL DATA\n"
		"       scann-worker predict --each [--scores] [--features] MODEL DATA\n"
		"\n"
		"Score the model file MODEL (model.json of a run) on DATA (a CSV file\n"
		"or an IDX directory) and print {\"rows\", \"correct\", \"accuracy\",\n"
		"\"scored\"} as JSON.  On the data the model was made from, only its\n"
		"test rows are scored (\"scored\": \"test\"), reproducing the reported\n"
		"test accuracy exactly; otherwise, or with --all, every row (\"all\").\n"
		"\n"
		"--each prints the predicted class name of every row of DATA instead,\n"
		"one a line in the file's row order; --scores appends the output\n"
		"neurons' scores (logits, 9 significant digits), tab-separated.\n"
		"--features: DATA is a CSV of the model's features only, no label\n"
		"column (with --each).\n"
		"\n"
		"Exit status: 0 success, 1 failure, 2 bad usage, model or data.\n");
	return status;
}

/*
 * Print every row's predicted class name (and with scores its logits) in
 * row order: rows [0, data->rows) of x through the compiled net, batch by
 * batch.  Returns 0, or 1 when out of memory.
 */
static int predict_each(const struct scann_net *net, const float *x,
			uint32_t rows, const json_t *classes, int scores)
{
	struct scann_exec ex;
	uint32_t idx[SCANN_EVAL_BATCH];

	if (scann_exec_init(&ex, net, SCANN_EVAL_BATCH, SCANN_SPARSE_BELOW) != 0) {
		scann_exec_free(&ex);
		return 1;
	}
	for (uint32_t i = 0; i < rows; i += SCANN_EVAL_BATCH) {
		uint32_t m = rows - i < SCANN_EVAL_BATCH ? rows - i : SCANN_EVAL_BATCH;
		const float *z = ex.a + (size_t)ex.lv[ex.n_levels - 1].first * ex.bmax;

		for (uint32_t b = 0; b < m; b++)
			idx[b] = i + b;
		scann_exec_load(&ex, x, idx, m);
		scann_exec_forward(&ex, m);
		for (uint32_t b = 0; b < m; b++) {
			const char *name = json_string_value(
				json_array_get(classes, scann_exec_argmax(&ex, b)));

			fputs(name ? name : "?", stdout);
			for (uint32_t o = 0; scores && o < ex.n_out; o++)
				printf("\t%.9g", (double)z[(size_t)o * ex.bmax + b]);
			putchar('\n');
		}
	}
	scann_exec_free(&ex);
	return 0;
}

static int predict_run(int argc, char **argv)
{
	const char *model_path = NULL, *data_path = NULL, *label = NULL;
	struct scann_model m;
	struct scann_dataset *ds = NULL;
	struct scann_split split = {0};
	struct scann_error err;
	struct scann_data data;
	json_t *classes, *jdata, *out;
	uint32_t *map = NULL, *y = NULL, *rows = NULL, n = 0, correct;
	float *xn = NULL;
	int all = 0, each = 0, scores = 0, unlabelled = 0, status = 2;
	char fp[17];
	const char *scored = "all";

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return predict_usage(stdout, 0);
		if (strcmp(argv[i], "--all") == 0)
			all = 1;
		else if (strcmp(argv[i], "--each") == 0)
			each = all = 1;
		else if (strcmp(argv[i], "--scores") == 0)
			scores = 1;
		else if (strcmp(argv[i], "--features") == 0)
			unlabelled = 1;
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return predict_usage(stderr, 2);
		else if (model_path == NULL)
			model_path = argv[i];
		else if (data_path == NULL)
			data_path = argv[i];
		else
			return predict_usage(stderr, 2);
	}
	if (data_path == NULL || ((scores || unlabelled) && !each))
		return predict_usage(stderr, 2);
	if (scann_model_load(model_path, &m, &err) != 0) {
		fprintf(stderr, "scann-worker: %s\n", err.message);
		return 2;
	}
	jdata = json_object_get(m.root, "data");
	classes = json_object_get(m.root, "classes");
	if (jdata && json_string_value(json_object_get(jdata, "label_column")) &&
	    json_string_value(json_object_get(jdata, "label_column"))[0])
		label = json_string_value(json_object_get(jdata, "label_column"));
	if ((unlabelled ? scann_dataset_load_csv_features(data_path, &ds, &err) :
	     scann_dataset_load(data_path, label, &ds, &err)) != 0) {
		fprintf(stderr, "scann-worker: %s\n", err.message);
		goto out;
	}
	if (ds->features != m.norm.features) {
		fprintf(stderr, "scann-worker: %s has %u features, the model %u\n",
			data_path, ds->features, m.norm.features);
		goto out;
	}
	status = 1;
	map = malloc(ds->classes * sizeof(uint32_t) + 1);
	y = malloc(ds->rows * sizeof(uint32_t) + 1);
	xn = malloc((size_t)ds->rows * ds->features * sizeof(float) + 1);
	if (!map || !y || !xn)
		goto out;
	for (uint32_t c = 0; c < ds->classes; c++) {
		map[c] = UINT32_MAX;	/* never an output's index */
		for (size_t k = 0; k < json_array_size(classes); k++)
			if (strcmp(ds->class_names[c],
				   json_string_value(json_array_get(classes, k)) ?
				   json_string_value(json_array_get(classes, k)) : "") == 0)
				map[c] = (uint32_t)k;
	}
	for (uint32_t r = 0; r < ds->rows; r++)
		y[r] = ds->classes ? map[ds->y[r]] : UINT32_MAX;
	scann_norm_apply(&m.norm, ds->x, ds->rows, xn);
	scann_dataset_fingerprint(ds, fp);
	if (!all && jdata &&
	    json_integer_value(json_object_get(jdata, "rows")) == ds->rows &&
	    json_string_value(json_object_get(jdata, "fingerprint")) &&
	    strcmp(json_string_value(json_object_get(jdata, "fingerprint")), fp) == 0) {
		json_t *sp = json_object_get(jdata, "split");
		struct scann_split_spec ss = {
			.validation = json_number_value(json_object_get(sp, "validation")),
			.test = json_number_value(json_object_get(sp, "test")),
			.test_last = (uint32_t)json_integer_value(json_object_get(sp, "test_last")),
			.seed = (uint64_t)json_integer_value(json_object_get(sp, "seed")),
		};

		if (scann_split_make(ds, &ss, &split, &err) != 0) {
			fprintf(stderr, "scann-worker: %s\n", err.message);
			goto out;
		}
		rows = split.test;
		n = split.n_test;
		scored = "test";
	} else {
		rows = malloc(ds->rows * sizeof(uint32_t) + 1);
		if (rows == NULL)
			goto out;
		for (uint32_t r = 0; r < ds->rows; r++)
			rows[r] = r;
		n = ds->rows;
	}
	if (m.dr != NULL) {
		/* The model reads DR features: map the normalised rows through
		 * the transform fitted on the run's training rows. */
		uint32_t k = scann_dr_outputs(m.dr);
		float *xr = malloc((size_t)ds->rows * k * sizeof(float) + 1);

		if (xr == NULL || scann_dr_transform(m.dr, xn, ds->rows, xr, &err) != 0) {
			free(xr);
			fprintf(stderr, "scann-worker: out of memory\n");
			goto out;
		}
		free(xn);
		xn = xr;
	}
	data.x = xn;
	data.y = y;
	data.features = m.dr ? scann_dr_outputs(m.dr) : ds->features;
	data.classes = m.net->n_out;
	if (each) {
		status = predict_each(m.net, xn, ds->rows, classes, scores);
		goto out;
	}
	{
		double acc = scann_accuracy(m.net, &data, rows, n, SCANN_SPARSE_BELOW);

		if (acc < 0)
			goto out;
		correct = (uint32_t)(acc * n + 0.5);
		out = json_pack("{s:I, s:I, s:f, s:s}", "rows", (json_int_t)n,
				"correct", (json_int_t)correct, "accuracy", acc,
				"scored", scored);
	}
	{
		char *text = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER |
					JSON_REAL_PRECISION(9));

		puts(text);
		free(text);
		json_decref(out);
	}
	status = 0;
out:
	if (rows != split.test)
		free(rows);
	scann_split_free(&split);
	scann_dataset_free(ds);
	scann_model_free(&m);
	free(map);
	free(y);
	free(xn);
	return status;
}

const struct scann_cmd scann_cmd_predict = {
	.name = "predict",
	.summary = "score a model file on data (its test rows, exactly)",
	.run = predict_run,
};
