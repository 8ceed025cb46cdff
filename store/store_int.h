/*
 * store_int.h -- what the store's files share and nobody else sees: the
 * handle, its cache of prepared statements and small column helpers.
 */
#ifndef SCANN_STORE_INT_H
#define SCANN_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

/* One slot per prepared statement, prepared on first use, kept until close. */
enum scann_store_stmt {
	STMT_BEGIN, STMT_COMMIT, STMT_ROLLBACK,
	STMT_DS_INSERT, STMT_DS_GET_ID, STMT_DS_GET_NAME, STMT_DS_GET_HASH,
	STMT_DS_LIST, STMT_DS_GET_ID_OWNER, STMT_DS_GET_HASH_OWNER,
	STMT_DS_LIST_OWNER,
	STMT_JOB_INSERT, STMT_JOB_GET, STMT_JOB_LIST, STMT_JOB_STATE,
	STMT_JOB_SET_STATE, STMT_JOB_CANCEL, STMT_JOB_ATTEMPT,
	STMT_JOB_HEADS, STMT_JOB_IDS_STATE, STMT_JOB_COUNT_STATES,
	STMT_JOB_COUNT_RUNNING, STMT_JOB_COUNT_OWNED, STMT_JOB_SEQ, STMT_JOB_PROGRESS, STMT_JOB_WORKER_SEQ,
	STMT_EV_INSERT, STMT_EV_LIST, STMT_EV_COUNT,
	STMT_USER_UPSERT, STMT_USER_ID, STMT_TOKEN_INSERT, STMT_TOKEN_LOOKUP,
	STMT_TOKEN_COUNT, STMT_TOKEN_REVOKE, STMT_TOKEN_LIST,
	STMT_PAGE_COUNT,
	STMT_RUN_SET, STMT_RUN_GET, STMT_RUN_OFFSET, STMT_RUN_NOTE,
	STMT_RUN_DELETE,
	STMT_COUNT
};

struct scann_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[STMT_COUNT];
	int in_txn;		/* a caller's scann_store_begin is open */
	int64_t event_page_cap;	/* scann_store_set_max_bytes; 0 = none */
	int64_t cap_bytes;
};

/*
 * The cached statement for slot, prepared from sql on first use and reset
 * with its bindings cleared; NULL (err filled) if preparing failed.
 */
sqlite3_stmt *scann_store__stmt(struct scann_store *st,
				enum scann_store_stmt slot, const char *sql,
				struct scann_error *err);

/* Fill err from the connection's last error; returns SCANN_EIO. */
int scann_store__fail(struct scann_store *st, struct scann_error *err,
		      const char *what);

/*
 * Bind job id to s's first parameter and step it: 0 with s on the job's
 * row (the caller reads it, then resets s); otherwise s is reset and the
 * result is SCANN_ENOENT ("no job N", field "id") or the database error
 * (what names the query).  s NULL (preparing failed): err's code.
 */
int scann_store__job_row(struct scann_store *st, sqlite3_stmt *s, int64_t id,
			 const char *what, struct scann_error *err);

/* Copy of a text column ("" for NULL when empty_for_null, else NULL). */
char *scann_store__text(sqlite3_stmt *s, int col, int empty_for_null);

/* Run one internal transaction step unless the caller holds one. */
int scann_store__tx_begin(struct scann_store *st, struct scann_error *err);
int scann_store__tx_commit(struct scann_store *st, struct scann_error *err);
void scann_store__tx_rollback(struct scann_store *st);

#endif
