/*
 * dataset.c -- the CSV and IDX loaders of dataset.h.
 *
 * Both build the dataset in private buffers and hand it over only when the
 * whole input has been read and checked, so a failure never leaves a
 * half-loaded dataset behind.  Memory grows by doubling while reading a CSV
 * (its row count is not known in advance); IDX headers give exact sizes.
 */
#include "dataset.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

void scann_dataset_free(struct scann_dataset *ds)
{
	if (ds == NULL)
		return;
	if (ds->class_names) {
		for (uint32_t i = 0; i < ds->classes; i++)
			free(ds->class_names[i]);
		free(ds->class_names);
	}
	if (ds->feature_names) {
		for (uint32_t i = 0; i < ds->features; i++)
			free(ds->feature_names[i]);
		free(ds->feature_names);
	}
	free(ds->class_counts);
	free(ds->x);
	free(ds->y);
	free(ds->source);
	free(ds->label_name);
	free(ds);
}

/* ---- class names: string -> id, in order of first appearance ---------- */

struct class_table {
	char **names;		/* id -> name, owned */
	uint32_t *counts;	/* id -> rows */
	uint32_t n, cap;	/* ids used, capacity of names/counts */
	uint32_t *slots;	/* open addressing: id + 1, 0 = empty */
	uint32_t nslots;	/* a power of two */
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return h;
}

