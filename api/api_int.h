/*
 * api_int.h -- what the api's files share: the api object, the per-request
 * state, and the handlers the router (http.c) dispatches to, one file per
 * resource.  Replies are in reply.h, reading a request in request.h.  Not
 * for outside api/.
 */
#ifndef SCANN_API_INT_H
#define SCANN_API_INT_H

#include <jansson.h>

#include "api.h"
#include "store/sha256.h"

#define API_PREFIX "/api/v1"

#ifndef MHD_HTTP_CONTENT_TOO_LARGE	/* named so from MHD 0.9.74 */
#define MHD_HTTP_CONTENT_TOO_LARGE 413
#endif

/* HTTP status classes counted for /metrics. */
#define API_STATUS_SLOTS 600

enum api_req_kind {
	API_REQ_PLAIN,		/* answered once the body is in */
	API_REQ_WAIT,		/* a suspended long poll */
	API_REQ_DONE		/* a response has been queued */
};

struct api_req;
typedef enum MHD_Result (*api_handler)(struct scann_api *api,
				       struct api_req *r);

/* One request, from its first callback to its completion callback. */
struct api_req {
	struct scann_api *api;
	struct MHD_Connection *conn;
	const char *method;
	char *path;			/* copy of the URL path */
	char *seg[6];			/* path segments after /api/v1 */
	int nseg;
	api_handler handler;
	size_t cap;			/* body cap for this route */
	char *body;
	size_t len, alloc;
	int too_big;
	/*
	 * A body spooled to a file as it arrives (dataset uploads): never in
	 * memory.  spool_path is owned and removed at completion unless the
	 * handler renamed it; sha256_hex is the body's, set at its end.
	 */
	int spooled;
	FILE *spool;
	char *spool_path;
	int spool_errno;		/* writing it failed: 507 */
	int spool_busy;			/* over the bytes in flight: 503 */
	uint64_t spooled_bytes;		/* counted in api->spool_bytes */
	struct scann_sha256 spool_sha;
	char sha256_hex[65];
	enum api_req_kind kind;
	/* The caller: "local" + admin when the server runs without tokens. */
	char *user;
	int admin;
	/* Long poll. */
	int64_t job_id;
	int64_t deadline_ms;
	int state_seen;
	int suspended;
	int woken;
	struct api_req *next_wait;
	/* A CSV upload whose parsing runs off the loop (datasets.c). */
	struct api_upload *upload;
	/* A prediction run by a child process (predict.c). */
	struct api_predict *predict;
};

/* An event stream (SSE or NDJSON); owned by its MHD response. */
struct api_stream {
	struct scann_api *api;
	struct MHD_Connection *conn;
	int64_t job_id;
	int64_t last_seq;		/* last seq sent */
	int ndjson;
	int suspended;
	int ping;			/* send an SSE comment line */
	int finished;			/* the terminal state event was sent */
	char *buf;
	size_t len, pos, alloc;
	struct api_stream *prev, *next;
};

/*
 * The rendered view of a recently read job, so that polling clients cost a
 * memcpy, not a query and four JSON parses.  Direct-mapped by id; an entry
 * is dropped whenever the job changes (scann_api_job_changed).
 */
#define API_VIEW_CACHE 256
struct api_view_cache {
	int64_t id;		/* 0 = empty */
	char *owner;
	char *body;
	size_t len;
};

/*
 * The last batch of events read for a stream: when a job's new event wakes
 * its many followers, they all ask for "events of job J after seq K", so the
 * first one reads the store and the others copy.  Dropped when J changes.
 */
struct api_event_cache {
	int64_t job_id;		/* 0 = empty */
	int64_t after;
	struct scann_store_event *ev;
	int n;
};

struct scann_api {
	struct scann_store *st;
	struct api_view_cache cache[API_VIEW_CACHE];
	struct api_event_cache evcache;
	struct scann_api_config cfg;
	char data_prefix[1100];		/* "DATA_DIR/", scrubbed from messages */
	struct scann_api_hooks hooks;
	struct api_req *waiters;
	struct api_stream *streams;
	int n_waiters, n_streams;
	int stopping;
	int64_t last_ping_ms;
	uint64_t http_status[API_STATUS_SLOTS];
	uint64_t requests;
	uint64_t spool_bytes;		/* upload bytes on disk, in flight */
};

