/*
 * http.c -- the access handler: routing, authentication and request bodies
 * (capped).  The replies it and every handler end with are reply.c's; what
 * a request names (query, ids, its job) is read in request.c.
 *
 * A request goes through three MHD callbacks: the first (headers only) routes
 * it and refuses what the headers alone condemn (unknown path, wrong method,
 * bad token, a Content-Length far over the cap), the middle ones collect
 * the body up to the route's cap, and the last runs the handler.  A body over
 * the cap is read and dropped, then answered 413, so the connection stays in
 * a known state and the client reads the answer.  Every reply goes through api_queue, which adds the common
 * headers and counts the status for /metrics.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_int.h"
#include "reply.h"
#include "store/sha256.h"
#include "worker/job/artifacts.h"

/*
 * A pattern segment matching the route of any file the table of a job's
 * files serves (worker/job/artifacts.h), so a new one needs no row here.
 */
#define ARTIFACT_SEG "<artifact>"

/* Bytes over its cap a body may have and still be read before its 413. */
#define DRAIN_MAX (64ULL << 20)

struct route {
	const char *pattern[4];	/* segments; "*" matches one id */
	int nseg;
	const char *method;
	api_handler handler;
	int json_body;		/* capped at max_body (else max_dataset) */
	int public;		/* no token needed */
};

static const struct route routes[] = {
	{ { "me" }, 1, "GET", api_me_get, 1, 0 },
	{ { "schema" }, 1, "GET", api_schema_get, 1, 0 },
	{ { "datasets" }, 1, "POST", api_datasets_create, 0, 0 },
	{ { "datasets" }, 1, "GET", api_datasets_list, 1, 0 },
	{ { "datasets", "*" }, 2, "GET", api_datasets_get, 1, 0 },
	{ { "datasets", "*" }, 2, "DELETE", api_datasets_delete, 1, 0 },
	{ { "jobs" }, 1, "POST", api_jobs_create, 1, 0 },
	{ { "jobs" }, 1, "GET", api_jobs_list, 1, 0 },
	{ { "jobs", "*" }, 2, "GET", api_jobs_get, 1, 0 },
	{ { "jobs", "*" }, 2, "DELETE", api_jobs_delete, 1, 0 },
	{ { "jobs", "*", "events" }, 3, "GET", api_events_get, 1, 0 },
	{ { "jobs", "*", "cancel" }, 3, "POST", api_jobs_cancel, 1, 0 },
	{ { "jobs", "*", "predict" }, 3, "POST", api_jobs_predict, 1, 0 },
	{ { "jobs", "cancel" }, 2, "POST", api_jobs_cancel_bulk, 1, 0 },
	{ { "jobs", "*", ARTIFACT_SEG }, 3, "GET", api_artifacts_get, 1, 0 },
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

static int split_path(struct api_req *r, const char *rest)
{
	char *p;

	r->path = strdup(rest);
	if (r->path == NULL)
		abort();
	r->nseg = 0;
	if (*r->path == '\0')
		return 0;
	for (p = r->path;;) {
		char *slash = strchr(p, '/');

		if (r->nseg == 6)
			return -1;
		r->seg[r->nseg++] = p;
		if (slash == NULL)
			break;
		*slash = '\0';
		p = slash + 1;
	}
	return 0;
}

static int seg_matches(const char *pat, const char *seg)
{
	if (strcmp(pat, "*") == 0)
		return *seg != '\0';
	if (strcmp(pat, ARTIFACT_SEG) == 0)
		return scann_artifact_by_route(seg) >= 0;
	return strcmp(pat, seg) == 0;
}

/*
 * Route r by r->seg: sets r->handler, or queues 404/405 (*res) and returns
 * -1.  HEAD is served as GET (MHD drops the body).
 */
static int route(struct scann_api *api, struct api_req *r,
		 const struct route **found, enum MHD_Result *res)
{
	char allow[64] = "";
	size_t i;
	int k, path_ok = 0;
	const char *m = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;

	for (i = 0; i < N_ROUTES; i++) {
		const struct route *rt = &routes[i];

		if (rt->nseg != r->nseg)
			continue;
		for (k = 0; k < rt->nseg; k++)
			if (!seg_matches(rt->pattern[k], r->seg[k]))
				break;
		if (k < rt->nseg)
			continue;
		path_ok = 1;
		if (strcmp(rt->method, m) == 0) {
			*found = rt;
			return 0;
		}
		if (strlen(allow) + strlen(rt->method) + 3 < sizeof(allow)) {
			if (*allow)
				strcat(allow, ", ");
			strcat(allow, rt->method);
		}
	}
	if (!path_ok) {
		*res = api_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found",
				       "path", "no such resource");
		return -1;
	}
	{
		char msg[128];
		json_t *body;
		struct MHD_Response *resp;

		snprintf(msg, sizeof(msg), "method not allowed; allowed: %s",
			 allow);
		body = json_pack("{s:{s:s,s:s,s:s}}", "error", "code",
				 "method_not_allowed", "message", msg, "field",
				 "method");
		resp = api_json_response(body);
		json_decref(body);
		MHD_add_response_header(resp, "Allow", allow);
		api_count_status(api, MHD_HTTP_METHOD_NOT_ALLOWED);
		*res = api_queue(r, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
	}
	return -1;
}

/* Who is calling?  0, or -1 after queuing 401. */
static int authenticate(struct scann_api *api, struct api_req *r,
			enum MHD_Result *res)
{
	const char *h;
	struct scann_store_user *u = NULL;
	struct scann_error err;
	char hex[65];
	int rc;

	if (!api->cfg.auth) {
		r->user = strdup("local");
		r->admin = 1;
		if (r->user == NULL)
			abort();
		return 0;
	}
	h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
					MHD_HTTP_HEADER_AUTHORIZATION);
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0 || h[7] == '\0' ||
	    strlen(h) > 512) {
		rc = SCANN_ENOENT;
	} else {
		scann_sha256_hex_of(h + 7, strlen(h + 7), hex);
		rc = scann_store_token_lookup(api->st, hex, &u, &err);
	}
	if (rc != 0) {
		struct MHD_Response *resp;
		json_t *body = json_pack("{s:{s:s,s:s,s:s}}", "error", "code",
			"unauthorized", "message", h == NULL ?
			"an API token is required (Authorization: Bearer ...)" :
			"the API token is not valid", "field", "Authorization");

		resp = api_json_response(body);
		json_decref(body);
		MHD_add_response_header(resp, "WWW-Authenticate",
					"Bearer realm=\"scann\"");
		api_count_status(api, MHD_HTTP_UNAUTHORIZED);
		*res = api_queue(r, MHD_HTTP_UNAUTHORIZED, resp);
		return -1;
	}
	r->user = u->name;
	r->admin = u->admin;
	u->name = NULL;
	scann_store_user_free(u);
	return 0;
}