static void class_table_free(struct class_table *t)
{
	for (uint32_t i = 0; i < t->n; i++)
		free(t->names[i]);
	free(t->names);
	free(t->counts);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static int class_table_grow_slots(struct class_table *t)
{
	uint32_t nslots = t->nslots ? t->nslots * 2 : 64;
	uint32_t *slots = calloc(nslots, sizeof(*slots));

	if (slots == NULL)
		return SCANN_ENOMEM;
	for (uint32_t id = 0; id < t->n; id++) {
		uint32_t i = (uint32_t)hash_str(t->names[id]) & (nslots - 1);

		while (slots[i])
			i = (i + 1) & (nslots - 1);
		slots[i] = id + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = nslots;
	return 0;
}

/* Find or add name; *id receives its class id. */
static int class_table_intern(struct class_table *t, const char *name,
			      uint32_t *id)
{
	uint32_t i;

	if (t->nslots == 0 || (t->n + 1) * 2 > t->nslots) {
		if (class_table_grow_slots(t) != 0)
			return SCANN_ENOMEM;
	}
	i = (uint32_t)hash_str(name) & (t->nslots - 1);
	while (t->slots[i]) {
		if (strcmp(t->names[t->slots[i] - 1], name) == 0) {
			*id = t->slots[i] - 1;
			t->counts[*id]++;
			return 0;
		}
		i = (i + 1) & (t->nslots - 1);
	}
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 16;
		char **names = realloc(t->names, cap * sizeof(*names));

		if (names == NULL)
			return SCANN_ENOMEM;
		t->names = names;
		uint32_t *counts = realloc(t->counts, cap * sizeof(*counts));
		if (counts == NULL)
			return SCANN_ENOMEM;
		t->counts = counts;
		t->cap = cap;
	}
	t->names[t->n] = strdup(name);
	if (t->names[t->n] == NULL)
		return SCANN_ENOMEM;
	t->counts[t->n] = 1;
	t->slots[i] = t->n + 1;
	*id = t->n++;
	return 0;
}

/* ---- CSV ---------------------------------------------------------------- */

struct csv_reader {
	FILE *f;
	const char *path;
	char *line;		/* SCANN_CSV_LINE_MAX + 1 bytes */
	size_t len;
	unsigned long lineno;	/* of the line in line[], 1-based */
};

/*
 * Read the next line into r->line without its newline (and without a
 * trailing '\r').  Returns 1 for a line, 0 at end of file, or an error code.
 */
static int csv_next_line(struct csv_reader *r, struct scann_error *err)
{
	size_t len = 0;
	int c;

	c = getc_unlocked(r->f);
	if (c == EOF) {
		if (ferror(r->f))
			return scann_error_set(err, SCANN_EIO, NULL,
					       "%s: read error after line %lu: %s",
					       r->path, r->lineno, strerror(errno));
		return 0;
	}
	r->lineno++;
	while (c != EOF && c != '\n') {
		if (c == '\0')
			return scann_error_set(err, SCANN_EINVAL, NULL,
					       "%s:%lu: byte %zu of the line is a NUL byte; "
					       "a CSV file is text", r->path, r->lineno,
					       len + 1);
		if (len == SCANN_CSV_LINE_MAX)
			return scann_error_set(err, SCANN_EINVAL, NULL,
					       "%s:%lu: line is longer than %d bytes (1 MiB)",
					       r->path, r->lineno, SCANN_CSV_LINE_MAX);
		r->line[len++] = (char)c;
		c = getc_unlocked(r->f);
	}
	if (c == EOF && ferror(r->f))
		return scann_error_set(err, SCANN_EIO, NULL, "%s:%lu: read error: %s",
				       r->path, r->lineno, strerror(errno));
	if (len > 0 && r->line[len - 1] == '\r')
		len--;
	r->line[len] = '\0';
	r->len = len;
	return 1;
}

/* Split line in place at commas; fields[] receives up to max pointers. */
static uint32_t csv_split(char *line, char **fields, uint32_t max)
{
	uint32_t n = 0;
	char *p = line;

	for (;;) {
		char *comma = strchr(p, ',');

		if (n < max)
			fields[n] = p;
		n++;
		if (comma == NULL)
			break;
		*comma = '\0';
		p = comma + 1;
	}
	return n;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	return s;
}

static int is_blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

/*
 * The CSV loader.  labelled: one column is the label (label_column, or the
 * last); else every column is a feature, rows to be scored by a model.
 */
static int load_csv(const char *path, const char *label_column, int labelled,
		    struct scann_dataset **out, struct scann_error *err)
{
	struct csv_reader r = { .path = path };
	struct class_table classes = { 0 };
	struct scann_dataset *ds = NULL;
	char **fields = NULL;
	uint32_t ncols, label_col = 0, features;
	size_t rows_cap = 0;
	unsigned long blank_line = 0;
	int rc;

	*out = NULL;
	ds = calloc(1, sizeof(*ds));
	r.line = malloc(SCANN_CSV_LINE_MAX + 1);
	if (ds == NULL || r.line == NULL) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
		goto fail;
	}
	r.f = fopen(path, "rb");
	if (r.f == NULL) {
		rc = scann_error_set(err, errno == ENOENT ? SCANN_ENOENT : SCANN_EIO,
				     NULL, "%s: cannot open: %s", path,
				     strerror(errno));
		goto fail;
	}

	/* The header: column names, which fix the column count. */
	rc = csv_next_line(&r, err);
	if (rc < 0)
		goto fail;
	if (rc == 0 || is_blank(r.line)) {
		rc = scann_error_set(err, SCANN_EINVAL, NULL,
				     "%s: empty file: expected a header row naming "
				     "the columns", path);
		goto fail;
	}
	ncols = csv_split(r.line, NULL, 0);
	if (ncols < 1 + (uint32_t)labelled) {
		rc = scann_error_set(err, SCANN_EINVAL, NULL,
				     "%s:1: the header names %u column; at least one "
				     "feature and a label are needed", path, ncols);
		goto fail;
	}
	fields = calloc(ncols, sizeof(*fields));
	if (fields == NULL) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
		goto fail;
	}
	/* csv_split above already cut the line; split again into fields[]. */
	{
		char *p = r.line;

		for (uint32_t i = 0; i < ncols; i++) {
			fields[i] = p;
			p += strlen(p) + 1;
		}
	}
	if (!labelled) {
		label_col = ncols;	/* none */
	} else if (label_column == NULL) {
		label_col = ncols - 1;
	} else {
		label_col = ncols;
		for (uint32_t i = 0; i < ncols; i++)
			if (strcmp(trim(fields[i]), label_column) == 0) {
				label_col = i;
				break;
			}
		if (label_col == ncols) {
			rc = scann_error_set(err, SCANN_EINVAL, "label_column",
					     "%s:1: no column is named '%s' (the label "
					     "column)", path, label_column);
			goto fail;
		}
	}
	features = labelled ? ncols - 1 : ncols;
	ds->features = features;
	ds->feature_names = calloc(features, sizeof(char *));
	ds->label_name = strdup(labelled ? trim(fields[label_col]) : "");
	if (ds->feature_names == NULL || ds->label_name == NULL) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
		goto fail;
	}
	for (uint32_t i = 0, j = 0; i < ncols; i++) {
		if (i == label_col)
			continue;
		ds->feature_names[j] = strdup(trim(fields[i]));
		if (ds->feature_names[j++] == NULL) {
			rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
			goto fail;
		}
	}

	/* The rows. */
	for (;;) {
		uint32_t n, row = ds->rows, id;
		float *xrow;

		rc = csv_next_line(&r, err);
		if (rc < 0)
			goto fail;
		if (rc == 0)
			break;
		if (is_blank(r.line)) {
			if (blank_line == 0)
				blank_line = r.lineno;
			continue;
		}
		if (blank_line != 0) {
			rc = scann_error_set(err, SCANN_EINVAL, NULL,
					     "%s:%lu: empty line between data rows",
					     path, blank_line);
			goto fail;
		}
		n = csv_split(r.line, fields, ncols);
		if (n != ncols) {
			rc = scann_error_set(err, SCANN_EINVAL, NULL,
					     "%s:%lu: %u fields, but the header has %u "
					     "columns", path, r.lineno, n, ncols);
			goto fail;
		}
		if (row == UINT32_MAX) {
			rc = scann_error_set(err, SCANN_EINVAL, NULL,
					     "%s:%lu: too many rows", path, r.lineno);
			goto fail;
		}
		if (row == rows_cap) {
			size_t cap = rows_cap ? rows_cap * 2 : 1024;
			float *x;
			uint32_t *y;

			if (cap > UINT32_MAX)
				cap = UINT32_MAX;
			x = realloc(ds->x, cap * features * sizeof(*x));
			if (x == NULL) {
				rc = scann_error_set(err, SCANN_ENOMEM, NULL,
						     "out of memory at line %lu",
						     r.lineno);
				goto fail;
			}
			ds->x = x;
			y = realloc(ds->y, cap * sizeof(*y));
			if (y == NULL) {
				rc = scann_error_set(err, SCANN_ENOMEM, NULL,
						     "out of memory at line %lu",
						     r.lineno);
				goto fail;
			}
			ds->y = y;
			rows_cap = cap;
		}
		xrow = ds->x + (size_t)row * features;
		for (uint32_t i = 0, j = 0; i < ncols; i++) {
			char *cell = trim(fields[i]), *end;
			double v;

			if (i == label_col)
				continue;
			if (*cell == '\0') {
				rc = scann_error_set(err, SCANN_EINVAL, NULL,
						     "%s:%lu: column %u (%s) is empty",
						     path, r.lineno, i + 1,
						     ds->feature_names[j]);
				goto fail;
			}
			errno = 0;
			v = strtod(cell, &end);
			if (end == cell || *end != '\0') {
				rc = scann_error_set(err, SCANN_EINVAL, NULL,
						     "%s:%lu: column %u (%s): '%.64s' is "
						     "not a number", path, r.lineno,
						     i + 1, ds->feature_names[j], cell);
				goto fail;
			}
			if (!isfinite(v) || fabs(v) > FLT_MAX) {
				rc = scann_error_set(err, SCANN_EINVAL, NULL,
						     "%s:%lu: column %u (%s): '%.64s' is "
						     "not a finite float32 value", path,
						     r.lineno, i + 1,
						     ds->feature_names[j], cell);
				goto fail;
			}
			xrow[j++] = (float)v;
		}
		if (!labelled) {
			id = 0;
		} else {
			char *label = trim(fields[label_col]);

			if (*label == '\0') {
				rc = scann_error_set(err, SCANN_EINVAL, NULL,
						     "%s:%lu: column %u (the label) is "
						     "empty", path, r.lineno,
						     label_col + 1);
				goto fail;
			}
			if (class_table_intern(&classes, label, &id) != 0) {
				rc = scann_error_set(err, SCANN_ENOMEM, NULL,
						     "out of memory");
				goto fail;
			}
		}
		ds->y[row] = id;
		ds->rows++;
	}

	if (ds->rows == 0) {
		rc = scann_error_set(err, SCANN_EINVAL, NULL,
				     "%s: the header is the only row: no data", path);
		goto fail;
	}
	if (labelled && classes.n < 2) {
		rc = scann_error_set(err, SCANN_EINVAL, NULL,
				     "%s: every row has the label '%s': "
				     "classification needs at least two classes",
				     path, classes.names[0]);
		goto fail;
	}
	ds->classes = classes.n;
	ds->class_names = classes.names;
	ds->class_counts = classes.counts;
	free(classes.slots);
	memset(&classes, 0, sizeof(classes));
	ds->test_first = ds->rows;
	ds->source = strdup(path);
	if (ds->source == NULL) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
		goto fail;
	}
	/* Give back the slack of the doubling. */
	{
		float *x = realloc(ds->x, (size_t)ds->rows * features * sizeof(*x));
		uint32_t *y = realloc(ds->y, (size_t)ds->rows * sizeof(*y));

		if (x)
			ds->x = x;
		if (y)
			ds->y = y;
	}
	fclose(r.f);
	free(r.line);
	free(fields);
	*out = ds;
	return 0;

