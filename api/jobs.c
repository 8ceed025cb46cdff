/*
 * jobs.c -- /api/v1/jobs: submit, list, get (with ?wait= long polls),
 * cancel.
 *
 * A submitted spec is validated by scann_spec_parse, the very code the
 * worker runs, so a spec accepted here is one a worker can run; its dataset
 * id or name is resolved to a stored dataset, and the job is stored with its
 * spec written back with every default filled in, and beside it what the
 * pool needs of it (threads, timeout): this is scannd's only parse of the
 * spec.  Only then is the pool told.
 *
 * Budgets (issue 16): a spec whose resources.timeout_s is over the
 * server's cap is refused (400, the field named), and so is a job past the
 * user's cap on queued jobs (429, field "queued"); the cap on running jobs
 * is the pool's (more wait queued).  POST /jobs/cancel cancels in bulk, by
 * owner and state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "log.h"
#include "reply.h"
#include "request.h"
#include "worker/job/spec.h"

/*
 * Whether label_column names a column of the dataset's header, as the
 * worker's loader reads it (comma-separated, blanks trimmed), so a spec
 * that would fail in the worker is refused at submit.
 */
static int has_column(const struct scann_store_dataset *ds, const char *name)
{
	char line[65536], *p, *end;
	FILE *f;
	int found = 0;

	if (strcmp(ds->format, "csv") != 0)
		return 0;	/* IDX data has no named columns */
	f = fopen(ds->path, "r");
	if (f == NULL)
		return 0;
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	for (p = line; p != NULL && !found; p = end ? end + 1 : NULL) {
		char *e;

		end = strchr(p, ',');
		if (end)
			*end = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		e = p + strlen(p);
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		found = strcmp(p, name) == 0;
	}
	return found;
}

enum MHD_Result api_jobs_create(struct scann_api *api, struct api_req *r)
{
	static const char *const allowed[] = { NULL };
	struct scann_job_spec spec;
	struct scann_store_job_resources need;
	struct scann_store_dataset *ds = NULL;
	struct scann_store_job *job = NULL;
	struct scann_error err;
	struct MHD_Response *resp;
	enum MHD_Result res;
	json_t *full = NULL, *view;
	char *text = NULL, loc[64];
	int64_t id;
	int rc;

	if (api_query_only(r, allowed, &res) != 0)
		return res;
	if (r->len == 0)
		return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", "body",
				       "the request body must be a job spec "
				       "(a JSON object)");
	scann_error_clear(&err);
	if (scann_spec_parse(r->body, r->len, &spec, &err) != 0)
		return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid",
				       *err.field ? err.field : "body", "%s",
				       err.message);
	if (api->cfg.max_timeout_s > 0 &&
	    spec.resources.timeout_s > (uint32_t)api->cfg.max_timeout_s)
		return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid",
				       "resources.timeout_s",
				       "resources.timeout_s is over this "
				       "server's cap of %d s", api->cfg.max_timeout_s);
	if (api->cfg.user_queue > 0) {
		int64_t queued = 0;

		if (scann_store_job_count_owned(api->st, r->user,
						SCANN_JOB_QUEUED, &queued,
						&err) != 0)
			return api_reply_scann_error(r, &err);
		if (queued >= api->cfg.user_queue)
			return api_reply_error(r, MHD_HTTP_TOO_MANY_REQUESTS,
					       "quota", "queued",
					       "you have %lld jobs queued, this "
					       "server's cap per user; submit "
					       "again when some have started",
					       (long long)queued);
	}
	rc = api_dataset_resolve(api, r, spec.dataset, &ds, &err);
	if (rc == SCANN_ENOENT)
		return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid",
				       "dataset", "no dataset with this id or "
				       "name; upload it with POST "
				       API_PREFIX "/datasets");
	if (rc != 0)
		return api_reply_scann_error(r, &err);
	if (spec.label_column[0] && !has_column(ds, spec.label_column)) {
		res = api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid",
				      "label_column", "the dataset has no column "
				      "named \"%.64s\"", spec.label_column);
		scann_store_dataset_free(ds);
		return res;
	}
	full = scann_spec_to_json(&spec);
	json_object_set_new(full, "dataset", json_string(ds->id));
	text = json_dumps(full, JSON_COMPACT | JSON_REAL_PRECISION(9));
	if (text == NULL)
		abort();
	need.threads = spec.resources.threads;
	need.timeout_s = spec.resources.timeout_s;
	rc = scann_store_job_insert(api->st, r->user, spec.name, ds->id, text,
				    &need, &id, &err);
	if (rc == 0)
		rc = scann_store_job_get(api->st, id, &job, &err);
	if (rc != 0) {
		res = api_reply_scann_error(r, &err);
		goto out;
	}
	scann_log("job %lld queued by %s (dataset %s)", (long long)id,
		  r->user, ds->id);
	snprintf(loc, sizeof(loc), API_PREFIX "/jobs/%lld", (long long)id);
	view = api_view_job(api, job, 1);
	{
		char *body = json_dumps(view, JSON_COMPACT |
						JSON_REAL_PRECISION(9));

		json_decref(view);
		if (body == NULL)
			abort();
		resp = MHD_create_response_from_buffer(strlen(body), body,
						       MHD_RESPMEM_MUST_FREE);
		MHD_add_response_header(resp, "Content-Type",
					"application/json; charset=utf-8");
		MHD_add_response_header(resp, "Location", loc);
		api_count_status(api, MHD_HTTP_CREATED);
		res = api_queue(r, MHD_HTTP_CREATED, resp);
	}
	if (api->hooks.job_queued != NULL)
		api->hooks.job_queued(api->hooks.cls, id);
