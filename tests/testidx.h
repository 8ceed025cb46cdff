/*
 * testidx.h -- IDX image data for the tests of a convolutional front,
 * written by the test itself (no data file needed).
 */
#ifndef SCANN_TESTIDX_H
#define SCANN_TESTIDX_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "testutil.h"

static inline void put_be32(FILE *f, uint32_t v)
{
	unsigned char b[4] = {v >> 24, v >> 16, v >> 8, v};

	fwrite(b, 1, 4, f);
}

/*
 * An IDX directory of 10x10 images in three classes, a bright bar across
 * a random row, down a random column, or along the diagonal, on faint
 * noise: n training images (train-*) and m test images (t10k-*).
 */
static inline void write_bars_idx(const char *dir, uint32_t n, uint32_t m)
{
	char path[2048];
	uint32_t seed = 12345;

	snprintf(path, sizeof(path), "mkdir -p %s/%s", test_tmpdir(), dir);
	ck_assert_int_eq(system(path), 0);
	for (int part = 0; part < 2; part++) {
		const char *name = part ? "t10k" : "train";
		uint32_t rows = part ? m : n;
		FILE *img, *lab;

		snprintf(path, sizeof(path), "%s/%s/%s-images-idx3-ubyte",
			 test_tmpdir(), dir, name);
		img = fopen(path, "wb");
		snprintf(path, sizeof(path), "%s/%s/%s-labels-idx1-ubyte",
			 test_tmpdir(), dir, name);
		lab = fopen(path, "wb");
		ck_assert(img && lab);
		put_be32(img, 0x803);
		put_be32(img, rows);
		put_be32(img, 10);
		put_be32(img, 10);
		put_be32(lab, 0x801);
		put_be32(lab, rows);
		for (uint32_t r = 0; r < rows; r++) {
			unsigned char px[100], y = (unsigned char)(r % 3);
			uint32_t at;

			for (int k = 0; k < 100; k++) {
				seed = seed * 1103515245u + 12345u;
				px[k] = (unsigned char)((seed >> 16) % 60);
			}
			seed = seed * 1103515245u + 12345u;
			at = (seed >> 16) % 10;
			for (uint32_t k = 0; k < 10; k++)
				px[y == 0 ? at * 10 + k : y == 1 ? k * 10 + at :
				   k * 11] = 255;
			fwrite(px, 1, 100, img);
			fputc(y, lab);
		}
		fclose(img);
		fclose(lab);
	}
}

#endif
