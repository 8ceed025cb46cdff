/*
 * fuzz_csv.c -- the CSV loader on arbitrary bytes: it must load a valid
 * dataset or refuse with a message, never crash, leak or read out of bounds.
 */
#include <assert.h>
#include <math.h>
#include <unistd.h>

#include "worker/job/dataset.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_scratch_file("in.csv", data, size);
	struct scann_dataset *ds;
	struct scann_error err;

	if (scann_dataset_load_csv(path, NULL, &ds, &err) == 0) {
		assert(ds->rows > 0 && ds->classes >= 2);
		for (size_t i = 0; i < (size_t)ds->rows * ds->features; i++)
			assert(isfinite(ds->x[i]));
		for (uint32_t r = 0; r < ds->rows; r++)
			assert(ds->y[r] < ds->classes);
		scann_dataset_free(ds);
	} else {
		assert(ds == NULL && err.message[0] != '\0');
	}
	unlink(path);
	return 0;
}
