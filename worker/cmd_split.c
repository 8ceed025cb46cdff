/*
 * cmd_split.c -- "scann-worker split SPEC.json|- --out DIR": write a job's
 * exact rows as DIR/train.csv, DIR/validation.csv and DIR/test.csv, so that
 * another tool (../shared/peers/sklearn_mlp.py --train --val --test) can be
 * compared with the engine on the very rows a job uses.
 *
 * The rows are found exactly as `run` finds them: the same spec parser, the
 * same loader with the spec's label_column, the same scann_split_make, so
 * each file holds the rows a run of that spec trains, validates or tests on,
 * in the same order.  A file is a header (the feature columns' names, then
 * the label column's), then one line per row: the raw feature values as
 * loaded (not normalised), each with the fewest digits that read back to the
 * same float32, and the class name last.  Standard output gets one JSON line
 * with the row counts and each part's digest (split_digest.h), the digests
 * run prints in its "job accepted" event.
 *
 * Not a converter: only what a job sees is written (a label column elsewhere
 * in the file comes out last, IDX images as pixel_R_C columns).  Each file is
 * written as NAME.tmp in DIR and renamed only once all three are whole, so a
 * failure leaves no partial or half-updated set behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd.h"
#include "job/dataset.h"
#include "job/spec.h"
#include "job/split.h"
#include "job/split_digest.h"

#define PARTS 3

static int split_usage(FILE *to, int status)
{
	fprintf(to,
		"Usage: scann-worker split SPEC.json|- --out DIR\n"
		"\n"
		"Load and split the data of the job spec SPEC ('-' reads it from\n"
		"standard input) exactly as 'run' does and write the job's rows as\n"
		"DIR/train.csv, DIR/validation.csv and DIR/test.csv (DIR is created\n"
		"if missing; its parent must exist).  Each file has a header (the\n"
		"dataset's feature column names, then its label column's; IDX data:\n"
		"pixel_R_C and label), then one line per row in the split's order:\n"
		"the raw feature values (not normalised) and the class name last.\n"
		"\n"
		"Prints one JSON line: {\"train\": N, \"validation\": N, \"test\": N,\n"
		"\"digest\": {\"train\": HEX, \"validation\": HEX, \"test\": HEX}}; each\n"
		"digest is FNV-1a 64 over the part's row indices (uint32 little\n"
		"endian, in order), as printed by run's \"job accepted\" event.\n"
		"\n"
		"Exit status: 0 success; 1 the files could not be written (the path\n"
		"is named); 2 bad usage, invalid spec (the field is named) or\n"
		"unreadable data.\n");
	return status;
}

/*
 * v with the fewest significant digits (6 to 9) that read back to the same
 * float: "1.4", not "1.39999998", so the files read like the source, yet
 * any tool parsing them gets exactly the value the engine trains on.
 */
static void put_value(FILE *f, float v)
{
	char buf[32];

	for (int digits = 6; digits <= 9; digits++) {
		snprintf(buf, sizeof(buf), "%.*g", digits, (double)v);
		if (strtof(buf, NULL) == v)
			break;
	}
	fputs(buf, f);
}

/*
 * Write rows[0..n) of ds to path (header first).  0, or -1 with errno set
 * by the call that failed.  The label and the column names need no quoting:
 * scann's CSV reader splits on every comma, so none holds one.
 */
