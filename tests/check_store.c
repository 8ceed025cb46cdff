/*
 * check_store.c -- the SQLite store: migration from an empty file and from
 * an old one, the table of job states, and each query of datasets.c,
 * jobs.c, events.c and users.c.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/sha256.h"
#include "store/store.h"
#include "testutil.h"

/* What the pool reads of a job instead of its spec (threads, timeout_s). */
static const struct scann_store_job_resources one = { 1, 3600 };
static const struct scann_store_job_resources two = { 2, 60 };

static struct scann_store *open_fresh(const char *name)
{
	struct scann_store *st = NULL;
	struct scann_error err;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	unlink(path);
	ck_assert_int_eq(scann_store_open(path, &st, &err), 0);
	return st;
}

START_TEST(migrates_empty_file_to_current_version)
{
	struct scann_store *st = open_fresh("m.db");
	struct scann_error err;
	char path[512];

	ck_assert_int_eq(scann_store_schema_version(st),
			 SCANN_STORE_SCHEMA_VERSION);
	scann_store_close(st);
	/* Reopening an up-to-date file changes nothing. */
	snprintf(path, sizeof(path), "%s/m.db", test_tmpdir());
	ck_assert_int_eq(scann_store_open(path, &st, &err), 0);
	ck_assert_int_eq(scann_store_schema_version(st),
			 SCANN_STORE_SCHEMA_VERSION);
	scann_store_close(st);
}
END_TEST

START_TEST(refuses_newer_schema)
{
	struct scann_store *st = NULL;
	struct scann_error err;
	sqlite3 *db;
	char path[512];

	snprintf(path, sizeof(path), "%s/new.db", test_tmpdir());
	unlink(path);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version = 99", NULL,
				      NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(scann_store_open(path, &st, &err), SCANN_EINVAL);
	ck_assert_ptr_null(st);
	ck_assert_ptr_nonnull(strstr(err.message, "newer"));
}
END_TEST

/* The text of the jobs table in sqlite_master (a new string). */
static char *jobs_table_sql(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	char *sql = NULL;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master"
					    " WHERE name = 'jobs'", -1, &s,
					    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	sql = strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return sql;
}

START_TEST(state_check_is_the_text_files_always_had)
{
	struct scann_store *st = open_fresh("check.db");
	char path[512], *sql;

	scann_store_close(st);
	snprintf(path, sizeof(path), "%s/check.db", test_tmpdir());
	sql = jobs_table_sql(path);
	/* Written out by hand before the states table made it. */
	ck_assert_ptr_nonnull(strstr(sql, "state TEXT NOT NULL CHECK (state IN"
		"    ('queued','running','succeeded','failed','cancelled')),"));
	free(sql);
}
END_TEST

START_TEST(state_table_names_and_joins)
{
	char buf[128], tiny[8];
	int i;

	ck_assert_uint_eq(scann_job_state_join(buf, sizeof(buf), "", ", "),
			  strlen("queued, running, succeeded, failed, "
				 "cancelled"));
	ck_assert_str_eq(buf, "queued, running, succeeded, failed, cancelled");
	ck_assert_uint_eq(scann_job_state_join(tiny, sizeof(tiny), "'", ","),
			  strlen("'queued','running','succeeded','failed',"
				 "'cancelled'"));
	ck_assert_str_eq(tiny, "'queued");	/* cut short, terminated */
	for (i = 0; i < SCANN_JOB_STATE_COUNT; i++)
		ck_assert_int_eq(scann_job_state_from_name(
			scann_job_state_name(i)), i);
	ck_assert_int_eq(scann_job_state_from_name("done"), -1);
	ck_assert_str_eq(scann_job_state_name(SCANN_JOB_STATE_COUNT), "?");
	ck_assert(!scann_job_state_terminal(SCANN_JOB_RUNNING));
	ck_assert(scann_job_state_terminal(SCANN_JOB_CANCELLED));
	ck_assert(!scann_job_state_terminal(SCANN_JOB_STATE_COUNT));
}
END_TEST

/*
 * A file made by the first release (schema 1, written out here as it
 * shipped, with a job in it) opens, migrates to the current version and
 * keeps its job and the jobs table's CHECK; the job gains the resources
 * the pool reads, from its spec.
 */
