/*
 * datasets.c -- the datasets table: one row per user's record of a content
 * (unique per owner and sha256; users with the same bytes share the file a
 * row's path names).  Rows are never changed after insert.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define DS_COLS "id, sha256, name, owner, format, path, bytes, rows, " \
	"features, classes, created_at"

void scann_store_dataset_free(struct scann_store_dataset *d)
{
	if (d == NULL)
		return;
	free(d->id);
	free(d->sha256);
	free(d->name);
	free(d->owner);
	free(d->format);
	free(d->path);
	free(d);
}

static struct scann_store_dataset *ds_row(sqlite3_stmt *s)
{
	struct scann_store_dataset *d = calloc(1, sizeof(*d));

	if (d == NULL)
		abort();
	d->id = scann_store__text(s, 0, 1);
	d->sha256 = scann_store__text(s, 1, 1);
	d->name = scann_store__text(s, 2, 1);
	d->owner = scann_store__text(s, 3, 1);
	d->format = scann_store__text(s, 4, 1);
	d->path = scann_store__text(s, 5, 1);
	d->bytes = sqlite3_column_int64(s, 6);
	d->rows = sqlite3_column_int64(s, 7);
	d->features = sqlite3_column_int64(s, 8);
	d->classes = sqlite3_column_int64(s, 9);
	d->created_at = sqlite3_column_int64(s, 10);
	return d;
}

int scann_store_dataset_insert(struct scann_store *st,
			       const struct scann_store_dataset *d,
			       int *created, struct scann_error *err)
{
	sqlite3_stmt *s = scann_store__stmt(st, STMT_DS_INSERT,
		"INSERT OR IGNORE INTO datasets (" DS_COLS ") "
		"VALUES (?,?,?,?,?,?,?,?,?,?,?)", err);
	int rc;

	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	sqlite3_bind_text(s, 1, d->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, d->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, d->name ? d->name : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, d->owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, d->format, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, d->path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, d->bytes);
	sqlite3_bind_int64(s, 8, d->rows);
	sqlite3_bind_int64(s, 9, d->features);
	sqlite3_bind_int64(s, 10, d->classes);
	sqlite3_bind_int64(s, 11, d->created_at ? d->created_at :
			   scann_store_now_ms());
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE) {
		rc = scann_store__fail(st, err, "dataset insert");
		sqlite3_reset(s);
		return rc;
	}
	*created = sqlite3_changes(st->db) > 0;
	sqlite3_reset(s);
	return 0;
}

static int ds_one(struct scann_store *st, sqlite3_stmt *s,
		  struct scann_store_dataset **out, const char *what,
		  struct scann_error *err)
{
	int rc = sqlite3_step(s);

	*out = NULL;
	if (rc == SQLITE_ROW) {
		*out = ds_row(s);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = scann_error_set(err, SCANN_ENOENT, "dataset",
				     "no dataset %s", what);
	} else {
		rc = scann_store__fail(st, err, "dataset get");
	}
	sqlite3_reset(s);
	return rc;
}

int scann_store_dataset_get(struct scann_store *st, const char *id,
			    const char *owner,
			    struct scann_store_dataset **out,
			    struct scann_error *err)
{
	sqlite3_stmt *s = owner == NULL ?
		scann_store__stmt(st, STMT_DS_GET_ID,
			"SELECT " DS_COLS " FROM datasets WHERE id = ?", err) :
		scann_store__stmt(st, STMT_DS_GET_ID_OWNER,
			"SELECT " DS_COLS " FROM datasets WHERE id = ?"
			" AND owner = ?", err);

	*out = NULL;
	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if (owner != NULL)
		sqlite3_bind_text(s, 2, owner, -1, SQLITE_STATIC);
	return ds_one(st, s, out, id, err);
}

int scann_store_dataset_by_name(struct scann_store *st, const char *owner,
				const char *name,
				struct scann_store_dataset **out,
				struct scann_error *err)
{
	sqlite3_stmt *s = scann_store__stmt(st, STMT_DS_GET_NAME,
		"SELECT " DS_COLS " FROM datasets WHERE owner = ? AND name = ?"
		" AND name <> '' ORDER BY created_at DESC LIMIT 1", err);

	*out = NULL;
	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	sqlite3_bind_text(s, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	return ds_one(st, s, out, name, err);
}

int scann_store_dataset_by_hash(struct scann_store *st, const char *sha256,
				const char *owner,
				struct scann_store_dataset **out,
				struct scann_error *err)
{
	sqlite3_stmt *s = owner == NULL ?
		scann_store__stmt(st, STMT_DS_GET_HASH,
			"SELECT " DS_COLS " FROM datasets WHERE sha256 = ?"
			" LIMIT 1", err) :
		scann_store__stmt(st, STMT_DS_GET_HASH_OWNER,
			"SELECT " DS_COLS " FROM datasets WHERE sha256 = ?"
			" AND owner = ?", err);

	*out = NULL;
	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	sqlite3_bind_text(s, 1, sha256, -1, SQLITE_STATIC);
	if (owner != NULL)
		sqlite3_bind_text(s, 2, owner, -1, SQLITE_STATIC);
	return ds_one(st, s, out, sha256, err);
}

int scann_store_dataset_list(struct scann_store *st, const char *owner,
			     int64_t cursor, int limit,
			     struct scann_store_dataset ***out, int *n,
			     struct scann_error *err)
{
	sqlite3_stmt *s = owner == NULL ?
		scann_store__stmt(st, STMT_DS_LIST,
			"SELECT " DS_COLS " FROM datasets WHERE created_at < ?"
			" ORDER BY created_at DESC LIMIT ?", err) :
		scann_store__stmt(st, STMT_DS_LIST_OWNER,
			"SELECT " DS_COLS " FROM datasets WHERE created_at < ?"
			" AND owner = ? ORDER BY created_at DESC LIMIT ?", err);
	struct scann_store_dataset **v;
	int rc, k = 0;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	v = calloc((size_t)limit + 1, sizeof(*v));
	if (v == NULL)
		abort();
	sqlite3_bind_int64(s, 1, cursor > 0 ? cursor : INT64_MAX);
	if (owner != NULL)
		sqlite3_bind_text(s, 2, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, owner != NULL ? 3 : 2, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && k < limit)
		v[k++] = ds_row(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		rc = scann_store__fail(st, err, "dataset list");
		sqlite3_reset(s);
		while (k > 0)
			scann_store_dataset_free(v[--k]);
		free(v);
		return rc;
	}
	sqlite3_reset(s);
	*out = v;
	*n = k;
	return 0;
}
