/*
 * datasets.c -- /api/v1/datasets: upload a CSV in the request body, list,
 * describe.
 *
 * An upload is hashed (SHA-256) and its bytes stored once per content; the
 * record (id, name, owner) is the uploader's own.  The same bytes uploaded
 * again by the same user answer 200 with their record; by another user,
 * 201 with a new record of theirs sharing the file -- the answer never
 * shows, by id, name, owner or status, that someone else had the bytes.
 * New content is written to a temporary file, loaded with the engine's own
 * CSV loader (so a dataset accepted here is one a worker can read, and a
 * bad one is refused with the loader's line and column), then renamed into
 * place and recorded.
 *
 * Datasets are private: a user lists, reads and trains on their own (see
 * api_dataset_resolve); an admin on anyone's.
 *
 * IDX data (the MNIST format) comes as multipart/form-data with four parts,
 * train-images, train-labels, t10k-images and t10k-labels (each raw or
 * gzip), stored as a directory the worker reads as one dataset whose t10k
 * rows are the test set.
 *
 * The slow part of either (hashing, writing, loading) runs off the event
 * loop through hooks.offload while the connection is suspended; see
 * struct api_upload.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "api_int.h"
#include "log.h"
#include "reply.h"
#include "request.h"
#include "worker/job/dataset.h"
#include "store/sha256.h"

static int name_ok(const char *s)
{
	size_t n = strlen(s);
	const char *p;

	if (n == 0 || n > 64)
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		      *p == '.'))
			return 0;
	return s[0] != '.';
}

static enum MHD_Result reply_dataset(struct api_req *r, unsigned status,
				     const struct scann_store_dataset *d)
{
	struct MHD_Response *resp;
	char loc[128], *body;
	json_t *v = api_view_dataset(d);

	body = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(9));
	json_decref(v);
	if (body == NULL)
		abort();
	resp = MHD_create_response_from_buffer(strlen(body), body,
					       MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type",
				"application/json; charset=utf-8");
	snprintf(loc, sizeof(loc), API_PREFIX "/datasets/%s", d->id);
	MHD_add_response_header(resp, "Location", loc);
	api_count_status(r->api, status);
	return api_queue(r, status, resp);
}

/*
 * The spooled body (http.c) becomes path, on disk before the record names
 * it; 0 or -errno (path then does not exist).
 */
static int take_spool(const char *spool, const char *path)
{
	int fd, e;

	if (spool == NULL)
		return -EIO;
	if (rename(spool, path) != 0)
		return -errno;
	fd = open(path, O_RDONLY);
	if (fd < 0 || fsync(fd) != 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		unlink(path);
		return -e;
	}
	close(fd);
	return 0;
}

/* ---- IDX uploads --------------------------------------------------------- */

static const char *const idx_parts[4][2] = {
	{ "train-images", "train-images-idx3-ubyte" },
	{ "train-labels", "train-labels-idx1-ubyte" },
	{ "t10k-images", "t10k-images-idx3-ubyte" },
	{ "t10k-labels", "t10k-labels-idx1-ubyte" },
};

struct idx_upload {
	const char *dir;
	FILE *f[4];
	char bad[64];		/* an unexpected part's name */
	int io_error;
};

static enum MHD_Result idx_part(void *cls, enum MHD_ValueKind kind,
				const char *key, const char *filename,
				const char *content_type,
				const char *transfer_encoding,
				const char *data, uint64_t off, size_t size)
{
	struct idx_upload *u = cls;
	char path[4300];
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(key, idx_parts[i][0]) == 0)
			break;
	if (i == 4) {
		snprintf(u->bad, sizeof(u->bad), "%s", key);
		return MHD_NO;
	}
	if (u->f[i] == NULL) {
		/* gzip's magic decides the name the loader looks for. */
		int gz = size >= 2 && (unsigned char)data[0] == 0x1f &&
			 (unsigned char)data[1] == 0x8b;

		snprintf(path, sizeof(path), "%s/%s%s", u->dir, idx_parts[i][1],
			 gz ? ".gz" : "");
		u->f[i] = fopen(path, "wb");
		if (u->f[i] == NULL) {
			u->io_error = errno;
			return MHD_NO;
		}
	}
	if (size > 0 && fwrite(data, 1, size, u->f[i]) != size) {
		u->io_error = errno ? errno : EIO;
		return MHD_NO;
	}
	return MHD_YES;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4400];

	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