fail:
	if (r.f)
		fclose(r.f);
	free(r.line);
	free(fields);
	class_table_free(&classes);
	scann_dataset_free(ds);
	return rc;
}

int scann_dataset_load_csv(const char *path, const char *label_column,
			   struct scann_dataset **out, struct scann_error *err)
{
	return load_csv(path, label_column, 1, out, err);
}

int scann_dataset_load_csv_features(const char *path,
				    struct scann_dataset **out,
				    struct scann_error *err)
{
	return load_csv(path, NULL, 0, out, err);
}

/* ---- IDX ---------------------------------------------------------------- */

#define IDX_MAGIC_IMAGES 0x00000803u
#define IDX_MAGIC_LABELS 0x00000801u
#define IDX_SIDE_MAX 4096u

struct idx_file {
	uint32_t dims[3];	/* count, then rows and columns for images */
	uint8_t *data;		/* count * (rows * cols) bytes */
	size_t bytes;
};

/* Read exactly n bytes; *got receives how many were read. */
static int gz_read_all(gzFile gz, void *buf, size_t n, size_t *got)
{
	size_t done = 0;

	while (done < n) {
		size_t chunk = n - done > (1u << 30) ? (1u << 30) : n - done;
		int k = gzread(gz, (char *)buf + done, (unsigned)chunk);

		if (k < 0)
			return -1;
		if (k == 0)
			break;
		done += (size_t)k;
	}
	*got = done;
	return 0;
}

