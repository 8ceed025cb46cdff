/*
 * store.h -- scannd's persistence: one SQLite file in WAL mode holding the
 * datasets, jobs, their events, and users with their API tokens.
 *
 * This is the only code in scann that speaks SQL.  The schema is versioned
 * with PRAGMA user_version and migrated forward at open; every statement is
 * prepared once and kept for the life of the handle; every change that
 * touches more than one row runs in one transaction.  A handle belongs to
 * one thread (scannd's loop thread): there are no locks here.
 *
 * Every function returns 0 or a negative SCANN_E* code and fills err.
 * Strings returned inside structs are owned by the struct; free the struct
 * with its _free function.  Timestamps are Unix milliseconds.
 */
#ifndef SCANN_STORE_H
#define SCANN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store/state.h"
#include "worker/job/error.h"

#define SCANN_STORE_SCHEMA_VERSION 6

struct scann_store;

/*
 * Open (creating if needed) the database file at path, set WAL mode and
 * migrate the schema to SCANN_STORE_SCHEMA_VERSION.  *out owns the handle.
 * A file whose user_version is newer than this build knows is refused.
 */
int scann_store_open(const char *path, struct scann_store **out,
		     struct scann_error *err);
void scann_store_close(struct scann_store *st);
/*
 * Cap the database at about bytes.  Past the cap, scann_store_event_append
 * refuses a worker's events (as a full disk would); job state changes
 * still have SCANN_STORE_CAP_RESERVE bytes above it (SQLite's
 * max_page_count), so a job stopped for it can still be failed and say
 * why.  Never below the file's current size.
 */
#define SCANN_STORE_CAP_RESERVE (1 << 20)
int scann_store_set_max_bytes(struct scann_store *st, int64_t bytes,
			      struct scann_error *err);

/*
 * Whether the store has room for a job's events: SCANN_EIO with err saying
 * why when the --max-db cap is reached, the database or its file system is
 * read-only, or the disk has less than 4 x SCANN_STORE_CAP_RESERVE free
 * (kept for jobs' final states); else 0.  scann_store_event_append refuses
 * events for the same reasons; /healthz reports them.
 */
int scann_store_check_room(struct scann_store *st, struct scann_error *err);

/*
 * Copy the database at db_path (which a running scannd may be writing) to
 * the new file `file`, one consistent snapshot, in rollback-journal mode.
 * An existing file is refused.  Datasets and job files are not in it: they
 * are files under the data directory (see scannd(8), BACKUP).
 */
int scann_store_backup(const char *db_path, const char *file,
		       struct scann_error *err);
/*
 * Make data_dir/scann.db from the backup `file` (checked, migrated, and its
 * dataset paths pointed under data_dir).  An existing scann.db is refused.
 */
int scann_store_restore(const char *file, const char *data_dir,
			struct scann_error *err);

/* The schema version of the open file (for tests). */
int scann_store_schema_version(struct scann_store *st);

/* Transactions, for callers that group several store calls (not nested). */
int scann_store_begin(struct scann_store *st, struct scann_error *err);
int scann_store_commit(struct scann_store *st, struct scann_error *err);
void scann_store_rollback(struct scann_store *st);

/* ---- datasets ---------------------------------------------------------- */

/*
 * A dataset row is one user's record of some content: its id, name and
 * owner are that user's.  The same bytes uploaded by several users are
 * several rows (at most one per owner and sha256) whose path is the one
 * file holding the bytes.  Who may read a row is the api's business; the
 * lookups below take the owner to look within, or NULL for any.
 */
struct scann_store_dataset {
	char *id;		/* the public id, unique */
	char *sha256;		/* hex content hash */
	char *name;		/* optional label ("" if none) */
	char *owner;		/* whose record this is */
	char *format;		/* "csv" or "idx" */
	char *path;		/* file or directory the worker reads */
	int64_t bytes, rows, features, classes;
	int64_t created_at;
};