out:
	json_decref(full);
	free(text);
	scann_store_dataset_free(ds);
	scann_store_job_free(job);
	return res;
}

enum MHD_Result api_jobs_list(struct scann_api *api, struct api_req *r)
{
	static const char *const allowed[] = {
		"state", "owner", "limit", "cursor", NULL
	};
	struct scann_store_job_filter f = { .state = -1, .limit = 20 };
	struct scann_store_job **v = NULL;
	struct scann_error err;
	enum MHD_Result res;
	const char *state, *owner;
	int64_t limit = 20, cursor = 0;
	json_t *list, *body;
	int n, i;

	if (api_query_only(r, allowed, &res) != 0 ||
	    api_query_int(r, "limit", 1, 100, &limit, &res) != 0 ||
	    api_query_int(r, "cursor", 1, INT64_C(1) << 53, &cursor,
			  &res) != 0)
		return res;
	state = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
					    "state");
	if (state != NULL && (f.state = scann_job_state_from_name(state)) < 0) {
		char names[256];

		scann_job_state_join(names, sizeof(names), "", ", ");
		return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid",
				       "state", "state must be one of %s", names);
	}
	owner = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
					    "owner");
	if (owner != NULL && *owner == '\0')
		owner = NULL;
	if (!r->admin) {
		if (owner != NULL && strcmp(owner, r->user) != 0)
			return api_reply_error(r, MHD_HTTP_FORBIDDEN,
					       "forbidden", "owner",
					       "only an admin lists other "
					       "users' jobs");
		owner = r->user;
	}
	f.owner = owner;
	f.limit = (int)limit;
	f.cursor = cursor;
	if (scann_store_job_list(api->st, &f, &v, &n, &err) != 0)
		return api_reply_scann_error(r, &err);
	list = json_array();
	for (i = 0; i < n; i++) {
		json_array_append_new(list, api_view_job(api, v[i], 0));
	}
	body = json_pack("{s:o}", "jobs", list);
	api_set_next_cursor(body, n == f.limit, n > 0 ? v[n - 1]->id : 0);
	for (i = 0; i < n; i++)
		scann_store_job_free(v[i]);
	free(v);
	return api_reply_json(r, MHD_HTTP_OK, body);
}

/* ---- long polls -------------------------------------------------------- */

void api_wait_remove(struct scann_api *api, struct api_req *r)
{
	struct api_req **p;

	for (p = &api->waiters; *p != NULL; p = &(*p)->next_wait) {
		if (*p == r) {
			*p = r->next_wait;
			api->n_waiters--;
			break;
		}
	}
	r->next_wait = NULL;
}

