/*
 * split_digest.h -- a short fingerprint of a split's row lists, so that the
 * rows `scann-worker split` exports can be checked against the rows a run
 * trained, validated and tested on (run prints the same digests in its
 * "job accepted" event).
 *
 * The digest is FNV-1a 64 over the row indices, each as a uint32 in little
 * endian, in the split's order, printed as 16 lowercase hex digits.  It
 * catches a different row, a missing row or another order; it is not a
 * cryptographic hash.  Not SHA-256: that lives in store/ (sha256.c), which
 * the engine does not link, and FNV-1a 64 is what the engine already uses
 * for a dataset's fingerprint (model.h).
 */
#ifndef SCANN_SPLIT_DIGEST_H
#define SCANN_SPLIT_DIGEST_H

#include <stdint.h>

#include <jansson.h>

#include "split.h"

/* FNV-1a 64 of rows[0..n) as described above; out gets 16 hex digits. */
void scann_split_digest(const uint32_t *rows, uint32_t n, char out[17]);

/*
 * {"train": hex, "validation": hex, "test": hex} for s, the one place that
 * names the three parts, so split and run print the same object.  A new
 * reference, or NULL when out of memory.
 */
json_t *scann_split_digest_json(const struct scann_split *s);

#endif