void api_datasets_sweep(const char *data_dir)
{
	char dir[4096], path[4400];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/datasets", data_dir);
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, ".upload-", 8) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) != 0)
			remove_dir(path);	/* an IDX upload's directory */
		scann_log("removed %s, left by an upload cut short", path);
	}
	closedir(d);
}

/* The spooled multipart body through pp, 64 KiB at a time: 1 when whole. */
static int feed_spool(struct MHD_PostProcessor *pp, const char *spool)
{
	char buf[64 * 1024];
	FILE *f = spool ? fopen(spool, "rb") : NULL;
	size_t n;
	int ok = f != NULL;

	while (ok && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		ok = MHD_post_process(pp, buf, n) == MHD_YES;
	if (f != NULL) {
		ok = ok && !ferror(f);
		fclose(f);
	}
	return ok;
}

/*
 * Unpack r's multipart body into tmp (a new directory): its four files.
 * 0, or -1 with tmp removed and the reply queued in *res.  The loader runs
 * later, off the loop (upload_work).
 */
static int idx_unpack(struct api_req *r, const char *tmp, enum MHD_Result *res)
{
	struct idx_upload u = { .dir = tmp };
	struct MHD_PostProcessor *pp;
	int i, ok, closed = 1;

	if (mkdir(tmp, 0755) != 0) {
		*res = api_reply_error(r, MHD_HTTP_INSUFFICIENT_STORAGE,
				       "storage", NULL, "cannot store the "
				       "dataset: %s", strerror(errno));
		return -1;
	}
	pp = MHD_create_post_processor(r->conn, 64 * 1024, idx_part, &u);
	if (pp == NULL) {
		remove_dir(tmp);
		*res = api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid",
				       "Content-Type", "multipart/form-data "
				       "needs a boundary");
		return -1;
	}
	ok = feed_spool(pp, r->spool_path);
	MHD_destroy_post_processor(pp);
	for (i = 0; i < 4; i++)
		if (u.f[i] != NULL && fclose(u.f[i]) != 0)
			closed = 0;
	if (u.bad[0] != '\0') {
		remove_dir(tmp);
		*res = api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", u.bad,
				       "unexpected part; IDX uploads have "
				       "train-images, train-labels, "
				       "t10k-images and t10k-labels");
		return -1;
	}
	if (u.io_error != 0 || !closed) {
		remove_dir(tmp);
		*res = api_reply_error(r, MHD_HTTP_INSUFFICIENT_STORAGE,
				       "storage", NULL, "cannot store the "
				       "dataset: %s", strerror(u.io_error ?
							       u.io_error :
							       EIO));
		return -1;
	}
	for (i = 0; i < 4; i++) {
		if (u.f[i] == NULL) {
			remove_dir(tmp);
			*res = api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid",
					       idx_parts[i][0], "%s", ok ?
					       "missing part" :
					       "the multipart body is broken");
			return -1;
		}
	}
	return 0;
}

/*
 * An upload's long part -- for CSV the body (spooled to disk as it came,
 * hashed on the way: http.c) moved into place and fsync'd, the engine's loader (CSV parsing, IDX gunzip and checks):
 * about a second per 100 MB -- runs through hooks.offload on another
 * thread while the connection is suspended; the loop then finishes it
 * (store lookups and inserts stay on the loop, and so does an IDX body's
 * multipart unpacking, which needs the connection's headers).  Temporary names are unique per upload, so two uploads of the
 * same bytes in flight at once do not share a file; the second to finish
 * finds the first's record and answers 200 with it.
 */
