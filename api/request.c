/*
 * request.c -- what a request names: query parameters, ids, and the job an
 * id names for its caller (see request.h).  Refusals are queued here, with
 * the parameter's name as the error's field.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"
#include "request.h"

int64_t api_parse_id(const char *s)
{
	int64_t v = 0;
	const char *p;

	if (s == NULL || *s == '\0' || *s == '0' || strlen(s) > 16)
		return -1;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v <= (INT64_C(1) << 53) ? v : -1;
}

int api_query_int(struct api_req *r, const char *name, int64_t lo,
		  int64_t hi, int64_t *v, enum MHD_Result *res)
{
	const char *s = MHD_lookup_connection_value(r->conn,
		MHD_GET_ARGUMENT_KIND, name);
	char *end;
	long long x;

	if (s == NULL)
		return 0;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || x < lo || x > hi ||
	    isspace((unsigned char)*s)) {
		*res = api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", name,
				       "%s must be an integer from %lld to %lld",
				       name, (long long)lo, (long long)hi);
		return -1;
	}
	*v = x;
	return 0;
}

struct only_ctx {
	const char *const *allowed;
	const char *bad;
};

static enum MHD_Result only_cb(void *cls, enum MHD_ValueKind kind,
			       const char *key, const char *value)
{
	struct only_ctx *o = cls;
	const char *const *a;

	for (a = o->allowed; *a; a++)
		if (strcmp(*a, key) == 0)
			return MHD_YES;
	o->bad = key;
	return MHD_NO;
}

int api_query_only(struct api_req *r, const char *const *allowed,
		   enum MHD_Result *res)
{
	struct only_ctx o = { allowed, NULL };

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, only_cb,
				  &o);
	if (o.bad != NULL) {
		*res = api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", o.bad,
				       "unknown query parameter");
		return -1;
	}
	return 0;
}

int api_job_for(struct scann_api *api, struct api_req *r, int64_t id,
		struct scann_store_job **out, enum MHD_Result *res)
{
	struct scann_error err;
	int rc;

	*out = NULL;
	rc = id > 0 ? scann_store_job_get(api->st, id, out, &err) :
		SCANN_ENOENT;
	if (rc == 0 && !r->admin && strcmp((*out)->owner, r->user) != 0) {
		/* Someone else's job does not exist, as far as you know. */
		scann_store_job_free(*out);
		*out = NULL;
		rc = SCANN_ENOENT;
	}
	if (rc == SCANN_ENOENT)
		*res = api_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "id",
				       "no such job");
	else if (rc != 0)
		*res = api_reply_scann_error(r, &err);
	return rc;
}