static void wake(struct api_req *w)
{
	w->woken = 1;
	if (w->suspended) {
		w->suspended = 0;
		MHD_resume_connection(w->conn);
	}
}

static void cache_drop(struct scann_api *api, int64_t id)
{
	struct api_view_cache *c = &api->cache[(uint64_t)id % API_VIEW_CACHE];

	if (c->id != id)
		return;
	c->id = 0;
	free(c->owner);
	free(c->body);
	c->owner = c->body = NULL;
}

static void cache_put(struct scann_api *api, const struct scann_store_job *j,
		      const char *body)
{
	struct api_view_cache *c = &api->cache[(uint64_t)j->id % API_VIEW_CACHE];

	cache_drop(api, c->id);
	c->owner = strdup(j->owner);
	c->body = strdup(body);
	if (c->owner == NULL || c->body == NULL)
		abort();
	c->len = strlen(body);
	c->id = j->id;
}

/* Answer GET /jobs/{id} from the cache; -1 when it holds nothing usable. */
static int cache_reply(struct scann_api *api, struct api_req *r, int64_t id,
		       enum MHD_Result *res)
{
	struct api_view_cache *c;
	struct MHD_Response *resp;

	if (id <= 0)
		return -1;
	c = &api->cache[(uint64_t)id % API_VIEW_CACHE];
	if (c->id != id || (!r->admin && strcmp(c->owner, r->user) != 0))
		return -1;
	resp = MHD_create_response_from_buffer(c->len, c->body,
					       MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		abort();
	MHD_add_response_header(resp, "Content-Type",
				"application/json; charset=utf-8");
	api_count_status(api, MHD_HTTP_OK);
	*res = api_queue(r, MHD_HTTP_OK, resp);
	return 0;
}

void scann_api_job_changed(struct scann_api *api, int64_t id)
{
	struct api_req *w;
	int state = -1;

	cache_drop(api, id);
	api_event_cache_drop(api, id);
	api_stream_wake(api, id);
	for (w = api->waiters; w != NULL; w = w->next_wait) {
		if (w->job_id != id || w->woken)
			continue;
		/* One read of the job serves every poll parked on it. */
		if (state < 0) {
			struct scann_store_job *j = NULL;

			state = scann_store_job_get(api->st, id, &j, NULL) == 0 ?
				(int)j->state : SCANN_JOB_STATE_COUNT;
			scann_store_job_free(j);
		}
		if (state != w->state_seen)
			wake(w);
	}
}

void scann_api_tick(struct scann_api *api, int64_t now_ms)
{
	struct api_req *w;

	for (w = api->waiters; w != NULL; w = w->next_wait)
		if (!w->woken && w->deadline_ms <= now_ms)
			wake(w);
	if (now_ms - api->last_ping_ms >= (api->cfg.ping_ms > 0 ?
					   api->cfg.ping_ms : API_PING_MS)) {
		api->last_ping_ms = now_ms;
		api_stream_ping(api);
	}
}

void scann_api_shutdown(struct scann_api *api)
{
	struct api_req *w;

	api->stopping = 1;
	for (w = api->waiters; w != NULL; w = w->next_wait)
		wake(w);
	api_stream_shutdown(api);
}

/*
 * view's "runner": how the job's latest attempt is run (server/runner.h),
 * e.g. {"kind": "slurm", "job_id": "123", "note": "PENDING (Priority)"};
 * null before its first start.
 */
static void add_runner(struct scann_api *api, json_t *view, int64_t id)
{
	struct scann_store_job_run *run = NULL;
	json_t *o;

	if (scann_store_job_run_get(api->st, id, &run, NULL) != 0) {
		json_object_set_new(view, "runner", json_null());
		return;
	}
	o = json_pack("{s:s}", "kind", run->kind);
	if (strcmp(run->kind, "slurm") == 0 && run->ref[0] != '\0')
		json_object_set_new(o, "job_id", json_string(run->ref));
	if (run->note[0] != '\0')
		json_object_set_new(o, "note", json_string(run->note));
	json_object_set_new(view, "runner", o);
	scann_store_job_run_free(run);
}

enum MHD_Result api_jobs_get(struct scann_api *api, struct api_req *r)
{
	static const char *const allowed[] = { "wait", "since", NULL };
	struct scann_store_job *j = NULL;
	enum MHD_Result res;
	const char *since_s;
	int64_t wait = 0;
	int since = -1;