START_TEST(opens_a_version_1_file_and_keeps_its_jobs)
{
	static const char v1[] =
		"CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT"
		" NULL UNIQUE, admin INTEGER NOT NULL DEFAULT 0, created_at"
		" INTEGER NOT NULL);"
		"CREATE TABLE tokens (id INTEGER PRIMARY KEY, user_id INTEGER"
		" NOT NULL REFERENCES users(id), hash TEXT NOT NULL UNIQUE,"
		" created_at INTEGER NOT NULL);"
		"CREATE TABLE datasets (id TEXT PRIMARY KEY, sha256 TEXT NOT"
		" NULL UNIQUE, name TEXT NOT NULL DEFAULT '', owner TEXT NOT"
		" NULL, format TEXT NOT NULL, path TEXT NOT NULL, bytes INTEGER"
		" NOT NULL, rows INTEGER NOT NULL, features INTEGER NOT NULL,"
		" classes INTEGER NOT NULL, created_at INTEGER NOT NULL);"
		"CREATE TABLE jobs (  id INTEGER PRIMARY KEY AUTOINCREMENT,"
		"  owner TEXT NOT NULL,  name TEXT NOT NULL DEFAULT '',"
		"  dataset_id TEXT NOT NULL,  spec TEXT NOT NULL,"
		"  state TEXT NOT NULL CHECK (state IN"
		"    ('queued','running','succeeded','failed','cancelled')),"
		"  created_at INTEGER NOT NULL,"
		"  started_at INTEGER NOT NULL DEFAULT 0,"
		"  finished_at INTEGER NOT NULL DEFAULT 0,  error TEXT,"
		"  stage TEXT,  latest TEXT,  result TEXT,"
		"  last_seq INTEGER NOT NULL DEFAULT 0,"
		"  attempts INTEGER NOT NULL DEFAULT 0,"
		"  cancel_requested INTEGER NOT NULL DEFAULT 0);"
		"CREATE TABLE events (job_id INTEGER NOT NULL REFERENCES"
		" jobs(id), seq INTEGER NOT NULL, type TEXT NOT NULL, data TEXT"
		" NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (job_id,"
		" seq)) WITHOUT ROWID;"
		"INSERT INTO jobs (owner, name, dataset_id, spec, state,"
		" created_at, last_seq) VALUES ('ann', 'old', 'ds1',"
		" '{\"dataset\":\"ds1\",\"resources\":{\"threads\":3}}',"
		" 'succeeded', 1, 1);"
		"INSERT INTO events VALUES (1, 1, 'epoch',"
		" '{\"type\":\"epoch\",\"val_acc\":0.75}', 1);"
		"PRAGMA user_version = 1;";
	struct scann_store *st = NULL;
	struct scann_store_job *j;
	struct scann_error err;
	char path[512], *before, *after;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/v1.db", test_tmpdir());
	unlink(path);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, v1, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	before = jobs_table_sql(path);
	ck_assert_int_eq(scann_store_open(path, &st, &err), 0);
	ck_assert_int_eq(scann_store_schema_version(st),
			 SCANN_STORE_SCHEMA_VERSION);
	ck_assert_int_eq(scann_store_job_get(st, 1, &j, &err), 0);
	ck_assert_int_eq(j->state, SCANN_JOB_SUCCEEDED);
	ck_assert(j->has_best_val_acc);
	ck_assert_double_eq(j->best_val_acc, 0.75);
	/* What the pool needs, read out of the spec by the migration. */
	ck_assert_int_eq(j->res.threads, 3);
	ck_assert_int_eq(j->res.timeout_s, 3600);	/* the spec lacks it */
	scann_store_job_free(j);
	scann_store_close(st);
	/* The CHECK is the file's own: the jobs table was not rebuilt. */
	after = jobs_table_sql(path);
	ck_assert_ptr_nonnull(strstr(after, "CHECK (state IN    ('queued',"
				     "'running','succeeded','failed',"
				     "'cancelled'))"));
	ck_assert_int_eq(strncmp(before, after, strlen(before) - 1), 0);
	free(before);
	free(after);
}
END_TEST

START_TEST(sha256_known_vectors)
{
	char hex[65];

	scann_sha256_hex_of("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
			 "b00361a396177a9cb410ff61f20015ad");
	scann_sha256_hex_of("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb924"
			 "27ae41e4649b934ca495991b7852b855");
	scann_sha256_hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmn"
			    "lmnomnopnopq", 56, hex);
	ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039"
			 "a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

