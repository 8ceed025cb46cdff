/*
 * tar.h -- a POSIX ustar archive of a few in-memory files: the C export a
 * job leaves (NAME.h and NAME.c together) is one download that any tar
 * unpacks.
 */
#ifndef SCANN_TAR_H
#define SCANN_TAR_H

#include <stddef.h>

#include "job/error.h"

struct scann_tar_member {
	const char *name;	/* at most 99 bytes, no directory */
	const char *data;
	size_t size;
};

/* Write members[0..n) to path, through path.tmp and a rename. */
int scann_tar_write(const char *path, const struct scann_tar_member *members,
		    size_t n, struct scann_error *err);

#endif