static int write_rows(const char *path, const struct scann_dataset *ds,
		      const uint32_t *rows, uint32_t n)
{
	FILE *f = fopen(path, "w");
	int e;

	if (f == NULL)
		return -1;
	for (uint32_t j = 0; j < ds->features; j++)
		fprintf(f, "%s,", ds->feature_names[j]);
	fprintf(f, "%s\n", ds->label_name ? ds->label_name : "label");
	for (uint32_t i = 0; i < n && !ferror(f); i++) {
		const float *x = ds->x + (size_t)rows[i] * ds->features;

		for (uint32_t j = 0; j < ds->features; j++) {
			put_value(f, x[j]);
			putc(',', f);
		}
		fprintf(f, "%s\n", ds->class_names[ds->y[rows[i]]]);
	}
	if (ferror(f)) {
		e = errno;	/* from the write that failed, before fclose */
		fclose(f);
		errno = e;
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

static int split_run(int argc, char **argv)
{
	static const char *const names[PARTS] = {
		"train.csv", "validation.csv", "test.csv"
	};
	const char *spec_path = NULL, *dir = NULL;
	struct scann_job_spec spec;
	struct scann_dataset *ds = NULL;
	struct scann_split split = {0};
	struct scann_error err = {0};
	const uint32_t *rows[PARTS];
	uint32_t counts[PARTS];
	char tmp[PARTS][4096], path[PARTS][4096];
	int written = 0, renamed = 0, status = 2;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return split_usage(stdout, 0);
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return split_usage(stderr, 2);
		else if (spec_path == NULL)
			spec_path = argv[i];
		else
			return split_usage(stderr, 2);
	}
	if (spec_path == NULL || dir == NULL || dir[0] == '\0')
		return split_usage(stderr, 2);

	/* 1. The spec, as run reads it: refuse a bad one before any work. */
	if (scann_spec_load(spec_path, &spec, &err) != 0) {
		fprintf(stderr, "scann-worker: %s%s%s%s\n",
			err.code == SCANN_EINVAL ? "invalid spec: " : "", err.field,
			err.field[0] ? ": " : "", err.message);
		status = err.code == SCANN_ENOMEM ? 1 : 2;
		goto out;
	}

	/* 2. The data and its split, as run makes them. */
	if (scann_dataset_load(spec.dataset, spec.label_column[0] ?
			       spec.label_column : NULL, &ds, &err) != 0) {
		fprintf(stderr, "scann-worker: dataset: %s\n", err.message);
		status = err.code == SCANN_ENOMEM ? 1 : 2;
		goto out;
	}
	if (scann_split_make(ds, &spec.split, &split, &err) != 0) {
		fprintf(stderr, "scann-worker: invalid split: %s%s%s\n", err.field,
			err.field[0] ? ": " : "", err.message);
		goto out;
	}

	/* 3. The files: all three whole under temporary names, then renamed. */
	status = 1;
	if (strlen(dir) > 4000) {
		fprintf(stderr, "scann-worker: --out is %zu bytes long; the limit "
			"is 4000\n", strlen(dir));
		status = 2;
		goto out;
	}
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "scann-worker: cannot create %s: %s\n", dir,
			strerror(errno));
		goto out;
	}
	rows[0] = split.train;
	rows[1] = split.val;
	rows[2] = split.test;
	counts[0] = split.n_train;
	counts[1] = split.n_val;
	counts[2] = split.n_test;
	for (int p = 0; p < PARTS; p++) {
		snprintf(path[p], sizeof(path[p]), "%s/%s", dir, names[p]);
		snprintf(tmp[p], sizeof(tmp[p]), "%s/%s.tmp", dir, names[p]);
	}
	for (; written < PARTS; written++)
		if (write_rows(tmp[written], ds, rows[written], counts[written]) != 0) {
			fprintf(stderr, "scann-worker: cannot write %s: %s\n",
				tmp[written], strerror(errno));
			written++;	/* it may exist, half written */
			goto out;
		}
	for (; renamed < PARTS; renamed++)
		if (rename(tmp[renamed], path[renamed]) != 0) {
			fprintf(stderr, "scann-worker: cannot rename %s to %s: %s\n",
				tmp[renamed], path[renamed], strerror(errno));
			goto out;
		}

	/* 4. What was written, and the digests run will report. */
	{
		json_t *j = json_pack("{s:I, s:I, s:I, s:o}",
				      "train", (json_int_t)split.n_train,
				      "validation", (json_int_t)split.n_val,
				      "test", (json_int_t)split.n_test,
				      "digest", scann_split_digest_json(&split));
		char *line = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

		json_decref(j);
		if (line == NULL) {
			fprintf(stderr, "scann-worker: out of memory\n");
			goto out;
		}
		puts(line);
		free(line);
	}
	status = 0;
out:
	if (status != 0) {
		/* Nothing half done stays: no temporary file, and none of this
		 * run's files beside older ones of another split. */
		for (int p = 0; p < written; p++)
			unlink(p < renamed ? path[p] : tmp[p]);
	}
	scann_split_free(&split);
	scann_dataset_free(ds);
	return status;
}

const struct scann_cmd scann_cmd_split = {
	.name = "split",
	.summary = "write a job spec's train/validation/test rows as CSV",
	.run = split_run,
};
