/*
 * reply.h -- how every api handler ends: a JSON body, an error object that
 * names the field, or a response the handler built, queued with the common
 * headers and counted for /metrics.  Each reply function queues exactly one
 * response and returns MHD's result, which the handler returns in turn.
 *
 * Replies call nothing else in api/; the router and every handler call
 * them, so they sit below both (no handler calls back into the router).
 */
#ifndef SCANN_API_REPLY_H
#define SCANN_API_REPLY_H

#include <jansson.h>

#include "api_int.h"

/* Count a response of status for /metrics (out-of-range: slot 0). */
void api_count_status(struct scann_api *api, unsigned status);

/*
 * Queue resp (takes it: destroyed here) with the common headers
 * (nosniff; Cache-Control: no-store unless resp set one).  The caller
 * counts the status; r is answered (API_REQ_DONE) afterwards.
 */
enum MHD_Result api_queue(struct api_req *r, unsigned status,
			  struct MHD_Response *resp);

/*
 * body as a compact JSON response with its Content-Type, not yet queued,
 * for a caller that adds headers (Allow, WWW-Authenticate).  body is
 * borrowed; the response owns its text.
 */
struct MHD_Response *api_json_response(json_t *body);

/* Reply status with body (steals body); counted and queued. */
enum MHD_Result api_reply_json(struct api_req *r, unsigned status,
			       json_t *body);

/*
 * Reply status with {"error": {"code", "message", "field"}}; field NULL or
 * "" leaves "field" out.  The message may quote client bytes: if it is not
 * UTF-8 it becomes "invalid request".
 */
enum MHD_Result api_reply_error(struct api_req *r, unsigned status,
				const char *code, const char *field,
				const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * Map a store/job error code to a status (EINVAL 400, ENOENT 404, EIO 507,
 * else 500, the last two logged) and reply with err's message and field.
 */
enum MHD_Result api_reply_scann_error(struct api_req *r,
				      const struct scann_error *err);

/*
 * Replace every what in text by with (no longer than what), in place: a
 * server path out of a message a client reads -- a temporary file's name by
 * what the client sent, the data dir's prefix by nothing (a job's files
 * then read as jobs/ID/..., datasets as datasets/...).
 */
void api_scrub(char *text, const char *what, const char *with);

#endif
