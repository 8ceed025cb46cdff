/*
 * front.c -- the Pareto front of candidates (see front.h).  A job has tens
 * to hundreds of candidates, so the quadratic test is the simple choice.
 */
#include "front.h"

#include <stdlib.h>

static double num(const json_t *s, const char *key)
{
	return json_number_value(json_object_get(s, key));
}

/* 1 when a is at least as good as b on both counts and better on one. */
static int dominates(const json_t *a, const json_t *b)
{
	double pa = num(a, "params"), pb = num(b, "params");
	double va = num(a, "val_acc"), vb = num(b, "val_acc");

	return pa <= pb && va >= vb && (pa < pb || va > vb);
}

static int by_params(const void *x, const void *y)
{
	const json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
	double pa = num(a, "params"), pb = num(b, "params");

	return pa < pb ? -1 : pa > pb;
}

json_t *scann_front(const json_t *candidates)
{
	size_t n = json_array_size(candidates), kept = 0;
	json_t **on = malloc((n ? n : 1) * sizeof(*on));
	json_t *front = json_array();

	if (on == NULL || front == NULL) {
		free(on);
		json_decref(front);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(candidates, i);
		int beaten = 0;

		for (size_t j = 0; j < n && !beaten; j++) {
			json_t *o = json_array_get(candidates, j);

			/* An equal summary listed earlier stands for this one. */
			beaten = dominates(o, c) ||
				 (j < i && num(o, "params") == num(c, "params") &&
				  num(o, "val_acc") == num(c, "val_acc"));
		}
		if (!beaten)
			on[kept++] = c;
	}
	/* qsort is not stable; indices of equal sizes cannot tie here, since
	 * two on the front with equal parameters would be equal summaries. */
	qsort(on, kept, sizeof(*on), by_params);
	for (size_t i = 0; i < kept; i++)
		json_array_append_new(front, json_deep_copy(on[i]));
	free(on);
	return front;
}
