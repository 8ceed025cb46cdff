/*
 * check_split_export.c -- "scann-worker split" (cmd_split.c) end to end: the
 * three CSV files hold exactly a job's rows (counts, order, every value bit
 * for bit, the dataset's header, numbers a CSV reader parses), the printed
 * digests are the ones "run" reports for the same spec in its "job accepted"
 * event, and bad input (an invalid spec, a split the data cannot give, an
 * unwritable DIR) fails naming the field or path and leaves no CSV behind.
 */
#define _DEFAULT_SOURCE
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <jansson.h>

#include "worker/job/dataset.h"
#include "worker/job/spec.h"
#include "worker/job/split.h"
#include "worker/job/split_digest.h"
#include "testutil.h"
#include "testworker.h"

static const char *const part_names[3] = {
	"train.csv", "validation.csv", "test.csv"
};
static const char *const part_keys[3] = { "train", "validation", "test" };

/* The first line of a file, without its line end (static buffer). */
static const char *first_line(const char *path)
{
	static char line[65536];
	FILE *f = fopen(path, "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

/* How many entries DIR holds, "." and ".." aside. */
static int dir_entries(const char *dir)
{
	char path[1024];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), dir);
	d = opendir(path);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/*
 * The text of one exported file, as ../shared/peers/sklearn_mlp.py's
 * load_rows reads it: the header wanted, then n lines of features + 1
 * comma-separated fields, every field but the last a whole number text.
 */
static void check_text(const char *path, const char *header, uint32_t features,
		       uint32_t n)
{
	FILE *f = fopen(path, "r");
	static char line[65536];
	uint32_t lines = 0;

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	line[strcspn(line, "\n")] = '\0';
	ck_assert_str_eq(line, header);
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;

		line[strcspn(line, "\n")] = '\0';
		for (uint32_t j = 0; j < features; j++) {
			strtod(p, &end);
			ck_assert_msg(end != p && *end == ',', "%s:%u: field %u "
				      "is not a number: %s", path, lines + 2, j + 1,
				      line);
			p = end + 1;
		}
		ck_assert_msg(*p != '\0' && strchr(p, ',') == NULL,
			      "%s:%u: no single label last", path, lines + 2);
		lines++;
	}
	fclose(f);
	ck_assert_uint_eq(lines, n);
}

/*
 * The exported file read back with the engine's own loader holds, row for
 * row and bit for bit, ds's rows[0..n) and their class names.
 */
static void check_rows(const char *path, const struct scann_dataset *ds,
		       const uint32_t *rows, uint32_t n)
{
	struct scann_dataset *got;
	struct scann_error err;

	ck_assert_msg(scann_dataset_load_csv(path, NULL, &got, &err) == 0,
		      "%s", err.message);
	ck_assert_uint_eq(got->rows, n);
	ck_assert_uint_eq(got->features, ds->features);
	ck_assert_str_eq(got->label_name, ds->label_name);
	for (uint32_t i = 0; i < n; i++) {
		ck_assert(memcmp(got->x + (size_t)i * ds->features,
				 ds->x + (size_t)rows[i] * ds->features,
				 ds->features * sizeof(float)) == 0);
		ck_assert_str_eq(got->class_names[got->y[i]],
				 ds->class_names[ds->y[rows[i]]]);
	}
	scann_dataset_free(got);
}

/*
 * Write spec_text as NAME.json, run "split NAME.json --out NAME" and check
 * everything about the result against the engine's own split of the data.
 * Returns the printed JSON (caller decrefs).
 */