static int idx_read(const char *path, uint32_t magic, struct idx_file *f,
		    struct scann_error *err)
{
	unsigned ndims = magic == IDX_MAGIC_IMAGES ? 3 : 1;
	unsigned char header[16];
	size_t header_bytes = 4 + 4 * (size_t)ndims, got;
	uint32_t file_magic;
	unsigned char extra;
	gzFile gz;
	int rc = 0;

	memset(f, 0, sizeof(*f));
	gz = gzopen(path, "rb");
	if (gz == NULL)
		return scann_error_set(err, errno == ENOENT ? SCANN_ENOENT : SCANN_EIO,
				       NULL, "%s: cannot open: %s", path,
				       strerror(errno));
	if (gz_read_all(gz, header, header_bytes, &got) != 0) {
		rc = scann_error_set(err, SCANN_EINVAL, NULL,
				     "%s: corrupt gzip stream in the header", path);
		goto out;
	}
	if (got < 4) {
		rc = scann_error_set(err, SCANN_EINVAL, NULL,
				     "%s: truncated at byte %zu: an IDX file starts "
				     "with a 4-byte magic number", path, got);
		goto out;
	}
	file_magic = (uint32_t)header[0] << 24 | (uint32_t)header[1] << 16 |
		     (uint32_t)header[2] << 8 | header[3];
	if (file_magic != magic) {
		rc = scann_error_set(err, SCANN_EINVAL, NULL,
				     "%s: byte 0: magic number 0x%08x, expected "
				     "0x%08x (IDX %s of unsigned bytes)", path,
				     file_magic, magic,
				     ndims == 3 ? "images" : "labels");
		goto out;
	}
	if (got < header_bytes) {
		rc = scann_error_set(err, SCANN_EINVAL, NULL,
				     "%s: truncated at byte %zu inside the %zu-byte "
				     "header", path, got, header_bytes);
		goto out;
	}
	f->bytes = 1;
	for (unsigned i = 0; i < ndims; i++) {
		const unsigned char *p = header + 4 + 4 * i;

		f->dims[i] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			     (uint32_t)p[2] << 8 | p[3];
		if (f->dims[i] == 0 || (i > 0 && f->dims[i] > IDX_SIDE_MAX)) {
			rc = scann_error_set(err, SCANN_EINVAL, NULL,
					     "%s: byte %u: dimension %u is %u; "
					     "expected 1..%u", path, 4 + 4 * i, i,
					     f->dims[i], i ? IDX_SIDE_MAX : UINT32_MAX);
			goto out;
		}
		f->bytes *= f->dims[i];
	}
	/*
	 * The header's sizes are not trusted for allocation: read in chunks that
	 * grow with the data actually present, so a header promising terabytes
	 * of a short file costs a short read and a "truncated" error, not a
	 * terabyte malloc.
	 */
	got = 0;
	for (size_t cap = 0; got == cap && cap < f->bytes;) {
		size_t next = cap == 0 ? 1u << 20 : cap * 2, n;
		uint8_t *grown;

		if (next > f->bytes)
			next = f->bytes;
		grown = realloc(f->data, next);
		if (grown == NULL) {
			rc = scann_error_set(err, SCANN_ENOMEM, NULL,
					     "%s: out of memory for %zu bytes", path,
					     next);
			goto out;
		}
		f->data = grown;
		if (gz_read_all(gz, f->data + cap, next - cap, &n) != 0) {
			rc = scann_error_set(err, SCANN_EINVAL, NULL,
					     "%s: corrupt gzip stream after byte %zu",
					     path, header_bytes + cap);
			goto out;
		}
		got = cap + n;
		cap = next;
	}
	if (got < f->bytes) {
		rc = scann_error_set(err, SCANN_EINVAL, NULL,
				     "%s: truncated: the header promises %zu bytes of "
				     "data but the file ends at byte %zu", path,
				     f->bytes, header_bytes + got);
		goto out;
	}
	if (gz_read_all(gz, &extra, 1, &got) == 0 && got == 1) {
		rc = scann_error_set(err, SCANN_EINVAL, NULL,
				     "%s: byte %zu: data continues past the %zu bytes "
				     "the header announces", path,
				     header_bytes + f->bytes, f->bytes);
		goto out;
	}
out:
	gzclose(gz);
	if (rc != 0) {
		free(f->data);
		f->data = NULL;
	}
	return rc;
}

