/*
 * predict.c -- POST /api/v1/jobs/{id}/predict: CSV rows in, one class per
 * row out, by the job's model.
 *
 * scannd links no BLAS and no engine, and a model can be large, so the
 * rows are scored by `scann-worker predict --each` -- the engine's own
 * executor, the verdicts the job's accuracy counts -- as a child process,
 * off the event loop (hooks.offload) while the connection is suspended,
 * killed after PREDICT_TIMEOUT_S.  The body (capped at --max-body) is a
 * header line and rows of the model's features in the training file's
 * column order, the label column left out; they go to the worker as they
 * are (`predict --each --features`), and its answers are returned as
 * {"predictions": [class, ...]} in row order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api_int.h"
#include "log.h"
#include "reply.h"
#include "request.h"
#include "worker/job/artifacts.h"

#define PREDICT_TIMEOUT_S 30

extern char **environ;

struct api_predict {
	struct api_req *r;
	char worker[1200], model[4200], in[4200], out[4200], err[4200];
	int done;
	/* results */
	int status;		/* HTTP status to answer */
	char message[512];
	json_t *predictions;
	size_t rows;
};

/* The body's non-blank lines, CRs dropped; the number of rows, or -1. */
static long write_input(struct api_predict *p)
{
	const char *b = p->r->body, *end = b + p->r->len, *nl;
	FILE *f = fopen(p->in, "w");
	long rows = 0;
	int header = 1;

	if (f == NULL)
		return -1;
	for (; b < end; b = nl + 1) {
		size_t len;

		nl = memchr(b, '\n', (size_t)(end - b));
		if (nl == NULL)
			nl = end;
		len = (size_t)(nl - b);
		if (len > 0 && b[len - 1] == '\r')
			len--;
		if (len == 0) {
			if (nl == end)
				break;
			continue;
		}
		fprintf(f, "%.*s\n", (int)len, b);
		rows += !header;
		header = 0;
		if (nl == end)
			break;
	}
	if (fclose(f) != 0)
		return -1;
	return rows;
}

/* Run the worker; 0, or -1 with p->status and p->message set. */
static int run_worker(struct api_predict *p)
{
	char *argv[] = { p->worker, "predict", "--each", "--features", p->model,
			 p->in, NULL };
	posix_spawn_file_actions_t fa;
	char **env, one[] = "OPENBLAS_NUM_THREADS=1";
	size_t n = 0, k = 0;
	pid_t pid;
	int rc, ws = 0;
	time_t t0 = time(NULL);

	while (environ[n] != NULL)
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (env == NULL)
		abort();
	env[k++] = one;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "OPENBLAS_NUM_THREADS=", 21) != 0)
			env[k++] = environ[i];
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, p->out,
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, p->err,
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	rc = posix_spawn(&pid, p->worker, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	if (rc != 0) {
		p->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		snprintf(p->message, sizeof(p->message),
			 "cannot start the engine to predict");
		scann_log("predict: cannot start %s: %s", p->worker, strerror(rc));
		return -1;
	}
	while ((rc = (int)waitpid(pid, &ws, WNOHANG)) == 0) {
		if (time(NULL) - t0 >= PREDICT_TIMEOUT_S) {
			kill(pid, SIGKILL);
			waitpid(pid, &ws, 0);
			p->status = MHD_HTTP_SERVICE_UNAVAILABLE;
			snprintf(p->message, sizeof(p->message),
				 "prediction took over %d s: send fewer rows",
				 PREDICT_TIMEOUT_S);
			return -1;
		}
		nanosleep(&(struct timespec){ 0, 20000000L }, NULL);
	}
	if (rc < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
		/* The worker's complaint names our temporary file: say rows. */
		FILE *f = fopen(p->err, "r");
		char line[400] = "", *colon;
		unsigned long at = 0;
		int skip = 0;

		if (f != NULL) {
			if (fgets(line, sizeof(line), f) == NULL)
				line[0] = '\0';
			fclose(f);
		}
		line[strcspn(line, "\n")] = '\0';
		colon = strstr(line, p->in);
		p->status = rc >= 0 && WIFEXITED(ws) && WEXITSTATUS(ws) == 2 ?
			MHD_HTTP_BAD_REQUEST : MHD_HTTP_INTERNAL_SERVER_ERROR;
		if (colon != NULL && strncmp(colon + strlen(p->in), " has ",
					     5) == 0)
			snprintf(p->message, sizeof(p->message),
				 "the rows have %s", colon + strlen(p->in) + 5);
		else if (colon != NULL && sscanf(colon + strlen(p->in),
						 ":%lu:%n", &at, &skip) == 1 &&
			 skip > 0)
			/* the file's lines are the body's non-blank ones */
			snprintf(p->message, sizeof(p->message),
				 "line %lu of the rows:%s", at,
				 colon + strlen(p->in) + skip);
		else if (colon != NULL)
			snprintf(p->message, sizeof(p->message), "the rows%s",
				 colon + strlen(p->in));
		else
			snprintf(p->message, sizeof(p->message), "%s",
				 strncmp(line, "scann-worker: ", 14) == 0 ?
				 line + 14 : "the rows could not be scored");
		return -1;
	}
	return 0;
}

