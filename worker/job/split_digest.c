/*
 * split_digest.c -- FNV-1a 64 of a split's row indices (split_digest.h).
 */
#include <stdio.h>

#include "split_digest.h"

void scann_split_digest(const uint32_t *rows, uint32_t n, char out[17])
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (uint32_t i = 0; i < n; i++)
		/* Byte by byte, least significant first: the same digest on
		 * any host, whatever its endianness. */
		for (int b = 0; b < 32; b += 8)
			h = (h ^ ((rows[i] >> b) & 0xff)) * UINT64_C(0x100000001b3);
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

json_t *scann_split_digest_json(const struct scann_split *s)
{
	char train[17], val[17], test[17];

	scann_split_digest(s->train, s->n_train, train);
	scann_split_digest(s->val, s->n_val, val);
	scann_split_digest(s->test, s->n_test, test);
	return json_pack("{s:s, s:s, s:s}", "train", train, "validation", val,
			 "test", test);
}
