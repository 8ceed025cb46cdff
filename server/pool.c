/*
 * pool.c -- the worker pool (see pool.h for what it promises).
 *
 * Life of one worker: dispatch picks a job and moves it to running in the
 * store, then spawns scann-worker with three pipes.  The stored spec is
 * written to stdin as it is, then stdin is closed; the dataset's path goes
 * on the command line (--dataset), so the pool neither parses nor rewrites
 * a spec: what it needs of one (threads, timeout) is in the job's row.  stdout is cut into lines, each stored as an
 * event and announced.  The job is settled (succeeded, failed, cancelled, or
 * left running for a restart to resume) only when the process has exited
 * AND stdout and stderr have reached EOF, so no event the worker printed
 * before dying is lost; if a stray grandchild keeps a pipe open, a short
 * timer settles the job anyway.  Handles are freed in their close callbacks,
 * as libuv requires; the worker struct goes when the last one has closed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "api/log.h"
#include "pool.h"
#include "worker/job/artifacts.h"

#define LINE_MAX_BYTES (1024 * 1024)
#define TAIL_BYTES 4096
#define REAP_MS 2000

extern char **environ;

enum stop_reason { STOP_NONE, STOP_CANCEL, STOP_TIMEOUT, STOP_DRAIN, STOP_STORE };
enum timer_mode { TIMER_TIMEOUT, TIMER_KILL, TIMER_REAP };

struct worker {
	struct scann_pool *pool;
	struct worker *next;
	int64_t job_id;
	char *owner;
	int threads;
	uint32_t timeout_s;
	uv_process_t proc;
	uv_pipe_t in, out, err;
	uv_timer_t timer;
	enum timer_mode timer_mode;
	uv_write_t wreq;
	char *spec_text;
	char *line;
	size_t llen, lcap;
	int overflow;
	char tail[TAIL_BYTES];
	size_t tail_len;
	int open_handles;
	int exited, out_eof, err_eof, settled;
	int64_t exit_status;
	int term_signal;
	enum stop_reason reason;
	json_t *held_epoch;	/* thinned out so far; stored if last */
	uint64_t last_epoch_ms;	/* when an epoch was last stored */
	int64_t events_lost;	/* events the store refused */
	char store_error[160];	/* the first refusal's message */
};

struct owner_turn {
	char *owner;
	uint64_t served;	/* dispatch tick of its last start; 0 = never */
};

struct scann_pool {
	uv_loop_t *loop;
	struct scann_store *st;
	struct scann_pool_config cfg;
	struct scann_pool_hooks hooks;
	struct worker *workers;
	int busy;
	uint64_t tick;
	struct owner_turn *turns;
	int n_turns;
	int draining;
	void (*drained)(void *cls);
	void *drained_cls;
};

static void changed(struct scann_pool *p, int64_t id)
{
	if (p->hooks.job_changed != NULL)
		p->hooks.job_changed(p->hooks.cls, id);
}

struct scann_pool *scann_pool_new(uv_loop_t *loop, struct scann_store *st,
				  const struct scann_pool_config *cfg,
				  const struct scann_pool_hooks *hooks)
{
	struct scann_pool *p = calloc(1, sizeof(*p));

	if (p == NULL)
		abort();
	p->loop = loop;
	p->st = st;
	p->cfg = *cfg;
	p->cfg.worker = strdup(cfg->worker);
	p->cfg.data_dir = strdup(cfg->data_dir);
	if (p->cfg.worker == NULL || p->cfg.data_dir == NULL)
		abort();
	if (p->cfg.slots < 1)
		p->cfg.slots = 1;
	p->hooks = *hooks;
	return p;
}

void scann_pool_free(struct scann_pool *p)
{
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n_turns; i++)
		free(p->turns[i].owner);
	free(p->turns);
	free((char *)p->cfg.worker);
	free((char *)p->cfg.data_dir);
	free(p);
}

int scann_pool_busy(const struct scann_pool *p)
{
	return p->busy;
}

