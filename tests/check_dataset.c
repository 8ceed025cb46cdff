/*
 * check_dataset.c -- the CSV and IDX loaders: the real Statlog files load
 * with the shape their README gives, and every kind of bad input is refused
 * with a message that names the file and the line, column or byte.
 */
#include <check.h>
#include <stdint.h>
#include <zlib.h>

#include "worker/job/dataset.h"
#include "testutil.h"

static uint32_t count_of(const struct scann_dataset *ds, const char *name)
{
	for (uint32_t c = 0; c < ds->classes; c++)
		if (strcmp(ds->class_names[c], name) == 0)
			return ds->class_counts[c];
	return UINT32_MAX;
}

START_TEST(satellite_loads_with_readme_shape)
{
	struct scann_dataset *ds;
	struct scann_error err;

	ck_assert_int_eq(scann_dataset_load_csv(test_data("satellite.csv"), NULL,
						&ds, &err), 0);
	ck_assert_uint_eq(ds->rows, 6435);
	ck_assert_uint_eq(ds->features, 36);
	ck_assert_uint_eq(ds->classes, 6);
	ck_assert_uint_eq(count_of(ds, "red soil"), 1533);
	ck_assert_uint_eq(count_of(ds, "cotton crop"), 703);
	ck_assert_uint_eq(count_of(ds, "grey soil"), 1358);
	ck_assert_uint_eq(count_of(ds, "damp grey soil"), 626);
	ck_assert_uint_eq(count_of(ds, "vegetation stubble"), 707);
	ck_assert_uint_eq(count_of(ds, "very damp grey soil"), 1508);
	ck_assert_str_eq(ds->feature_names[0], "x.1");
	ck_assert_str_eq(ds->feature_names[35], "x.36");
	ck_assert_uint_eq(ds->test_first, ds->rows);
	/* Class ids follow first appearance: row 0's class is id 0. */
	ck_assert_uint_eq(ds->y[0], 0);
	scann_dataset_free(ds);
}
END_TEST

START_TEST(dna_loads_with_readme_shape)
{
	struct scann_dataset *ds;
	struct scann_error err;
	uint32_t ones = 0;

	ck_assert_int_eq(scann_dataset_load(test_data("dna.csv"), NULL, &ds, &err), 0);
	ck_assert_uint_eq(ds->rows, 3186);
	ck_assert_uint_eq(ds->features, 180);
	ck_assert_uint_eq(ds->classes, 3);
	ck_assert_uint_eq(count_of(ds, "ei"), 767);
	ck_assert_uint_eq(count_of(ds, "ie"), 765);
	ck_assert_uint_eq(count_of(ds, "n"), 1654);
	for (size_t i = 0; i < (size_t)ds->rows * ds->features; i++) {
		ck_assert(ds->x[i] == 0.0f || ds->x[i] == 1.0f);
		ones += ds->x[i] == 1.0f;
	}
	ck_assert_uint_gt(ones, 0);
	scann_dataset_free(ds);
}
END_TEST

START_TEST(named_label_column_and_first_appearance_order)
{
	struct scann_dataset *ds;
	struct scann_error err;
	const char *p = test_write_str("named.csv",
		"kind,a,b\r\n"
		"  zebra crossing ,1,2\r\n"
		"apple,3.5,-4e2\r\n"
		"zebra crossing,5,6\r\n");

	ck_assert_int_eq(scann_dataset_load_csv(p, "kind", &ds, &err), 0);
	ck_assert_uint_eq(ds->rows, 3);
	ck_assert_uint_eq(ds->features, 2);
	ck_assert_str_eq(ds->class_names[0], "zebra crossing");
	ck_assert_str_eq(ds->class_names[1], "apple");
	ck_assert_uint_eq(ds->class_counts[0], 2);
	ck_assert_uint_eq(ds->y[1], 1);
	ck_assert(ds->x[2] == 3.5f && ds->x[3] == -400.0f);
	ck_assert_str_eq(ds->feature_names[0], "a");
	scann_dataset_free(ds);
}
END_TEST

