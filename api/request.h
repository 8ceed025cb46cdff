/*
 * request.h -- reading what a request names: its query parameters, an id in
 * its path, and the job that id names as far as the caller may see it.
 * Each function that can refuse has queued the 400/404 (*res) when it
 * returns nonzero, so a handler just returns *res.
 */
#ifndef SCANN_API_REQUEST_H
#define SCANN_API_REQUEST_H

#include <stdint.h>

#include "api_int.h"

/*
 * Parse query parameter name as an integer in [lo, hi] into *v (left alone
 * when absent).  Returns 0, or -1 after queuing a 400 naming name.
 */
int api_query_int(struct api_req *r, const char *name, int64_t lo,
		  int64_t hi, int64_t *v, enum MHD_Result *res);

/*
 * Refuse query parameters not in allowed (NULL-terminated): 0, or -1 after
 * queuing a 400 naming the first unknown one.
 */
int api_query_only(struct api_req *r, const char *const *allowed,
		   enum MHD_Result *res);

/* Parse a decimal id (1..2^53, no sign, no leading zero); -1 if not one. */
int64_t api_parse_id(const char *s);

/*
 * Load job id for r's user into *out (the caller frees it): 0, or
 * SCANN_ENOENT (a 404 queued) when it does not exist or belongs to someone
 * else and r's user is not an admin, or another code (its error queued).
 */
int api_job_for(struct scann_api *api, struct api_req *r, int64_t id,
		struct scann_store_job **out, enum MHD_Result *res);

#endif
