/*
 * time_harness.c -- host inference time of an exported model (scann-worker
 * export): reads every row of a CSV file (header line, feature columns,
 * the label last, as harness.c) into memory, then calls scann_model_predict
 * over all rows in passes of at least MIN_NS nanoseconds, ROUNDS times,
 * and prints, as JSON, the best round's nanoseconds per row, the rows, the
 * accuracy on the labels, and the nanoseconds per row the reading and
 * parsing took (fgets, strtod; once, not in ns_per_row).  By hand, for
 * tests/bench/README.md ("C export"):
 *
 *	gcc -std=c99 -O2 -Iexport_dir -o t tests/export/time_harness.c export_dir/scann_model.c
 *	./t rows.csv
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scann_model.h"

#define ROUNDS 7
#define MIN_NS 200000000.0

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
	static char line[1 << 16];
	FILE *in;
	float *x = NULL;
	int *label = NULL;
	unsigned long n = 0, cap = 0, i, correct = 0, reps, r;
	double best = 0.0, parse;
	volatile unsigned long sink = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: time_harness DATA.csv\n");
		return 2;
	}
	in = fopen(argv[1], "r");
	if (in == NULL || fgets(line, sizeof(line), in) == NULL) {
		fprintf(stderr, "time_harness: cannot read %s\n", argv[1]);
		return 2;
	}
	parse = now_ns();
	while (fgets(line, sizeof(line), in) != NULL) {
		char *p = line;
		int k;

		line[strcspn(line, "\r\n")] = '\0';
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			x = realloc(x, cap * SCANN_MODEL_FEATURES * sizeof(*x));
			label = realloc(label, cap * sizeof(*label));
			if (x == NULL || label == NULL)
				return 1;
		}
		for (k = 0; k < SCANN_MODEL_FEATURES; k++) {
			char *end;

			x[n * SCANN_MODEL_FEATURES + k] = (float)strtod(p, &end);
			if (end == p || *end != ',') {
				fprintf(stderr, "time_harness: row %lu, column %d\n", n + 1, k + 1);
				return 2;
			}
			p = end + 1;
		}
		label[n] = -1;
		for (k = 0; k < SCANN_MODEL_CLASSES; k++)
			if (strcmp(p, scann_model_class_names[k]) == 0)
				label[n] = k;
		n++;
	}
	fclose(in);
	if (n == 0)
		return 2;
	parse = (now_ns() - parse) / (double)n;
	for (i = 0; i < n; i++) {
		float s[SCANN_MODEL_CLASSES];

		correct += scann_model_predict(x + i * SCANN_MODEL_FEATURES, s) == label[i];
	}
	/* Passes per round: enough for MIN_NS, measured on one pass. */
	{
		double t0 = now_ns(), t;

		for (i = 0; i < n; i++) {
			float s[SCANN_MODEL_CLASSES];

			sink += (unsigned long)scann_model_predict(x + i * SCANN_MODEL_FEATURES, s);
		}
		t = now_ns() - t0;
		reps = t > 0 ? (unsigned long)(MIN_NS / t) + 1 : 1000;
	}
	for (r = 0; r < ROUNDS; r++) {
		double t0 = now_ns(), t;
		unsigned long k;

		for (k = 0; k < reps; k++)
			for (i = 0; i < n; i++) {
				float s[SCANN_MODEL_CLASSES];

				sink += (unsigned long)scann_model_predict(x + i * SCANN_MODEL_FEATURES, s);
			}
		t = (now_ns() - t0) / ((double)reps * (double)n);
		if (r == 0 || t < best)
			best = t;
	}
	printf("{\"rows\":%lu,\"passes\":%lu,\"rounds\":%d,\"ns_per_row\":%.1f,\"acc\":%.6f,\"parse_ns_per_row\":%.1f}\n",
	       n, reps, ROUNDS, best, (double)correct / (double)n, parse);
	free(x);
	free(label);
	return sink == 0xdeadbeefUL;
}