/*
 * Build a dataset from nparts image/label pairs read already; the parts are
 * concatenated in order and test_first is the first row of part test_part
 * (nparts for none).
 */
static int idx_assemble(struct idx_file *images, struct idx_file *labels,
			const char *const *paths, unsigned nparts,
			unsigned test_part, const char *source,
			struct scann_dataset **out, struct scann_error *err)
{
	struct scann_dataset *ds = NULL;
	uint32_t h = images[0].dims[1], w = images[0].dims[2];
	uint32_t id_of[256], seen[256] = { 0 };
	size_t rows = 0, features = (size_t)h * w;
	int rc;

	for (unsigned p = 0; p < nparts; p++) {
		if (images[p].dims[0] != labels[p].dims[0])
			return scann_error_set(err, SCANN_EINVAL, NULL,
					       "%s holds %u images but %s holds %u "
					       "labels", paths[2 * p],
					       images[p].dims[0], paths[2 * p + 1],
					       labels[p].dims[0]);
		if (images[p].dims[1] != h || images[p].dims[2] != w)
			return scann_error_set(err, SCANN_EINVAL, NULL,
					       "%s: images are %ux%u, but %s has %ux%u",
					       paths[2 * p], images[p].dims[1],
					       images[p].dims[2], paths[0], h, w);
		rows += images[p].dims[0];
		for (uint32_t i = 0; i < labels[p].dims[0]; i++)
			seen[labels[p].data[i]]++;
	}
	if (rows > UINT32_MAX)
		return scann_error_set(err, SCANN_EINVAL, NULL, "%s: too many rows",
				       source);
	ds = calloc(1, sizeof(*ds));
	if (ds == NULL)
		return scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
	for (unsigned v = 0; v < 256; v++)
		if (seen[v])
			id_of[v] = ds->classes++;
	if (ds->classes < 2) {
		rc = scann_error_set(err, SCANN_EINVAL, NULL,
				     "%s: every label is the same: classification "
				     "needs at least two classes", paths[1]);
		goto fail;
	}
	ds->rows = (uint32_t)rows;
	ds->features = (uint32_t)features;
	ds->height = h;
	ds->width = w;
	ds->channels = 1;
	ds->x = malloc(rows * features * sizeof(*ds->x));
	ds->y = malloc(rows * sizeof(*ds->y));
	ds->class_names = calloc(ds->classes, sizeof(char *));
	ds->class_counts = calloc(ds->classes, sizeof(uint32_t));
	ds->feature_names = calloc(features, sizeof(char *));
	ds->source = strdup(source);
	ds->label_name = strdup("label");
	if (!ds->x || !ds->y || !ds->class_names || !ds->class_counts ||
	    !ds->feature_names || !ds->source || !ds->label_name) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
		goto fail;
	}
	for (unsigned v = 0; v < 256; v++) {
		char name[4];

		if (!seen[v])
			continue;
		snprintf(name, sizeof(name), "%u", v);
		ds->class_names[id_of[v]] = strdup(name);
		ds->class_counts[id_of[v]] = seen[v];
		if (ds->class_names[id_of[v]] == NULL) {
			rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
			goto fail;
		}
	}
	for (uint32_t r = 0; r < h; r++)
		for (uint32_t c = 0; c < w; c++) {
			char name[32];

			snprintf(name, sizeof(name), "pixel_%u_%u", r, c);
			ds->feature_names[r * w + c] = strdup(name);
			if (ds->feature_names[r * w + c] == NULL) {
				rc = scann_error_set(err, SCANN_ENOMEM, NULL,
						     "out of memory");
				goto fail;
			}
		}
	ds->test_first = ds->rows;
	{
		size_t row = 0;

		for (unsigned p = 0; p < nparts; p++) {
			if (p == test_part)
				ds->test_first = (uint32_t)row;
			for (size_t i = 0; i < images[p].bytes; i++)
				ds->x[row * features + i] = images[p].data[i];
			for (uint32_t i = 0; i < labels[p].dims[0]; i++)
				ds->y[row + i] = id_of[labels[p].data[i]];
			row += labels[p].dims[0];
		}
	}
	*out = ds;
	return 0;