int scann_pool_recover(struct scann_pool *p)
{
	struct scann_error err, room;
	enum scann_job_state to = SCANN_JOB_QUEUED;
	int64_t *ids = NULL;
	int n = 0, i, done = 0;
	char msg[256] = "";
	json_t *extra;

	if (scann_store_job_ids_in_state(p->st, SCANN_JOB_RUNNING, &ids, &n,
					 &err) != 0) {
		scann_log("recovery: %s", err.message);
		return 0;
	}
	/*
	 * With no room for events (a full disk, the cap, a read-only store),
	 * a re-queued job would fill what is left and fail again -- or, on a
	 * full disk, stay running with no record: fail it now, saying why.
	 */
	if (n > 0 && scann_store_check_room(p->st, &room) != 0) {
		snprintf(msg, sizeof(msg), "scannd restarted while the job ran, "
			 "and its events cannot be stored (%.180s)", room.message);
		extra = json_pack("{s:s}", "message", msg);
		to = SCANN_JOB_FAILED;
	} else {
		extra = json_pack("{s:s}", "reason", "scannd restarted while "
				  "the job ran; it will resume from its last "
				  "checkpoint");
	}
	for (i = 0; i < n; i++) {
		if (scann_store_job_transition(p->st, ids[i],
			SCANN_JOB_MASK(SCANN_JOB_RUNNING), to,
			extra, NULL, &err) == 0) {
			scann_log("job %lld was running at shutdown: %s",
				  (long long)ids[i], to == SCANN_JOB_QUEUED ?
				  "re-queued" : msg);
			done++;
		} else {
			scann_log("recovery of job %lld: %s", (long long)ids[i],
				  err.message);
		}
	}
	json_decref(extra);
	free(ids);
	return done;
}

/* ---- settling a job ---------------------------------------------------- */

