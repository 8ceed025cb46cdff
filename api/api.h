/*
 * api.h -- the REST surface of scannd: every URL under /api/v1, /healthz,
 * /metrics, and the dashboard's static files at /.
 *
 * This is the only code that knows URLs and JSON shapes.  It plugs into a
 * libmicrohttpd daemon the server runs in external-poll mode on its one
 * libuv thread: scann_api_handle is the access handler and
 * scann_api_completed the completion callback (cls = the api).  It reads and
 * writes through store/ and reaches the worker pool only through hooks, so
 * it can be tested without either a loop or workers.
 *
 * Long polls (GET /jobs/{id}?wait=S) and event streams suspend their
 * connection; scann_api_job_changed resumes the ones that follow a job when
 * the pool has stored something new for it, and scann_api_tick resumes long
 * polls whose time is up.
 */
#ifndef SCANN_API_H
#define SCANN_API_H

#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "store/store.h"

struct scann_api;

/* What the api asks of the rest of the daemon (all run on the loop). */
struct scann_api_hooks {
	void *cls;
	/* A job was queued: dispatch if a slot is free. */
	void (*job_queued)(void *cls, int64_t id);
	/*
	 * Stop the running job id (it becomes cancelled when its worker has
	 * exited).  Returns 0, or SCANN_ENOENT when no worker runs it.
	 */
	int (*job_cancel)(void *cls, int64_t id);
	/* Worker slots in use, and in all (for /metrics). */
	int (*slots_busy)(void *cls);
	int slots;
	/*
	 * Run work(arg) on another thread, then done(arg) on the loop; 0, or
	 * nonzero when it cannot (the api then runs work itself).  Used for
	 * the long part of a CSV upload (hashing, writing, parsing), so a
	 * 100 MB dataset does not stall every other request.  NULL: inline.
	 */
	int (*offload)(void *cls, void (*work)(void *arg),
		       void (*done)(void *arg), void *arg);
};

struct scann_api_config {
	const char *data_dir;		/* datasets/ and jobs/ live here */
	const char *web_dir;		/* static files; NULL: none served */
	size_t max_body;		/* cap on JSON request bodies */
	size_t max_dataset;		/* cap on dataset uploads */
	int auth;			/* 1: every /api/v1 call needs a token */
	int ping_ms;			/* SSE keep-alive period; 0 = 15 s */
	int user_queue;			/* queued jobs per user; 0 = no cap */
	int max_timeout_s;		/* cap on resources.timeout_s; 0 = none */
	int retain_days;		/* finished jobs kept; 0 = forever */
	size_t retain_bytes;		/* database size retention keeps; 0 */
	const char *worker;		/* scann-worker, for predict */
};

/*
 * A new api over st (borrowed; must outlive it).  cfg's strings are
 * copied; hooks is copied.
 */
struct scann_api *scann_api_new(struct scann_store *st,
				const struct scann_api_config *cfg,
				const struct scann_api_hooks *hooks);
void scann_api_free(struct scann_api *api);
/* Take cfg's limits, auth and ping_ms (not its paths) for new requests. */
void scann_api_reconfigure(struct scann_api *api,
			   const struct scann_api_config *cfg);

/* MHD callbacks; cls is the api. */
enum MHD_Result scann_api_handle(void *cls, struct MHD_Connection *c,
				 const char *url, const char *method,
				 const char *version, const char *upload_data,
				 size_t *upload_data_size, void **con_cls);
void scann_api_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe);

/* Something was stored for job id: wake its streams and long polls. */
void scann_api_job_changed(struct scann_api *api, int64_t id);
/* Answer long polls whose deadline (ms, scann_store_now_ms) has passed. */
void scann_api_tick(struct scann_api *api, int64_t now_ms);
/*
 * Shutting down: end every stream and long poll now (they answer with
 * what they have) so the MHD daemon holds no suspended connection.
 */
void scann_api_shutdown(struct scann_api *api);
/*
 * Retention: delete finished jobs (rows, events, files) that finished over
 * retain_days ago, then the oldest finished ones while the database uses
 * more than retain_bytes.  Returns how many were deleted.
 */
int scann_api_retain(struct scann_api *api, int64_t now_ms);
/* Connections the api holds suspended (streams + long polls). */
int scann_api_suspended(const struct scann_api *api);

#endif