START_TEST(features_only_rows_have_no_label)
{
	struct scann_dataset *ds;
	struct scann_error err;
	char fp[17];
	const char *p = test_write_str("rows.csv", "a,b\n1,2\n3,4\n5,6\n");

	/* Every column is a feature: nothing is taken as a label. */
	ck_assert_int_eq(scann_dataset_load_csv_features(p, &ds, &err), 0);
	ck_assert_uint_eq(ds->rows, 3);
	ck_assert_uint_eq(ds->features, 2);
	ck_assert_uint_eq(ds->classes, 0);
	ck_assert(ds->x[4] == 5.0f && ds->x[5] == 6.0f);
	ck_assert_str_eq(ds->feature_names[1], "b");
	ck_assert_uint_eq(ds->y[2], 0);
	scann_dataset_fingerprint(ds, fp);	/* predict takes one: no label read */
	ck_assert_uint_eq(strlen(fp), 16);
	scann_dataset_free(ds);
	/* One column and one row are enough: no second class is wanted. */
	p = test_write_str("one.csv", "a\n7\n");
	ck_assert_int_eq(scann_dataset_load_csv_features(p, &ds, &err), 0);
	ck_assert_uint_eq(ds->rows, 1);
	ck_assert_uint_eq(ds->features, 1);
	scann_dataset_free(ds);
	/* Bad cells are named by line and column as for labelled data. */
	p = test_write_str("bad.csv", "a,b\n1,2\n3,x\n");
	ds = (void *)1;
	ck_assert_int_eq(scann_dataset_load_csv_features(p, &ds, &err), SCANN_EINVAL);
	ck_assert_ptr_null(ds);
	ck_assert_msg(strstr(err.message, "bad.csv:3: column 2 (b): 'x' is not a number"),
		      "%s", err.message);
}
END_TEST

/* Load text as a CSV; it must fail and its message contain every needle. */
static void expect_csv_error(const char *text, const char *label,
			     const char *needle1, const char *needle2)
{
	struct scann_dataset *ds = (void *)1;
	struct scann_error err;
	const char *p = test_write_str("bad.csv", text);

	ck_assert_int_eq(scann_dataset_load_csv(p, label, &ds, &err), SCANN_EINVAL);
	ck_assert_ptr_null(ds);
	ck_assert_msg(strstr(err.message, "bad.csv") != NULL, "no file in: %s",
		      err.message);
	ck_assert_msg(strstr(err.message, needle1) != NULL, "'%s' not in: %s",
		      needle1, err.message);
	if (needle2)
		ck_assert_msg(strstr(err.message, needle2) != NULL,
			      "'%s' not in: %s", needle2, err.message);
}

START_TEST(ragged_row_names_line_and_counts)
{
	expect_csv_error("a,b,label\n1,2,x\n3,y\n", NULL, "bad.csv:3:",
			 "2 fields, but the header has 3");
}
END_TEST

START_TEST(non_numeric_cell_names_line_and_column)
{
	expect_csv_error("a,b,label\n1,2,x\n3,abc,y\n", NULL, "bad.csv:3:",
			 "column 2 (b): 'abc' is not a number");
}
END_TEST

START_TEST(nan_and_inf_are_refused)
{
	expect_csv_error("a,b,label\n1,nan,x\n3,4,y\n", NULL, "bad.csv:2:",
			 "column 2 (b): 'nan' is not a finite");
	expect_csv_error("a,b,label\n1,2,x\n-inf,4,y\n", NULL, "bad.csv:3:",
			 "column 1 (a)");
	expect_csv_error("a,b,label\n1,2,x\n1e39,4,y\n", NULL, "bad.csv:3:",
			 "not a finite float32");
}
END_TEST

START_TEST(empty_file_and_header_only)
{
	expect_csv_error("", NULL, "empty file", NULL);
	expect_csv_error("a,b,label\n", NULL, "header is the only row", NULL);
	expect_csv_error("a,b,label\n\n\n", NULL, "header is the only row", NULL);
}
END_TEST

START_TEST(single_class_is_refused)
{
	expect_csv_error("a,label\n1,x\n2,x\n", NULL, "label 'x'",
			 "at least two classes");
}
END_TEST

START_TEST(missing_label_column_is_named)
{
	expect_csv_error("a,b,label\n1,2,x\n", "class", "no column is named 'class'",
			 NULL);
}
END_TEST

START_TEST(empty_cells_and_blank_lines)
{
	expect_csv_error("a,b,label\n1,,x\n", NULL, "bad.csv:2:", "column 2 (b) is empty");
	expect_csv_error("a,b,label\n1,2,\n", NULL, "bad.csv:2:", "the label");
	expect_csv_error("a,b,label\n1,2,x\n\n3,4,y\n", NULL, "bad.csv:3:",
			 "empty line");
}
END_TEST

START_TEST(line_over_one_mib_is_refused)
{
	size_t n = SCANN_CSV_LINE_MAX + 100;
	char *text = malloc(n + 64);
	size_t len;

	ck_assert_ptr_nonnull(text);
	len = (size_t)sprintf(text, "a,label\n1,x\n2,");
	memset(text + len, 'y', n);
	text[len + n] = '\n';
	text[len + n + 1] = '\0';
	expect_csv_error(text, NULL, "bad.csv:3:", "longer than");
	free(text);
}
END_TEST