START_TEST(dataset_insert_dedupes_and_lists)
{
	struct scann_store *st = open_fresh("ds.db");
	struct scann_store_dataset d = {
		.id = "abc123", .sha256 = "abc123ff", .name = "iris",
		.owner = "ann", .format = "csv", .path = "/x/iris.csv",
		.bytes = 10, .rows = 150, .features = 4, .classes = 3,
		.created_at = 1000
	};
	struct scann_store_dataset *got, **list;
	struct scann_error err;
	int created, n;

	ck_assert_int_eq(scann_store_dataset_insert(st, &d, &created, &err), 0);
	ck_assert_int_eq(created, 1);
	ck_assert_int_eq(scann_store_dataset_insert(st, &d, &created, &err), 0);
	ck_assert_int_eq(created, 0);
	ck_assert_int_eq(scann_store_dataset_get(st, "abc123", NULL, &got, &err), 0);
	ck_assert_int_eq(got->rows, 150);
	ck_assert_str_eq(got->path, "/x/iris.csv");
	scann_store_dataset_free(got);
	ck_assert_int_eq(scann_store_dataset_by_name(st, "ann", "iris", &got, &err), 0);
	ck_assert_str_eq(got->id, "abc123");
	scann_store_dataset_free(got);
	ck_assert_int_eq(scann_store_dataset_by_hash(st, "abc123ff", NULL,
						     &got, &err), 0);
	scann_store_dataset_free(got);
	ck_assert_int_eq(scann_store_dataset_get(st, "nope", NULL, &got, &err),
			 SCANN_ENOENT);
	ck_assert_str_eq(err.field, "dataset");

	d.id = "def456";
	d.sha256 = "def456ff";
	d.created_at = 2000;
	ck_assert_int_eq(scann_store_dataset_insert(st, &d, &created, &err), 0);
	ck_assert_int_eq(scann_store_dataset_list(st, NULL, 0, 10, &list, &n, &err),
			 0);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(list[0]->id, "def456");
	scann_store_dataset_free(list[0]);
	scann_store_dataset_free(list[1]);
	free(list);
	/* The cursor pages on: only the older one remains. */
	ck_assert_int_eq(scann_store_dataset_list(st, NULL, 2000, 10, &list,
						  &n, &err), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(list[0]->id, "abc123");
	scann_store_dataset_free(list[0]);
	free(list);
	scann_store_close(st);
}
END_TEST

/*
 * Issue 16: the same bytes uploaded by two users are two records sharing
 * one file, and every lookup stays within the owner it is given.
 */
START_TEST(dataset_records_are_per_owner)
{
	struct scann_store *st = open_fresh("dsown.db");
	struct scann_store_dataset a = {
		.id = "a1", .sha256 = "same", .name = "iris", .owner = "alice",
		.format = "csv", .path = "/x/same.csv", .bytes = 10,
		.rows = 150, .features = 4, .classes = 3, .created_at = 1000
	}, b = a, *got, **list;
	struct scann_error err;
	int created, n;

	b.id = "b1";
	b.owner = "bob";
	b.name = "mine";
	b.created_at = 2000;
	ck_assert_int_eq(scann_store_dataset_insert(st, &a, &created, &err), 0);
	ck_assert_int_eq(created, 1);
	ck_assert_int_eq(scann_store_dataset_insert(st, &b, &created, &err), 0);
	ck_assert_int_eq(created, 1);
	b.id = "b2";		/* the same owner and bytes again */
	ck_assert_int_eq(scann_store_dataset_insert(st, &b, &created, &err), 0);
	ck_assert_int_eq(created, 0);
	ck_assert_int_eq(scann_store_dataset_by_hash(st, "same", "bob", &got,
						     &err), 0);
	ck_assert_str_eq(got->id, "b1");
	ck_assert_str_eq(got->path, "/x/same.csv");
	scann_store_dataset_free(got);
	ck_assert_int_eq(scann_store_dataset_get(st, "a1", "bob", &got, &err),
			 SCANN_ENOENT);
	ck_assert_int_eq(scann_store_dataset_by_name(st, "bob", "iris", &got,
						     &err), SCANN_ENOENT);
	ck_assert_int_eq(scann_store_dataset_by_name(st, "alice", "iris", &got,
						     &err), 0);
	ck_assert_str_eq(got->id, "a1");
	scann_store_dataset_free(got);
	ck_assert_int_eq(scann_store_dataset_list(st, "alice", 0, 10, &list,
						  &n, &err), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(list[0]->id, "a1");
	scann_store_dataset_free(list[0]);
	free(list);
	scann_store_close(st);
}
END_TEST

START_TEST(job_lifecycle_numbers_events)
{
	struct scann_store *st = open_fresh("jobs.db");
	struct scann_store_job *j;
	struct scann_store_event *ev;
	struct scann_error err;
	int64_t id, seq, total;
	json_t *e;
	int n;

	ck_assert_int_eq(scann_store_job_insert(st, "ann", "t", "ds1",
						"{\"dataset\":\"ds1\"}", &two,
						&id, &err), 0);
	ck_assert_int_eq(scann_store_job_get(st, id, &j, &err), 0);
	ck_assert_int_eq(j->state, SCANN_JOB_QUEUED);
	ck_assert_int_eq(j->last_seq, 1);	/* the queued state event */
	ck_assert_int_eq(j->res.threads, 2);
	ck_assert_int_eq(j->res.timeout_s, 60);
	scann_store_job_free(j);

	ck_assert_int_eq(scann_store_job_transition(st, id,
		SCANN_JOB_MASK(SCANN_JOB_QUEUED), SCANN_JOB_RUNNING, NULL,
		&seq, &err), 0);
	ck_assert_int_eq(seq, 2);
	/* A worker event keeps its own number as worker_seq. */
	e = json_pack("{s:s,s:i,s:f}", "type", "epoch", "seq", 1, "val_acc",
		      0.9);
	ck_assert_int_eq(scann_store_event_append(st, id, e, &seq, &err), 0);
	ck_assert_int_eq(seq, 3);
	ck_assert_int_eq(json_integer_value(json_object_get(e, "worker_seq")),
			 1);
	json_decref(e);
	/* The job keeps the best validation accuracy of its epochs. */
	e = json_pack("{s:s,s:i,s:f}", "type", "epoch", "seq", 2, "val_acc", 0.8);
	ck_assert_int_eq(scann_store_event_append(st, id, e, &seq, &err), 0);
	json_decref(e);
	ck_assert_int_eq(scann_store_job_get(st, id, &j, &err), 0);
	ck_assert(j->has_best_val_acc);
	ck_assert_double_eq(j->best_val_acc, 0.9);
	ck_assert_ptr_nonnull(strstr(j->latest, "0.8"));
	scann_store_job_free(j);
	/* Running -> queued is refused from the wrong state. */
	ck_assert_int_eq(scann_store_job_transition(st, id,
		SCANN_JOB_MASK(SCANN_JOB_QUEUED), SCANN_JOB_CANCELLED, NULL,
		NULL, &err), SCANN_ENOENT);
	e = json_pack("{s:s,s:i}", "message", "boom", "exit_status", 3);
	ck_assert_int_eq(scann_store_job_transition(st, id,
		SCANN_JOB_MASK_LIVE, SCANN_JOB_FAILED, e, &seq, &err), 0);
	json_decref(e);
	ck_assert_int_eq(seq, 5);
	ck_assert_int_eq(scann_store_job_get(st, id, &j, &err), 0);
	ck_assert_int_eq(j->state, SCANN_JOB_FAILED);
	ck_assert_ptr_nonnull(strstr(j->error, "boom"));
	ck_assert_ptr_nonnull(strstr(j->latest, "0.8"));
	ck_assert(j->finished_at >= j->started_at && j->started_at > 0);
	scann_store_job_free(j);

	ck_assert_int_eq(scann_store_event_list(st, id, 1, 10, &ev, &n, &err),
			 0);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(ev[0].seq, 2);
	ck_assert_str_eq(ev[1].type, "epoch");
	ck_assert_ptr_nonnull(strstr(ev[3].data, "\"failed\""));
	scann_store_event_list_free(ev, n);
	ck_assert_int_eq(scann_store_event_count(st, &total, &err), 0);
	ck_assert_int_eq(total, 5);
	ck_assert_int_eq(scann_store_job_request_cancel(st, id, &err), 0);
	ck_assert_int_eq(scann_store_job_count_attempt(st, id, &err), 0);
	ck_assert_int_eq(scann_store_job_request_cancel(st, 999, &err),
			 SCANN_ENOENT);
	scann_store_close(st);
}
END_TEST

/* Append worker event number w of type (epoch by default); the store's seq. */
static int64_t worker_event(struct scann_store *st, int64_t id, int w,
			    const char *type, int stop)
{
	struct scann_error err;
	json_t *e = json_pack("{s:s,s:i,s:i}", "type", type, "seq", w, "epoch",
			      w);
	int64_t seq = -1;

	if (stop)
		json_object_set_new(e, "resume", json_string("jobs/1"));
	ck_assert_int_eq(scann_store_event_append(st, id, e, &seq, &err), 0);
	json_decref(e);
	return seq;
}

/* Worker numbers of the job's worker events, in stored order. */
static void worker_numbers(struct scann_store *st, int64_t id, char *out,
			   size_t size)
{
	struct scann_store_event *ev;
	struct scann_error err;
	size_t len = 0;
	int n;

	ck_assert_int_eq(scann_store_event_list(st, id, 0, 100, &ev, &n, &err), 0);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		json_t *j = json_loads(ev[i].data, 0, NULL);
		json_t *w = json_object_get(j, "worker_seq");

		if (strcmp(ev[i].type, "state") != 0)
			len += (size_t)snprintf(out + len, size - len, "%s%lld",
				len ? "," : "", w ? (long long)json_integer_value(w) :
				(long long)ev[i].seq);
		json_decref(j);
	}
	scann_store_event_list_free(ev, n);
}

/*
 * Issue 16, "one curve per job": a worker resumed after a crash repeats the
 * events since its checkpoint with the same numbers; the store keeps one
 * copy.  A stop event among the repeats shifts the worker's later numbers by
 * one, and the store follows.
 */
START_TEST(resumed_worker_repeats_are_dropped)
{
	struct scann_store *st = open_fresh("dup.db");
	struct scann_store_job_resources brief = { 1, 60 };
	struct scann_error err;
	int64_t id;
	char got[512];

	ck_assert_int_eq(scann_store_job_insert(st, "ann", "t", "ds1",
						"{\"dataset\":\"ds1\"}", &brief,
						&id, &err), 0);
	for (int w = 1; w <= 6; w++)
		worker_event(st, id, w, "epoch", 0);
	/* Crash; resumed from the checkpoint after event 3. */
	ck_assert_int_eq(worker_event(st, id, 4, "epoch", 0), 0);
	ck_assert_int_eq(worker_event(st, id, 6, "epoch", 0), 0);
	ck_assert_int_gt(worker_event(st, id, 7, "epoch", 0), 0);
	worker_numbers(st, id, got, sizeof(got));
	ck_assert_str_eq(got, "1,2,3,4,5,6,7");
	/* Crash after 9, resumed from 7; stopped (drain) while repeating 8:
	 * its stop event takes number 9, so the worker's 9 and 10 come back
	 * as 10 and 11. */
	worker_event(st, id, 8, "epoch", 0);
	worker_event(st, id, 9, "epoch", 0);
	ck_assert_int_eq(worker_event(st, id, 8, "epoch", 0), 0);
	ck_assert_int_eq(worker_event(st, id, 9, "log", 1), 0);
	ck_assert_int_eq(worker_event(st, id, 10, "epoch", 0), 0);
	ck_assert_int_gt(worker_event(st, id, 11, "epoch", 0), 0);
	worker_numbers(st, id, got, sizeof(got));
	ck_assert_str_eq(got, "1,2,3,4,5,6,7,8,9,11");
	/* An event without a worker number (the pool's) is always kept. */
	{
		json_t *e = json_pack("{s:s,s:s}", "type", "log", "message", "x");
		int64_t seq = 0;

		ck_assert_int_eq(scann_store_event_append(st, id, e, &seq, &err), 0);
		ck_assert_int_gt(seq, 0);
		json_decref(e);
	}
	scann_store_close(st);
}
END_TEST

START_TEST(job_list_filters_and_pages)
{
	struct scann_store *st = open_fresh("list.db");
	struct scann_store_job_filter f = { .state = -1, .limit = 2 };
	struct scann_store_job **v;
	struct scann_error err;
	int64_t id, counts[SCANN_JOB_STATE_COUNT], running, *ids;
	char **owners;
	int n, i;

	for (i = 0; i < 5; i++)
		ck_assert_int_eq(scann_store_job_insert(st, i % 2 ? "bob" :
			"ann", "", "d", "{}", &one, &id, &err), 0);
	ck_assert_int_eq(scann_store_job_list(st, &f, &v, &n, &err), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(v[0]->id, 5);
	ck_assert_int_eq(v[1]->id, 4);
	f.cursor = v[1]->id;
	for (i = 0; i < n; i++)
		scann_store_job_free(v[i]);
	free(v);
	ck_assert_int_eq(scann_store_job_list(st, &f, &v, &n, &err), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(v[0]->id, 3);
	for (i = 0; i < n; i++)
		scann_store_job_free(v[i]);
	free(v);

	f.cursor = 0;
	f.limit = 10;
	f.owner = "bob";
	ck_assert_int_eq(scann_store_job_list(st, &f, &v, &n, &err), 0);
	ck_assert_int_eq(n, 2);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(v[i]->owner, "bob");
		scann_store_job_free(v[i]);
	}
	free(v);

	ck_assert_int_eq(scann_store_job_transition(st, 1,
		SCANN_JOB_MASK(SCANN_JOB_QUEUED), SCANN_JOB_RUNNING, NULL,
		NULL, &err), 0);
	f.owner = NULL;
	f.state = SCANN_JOB_RUNNING;
	ck_assert_int_eq(scann_store_job_list(st, &f, &v, &n, &err), 0);
	ck_assert_int_eq(n, 1);
	scann_store_job_free(v[0]);
	free(v);

	ck_assert_int_eq(scann_store_job_count_states(st, counts, &err), 0);
	ck_assert_int_eq(counts[SCANN_JOB_QUEUED], 4);
	ck_assert_int_eq(counts[SCANN_JOB_RUNNING], 1);
	ck_assert_int_eq(scann_store_job_count_running(st, "ann", &running,
						       &err), 0);
	ck_assert_int_eq(running, 1);
	ck_assert_int_eq(scann_store_job_queue_heads(st, &owners, &ids, &n,
						     &err), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(owners[0], "bob");	/* job 2 is the oldest queued */
	ck_assert_int_eq(ids[0], 2);
	ck_assert_str_eq(owners[1], "ann");
	ck_assert_int_eq(ids[1], 3);
	for (i = 0; i < n; i++)
		free(owners[i]);
	free(owners);
	free(ids);
	ck_assert_int_eq(scann_store_job_ids_in_state(st, SCANN_JOB_RUNNING,
						      &ids, &n, &err), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(ids[0], 1);
	free(ids);
	scann_store_close(st);
}
END_TEST

START_TEST(tokens_store_only_hashes)
{
	struct scann_store *st = open_fresh("tok.db");
	struct scann_store_user *u;
	struct scann_error err;
	int64_t n;

	ck_assert_int_eq(scann_store_token_count(st, &n, &err), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(scann_store_token_add(st, "ann", 1, "h1", &err), 0);
	ck_assert_int_eq(scann_store_token_add(st, "ann", 0, "h2", &err), 0);
	ck_assert_int_eq(scann_store_token_count(st, &n, &err), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(scann_store_token_lookup(st, "h1", &u, &err), 0);
	ck_assert_str_eq(u->name, "ann");
	ck_assert_int_eq(u->admin, 0);	/* the second add demoted ann */
	scann_store_user_free(u);
	ck_assert_int_eq(scann_store_token_lookup(st, "zz", &u, &err),
			 SCANN_ENOENT);
	/* The same hash twice is refused and nothing is half-written. */
	ck_assert_int_ne(scann_store_token_add(st, "bob", 0, "h1", &err), 0);
	ck_assert_int_eq(scann_store_token_count(st, &n, &err), 0);
	ck_assert_int_eq(n, 2);
	scann_store_close(st);
}
END_TEST

START_TEST(tokens_revoke_by_user_and_list)
{
	struct scann_store *st = open_fresh("rev.db");
	struct scann_store_token *v;
	struct scann_store_user *u;
	struct scann_error err;
	int64_t n;
	int count;

	ck_assert_int_eq(scann_store_token_add(st, "ann", 0, "aaaa1111ffff", &err), 0);
	ck_assert_int_eq(scann_store_token_add(st, "bob", 1, "bbbb2222ffff", &err), 0);
	ck_assert_int_eq(scann_store_token_add(st, "ann", 0, "aaaa3333ffff", &err), 0);
	ck_assert_int_eq(scann_store_token_list(st, &v, &count, &err), 0);
	ck_assert_int_eq(count, 3);
	ck_assert_str_eq(v[0].user, "ann");
	ck_assert_str_eq(v[0].hash_prefix, "aaaa1111");
	ck_assert_str_eq(v[1].user, "bob");
	ck_assert_int_eq(v[1].admin, 1);
	ck_assert_int_gt(v[2].created_at, 0);
	scann_store_tokens_free(v, count);
	/* an unknown user: refused, nothing removed */
	ck_assert_int_eq(scann_store_token_revoke(st, "carl", &n, &err),
			 SCANN_ENOENT);
	ck_assert_str_eq(err.field, "name");
	ck_assert_int_eq(scann_store_token_count(st, &n, &err), 0);
	ck_assert_int_eq(n, 3);
	/* ann's two go, bob's stays */
	ck_assert_int_eq(scann_store_token_revoke(st, "ann", &n, &err), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(scann_store_token_lookup(st, "aaaa1111ffff", &u, &err),
			 SCANN_ENOENT);
	ck_assert_int_eq(scann_store_token_lookup(st, "bbbb2222ffff", &u, &err), 0);
	scann_store_user_free(u);
	/* revoking again: the user exists, nothing left to revoke */
	ck_assert_int_eq(scann_store_token_revoke(st, "ann", &n, &err), 0);
	ck_assert_int_eq(n, 0);
	scann_store_close(st);
}
END_TEST

/* --max-db: past the cap a worker's events are refused, but the job can
 * still be failed (the reserve above the cap), and the reason recorded. */
START_TEST(cap_refuses_events_but_not_the_state_change)
{
	struct scann_store *st = open_fresh("cap.db");
	struct scann_store_job *j;
	json_t *extra;
	struct scann_error err;
	int64_t id, seq;
	int i, refused = -1;

	ck_assert_int_eq(scann_store_job_insert(st, "ann", "t", "ds1",
						"{\"dataset\":\"ds1\"}", &two,
						&id, &err), 0);
	ck_assert_int_eq(scann_store_job_transition(st, id,
		SCANN_JOB_MASK(SCANN_JOB_QUEUED), SCANN_JOB_RUNNING, NULL,
		&seq, &err), 0);
	ck_assert_int_eq(scann_store_set_max_bytes(st, 256 * 1024, &err), 0);
	for (i = 0; i < 100000 && refused < 0; i++) {
		json_t *e = json_pack("{s:s,s:i,s:s}", "type", "log", "seq", i,
				      "message", "a line of padding to fill "
				      "pages a little faster than bare numbers");

		if (scann_store_event_append(st, id, e, &seq, &err) != 0)
			refused = i;
		json_decref(e);
	}
	ck_assert_int_gt(refused, 100);	/* it took a while, then refused */
	ck_assert_ptr_nonnull(strstr(err.message, "--max-db"));
	extra = json_pack("{s:s}", "message", "events could not be stored");
	ck_assert_int_eq(scann_store_job_transition(st, id,
		SCANN_JOB_MASK(SCANN_JOB_RUNNING), SCANN_JOB_FAILED, extra,
		&seq, &err), 0);
	json_decref(extra);
	ck_assert_int_eq(scann_store_job_get(st, id, &j, &err), 0);
	ck_assert_int_eq(j->state, SCANN_JOB_FAILED);
	scann_store_job_free(j);
	scann_store_close(st);
}
END_TEST

START_TEST(caller_transaction_rolls_back)
{
	struct scann_store *st = open_fresh("tx.db");
	struct scann_store_job *j;
	struct scann_error err;
	int64_t id;

	ck_assert_int_eq(scann_store_begin(st, &err), 0);
	ck_assert_int_eq(scann_store_job_insert(st, "a", "", "d", "{}", &one,
						&id, &err), 0);
	scann_store_rollback(st);
	ck_assert_int_eq(scann_store_job_get(st, id, &j, &err), SCANN_ENOENT);
	scann_store_close(st);
}
END_TEST

/*
 * A job's run row: kept per job (the latest attempt), its offset moved in
 * the caller's transaction with the events read up to it (a rollback
 * takes back both), and a queued job with a run (in a runner's queue) is
 * no queue head for the dispatcher.
 */
START_TEST(job_run_keeps_ref_offset_and_hides_from_queue)
{
	struct scann_store *st = open_fresh("runs.db");
	struct scann_store_job_run *r;
	struct scann_error err;
	char **owners;
	int64_t id, id2, *ids;
	json_t *e;
	int n;

	ck_assert_int_eq(scann_store_job_insert(st, "ann", "", "d", "{}", &one,
						&id, &err), 0);
	ck_assert_int_eq(scann_store_job_insert(st, "ann", "", "d", "{}", &one,
						&id2, &err), 0);
	ck_assert_int_eq(scann_store_job_run_get(st, id, &r, &err),
			 SCANN_ENOENT);
	ck_assert_int_eq(scann_store_job_run_offset(st, id, 5, &err),
			 SCANN_ENOENT);
	ck_assert_int_eq(scann_store_job_run_set(st, id, "slurm", "", "scann-1-1",
						 &err), 0);
	ck_assert_int_eq(scann_store_job_run_set(st, id, "slurm", "123",
						 "scann-1-1", &err), 0);
	ck_assert_int_eq(scann_store_job_run_note(st, id, "PENDING (Resources)",
						  &err), 0);
	/* The oldest queued job is in Slurm's queue: the head is the next. */
	ck_assert_int_eq(scann_store_job_queue_heads(st, &owners, &ids, &n,
						     &err), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(ids[0], id2);
	free(owners[0]);
	free(owners);
	free(ids);

	ck_assert_int_eq(scann_store_begin(st, &err), 0);
	e = json_pack("{s:s}", "type", "log");
	ck_assert_int_eq(scann_store_event_append(st, id, e, NULL, &err), 0);
	json_decref(e);
	ck_assert_int_eq(scann_store_job_run_offset(st, id, 42, &err), 0);
	scann_store_rollback(st);
	ck_assert_int_eq(scann_store_job_run_get(st, id, &r, &err), 0);
	ck_assert_str_eq(r->kind, "slurm");
	ck_assert_str_eq(r->ref, "123");
	ck_assert_str_eq(r->birth, "scann-1-1");
	ck_assert_str_eq(r->note, "PENDING (Resources)");
	ck_assert_int_eq(r->offset, 0);	/* rolled back with the event */
	scann_store_job_run_free(r);

	ck_assert_int_eq(scann_store_begin(st, &err), 0);
	ck_assert_int_eq(scann_store_job_run_offset(st, id, 42, &err), 0);
	ck_assert_int_eq(scann_store_commit(st, &err), 0);
	ck_assert_int_eq(scann_store_job_run_get(st, id, &r, &err), 0);
	ck_assert_int_eq(r->offset, 42);
	scann_store_job_run_free(r);

	/* A new attempt starts from nothing; re-queued, the run is gone. */
	ck_assert_int_eq(scann_store_job_run_set(st, id, "local", "77", "9",
						 &err), 0);
	ck_assert_int_eq(scann_store_job_run_get(st, id, &r, &err), 0);
	ck_assert_int_eq(r->offset, 0);
	ck_assert_str_eq(r->note, "");
	scann_store_job_run_free(r);
	ck_assert_int_eq(scann_store_job_run_delete(st, id, &err), 0);
	ck_assert_int_eq(scann_store_job_run_get(st, id, &r, &err),
			 SCANN_ENOENT);
	scann_store_close(st);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, migrates_empty_file_to_current_version);
	tcase_add_test(tc, refuses_newer_schema);
	tcase_add_test(tc, state_check_is_the_text_files_always_had);
	tcase_add_test(tc, state_table_names_and_joins);
	tcase_add_test(tc, opens_a_version_1_file_and_keeps_its_jobs);
	tcase_add_test(tc, sha256_known_vectors);
	tcase_add_test(tc, dataset_insert_dedupes_and_lists);
	tcase_add_test(tc, dataset_records_are_per_owner);
	tcase_add_test(tc, job_lifecycle_numbers_events);
	tcase_add_test(tc, resumed_worker_repeats_are_dropped);
	tcase_add_test(tc, job_list_filters_and_pages);
	tcase_add_test(tc, tokens_store_only_hashes);
	tcase_add_test(tc, tokens_revoke_by_user_and_list);
	tcase_add_test(tc, cap_refuses_events_but_not_the_state_change);
	tcase_add_test(tc, caller_transaction_rolls_back);
	tcase_add_test(tc, job_run_keeps_ref_offset_and_hides_from_queue);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(store_suite());
}