static void on_handle_closed(uv_handle_t *h)
{
	struct worker *w = h->data;
	struct scann_pool *p = w->pool;
	struct worker **pp;

	if (--w->open_handles > 0)
		return;
	for (pp = &p->workers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	p->busy -= w->threads;
	free(w->owner);
	free(w->spec_text);
	free(w->line);
	json_decref(w->held_epoch);
	free(w);
	if (p->draining) {
		if (p->workers == NULL && p->drained != NULL) {
			void (*done)(void *) = p->drained;

			p->drained = NULL;
			done(p->drained_cls);
		}
		return;
	}
	scann_pool_dispatch(p);
}

static void close_handle(struct worker *w, uv_handle_t *h)
{
	if (!uv_is_closing(h))
		uv_close(h, on_handle_closed);
}

static json_t *failure(struct worker *w, const char *msg)
{
	json_t *e = json_pack("{s:s}", "message", msg), *s;
	char *tail = w->tail;
	size_t n = w->tail_len;

	if (w->exited) {
		json_object_set_new(e, "exit_status",
				    json_integer(w->exit_status));
		json_object_set_new(e, "signal", json_integer(w->term_signal));
	}
	/* The tail may start mid-character: skip to a line start if we can. */
	if (n == TAIL_BYTES) {
		char *nl = memchr(tail, '\n', n);

		if (nl != NULL) {
			n -= (size_t)(nl + 1 - tail);
			tail = nl + 1;
		}
	}
	s = json_stringn(tail, n);
	json_object_set_new(e, "stderr", s ? s :
			    json_string("(stderr was not UTF-8)"));
	return e;
}

static void settle(struct worker *w)
{
	struct scann_pool *p = w->pool;
	struct scann_error err;
	char msg[256];
	json_t *extra = NULL;
	enum scann_job_state to;
	int rc;

	if (w->settled)
		return;
	w->settled = 1;
	uv_timer_stop(&w->timer);
	if (w->reason == STOP_DRAIN) {
		scann_log("job %lld: worker stopped for shutdown; it resumes at "
			  "the next start", (long long)w->job_id);
		goto close;
	}
	if (w->reason == STOP_CANCEL) {
		to = SCANN_JOB_CANCELLED;
	} else if (w->events_lost > 0) {	/* STOP_STORE, or lost on the way */
		/*
		 * Its record is incomplete, so it did not succeed, whatever
		 * the worker's exit.  A short message, no stderr tail: the
		 * store is full, and this row is all that may still fit.
		 */
		to = SCANN_JOB_FAILED;
		snprintf(msg, sizeof(msg), "%lld event%s could not be stored "
			 "(%s); the job was stopped", (long long)w->events_lost,
			 w->events_lost == 1 ? "" : "s", w->store_error);
		extra = json_pack("{s:s}", "message", msg);
	} else if (w->reason == STOP_TIMEOUT) {
		to = SCANN_JOB_FAILED;
		snprintf(msg, sizeof(msg), "timed out after %u s",
			 (unsigned)w->timeout_s);
		extra = failure(w, msg);
	} else if (w->exited && w->exit_status == 0 && w->term_signal == 0) {
		to = SCANN_JOB_SUCCEEDED;
	} else {
		to = SCANN_JOB_FAILED;
		if (!w->exited)
			snprintf(msg, sizeof(msg), "worker did not exit");
		else if (w->term_signal != 0)
			snprintf(msg, sizeof(msg), "worker killed by signal %d "
				 "(%s)", w->term_signal,
				 strsignal(w->term_signal));
		else
			snprintf(msg, sizeof(msg), "worker exited with status "
				 "%lld", (long long)w->exit_status);
		extra = failure(w, msg);
	}
	rc = scann_store_job_transition(p->st, w->job_id, SCANN_JOB_MASK_LIVE,
					to, extra, NULL, &err);
	if (rc != 0)
		scann_log("job %lld: cannot record %s: %s", (long long)w->job_id,
			  scann_job_state_name(to), err.message);
	else
		scann_log("job %lld %s%s%s", (long long)w->job_id,
			  scann_job_state_name(to), extra ? ": " : "",
			  extra ? json_string_value(json_object_get(extra,
				"message")) : "");
	json_decref(extra);
	changed(p, w->job_id);
close:
	close_handle(w, (uv_handle_t *)&w->out);
	close_handle(w, (uv_handle_t *)&w->err);
	close_handle(w, (uv_handle_t *)&w->in);
	close_handle(w, (uv_handle_t *)&w->timer);
	if (w->exited)
		close_handle(w, (uv_handle_t *)&w->proc);
	else
		uv_process_kill(&w->proc, SIGKILL);
}

static void maybe_settle(struct worker *w)
{
	if (w->exited && w->out_eof && w->err_eof)
		settle(w);
}

/* ---- events from stdout ------------------------------------------------ */

static void stop(struct worker *w, enum stop_reason why);

static void store_event(struct worker *w, json_t *ev)
{
	struct scann_error err;

	if (scann_store_event_append(w->pool->st, w->job_id, ev, NULL,
				     &err) != 0) {
		/*
		 * A full disk (or --max-db): the job's record can no longer
		 * be kept, so running it on would spend hours on a result
		 * nobody can read.  Stop it; settle() fails it and says why.
		 */
		if (w->events_lost++ == 0) {
			snprintf(w->store_error, sizeof(w->store_error), "%.*s",
				 (int)sizeof(w->store_error) - 1, err.message);
			scann_log("job %lld: event not stored (%s): stopping "
				  "the job", (long long)w->job_id, err.message);
			stop(w, STOP_STORE);
		}
		return;
	}
	changed(w->pool, w->job_id);
}

/* Store the epoch held back by thinning, if any. */
static void flush_epoch(struct worker *w)
{
	json_t *ev = w->held_epoch;

	if (ev == NULL)
		return;
	w->held_epoch = NULL;
	w->last_epoch_ms = uv_now(w->pool->loop);
	store_event(w, ev);
	json_decref(ev);
}

/*
 * Whether epoch event ev is to be stored now (1), or held (0, ev's
 * reference taken): see scann_pool_config.epoch_rate.
 */
static int epoch_due(struct worker *w, json_t *ev)
{
	int rate = w->pool->cfg.epoch_rate;
	uint64_t now = uv_now(w->pool->loop);

	if (rate <= 0 || w->last_epoch_ms == 0 ||
	    now - w->last_epoch_ms >= 1000u / (unsigned)rate) {
		json_decref(w->held_epoch);
		w->held_epoch = NULL;
		w->last_epoch_ms = now;
		return 1;
	}
	json_decref(w->held_epoch);
	w->held_epoch = ev;
	return 0;
}

static void handle_line(struct worker *w, const char *line, size_t n)
{
	json_t *ev;
	const char *type;

	if (n == 0)
		return;
	ev = json_loadb(line, n, 0, NULL);
	type = json_string_value(json_object_get(ev, "type"));
	if (!json_is_object(ev) || type == NULL) {
		/* Not an event: keep it, as a log line, rather than lose it. */
		json_t *msg = json_stringn(line, n > 1000 ? 1000 : n);

		json_decref(ev);
		ev = json_pack("{s:s, s:s, s:o}", "type", "log", "level", "warn",
			       "message", msg ? msg :
			       json_string("(unreadable worker output)"));
	} else if (strcmp(type, "state") == 0) {
		/* States are the server's to announce: demote a worker's. */
		json_object_set_new(ev, "worker_type", json_string("state"));
		json_object_set_new(ev, "type", json_string("log"));
	} else if (strcmp(type, "epoch") == 0) {
		if (!epoch_due(w, ev))
			return;		/* held: w owns ev now */
	}
	if (strcmp(json_string_value(json_object_get(ev, "type")),
		   "epoch") != 0)
		flush_epoch(w);		/* the burst's last epoch first */
	store_event(w, ev);
	json_decref(ev);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char slab[65536];	/* one thread: reads never overlap */

	(void)h;
	(void)suggested;
	buf->base = slab;
	buf->len = sizeof(slab);
}

/* Room for need bytes in w->line (need <= LINE_MAX_BYTES). */
static void line_reserve(struct worker *w, size_t need)
{
	if (need <= w->lcap)
		return;
	w->lcap = need > 2 * w->lcap ? need : 2 * w->lcap;
	w->line = realloc(w->line, w->lcap);
	if (w->line == NULL)
		abort();
}

static void on_out(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct worker *w = s->data;
	ssize_t i, start = 0;

	if (nread < 0) {
		if (w->llen > 0 && !w->overflow)
			handle_line(w, w->line, w->llen);	/* no final \n */
		flush_epoch(w);
		w->llen = 0;
		w->out_eof = 1;
		uv_read_stop(s);
		maybe_settle(w);
		return;
	}
	for (i = 0; i < nread; i++) {
		size_t n;

		if (buf->base[i] != '\n')
			continue;
		n = (size_t)(i - start);
		if (w->overflow) {
			json_t *ev = json_pack("{s:s,s:s,s:s}", "type", "log",
					       "level", "warn", "message",
					       "worker output line over 1 MiB "
					       "dropped");

			store_event(w, ev);
			json_decref(ev);
			w->overflow = 0;
			w->llen = 0;
		} else if (w->llen == 0) {
			handle_line(w, buf->base + start, n);
		} else if (w->llen + n <= LINE_MAX_BYTES) {
			/* The end of a line begun in an earlier read. */
			line_reserve(w, w->llen + n);
			memcpy(w->line + w->llen, buf->base + start, n);
			handle_line(w, w->line, w->llen + n);
			w->llen = 0;
		} else {
			w->llen = 0;	/* overflow: dropped, noted below */
		}
		start = i + 1;
	}
	if (start < nread && !w->overflow) {
		size_t n = (size_t)(nread - start);

		if (w->llen + n > LINE_MAX_BYTES) {
			w->overflow = 1;
			w->llen = 0;
			return;
		}
		line_reserve(w, w->llen + n);
		memcpy(w->line + w->llen, buf->base + start, n);
		w->llen += n;
	}
}

static void on_err(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct worker *w = s->data;
	size_t n;

	if (nread < 0) {
		w->err_eof = 1;
		uv_read_stop(s);
		maybe_settle(w);
		return;
	}
	n = (size_t)nread;
	if (n >= TAIL_BYTES) {
		memcpy(w->tail, buf->base + n - TAIL_BYTES, TAIL_BYTES);
		w->tail_len = TAIL_BYTES;
		return;
	}
	if (w->tail_len + n > TAIL_BYTES) {
		size_t drop = w->tail_len + n - TAIL_BYTES;

		memmove(w->tail, w->tail + drop, w->tail_len - drop);
		w->tail_len -= drop;
	}
	memcpy(w->tail + w->tail_len, buf->base, n);
	w->tail_len += n;
}

/* ---- process control --------------------------------------------------- */

static void on_timer(uv_timer_t *t)
{
	struct worker *w = t->data;

	switch (w->timer_mode) {
	case TIMER_TIMEOUT:
		scann_log("job %lld: timeout (%u s), stopping its worker",
			  (long long)w->job_id, (unsigned)w->timeout_s);
		w->reason = STOP_TIMEOUT;
		uv_process_kill(&w->proc, SIGTERM);
		w->timer_mode = TIMER_KILL;
		uv_timer_start(&w->timer, on_timer,
			       (uint64_t)w->pool->cfg.grace_ms, 0);
		break;
	case TIMER_KILL:
		if (!w->exited) {
			scann_log("job %lld: worker ignored SIGTERM; SIGKILL",
				  (long long)w->job_id);
			uv_process_kill(&w->proc, SIGKILL);
		}
		break;
	case TIMER_REAP:
		/* Exited, but something still holds its pipes open. */
		w->out_eof = w->err_eof = 1;
		settle(w);
		break;
	}
}

static void on_exit_cb(uv_process_t *proc, int64_t status, int sig)
{
	struct worker *w = proc->data;

	w->exited = 1;
	w->exit_status = status;
	w->term_signal = sig;
	if (!w->settled) {
		w->timer_mode = TIMER_REAP;
		uv_timer_start(&w->timer, on_timer, REAP_MS, 0);
		maybe_settle(w);
	} else {
		close_handle(w, (uv_handle_t *)&w->proc);
	}
}

static void on_written(uv_write_t *req, int status)
{
	struct worker *w = req->data;

	/* EPIPE means the worker left early; its exit says why. */
	close_handle(w, (uv_handle_t *)&w->in);
}

static void stop(struct worker *w, enum stop_reason why)
{
	if (w->settled || w->exited)
		return;
	if (w->reason == STOP_NONE || why == STOP_DRAIN)
		w->reason = why;
	uv_process_kill(&w->proc, SIGTERM);
	w->timer_mode = TIMER_KILL;
	uv_timer_start(&w->timer, on_timer, (uint64_t)w->pool->cfg.grace_ms, 0);
}

int scann_pool_cancel(struct scann_pool *p, int64_t id)
{
	struct worker *w;

	for (w = p->workers; w != NULL; w = w->next) {
		if (w->job_id == id && !w->settled) {
			stop(w, STOP_CANCEL);
			return 0;
		}
	}
	return SCANN_ENOENT;
}

void scann_pool_drain(struct scann_pool *p, void (*done)(void *cls),
		      void *cls)
{
	struct worker *w;

	p->draining = 1;
	p->drained = done;
	p->drained_cls = cls;
	for (w = p->workers; w != NULL; w = w->next)
		stop(w, STOP_DRAIN);
	if (p->workers == NULL) {
		p->drained = NULL;
		done(cls);
	}
}

/* ---- starting workers -------------------------------------------------- */

/*
 * Whether the job's directory holds a checkpoint to resume from: the test
 * scann-worker makes of it (scann_checkpoint_exists, in the engine, which
 * scannd does not link), on the file artifacts.h names.
 */
static int has_checkpoint(const char *dir)
{
	char path[4400];

	snprintf(path, sizeof(path), "%s/%s", dir,
		 scann_artifacts[SCANN_ARTIFACT_CHECKPOINT].file);
	return access(path, F_OK) == 0;
}

/* environ with OPENBLAS_NUM_THREADS/OMP_NUM_THREADS set to threads. */
static char **worker_env(int threads, char *blas, char *omp)
{
	size_t n = 0, k = 0, i;
	char **env;

	while (environ[n] != NULL)
		n++;
	env = calloc(n + 3, sizeof(*env));
	if (env == NULL)
		abort();
	snprintf(blas, 48, "OPENBLAS_NUM_THREADS=%d", threads);
	snprintf(omp, 48, "OMP_NUM_THREADS=%d", threads);
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "OPENBLAS_NUM_THREADS=", 21) != 0 &&
		    strncmp(environ[i], "OMP_NUM_THREADS=", 16) != 0)
			env[k++] = environ[i];
	env[k++] = blas;
	env[k++] = omp;
	env[k] = NULL;
	return env;
}