/*
 * A browser sends a state-changing request from another site with that
 * site's Origin: refuse it, so a page elsewhere cannot submit or cancel
 * jobs through a user's browser, with tokens or without (issue 16).
 * Clients that are not browsers (curl, pipelines) send no Origin.
 */
static int same_origin(struct api_req *r)
{
	const char *origin = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
							 "Origin");
	const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_HOST);

	if (origin == NULL)
		return 1;
	if (host == NULL)
		return 0;
	if (strncmp(origin, "http://", 7) == 0)
		origin += 7;
	else if (strncmp(origin, "https://", 8) == 0)	/* behind a TLS proxy */
		origin += 8;
	else
		return 0;
	return strcmp(origin, host) == 0;
}

/* First callback: route and vet the headers. */
static enum MHD_Result begin(struct scann_api *api, struct api_req *r,
			     const char *url)
{
	const struct route *rt = NULL;
	enum MHD_Result res = MHD_YES;
	const char *cl;

	if (strcmp(url, "/healthz") == 0 || strcmp(url, "/metrics") == 0) {
		if (strcmp(r->method, "GET") != 0 &&
		    strcmp(r->method, "HEAD") != 0)
			return api_reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED,
					       "method_not_allowed", "method",
					       "only GET is allowed here");
		r->handler = url[1] == 'h' ? api_health_get : api_metrics_get;
		r->cap = 0;
		return MHD_YES;
	}
	if (strncmp(url, API_PREFIX, strlen(API_PREFIX)) != 0 ||
	    (url[strlen(API_PREFIX)] != '/' && url[strlen(API_PREFIX)] != 0)) {
		if (strcmp(r->method, "GET") != 0 &&
		    strcmp(r->method, "HEAD") != 0)
			return api_reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED,
					       "method_not_allowed", "method",
					       "only GET is allowed here");
		r->path = strdup(url);
		if (r->path == NULL)
			abort();
		r->handler = api_static_get;
		r->cap = 0;
		return MHD_YES;
	}
	url += strlen(API_PREFIX);
	if (*url == '/')
		url++;
	if (split_path(r, url) != 0)
		return api_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found",
				       "path", "no such resource");
	if (route(api, r, &rt, &res) != 0)
		return res;
	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0 &&
	    !same_origin(r))
		return api_reply_error(r, MHD_HTTP_FORBIDDEN, "forbidden", "Origin",
				       "a %s from another origin is refused: "
				       "Origin is not this server", r->method);
	if (!rt->public && authenticate(api, r, &res) != 0)
		return res;
	r->handler = rt->handler;
	r->cap = rt->json_body ? api->cfg.max_body : api->cfg.max_dataset;
	r->spooled = !rt->json_body;	/* dataset uploads go to disk */
	cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
					 MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL && strtoull(cl, NULL, 10) > r->cap) {
		unsigned long long len = strtoull(cl, NULL, 10);

		/*
		 * A reply sent while the client is still sending is often lost:
		 * closing a socket with unread bytes resets it, and the client
		 * sees no answer at all.  So a body up to DRAIN_MAX over the cap
		 * is read and dropped first (take_body), and only a client that
		 * waits for "100 Continue" or one far over is answered at once.
		 */
		if (len - r->cap > DRAIN_MAX ||
		    MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						MHD_HTTP_HEADER_EXPECT) != NULL)
			return api_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE,
					       "too_large", "body",
					       "request body over %zu bytes",
					       r->cap);
		r->too_big = 1;
	}
	return MHD_YES;
}