static json_t *export_and_check(const char *name, const char *spec_text)
{
	struct scann_job_spec spec;
	struct scann_dataset *ds;
	struct scann_split split = {0};
	struct scann_error err;
	char args[1024], out[64], path[1024], header[65536];
	const uint32_t *rows[3];
	uint32_t counts[3];
	json_t *j;
	char *text;

	ck_assert_int_eq(scann_spec_parse(spec_text, strlen(spec_text), &spec,
					  &err), 0);
	ck_assert_int_eq(scann_dataset_load(spec.dataset, spec.label_column[0] ?
					    spec.label_column : NULL, &ds, &err), 0);
	ck_assert_int_eq(scann_split_make(ds, &spec.split, &split, &err), 0);
	rows[0] = split.train, counts[0] = split.n_train;
	rows[1] = split.val, counts[1] = split.n_val;
	rows[2] = split.test, counts[2] = split.n_test;
	snprintf(header, sizeof(header), "%s", first_line(spec.dataset));

	snprintf(out, sizeof(out), "%s.json", name);
	test_write_str(out, spec_text);
	snprintf(args, sizeof(args), "split %s.json --out %s", name, name);
	snprintf(out, sizeof(out), "%s.out", name);
	ck_assert_int_eq(test_worker_run(args, out), 0);
	text = test_slurp(out, NULL);
	j = json_loads(text, 0, NULL);
	ck_assert_msg(j != NULL, "not one JSON line: %s", text);
	free(text);

	ck_assert_uint_eq(counts[0] + counts[1] + counts[2], ds->rows);
	for (int p = 0; p < 3; p++) {
		char want[17];

		ck_assert_uint_eq(json_integer_value(json_object_get(j, part_keys[p])),
				  counts[p]);
		scann_split_digest(rows[p], counts[p], want);
		ck_assert_str_eq(json_string_value(json_object_get(
			json_object_get(j, "digest"), part_keys[p])), want);
		snprintf(path, sizeof(path), "%s/%s/%s", test_tmpdir(), name,
			 part_names[p]);
		check_text(path, header, ds->features, counts[p]);
		check_rows(path, ds, rows[p], counts[p]);
	}
	/* the three files and nothing else: no temporary left */
	ck_assert_int_eq(dir_entries(name), 3);
	scann_split_free(&split);
	scann_dataset_free(ds);
	return j;
}

START_TEST(iris_stratified_split_exports_exactly_the_job_rows)
{
	char spec[8192];
	json_t *j;

	snprintf(spec, sizeof(spec), "{\"dataset\": \"%s\", \"split\": "
		 "{\"validation\": 0.2, \"test\": 0.2, \"seed\": 5}}",
		 test_data("iris.csv"));
	j = export_and_check("iris", spec);
	ck_assert_uint_eq(json_integer_value(json_object_get(j, "train")) +
			  json_integer_value(json_object_get(j, "validation")) +
			  json_integer_value(json_object_get(j, "test")), 150);
	json_decref(j);
}
END_TEST

START_TEST(satellite_test_last_exports_exactly_the_job_rows)
{
	char spec[8192];
	json_t *j;

	snprintf(spec, sizeof(spec), "{\"dataset\": \"%s\", \"split\": "
		 "{\"test_last\": 2000}}", test_data("satellite.csv"));
	j = export_and_check("sat", spec);
	ck_assert_uint_eq(json_integer_value(json_object_get(j, "test")), 2000);
	ck_assert_uint_eq(json_integer_value(json_object_get(j, "train")) +
			  json_integer_value(json_object_get(j, "validation")), 4435);
	json_decref(j);
}
END_TEST

/* The "job accepted" event's data.digest in an NDJSON stream (new ref). */
static json_t *accepted_digest(const char *ndjson)
{
	for (const char *p = ndjson; *p; ) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		json_t *ev = json_loadb(p, len, 0, NULL);
		const char *msg = json_string_value(json_object_get(ev, "message"));

		if (msg && strcmp(msg, "job accepted") == 0) {
			json_t *dg = json_object_get(json_object_get(ev, "data"),
						     "digest");

			json_incref(dg);
			json_decref(ev);
			return dg;
		}
		json_decref(ev);
		p += len + (nl != NULL);
	}
	return NULL;
}

START_TEST(run_reports_the_digests_split_prints)
{
	static const char *const data[2] = { "iris.csv", "satellite.csv" };
	static const char *const splits[2] = {
		"{\"validation\": 0.2, \"test\": 0.2, \"seed\": 5}",
		"{\"test_last\": 2000}"
	};

	for (int d = 0; d < 2; d++) {
		char spec[8192], name[32], args[256], out[64];
		json_t *printed, *accepted;
		char *text;

		/* Tiny explicit settings: only the first event matters here. */
		snprintf(spec, sizeof(spec), "{\"dataset\": \"%s\", \"split\": %s, "
			 "\"baseline\": {\"hidden\": [4]}, \"train\": {\"epochs\": 1},"
			 " \"scann\": {\"iterations\": 0}}", test_data(data[d]),
			 splits[d]);
		snprintf(name, sizeof(name), "job%d", d);
		printed = export_and_check(name, spec);
		snprintf(args, sizeof(args), "run --out %s.run %s.json", name, name);
		snprintf(out, sizeof(out), "%s.ndjson", name);
		ck_assert_int_eq(test_worker_run(args, out), 0);
		text = test_slurp(out, NULL);
		accepted = accepted_digest(text);
		ck_assert_msg(accepted != NULL, "no job accepted event with a "
			      "digest in %s", out);
		ck_assert(json_equal(accepted, json_object_get(printed, "digest")));
		free(text);
		json_decref(accepted);
		json_decref(printed);
	}
}
END_TEST