static void fail_start(struct scann_pool *p, int64_t id, const char *msg)
{
	json_t *extra = json_pack("{s:s}", "message", msg);

	scann_log("job %lld failed to start: %s", (long long)id, msg);
	scann_store_job_transition(p->st, id, SCANN_JOB_MASK_LIVE,
				   SCANN_JOB_FAILED, extra, NULL, NULL);
	json_decref(extra);
	changed(p, id);
}

/*
 * Start job (queued) with threads slots.  Afterwards a worker runs it, or
 * the job was settled as failed; either way the caller just moves on.
 */
static void start(struct scann_pool *p, const struct scann_store_job *job,
		  int threads)
{
	struct scann_store_dataset *ds = NULL;
	struct scann_error err;
	uv_process_options_t opt;
	uv_stdio_container_t stdio[3];
	struct worker *w;
	char dir[4200], blas[48], omp[48], **env;
	char *args[12];
	json_t *extra;
	int resume, rc, a = 0;
	uv_buf_t b;

	if (scann_store_dataset_get(p->st, job->dataset_id, NULL, &ds, &err) != 0) {
		scann_store_job_transition(p->st, job->id,
			SCANN_JOB_MASK(SCANN_JOB_QUEUED), SCANN_JOB_RUNNING,
			NULL, NULL, NULL);
		fail_start(p, job->id, "its dataset is no longer stored");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/jobs", p->cfg.data_dir);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/jobs/%lld", p->cfg.data_dir,
		 (long long)job->id);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		scann_store_dataset_free(ds);
		scann_store_job_transition(p->st, job->id,
			SCANN_JOB_MASK(SCANN_JOB_QUEUED), SCANN_JOB_RUNNING,
			NULL, NULL, NULL);
		fail_start(p, job->id, "cannot create the job's directory");
		return;
	}
	resume = has_checkpoint(dir);
	extra = json_pack("{s:I, s:b, s:i}", "attempt",
			  (json_int_t)job->attempts + 1, "resumed", resume,
			  "threads", threads);
	rc = scann_store_job_transition(p->st, job->id,
		SCANN_JOB_MASK(SCANN_JOB_QUEUED), SCANN_JOB_RUNNING, extra,
		NULL, &err);
	json_decref(extra);
	if (rc != 0) {
		scann_log("job %lld: %s", (long long)job->id, err.message);
		scann_store_dataset_free(ds);
		return;
	}
	scann_store_job_count_attempt(p->st, job->id, NULL);

	w = calloc(1, sizeof(*w));
	if (w == NULL)
		abort();
	w->pool = p;
	w->job_id = job->id;
	w->owner = strdup(job->owner);
	w->threads = threads;
	w->timeout_s = (uint32_t)job->res.timeout_s;
	if (p->cfg.max_timeout_s > 0 &&
	    w->timeout_s > (uint32_t)p->cfg.max_timeout_s)
		w->timeout_s = (uint32_t)p->cfg.max_timeout_s;
	/* Kept until the write to stdin is done (job is the caller's). */
	w->spec_text = strdup(job->spec);
	if (w->owner == NULL || w->spec_text == NULL)
		abort();

	uv_pipe_init(p->loop, &w->in, 0);
	uv_pipe_init(p->loop, &w->out, 0);
	uv_pipe_init(p->loop, &w->err, 0);
	uv_timer_init(p->loop, &w->timer);
	w->in.data = w->out.data = w->err.data = w->timer.data = w;
	w->proc.data = w->wreq.data = w;
	w->open_handles = 5;
	w->next = p->workers;
	p->workers = w;
	p->busy += threads;

	args[a++] = (char *)p->cfg.worker;
	args[a++] = "run";
	args[a++] = "-";
	args[a++] = p->cfg.max_memory_arg;
	args[a++] = "--dataset";	/* the spec names the dataset's id */
	args[a++] = ds->path;
	args[a++] = "--out";
	args[a++] = dir;
	if (resume) {
		args[a++] = "--resume";
		args[a++] = dir;
	}
	args[a] = NULL;
	memset(&opt, 0, sizeof(opt));
	stdio[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
	stdio[0].data.stream = (uv_stream_t *)&w->in;
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&w->out;
	stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[2].data.stream = (uv_stream_t *)&w->err;
	opt.file = p->cfg.worker;
	opt.args = args;
	opt.cwd = dir;
	opt.exit_cb = on_exit_cb;
	/*
	 * Its own session: a Ctrl-C or SIGTERM meant for scannd's process
	 * group must not reach the worker before scannd decides (drain, and
	 * resume later) -- otherwise the job would end as failed.
	 */
	opt.flags = UV_PROCESS_DETACHED;
	opt.stdio = stdio;
	opt.stdio_count = 3;
	env = worker_env(threads, blas, omp);
	opt.env = env;
	rc = uv_spawn(p->loop, &w->proc, &opt);
	free(env);
	scann_store_dataset_free(ds);	/* its path was copied by the spawn */
	if (rc != 0) {
		char msg[300];

		snprintf(msg, sizeof(msg), "cannot start %s: %s",
			 p->cfg.worker, uv_strerror(rc));
		scann_log("job %lld: %s", (long long)job->id, msg);
		w->exited = 1;
		w->exit_status = 127;
		w->err_eof = w->out_eof = 1;
		snprintf(w->tail, sizeof(w->tail), "%s\n", msg);
		w->tail_len = strlen(w->tail);
		settle(w);	/* failed, with msg in stderr */
		return;
	}
	/*
	 * Workers run niced: they get every cycle the daemon leaves idle, and
	 * the API stays responsive however busy the pool is.
	 */
	uv_os_setpriority(w->proc.pid, UV_PRIORITY_LOW);
	scann_log("job %lld running (worker pid %d, %d thread%s%s)",
		  (long long)job->id, w->proc.pid, threads,
		  threads == 1 ? "" : "s", resume ? ", resuming" : "");
	b = uv_buf_init(w->spec_text, (unsigned)strlen(w->spec_text));
	if (uv_write(&w->wreq, (uv_stream_t *)&w->in, &b, 1, on_written) != 0)
		close_handle(w, (uv_handle_t *)&w->in);
	uv_read_start((uv_stream_t *)&w->out, on_alloc, on_out);
	uv_read_start((uv_stream_t *)&w->err, on_alloc, on_err);
	w->timer_mode = TIMER_TIMEOUT;
	uv_timer_start(&w->timer, on_timer, (uint64_t)w->timeout_s * 1000, 0);
}