void scann_store_dataset_free(struct scann_store_dataset *d);

/*
 * Insert a dataset row; *created is 1 if a row was added, 0 if d->owner
 * already has a row for d->sha256 or d->id exists (d is then left alone).
 * d is borrowed.
 */
int scann_store_dataset_insert(struct scann_store *st,
			       const struct scann_store_dataset *d,
			       int *created, struct scann_error *err);

/* By id, among owner's rows (NULL: anyone's); SCANN_ENOENT if absent. */
int scann_store_dataset_get(struct scann_store *st, const char *id,
			    const char *owner,
			    struct scann_store_dataset **out,
			    struct scann_error *err);
/* owner's newest row named name; SCANN_ENOENT if none. */
int scann_store_dataset_by_name(struct scann_store *st, const char *owner,
				const char *name,
				struct scann_store_dataset **out,
				struct scann_error *err);
/*
 * A row for content sha256, owner's (NULL: anyone's, to find the stored
 * file); SCANN_ENOENT if absent.
 */
int scann_store_dataset_by_hash(struct scann_store *st, const char *sha256,
				const char *owner,
				struct scann_store_dataset **out,
				struct scann_error *err);

/*
 * Up to limit of owner's datasets (NULL: everyone's), newest first,
 * created before cursor (0 = from the start).  *out is a new array of *n
 * pointers; free each and the array.
 */
int scann_store_dataset_list(struct scann_store *st, const char *owner,
			     int64_t cursor, int limit,
			     struct scann_store_dataset ***out, int *n,
			     struct scann_error *err);

/* ---- jobs -------------------------------------------------------------- */

/*
 * What the pool needs of a job's spec to start its worker, kept in columns
 * beside the spec: the api reads them when it validates the spec at
 * submission, so the pool never parses a spec (the worker does, once).
 */
struct scann_store_job_resources {
	int64_t threads;	/* resources.threads: CPU slots it takes */
	int64_t timeout_s;	/* resources.timeout_s */
};

struct scann_store_job {
	int64_t id;
	char *owner;
	char *name;
	char *dataset_id;
	char *spec;		/* JSON text, defaults filled in */
	enum scann_job_state state;
	int64_t created_at, started_at, finished_at;	/* 0 = not yet */
	char *error;		/* JSON text or NULL */
	char *stage;		/* JSON text of the latest stage event or NULL */
	char *latest;		/* JSON text of the latest epoch event or NULL */
	char *result;		/* JSON text of the result event or NULL */
	int64_t last_seq;	/* highest event seq stored */
	int64_t attempts;	/* times a worker was started for it */
	struct scann_store_job_resources res;
	int cancel_requested;
	int has_best_val_acc;	/* an epoch event has been stored */
	double best_val_acc;	/* the highest val_acc of its epoch events */
};

void scann_store_job_free(struct scann_store_job *j);

/*
 * Insert a queued job and its first event (state: queued) in one
 * transaction.  spec is JSON text and res what the pool needs of it, both
 * borrowed (res must agree with spec: the store does not parse it).  *id is
 * the new job's id.
 */
int scann_store_job_insert(struct scann_store *st, const char *owner,
			   const char *name, const char *dataset_id,
			   const char *spec,
			   const struct scann_store_job_resources *res,
			   int64_t *id, struct scann_error *err);

int scann_store_job_get(struct scann_store *st, int64_t id,
			struct scann_store_job **out, struct scann_error *err);

struct scann_store_job_filter {
	int state;		/* enum scann_job_state, or -1 for any */
	const char *owner;	/* NULL for any */
	int64_t cursor;		/* list ids below this; 0 = from the newest */
	int limit;
};

/* Jobs matching f, newest first.  *out as for scann_store_dataset_list. */
int scann_store_job_list(struct scann_store *st,
			 const struct scann_store_job_filter *f,
			 struct scann_store_job ***out, int *n,
			 struct scann_error *err);

