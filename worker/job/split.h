/*
 * split.h -- dividing a dataset's rows into training, validation and test
 * sets, as a job spec's "split" asks.
 *
 * Three ways, in order of precedence:
 *   - the data has a fixed test set (IDX t10k rows): those rows are the test
 *     set and validation is drawn, stratified, from the rest;
 *   - test_last > 0: the last test_last rows are the test set (the Statlog
 *     files ship their train/test split that way), validation stratified
 *     from the rows before them;
 *   - otherwise all three are drawn per class with the seed.
 * Stratified draws shuffle each class's rows with the seed and cut them by
 * rounding (as peers/peerdata.py does), so every class is represented in
 * proportion.  The index lists come out shuffled with the same seed.
 */
#ifndef SCANN_SPLIT_H
#define SCANN_SPLIT_H

#include <stdint.h>

#include "dataset.h"
#include "error.h"

struct scann_split_spec {
	double validation;	/* fraction of the non-test rows, or of all */
	double test;		/* fraction of all rows (ignored if fixed) */
	uint32_t test_last;	/* > 0: the last rows are the test set */
	uint64_t seed;
};

struct scann_split {
	uint32_t *train, *val, *test;	/* row indices, owned */
	uint32_t n_train, n_val, n_test;
};

/*
 * Fill *out (owned by the caller, release with scann_split_free).  Fails with
 * the field named ("split.validation", "split.test", "split.test_last") when
 * the fractions are outside [0,1), leave no training rows, or test_last is
 * not below the row count; *out is then empty.
 */
int scann_split_make(const struct scann_dataset *ds,
		     const struct scann_split_spec *spec,
		     struct scann_split *out, struct scann_error *err);

void scann_split_free(struct scann_split *s);

#endif
