/*
 * artifacts.c -- GET /api/v1/jobs/{id}/<route> for each route of the table
 * of a job's files (worker/job/artifacts.h: model, model.c, baseline,
 * report, report.md -- a study's table): files
 * the worker wrote into the job's directory (DATA_DIR/jobs/ID/).  File
 * names come from that table, never from the URL, so a URL cannot reach
 * outside the job's directory; the model's name may come from the result
 * event ("model"), and is used only if it is a plain file name.  model.c
 * serves a tar of NAME.h and NAME.c: ?format=c (float, the default) or
 * c-int8.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_int.h"
#include "reply.h"
#include "request.h"
#include "worker/job/artifacts.h"

static int plain_name(const char *s)
{
	return s != NULL && *s != '\0' && *s != '.' && strchr(s, '/') == NULL &&
	       strlen(s) < 128;
}

enum MHD_Result api_artifacts_get(struct scann_api *api, struct api_req *r)
{
	static const char *const allowed[] = { NULL };
	static const char *const c_allowed[] = { "format", NULL };
	struct scann_store_job *j = NULL;
	struct MHD_Response *resp;
	enum MHD_Result res;
	const char *what = r->seg[2], *file, *type;
	char path[4400], model[128], disp[200];
	struct stat sb;
	int a = scann_artifact_by_route(what), fd;

	if (a < 0)	/* the router lets only the table's routes through */
		abort();
	if (api_query_only(r, a == SCANN_ARTIFACT_MODEL_C ? c_allowed : allowed,
			   &res) != 0)
		return res;
	if (a == SCANN_ARTIFACT_MODEL_C) {
		/* One route, two files: the float and the int8 export. */
		const char *f = MHD_lookup_connection_value(r->conn,
							    MHD_GET_ARGUMENT_KIND,
							    "format");

		if (f != NULL && strcmp(f, "c-int8") == 0)
			a = SCANN_ARTIFACT_MODEL_C_INT8;
		else if (f != NULL && strcmp(f, "c") != 0)
			return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
					       "format", "format must be c or c-int8, "
					       "got \"%.32s\"", f);
	}
	if (api_job_for(api, r, api_parse_id(r->seg[1]), &j, &res) != 0)
		return res;
	file = scann_artifacts[a].file;
	type = scann_artifacts[a].content_type;
	if (a == SCANN_ARTIFACT_MODEL) {
		json_t *result = j->result ? json_loads(j->result, 0, NULL) :
			NULL;
		json_t *m = json_object_get(result, "model");

		if (json_is_object(m))	/* {"model": {"file": ...}} */
			m = json_object_get(m, "file");
		if (plain_name(json_string_value(m))) {
			snprintf(model, sizeof(model), "%s",
				 json_string_value(m));
			file = model;
		}
		json_decref(result);
	}
	snprintf(path, sizeof(path), "%s/jobs/%lld/%s", api->cfg.data_dir,
		 (long long)j->id, file);
	scann_store_job_free(j);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		if (fd >= 0)
			close(fd);
		return api_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found",
				       "artifact", "job has no %s (yet)", what);
	}
	resp = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
	if (resp == NULL) {
		close(fd);
		return api_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
				       "internal", NULL, "cannot send %s", what);
	}
	MHD_add_response_header(resp, "Content-Type", type);
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", file);
	MHD_add_response_header(resp, "Content-Disposition", disp);
	api_count_status(api, MHD_HTTP_OK);
	return api_queue(r, MHD_HTTP_OK, resp);
}
