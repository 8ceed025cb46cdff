/*
 * sha256.h -- SHA-256 (FIPS 180-4), for dataset content hashes and API
 * token hashes.  Small and dependency-free: scann links no crypto library.
 */
#ifndef SCANN_SHA256_H
#define SCANN_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct scann_sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	uint8_t buf[64];
	size_t nbuf;
};

void scann_sha256_init(struct scann_sha256 *c);
void scann_sha256_update(struct scann_sha256 *c, const void *data, size_t n);
/* Finish and write 64 lowercase hex digits and a NUL to hex[65]. */
void scann_sha256_hex(struct scann_sha256 *c, char hex[65]);
/* One-shot convenience. */
void scann_sha256_hex_of(const void *data, size_t n, char hex[65]);

#endif
