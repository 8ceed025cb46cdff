/*
 * cmd_export.c -- "scann-worker export MODEL --format c|c-int8 --out DIR
 * [--name NAME] [--data DATA]": a model file as the C pair DIR/NAME.h and
 * DIR/NAME.c (export.h, export_c.c), with a JSON summary on stdout.
 * The work is scann_export_model (export_model.c); this file reads the
 * command line and writes the files.
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

/* Write DIR/NAME.h and DIR/NAME.c through temporaries, then rename. */
static int write_pair(const char *dir, const struct scann_export_request *rq,
		      char *hpath, char *cpath, size_t cap, json_t **summary,
		      struct scann_error *err)
{
	char htmp[4200], ctmp[4200];
	FILE *h, *c;
	int rc;

	snprintf(hpath, cap, "%s/%s.h", dir, rq->name);
	snprintf(cpath, cap, "%s/%s.c", dir, rq->name);
	snprintf(htmp, sizeof(htmp), "%s.tmp", hpath);
	snprintf(ctmp, sizeof(ctmp), "%s.tmp", cpath);
	h = fopen(htmp, "w");
	c = fopen(ctmp, "w");
	if (h == NULL || c == NULL) {
		rc = scann_error_set(err, SCANN_EIO, "--out", "cannot write in %s: %s",
				     dir, strerror(errno));
	} else {
		rc = scann_export_model(rq, h, c, summary, err);
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
	struct scann_export_request rq = { .name = "scann_model" };
	const char *out = NULL, *format = NULL;
	struct scann_error err;
	json_t *res = NULL;
	char hpath[4096], cpath[4096];

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return export_usage(stdout, 0);
		if (v && strcmp(argv[i], "--format") == 0)
			format = v, i++;
		else if (v && strcmp(argv[i], "--out") == 0)
			out = v, i++;
		else if (v && strcmp(argv[i], "--name") == 0)
			rq.name = v, i++;
		else if (v && strcmp(argv[i], "--data") == 0)
			rq.data_path = v, i++;
		else if (v && strcmp(argv[i], "--job") == 0)
			rq.job = v, i++;
		else if (argv[i][0] == '-' || rq.model_path != NULL)
			return export_usage(stderr, 2);
		else
			rq.model_path = argv[i];
	}
	if (rq.model_path == NULL || out == NULL || format == NULL)
		return export_usage(stderr, 2);
	if (strcmp(format, "c") == 0)
		rq.format = SCANN_EXPORT_C;
	else if (strcmp(format, "c-int8") == 0)
		rq.format = SCANN_EXPORT_C_INT8;
	else {
		fprintf(stderr, "scann-worker: --format: '%s' is not c or c-int8\n",
			format);
		return 2;
	}
	if (!is_identifier(rq.name) || strlen(rq.name) > 64) {
		fprintf(stderr, "scann-worker: --name: '%s' is not a C identifier "
			"of at most 64 characters\n", rq.name);
		return 2;
	}
	if (mkdir(out, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "scann-worker: --out: cannot create %s: %s\n", out,
			strerror(errno));
		return 1;
	}
	if (write_pair(out, &rq, hpath, cpath, sizeof(hpath), &res, &err) != 0) {
		fprintf(stderr, "scann-worker: %s\n", err.message);
		return err.code == SCANN_EINVAL || err.code == SCANN_ENOENT ? 2 : 1;
	}
	json_object_set_new(res, "header", json_string(hpath));
	json_object_set_new(res, "source", json_string(cpath));
	{
		char *text = json_dumps(res, JSON_COMPACT | JSON_PRESERVE_ORDER |
					JSON_REAL_PRECISION(9));

		if (text)
			puts(text);
		free(text);
		json_decref(res);
	}
	return 0;
}

const struct scann_cmd scann_cmd_export = {
	.name = "export",
	.summary = "write a model file as dependency-free C (float32 or int8)",
	.run = export_run,
};