	if (r->kind == API_REQ_WAIT && !r->woken)
		return MHD_YES;	/* spurious call while suspended */
	if (api_query_only(r, allowed, &res) != 0 ||
	    api_query_int(r, "wait", 0, 300, &wait, &res) != 0)
		return res;
	/*
	 * since=STATE: the state the client last saw.  Without it a long poll
	 * waits for a change from the state at the time of the request, which
	 * may already differ from what the client knows.
	 */
	since_s = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
					      "since");
	if (since_s != NULL && (since = scann_job_state_from_name(since_s)) < 0)
		return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid",
				       "since", "since must be a job state");
	if (wait == 0 && since < 0 &&
	    cache_reply(api, r, api_parse_id(r->seg[1]), &res) == 0)
		return res;
	if (api_job_for(api, r, api_parse_id(r->seg[1]), &j, &res) != 0)
		return res;
	if (wait > 0 && r->kind == API_REQ_PLAIN &&
	    (since < 0 || since == (int)j->state) &&
	    !scann_job_state_terminal(j->state) && !api->stopping) {
		/* Park until the state changes or the time is up. */
		r->kind = API_REQ_WAIT;
		r->job_id = j->id;
		r->state_seen = (int)j->state;
		r->deadline_ms = scann_store_now_ms() + wait * 1000;
		r->next_wait = api->waiters;
		api->waiters = r;
		api->n_waiters++;
		r->suspended = 1;
		MHD_suspend_connection(r->conn);
		scann_store_job_free(j);
		return MHD_YES;
	}
	if (r->kind == API_REQ_WAIT)
		api_wait_remove(api, r);
	r->kind = API_REQ_PLAIN;
	{
		json_t *view = api_view_job(api, j, 1);
		char *body;
		struct MHD_Response *resp;

		add_runner(api, view, j->id);
		body = json_dumps(view, JSON_COMPACT | JSON_REAL_PRECISION(9));
		json_decref(view);
		if (body == NULL)
			abort();
		cache_put(api, j, body);
		resp = MHD_create_response_from_buffer(strlen(body), body,
						       MHD_RESPMEM_MUST_FREE);
		MHD_add_response_header(resp, "Content-Type",
					"application/json; charset=utf-8");
		api_count_status(api, MHD_HTTP_OK);
		res = api_queue(r, MHD_HTTP_OK, resp);
	}
	scann_store_job_free(j);
	return res;
}

int api_job_cancel(struct scann_api *api, struct api_req *r,
		   const struct scann_store_job *j, struct scann_error *err)
{
	struct scann_store_job_run *run = NULL;
	int rc;

	if (j->state == SCANN_JOB_QUEUED &&
	    scann_store_job_run_get(api->st, j->id, &run, NULL) == 0) {
		/* Handed to a runner's queue (Slurm's): the pool ends it. */
		scann_store_job_run_free(run);
		rc = scann_store_job_request_cancel(api->st, j->id, err);
		if (rc == 0 && api->hooks.job_cancel != NULL &&
		    api->hooks.job_cancel(api->hooks.cls, j->id) != 0)
			rc = scann_store_job_transition(api->st, j->id,
				SCANN_JOB_MASK_LIVE, SCANN_JOB_CANCELLED, NULL,
				NULL, err);
	} else if (j->state == SCANN_JOB_QUEUED) {
		rc = scann_store_job_transition(api->st, j->id,
			SCANN_JOB_MASK(SCANN_JOB_QUEUED), SCANN_JOB_CANCELLED,
			NULL, NULL, err);
	} else {
		rc = scann_store_job_request_cancel(api->st, j->id, err);
		if (rc == 0 && api->hooks.job_cancel != NULL &&
		    api->hooks.job_cancel(api->hooks.cls, j->id) != 0) {
			/* No worker holds it (it is between attempts). */
			rc = scann_store_job_transition(api->st, j->id,
				SCANN_JOB_MASK_LIVE, SCANN_JOB_CANCELLED, NULL,
				NULL, err);
		}
	}
	if (rc != 0)
		return rc;
	scann_log("job %lld: cancel requested by %s", (long long)j->id,
		  r->user);
	scann_api_job_changed(api, j->id);
	return 0;
}

