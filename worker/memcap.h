/*
 * memcap.h -- a worker's own bound on memory (scann-worker run
 * --max-memory, scannd --worker-memory): RLIMIT_AS, set by the worker on
 * itself, so an allocation past it fails (malloc returns NULL) and the job
 * fails with an error that says so, instead of the machine swapping or the
 * kernel's OOM killer choosing a victim.
 */
#ifndef SCANN_MEMCAP_H
#define SCANN_MEMCAP_H

#include <stddef.h>

#include "job/error.h"

/*
 * Cap this process's address space at bytes (0: leave it).  Under
 * AddressSanitizer, whose shadow memory reserves terabytes of address space
 * at start-up, the cap counts from what is mapped already.  0 or SCANN_EIO.
 */
int scann_memcap_set(size_t bytes, struct scann_error *err);

/* The cap set (0: none), for error messages. */
size_t scann_memcap_get(void);

/* Parse "BYTES" with an optional k, M or G suffix; 0 or -1. */
int scann_memcap_parse(const char *s, size_t *bytes);

#endif
