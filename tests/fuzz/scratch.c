/*
 * scratch.c -- a per-process scratch file for fuzz targets whose parser
 * reads a path rather than a buffer (the dataset loaders).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"

const char *fuzz_scratch_file(const char *suffix, const uint8_t *data,
			      size_t size)
{
	static char path[256];
	const char *dir = getenv("TMPDIR");
	FILE *f;

	snprintf(path, sizeof(path), "%s/scann-fuzz-%ld-%s", dir ? dir : "/tmp",
		 (long)getpid(), suffix);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	return path;
}
