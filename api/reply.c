/*
 * reply.c -- the replies every handler ends with (see reply.h).  Nothing
 * here knows a route: the router and the handlers both call down into it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "reply.h"

void api_count_status(struct scann_api *api, unsigned status)
{
	api->http_status[status < API_STATUS_SLOTS ? status : 0]++;
}

enum MHD_Result api_queue(struct api_req *r, unsigned status,
			  struct MHD_Response *resp)
{
	enum MHD_Result ret;

	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (MHD_get_response_header(resp, "Cache-Control") == NULL)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	r->kind = API_REQ_DONE;
	return ret;
}

struct MHD_Response *api_json_response(json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(9));
	struct MHD_Response *resp;
	size_t n;

	if (text == NULL)
		abort();
	n = strlen(text);
	text[n] = '\0';
	/* MHD frees text with free() once sent (MUST_FREE). */
	resp = MHD_create_response_from_buffer(n, text, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL)
		abort();
	MHD_add_response_header(resp, "Content-Type",
				"application/json; charset=utf-8");
	return resp;
}

enum MHD_Result api_reply_json(struct api_req *r, unsigned status,
			       json_t *body)
{
	struct MHD_Response *resp = api_json_response(body);

	json_decref(body);
	api_count_status(r->api, status);
	return api_queue(r, status, resp);
}

enum MHD_Result api_reply_error(struct api_req *r, unsigned status,
				const char *code, const char *field,
				const char *fmt, ...)
{
	char msg[1024];
	json_t *body;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	body = json_pack("{s:{s:s, s:s, s:s?}}", "error", "code", code,
			 "message", msg, "field",
			 field && *field ? field : NULL);
	if (body == NULL) {
		/* msg was not UTF-8 (it quotes client bytes): say less. */
		body = json_pack("{s:{s:s, s:s, s:s?}}", "error", "code", code,
				 "message", "invalid request", "field",
				 field && *field ? field : NULL);
		if (body == NULL)
			abort();
	}
	return api_reply_json(r, status, body);
}

enum MHD_Result api_reply_scann_error(struct api_req *r,
				      const struct scann_error *err)
{
	switch (err->code) {
	case SCANN_EINVAL:
		return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid",
				       err->field, "%s", err->message);
	case SCANN_ENOENT:
		return api_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found",
				       err->field, "%s", err->message);
	case SCANN_EIO:
		scann_log_at(SCANN_LOG_ERROR, "storage error: %s",
			     err->message);
		return api_reply_error(r, MHD_HTTP_INSUFFICIENT_STORAGE,
				       "storage", NULL, "%s", err->message);
	default:
		scann_log_at(SCANN_LOG_ERROR, "internal error: %s",
			     err->message);
		return api_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
				       "internal", err->field, "%s",
				       err->message);
	}
}

void api_scrub(char *text, const char *what, const char *with)
{
	size_t n = strlen(what), k = strlen(with);
	char *p;

	if (text == NULL || n == 0 || k > n)
		return;
	while ((p = strstr(text, what)) != NULL) {
		memcpy(p, with, k);
		memmove(p + k, p + n, strlen(p + n) + 1);
		text = p + k;
	}
}