fail:
	scann_dataset_free(ds);
	return rc;
}

int scann_dataset_load_idx(const char *images_path, const char *labels_path,
			   struct scann_dataset **out, struct scann_error *err)
{
	struct idx_file images, labels;
	const char *paths[2] = { images_path, labels_path };
	int rc;

	*out = NULL;
	rc = idx_read(images_path, IDX_MAGIC_IMAGES, &images, err);
	if (rc != 0)
		return rc;
	rc = idx_read(labels_path, IDX_MAGIC_LABELS, &labels, err);
	if (rc == 0)
		rc = idx_assemble(&images, &labels, paths, 1, 1, images_path,
				  out, err);
	free(images.data);
	free(labels.data);
	return rc;
}

/* dir/stem or dir/stem.gz, whichever exists; NULL when neither does. */
static char *idx_find(const char *dir, const char *stem)
{
	struct stat st;
	size_t n = strlen(dir) + strlen(stem) + 8;
	char *p = malloc(n);

	if (p == NULL)
		return NULL;
	snprintf(p, n, "%s/%s", dir, stem);
	if (stat(p, &st) == 0)
		return p;
	snprintf(p, n, "%s/%s.gz", dir, stem);
	if (stat(p, &st) == 0)
		return p;
	free(p);
	return NULL;
}