struct api_upload {
	struct api_req *r;
	int idx;			/* IDX: tmp is an unpacked directory */
	char *label;			/* CSV: the label column, or NULL */
	char tmp[4200];
	int done;
	/* results of upload_work */
	char hex[65];
	int io_errno;			/* writing tmp failed */
	int rc;				/* the loader's */
	struct scann_error err;
	struct scann_dataset *ds;
};

static void upload_work(void *arg)
{
	struct api_upload *u = arg;
	int rc;

	memcpy(u->hex, u->r->sha256_hex, sizeof(u->hex));
	scann_error_clear(&u->err);
	if (u->idx) {
		u->rc = scann_dataset_load_idx_dir(u->tmp, &u->ds, &u->err);
		return;
	}
	rc = take_spool(u->r->spool_path, u->tmp);
	if (rc != 0) {
		u->io_errno = -rc;
		return;
	}
	u->rc = scann_dataset_load_csv(u->tmp, u->label, &u->ds, &u->err);
	if (u->rc != 0)
		unlink(u->tmp);
}

static void upload_done(void *arg)
{
	struct api_upload *u = arg;

	u->done = 1;
	MHD_resume_connection(u->r->conn);
}

/* Remove an upload's temporary file or directory. */
static void upload_discard(const struct api_upload *u)
{
	if (u->idx)
		remove_dir(u->tmp);
	else
		unlink(u->tmp);
}

void api_upload_free(struct api_req *r)
{
	struct api_upload *u = r->upload;

	if (u == NULL)
		return;
	/*
	 * A client gone before its answer leaves the temporary file behind;
	 * after upload_finish it was renamed or removed, and this is a no-op.
	 */
	if (u->done)
		upload_discard(u);
	scann_dataset_free(u->ds);
	free(u->label);
	free(u);
	r->upload = NULL;
}

int api_dataset_resolve(struct scann_api *api, const struct api_req *r,
			const char *ref, struct scann_store_dataset **out,
			struct scann_error *err)
{
	const char *colon = strrchr(ref, ':');
	char owner[256];
	int rc;

	rc = scann_store_dataset_get(api->st, ref, r->admin ? NULL : r->user,
				     out, err);
	if (rc != SCANN_ENOENT)
		return rc;
	if (colon == NULL || !r->admin)
		return scann_store_dataset_by_name(api->st, r->user, ref, out,
						   err);
	if ((size_t)(colon - ref) >= sizeof(owner))
		return scann_error_set(err, SCANN_ENOENT, "dataset",
				       "no dataset %s", ref);
	memcpy(owner, ref, (size_t)(colon - ref));
	owner[colon - ref] = '\0';
	return scann_store_dataset_by_name(api->st, owner, colon + 1, out,
					   err);
}

/*
 * The uploader's record of the content hex at path (a new file, or the one
 * another user's record names); the reply: 201, or 200 with the record the
 * uploader already had when two uploads of the same bytes raced.
 */
static enum MHD_Result record_dataset(struct scann_api *api,
				      struct api_req *r, const char *hex,
				      const char *format, const char *path,
				      struct scann_dataset *ds)
{
	struct scann_store_dataset d = { 0 }, *old = NULL;
	struct scann_sha256 h;
	struct scann_error err;
	enum MHD_Result res;
	const char *name = MHD_lookup_connection_value(r->conn,
						       MHD_GET_ARGUMENT_KIND,
						       "name");
	char id[65];
	int created;

