/*
 * delete.c -- removing jobs and datasets (DELETE routes, retention).  Rows
 * only: the caller removes the files (a job's directory; a dataset's file
 * once no row names it).  Rare operations, so the statements are prepared
 * per call rather than cached.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* Run sql with one int64 or text binding; SQLITE_DONE/ROW as 0, else err. */
static int run1(struct scann_store *st, const char *sql, int64_t id,
		const char *text, int64_t *out, struct scann_error *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return scann_store__fail(st, err, "prepare");
	if (text != NULL)
		sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && out != NULL)
		*out = sqlite3_column_int64(s, 0);
	if (rc == SQLITE_DONE && out != NULL)
		*out = 0;
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
		scann_store__fail(st, err, "delete");
	sqlite3_finalize(s);
	return rc;
}

int scann_store_job_delete(struct scann_store *st, int64_t id,
			   struct scann_error *err)
{
	int rc = scann_store__tx_begin(st, err);

	if (rc != 0)
		return rc;
	rc = run1(st, "DELETE FROM events WHERE job_id = ?", id, NULL, NULL,
		  err);
	if (rc == 0)	/* how its last attempt ran (runs.c) */
		rc = run1(st, "DELETE FROM job_runs WHERE job_id = ?", id, NULL,
			  NULL, err);
	if (rc == 0)
		rc = run1(st, "DELETE FROM jobs WHERE id = ?", id, NULL, NULL,
			  err);
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = scann_error_set(err, SCANN_ENOENT, "id", "no job %lld",
				     (long long)id);
	if (rc == 0)
		rc = scann_store__tx_commit(st, err);
	if (rc != 0)
		scann_store__tx_rollback(st);
	return rc;
}

int scann_store_dataset_live_jobs(struct scann_store *st, const char *id,
				  int64_t *n, struct scann_error *err)
{
	return run1(st, "SELECT count(*) FROM jobs WHERE dataset_id = ? AND"
		    " state IN ('queued', 'running')", 0, id, n, err);
}

int scann_store_dataset_delete(struct scann_store *st, const char *id,
			       const char *path, int *file_unused,
			       struct scann_error *err)
{
	int64_t others = 1;
	int rc = scann_store__tx_begin(st, err);

	if (rc != 0)
		return rc;
	rc = run1(st, "DELETE FROM datasets WHERE id = ?", 0, id, NULL, err);
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = scann_error_set(err, SCANN_ENOENT, "id", "no dataset %s",
				     id);
	/* Identical bytes of several users share one file. */
	if (rc == 0)
		rc = run1(st, "SELECT count(*) FROM datasets WHERE path = ?", 0,
			  path, &others, err);
	if (rc == 0)
		rc = scann_store__tx_commit(st, err);
	if (rc != 0)
		scann_store__tx_rollback(st);
	*file_unused = rc == 0 && others == 0;
	return rc;
}

int scann_store_job_oldest_done(struct scann_store *st, int64_t before_ms,
				int64_t *id, struct scann_error *err)
{
	return run1(st, "SELECT id FROM jobs WHERE state IN"
		    " ('succeeded', 'failed', 'cancelled') AND finished_at < ?"
		    " ORDER BY finished_at, id LIMIT 1", before_ms, NULL, id,
		    err);
}

int scann_store_used_bytes(struct scann_store *st, int64_t *bytes,
			   struct scann_error *err)
{
	return run1(st, "SELECT ((SELECT page_count FROM pragma_page_count())"
		    " - (SELECT freelist_count FROM pragma_freelist_count()))"
		    " * (SELECT page_size FROM pragma_page_size()) + ?", 0, NULL,
		    bytes, err);
}
