/*
 * jobs.c -- the jobs table: submission, state transitions (each with the
 * state event that announces it, in one transaction), listing with cursor
 * paging, and the queries the dispatcher needs.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* Defined in events.c: append ev to job id inside an open transaction. */
int scann_store__event_append_locked(struct scann_store *st, int64_t id,
				     json_t *ev, int64_t *seq,
				     struct scann_error *err);

#define JOB_COLS "id, owner, name, dataset_id, spec, state, created_at, " \
	"started_at, finished_at, error, stage, latest, result, last_seq, " \
	"attempts, cancel_requested, best_val_acc, threads, timeout_s"

void scann_store_job_free(struct scann_store_job *j)
{
	if (j == NULL)
		return;
	free(j->owner);
	free(j->name);
	free(j->dataset_id);
	free(j->spec);
	free(j->error);
	free(j->stage);
	free(j->latest);
	free(j->result);
	free(j);
}

static struct scann_store_job *job_row(sqlite3_stmt *s)
{
	struct scann_store_job *j = calloc(1, sizeof(*j));
	const char *state;

	if (j == NULL)
		abort();
	j->id = sqlite3_column_int64(s, 0);
	j->owner = scann_store__text(s, 1, 1);
	j->name = scann_store__text(s, 2, 1);
	j->dataset_id = scann_store__text(s, 3, 1);
	j->spec = scann_store__text(s, 4, 1);
	state = (const char *)sqlite3_column_text(s, 5);
	j->state = (enum scann_job_state)scann_job_state_from_name(
		state ? state : "queued");
	j->created_at = sqlite3_column_int64(s, 6);
	j->started_at = sqlite3_column_int64(s, 7);
	j->finished_at = sqlite3_column_int64(s, 8);
	j->error = scann_store__text(s, 9, 0);
	j->stage = scann_store__text(s, 10, 0);
	j->latest = scann_store__text(s, 11, 0);
	j->result = scann_store__text(s, 12, 0);
	j->last_seq = sqlite3_column_int64(s, 13);
	j->attempts = sqlite3_column_int64(s, 14);
	j->cancel_requested = sqlite3_column_int(s, 15);
	j->has_best_val_acc = sqlite3_column_type(s, 16) != SQLITE_NULL;
	j->best_val_acc = sqlite3_column_double(s, 16);
	j->res.threads = sqlite3_column_int64(s, 17);
	j->res.timeout_s = sqlite3_column_int64(s, 18);
	return j;
}

int scann_store_job_insert(struct scann_store *st, const char *owner,
			   const char *name, const char *dataset_id,
			   const char *spec,
			   const struct scann_store_job_resources *res,
			   int64_t *id, struct scann_error *err)
{
	sqlite3_stmt *s;
	json_t *ev;
	int rc;

	rc = scann_store__tx_begin(st, err);
	if (rc != 0)
		return rc;
	s = scann_store__stmt(st, STMT_JOB_INSERT,
		"INSERT INTO jobs (owner, name, dataset_id, spec, state,"
		" created_at, threads, timeout_s) VALUES (?,?,?,?,'queued',?,?,?)",
		err);
	if (s == NULL) {
		rc = err ? err->code : SCANN_EIO;
		goto fail;
	}
	sqlite3_bind_text(s, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name ? name : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, dataset_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, spec, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, scann_store_now_ms());
	sqlite3_bind_int64(s, 6, res->threads);
	sqlite3_bind_int64(s, 7, res->timeout_s);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = scann_store__fail(st, err, "job insert");
		sqlite3_reset(s);
		goto fail;
	}
	sqlite3_reset(s);
	*id = sqlite3_last_insert_rowid(st->db);
	ev = json_pack("{s:s, s:s}", "type", "state", "state", "queued");
	if (ev == NULL)
		abort();
	rc = scann_store__event_append_locked(st, *id, ev, NULL, err);
	json_decref(ev);
	if (rc != 0)
		goto fail;
	return scann_store__tx_commit(st, err);
fail:
	scann_store__tx_rollback(st);
	return rc;
}

int scann_store_job_get(struct scann_store *st, int64_t id,
			struct scann_store_job **out, struct scann_error *err)
{
	sqlite3_stmt *s = scann_store__stmt(st, STMT_JOB_GET,
		"SELECT " JOB_COLS " FROM jobs WHERE id = ?", err);
	int rc;

	*out = NULL;
	rc = scann_store__job_row(st, s, id, "job get", err);
	if (rc != 0)
		return rc;
	*out = job_row(s);
	sqlite3_reset(s);
	return 0;
}

