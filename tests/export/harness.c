/*
 * harness.c -- classifies every row of a CSV file (header line, feature
 * columns, the label last, as tests/data) with an exported model
 * (scann-worker export) and prints, per row, the predicted class name, the
 * scores (9 significant digits, tab-separated) and the row's own label,
 * the columns of "scann-worker predict --each --scores" plus the label.
 * Built against the generated scann_model.h/.c with the strict flags the
 * export promises (tests/export/test_export.sh), so it is itself C99.
 * Values are read as the engine's loader reads them: strtod, then float.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scann_model.h"

int main(int argc, char **argv)
{
	static char line[1 << 16];
	FILE *in;
	unsigned long n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: harness DATA.csv\n");
		return 2;
	}
	in = fopen(argv[1], "r");
	if (in == NULL || fgets(line, sizeof(line), in) == NULL) {
		fprintf(stderr, "harness: cannot read %s\n", argv[1]);
		return 2;
	}
	while (fgets(line, sizeof(line), in) != NULL) {
		float x[SCANN_MODEL_FEATURES], scores[SCANN_MODEL_CLASSES];
		char *p = line, *label;
		int c, k;

		line[strcspn(line, "\r\n")] = '\0';
		for (k = 0; k < SCANN_MODEL_FEATURES; k++) {
			char *end;

			x[k] = (float)strtod(p, &end);
			if (end == p || *end != ',') {
				fprintf(stderr, "harness: row %lu, column %d\n", n + 1, k + 1);
				return 2;
			}
			p = end + 1;
		}
		label = p;
		c = scann_model_predict(x, scores);
		fputs(scann_model_class_names[c], stdout);
		for (k = 0; k < SCANN_MODEL_CLASSES; k++)
			printf("\t%.9g", (double)scores[k]);
		printf("\t%s\n", label);
		n++;
	}
	fclose(in);
	return 0;
}