	/*
	 * The id is the owner's, not the content's: another user who uploads
	 * the same bytes cannot compute it, and learns nothing from their own.
	 */
	scann_sha256_init(&h);
	scann_sha256_update(&h, r->user, strlen(r->user) + 1);
	scann_sha256_update(&h, hex, 64);
	scann_sha256_hex(&h, id);
	id[16] = '\0';
	d.id = id;
	d.sha256 = (char *)hex;
	d.name = (char *)(name ? name : "");
	d.owner = r->user;
	d.format = (char *)format;
	d.path = (char *)path;
	d.bytes = (int64_t)r->len;
	d.rows = ds->rows;
	d.features = ds->features;
	d.classes = ds->classes;
	d.created_at = scann_store_now_ms();
	if (scann_store_dataset_insert(api->st, &d, &created, &err) != 0)
		return api_reply_scann_error(r, &err);
	if (!created) {
		if (scann_store_dataset_by_hash(api->st, hex, r->user, &old,
						&err) != 0)
			return api_reply_scann_error(r, &err);
		res = reply_dataset(r, MHD_HTTP_OK, old);
		scann_store_dataset_free(old);
		return res;
	}
	scann_log("dataset %s stored (%lld rows, %lld features, %lld classes)",
		  id, (long long)d.rows, (long long)d.features,
		  (long long)d.classes);
	return reply_dataset(r, MHD_HTTP_CREATED, &d);
}

static enum MHD_Result storage_error(struct api_req *r, const char *dir,
				     int e)
{
	scann_log("dataset upload: %s: %s", dir, strerror(e));
	return api_reply_error(r, MHD_HTTP_INSUFFICIENT_STORAGE, "storage",
			       NULL, "cannot store the dataset: %s",
			       strerror(e));
}

/* The loop's part of an upload, once upload_work is done. */
static enum MHD_Result upload_finish(struct scann_api *api, struct api_req *r,
				     struct api_upload *u)
{
	struct scann_store_dataset *old = NULL;
	char dir[4096], path[4200];
	enum MHD_Result res;

	snprintf(dir, sizeof(dir), "%s/datasets", api->cfg.data_dir);
	if (u->io_errno != 0)
		return storage_error(r, dir, u->io_errno);
	if (u->rc != 0) {
		if (u->idx)
			remove_dir(u->tmp);
		/* The loader names the temporary file; the client sent a body. */
		api_scrub(u->err.message, u->tmp, "body");
		return api_reply_error(r, u->rc == SCANN_ENOMEM ?
				       MHD_HTTP_INTERNAL_SERVER_ERROR :
				       MHD_HTTP_BAD_REQUEST, "invalid",
				       *u->err.field ? u->err.field : "body",
				       "not a usable %s dataset: %s",
				       u->idx ? "IDX" : "CSV", u->err.message);
	}
	if (scann_store_dataset_by_hash(api->st, u->hex, r->user, &old,
					NULL) == 0) {
		upload_discard(u);
		res = reply_dataset(r, MHD_HTTP_OK, old);
		scann_store_dataset_free(old);
		return res;
	}
	/* Someone's record holds these bytes: share the file. */
	if (scann_store_dataset_by_hash(api->st, u->hex, NULL, &old,
					NULL) == 0) {
		upload_discard(u);
		res = record_dataset(api, r, u->hex, old->format, old->path,
				     u->ds);
		scann_store_dataset_free(old);
		return res;
	}
	snprintf(path, sizeof(path), "%s/%s%s", dir, u->hex,
		 u->idx ? "" : ".csv");
	if (rename(u->tmp, path) != 0) {
		int e = errno;

		upload_discard(u);
		return storage_error(r, dir, e);
	}
	return record_dataset(api, r, u->hex, u->idx ? "idx" : "csv", path,
			      u->ds);
}

enum MHD_Result api_datasets_create(struct scann_api *api, struct api_req *r)
{
	static const char *const allowed[] = { "name", "label", NULL };
	static unsigned long uploads;	/* unique temporary names */
	struct api_upload *u;
	enum MHD_Result res;
	const char *name, *label, *ctype;
	char dir[4096];
	int idx;