/*
 * POST /jobs/cancel?owner=NAME&state=queued|running: every live job of
 * owner (default the caller; another user's, or "*" for everyone's, needs
 * an admin) in state (default both).  Answers the ids cancelled.
 */
enum MHD_Result api_jobs_cancel_bulk(struct scann_api *api, struct api_req *r)
{
	static const char *const allowed[] = { "owner", "state", NULL };
	struct scann_store_job_filter f = { .state = -1, .limit = 100 };
	struct scann_error err;
	enum MHD_Result res;
	const char *owner, *state;
	json_t *ids = json_array();
	int pass;

	if (api_query_only(r, allowed, &res) != 0) {
		json_decref(ids);
		return res;
	}
	owner = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
					    "owner");
	state = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
					    "state");
	if (owner == NULL || *owner == '\0')
		owner = r->user;
	if (!r->admin && strcmp(owner, r->user) != 0) {
		json_decref(ids);
		return api_reply_error(r, MHD_HTTP_FORBIDDEN, "forbidden",
				       "owner", "only an admin cancels other "
				       "users' jobs");
	}
	if (state != NULL && strcmp(state, "queued") != 0 &&
	    strcmp(state, "running") != 0) {
		json_decref(ids);
		return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid",
				       "state", "state must be queued or running");
	}
	f.owner = strcmp(owner, "*") == 0 ? NULL : owner;
	/* Queued first, so none of them starts in a slot a cancel frees. */
	for (pass = 0; pass < 2; pass++) {
		enum scann_job_state want = pass == 0 ? SCANN_JOB_QUEUED :
			SCANN_JOB_RUNNING;

		if (state != NULL && strcmp(state, scann_job_state_name(want)) != 0)
			continue;
		f.state = (int)want;
		f.cursor = 0;
		for (;;) {
			struct scann_store_job **v = NULL;
			int n, i;

			if (scann_store_job_list(api->st, &f, &v, &n, &err) != 0) {
				json_decref(ids);
				return api_reply_scann_error(r, &err);
			}
			for (i = 0; i < n; i++) {
				/* One that ended meanwhile is not counted. */
				if (api_job_cancel(api, r, v[i], &err) == 0)
					json_array_append_new(ids,
						json_integer(v[i]->id));
				f.cursor = v[i]->id;
				scann_store_job_free(v[i]);
			}
			free(v);
			if (n < f.limit)
				break;
		}
	}
	return api_reply_json(r, MHD_HTTP_OK,
			      json_pack("{s:I, s:o}", "cancelled",
					(json_int_t)json_array_size(ids),
					"jobs", ids));
}

enum MHD_Result api_jobs_cancel(struct scann_api *api, struct api_req *r)
{
	static const char *const allowed[] = { NULL };
	struct scann_store_job *j = NULL;
	struct scann_error err;
	enum MHD_Result res;
	int64_t id;
	int rc;

	if (api_query_only(r, allowed, &res) != 0)
		return res;
	id = api_parse_id(r->seg[1]);
	if (api_job_for(api, r, id, &j, &res) != 0)
		return res;
	if (scann_job_state_terminal(j->state)) {
		res = api_reply_error(r, MHD_HTTP_CONFLICT, "conflict", "state",
				      "job is already %s",
				      scann_job_state_name(j->state));
		goto out;
	}
	rc = api_job_cancel(api, r, j, &err);
	if (rc != 0) {
		res = api_reply_scann_error(r, &err);
		goto out;
	}
	scann_store_job_free(j);
	j = NULL;
	if (scann_store_job_get(api->st, id, &j, &err) != 0) {
		res = api_reply_scann_error(r, &err);
		goto out;
	}
	{
		json_t *view = api_view_job(api, j, 1);

		add_runner(api, view, id);
		res = api_reply_json(r, MHD_HTTP_ACCEPTED, view);
	}
out:
	scann_store_job_free(j);
	return res;
}
