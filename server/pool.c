/*
 * pool.c -- the worker pool's policy (see pool.h for what it promises):
 * which queued job goes next, how many run, timeouts, how each ends up in
 * the store, and what becomes of them across a restart.  How a worker is
 * run is a runner's business (runner.h): a local child, a Slurm job.
 *
 * Life of one run: dispatch picks a job (moving it to running in the store,
 * unless the runner has a queue of its own and says when it starts) and
 * hands it to the runner.  What the worker prints on stdout is cut into
 * lines, each stored as an event and announced.  The job is settled
 * (succeeded, failed, cancelled, or left running for a restart to resume)
 * only when the runner has said the worker exited AND that stdout and
 * stderr ended, so no event printed before the end is lost; if a stray
 * grandchild keeps a pipe open, a short timer settles the job anyway.  The
 * run's struct goes when its timer has closed and the runner released it.
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
#include "runner.h"
#include "worker/job/artifacts.h"

#define LINE_MAX_BYTES (1024 * 1024)
#define TAIL_BYTES 4096
#define REAP_MS 2000

enum stop_reason { STOP_NONE, STOP_CANCEL, STOP_TIMEOUT, STOP_DRAIN, STOP_STORE };
enum timer_mode { TIMER_TIMEOUT, TIMER_KILL, TIMER_REAP };

/* One attempt at a job (struct scann_run in runner.h). */
struct worker {
	struct scann_pool *pool;
	struct worker *next;
	int64_t job_id;
	char *owner;
	int threads;
	uint32_t timeout_s;
	void *rstate;		/* the runner's */
	int started;		/* stored as running (not in the runner's queue) */
	int resumed;		/* from a checkpoint */
	int64_t attempt;
	uv_timer_t timer;
	enum timer_mode timer_mode;
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
	char lost[256];		/* scann_run_lost's message */
};

#define RUN(w) ((struct scann_run *)(w))
#define WORKER(run) ((struct worker *)(run))

struct owner_turn {
	char *owner;
	uint64_t served;	/* dispatch tick of its last start; 0 = never */
};

struct scann_pool {
	uv_loop_t *loop;
	struct scann_store *st;
	struct scann_pool_config cfg;
	struct scann_pool_hooks hooks;
	struct scann_runner runner;
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
	p->runner = cfg->runner.ops != NULL ? cfg->runner :
		scann_runner_local_new(p->cfg.worker, p->cfg.grace_ms);
	if (p->cfg.slots < 1)
		p->cfg.slots = 1;
	p->hooks = *hooks;
	return p;
}

/* SIGHUP: new limits for what starts or is decided from now on. */
void scann_pool_reconfigure(struct scann_pool *p,
			    const struct scann_pool_config *cfg)
{
	p->cfg.grace_ms = cfg->grace_ms;
	p->cfg.user_limit = cfg->user_limit;
	p->cfg.max_timeout_s = cfg->max_timeout_s;
	p->cfg.epoch_rate = cfg->epoch_rate;
}

void scann_pool_free(struct scann_pool *p)
{
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n_turns; i++)
		free(p->turns[i].owner);
	free(p->turns);
	p->runner.ops->free(p->runner.self);
	free((char *)p->cfg.worker);
	free((char *)p->cfg.data_dir);
	free(p);
}

int scann_pool_busy(const struct scann_pool *p)
{
	return p->busy;
}

/* ---- settling a run ---------------------------------------------------- */