	if (r->upload != NULL) {
		if (!r->upload->done)
			return MHD_YES;	/* a spurious call while suspended */
		return upload_finish(api, r, r->upload);
	}
	if (api_query_only(r, allowed, &res) != 0)
		return res;
	name = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
					   "name");
	label = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
					    "label");
	if (name != NULL && !name_ok(name))
		return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", "name",
				       "name: 1 to 64 of A-Z a-z 0-9 . _ -, "
				       "not starting with a dot");
	if (label != NULL && (*label == '\0' || strlen(label) > 255))
		return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid",
				       "label", "label must name a column");
	if (r->len == 0)
		return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", "body",
				       "the request body must be a CSV file");
	snprintf(dir, sizeof(dir), "%s/datasets", api->cfg.data_dir);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return storage_error(r, dir, errno);
	ctype = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
					    MHD_HTTP_HEADER_CONTENT_TYPE);
	idx = ctype != NULL &&
	      strncasecmp(ctype, "multipart/form-data", 19) == 0;
	u = calloc(1, sizeof(*u));
	if (u == NULL || (!idx && label != NULL &&
			  (u->label = strdup(label)) == NULL))
		abort();
	u->r = r;
	u->idx = idx;
	snprintf(u->tmp, sizeof(u->tmp), "%s/.upload-%ld-%lu%s", dir,
		 (long)getpid(), ++uploads, idx ? "" : ".csv");
	r->upload = u;
	/* IDX: the multipart body needs the connection; unpack it here. */
	if (idx && idx_unpack(r, u->tmp, &res) != 0)
		return res;
	scann_log("dataset upload: %zu bytes received; %s", r->len,
		  idx ? "checking IDX" : "parsing");
	if (api->hooks.offload != NULL &&
	    api->hooks.offload(api->hooks.cls, upload_work, upload_done,
			       u) == 0) {
		MHD_suspend_connection(r->conn);
		return MHD_YES;
	}
	upload_work(u);
	u->done = 1;
	return upload_finish(api, r, u);
}

enum MHD_Result api_datasets_list(struct scann_api *api, struct api_req *r)
{
	static const char *const allowed[] = { "limit", "cursor", NULL };
	struct scann_store_dataset **v = NULL;
	struct scann_error err;
	enum MHD_Result res;
	int64_t limit = 50, cursor = 0;
	json_t *list, *body;
	int n, i;

	if (api_query_only(r, allowed, &res) != 0 ||
	    api_query_int(r, "limit", 1, 200, &limit, &res) != 0 ||
	    api_query_int(r, "cursor", 1, INT64_MAX, &cursor, &res) != 0)
		return res;
	if (scann_store_dataset_list(api->st, r->admin ? NULL : r->user,
				     cursor, (int)limit, &v, &n, &err) != 0)
		return api_reply_scann_error(r, &err);
	list = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(list, api_view_dataset(v[i]));
	body = json_pack("{s:o}", "datasets", list);
	api_set_next_cursor(body, n == (int)limit,
			    n > 0 ? v[n - 1]->created_at : 0);
	for (i = 0; i < n; i++)
		scann_store_dataset_free(v[i]);
	free(v);
	return api_reply_json(r, MHD_HTTP_OK, body);
}

int api_dataset_for(struct scann_api *api, struct api_req *r,
		    struct scann_store_dataset **out, enum MHD_Result *res)
{
	struct scann_error err;
	int rc = api_dataset_resolve(api, r, r->seg[1], out, &err);

	if (rc == SCANN_ENOENT)
		*res = api_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "id",
				       "no such dataset");
	else if (rc != 0)
		*res = api_reply_scann_error(r, &err);
	return rc;
}

enum MHD_Result api_datasets_get(struct scann_api *api, struct api_req *r)
{
	static const char *const allowed[] = { NULL };
	struct scann_store_dataset *d = NULL;
	enum MHD_Result res;

	if (api_query_only(r, allowed, &res) != 0)
		return res;
	if (api_dataset_for(api, r, &d, &res) != 0)
		return res;
	res = api_reply_json(r, MHD_HTTP_OK, api_view_dataset(d));
	scann_store_dataset_free(d);
	return res;
}
