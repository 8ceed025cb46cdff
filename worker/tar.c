/*
 * tar.c -- ustar writer (see tar.h).  Every header field is ASCII: octal
 * numbers NUL-terminated, the checksum computed with its own field as
 * spaces; mode 0644 and mtime 0, so the same files give the same bytes.
 */
#include "tar.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define BLOCK 512

static int write_header(FILE *f, const struct scann_tar_member *m)
{
	unsigned char h[BLOCK];
	unsigned sum = 0;

	memset(h, 0, sizeof(h));
	memcpy(h, m->name, strlen(m->name));		/* name[100] */
	memcpy(h + 100, "0000644", 8);			/* mode */
	memcpy(h + 108, "0000000", 8);			/* uid */
	memcpy(h + 116, "0000000", 8);			/* gid */
	snprintf((char *)h + 124, 12, "%011zo", m->size);	/* size */
	memcpy(h + 136, "00000000000", 12);		/* mtime */
	memset(h + 148, ' ', 8);			/* chksum, for now */
	h[156] = '0';					/* a regular file */
	memcpy(h + 257, "ustar", 6);			/* magic */
	memcpy(h + 263, "00", 2);			/* version */
	for (int i = 0; i < BLOCK; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
	return fwrite(h, 1, BLOCK, f) == BLOCK ? 0 : -1;
}

static int write_member(FILE *f, const struct scann_tar_member *m)
{
	static const char zeros[BLOCK];
	size_t pad = (BLOCK - m->size % BLOCK) % BLOCK;

	if (write_header(f, m) != 0 ||
	    fwrite(m->data, 1, m->size, f) != m->size ||
	    fwrite(zeros, 1, pad, f) != pad)
		return -1;
	return 0;
}

int scann_tar_write(const char *path, const struct scann_tar_member *members,
		    size_t n, struct scann_error *err)
{
	static const char zeros[2 * BLOCK];
	char tmp[4200];
	FILE *f;
	int bad = 0;

	for (size_t i = 0; i < n; i++)
		if (strlen(members[i].name) >= 100 || strchr(members[i].name, '/'))
			return scann_error_set(err, SCANN_EINVAL, NULL,
					       "tar member name '%s' is not a "
					       "plain name under 100 bytes",
					       members[i].name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "wb");
	if (f == NULL)
		return scann_error_set(err, SCANN_EIO, NULL, "cannot write %s: %s",
				       tmp, strerror(errno));
	for (size_t i = 0; i < n && !bad; i++)
		bad = write_member(f, &members[i]);
	if (!bad)	/* the end: two zero blocks */
		bad = fwrite(zeros, 1, sizeof(zeros), f) != sizeof(zeros);
	if (fclose(f) != 0)
		bad = 1;
	if (bad || rename(tmp, path) != 0) {
		int e = errno;

		remove(tmp);
		return scann_error_set(err, SCANN_EIO, NULL, "cannot write %s: %s",
				       path, strerror(e));
	}
	return 0;
}
