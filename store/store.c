/*
 * store.c -- opening the database, migrating its schema, the statement
 * cache and transactions.  The tables themselves are used in datasets.c,
 * jobs.c, events.c and users.c.
 *
 * Migrations: migrations[i] takes a file from user_version i to i+1.  They
 * run in one transaction each, so a crash mid-migration leaves the old
 * version intact.  Never edit a shipped migration; append a new one.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "store_int.h"

/*
 * Where a migration names every job state, it writes STATES_MARK; migrate()
 * puts the list from state.c there ('queued','running',...), so the CHECK
 * of the jobs table comes from the one table of states.  The first schema's
 * text is thereby the same, byte for byte, as when it was written out by
 * hand: files made before and after compare equal in sqlite_master.
 */
#define STATES_MARK "{job_states}"

static const char *const migrations[] = {
	/* 0 -> 1: the first schema. */
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  admin INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE tokens ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  hash TEXT NOT NULL UNIQUE,"	/* SHA-256 hex of the token */
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE datasets ("
	"  id TEXT PRIMARY KEY,"
	"  sha256 TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL DEFAULT '',"
	"  owner TEXT NOT NULL,"
	"  format TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  bytes INTEGER NOT NULL,"
	"  rows INTEGER NOT NULL,"
	"  features INTEGER NOT NULL,"
	"  classes INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL);"
	"CREATE INDEX datasets_name ON datasets(name, created_at);"
	"CREATE INDEX datasets_created ON datasets(created_at);"
	"CREATE TABLE jobs ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  owner TEXT NOT NULL,"
	"  name TEXT NOT NULL DEFAULT '',"
	"  dataset_id TEXT NOT NULL,"
	"  spec TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN"
	"    (" STATES_MARK ")),"
	"  created_at INTEGER NOT NULL,"
	"  started_at INTEGER NOT NULL DEFAULT 0,"
	"  finished_at INTEGER NOT NULL DEFAULT 0,"
	"  error TEXT,"
	"  stage TEXT,"
	"  latest TEXT,"
	"  result TEXT,"
	"  last_seq INTEGER NOT NULL DEFAULT 0,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  cancel_requested INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX jobs_state ON jobs(state, id);"
	"CREATE INDEX jobs_owner ON jobs(owner, id);"
	"CREATE TABLE events ("
	"  job_id INTEGER NOT NULL REFERENCES jobs(id),"
	"  seq INTEGER NOT NULL,"
	"  type TEXT NOT NULL,"
	"  data TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (job_id, seq)) WITHOUT ROWID;",
	/* 1 -> 2: the best validation accuracy of any epoch, for job lists. */
	"ALTER TABLE jobs ADD COLUMN best_val_acc REAL;"
	"UPDATE jobs SET best_val_acc = (SELECT max(json_extract(data, '$.val_acc'))"
	"  FROM events WHERE job_id = jobs.id AND type = 'epoch');",
	/*
	 * 2 -> 3: what the pool needs of a spec (struct
	 * scann_store_job_resources), read out of the stored specs once, here.
	 * Stored specs hold every default, so the fallbacks (the spec's
	 * defaults when this was written) are never used for them.
	 */
	"ALTER TABLE jobs ADD COLUMN threads INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE jobs ADD COLUMN timeout_s INTEGER NOT NULL DEFAULT 3600;"
	"UPDATE jobs SET"
	"  threads = coalesce(json_extract(spec, '$.resources.threads'), 1),"
	"  timeout_s = coalesce(json_extract(spec, '$.resources.timeout_s'),"
	"    3600);",
	/*
	 * 3 -> 4: a dataset row is one user's record of some content, no
	 * longer the content itself: the same bytes uploaded by two users are
	 * two rows (unique per owner and sha256) sharing one file, so nobody
	 * is answered with another user's record.  SQLite drops a UNIQUE
	 * constraint only by rebuilding the table; jobs keep their dataset
	 * ids, which are kept here.
	 */
	"CREATE TABLE datasets4 ("
	"  id TEXT PRIMARY KEY,"
	"  sha256 TEXT NOT NULL,"
	"  name TEXT NOT NULL DEFAULT '',"
	"  owner TEXT NOT NULL,"
	"  format TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  bytes INTEGER NOT NULL,"
	"  rows INTEGER NOT NULL,"
	"  features INTEGER NOT NULL,"
	"  classes INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (owner, sha256));"
	"INSERT INTO datasets4 SELECT id, sha256, name, owner, format, path,"
	"  bytes, rows, features, classes, created_at FROM datasets;"
	"DROP TABLE datasets;"
	"ALTER TABLE datasets4 RENAME TO datasets;"
	"CREATE INDEX datasets_sha256 ON datasets(sha256);"
	"CREATE INDEX datasets_owner_name ON datasets(owner, name, created_at);"
	"CREATE INDEX datasets_owner_created ON datasets(owner, created_at);"
	"CREATE INDEX datasets_created ON datasets(created_at);",
	/*
	 * 4 -> 5: how each job's latest attempt is run (struct
	 * scann_store_job_run): the runner and its handle on the run, so a
	 * restarted scannd finds it again -- a local worker by pid and start
	 * time, a Slurm job by its id -- and where it stopped reading it.
	 */
	"CREATE TABLE job_runs ("
	"  job_id INTEGER PRIMARY KEY REFERENCES jobs(id),"
	"  kind TEXT NOT NULL,"
	"  ref TEXT NOT NULL,"
	"  birth TEXT NOT NULL DEFAULT '',"
	"  offset INTEGER NOT NULL DEFAULT 0,"
	"  note TEXT NOT NULL DEFAULT '',"
	"  updated_at INTEGER NOT NULL);",
	/*
	 * 5 -> 6: the highest worker seq stored per job (events.c, "One
	 * curve per job").  For a file written before, the worker's number of
	 * an event is its worker_seq, or its seq when that was the same; state
	 * events are the server's own.
	 */
	"ALTER TABLE jobs ADD COLUMN worker_seq INTEGER NOT NULL DEFAULT 0;"
	"UPDATE jobs SET worker_seq = coalesce((SELECT"
	"  max(coalesce(json_extract(data, '$.worker_seq'), seq))"
	"  FROM events WHERE job_id = jobs.id AND type <> 'state'), 0);",
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int64_t scann_store_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int scann_store__job_row(struct scann_store *st, sqlite3_stmt *s, int64_t id,
			 const char *what, struct scann_error *err)
{
	int rc;

	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		return 0;
	rc = rc == SQLITE_DONE ?
		scann_error_set(err, SCANN_ENOENT, "id", "no job %lld",
				(long long)id) :
		scann_store__fail(st, err, what);
	sqlite3_reset(s);
	return rc;
}

int scann_store__fail(struct scann_store *st, struct scann_error *err,
		      const char *what)
{
	int ext = sqlite3_extended_errcode(st->db);
	int code = SCANN_EIO;

	if (ext == SQLITE_NOMEM)
		code = SCANN_ENOMEM;
	return scann_error_set(err, code, NULL, "database: %s: %s", what,
			       sqlite3_errmsg(st->db));
}

sqlite3_stmt *scann_store__stmt(struct scann_store *st,
				enum scann_store_stmt slot, const char *sql,
				struct scann_error *err)
{
	sqlite3_stmt *s = st->stmt[slot];

	if (s == NULL) {
		if (sqlite3_prepare_v3(st->db, sql, -1,
				       SQLITE_PREPARE_PERSISTENT, &s,
				       NULL) != SQLITE_OK) {
			scann_store__fail(st, err, "prepare");
			return NULL;
		}
		st->stmt[slot] = s;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

char *scann_store__text(sqlite3_stmt *s, int col, int empty_for_null)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	char *copy;

	if (t == NULL)
		return empty_for_null ? strdup("") : NULL;
	copy = strdup((const char *)t);
	if (copy == NULL)
		abort();	/* out of memory: the house rule is to stop */
	return copy;
}

static int exec_simple(struct scann_store *st, enum scann_store_stmt slot,
		       const char *sql, struct scann_error *err)
{
	sqlite3_stmt *s = scann_store__stmt(st, slot, sql, err);
	int rc;

	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return scann_store__fail(st, err, sql);
	return 0;
}

int scann_store_begin(struct scann_store *st, struct scann_error *err)
{
	int rc = exec_simple(st, STMT_BEGIN, "BEGIN IMMEDIATE", err);

	if (rc == 0)
		st->in_txn = 1;
	return rc;
}

int scann_store_commit(struct scann_store *st, struct scann_error *err)
{
	int rc = exec_simple(st, STMT_COMMIT, "COMMIT", err);

	if (rc == 0)
		st->in_txn = 0;
	return rc;
}

void scann_store_rollback(struct scann_store *st)
{
	if (sqlite3_get_autocommit(st->db) == 0)
		exec_simple(st, STMT_ROLLBACK, "ROLLBACK", NULL);
	st->in_txn = 0;
}

int scann_store__tx_begin(struct scann_store *st, struct scann_error *err)
{
	return st->in_txn ? 0 :
		exec_simple(st, STMT_BEGIN, "BEGIN IMMEDIATE", err);
}

int scann_store__tx_commit(struct scann_store *st, struct scann_error *err)
{
	return st->in_txn ? 0 : exec_simple(st, STMT_COMMIT, "COMMIT", err);
}

void scann_store__tx_rollback(struct scann_store *st)
{
	/* Inside a caller's transaction the caller decides what to undo. */
	if (!st->in_txn && sqlite3_get_autocommit(st->db) == 0)
		exec_simple(st, STMT_ROLLBACK, "ROLLBACK", NULL);
}

int scann_store_schema_version(struct scann_store *st)
{
	sqlite3_stmt *s = NULL;
	int v = -1;

	/* PRAGMA cannot be cached usefully; prepared all the same. */
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s,
			       NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

/*
 * sql with every STATES_MARK replaced by the states' SQL list; a new
 * string, the caller's to free().
 */
static char *with_states(const char *sql)
{
	char list[256];
	const char *p, *m;
	size_t n = 0, k = strlen(STATES_MARK), need;
	char *out;
	int marks = 0;

	need = scann_job_state_join(list, sizeof(list), "'", ",");
	if (need >= sizeof(list))
		abort();	/* a state table this long is a bug */
	for (p = sql; (m = strstr(p, STATES_MARK)) != NULL; p = m + k)
		marks++;
	out = malloc(strlen(sql) + (size_t)marks * need + 1);
	if (out == NULL)
		abort();
	for (p = sql; (m = strstr(p, STATES_MARK)) != NULL; p = m + k) {
		memcpy(out + n, p, (size_t)(m - p));
		n += (size_t)(m - p);
		memcpy(out + n, list, need);
		n += need;
	}
	strcpy(out + n, p);
	return out;
}

static int migrate(struct scann_store *st, struct scann_error *err)
{
	int v = scann_store_schema_version(st);
	char *msg = NULL, *step;
	char sql[64];
	int ok;

	if (v < 0)
		return scann_store__fail(st, err, "reading user_version");
	if (v > N_MIGRATIONS)
		return scann_error_set(err, SCANN_EINVAL, NULL,
				       "database schema version %d is newer than "
				       "this scannd knows (%d)", v,
				       N_MIGRATIONS);
	for (; v < N_MIGRATIONS; v++) {
		/*
		 * Schema text is fixed (the states too: a const table) and
		 * has no parameters: exec is fine.
		 */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;", v + 1);
		step = with_states(migrations[v]);
		ok = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL,
				  &msg) == SQLITE_OK &&
		     sqlite3_exec(st->db, step, NULL, NULL, &msg) == SQLITE_OK &&
		     sqlite3_exec(st->db, sql, NULL, NULL, &msg) == SQLITE_OK &&
		     sqlite3_exec(st->db, "COMMIT", NULL, NULL,
				  &msg) == SQLITE_OK;
		free(step);
		if (!ok) {
			scann_error_set(err, SCANN_EIO, NULL,
					"database migration to version %d: %s",
					v + 1, msg ? msg : "?");
			sqlite3_free(msg);
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			return SCANN_EIO;
		}
	}
	return 0;
}

int scann_store_open(const char *path, struct scann_store **out,
		     struct scann_error *err)
{
	struct scann_store *st;
	char *msg = NULL;
	int rc;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
	if (sqlite3_open_v2(path, &st->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = scann_error_set(err, SCANN_EIO, NULL, "database %s: %s",
				     path, st->db ? sqlite3_errmsg(st->db) :
				     "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 5000);
	sqlite3_extended_result_codes(st->db, 1);
	/* WAL: readers (sqlite3 CLI, backups) never block the daemon. */
	if (sqlite3_exec(st->db, "PRAGMA journal_mode = WAL;"
			 "PRAGMA synchronous = NORMAL;"
			 "PRAGMA foreign_keys = ON;", NULL, NULL,
			 &msg) != SQLITE_OK) {
		rc = scann_error_set(err, SCANN_EIO, NULL, "database %s: %s",
				     path, msg ? msg : "?");
		sqlite3_free(msg);
		goto fail;
	}
	rc = migrate(st, err);
	if (rc != 0)
		goto fail;
	*out = st;
	return 0;
fail:
	scann_store_close(st);
	return rc;
}

void scann_store_close(struct scann_store *st)
{
	int i;

	if (st == NULL)
		return;
	for (i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	free(st);
}

int scann_store_set_max_bytes(struct scann_store *st, int64_t bytes,
			      struct scann_error *err)
{
	sqlite3_stmt *s = NULL;
	int64_t page = 4096;
	char sql[96];
	int rc;

	if (sqlite3_prepare_v2(st->db, "PRAGMA page_size", -1, &s, NULL) ==
	    SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		page = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (page <= 0)
		page = 4096;
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld",
		 (long long)((bytes + SCANN_STORE_CAP_RESERVE) / page));
	rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return scann_store__fail(st, err, "max_page_count");
	st->event_page_cap = bytes / page;
	st->cap_bytes = bytes;
	return 0;
}

int scann_store_check_room(struct scann_store *st, struct scann_error *err)
{
	const char *path = sqlite3_db_filename(st->db, "main");
	struct statvfs fs;

	if (st->event_page_cap > 0) {
		/* Pages in use: those deleted jobs freed are room again. */
		sqlite3_stmt *s = scann_store__stmt(st, STMT_PAGE_COUNT,
			"SELECT (SELECT page_count FROM pragma_page_count())"
			" - (SELECT freelist_count FROM pragma_freelist_count())",
			err);
		int64_t pages;

		if (s == NULL)
			return err ? err->code : SCANN_EIO;
		pages = sqlite3_step(s) == SQLITE_ROW ?
			sqlite3_column_int64(s, 0) : 0;
		sqlite3_reset(s);
		if (pages >= st->event_page_cap)
			return scann_error_set(err, SCANN_EIO, NULL,
					       "the database is at its --max-db "
					       "cap of %lld bytes",
					       (long long)st->cap_bytes);
	}
	if (sqlite3_db_readonly(st->db, "main") == 1)
		return scann_error_set(err, SCANN_EIO, NULL,
				       "the database is read-only");
	/*
	 * The file system: read-only, or with less than the reserve free (a
	 * full disk refuses even a job's final state).  statvfs costs a
	 * system call; an event every few milliseconds affords it.
	 */
	if (path != NULL && *path != '\0' && statvfs(path, &fs) == 0) {
		if (fs.f_flag & ST_RDONLY)
			return scann_error_set(err, SCANN_EIO, NULL,
					       "the data directory is on a "
					       "read-only file system");
		if ((int64_t)fs.f_bavail * (int64_t)fs.f_frsize <
		    SCANN_STORE_CAP_RESERVE * 4)
			return scann_error_set(err, SCANN_EIO, NULL,
					       "the disk holding the database "
					       "is full (under %d MiB free)",
					       (SCANN_STORE_CAP_RESERVE * 4) >>
					       20);
	}
	return 0;
}
