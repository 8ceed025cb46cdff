/*
 * health.c -- GET /healthz (liveness: the store answers) and GET /metrics
 * (Prometheus text format 0.0.4).  Neither needs a token: they say how busy
 * the server is, not whose jobs it runs.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "reply.h"

enum MHD_Result api_health_get(struct scann_api *api, struct api_req *r)
{
	struct scann_error err;
	int64_t n;

	if (scann_store_token_count(api->st, &n, NULL) != 0)
		return api_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
				       "unavailable", NULL,
				       "the store does not answer");
	/* Storage trouble is not ok: jobs would run and lose their record. */
	if (scann_store_check_room(api->st, &err) != 0)
		return api_reply_json(r, MHD_HTTP_SERVICE_UNAVAILABLE,
				      json_pack("{s:s, s:s, s:b}", "status",
						"storage", "message",
						err.message, "auth",
						api->cfg.auth));
	return api_reply_json(r, MHD_HTTP_OK,
			      json_pack("{s:s, s:b}", "status", api->stopping ?
					"draining" : "ok", "auth",
					api->cfg.auth));
}

struct text {
	char *p;
	size_t len, cap;
};

static void add(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		t->cap = t->cap * 2 + (size_t)n + 64;
		t->p = realloc(t->p, t->cap);
		if (t->p == NULL)
			abort();
	}
}

enum MHD_Result api_metrics_get(struct scann_api *api, struct api_req *r)
{
	struct text t = { malloc(4096), 0, 4096 };
	int64_t counts[SCANN_JOB_STATE_COUNT], events = 0;
	struct MHD_Response *resp;
	int i;

	if (t.p == NULL)
		abort();
	if (scann_store_job_count_states(api->st, counts, NULL) != 0 ||
	    scann_store_event_count(api->st, &events, NULL) != 0) {
		free(t.p);
		return api_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
				       "unavailable", NULL,
				       "the store does not answer");
	}
	add(&t, "# HELP scann_jobs Jobs by state.\n# TYPE scann_jobs gauge\n");
	for (i = 0; i < SCANN_JOB_STATE_COUNT; i++)
		add(&t, "scann_jobs{state=\"%s\"} %lld\n",
		    scann_job_state_name(i), (long long)counts[i]);
	add(&t, "# HELP scann_jobs_queued Jobs waiting for a worker slot.\n"
	    "# TYPE scann_jobs_queued gauge\nscann_jobs_queued %lld\n",
	    (long long)counts[SCANN_JOB_QUEUED]);
	add(&t, "# HELP scann_jobs_running Jobs a worker runs.\n"
	    "# TYPE scann_jobs_running gauge\nscann_jobs_running %lld\n",
	    (long long)counts[SCANN_JOB_RUNNING]);
	add(&t, "# HELP scann_worker_slots Worker slots in all.\n"
	    "# TYPE scann_worker_slots gauge\nscann_worker_slots %d\n",
	    api->hooks.slots);
	add(&t, "# HELP scann_worker_slots_busy Worker slots in use.\n"
	    "# TYPE scann_worker_slots_busy gauge\n"
	    "scann_worker_slots_busy %d\n", api->hooks.slots_busy ?
	    api->hooks.slots_busy(api->hooks.cls) : 0);
	add(&t, "# HELP scann_events_stored_total Events stored.\n"
	    "# TYPE scann_events_stored_total counter\n"
	    "scann_events_stored_total %lld\n", (long long)events);
	add(&t, "# HELP scann_streams Open event streams.\n"
	    "# TYPE scann_streams gauge\nscann_streams %d\n", api->n_streams);
	add(&t, "# HELP scann_long_polls Parked long polls.\n"
	    "# TYPE scann_long_polls gauge\nscann_long_polls %d\n",
	    api->n_waiters);
	add(&t, "# HELP scann_http_requests_total HTTP responses by status.\n"
	    "# TYPE scann_http_requests_total counter\n");
	api_count_status(api, MHD_HTTP_OK);	/* this answer counts too */
	for (i = 1; i < API_STATUS_SLOTS; i++)
		if (api->http_status[i] > 0)
			add(&t, "scann_http_requests_total{code=\"%d\"} %llu\n",
			    i, (unsigned long long)api->http_status[i]);
	resp = MHD_create_response_from_buffer(t.len, t.p,
					       MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type",
				"text/plain; version=0.0.4; charset=utf-8");
	return api_queue(r, MHD_HTTP_OK, resp);
}
