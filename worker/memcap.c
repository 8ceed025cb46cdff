/*
 * memcap.c -- see memcap.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "memcap.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static size_t cap;

/* Bytes of address space mapped now (VmSize), 0 when unknown. */
static size_t mapped_now(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long pages = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu", &pages) != 1)
		pages = 0;
	fclose(f);
	return (size_t)pages * 4096;
}

int scann_memcap_set(size_t bytes, struct scann_error *err)
{
	struct rlimit rl;
	size_t limit = bytes;

	if (bytes == 0)
		return 0;
#ifdef UNDER_ASAN
	limit += mapped_now();
#else
	(void)mapped_now;
#endif
	if (getrlimit(RLIMIT_AS, &rl) != 0)
		return scann_error_set(err, SCANN_EIO, "max-memory",
				       "getrlimit: %s", strerror(errno));
	if (rl.rlim_max != RLIM_INFINITY && limit > rl.rlim_max)
		limit = rl.rlim_max;	/* an unprivileged process cannot raise it */
	rl.rlim_cur = limit;
	if (setrlimit(RLIMIT_AS, &rl) != 0)
		return scann_error_set(err, SCANN_EIO, "max-memory",
				       "setrlimit: %s", strerror(errno));
	cap = bytes;
	return 0;
}

size_t scann_memcap_get(void)
{
	return cap;
}

int scann_memcap_parse(const char *s, size_t *bytes)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end == 'k' || *end == 'K')
		v <<= 10, end++;
	else if (*end == 'm' || *end == 'M')
		v <<= 20, end++;
	else if (*end == 'g' || *end == 'G')
		v <<= 30, end++;
	if (*end != '\0')
		return -1;
	*bytes = (size_t)v;
	return 0;
}
