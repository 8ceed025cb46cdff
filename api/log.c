/*
 * log.c -- scann_log: one stamped line per call on stderr (see log.h).
 * The stamp is wall-clock UTC, so the log lines up with the store's
 * timestamps (scann_store_now_ms) and with other hosts' logs.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

void scann_log(const char *fmt, ...)
{
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ scannd: ", stamp, ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
