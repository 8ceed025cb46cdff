/*
 * testutil.h -- small helpers shared by the Check unit tests: where the
 * bundled data is, and scratch files in a private temporary directory.
 */
#ifndef SCANN_TESTUTIL_H
#define SCANN_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

/* Path of a file under tests/data (static buffer: use before the next call). */
static inline const char *test_data(const char *name)
{
	static char path[4096];
	const char *dir = getenv("SCANN_TEST_DATA");

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/data", name);
	return path;
}

static char test_tmpdir_path[256];

/* A fresh directory for this test process's scratch files. */
static inline const char *test_tmpdir(void)
{
	char *dir = test_tmpdir_path;

	if (dir[0] == '\0') {
		const char *base = getenv("TMPDIR");

		snprintf(dir, sizeof(test_tmpdir_path), "%s/scann-test-XXXXXX",
			 base ? base : "/tmp");
		if (mkdtemp(dir) == NULL) {
			perror("mkdtemp");
			abort();
		}
	}
	return dir;
}

/* Write len bytes to name in the scratch directory; returns its path (static). */
static inline const char *test_write(const char *name, const void *data,
				     size_t len)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		abort();
	}
	return path;
}

static inline const char *test_write_str(const char *name, const char *text)
{
	return test_write(name, text, strlen(text));
}

/*
 * Run suite s in this process (no fork, so the sanitizers see every leak
 * at exit), then remove the scratch directory unless SCANN_KEEP_TMP is
 * set.  Returns the exit status for main().
 */
static inline int test_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (test_tmpdir_path[0] != '\0' && getenv("SCANN_KEEP_TMP") == NULL) {
		char cmd[300];

		/* The path is mkdtemp's: no quoting surprises. */
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", test_tmpdir_path);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", test_tmpdir_path);
	}
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