/*
 * Move job id from any state in from_mask to state to, stamping
 * started_at/finished_at, and append the state event that says so, all in
 * one transaction.  extra (borrowed, may be NULL) is merged into the event
 * and, for failed jobs, stored as the job's error.  SCANN_ENOENT when the
 * job does not exist or is not in a from state (nothing changes then).
 * *seq (may be NULL) receives the event's seq.
 */
int scann_store_job_transition(struct scann_store *st, int64_t id,
			       unsigned from_mask, enum scann_job_state to,
			       const json_t *extra, int64_t *seq,
			       struct scann_error *err);

/* Mark that a cancel was asked for (the worker is being stopped). */
int scann_store_job_request_cancel(struct scann_store *st, int64_t id,
				   struct scann_error *err);
/* Count a worker start. */
int scann_store_job_count_attempt(struct scann_store *st, int64_t id,
				  struct scann_error *err);

/*
 * The oldest queued job of each owner, as (owner, id) pairs, oldest first:
 * the dispatcher's fair round robin picks among these.
 */
int scann_store_job_queue_heads(struct scann_store *st, char ***owners,
				int64_t **ids, int *n, struct scann_error *err);
/* Ids of jobs in state, ascending. */
int scann_store_job_ids_in_state(struct scann_store *st,
				 enum scann_job_state state, int64_t **ids,
				 int *n, struct scann_error *err);
/* Number of jobs per state (counts has SCANN_JOB_STATE_COUNT slots). */
int scann_store_job_count_states(struct scann_store *st, int64_t *counts,
				 struct scann_error *err);
/* Jobs owned by owner in state. */
int scann_store_job_count_owned(struct scann_store *st, const char *owner,
				enum scann_job_state state, int64_t *n,
				struct scann_error *err);
/* Running jobs owned by owner. */
int scann_store_job_count_running(struct scann_store *st, const char *owner,
				  int64_t *n, struct scann_error *err);

/* ---- deletion and retention (delete.c) ---------------------------------- */

/* Job id's row and events; its files are the caller's.  SCANN_ENOENT. */
int scann_store_job_delete(struct scann_store *st, int64_t id,
			   struct scann_error *err);
/* Queued and running jobs that train on dataset id. */
int scann_store_dataset_live_jobs(struct scann_store *st, const char *id,
				  int64_t *n, struct scann_error *err);
/*
 * Dataset id's row (path: its file).  *file_unused: no row names the file
 * any more, so the caller removes it.  SCANN_ENOENT.
 */
int scann_store_dataset_delete(struct scann_store *st, const char *id,
			       const char *path, int *file_unused,
			       struct scann_error *err);
/* The finished job that finished first, before before_ms; *id 0 if none. */
int scann_store_job_oldest_done(struct scann_store *st, int64_t before_ms,
				int64_t *id, struct scann_error *err);
/* Bytes of the database in use (its pages less the free ones). */
int scann_store_used_bytes(struct scann_store *st, int64_t *bytes,
			   struct scann_error *err);

/* ---- events ------------------------------------------------------------ */

/*
 * Append event ev (a JSON object with a string "type") to job id: its "seq"
 * is set to the job's next seq (the server numbers every event, so a
 * resumed worker can neither leave a gap nor repeat a seq), the event row is
 * inserted and the job's progress columns updated, in one transaction.
 * ev is borrowed but gains "seq".  *seq receives the new seq.  A worker's
 * event (an integer "seq" of its own) numbered at or below the highest
 * worker seq the job has stored is a resumed worker's copy of an event
 * already stored: it is dropped, *seq = 0, and 0 returned (events.c, "One
 * curve per job").
 */
int scann_store_event_append(struct scann_store *st, int64_t id, json_t *ev,
			     int64_t *seq, struct scann_error *err);

struct scann_store_event {
	int64_t seq;
	char *type;
	char *data;		/* the whole event as JSON text */
};

