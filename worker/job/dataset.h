/*
 * dataset.h -- a labelled classification dataset in memory, and the loaders
 * that make one from a CSV file or from IDX files (the MNIST format).
 *
 * A loaded dataset is complete and valid or it does not exist: every loader
 * either returns a dataset whose every feature is finite and whose labels
 * name at least two classes, or returns an error naming the file and the
 * line and column (CSV) or byte offset (IDX) at fault, and nothing else.
 *
 * Features are held as float32, row-major, as read (no normalisation: that
 * is fitted on the training split later, see normalize.h).  Class ids are
 * 0..classes-1 in order of first appearance in the file.
 */
#ifndef SCANN_DATASET_H
#define SCANN_DATASET_H

#include <stdint.h>

#include "error.h"

/* Longest CSV line accepted, newline excluded. */
#define SCANN_CSV_LINE_MAX (1024 * 1024)

struct scann_dataset {
	uint32_t rows;
	uint32_t features;
	uint32_t classes;
	float *x;		/* rows * features, row-major */
	uint32_t *y;		/* rows class ids */
	char **class_names;	/* classes strings */
	uint32_t *class_counts;	/* classes row counts */
	char **feature_names;	/* features strings (IDX: "pixel_R_C") */
	char *label_name;	/* the label column's header (IDX: "label") */
	/*
	 * Rows [test_first, rows) are a fixed test set that came with the data
	 * (IDX t10k files).  test_first == rows when the data has none; a job's
	 * split spec may still fix one (split.test_last).
	 */
	uint32_t test_first;
	/* Image shape for IDX data (height, width, channels); 0 for CSV. */
	uint32_t height, width, channels;
	char *source;		/* the path it was loaded from */
};

/*
 * Load a CSV file: a header row naming the columns, then one row per sample.
 * Features must be numeric; the label is the column named label_column, or
 * the last column when label_column is NULL.  Labels are free text (spaces
 * allowed; surrounding blanks trimmed).  On success *out owns a new dataset
 * (free it with scann_dataset_free); on failure *out is NULL.
 */
int scann_dataset_load_csv(const char *path, const char *label_column,
			   struct scann_dataset **out, struct scann_error *err);

/*
 * Load a CSV file of features only, the rows a model is to score: a header
 * and rows as above, with no label column -- every column is a feature.
 * The dataset has no classes (classes 0, class_names NULL) and every y 0.
 */
int scann_dataset_load_csv_features(const char *path,
				    struct scann_dataset **out,
				    struct scann_error *err);

/*
 * Load one IDX pair: an image file (magic 0x00000803, uint8 pixels) and a
 * label file (magic 0x00000801, uint8 labels), each raw or gzip.  The counts
 * must agree.  Class names are the label values as decimal strings, listed
 * in ascending numeric order.
 */
int scann_dataset_load_idx(const char *images_path, const char *labels_path,
			   struct scann_dataset **out, struct scann_error *err);

/*
 * Load a directory holding train-{images-idx3,labels-idx1}-ubyte[.gz] and
 * t10k-{images-idx3,labels-idx1}-ubyte[.gz]: the training rows first, then
 * the t10k rows, which become the fixed test set (test_first).
 */
int scann_dataset_load_idx_dir(const char *dir, struct scann_dataset **out,
			       struct scann_error *err);

/*
 * Load whatever path names: a directory is an IDX directory, anything else
 * a CSV file (label_column as for scann_dataset_load_csv).
 */
int scann_dataset_load(const char *path, const char *label_column,
		       struct scann_dataset **out, struct scann_error *err);

void scann_dataset_free(struct scann_dataset *ds);

/* FNV-1a 64 of a dataset's features and labels, as 16 hex digits. */
void scann_dataset_fingerprint(const struct scann_dataset *ds, char out[17]);

#endif
