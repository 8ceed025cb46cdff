/*
 * users.c -- users and their API tokens.  A token is shown once, when it is
 * made (scannd token add); this table keeps only its SHA-256, so a copy of
 * the database does not hand out access.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

void scann_store_user_free(struct scann_store_user *u)
{
	if (u == NULL)
		return;
	free(u->name);
	free(u);
}

int scann_store_token_add(struct scann_store *st, const char *name,
			  int admin, const char *token_hash,
			  struct scann_error *err)
{
	sqlite3_stmt *s;
	int64_t uid;
	int rc;

	rc = scann_store__tx_begin(st, err);
	if (rc != 0)
		return rc;
	s = scann_store__stmt(st, STMT_USER_UPSERT,
		"INSERT INTO users (name, admin, created_at) VALUES (?,?,?)"
		" ON CONFLICT(name) DO UPDATE SET admin = excluded.admin", err);
	if (s == NULL)
		goto fail_code;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, admin != 0);
	sqlite3_bind_int64(s, 3, scann_store_now_ms());
	if (sqlite3_step(s) != SQLITE_DONE)
		goto fail_db;
	s = scann_store__stmt(st, STMT_USER_ID,
			      "SELECT id FROM users WHERE name = ?", err);
	if (s == NULL)
		goto fail_code;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW)
		goto fail_db;
	uid = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	s = scann_store__stmt(st, STMT_TOKEN_INSERT,
		"INSERT INTO tokens (user_id, hash, created_at) VALUES (?,?,?)",
		err);
	if (s == NULL)
		goto fail_code;
	sqlite3_bind_int64(s, 1, uid);
	sqlite3_bind_text(s, 2, token_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, scann_store_now_ms());
	if (sqlite3_step(s) != SQLITE_DONE)
		goto fail_db;
	sqlite3_reset(s);
	return scann_store__tx_commit(st, err);
fail_db:
	rc = scann_store__fail(st, err, "token add");
	if (s != NULL)
		sqlite3_reset(s);
	scann_store__tx_rollback(st);
	return rc;
fail_code:
	scann_store__tx_rollback(st);
	return err ? err->code : SCANN_EIO;
}

int scann_store_token_lookup(struct scann_store *st, const char *token_hash,
			     struct scann_store_user **out,
			     struct scann_error *err)
{
	sqlite3_stmt *s = scann_store__stmt(st, STMT_TOKEN_LOOKUP,
		"SELECT u.id, u.name, u.admin FROM tokens t"
		" JOIN users u ON u.id = t.user_id WHERE t.hash = ?", err);
	int rc;

	*out = NULL;
	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	sqlite3_bind_text(s, 1, token_hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		struct scann_store_user *u = calloc(1, sizeof(*u));

		if (u == NULL)
			abort();
		u->id = sqlite3_column_int64(s, 0);
		u->name = scann_store__text(s, 1, 1);
		u->admin = sqlite3_column_int(s, 2);
		*out = u;
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = scann_error_set(err, SCANN_ENOENT, "Authorization",
				     "unknown token");
	} else {
		rc = scann_store__fail(st, err, "token lookup");
	}
	sqlite3_reset(s);
	return rc;
}

int scann_store_token_count(struct scann_store *st, int64_t *n,
			    struct scann_error *err)
{
	sqlite3_stmt *s = scann_store__stmt(st, STMT_TOKEN_COUNT,
					    "SELECT count(*) FROM tokens", err);
	int rc;

	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		rc = scann_store__fail(st, err, "token count");
		sqlite3_reset(s);
		return rc;
	}
	*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}

int scann_store_token_revoke(struct scann_store *st, const char *name,
			     int64_t *n, struct scann_error *err)
{
	sqlite3_stmt *s;
	int rc;

	*n = 0;
	s = scann_store__stmt(st, STMT_USER_ID,
			      "SELECT id FROM users WHERE name = ?", err);
	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return scann_error_set(err, SCANN_ENOENT, "name",
				       "no user '%s'", name);
	if (rc != SQLITE_ROW)
		return scann_store__fail(st, err, "token revoke");
	s = scann_store__stmt(st, STMT_TOKEN_REVOKE,
		"DELETE FROM tokens WHERE user_id ="
		" (SELECT id FROM users WHERE name = ?)", err);
	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = scann_store__fail(st, err, "token revoke");
		sqlite3_reset(s);
		return rc;
	}
	*n = sqlite3_changes(st->db);
	sqlite3_reset(s);
	return 0;
}

void scann_store_tokens_free(struct scann_store_token *v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i].user);
	free(v);
}

int scann_store_token_list(struct scann_store *st,
			   struct scann_store_token **out, int *n,
			   struct scann_error *err)
{
	sqlite3_stmt *s = scann_store__stmt(st, STMT_TOKEN_LIST,
		"SELECT t.id, u.name, u.admin, t.created_at, t.hash"
		" FROM tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id",
		err);
	struct scann_store_token *v = NULL;
	int cap = 0, rc;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return err ? err->code : SCANN_EIO;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *h = sqlite3_column_text(s, 4);

		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			v = realloc(v, (size_t)cap * sizeof(*v));
			if (v == NULL)
				abort();
		}
		v[*n].id = sqlite3_column_int64(s, 0);
		v[*n].user = scann_store__text(s, 1, 1);
		v[*n].admin = sqlite3_column_int(s, 2);
		v[*n].created_at = sqlite3_column_int64(s, 3);
		snprintf(v[*n].hash_prefix, sizeof(v[*n].hash_prefix), "%.8s",
			 h ? (const char *)h : "");
		(*n)++;
	}
	if (rc != SQLITE_DONE) {
		rc = scann_store__fail(st, err, "token list");
		sqlite3_reset(s);
		scann_store_tokens_free(v, *n);
		*n = 0;
		return rc;
	}
	sqlite3_reset(s);
	*out = v;
	return 0;
}