static struct owner_turn *turn_of(struct scann_pool *p, const char *owner)
{
	int i;

	for (i = 0; i < p->n_turns; i++)
		if (strcmp(p->turns[i].owner, owner) == 0)
			return &p->turns[i];
	p->turns = realloc(p->turns, (size_t)(p->n_turns + 1) *
			   sizeof(*p->turns));
	if (p->turns == NULL)
		abort();
	p->turns[p->n_turns].owner = strdup(owner);
	p->turns[p->n_turns].served = 0;
	if (p->turns[p->n_turns].owner == NULL)
		abort();
	return &p->turns[p->n_turns++];
}

static int running_of(const struct scann_pool *p, const char *owner)
{
	const struct worker *w;
	int n = 0;

	for (w = p->workers; w != NULL; w = w->next)
		n += !w->settled && strcmp(w->owner, owner) == 0;
	return n;
}

void scann_pool_dispatch(struct scann_pool *p)
{
	struct scann_error err;

	while (!p->draining && p->busy < p->cfg.slots) {
		struct scann_store_job *job = NULL;
		char **owners = NULL;
		int64_t *ids = NULL;
		int n = 0, i, best = -1, threads;
		uint64_t best_served = UINT64_MAX;

		if (scann_store_job_queue_heads(p->st, &owners, &ids, &n,
						&err) != 0) {
			scann_log("dispatch: %s", err.message);
			return;
		}
		/* Round robin: the owner served longest ago goes first. */
		for (i = 0; i < n; i++) {
			struct owner_turn *t = turn_of(p, owners[i]);

			if (p->cfg.user_limit > 0 &&
			    running_of(p, owners[i]) >= p->cfg.user_limit)
				continue;
			if (t->served < best_served) {
				best = i;
				best_served = t->served;
			}
		}
		if (best >= 0) {
			turn_of(p, owners[best])->served = ++p->tick;
			if (scann_store_job_get(p->st, ids[best], &job,
						&err) != 0)
				scann_log("dispatch: %s", err.message);
		}
		for (i = 0; i < n; i++)
			free(owners[i]);
		free(owners);
		free(ids);
		if (job == NULL)
			return;
		if (job->cancel_requested) {
			/* Cancelled while its worker was being drained. */
			scann_store_job_transition(p->st, job->id,
				SCANN_JOB_MASK_LIVE, SCANN_JOB_CANCELLED, NULL,
				NULL, NULL);
			changed(p, job->id);
			scann_store_job_free(job);
			continue;
		}
		/* Stored at submission (or by the migration, for older jobs). */
		threads = job->res.threads > p->cfg.slots ? p->cfg.slots :
			(int)job->res.threads;
		if (threads < 1)
			threads = 1;
		if (p->busy + threads > p->cfg.slots) {
			/* Wait for room; the turn goes back. */
			turn_of(p, job->owner)->served = best_served;
			scann_store_job_free(job);
			return;
		}
		start(p, job, threads);
		changed(p, job->id);
		scann_store_job_free(job);
	}
}
