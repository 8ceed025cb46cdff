/*
 * log.c -- scannd's log lines (see log.h).  The stamp is wall-clock UTC, so
 * the log lines up with the store's timestamps (scann_store_now_ms) and with
 * other hosts' logs.  Each line is built whole and written with one call, so
 * lines from the loop and from the thread pool never interleave.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* Indexed by enum scann_log_level: the one list of level names. */
static const char *const level_names[] = { "error", "warn", "info", "debug" };
#define N_LEVELS (sizeof(level_names) / sizeof(level_names[0]))

/* syslog(3) priorities of the levels, for the journal's "<N>" prefix. */
static const char *const journal_prefix[] = { "<3>", "<4>", "<6>", "<7>" };

static atomic_int threshold = SCANN_LOG_INFO;
/* 1: stderr is the journal (systemd sets JOURNAL_STREAM to its dev:ino) */
static atomic_int to_journal = -1;

static int stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;

	return js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	       fstat(STDERR_FILENO, &sb) == 0 &&
	       (unsigned long long)sb.st_dev == dev &&
	       (unsigned long long)sb.st_ino == ino;
}

void scann_log_set_level(enum scann_log_level level)
{
	atomic_store(&threshold, (int)level);
}

int scann_log_level_parse(const char *name)
{
	size_t i;

	for (i = 0; i < N_LEVELS; i++)
		if (strcmp(name, level_names[i]) == 0)
			return (int)i;
	return -1;
}

/* msg="..." with quotes, backslashes and control bytes escaped. */
static size_t quote(char *out, size_t n, const char *msg)
{
	size_t k = 0;
	const unsigned char *p;

	for (p = (const unsigned char *)msg; *p != '\0' && k + 5 < n; p++) {
		if (*p == '"' || *p == '\\') {
			out[k++] = '\\';
			out[k++] = (char)*p;
		} else if (*p == '\n') {
			out[k++] = '\\';
			out[k++] = 'n';
		} else if (*p == '\t') {
			out[k++] = '\\';
			out[k++] = 't';
		} else if (*p < 0x20 || *p == 0x7f) {
			k += (size_t)snprintf(out + k, n - k, "\\x%02x", *p);
		} else {
			out[k++] = (char)*p;
		}
	}
	out[k] = '\0';
	return k;
}

static void emit(enum scann_log_level level, const char *fmt, va_list ap)
{
	char stamp[32], msg[2048], line[4608];
	struct timespec ts;
	struct tm tm;
	size_t k;

	if ((int)level > atomic_load(&threshold) || (unsigned)level >= N_LEVELS)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (atomic_load(&to_journal) < 0)
		atomic_store(&to_journal, stderr_is_journal());
	/* The journal takes the level from the prefix and strips it. */
	k = (size_t)snprintf(line, sizeof(line), "%sts=%s.%03ldZ level=%s "
			     "msg=\"", atomic_load(&to_journal) ?
			     journal_prefix[level] : "", stamp,
			     ts.tv_nsec / 1000000, level_names[level]);
	k += quote(line + k, sizeof(line) - k - 2, msg);
	line[k++] = '"';
	line[k++] = '\n';
	/* stderr is unbuffered; one write() keeps the line whole */
	if (write(STDERR_FILENO, line, k) < 0)
		return;
}

void scann_log_at(enum scann_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(level, fmt, ap);
	va_end(ap);
}

void scann_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(SCANN_LOG_INFO, fmt, ap);
	va_end(ap);
}
