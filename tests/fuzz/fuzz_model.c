/*
 * fuzz_model.c -- the model-file reader (scann-worker predict reads files a
 * user hands it) on arbitrary bytes: accept or name a problem, never crash;
 * an accepted model's network must write and read back to the same network.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "worker/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_scratch_file("model.json", data, size);
	struct scann_model m;
	struct scann_error err;

	if (scann_model_load(path, &m, &err) == 0) {
		json_t *j = scann_net_to_json(m.net);
		struct scann_net *back;
		size_t cells = (size_t)scann_net_rows(m.net) * scann_net_cols(m.net);

		assert(scann_net_from_json(j, &back, &err) == 0);
		assert(back->n_hidden == m.net->n_hidden);
		assert(memcmp(back->mask, m.net->mask, cells) == 0);
		assert(memcmp(back->w, m.net->w, cells * sizeof(float)) == 0);
		scann_net_free(back);
		json_decref(j);
		scann_model_free(&m);
	} else {
		assert(err.message[0] != '\0');
	}
	return 0;
}
