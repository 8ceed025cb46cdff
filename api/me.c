/*
 * me.c -- GET /api/v1/me: who the caller's token says they are, so a
 * script or the dashboard can check a token (and whether it is an admin's)
 * without guessing from other answers.  Without tokens the caller is
 * "local", an admin, as everywhere else.
 */
#include "api_int.h"
#include "reply.h"
#include "request.h"

enum MHD_Result api_me_get(struct scann_api *api, struct api_req *r)
{
	static const char *const allowed[] = { NULL };
	enum MHD_Result res;

	if (api_query_only(r, allowed, &res) != 0)
		return res;
	return api_reply_json(r, MHD_HTTP_OK,
			      json_pack("{s:s, s:b, s:b}", "user", r->user,
					"admin", r->admin, "auth",
					api->cfg.auth));
}