START_TEST(invalid_spec_exits_2_naming_the_field_and_writes_nothing)
{
	char spec[8192], cmd[1024], *msg;

	snprintf(cmd, sizeof(cmd), "mkdir -p %s/bad", test_tmpdir());
	ck_assert_int_eq(system(cmd), 0);
	snprintf(spec, sizeof(spec), "{\"dataset\": \"%s\", \"split\": "
		 "{\"validation\": 0.99}}", test_data("iris.csv"));
	test_write_str("bad.json", spec);
	ck_assert_int_eq(test_worker_run("split bad.json --out bad", "bad.out"), 2);
	msg = test_slurp("bad.out.err", NULL);
	ck_assert_msg(strstr(msg, "split.validation") != NULL, "%s", msg);
	free(msg);
	ck_assert_int_eq(dir_entries("bad"), 0);

	/* valid as a spec, but the data has fewer rows than test_last */
	snprintf(spec, sizeof(spec), "{\"dataset\": \"%s\", \"split\": "
		 "{\"test_last\": 150}}", test_data("iris.csv"));
	test_write_str("bad2.json", spec);
	ck_assert_int_eq(test_worker_run("split bad2.json --out bad", "bad2.out"), 2);
	msg = test_slurp("bad2.out.err", NULL);
	ck_assert_msg(strstr(msg, "split.test_last") != NULL, "%s", msg);
	free(msg);
	ck_assert_int_eq(dir_entries("bad"), 0);

	/* no such dataset: "dataset" and the path named */
	test_write_str("bad3.json", "{\"dataset\": \"no-such.csv\"}");
	ck_assert_int_eq(test_worker_run("split - --out bad < bad3.json", "bad3.out"), 2);
	msg = test_slurp("bad3.out.err", NULL);
	ck_assert_msg(strstr(msg, "dataset") && strstr(msg, "no-such.csv"),
		      "%s", msg);
	free(msg);
	ck_assert_int_eq(dir_entries("bad"), 0);
}
END_TEST

START_TEST(unwritable_out_names_the_path_and_leaves_no_csv)
{
	char spec[8192], cmd[1024], *msg;

	snprintf(spec, sizeof(spec), "{\"dataset\": \"%s\"}", test_data("iris.csv"));
	test_write_str("ok.json", spec);

	/* DIR under a regular file: cannot be created */
	test_write_str("afile", "x");
	ck_assert_int_eq(test_worker_run("split ok.json --out afile/rows", "w1.out"), 1);
	msg = test_slurp("w1.out.err", NULL);
	ck_assert_msg(strstr(msg, "afile/rows") && strstr(msg, "Not a directory"),
		      "%s", msg);
	free(msg);

	/* the second file cannot be written (its temporary name is taken by a
	 * directory): the first, already whole, is removed too */
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/half/validation.csv.tmp",
		 test_tmpdir());
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(test_worker_run("split ok.json --out half", "w2.out"), 1);
	msg = test_slurp("w2.out.err", NULL);
	ck_assert_msg(strstr(msg, "half/validation.csv.tmp") &&
		      strstr(msg, "Is a directory"), "%s", msg);
	free(msg);
	ck_assert_int_eq(dir_entries("half"), 1);	/* the blocker alone */
	msg = test_slurp("w2.out", NULL);
	ck_assert_str_eq(msg, "");			/* no result printed */
	free(msg);
}
END_TEST

START_TEST(split_digest_is_fnv1a64_of_little_endian_indices)
{
	/* No rows: FNV-1a 64's offset basis.  Row 1: its four bytes, least
	 * significant first, through the FNV-1a 64 step written out here. */
	uint32_t one = 1;
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	const unsigned char bytes[4] = { 1, 0, 0, 0 };
	char got[17], want[17];

	scann_split_digest(NULL, 0, got);
	ck_assert_str_eq(got, "cbf29ce484222325");
	for (int i = 0; i < 4; i++)
		h = (h ^ bytes[i]) * UINT64_C(0x100000001b3);
	snprintf(want, sizeof(want), "%016llx", (unsigned long long)h);
	scann_split_digest(&one, 1, got);
	ck_assert_str_eq(got, want);
}
END_TEST

static Suite *split_export_suite(void)
{
	Suite *s = suite_create("split_export");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, split_digest_is_fnv1a64_of_little_endian_indices);
	tcase_add_test(tc, iris_stratified_split_exports_exactly_the_job_rows);
	tcase_add_test(tc, satellite_test_last_exports_exactly_the_job_rows);
	tcase_add_test(tc, run_reports_the_digests_split_prints);
	tcase_add_test(tc, invalid_spec_exits_2_naming_the_field_and_writes_nothing);
	tcase_add_test(tc, unwritable_out_names_the_path_and_leaves_no_csv);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(split_export_suite());
}