static void predict_work(void *arg)
{
	struct api_predict *p = arg;
	char line[512];
	long rows;
	FILE *f;

	rows = write_input(p);
	if (rows <= 0) {
		p->status = MHD_HTTP_BAD_REQUEST;
		snprintf(p->message, sizeof(p->message), rows == 0 ?
			 "the body must be a CSV header line and one row or more" :
			 "cannot write the rows");
		goto out;
	}
	if (run_worker(p) != 0)
		goto out;
	f = fopen(p->out, "r");
	p->predictions = json_array();
	while (f != NULL && (long)json_array_size(p->predictions) < rows &&
	       fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		json_array_append_new(p->predictions, json_string(line));
	}
	if (f != NULL)
		fclose(f);
	p->rows = json_array_size(p->predictions);
	p->status = (long)p->rows == rows ? MHD_HTTP_OK :
		MHD_HTTP_INTERNAL_SERVER_ERROR;
	if (p->status != MHD_HTTP_OK)
		snprintf(p->message, sizeof(p->message),
			 "the engine answered %zu of %ld rows", p->rows, rows);
out:
	unlink(p->in);
	unlink(p->out);
	unlink(p->err);
}

static void predict_done(void *arg)
{
	struct api_predict *p = arg;

	p->done = 1;
	MHD_resume_connection(p->r->conn);
}

void api_predict_free(struct api_req *r)
{
	if (r->predict == NULL)
		return;
	json_decref(r->predict->predictions);
	free(r->predict);
	r->predict = NULL;
}

static enum MHD_Result predict_finish(struct api_req *r)
{
	struct api_predict *p = r->predict;

	if (p->status != MHD_HTTP_OK)
		return api_reply_error(r, p->status, p->status ==
				       MHD_HTTP_BAD_REQUEST ? "invalid" : "predict",
				       "body", "%s", p->message);
	return api_reply_json(r, MHD_HTTP_OK,
			      json_pack("{s:O, s:I}", "predictions",
					p->predictions, "rows",
					(json_int_t)p->rows));
}

enum MHD_Result api_jobs_predict(struct scann_api *api, struct api_req *r)
{
	static const char *const allowed[] = { NULL };
	static unsigned long calls;	/* unique temporary names */
	struct scann_store_job *j = NULL;
	struct api_predict *p;
	enum MHD_Result res;
	struct stat sb;
	char dir[4096];

	if (r->predict != NULL)
		return r->predict->done ? predict_finish(r) : MHD_YES;
	if (api_query_only(r, allowed, &res) != 0)
		return res;
	if (api_job_for(api, r, api_parse_id(r->seg[1]), &j, &res) != 0)
		return res;
	if (j->state != SCANN_JOB_SUCCEEDED) {
		res = api_reply_error(r, MHD_HTTP_CONFLICT, "conflict", "state",
				      "job is %s: only a succeeded job has a "
				      "model", scann_job_state_name(j->state));
		scann_store_job_free(j);
		return res;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		abort();
	p->r = r;
	snprintf(p->worker, sizeof(p->worker), "%s", api->cfg.worker);
	snprintf(p->model, sizeof(p->model), "%s/jobs/%lld/%s",
		 api->cfg.data_dir, (long long)j->id,
		 scann_artifacts[SCANN_ARTIFACT_MODEL].file);
	scann_store_job_free(j);
	if (stat(p->model, &sb) != 0) {
		free(p);
		return api_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found",
				       "model", "job has no model");
	}
	snprintf(dir, sizeof(dir), "%s/tmp", api->cfg.data_dir);
	mkdir(dir, 0700);
	calls++;
	snprintf(p->in, sizeof(p->in), "%s/predict-%ld-%lu.csv", dir,
		 (long)getpid(), calls);
	snprintf(p->out, sizeof(p->out), "%s/predict-%ld-%lu.out", dir,
		 (long)getpid(), calls);
	snprintf(p->err, sizeof(p->err), "%s/predict-%ld-%lu.err", dir,
		 (long)getpid(), calls);
	r->predict = p;
	if (api->hooks.offload != NULL &&
	    api->hooks.offload(api->hooks.cls, predict_work, predict_done,
			       p) == 0) {
		MHD_suspend_connection(r->conn);
		return MHD_YES;
	}
	predict_work(p);
	p->done = 1;
	return predict_finish(r);
}
