/*
 * backup.c -- a copy of the database taken while scannd runs, and the
 * restore of such a copy into a new data directory (see store.h).
 *
 * The copy uses SQLite's online backup API in one step: it reads under one
 * read transaction, so it is one consistent snapshot, and in WAL mode the
 * daemon goes on writing (jobs keep streaming) while it is taken.  The copy
 * is written next to FILE and renamed into place, so FILE is either absent
 * or whole.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "store_int.h"

/* Copy the database open as src into the file dst (created). */
static int copy_db(sqlite3 *src, const char *dst, struct scann_error *err)
{
	sqlite3 *out = NULL;
	sqlite3_backup *b;
	int rc;

	if (sqlite3_open_v2(dst, &out, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		rc = scann_error_set(err, SCANN_EIO, NULL, "%s: %s", dst,
				     out ? sqlite3_errmsg(out) : "cannot open");
		sqlite3_close(out);
		return rc;
	}
	b = sqlite3_backup_init(out, "main", src, "main");
	if (b == NULL) {
		rc = scann_error_set(err, SCANN_EIO, NULL, "%s: %s", dst,
				     sqlite3_errmsg(out));
		sqlite3_close(out);
		return rc;
	}
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		rc = scann_error_set(err, SCANN_EIO, NULL, "backup to %s: %s",
				     dst, sqlite3_errstr(rc));
		sqlite3_close(out);
		return rc;
	}
	/* One self-contained file: no -wal beside it. */
	if (sqlite3_exec(out, "PRAGMA journal_mode = DELETE", NULL, NULL,
			 NULL) != SQLITE_OK) {
		rc = scann_error_set(err, SCANN_EIO, NULL, "%s: %s", dst,
				     sqlite3_errmsg(out));
		sqlite3_close(out);
		return rc;
	}
	return sqlite3_close(out) == SQLITE_OK ? 0 :
	       scann_error_set(err, SCANN_EIO, NULL, "%s: cannot close", dst);
}

/* "ok" from PRAGMA quick_check, and the schema version, of path. */
static int check_copy(const char *path, int *version, struct scann_error *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	const char *what;
	int ok = 0;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &s, NULL) ==
	    SQLITE_OK && sqlite3_step(s) == SQLITE_ROW &&
	    (what = (const char *)sqlite3_column_text(s, 0)) != NULL)
		ok = strcmp(what, "ok") == 0;
	sqlite3_finalize(s);
	s = NULL;
	*version = 0;
	if (ok && sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) ==
	    SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		*version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	if (!ok || *version < 1)
		return scann_error_set(err, SCANN_EINVAL, "backup",
				       "%s: not a scann database, or damaged",
				       path);
	return 0;
}

int scann_store_backup(const char *db_path, const char *file,
		       struct scann_error *err)
{
	sqlite3 *src = NULL;
	char part[4200];
	int rc, version;