int scann_store_job_list(struct scann_store *st,
			 const struct scann_store_job_filter *f,
			 struct scann_store_job ***out, int *n,
			 struct scann_error *err)
{
	/* NULL parameters mean "any": one statement serves every filter. */
	sqlite3_stmt *s = scann_store__stmt(st, STMT_JOB_LIST,
		"SELECT " JOB_COLS " FROM jobs WHERE id < ?1"
		" AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR owner = ?3)"
		" ORDER BY id DESC LIMIT ?4", err);
	struct scann_store_job **v;
	int rc = SQLITE_DONE, k = 0;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	v = calloc((size_t)f->limit + 1, sizeof(*v));
	if (v == NULL)
		abort();
	sqlite3_bind_int64(s, 1, f->cursor > 0 ? f->cursor : INT64_MAX);
	if (f->state >= 0)
		sqlite3_bind_text(s, 2, scann_job_state_name(f->state), -1,
				  SQLITE_STATIC);
	if (f->owner != NULL)
		sqlite3_bind_text(s, 3, f->owner, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, f->limit);
	while (k < f->limit && (rc = sqlite3_step(s)) == SQLITE_ROW)
		v[k++] = job_row(s);
	if (k < f->limit && rc != SQLITE_DONE) {
		rc = scann_store__fail(st, err, "job list");
		sqlite3_reset(s);
		while (k > 0)
			scann_store_job_free(v[--k]);
		free(v);
		return rc;
	}
	sqlite3_reset(s);
	*out = v;
	*n = k;
	return 0;
}

int scann_store_job_transition(struct scann_store *st, int64_t id,
			       unsigned from_mask, enum scann_job_state to,
			       const json_t *extra, int64_t *seq,
			       struct scann_error *err)
{
	sqlite3_stmt *s;
	const char *cur;
	char *error_text = NULL;
	json_t *ev = NULL;
	int64_t now = scann_store_now_ms();
	int rc, from;

	rc = scann_store__tx_begin(st, err);
	if (rc != 0)
		return rc;
	s = scann_store__stmt(st, STMT_JOB_STATE,
			      "SELECT state FROM jobs WHERE id = ?", err);
	rc = scann_store__job_row(st, s, id, "job state", err);
	if (rc != 0)
		goto out;
	cur = (const char *)sqlite3_column_text(s, 0);
	from = scann_job_state_from_name(cur ? cur : "");
	sqlite3_reset(s);
	if (from < 0 || !(from_mask & SCANN_JOB_MASK(from))) {
		rc = scann_error_set(err, SCANN_ENOENT, "state",
				     "job %lld is %s", (long long)id,
				     scann_job_state_name(from));
		goto out;
	}
	ev = json_pack("{s:s, s:s}", "type", "state", "state",
		       scann_job_state_name(to));
	if (ev == NULL)
		abort();
	if (extra != NULL)
		json_object_update(ev, (json_t *)extra);
	if (to == SCANN_JOB_FAILED && extra != NULL)
		error_text = json_dumps(extra, JSON_COMPACT);
	s = scann_store__stmt(st, STMT_JOB_SET_STATE,
		"UPDATE jobs SET state = ?2,"
		" started_at = CASE WHEN ?2 = 'running' AND started_at = 0"
		"   THEN ?3 ELSE started_at END,"
		" finished_at = CASE WHEN ?2 IN ('succeeded','failed',"
		"   'cancelled') THEN ?3 ELSE 0 END,"
		" error = coalesce(?4, error) WHERE id = ?1", err);
	if (s == NULL) {
		rc = err ? err->code : SCANN_EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, scann_job_state_name(to), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now);
	if (error_text != NULL)
		sqlite3_bind_text(s, 4, error_text, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = scann_store__fail(st, err, "job transition");
		sqlite3_reset(s);
		goto out;
	}
	sqlite3_reset(s);
	rc = scann_store__event_append_locked(st, id, ev, seq, err);
	if (rc == 0)
		rc = scann_store__tx_commit(st, err);
out:
	if (rc != 0)
		scann_store__tx_rollback(st);
	json_decref(ev);
	free(error_text);
	return rc;
}

static int exec_id(struct scann_store *st, enum scann_store_stmt slot,
		   const char *sql, int64_t id, struct scann_error *err)
{
	sqlite3_stmt *s = scann_store__stmt(st, slot, sql, err);
	int rc;

	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return scann_store__fail(st, err, sql);
	if (sqlite3_changes(st->db) == 0)
		return scann_error_set(err, SCANN_ENOENT, "id", "no job %lld",
				       (long long)id);
	return 0;
}

int scann_store_job_request_cancel(struct scann_store *st, int64_t id,
				   struct scann_error *err)
{
	return exec_id(st, STMT_JOB_CANCEL,
		       "UPDATE jobs SET cancel_requested = 1 WHERE id = ?",
		       id, err);
}