/* ---- views (views.c). */
json_t *api_view_job(const struct scann_api *api,
		     const struct scann_store_job *j, int full);
json_t *api_view_dataset(const struct scann_store_dataset *d);
json_t *api_time(int64_t ms);		/* ISO 8601 string or null */

/*
 * A list's paging: body.next_cursor is cursor (as a string) when the page
 * is full (there may be more), else null.
 */
void api_set_next_cursor(json_t *body, int full, int64_t cursor);

/* ---- handlers, one file per resource. */
enum MHD_Result api_jobs_create(struct scann_api *api, struct api_req *r);
enum MHD_Result api_jobs_list(struct scann_api *api, struct api_req *r);
enum MHD_Result api_jobs_get(struct scann_api *api, struct api_req *r);
enum MHD_Result api_jobs_cancel(struct scann_api *api, struct api_req *r);
enum MHD_Result api_jobs_cancel_bulk(struct scann_api *api, struct api_req *r);
enum MHD_Result api_jobs_delete(struct scann_api *api, struct api_req *r);
enum MHD_Result api_jobs_predict(struct scann_api *api, struct api_req *r);
void api_predict_free(struct api_req *r);
enum MHD_Result api_datasets_delete(struct scann_api *api, struct api_req *r);
/* Cancel live job j (queued: at once; running: its worker is stopped). */
int api_job_cancel(struct scann_api *api, struct api_req *r,
		   const struct scann_store_job *j, struct scann_error *err);
enum MHD_Result api_events_get(struct scann_api *api, struct api_req *r);
enum MHD_Result api_artifacts_get(struct scann_api *api, struct api_req *r);
enum MHD_Result api_datasets_create(struct scann_api *api, struct api_req *r);
enum MHD_Result api_datasets_list(struct scann_api *api, struct api_req *r);
enum MHD_Result api_datasets_get(struct scann_api *api, struct api_req *r);
/*
 * The dataset ref names for r's caller (datasets.c): an id of one of their
 * own datasets (an admin: of anyone's); else a name, the newest of their
 * own by that name -- a bare name never reaches another user's dataset,
 * admin or not; an admin names another user's as OWNER:NAME.  SCANN_ENOENT
 * when there is none the caller may use (another user's dataset is as
 * absent as a missing one).  *out is the caller's to free.
 */
int api_dataset_resolve(struct scann_api *api, const struct api_req *r,
			const char *ref, struct scann_store_dataset **out,
			struct scann_error *err);
/*
 * The dataset a route's path names (r->seg[1]), as api_job_for does for
 * jobs: 0 with *out, or the code with its reply queued in *res (404 when
 * api_dataset_resolve finds none).
 */
int api_dataset_for(struct scann_api *api, struct api_req *r,
		    struct scann_store_dataset **out, enum MHD_Result *res);
/* Free r's upload state, if any (from the completion callback). */
void api_upload_free(struct api_req *r);
/* Remove the temporary files of uploads a crash cut short (at start-up). */
void api_datasets_sweep(const char *data_dir);
enum MHD_Result api_health_get(struct scann_api *api, struct api_req *r);
enum MHD_Result api_me_get(struct scann_api *api, struct api_req *r);
enum MHD_Result api_schema_get(struct scann_api *api, struct api_req *r);
enum MHD_Result api_metrics_get(struct scann_api *api, struct api_req *r);
enum MHD_Result api_static_get(struct scann_api *api, struct api_req *r);

/* Long polls (jobs.c) and streams (events.c). */
void api_wait_remove(struct scann_api *api, struct api_req *r);
void api_stream_wake(struct scann_api *api, int64_t id);
void api_stream_shutdown(struct scann_api *api);
/*
 * Every ping_ms (default API_PING_MS), idle SSE streams get a comment line: proxies keep the
 * connection, and a client that went away is noticed (the write fails) and
 * its stream freed, instead of staying suspended until the job ends.
 */
#define API_PING_MS 15000
void api_stream_ping(struct scann_api *api);
void api_event_cache_drop(struct scann_api *api, int64_t id);

#endif