	if (access(file, F_OK) == 0)
		return scann_error_set(err, SCANN_EINVAL, "backup",
				       "%s exists; not overwritten", file);
	if (access(db_path, F_OK) != 0)
		return scann_error_set(err, SCANN_ENOENT, "data-dir",
				       "%s: %s", db_path, strerror(errno));
	snprintf(part, sizeof(part), "%s.part", file);
	unlink(part);
	/* Read-write (not read-only) so a WAL the daemon has not yet
	 * checkpointed is read too, never ignored. */
	if (sqlite3_open_v2(db_path, &src, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		rc = scann_error_set(err, SCANN_EIO, NULL, "%s: %s", db_path,
				     src ? sqlite3_errmsg(src) : "cannot open");
		sqlite3_close(src);
		return rc;
	}
	sqlite3_busy_timeout(src, 5000);
	rc = copy_db(src, part, err);
	sqlite3_close(src);
	if (rc == 0)
		rc = check_copy(part, &version, err);
	if (rc == 0 && rename(part, file) != 0)
		rc = scann_error_set(err, SCANN_EIO, "backup", "%s: %s", file,
				     strerror(errno));
	if (rc != 0)
		unlink(part);
	return rc;
}

/*
 * Events name the old data directory where a worker printed a path (the
 * spec's dataset, its files): name the new one instead, so the API's
 * scrubbing of its own directory (events.c) reads them as before.
 */
static int rebase_events(sqlite3 *db, const char *old_dir,
			 const char *new_dir)
{
	sqlite3_stmt *upd = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "UPDATE events SET data = replace(data, "
			       "?1, ?2) WHERE instr(data, ?1) > 0", -1, &upd,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(upd, 1, old_dir, -1, SQLITE_STATIC);
	sqlite3_bind_text(upd, 2, new_dir, -1, SQLITE_STATIC);
	rc = sqlite3_step(upd);
	sqlite3_finalize(upd);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Dataset rows name their file by absolute path under the data directory
 * they were uploaded to: point them at the same name under new_dir, and
 * the events at it too.
 */
static int rebase_datasets(sqlite3 *db, const char *new_dir,
			   struct scann_error *err)
{
	sqlite3_stmt *sel = NULL, *upd = NULL;
	char *old_dir = NULL;
	int rc = SQLITE_OK;

	if (sqlite3_prepare_v2(db, "SELECT rowid, path FROM datasets", -1,
			       &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "UPDATE datasets SET path = ? WHERE "
			       "rowid = ?", -1, &upd, NULL) != SQLITE_OK)
		goto fail;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(sel, 1);
		const char *tail = NULL, *p;
		char *now;

		for (p = path; p != NULL && (p = strstr(p, "/datasets/")) != NULL;
		     p++)
			tail = p;
		if (tail == NULL)
			continue;	/* not under a data dir: left as is */
		if (old_dir == NULL)
			old_dir = sqlite3_mprintf("%.*s", (int)(tail - path), path);
		now = sqlite3_mprintf("%s%s", new_dir, tail);
		if (now == NULL)
			goto fail;
		sqlite3_bind_text(upd, 1, now, -1, sqlite3_free);
		sqlite3_bind_int64(upd, 2, sqlite3_column_int64(sel, 0));
		rc = sqlite3_step(upd);
		sqlite3_reset(upd);
		if (rc != SQLITE_DONE)
			goto fail;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	if (old_dir != NULL && old_dir[0] != '\0' &&
	    strcmp(old_dir, new_dir) != 0 &&
	    rebase_events(db, old_dir, new_dir) != 0)
		goto fail;
	sqlite3_free(old_dir);
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return 0;
fail:
	rc = scann_error_set(err, SCANN_EIO, NULL, "restore: %s",
			     sqlite3_errmsg(db));
	sqlite3_free(old_dir);
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return rc;
}

int scann_store_restore(const char *file, const char *data_dir,
			struct scann_error *err)
{
	sqlite3 *src = NULL, *db = NULL;
	struct scann_store *st = NULL;
	char db_path[4200], part[4300];
	int rc, version;

	snprintf(db_path, sizeof(db_path), "%s/scann.db", data_dir);
	snprintf(part, sizeof(part), "%s.restore", db_path);
	if (access(db_path, F_OK) == 0)
		return scann_error_set(err, SCANN_EINVAL, "data-dir",
				       "%s exists: restore only into a new "
				       "data directory", db_path);
	rc = check_copy(file, &version, err);
	if (rc != 0)
		return rc;
	if (version > SCANN_STORE_SCHEMA_VERSION)
		return scann_error_set(err, SCANN_EINVAL, "backup",
				       "%s: schema version %d is newer than "
				       "this scannd's %d", file, version,
				       SCANN_STORE_SCHEMA_VERSION);
	unlink(part);
	if (sqlite3_open_v2(file, &src, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		rc = scann_error_set(err, SCANN_EIO, "backup", "%s: %s", file,
				     src ? sqlite3_errmsg(src) : "cannot open");
		sqlite3_close(src);
		return rc;
	}
	rc = copy_db(src, part, err);
	sqlite3_close(src);
	if (rc == 0 && sqlite3_open_v2(part, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		rc = scann_error_set(err, SCANN_EIO, NULL, "%s: %s", part,
				     db ? sqlite3_errmsg(db) : "cannot open");
	if (rc == 0)
		rc = rebase_datasets(db, data_dir, err);
	sqlite3_close(db);
	/* Migrate an older copy now, and leave it in WAL mode as scannd
	 * keeps it. */
	if (rc == 0)
		rc = scann_store_open(part, &st, err);
	scann_store_close(st);
	if (rc == 0 && rename(part, db_path) != 0)
		rc = scann_error_set(err, SCANN_EIO, "data-dir", "%s: %s",
				     db_path, strerror(errno));
	if (rc != 0)
		unlink(part);
	return rc;
}
