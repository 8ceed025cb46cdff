/*
 * fuzz_spec.c -- the job-spec validator (which faces the network in scannd)
 * on arbitrary bytes: accept or name a problem, never crash; an accepted
 * spec must print and read back to the same spec.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "worker/job/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scann_job_spec a, b;
	struct scann_error err;

	if (scann_spec_parse((const char *)data, size, &a, &err) == 0) {
		json_t *j = scann_spec_to_json(&a);
		char *text = json_dumps(j, JSON_COMPACT);

		assert(text != NULL);
		assert(scann_spec_parse(text, strlen(text), &b, &err) == 0);
		assert(memcmp(&a, &b, sizeof(a)) == 0);
		free(text);
		json_decref(j);
	} else {
		assert(err.message[0] != '\0');
	}
	return 0;
}
