/*
 * events.c -- GET /api/v1/jobs/{id}/events: a job's event log as SSE
 * (default) or NDJSON (?format=ndjson), history first, then live, closed
 * after the job's terminal state event.
 *
 * The store is the only source: a stream remembers the last seq it sent and
 * reads the rows after it, so a client that falls behind, joins late or
 * resumes with Last-Event-ID (or ?after=N) sees every event once, in order.
 * When it has sent everything stored, the stream suspends its connection;
 * scann_api_job_changed resumes it once the pool has stored more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "reply.h"
#include "request.h"

#define STREAM_BATCH 64

static void stream_append(struct api_stream *s, const char *p, size_t n)
{
	if (s->len + n > s->alloc) {
		size_t want = s->alloc ? s->alloc : 4096;

		while (want < s->len + n)
			want *= 2;
		s->buf = realloc(s->buf, want);
		if (s->buf == NULL)
			abort();
		s->alloc = want;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

static int is_terminal_state_event(const struct scann_store_event *e)
{
	json_t *v;
	int t = 0;

	if (strcmp(e->type, "state") != 0)
		return 0;
	v = json_loads(e->data, 0, NULL);
	if (v != NULL) {
		const char *st = json_string_value(json_object_get(v, "state"));
		int k = st ? scann_job_state_from_name(st) : -1;

		t = k >= 0 && scann_job_state_terminal(k);
		json_decref(v);
	}
	return t;
}

/* Refill s->buf from the store; leaves it empty when nothing is new. */
static void stream_fill(struct api_stream *s)
{
	struct scann_store_event *ev = NULL;
	char head[96];
	int n = 0, i;

	struct api_event_cache *c = &s->api->evcache;

	s->len = s->pos = 0;
	if (s->finished)
		return;
	if (c->job_id != s->job_id || c->after != s->last_seq) {
		if (scann_store_event_list(s->api->st, s->job_id, s->last_seq,
					   STREAM_BATCH, &ev, &n, NULL) != 0) {
			s->finished = 1;
			return;
		}
		/* A worker's message may name its files: not the server's path. */
		for (i = 0; i < n; i++)
			api_scrub(ev[i].data, s->api->data_prefix, "");
		api_event_cache_drop(s->api, c->job_id);
		c->job_id = s->job_id;
		c->after = s->last_seq;
		c->ev = ev;
		c->n = n;
	}
	ev = c->ev;
	n = c->n;
	for (i = 0; i < n; i++) {
		if (s->ndjson) {
			stream_append(s, ev[i].data, strlen(ev[i].data));
			stream_append(s, "\n", 1);
		} else {
			int k = snprintf(head, sizeof(head),
					 "id: %lld\nevent: %s\ndata: ",
					 (long long)ev[i].seq, ev[i].type);

			stream_append(s, head, (size_t)k);
			/* Stored JSON is compact: it holds no newline. */
			stream_append(s, ev[i].data, strlen(ev[i].data));
			stream_append(s, "\n\n", 2);
		}
		s->last_seq = ev[i].seq;
		if (is_terminal_state_event(&ev[i])) {
			s->finished = 1;
			break;
		}
	}
}

void api_event_cache_drop(struct scann_api *api, int64_t id)
{
	struct api_event_cache *c = &api->evcache;

	if (c->job_id != id)
		return;
	scann_store_event_list_free(c->ev, c->n);
	memset(c, 0, sizeof(*c));
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct api_stream *s = cls;
	size_t n;

	if (s->pos == s->len)
		stream_fill(s);
	if (s->pos == s->len && s->ping && !s->finished && !s->api->stopping) {
		s->len = s->pos = 0;
		stream_append(s, ": ping\n\n", 8);
	}
	s->ping = 0;
	if (s->pos == s->len) {
		if (s->finished || s->api->stopping)
			return MHD_CONTENT_READER_END_OF_STREAM;
		/* All caught up: park until the pool stores more. */
		s->suspended = 1;
		MHD_suspend_connection(s->conn);
		return 0;
	}
	n = s->len - s->pos;
	if (n > max)
		n = max;
	memcpy(buf, s->buf + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct api_stream *s = cls;
	struct scann_api *api = s->api;

	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		api->streams = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	api->n_streams--;
	free(s->buf);
	free(s);
}

void api_stream_wake(struct scann_api *api, int64_t id)
{
	struct api_stream *s;

	for (s = api->streams; s != NULL; s = s->next) {
		if (s->job_id == id && s->suspended) {
			s->suspended = 0;
			MHD_resume_connection(s->conn);
		}
	}
}

void api_stream_ping(struct scann_api *api)
{
	struct api_stream *s;

	for (s = api->streams; s != NULL; s = s->next) {
		if (s->suspended && !s->ndjson) {
			s->ping = 1;
			s->suspended = 0;
			MHD_resume_connection(s->conn);
		}
	}
}

void api_stream_shutdown(struct scann_api *api)
{
	struct api_stream *s;

	for (s = api->streams; s != NULL; s = s->next) {
		if (s->suspended) {
			s->suspended = 0;
			MHD_resume_connection(s->conn);
		}
	}
}

enum MHD_Result api_events_get(struct scann_api *api, struct api_req *r)
{
	static const char *const allowed[] = { "format", "after", NULL };
	struct scann_store_job *j = NULL;
	struct api_stream *s;
	struct MHD_Response *resp;
	enum MHD_Result res;
	const char *format, *last;
	int64_t after = 0;
	int ndjson = 0;

	if (api_query_only(r, allowed, &res) != 0 ||
	    api_query_int(r, "after", 0, INT64_C(1) << 53, &after, &res) != 0)
		return res;
	format = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
					     "format");
	if (format != NULL) {
		if (strcmp(format, "ndjson") == 0)
			ndjson = 1;
		else if (strcmp(format, "sse") != 0)
			return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid",
					       "format",
					       "format must be sse or ndjson");
	}
	last = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
					   "Last-Event-ID");
	if (last != NULL && *last != '\0') {
		int64_t v = strcmp(last, "0") == 0 ? 0 : api_parse_id(last);

		if (v < 0)
			return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid",
					       "Last-Event-ID",
					       "Last-Event-ID must be an event "
					       "seq");
		after = v;
	}
	if (api_job_for(api, r, api_parse_id(r->seg[1]), &j, &res) != 0)
		return res;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		abort();
	s->api = api;
	s->conn = r->conn;
	s->job_id = j->id;
	s->last_seq = after;
	s->ndjson = ndjson;
	scann_store_job_free(j);
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024,
						 stream_read, s, stream_free);
	if (resp == NULL)
		abort();
	s->next = api->streams;
	if (api->streams != NULL)
		api->streams->prev = s;
	api->streams = s;
	api->n_streams++;
	MHD_add_response_header(resp, "Content-Type", ndjson ?
				"application/x-ndjson" :
				"text/event-stream; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	api_count_status(api, MHD_HTTP_OK);
	return api_queue(r, MHD_HTTP_OK, resp);
}