int scann_store_job_count_attempt(struct scann_store *st, int64_t id,
				  struct scann_error *err)
{
	return exec_id(st, STMT_JOB_ATTEMPT,
		       "UPDATE jobs SET attempts = attempts + 1 WHERE id = ?",
		       id, err);
}

int scann_store_job_queue_heads(struct scann_store *st, char ***owners,
				int64_t **ids, int *n, struct scann_error *err)
{
	sqlite3_stmt *s = scann_store__stmt(st, STMT_JOB_HEADS,
		"SELECT owner, min(id) AS head FROM jobs WHERE state = 'queued'"
		/* Not in a runner's queue (a lookup per queued job, not a scan). */
		" AND NOT EXISTS (SELECT 1 FROM job_runs r WHERE r.job_id = jobs.id)"
		" GROUP BY owner ORDER BY head", err);
	char **o = NULL;
	int64_t *v = NULL;
	int k = 0, cap = 0, rc;

	*owners = NULL;
	*ids = NULL;
	*n = 0;
	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (k == cap) {
			cap = cap ? cap * 2 : 8;
			o = realloc(o, (size_t)cap * sizeof(*o));
			v = realloc(v, (size_t)cap * sizeof(*v));
			if (o == NULL || v == NULL)
				abort();
		}
		o[k] = scann_store__text(s, 0, 1);
		v[k] = sqlite3_column_int64(s, 1);
		k++;
	}
	if (rc != SQLITE_DONE) {
		rc = scann_store__fail(st, err, "queue heads");
		sqlite3_reset(s);
		while (k > 0)
			free(o[--k]);
		free(o);
		free(v);
		return rc;
	}
	sqlite3_reset(s);
	*owners = o;
	*ids = v;
	*n = k;
	return 0;
}

int scann_store_job_ids_in_state(struct scann_store *st,
				 enum scann_job_state state, int64_t **ids,
				 int *n, struct scann_error *err)
{
	sqlite3_stmt *s = scann_store__stmt(st, STMT_JOB_IDS_STATE,
		"SELECT id FROM jobs WHERE state = ? ORDER BY id", err);
	int64_t *v = NULL;
	int k = 0, cap = 0, rc;

	*ids = NULL;
	*n = 0;
	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	sqlite3_bind_text(s, 1, scann_job_state_name(state), -1,
			  SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (k == cap) {
			cap = cap ? cap * 2 : 8;
			v = realloc(v, (size_t)cap * sizeof(*v));
			if (v == NULL)
				abort();
		}
		v[k++] = sqlite3_column_int64(s, 0);
	}
	if (rc != SQLITE_DONE) {
		rc = scann_store__fail(st, err, "ids in state");
		sqlite3_reset(s);
		free(v);
		return rc;
	}
	sqlite3_reset(s);
	*ids = v;
	*n = k;
	return 0;
}

int scann_store_job_count_states(struct scann_store *st, int64_t *counts,
				 struct scann_error *err)
{
	sqlite3_stmt *s = scann_store__stmt(st, STMT_JOB_COUNT_STATES,
		"SELECT state, count(*) FROM jobs GROUP BY state", err);
	int rc, i;

	for (i = 0; i < SCANN_JOB_STATE_COUNT; i++)
		counts[i] = 0;
	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		int k = scann_job_state_from_name(name ? name : "");

		if (k >= 0)
			counts[k] = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return scann_store__fail(st, err, "count states");
	return 0;
}

int scann_store_job_count_running(struct scann_store *st, const char *owner,
				  int64_t *n, struct scann_error *err)
{
	sqlite3_stmt *s = scann_store__stmt(st, STMT_JOB_COUNT_RUNNING,
		"SELECT count(*) FROM jobs WHERE state = 'running'"
		" AND owner = ?", err);
	int rc;

	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	sqlite3_bind_text(s, 1, owner, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		rc = scann_store__fail(st, err, "count running");
		sqlite3_reset(s);
		return rc;
	}
	*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}

int scann_store_job_count_owned(struct scann_store *st, const char *owner,
				enum scann_job_state state, int64_t *n,
				struct scann_error *err)
{
	sqlite3_stmt *s = scann_store__stmt(st, STMT_JOB_COUNT_OWNED,
		"SELECT count(*) FROM jobs WHERE owner = ? AND state = ?", err);
	int rc;

	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	sqlite3_bind_text(s, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, scann_job_state_name(state), -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		rc = scann_store__fail(st, err, "count owned");
		sqlite3_reset(s);
		return rc;
	}
	*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}