int scann_dataset_load_idx_dir(const char *dir, struct scann_dataset **out,
			       struct scann_error *err)
{
	static const char *const stems[4] = {
		"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
		"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
	};
	struct idx_file files[4] = { 0 };
	struct idx_file images[2], labels[2];
	char *paths[4] = { 0 };
	int rc = 0;

	*out = NULL;
	for (int i = 0; i < 4; i++) {
		paths[i] = idx_find(dir, stems[i]);
		if (paths[i] == NULL) {
			rc = scann_error_set(err, SCANN_ENOENT, NULL,
					     "%s: no %s or %s.gz in this directory",
					     dir, stems[i], stems[i]);
			goto out;
		}
	}
	for (int i = 0; i < 4; i++) {
		rc = idx_read(paths[i], i % 2 ? IDX_MAGIC_LABELS : IDX_MAGIC_IMAGES,
			      &files[i], err);
		if (rc != 0)
			goto out;
	}
	images[0] = files[0];
	labels[0] = files[1];
	images[1] = files[2];
	labels[1] = files[3];
	rc = idx_assemble(images, labels, (const char *const *)paths, 2, 1, dir,
			  out, err);
out:
	for (int i = 0; i < 4; i++) {
		free(files[i].data);
		free(paths[i]);
	}
	return rc;
}

int scann_dataset_load(const char *path, const char *label_column,
		       struct scann_dataset **out, struct scann_error *err)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return scann_dataset_load_idx_dir(path, out, err);
	return scann_dataset_load_csv(path, label_column, out, err);
}

void scann_dataset_fingerprint(const struct scann_dataset *ds, char out[17])
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	const unsigned char *p = (const unsigned char *)ds->x;
	size_t n = (size_t)ds->rows * ds->features * sizeof(float);

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * UINT64_C(0x100000001b3);
	for (uint32_t r = 0; r < ds->rows; r++) {
		/* rows without labels (scann_dataset_load_csv_features) */
		const char *name = ds->classes ? ds->class_names[ds->y[r]] : "";

		/* Labels by name: a file with its classes in another order
		 * is not the same data. */
		for (; *name; name++)
			h = (h ^ (unsigned char)*name) * UINT64_C(0x100000001b3);
		h = (h ^ 0xff) * UINT64_C(0x100000001b3);
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}
