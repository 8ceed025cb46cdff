/*
 * events.c -- a job's event log.  The server numbers every event itself
 * (seq = the job's last_seq + 1, in the transaction that inserts the row),
 * whether it came from a worker or is a state change: a worker restarted
 * from a checkpoint may repeat or restart its own numbering, and the stream
 * clients see must still have no gap and no duplicate.  The worker's own
 * number, when different, is kept in the event as "worker_seq".
 *
 * One curve per job.  A worker resumed after a crash (scannd or the worker
 * killed) regenerates, bit for bit and with the same worker numbers, the
 * events between its last checkpoint and the crash, which the store may
 * already hold.  So the store keeps the highest worker number it has stored
 * for the job (jobs.worker_seq) and drops a worker event numbered at or
 * below it: the stream keeps one copy of every epoch.  A worker's final
 * stop event (a "log" with "resume") dropped that way still took a number
 * in the worker's stream -- its later events are numbered one higher than
 * the copies stored -- so dropping it raises the mark by one.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

int scann_store__event_append_locked(struct scann_store *st, int64_t id,
				     json_t *ev, int64_t *seq,
				     struct scann_error *err);

/* jobs.worker_seq := mark (see "One curve per job" above). */
static int set_mark(struct scann_store *st, int64_t id, int64_t mark,
		    struct scann_error *err)
{
	sqlite3_stmt *s = scann_store__stmt(st, STMT_JOB_WORKER_SEQ,
		"UPDATE jobs SET worker_seq = ? WHERE id = ?", err);

	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	sqlite3_bind_int64(s, 1, mark);
	sqlite3_bind_int64(s, 2, id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		return scann_store__fail(st, err, "event worker seq");
	}
	sqlite3_reset(s);
	return 0;
}

int scann_store__event_append_locked(struct scann_store *st, int64_t id,
				     json_t *ev, int64_t *seq,
				     struct scann_error *err)
{
	sqlite3_stmt *s;
	const char *type = json_string_value(json_object_get(ev, "type"));
	json_t *wseq = json_object_get(ev, "seq");
	/* The worker's number, or 0 for an event of the server's own. */
	int64_t wnum = json_is_integer(wseq) ? json_integer_value(wseq) : 0;
	char *text = NULL;
	int64_t next, mark;
	int rc;

	if (type == NULL)
		return scann_error_set(err, SCANN_EINVAL, "type",
				       "event has no string \"type\"");
	s = scann_store__stmt(st, STMT_JOB_SEQ,
			      "SELECT last_seq, worker_seq FROM jobs WHERE id = ?",
			      err);
	rc = scann_store__job_row(st, s, id, "event seq", err);
	if (rc != 0)
		return rc;
	next = sqlite3_column_int64(s, 0) + 1;
	mark = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	if (wnum > 0 && wnum <= mark) {
		if (seq != NULL)
			*seq = 0;
		if (strcmp(type, "log") != 0 ||
		    json_object_get(ev, "resume") == NULL)
			return 0;	/* stored already */
		return set_mark(st, id, mark + 1, err);
	}
	if (wnum > 0 && wnum != next)
		json_object_set_new(ev, "worker_seq", json_integer(wnum));
	json_object_set_new(ev, "seq", json_integer(next));
	/* 9 significant digits: what the worker prints, without float noise. */
	text = json_dumps(ev, JSON_COMPACT | JSON_REAL_PRECISION(9));
	if (text == NULL)
		abort();

	s = scann_store__stmt(st, STMT_EV_INSERT,
		"INSERT INTO events (job_id, seq, type, data, created_at)"
		" VALUES (?,?,?,?,?)", err);
	if (s == NULL) {
		rc = err ? err->code : SCANN_EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, next);
	sqlite3_bind_text(s, 3, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, scann_store_now_ms());
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = scann_store__fail(st, err, "event insert");
		sqlite3_reset(s);
		goto out;
	}
	sqlite3_reset(s);
	s = scann_store__stmt(st, STMT_JOB_PROGRESS,
		"UPDATE jobs SET last_seq = ?1,"
		" stage = CASE WHEN ?2 = 'stage' THEN ?3 ELSE stage END,"
		" latest = CASE WHEN ?2 = 'epoch' THEN ?3 ELSE latest END,"
		" best_val_acc = CASE WHEN ?2 = 'epoch' THEN"
		"   max(coalesce(best_val_acc, 0), coalesce(json_extract(?3, '$.val_acc'), 0))"
		"   ELSE best_val_acc END,"
		" result = CASE WHEN ?2 = 'result' THEN ?3 ELSE result END"
		" WHERE id = ?4", err);
	if (s == NULL) {
		rc = err ? err->code : SCANN_EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, next);
	sqlite3_bind_text(s, 2, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = scann_store__fail(st, err, "event progress");
		sqlite3_reset(s);
		goto out;
	}
	sqlite3_reset(s);
	if (wnum > mark) {
		rc = set_mark(st, id, wnum, err);
		if (rc != 0)
			goto out;
	}
	if (seq != NULL)
		*seq = next;
	rc = 0;
out:
	free(text);
	return rc;
}

int scann_store_event_append(struct scann_store *st, int64_t id, json_t *ev,
			     int64_t *seq, struct scann_error *err)
{
	int rc;

	rc = scann_store_check_room(st, err);
	if (rc != 0)
		return rc;
	rc = scann_store__tx_begin(st, err);
	if (rc != 0)
		return rc;
	rc = scann_store__event_append_locked(st, id, ev, seq, err);
	if (rc == 0)
		rc = scann_store__tx_commit(st, err);
	if (rc != 0)
		scann_store__tx_rollback(st);
	return rc;
}

int scann_store_event_list(struct scann_store *st, int64_t id, int64_t after,
			   int limit, struct scann_store_event **out, int *n,
			   struct scann_error *err)
{
	sqlite3_stmt *s = scann_store__stmt(st, STMT_EV_LIST,
		"SELECT seq, type, data FROM events WHERE job_id = ? AND seq > ?"
		" ORDER BY seq LIMIT ?", err);
	struct scann_store_event *v;
	int rc = SQLITE_DONE, k = 0;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	v = calloc((size_t)limit + 1, sizeof(*v));
	if (v == NULL)
		abort();
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, after);
	sqlite3_bind_int(s, 3, limit);
	while (k < limit && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		v[k].seq = sqlite3_column_int64(s, 0);
		v[k].type = scann_store__text(s, 1, 1);
		v[k].data = scann_store__text(s, 2, 1);
		k++;
	}
	if (k < limit && rc != SQLITE_DONE) {
		rc = scann_store__fail(st, err, "event list");
		sqlite3_reset(s);
		scann_store_event_list_free(v, k);
		return rc;
	}
	sqlite3_reset(s);
	*out = v;
	*n = k;
	return 0;
}

void scann_store_event_list_free(struct scann_store_event *ev, int n)
{
	int i;

	if (ev == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(ev[i].type);
		free(ev[i].data);
	}
	free(ev);
}

int scann_store_event_count(struct scann_store *st, int64_t *n,
			    struct scann_error *err)
{
	sqlite3_stmt *s = scann_store__stmt(st, STMT_EV_COUNT,
		"SELECT coalesce(sum(last_seq), 0) FROM jobs", err);
	int rc;

	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		rc = scann_store__fail(st, err, "event count");
		sqlite3_reset(s);
		return rc;
	}
	*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}