START_TEST(missing_file_is_not_found)
{
	struct scann_dataset *ds;
	struct scann_error err;

	ck_assert_int_eq(scann_dataset_load_csv("/nonexistent/x.csv", NULL, &ds, &err),
			 SCANN_ENOENT);
	ck_assert_ptr_null(ds);
	ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/x.csv"));
}
END_TEST

/* ---- IDX ---- */

static size_t be32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
	return 4;
}

/* count images of 2x3 pixels; pixel value = image index * 10 + pixel. */
static size_t make_images(unsigned char *buf, uint32_t magic, uint32_t count)
{
	size_t n = 0;

	n += be32(buf + n, magic);
	n += be32(buf + n, count);
	n += be32(buf + n, 2);
	n += be32(buf + n, 3);
	for (uint32_t i = 0; i < count; i++)
		for (int p = 0; p < 6; p++)
			buf[n++] = (unsigned char)(i * 10 + p);
	return n;
}

static size_t make_labels(unsigned char *buf, uint32_t count)
{
	size_t n = 0;

	n += be32(buf + n, 0x801);
	n += be32(buf + n, count);
	for (uint32_t i = 0; i < count; i++)
		buf[n++] = (unsigned char)(7 - i % 2 * 4);	/* 7, 3, 7, 3 ... */
	return n;
}

static void write_gz(const char *name, const unsigned char *data, size_t len)
{
	char path[512];
	gzFile gz;

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	gz = gzopen(path, "wb");
	ck_assert_ptr_nonnull(gz);
	ck_assert_int_eq(gzwrite(gz, data, (unsigned)len), (int)len);
	ck_assert_int_eq(gzclose(gz), Z_OK);
}

START_TEST(idx_pair_raw_and_gzip_load_alike)
{
	unsigned char img[256], lab[64];
	size_t ni = make_images(img, 0x803, 4), nl = make_labels(lab, 4);
	struct scann_dataset *raw, *gz;
	struct scann_error err;
	char ip[512], lp[512];

	snprintf(ip, sizeof(ip), "%s", test_write("i.idx", img, ni));
	snprintf(lp, sizeof(lp), "%s", test_write("l.idx", lab, nl));
	ck_assert_int_eq(scann_dataset_load_idx(ip, lp, &raw, &err), 0);
	write_gz("i.idx.gz", img, ni);
	write_gz("l.idx.gz", lab, nl);
	snprintf(ip, sizeof(ip), "%s/i.idx.gz", test_tmpdir());
	snprintf(lp, sizeof(lp), "%s/l.idx.gz", test_tmpdir());
	ck_assert_int_eq(scann_dataset_load_idx(ip, lp, &gz, &err), 0);
	ck_assert_uint_eq(raw->rows, 4);
	ck_assert_uint_eq(raw->features, 6);
	ck_assert_uint_eq(raw->height, 2);
	ck_assert_uint_eq(raw->width, 3);
	ck_assert_uint_eq(raw->classes, 2);
	/* Class names are label values in ascending order. */
	ck_assert_str_eq(raw->class_names[0], "3");
	ck_assert_str_eq(raw->class_names[1], "7");
	ck_assert_uint_eq(raw->y[0], 1);
	ck_assert_uint_eq(raw->y[1], 0);
	ck_assert(raw->x[2 * 6 + 5] == 25.0f);
	ck_assert_int_eq(memcmp(raw->x, gz->x, 24 * sizeof(float)), 0);
	ck_assert_int_eq(memcmp(raw->y, gz->y, 4 * sizeof(uint32_t)), 0);
	scann_dataset_free(raw);
	scann_dataset_free(gz);
}
END_TEST

START_TEST(idx_directory_marks_t10k_as_test)
{
	unsigned char img[256], lab[64];
	struct scann_dataset *ds;
	struct scann_error err;
	size_t n;

	n = make_images(img, 0x803, 4);
	write_gz("train-images-idx3-ubyte.gz", img, n);
	n = make_labels(lab, 4);
	test_write("train-labels-idx1-ubyte", lab, n);
	n = make_images(img, 0x803, 2);
	test_write("t10k-images-idx3-ubyte", img, n);
	n = make_labels(lab, 2);
	write_gz("t10k-labels-idx1-ubyte.gz", lab, n);
	ck_assert_int_eq(scann_dataset_load(test_tmpdir(), NULL, &ds, &err), 0);
	ck_assert_uint_eq(ds->rows, 6);
	ck_assert_uint_eq(ds->test_first, 4);
	scann_dataset_free(ds);
}
END_TEST