/* Events of job id with seq > after, ascending, at most limit. */
int scann_store_event_list(struct scann_store *st, int64_t id, int64_t after,
			   int limit, struct scann_store_event **out, int *n,
			   struct scann_error *err);
void scann_store_event_list_free(struct scann_store_event *ev, int n);

/* Total number of stored events (for /metrics): the sum of last_seq. */
int scann_store_event_count(struct scann_store *st, int64_t *n,
			    struct scann_error *err);

/* ---- how a job is run (runs.c) ----------------------------------------- */

/*
 * The latest attempt of a job as its runner started it (server/runner.h):
 * kind names the runner ("local", "slurm"); ref is the runner's handle on
 * the run (a worker's pid, a Slurm job id) and birth what tells that handle
 * from a later reuse of it (a pid's start time); offset is how many bytes
 * of the run's event stream are stored already, so a restarted scannd
 * reads on from there; note is the runner's word on it (Slurm's state and
 * reason).  A queued job with a run row is waiting in the runner's queue.
 */
struct scann_store_job_run {
	int64_t job_id;
	char *kind, *ref, *birth, *note;
	int64_t offset;
	int64_t updated_at;
};

void scann_store_job_run_free(struct scann_store_job_run *r);

/* Record a new attempt of job id (replacing the last; offset 0). */
int scann_store_job_run_set(struct scann_store *st, int64_t id,
			    const char *kind, const char *ref,
			    const char *birth, struct scann_error *err);
/* Job id's run; SCANN_ENOENT when it has none. */
int scann_store_job_run_get(struct scann_store *st, int64_t id,
			    struct scann_store_job_run **out,
			    struct scann_error *err);
/* Move the run's offset (inside the caller's transaction, with the events
 * read up to it, so none is stored twice or lost across a restart). */
int scann_store_job_run_offset(struct scann_store *st, int64_t id,
			       int64_t offset, struct scann_error *err);
int scann_store_job_run_note(struct scann_store *st, int64_t id,
			     const char *note, struct scann_error *err);
/* Forget job id's run (it is queued again, for a new attempt). */
int scann_store_job_run_delete(struct scann_store *st, int64_t id,
			       struct scann_error *err);

/* ---- users and tokens -------------------------------------------------- */

struct scann_store_user {
	int64_t id;
	char *name;
	int admin;
};

void scann_store_user_free(struct scann_store_user *u);

/*
 * Create user name (or reuse it, updating admin) and give it a new token
 * whose SHA-256 hex digest is token_hash.  Only the hash is stored.
 */
int scann_store_token_add(struct scann_store *st, const char *name,
			  int admin, const char *token_hash,
			  struct scann_error *err);
/* The user holding the token hashed to token_hash; SCANN_ENOENT if none. */
int scann_store_token_lookup(struct scann_store *st, const char *token_hash,
			     struct scann_store_user **out,
			     struct scann_error *err);
/* Number of tokens (0 means the server runs without authentication). */
int scann_store_token_count(struct scann_store *st, int64_t *n,
			    struct scann_error *err);
/*
 * Delete every token of user name; *n gets how many.  SCANN_ENOENT (and
 * nothing changed) when there is no such user.  A running scannd looks
 * tokens up per request, so the next request with one of them gets 401.
 */
int scann_store_token_revoke(struct scann_store *st, const char *name,
			     int64_t *n, struct scann_error *err);

struct scann_store_token {
	int64_t id;
	char *user;
	int admin;
	int64_t created_at;
	char hash_prefix[9];	/* the first 8 hex digits of its SHA-256 */
};

/* Every token, oldest first; *out (n entries) is the caller's to free with
 * scann_store_tokens_free. */
int scann_store_token_list(struct scann_store *st,
			   struct scann_store_token **out, int *n,
			   struct scann_error *err);
void scann_store_tokens_free(struct scann_store_token *v, int n);

/* Current time in Unix milliseconds. */
int64_t scann_store_now_ms(void);

#endif
