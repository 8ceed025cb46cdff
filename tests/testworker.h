/*
 * testworker.h -- the Check tests that drive the real scann-worker binary:
 * where it is, running it in the scratch directory, reading what it wrote.
 */
#ifndef SCANN_TESTWORKER_H
#define SCANN_TESTWORKER_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "testutil.h"

/* The worker of this build ($SCANN_BUILDDIR, else the current dir). */
static inline const char *test_worker(void)
{
	static char path[4096];
	const char *b = getenv("SCANN_BUILDDIR");

	snprintf(path, sizeof(path), "%s/worker/scann-worker", b ? b : ".");
	return path;
}

/* Run "scann-worker ARGS > out 2> out.err" in the scratch dir; exit status. */
static inline int test_worker_run(const char *args, const char *out)
{
	char cmd[20480];	/* tmpdir, worker path, args and out twice */
	int st;

	snprintf(cmd, sizeof(cmd), "cd %s && %s %s > %s 2> %s.err", test_tmpdir(),
		 test_worker(), args, out, out);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A scratch file's whole text (caller frees); its length in *len if asked. */
static inline char *test_slurp(const char *name, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s is missing", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

#endif
