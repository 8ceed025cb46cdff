/*
 * delete.c -- DELETE /api/v1/jobs/{id} and /api/v1/datasets/{id}, and the
 * retention sweep (scann_api_retain), which deletes finished jobs the same
 * way.  A deleted job loses its row, its events and its directory; a
 * deleted dataset its row, and its file once no other user's record of the
 * same bytes names it.
 *
 * A live job (queued or running) is not deleted: 409 naming "state" --
 * cancel it first (POST .../cancel), then delete it once it is cancelled.
 * Deleting under a running worker would leave a process writing into a
 * directory nobody owns.  Likewise a dataset a live job trains on.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_int.h"
#include "log.h"
#include "reply.h"
#include "request.h"

static int remove_entry(const char *path, const struct stat *sb, int flag,
			struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* Remove a file, or a directory and everything in it (no symlink followed). */
static void remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Job id's rows and directory. */
static int delete_job(struct scann_api *api, int64_t id,
		      struct scann_error *err)
{
	char dir[4200];
	int rc = scann_store_job_delete(api->st, id, err);

	if (rc != 0)
		return rc;
	snprintf(dir, sizeof(dir), "%s/jobs/%lld", api->cfg.data_dir,
		 (long long)id);
	remove_tree(dir);
	scann_api_job_changed(api, id);
	return 0;
}

enum MHD_Result api_jobs_delete(struct scann_api *api, struct api_req *r)
{
	static const char *const allowed[] = { NULL };
	struct scann_store_job *j = NULL;
	struct scann_error err;
	enum MHD_Result res;

	if (api_query_only(r, allowed, &res) != 0)
		return res;
	if (api_job_for(api, r, api_parse_id(r->seg[1]), &j, &res) != 0)
		return res;
	if (!scann_job_state_terminal(j->state)) {
		res = api_reply_error(r, MHD_HTTP_CONFLICT, "conflict", "state",
				      "job is %s: cancel it first, then delete "
				      "it", scann_job_state_name(j->state));
		scann_store_job_free(j);
		return res;
	}
	if (delete_job(api, j->id, &err) != 0) {
		scann_store_job_free(j);
		return api_reply_scann_error(r, &err);
	}
	scann_log("job %lld deleted by %s", (long long)j->id, r->user);
	scann_store_job_free(j);
	return api_reply_json(r, MHD_HTTP_OK, json_pack("{s:b}", "deleted", 1));
}

enum MHD_Result api_datasets_delete(struct scann_api *api, struct api_req *r)
{
	static const char *const allowed[] = { NULL };
	struct scann_store_dataset *d = NULL;
	struct scann_error err;
	enum MHD_Result res;
	int64_t live = 0;
	int unused = 0, rc;

	if (api_query_only(r, allowed, &res) != 0)
		return res;
	if (api_dataset_for(api, r, &d, &res) != 0)
		return res;
	rc = scann_store_dataset_live_jobs(api->st, d->id, &live, &err);
	if (rc == 0 && live > 0) {
		res = api_reply_error(r, MHD_HTTP_CONFLICT, "conflict", "state",
				      "%lld queued or running job%s train%s on "
				      "this dataset: cancel them first",
				      (long long)live, live == 1 ? "" : "s",
				      live == 1 ? "s" : "");
		scann_store_dataset_free(d);
		return res;
	}
	if (rc == 0)
		rc = scann_store_dataset_delete(api->st, d->id, d->path, &unused,
						&err);
	if (rc != 0) {
		scann_store_dataset_free(d);
		return api_reply_scann_error(r, &err);
	}
	if (unused)
		remove_tree(d->path);
	scann_log("dataset %s deleted by %s", d->id, r->user);
	scann_store_dataset_free(d);
	return api_reply_json(r, MHD_HTTP_OK, json_pack("{s:b}", "deleted", 1));
}

int scann_api_retain(struct scann_api *api, int64_t now_ms)
{
	struct scann_error err;
	int64_t id, used;
	int n = 0;

	if (api->cfg.retain_days > 0) {
		int64_t before = now_ms - (int64_t)api->cfg.retain_days *
			86400 * 1000;

		while (scann_store_job_oldest_done(api->st, before, &id,
						   &err) == 0 && id > 0 &&
		       delete_job(api, id, &err) == 0)
			n++;
	}
	/* Oldest first, until the database is back under the size. */
	while (api->cfg.retain_bytes > 0 &&
	       scann_store_used_bytes(api->st, &used, &err) == 0 &&
	       used > (int64_t)api->cfg.retain_bytes &&
	       scann_store_job_oldest_done(api->st, INT64_MAX, &id, &err) == 0 &&
	       id > 0 && delete_job(api, id, &err) == 0)
		n++;
	if (n > 0)
		scann_log("retention: %d finished job%s deleted", n,
			  n == 1 ? "" : "s");
	return n;
}
