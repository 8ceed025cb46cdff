/*
 * fuzz_idx.c -- the IDX loader on arbitrary bytes.  The first byte picks
 * where the input is cut into an image file and a label file, so headers,
 * counts and truncation of both are explored.
 */
#include <assert.h>
#include <stdio.h>
#include <unistd.h>

#include "worker/job/dataset.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scann_dataset *ds;
	struct scann_error err;
	char images[256];
	const char *labels;
	size_t cut;

	if (size < 1)
		return 0;
	cut = 1 + (size - 1) * data[0] / 255;
	snprintf(images, sizeof(images), "%s",
		 fuzz_scratch_file("images", data + 1, cut - 1));
	labels = fuzz_scratch_file("labels", data + cut, size - cut);
	if (scann_dataset_load_idx(images, labels, &ds, &err) == 0) {
		for (uint32_t r = 0; r < ds->rows; r++)
			assert(ds->y[r] < ds->classes);
		scann_dataset_free(ds);
	} else {
		assert(ds == NULL && err.message[0] != '\0');
	}
	unlink(images);
	unlink(labels);
	return 0;
}
