/*
 * runs.c -- the job_runs table: how each job's latest attempt is run, so a
 * restarted scannd finds its workers again (see struct scann_store_job_run).
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

void scann_store_job_run_free(struct scann_store_job_run *r)
{
	if (r == NULL)
		return;
	free(r->kind);
	free(r->ref);
	free(r->birth);
	free(r->note);
	free(r);
}

/* Step s (bound already) to its end; 0, ENOENT when no row changed. */
static int change(struct scann_store *st, sqlite3_stmt *s, int64_t id,
		  const char *what, struct scann_error *err)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return scann_store__fail(st, err, what);
	if (sqlite3_changes(st->db) == 0)
		return scann_error_set(err, SCANN_ENOENT, "id",
				       "job %lld has no run", (long long)id);
	return 0;
}

int scann_store_job_run_set(struct scann_store *st, int64_t id,
			    const char *kind, const char *ref,
			    const char *birth, struct scann_error *err)
{
	sqlite3_stmt *s = scann_store__stmt(st, STMT_RUN_SET,
		"INSERT OR REPLACE INTO job_runs (job_id, kind, ref, birth,"
		" offset, note, updated_at) VALUES (?, ?, ?, ?, 0, '', ?)", err);

	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, birth ? birth : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, scann_store_now_ms());
	return change(st, s, id, "run set", err);
}

int scann_store_job_run_get(struct scann_store *st, int64_t id,
			    struct scann_store_job_run **out,
			    struct scann_error *err)
{
	sqlite3_stmt *s = scann_store__stmt(st, STMT_RUN_GET,
		"SELECT kind, ref, birth, offset, note, updated_at FROM job_runs"
		" WHERE job_id = ?", err);
	struct scann_store_job_run *r;
	int rc;

	*out = NULL;
	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			return scann_store__fail(st, err, "run get");
		return scann_error_set(err, SCANN_ENOENT, "id",
				       "job %lld has no run", (long long)id);
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		abort();
	r->job_id = id;
	r->kind = scann_store__text(s, 0, 1);
	r->ref = scann_store__text(s, 1, 1);
	r->birth = scann_store__text(s, 2, 1);
	r->offset = sqlite3_column_int64(s, 3);
	r->note = scann_store__text(s, 4, 1);
	r->updated_at = sqlite3_column_int64(s, 5);
	sqlite3_reset(s);
	*out = r;
	return 0;
}

int scann_store_job_run_offset(struct scann_store *st, int64_t id,
			       int64_t offset, struct scann_error *err)
{
	sqlite3_stmt *s = scann_store__stmt(st, STMT_RUN_OFFSET,
		"UPDATE job_runs SET offset = ?, updated_at = ? WHERE job_id = ?",
		err);

	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	sqlite3_bind_int64(s, 1, offset);
	sqlite3_bind_int64(s, 2, scann_store_now_ms());
	sqlite3_bind_int64(s, 3, id);
	return change(st, s, id, "run offset", err);
}

int scann_store_job_run_note(struct scann_store *st, int64_t id,
			     const char *note, struct scann_error *err)
{
	sqlite3_stmt *s = scann_store__stmt(st, STMT_RUN_NOTE,
		"UPDATE job_runs SET note = ?, updated_at = ? WHERE job_id = ?",
		err);

	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	sqlite3_bind_text(s, 1, note, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, scann_store_now_ms());
	sqlite3_bind_int64(s, 3, id);
	return change(st, s, id, "run note", err);
}

int scann_store_job_run_delete(struct scann_store *st, int64_t id,
			       struct scann_error *err)
{
	sqlite3_stmt *s = scann_store__stmt(st, STMT_RUN_DELETE,
		"DELETE FROM job_runs WHERE job_id = ?", err);
	int rc;

	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : scann_store__fail(st, err, "run delete");
}
