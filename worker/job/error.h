/*
 * error.h -- how every scann module reports failure.
 *
 * A function that can fail returns 0 or a negative SCANN_E* code and, when
 * the caller passed one, fills a struct scann_error whose message names what
 * was wrong: the field of a job spec, the file, line and column of a CSV
 * cell, the byte offset in an IDX file.  The message is written for the
 * person who made the input, not for the programmer.
 */
#ifndef SCANN_ERROR_H
#define SCANN_ERROR_H

enum scann_errcode {
	SCANN_OK = 0,
	SCANN_EINVAL = -1,	/* the input is malformed or out of range */
	SCANN_ENOMEM = -2,	/* an allocation failed */
	SCANN_EIO = -3,		/* the operating system refused a read or write */
	SCANN_ENOENT = -4,	/* a named file, dataset or job does not exist */
	SCANN_ECANCELED = -5,	/* the work was stopped on request */
	SCANN_EINTERNAL = -6	/* a bug: an invariant did not hold */
};

#define SCANN_ERROR_FIELD_MAX 128
#define SCANN_ERROR_MESSAGE_MAX 1024

struct scann_error {
	int code;				/* one of enum scann_errcode */
	char field[SCANN_ERROR_FIELD_MAX];	/* offending field, "" if none */
	char message[SCANN_ERROR_MESSAGE_MAX];	/* human-readable, one line */
};

/*
 * Fill *err (which may be NULL) and return code, so a failing path reads
 * "return scann_error_set(err, SCANN_EINVAL, "split.test", "...", ...);".
 * field may be NULL.
 */
int scann_error_set(struct scann_error *err, int code, const char *field,
		    const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Reset *err to "no error". */
void scann_error_clear(struct scann_error *err);

/* A short stable name for a code ("invalid", "no_memory", ...). */
const char *scann_errcode_name(int code);

#endif
