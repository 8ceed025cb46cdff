/*
 * views.c -- the JSON shapes of stored rows as clients see them: times as
 * ISO 8601 UTC strings, stored JSON columns embedded as objects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "reply.h"

json_t *api_time(int64_t ms)
{
	char buf[40];
	time_t t;
	struct tm tm;

	if (ms <= 0)
		return json_null();
	t = (time_t)(ms / 1000);
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ".%03dZ",
		 (int)(ms % 1000));
	return json_string(buf);
}

/* Stored JSON text as a value (null when absent or unreadable). */
static json_t *embed(const char *text)
{
	json_t *v;

	if (text == NULL)
		return json_null();
	v = json_loads(text, 0, NULL);
	return v ? v : json_null();
}

/* A job's error, without the server's data dir (reply.h, api_scrub). */
static json_t *embed_error(const struct scann_api *api, const char *text)
{
	char *copy;
	json_t *v;

	if (text == NULL)
		return json_null();
	copy = strdup(text);
	if (copy == NULL)
		abort();
	api_scrub(copy, api->data_prefix, "");
	v = embed(copy);
	free(copy);
	return v;
}

json_t *api_view_job(const struct scann_api *api,
		     const struct scann_store_job *j, int full)
{
	char loc[64];
	json_t *v;

	snprintf(loc, sizeof(loc), API_PREFIX "/jobs/%lld", (long long)j->id);
	v = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:I, s:o,"
		      " s:o, s:o, s:s}",
		      "id", (json_int_t)j->id,
		      "name", j->name,
		      "owner", j->owner,
		      "dataset", j->dataset_id,
		      "state", scann_job_state_name(j->state),
		      "created_at", api_time(j->created_at),
		      "started_at", api_time(j->started_at),
		      "finished_at", api_time(j->finished_at),
		      "events", (json_int_t)j->last_seq,
		      "stage", embed(j->stage),
		      "latest", embed(j->latest),
		      "error", embed_error(api, j->error),
		      "href", loc);
	if (v == NULL)
		abort();
	json_object_set_new(v, "cancel_requested",
			    json_boolean(j->cancel_requested));
	json_object_set_new(v, "best_val_acc", j->has_best_val_acc ?
			    json_real(j->best_val_acc) : json_null());
	{
		/* The worker reports progress in its epoch events; an ended
		 * job that succeeded is done whatever its last epoch said. */
		json_t *latest = json_object_get(v, "latest");
		json_t *p = json_object_get(latest, "progress");

		json_object_set_new(v, "progress",
				    j->state == SCANN_JOB_SUCCEEDED ? json_real(1.0) :
				    json_is_number(p) ? json_real(json_number_value(p)) :
				    json_null());
	}
	if (full) {
		json_object_set_new(v, "spec", embed(j->spec));
		json_object_set_new(v, "result", embed(j->result));
		json_object_set_new(v, "attempts", json_integer(j->attempts));
	}
	return v;
}

json_t *api_view_dataset(const struct scann_store_dataset *d)
{
	json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I,"
			      " s:o}",
			      "id", d->id,
			      "name", d->name,
			      "sha256", d->sha256,
			      "owner", d->owner,
			      "format", d->format,
			      "bytes", (json_int_t)d->bytes,
			      "rows", (json_int_t)d->rows,
			      "features", (json_int_t)d->features,
			      "classes", (json_int_t)d->classes,
			      "created_at", api_time(d->created_at));
	if (v == NULL)
		abort();
	return v;
}

void api_set_next_cursor(json_t *body, int full, int64_t cursor)
{
	char next[24];

	if (!full) {
		json_object_set_new(body, "next_cursor", json_null());
		return;
	}
	snprintf(next, sizeof(next), "%lld", (long long)cursor);
	json_object_set_new(body, "next_cursor", json_string(next));
}
