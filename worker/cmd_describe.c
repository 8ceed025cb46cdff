/*
 * cmd_describe.c -- "scann-worker describe DATA": load a dataset exactly as a
 * job would and print what it holds as one JSON object (rows, features,
 * classes with their row counts, the fixed test set if any), or the loader's
 * error.  The quickest way to check that a file will be accepted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "job/dataset.h"

static int describe_usage(FILE *to, int status)
{
	fprintf(to,
		"Usage: scann-worker describe [--label COLUMN] DATA\n"
		"\n"
		"Load DATA (a CSV file with a header row, or a directory holding an\n"
		"IDX train/t10k pair) and print its shape as JSON.  The label is the\n"
		"last CSV column unless --label names another.\n");
	return status;
}

static int describe_run(int argc, char **argv)
{
	const char *label = NULL, *path = NULL;
	struct scann_dataset *ds;
	struct scann_error err;
	json_t *root, *classes;
	char *text;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return describe_usage(stdout, 0);
		if (strcmp(argv[i], "--label") == 0 && i + 1 < argc)
			label = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return describe_usage(stderr, 2);
		else if (path == NULL)
			path = argv[i];
		else
			return describe_usage(stderr, 2);
	}
	if (path == NULL)
		return describe_usage(stderr, 2);
	if (scann_dataset_load(path, label, &ds, &err) != 0) {
		fprintf(stderr, "scann-worker: %s\n", err.message);
		return err.code == SCANN_EINVAL || err.code == SCANN_ENOENT ? 2 : 1;
	}
	classes = json_array();
	for (uint32_t c = 0; c < ds->classes; c++)
		json_array_append_new(classes,
				      json_pack("{s:s, s:I}", "name", ds->class_names[c],
						"rows", (json_int_t)ds->class_counts[c]));
	root = json_pack("{s:s, s:I, s:I, s:I, s:o, s:I}",
			 "source", ds->source, "rows", (json_int_t)ds->rows,
			 "features", (json_int_t)ds->features,
			 "classes", (json_int_t)ds->classes, "class_rows", classes,
			 "fixed_test_rows", (json_int_t)(ds->rows - ds->test_first));
	if (ds->height)
		json_object_set_new(root, "image",
				    json_pack("{s:I, s:I, s:I}", "height",
					      (json_int_t)ds->height, "width",
					      (json_int_t)ds->width, "channels",
					      (json_int_t)ds->channels));
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	puts(text);
	free(text);
	json_decref(root);
	scann_dataset_free(ds);
	return 0;
}

const struct scann_cmd scann_cmd_describe = {
	.name = "describe",
	.summary = "load a dataset and print its shape as JSON",
	.run = describe_run,
};