/*
 * Append to r's spool file, made at the first byte under the data dir's
 * datasets/ (the handler renames it into place there).  The bytes of all
 * spooled bodies in flight count against SPOOL_FLIGHT dataset caps: a
 * client that stalls uploads fills neither memory nor, past that, the disk.
 */
#define SPOOL_FLIGHT 4

static void spool_body(struct scann_api *api, struct api_req *r,
		       const char *data, size_t n)
{
	static unsigned long spools;	/* unique names */
	char path[4200];

	if (r->spool_errno != 0 || r->spool_busy)
		return;
	if (api->spool_bytes + n > SPOOL_FLIGHT * (uint64_t)api->cfg.max_dataset) {
		r->spool_busy = 1;
		return;
	}
	if (r->spool == NULL && r->spool_path == NULL) {
		snprintf(path, sizeof(path), "%s/datasets", api->cfg.data_dir);
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			r->spool_errno = errno;
			return;
		}
		snprintf(path, sizeof(path), "%s/datasets/.upload-body-%ld-%lu",
			 api->cfg.data_dir, (long)getpid(), ++spools);
		r->spool_path = strdup(path);
		if (r->spool_path == NULL)
			abort();
		r->spool = fopen(path, "wb");
		if (r->spool == NULL) {
			r->spool_errno = errno;
			return;
		}
		scann_sha256_init(&r->spool_sha);
	}
	if (fwrite(data, 1, n, r->spool) != n) {
		r->spool_errno = errno ? errno : EIO;
		return;
	}
	scann_sha256_update(&r->spool_sha, data, n);
	api->spool_bytes += n;
	r->spooled_bytes += n;
	r->len += n;
}

/* The body is in: close the spool.  0, or -1 with errno kept in r. */
static int spool_close(struct api_req *r)
{
	if (r->spool != NULL) {
		if (fclose(r->spool) != 0 && r->spool_errno == 0)
			r->spool_errno = errno ? errno : EIO;
		r->spool = NULL;
		scann_sha256_hex(&r->spool_sha, r->sha256_hex);
	}
	return r->spool_errno != 0 ? -1 : 0;
}

static void take_body(struct scann_api *api, struct api_req *r,
		      const char *data, size_t n)
{
	if (r->too_big)
		return;
	if (r->len + n > r->cap) {
		r->too_big = 1;
		free(r->body);
		r->body = NULL;
		r->len = r->alloc = 0;
		return;
	}
	if (r->spooled) {
		spool_body(api, r, data, n);
		return;
	}
	if (r->len + n + 1 > r->alloc) {
		size_t want = r->alloc ? r->alloc : 4096;

		while (want < r->len + n + 1)
			want *= 2;
		r->body = realloc(r->body, want);
		if (r->body == NULL)
			abort();
		r->alloc = want;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
}

enum MHD_Result scann_api_handle(void *cls, struct MHD_Connection *c,
				 const char *url, const char *method,
				 const char *version, const char *upload_data,
				 size_t *upload_data_size, void **con_cls)
{
	struct scann_api *api = cls;
	struct api_req *r = *con_cls;

	if (r == NULL) {
		r = calloc(1, sizeof(*r));
		if (r == NULL)
			abort();
		r->api = api;
		r->conn = c;
		r->method = method;
		*con_cls = r;
		api->requests++;
		return begin(api, r, url);
	}
	if (r->kind == API_REQ_DONE) {
		/* Answered from the headers; drop whatever body follows. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		take_body(api, r, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->too_big)
		return api_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE,
				       "too_large", "body",
				       "request body over %zu bytes", r->cap);
	if (r->spooled && r->upload == NULL) {
		if (r->spool_busy)
			return api_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
					       "busy", "body", "uploads in flight "
					       "over %llu bytes; try again later",
					       (unsigned long long)SPOOL_FLIGHT *
					       api->cfg.max_dataset);
		if (spool_close(r) != 0)
			return api_reply_error(r, MHD_HTTP_INSUFFICIENT_STORAGE,
					       "storage", "body", "cannot store "
					       "the upload: %s",
					       strerror(r->spool_errno));
	}
	return r->handler(api, r);
}

void scann_api_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct scann_api *api = cls;
	struct api_req *r = *con_cls;

	if (r == NULL)
		return;
	if (r->kind == API_REQ_WAIT)
		api_wait_remove(api, r);
	api_upload_free(r);
	api_predict_free(r);
	if (r->spooled) {
		if (r->spool != NULL)
			fclose(r->spool);
		if (r->spool_path != NULL)
			unlink(r->spool_path);	/* ENOENT once renamed */
		free(r->spool_path);
		api->spool_bytes -= r->spooled_bytes;
	}
	free(r->path);
	free(r->body);
	free(r->user);
	free(r);
	*con_cls = NULL;
}
