/*
 * split.c -- stratified and fixed train/validation/test splits; see split.h.
 */
#include "split.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

void scann_split_free(struct scann_split *s)
{
	free(s->train);
	free(s->val);
	free(s->test);
	memset(s, 0, sizeof(*s));
}

int scann_split_make(const struct scann_dataset *ds,
		     const struct scann_split_spec *spec,
		     struct scann_split *out, struct scann_error *err)
{
	uint32_t pool_end = ds->rows;	/* rows [0, pool_end) are stratified */
	uint32_t *by_class = NULL, *start = NULL, *fill = NULL;
	double test_frac = spec->test;
	struct scann_rng rng;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!(spec->validation >= 0.0 && spec->validation < 1.0))
		return scann_error_set(err, SCANN_EINVAL, "split.validation",
				       "split.validation must be in [0, 1), got %g",
				       spec->validation);
	if (!(spec->test >= 0.0 && spec->test < 1.0))
		return scann_error_set(err, SCANN_EINVAL, "split.test",
				       "split.test must be in [0, 1), got %g",
				       spec->test);
	if (ds->test_first < ds->rows) {
		pool_end = ds->test_first;
		test_frac = 0.0;
	} else if (spec->test_last > 0) {
		if (spec->test_last >= ds->rows)
			return scann_error_set(err, SCANN_EINVAL, "split.test_last",
					       "split.test_last is %u but the dataset "
					       "has only %u rows", spec->test_last,
					       ds->rows);
		pool_end = ds->rows - spec->test_last;
		test_frac = 0.0;
	}
	if (spec->validation + test_frac >= 1.0)
		return scann_error_set(err, SCANN_EINVAL, "split.validation",
				       "split.validation + split.test = %g leaves no "
				       "training rows", spec->validation + test_frac);

	scann_rng_seed(&rng, spec->seed);
	out->train = malloc((size_t)ds->rows * sizeof(uint32_t));
	out->val = malloc((size_t)ds->rows * sizeof(uint32_t));
	out->test = malloc((size_t)ds->rows * sizeof(uint32_t));
	by_class = malloc((size_t)ds->rows * sizeof(uint32_t));
	start = calloc((size_t)ds->classes + 1, sizeof(uint32_t));
	fill = calloc(ds->classes, sizeof(uint32_t));
	if (!out->train || !out->val || !out->test || !by_class || !start || !fill) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
		goto out;
	}
	/* Counting sort of the pool's rows by class, keeping file order. */
	for (uint32_t i = 0; i < pool_end; i++)
		start[ds->y[i] + 1]++;
	for (uint32_t c = 0; c < ds->classes; c++)
		start[c + 1] += start[c];
	for (uint32_t i = 0; i < pool_end; i++)
		by_class[start[ds->y[i]] + fill[ds->y[i]]++] = i;

	for (uint32_t c = 0; c < ds->classes; c++) {
		uint32_t *rows = by_class + start[c], n = start[c + 1] - start[c];
		uint32_t n_test = (uint32_t)lround(test_frac * n);
		uint32_t n_val, n_train;

		/* Same cut as peerdata.py: train first, then validation. */
		scann_rng_shuffle_u32(&rng, rows, n);
		n_train = (uint32_t)lround((1.0 - spec->validation - test_frac) * n);
		n_val = (uint32_t)lround(spec->validation * n);
		if (n_train > n)
			n_train = n;
		if (n_val > n - n_train)
			n_val = n - n_train;
		n_test = n - n_train - n_val;
		memcpy(out->train + out->n_train, rows, n_train * sizeof(uint32_t));
		out->n_train += n_train;
		memcpy(out->val + out->n_val, rows + n_train, n_val * sizeof(uint32_t));
		out->n_val += n_val;
		memcpy(out->test + out->n_test, rows + n_train + n_val,
		       n_test * sizeof(uint32_t));
		out->n_test += n_test;
	}
	for (uint32_t i = pool_end; i < ds->rows; i++)
		out->test[out->n_test++] = i;
	if (out->n_train == 0) {
		rc = scann_error_set(err, SCANN_EINVAL, "split.validation",
				     "the split leaves no training rows");
		goto out;
	}
	scann_rng_shuffle_u32(&rng, out->train, out->n_train);
	scann_rng_shuffle_u32(&rng, out->val, out->n_val);
	scann_rng_shuffle_u32(&rng, out->test, out->n_test);
out:
	free(by_class);
	free(start);
	free(fill);
	if (rc != 0)
		scann_split_free(out);
	return rc;
}