static void free_if_done(struct worker *w)
{
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

static void on_timer_closed(uv_handle_t *h)
{
	free_if_done(h->data);
}

static void on_released(struct scann_run *run)
{
	free_if_done(WORKER(run));
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
	char msg[300];
	json_t *extra = NULL;
	enum scann_job_state to;
	int rc;

	if (w->settled)
		return;
	w->settled = 1;
	uv_timer_stop(&w->timer);
	if (w->reason == STOP_DRAIN) {
		scann_log("job %lld: %s for shutdown; it resumes at the next "
			  "start", (long long)w->job_id, w->exited ?
			  "worker stopped" : "left to its runner");
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
	} else if (w->lost[0] != '\0') {
		to = SCANN_JOB_FAILED;
		extra = json_pack("{s:s}", "message", w->lost);
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
	uv_close((uv_handle_t *)&w->timer, on_timer_closed);
	p->runner.ops->release(p->runner.self, RUN(w), w->rstate,
				 on_released);
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

void scann_run_output(struct scann_run *run, const char *buf, size_t nread)
{
	struct worker *w = WORKER(run);
	size_t i, start = 0;

	if (w->settled)
		return;
	for (i = 0; i < nread; i++) {
		size_t n;

		if (buf[i] != '\n')
			continue;
		n = i - start;
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
			handle_line(w, buf + start, n);
		} else if (w->llen + n <= LINE_MAX_BYTES) {
			/* The end of a line begun in an earlier read. */
			line_reserve(w, w->llen + n);
			memcpy(w->line + w->llen, buf + start, n);
			handle_line(w, w->line, w->llen + n);
			w->llen = 0;
		} else {
			w->llen = 0;	/* overflow: dropped, noted below */
		}
		start = i + 1;
	}
	if (start < nread && !w->overflow) {
		size_t n = nread - start;

		if (w->llen + n > LINE_MAX_BYTES) {
			w->overflow = 1;
			w->llen = 0;
			return;
		}
		line_reserve(w, w->llen + n);
		memcpy(w->line + w->llen, buf + start, n);
		w->llen += n;
	}
}

void scann_run_output_at(struct scann_run *run, const char *buf, size_t n,
			 int64_t offset)
{
	struct worker *w = WORKER(run);
	struct scann_error err;
	int tx;

	if (w->settled)
		return;
	tx = scann_store_begin(w->pool->st, &err) == 0;
	scann_run_output(run, buf, n);
	/* Nothing held back past the offset: a restart reads on from it. */
	flush_epoch(w);
	if (scann_store_job_run_offset(w->pool->st, w->job_id, offset,
				       &err) != 0)
		scann_log("job %lld: %s", (long long)w->job_id, err.message);
	if (tx && scann_store_commit(w->pool->st, &err) != 0) {
		scann_log("job %lld: %s", (long long)w->job_id, err.message);
		scann_store_rollback(w->pool->st);
	}
}

void scann_run_output_end(struct scann_run *run)
{
	struct worker *w = WORKER(run);

	if (w->out_eof)
		return;
	if (w->llen > 0 && !w->overflow && !w->settled)
		handle_line(w, w->line, w->llen);	/* no final \n */
	if (!w->settled)
		flush_epoch(w);
	w->llen = 0;
	w->out_eof = 1;
	maybe_settle(w);
}

void scann_run_stderr(struct scann_run *run, const char *buf, size_t n)
{
	struct worker *w = WORKER(run);

	if (n >= TAIL_BYTES) {
		memcpy(w->tail, buf + n - TAIL_BYTES, TAIL_BYTES);
		w->tail_len = TAIL_BYTES;
		return;
	}
	if (w->tail_len + n > TAIL_BYTES) {
		size_t drop = w->tail_len + n - TAIL_BYTES;

		memmove(w->tail, w->tail + drop, w->tail_len - drop);
		w->tail_len -= drop;
	}
	memcpy(w->tail + w->tail_len, buf, n);
	w->tail_len += n;
}

void scann_run_stderr_end(struct scann_run *run)
{
	struct worker *w = WORKER(run);

	if (w->err_eof)
		return;
	w->err_eof = 1;
	maybe_settle(w);
}

uv_loop_t *scann_run_loop(struct scann_run *run)
{
	return WORKER(run)->pool->loop;
}

struct scann_store *scann_run_store(struct scann_run *run)
{
	return WORKER(run)->pool->st;
}

int64_t scann_run_job(struct scann_run *run)
{
	return WORKER(run)->job_id;
}

void scann_run_noted(struct scann_run *run)
{
	changed(WORKER(run)->pool, WORKER(run)->job_id);
}

/* ---- process control --------------------------------------------------- */

static void runner_stop(struct worker *w, int hard)
{
	w->pool->runner.ops->stop(w->pool->runner.self, w->rstate, hard);
}

static void on_timer(uv_timer_t *t)
{
	struct worker *w = t->data;

	switch (w->timer_mode) {
	case TIMER_TIMEOUT:
		scann_log("job %lld: timeout (%u s), stopping its worker",
			  (long long)w->job_id, (unsigned)w->timeout_s);
		w->reason = STOP_TIMEOUT;
		runner_stop(w, 0);
		w->timer_mode = TIMER_KILL;
		uv_timer_start(&w->timer, on_timer,
			       (uint64_t)w->pool->cfg.grace_ms, 0);
		break;
	case TIMER_KILL:
		if (!w->exited) {
			scann_log("job %lld: worker ignored SIGTERM; SIGKILL",
				  (long long)w->job_id);
			runner_stop(w, 1);
		}
		break;
	case TIMER_REAP:
		/* Exited, but something still holds its pipes open. */
		w->out_eof = w->err_eof = 1;
		settle(w);
		break;
	}
}

static void start_timeout(struct worker *w, uint32_t after_s)
{
	w->timer_mode = TIMER_TIMEOUT;
	uv_timer_start(&w->timer, on_timer, (uint64_t)after_s * 1000, 0);
}

void scann_run_started(struct scann_run *run)
{
	struct worker *w = WORKER(run);
	struct scann_pool *p = w->pool;
	struct scann_error err;
	json_t *extra;

	if (w->started || w->settled)
		return;
	w->started = 1;
	/* The same state event as a job the pool moved to running itself. */
	extra = json_pack("{s:I, s:b, s:i}", "attempt", (json_int_t)w->attempt,
			  "resumed", w->resumed, "threads", w->threads);
	if (scann_store_job_transition(p->st, w->job_id,
		SCANN_JOB_MASK(SCANN_JOB_QUEUED), SCANN_JOB_RUNNING, extra,
		NULL, &err) != 0)
		scann_log("job %lld: %s", (long long)w->job_id, err.message);
	json_decref(extra);
	changed(p, w->job_id);
	if (w->reason == STOP_NONE)
		start_timeout(w, w->timeout_s);
}

void scann_run_exited(struct scann_run *run, int64_t status, int sig)
{
	struct worker *w = WORKER(run);

	if (w->exited)
		return;
	w->exited = 1;
	w->exit_status = status;
	w->term_signal = sig;
	if (!w->settled) {
		w->timer_mode = TIMER_REAP;
		uv_timer_start(&w->timer, on_timer, REAP_MS, 0);
		maybe_settle(w);
	}
}

void scann_run_lost(struct scann_run *run, const char *msg)
{
	struct worker *w = WORKER(run);

	snprintf(w->lost, sizeof(w->lost), "%s", msg);
	w->exited = w->out_eof = w->err_eof = 1;
	settle(w);
}

static void stop(struct worker *w, enum stop_reason why)
{
	if (w->settled || w->exited)
		return;
	if (w->reason == STOP_NONE || why == STOP_DRAIN)
		w->reason = why;
	runner_stop(w, 0);
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
	struct worker *w, *next;

	p->draining = 1;
	p->drained = done;
	p->drained_cls = cls;
	for (w = p->workers; w != NULL; w = next) {
		next = w->next;
		if (w->settled || w->exited)
			continue;
		if (p->runner.ops->leave(p->runner.self, w->rstate)) {
			/* It runs on without scannd: just stop following. */
			w->reason = STOP_DRAIN;
			settle(w);
		} else {
			stop(w, STOP_DRAIN);
		}
	}
	if (p->workers == NULL && p->drained != NULL) {
		p->drained = NULL;
		done(cls);
	}
}

/* ---- starting runs ----------------------------------------------------- */

/*
 * Whether the job's directory holds a checkpoint to resume from: the test
 * scann-worker makes of it (scann_checkpoint_exists, in the engine, which
 * scannd does not link), on the file artifacts.h names.  A training
 * snapshot counts too: a job stopped in its first training (a long
 * baseline) has no checkpoint yet, and `--resume` goes on from the
 * snapshot where a new run would train from the start.
 */
static int has_checkpoint(const char *dir)
{
	char path[4400];

	snprintf(path, sizeof(path), "%s/%s", dir,
		 scann_artifacts[SCANN_ARTIFACT_CHECKPOINT].file);
	if (access(path, F_OK) == 0)
		return 1;
	snprintf(path, sizeof(path), "%s/%s", dir,
		 scann_artifacts[SCANN_ARTIFACT_SNAPSHOT].file);
	return access(path, F_OK) == 0;
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

/* The job's directory's path in dir (size 4200). */
static void job_dir(const struct scann_pool *p, int64_t id, char *dir)
{
	snprintf(dir, 4200, "%s/jobs/%lld", p->cfg.data_dir, (long long)id);
}

/* A new run of job taking threads slots, in the pool's list. */
static struct worker *new_worker(struct scann_pool *p,
				 const struct scann_store_job *job, int threads)
{
	struct worker *w = calloc(1, sizeof(*w));

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
	if (w->owner == NULL)
		abort();
	uv_timer_init(p->loop, &w->timer);
	w->timer.data = w;
	w->open_handles = 2;	/* the timer, and the runner's release */
	w->next = p->workers;
	p->workers = w;
	p->busy += threads;
	return w;
}

/*
 * Start job (queued) with threads slots.  Afterwards a runner has it, or
 * the job was settled as failed; either way the caller just moves on.
 */
static void start(struct scann_pool *p, const struct scann_store_job *job,
		  int threads)
{
	const struct scann_runner_ops *ops = p->runner.ops;
	struct scann_store_dataset *ds = NULL;
	struct scann_run_start how;
	struct scann_error err;
	struct worker *w;
	char dir[4200], msg[300];
	json_t *extra;
	int resume, rc;

	if (scann_store_dataset_get(p->st, job->dataset_id, NULL, &ds, &err) != 0) {
		scann_store_job_transition(p->st, job->id,
			SCANN_JOB_MASK(SCANN_JOB_QUEUED), SCANN_JOB_RUNNING,
			NULL, NULL, NULL);
		fail_start(p, job->id, "its dataset is no longer stored");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/jobs", p->cfg.data_dir);
	mkdir(dir, 0755);
	job_dir(p, job->id, dir);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		scann_store_dataset_free(ds);
		scann_store_job_transition(p->st, job->id,
			SCANN_JOB_MASK(SCANN_JOB_QUEUED), SCANN_JOB_RUNNING,
			NULL, NULL, NULL);
		fail_start(p, job->id, "cannot create the job's directory");
		return;
	}
	resume = has_checkpoint(dir);
	if (!ops->queues) {
		extra = json_pack("{s:I, s:b, s:i}", "attempt",
				  (json_int_t)job->attempts + 1, "resumed",
				  resume, "threads", threads);
		rc = scann_store_job_transition(p->st, job->id,
			SCANN_JOB_MASK(SCANN_JOB_QUEUED), SCANN_JOB_RUNNING,
			extra, NULL, &err);
		json_decref(extra);
		if (rc != 0) {
			scann_log("job %lld: %s", (long long)job->id,
				  err.message);
			scann_store_dataset_free(ds);
			return;
		}
	}
	scann_store_job_count_attempt(p->st, job->id, NULL);

	w = new_worker(p, job, threads);
	w->attempt = job->attempts + 1;
	w->resumed = resume;
	w->started = !ops->queues;
	memset(&how, 0, sizeof(how));
	how.job_id = job->id;
	how.attempt = w->attempt;
	how.owner = job->owner;
	how.spec = job->spec;
	how.dataset = ds->path;
	how.dir = dir;
	how.resume = resume;
	how.threads = job->res.threads < 1 ? 1 : (int)job->res.threads;
	if (!ops->queues)
		how.threads = threads;
	how.timeout_s = w->timeout_s;
	how.max_memory_arg = p->cfg.max_memory_arg;
	msg[0] = '\0';
	rc = ops->start(p->runner.self, RUN(w), &how, &w->rstate, msg,
			sizeof(msg));
	scann_store_dataset_free(ds);
	if (rc != 0) {
		scann_log("job %lld: %s", (long long)job->id, msg);
		w->exited = 1;
		w->exit_status = 127;
		w->err_eof = w->out_eof = 1;
		snprintf(w->tail, sizeof(w->tail), "%s\n", msg);
		w->tail_len = strlen(w->tail);
		settle(w);	/* failed, with msg in stderr */
		return;
	}
	if (w->started)
		start_timeout(w, w->timeout_s);
}

/* Slots job takes: its threads (at most all), or 1 in a queueing runner. */
static int slots_for(const struct scann_pool *p,
		     const struct scann_store_job *job)
{
	int threads;

	if (p->runner.ops->queues)
		return 1;
	/* Stored at submission (or by the migration, for older jobs). */
	threads = job->res.threads > p->cfg.slots ? p->cfg.slots :
		(int)job->res.threads;
	return threads < 1 ? 1 : threads;
}

/* ---- restart recovery -------------------------------------------------- */

/*
 * Put job id (running, or queued in a runner) back in the pool's queue:
 * its run forgotten, to be resumed from its checkpoint when dispatched;
 * or, when its events cannot be stored, failed saying so.
 */
static int requeue(struct scann_pool *p, int64_t id, const char *why)
{
	struct scann_error err, room;
	enum scann_job_state to = SCANN_JOB_QUEUED;
	char msg[300];
	json_t *extra;
	int rc;

	/*
	 * With no room for events (a full disk, the cap, a read-only store),
	 * a re-queued job would fill what is left and fail again -- or, on a
	 * full disk, stay running with no record: fail it now, saying why.
	 */
	if (scann_store_check_room(p->st, &room) != 0) {
		snprintf(msg, sizeof(msg), "%s, and its events cannot be "
			 "stored (%.180s)", why, room.message);
		extra = json_pack("{s:s}", "message", msg);
		to = SCANN_JOB_FAILED;
	} else {
		snprintf(msg, sizeof(msg), "%s; it will resume from its last "
			 "checkpoint", why);
		extra = json_pack("{s:s}", "reason", msg);
	}
	rc = scann_store_begin(p->st, &err);
	if (rc == 0)
		rc = scann_store_job_run_delete(p->st, id, &err);
	if (rc == 0) {
		rc = scann_store_job_transition(p->st, id,
			SCANN_JOB_MASK(SCANN_JOB_RUNNING), to, extra, NULL,
			&err);
		if (rc == SCANN_ENOENT)	/* queued in the runner: stays queued */
			rc = 0;
	}
	if (rc == 0)
		rc = scann_store_commit(p->st, &err);
	json_decref(extra);
	if (rc != 0) {
		scann_store_rollback(p->st);
		scann_log("recovery of job %lld: %s", (long long)id,
			  err.message);
		return 0;
	}
	scann_log("job %lld was running at shutdown: %s", (long long)id,
		  to == SCANN_JOB_QUEUED ? "re-queued" : msg);
	return 1;
}

/* Follow job's run again, as the runner found it going on. */
static void adopt(struct scann_pool *p, const struct scann_store_job *job,
		  const struct scann_store_job_run *r)
{
	struct worker *w = new_worker(p, job, slots_for(p, job));
	char dir[4200], msg[300] = "";
	int rc;

	job_dir(p, job->id, dir);
	w->attempt = job->attempts;
	w->resumed = has_checkpoint(dir);
	w->started = job->state == SCANN_JOB_RUNNING;
	rc = p->runner.ops->recover(p->runner.self, RUN(w), job, r, &w->rstate,
				    msg, sizeof(msg));
	if (rc == 1) {
		scann_log("job %lld: following its %s run %s again",
			  (long long)job->id, r->kind, r->ref);
		if (w->started) {
			int64_t ran = (scann_store_now_ms() - job->started_at) /
				1000;

			start_timeout(w, ran >= (int64_t)w->timeout_s ? 1 :
				      w->timeout_s - (uint32_t)ran);
		}
		return;
	}
	/* Nothing to follow: take it out of the pool again. */
	w->rstate = NULL;
	w->settled = 1;
	uv_close((uv_handle_t *)&w->timer, on_timer_closed);
	p->runner.ops->release(p->runner.self, RUN(w), NULL, on_released);
	if (rc == 0) {
		requeue(p, job->id, msg[0] ? msg : "scannd restarted while the "
			"job ran");
	} else {
		fail_start(p, job->id, msg);
	}
}

int scann_pool_recover(struct scann_pool *p)
{
	static const enum scann_job_state states[] = {
		SCANN_JOB_RUNNING, SCANN_JOB_QUEUED
	};
	struct scann_error err;
	int s, i, n, done = 0;

	for (s = 0; s < 2; s++) {
		int64_t *ids = NULL;

		if (scann_store_job_ids_in_state(p->st, states[s], &ids, &n,
						 &err) != 0) {
			scann_log("recovery: %s", err.message);
			continue;
		}
		for (i = 0; i < n; i++) {
			struct scann_store_job_run *r = NULL;
			struct scann_store_job *job = NULL;
			char msg[300];

			if (scann_store_job_run_get(p->st, ids[i], &r,
						    NULL) != 0) {
				/* No run recorded: nothing of it can run. */
				if (states[s] == SCANN_JOB_RUNNING)
					done += requeue(p, ids[i], "scannd "
						"restarted while the job ran");
				continue;
			}
			if (scann_store_job_get(p->st, ids[i], &job,
						&err) != 0) {
				scann_log("recovery: %s", err.message);
			} else if (strcmp(r->kind, p->runner.ops->kind) == 0) {
				adopt(p, job, r);
				done++;
			} else if (strcmp(r->kind, "local") == 0) {
				/* --runner changed: still no orphan may run. */
				scann_runner_local_reap(r);
				done += requeue(p, ids[i], "scannd restarted "
						"while the job ran");
			} else {
				snprintf(msg, sizeof(msg), "it was left to a "
					 "%s run (%s) and scannd now runs "
					 "jobs with --runner %s", r->kind,
					 r->ref, p->runner.ops->kind);
				fail_start(p, ids[i], msg);
				done++;
			}
			scann_store_job_free(job);
			scann_store_job_run_free(r);
		}
		free(ids);
	}
	return done;
}

/* ---- dispatch ---------------------------------------------------------- */

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
		threads = slots_for(p, job);
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