static void expect_idx_error(const unsigned char *img, size_t ni,
			     const unsigned char *lab, size_t nl,
			     const char *needle1, const char *needle2)
{
	struct scann_dataset *ds = (void *)1;
	struct scann_error err;
	char ip[512], lp[512];

	snprintf(ip, sizeof(ip), "%s", test_write("bi.idx", img, ni));
	snprintf(lp, sizeof(lp), "%s", test_write("bl.idx", lab, nl));
	ck_assert_int_eq(scann_dataset_load_idx(ip, lp, &ds, &err), SCANN_EINVAL);
	ck_assert_ptr_null(ds);
	ck_assert_msg(strstr(err.message, needle1) != NULL, "'%s' not in: %s",
		      needle1, err.message);
	if (needle2)
		ck_assert_msg(strstr(err.message, needle2) != NULL,
			      "'%s' not in: %s", needle2, err.message);
}

START_TEST(idx_wrong_magic_names_byte_zero)
{
	unsigned char img[256], lab[64];
	size_t ni = make_images(img, 0x80d, 4), nl = make_labels(lab, 4);

	expect_idx_error(img, ni, lab, nl, "bi.idx: byte 0: magic number 0x0000080d",
			 "expected 0x00000803");
	/* A label file given as the image file is caught the same way. */
	expect_idx_error(lab, nl, lab, nl, "bi.idx: byte 0", NULL);
}
END_TEST

START_TEST(idx_truncated_names_the_end_byte)
{
	unsigned char img[256], lab[64];
	size_t ni = make_images(img, 0x803, 4), nl = make_labels(lab, 4);

	expect_idx_error(img, ni - 5, lab, nl, "bi.idx: truncated",
			 "ends at byte 35");
	expect_idx_error(img, 10, lab, nl, "truncated at byte 10", NULL);
	expect_idx_error(img, ni, lab, nl - 1, "bl.idx: truncated", NULL);
}
END_TEST

START_TEST(idx_count_mismatch_names_both_files)
{
	unsigned char img[256], lab[64];
	size_t ni = make_images(img, 0x803, 4), nl = make_labels(lab, 3);

	expect_idx_error(img, ni, lab, nl, "holds 4 images", "holds 3 labels");
}
END_TEST

START_TEST(idx_trailing_bytes_are_refused)
{
	unsigned char img[256], lab[64];
	size_t ni = make_images(img, 0x803, 4), nl = make_labels(lab, 4);

	lab[nl++] = 1;
	expect_idx_error(img, ni, lab, nl, "bl.idx: byte 12", "continues past");
}
END_TEST

START_TEST(idx_huge_header_count_is_truncation_not_a_huge_malloc)
{
	unsigned char img[256], lab[64];
	size_t ni = make_images(img, 0x803, 4), nl = make_labels(lab, 4);

	/* 4e9 images of 2x3 pixels promised, 4 present. */
	be32(img + 4, 4000000000u);
	expect_idx_error(img, ni, lab, nl, "bi.idx: truncated",
			 "promises 24000000000 bytes");
}
END_TEST

static Suite *dataset_suite(void)
{
	Suite *s = suite_create("dataset");
	TCase *csv = tcase_create("csv"), *idx = tcase_create("idx");

	tcase_add_test(csv, satellite_loads_with_readme_shape);
	tcase_add_test(csv, dna_loads_with_readme_shape);
	tcase_add_test(csv, named_label_column_and_first_appearance_order);
	tcase_add_test(csv, features_only_rows_have_no_label);
	tcase_add_test(csv, ragged_row_names_line_and_counts);
	tcase_add_test(csv, non_numeric_cell_names_line_and_column);
	tcase_add_test(csv, nan_and_inf_are_refused);
	tcase_add_test(csv, empty_file_and_header_only);
	tcase_add_test(csv, single_class_is_refused);
	tcase_add_test(csv, missing_label_column_is_named);
	tcase_add_test(csv, empty_cells_and_blank_lines);
	tcase_add_test(csv, line_over_one_mib_is_refused);
	tcase_add_test(csv, missing_file_is_not_found);
	tcase_add_test(idx, idx_pair_raw_and_gzip_load_alike);
	tcase_add_test(idx, idx_directory_marks_t10k_as_test);
	tcase_add_test(idx, idx_wrong_magic_names_byte_zero);
	tcase_add_test(idx, idx_truncated_names_the_end_byte);
	tcase_add_test(idx, idx_count_mismatch_names_both_files);
	tcase_add_test(idx, idx_trailing_bytes_are_refused);
	tcase_add_test(idx, idx_huge_header_count_is_truncation_not_a_huge_malloc);
	suite_add_tcase(s, csv);
	suite_add_tcase(s, idx);
	return s;
}

int main(void)
{
	return test_run(dataset_suite());
}
