/*
 * runner_local.c -- the local runner: scann-worker as a child of scannd,
 * started with uv_spawn on the daemon's loop, with three pipes.  The
 * stored spec is written to stdin as it is, then stdin is closed; the
 * dataset's path goes on the command line (--dataset).  The child gets
 * OPENBLAS_NUM_THREADS/OMP_NUM_THREADS = its threads, its own session and
 * a low priority.  Stop is SIGTERM (the worker checkpoints), hard stop
 * SIGKILL.
 *
 * Its run row holds the worker's pid and start time (field 22 of
 * /proc/PID/stat), so that after a kill -9 of scannd the next start can
 * tell the orphaned worker from an unrelated process that got its pid,
 * and kill it before the job is resumed elsewhere.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/log.h"
#include "runner.h"

extern char **environ;

struct local_runner {
	char *worker;
	int grace_ms;
};

struct local_run {
	struct scann_run *run;
	uv_process_t proc;
	uv_pipe_t in, out, err;
	uv_write_t wreq;
	char *spec_text;
	int open_handles;
	int exited, released;
	void (*done)(struct scann_run *run);
};

/* ---- the pid's start time ---------------------------------------------- */

/*
 * Field 22 of /proc/PID/stat (start time in clock ticks since boot) into
 * out, or "" when the process is gone or a zombie.  The name field may
 * hold spaces and parentheses: fields are counted after its last ')'.
 */
static void pid_birth(long pid, char *out, size_t len)
{
	char path[64], buf[1024], *p;
	FILE *f;
	size_t n;
	int field;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return;
	p += 2;		/* field 3, the state */
	for (field = 3; field < 22 && p != NULL; field++) {
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	if (p != NULL)
		snprintf(out, len, "%.*s", (int)strcspn(p, " \n"), p);
}

void scann_runner_local_reap(const struct scann_store_job_run *r)
{
	char birth[32];
	long pid = strtol(r->ref, NULL, 10);
	int i;

	if (pid <= 1)
		return;
	pid_birth(pid, birth, sizeof(birth));
	if (birth[0] == '\0' || strcmp(birth, r->birth) != 0)
		return;		/* gone, or the pid is someone else's now */
	scann_log("job %lld: its worker (pid %ld) outlived the last scannd; "
		  "killing it", (long long)r->job_id, pid);
	/* Its own session (UV_PROCESS_DETACHED): take its group with it. */
	if (kill((pid_t)-pid, SIGKILL) != 0)
		kill((pid_t)pid, SIGKILL);
	for (i = 0; i < 100; i++) {	/* gone (or a zombie) within 5 s */
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		pid_birth(pid, birth, sizeof(birth));
		if (strcmp(birth, r->birth) != 0)
			return;
		nanosleep(&ts, NULL);
	}
	scann_log("job %lld: worker pid %ld did not die", (long long)r->job_id,
		  pid);
}

/* ---- one child --------------------------------------------------------- */

static void free_if_done(struct local_run *lr)
{
	if (lr->open_handles > 0 || !lr->released)
		return;
	lr->done(lr->run);
	free(lr->spec_text);
	free(lr);
}

static void on_closed(uv_handle_t *h)
{
	struct local_run *lr = h->data;

	lr->open_handles--;
	free_if_done(lr);
}

static void close_handle(struct local_run *lr, uv_handle_t *h)
{
	if (!uv_is_closing(h))
		uv_close(h, on_closed);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char slab[65536];	/* one thread: reads never overlap */

	(void)h;
	(void)suggested;
	buf->base = slab;
	buf->len = sizeof(slab);
}

static void on_out(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct local_run *lr = s->data;

	if (nread < 0) {
		uv_read_stop(s);
		if (!lr->released)
			scann_run_output_end(lr->run);
		return;
	}
	if (!lr->released)
		scann_run_output(lr->run, buf->base, (size_t)nread);
}

static void on_err(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct local_run *lr = s->data;

	if (nread < 0) {
		uv_read_stop(s);
		if (!lr->released)
			scann_run_stderr_end(lr->run);
		return;
	}
	if (!lr->released)
		scann_run_stderr(lr->run, buf->base, (size_t)nread);
}

static void on_exit_cb(uv_process_t *proc, int64_t status, int sig)
{
	struct local_run *lr = proc->data;

	lr->exited = 1;
	if (lr->released)
		close_handle(lr, (uv_handle_t *)&lr->proc);
	else
		scann_run_exited(lr->run, status, sig);
}

static void on_written(uv_write_t *req, int status)
{
	struct local_run *lr = req->data;

	(void)status;	/* EPIPE means the worker left early; its exit says why */
	close_handle(lr, (uv_handle_t *)&lr->in);
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

static int local_start(void *self, struct scann_run *run,
		       const struct scann_run_start *how, void **state,
		       char *msg, size_t msg_len)
{
	struct local_runner *lrn = self;
	uv_loop_t *loop = scann_run_loop(run);
	struct local_run *lr = calloc(1, sizeof(*lr));
	uv_process_options_t opt;
	uv_stdio_container_t stdio[3];
	char blas[48], omp[48], **env, pid[32], birth[32];
	char *args[12];
	struct scann_error err;
	int rc, a = 0;
	uv_buf_t b;

	if (lr == NULL)
		abort();
	lr->run = run;
	/* Kept until the write to stdin is done (how's is the caller's). */
	lr->spec_text = strdup(how->spec);
	if (lr->spec_text == NULL)
		abort();
	args[a++] = lrn->worker;
	args[a++] = "run";
	args[a++] = "-";
	if (how->max_memory_arg != NULL && how->max_memory_arg[0] != '\0')
		args[a++] = (char *)how->max_memory_arg;
	args[a++] = "--dataset";	/* the spec names the dataset's id */
	args[a++] = (char *)how->dataset;
	args[a++] = "--out";
	args[a++] = (char *)how->dir;
	if (how->resume) {
		args[a++] = "--resume";
		args[a++] = (char *)how->dir;
	}
	args[a] = NULL;
	uv_pipe_init(loop, &lr->in, 0);
	uv_pipe_init(loop, &lr->out, 0);
	uv_pipe_init(loop, &lr->err, 0);
	lr->in.data = lr->out.data = lr->err.data = lr;
	lr->proc.data = lr->wreq.data = lr;
	lr->open_handles = 4;	/* 3 pipes and the process, even unspawned */
	memset(&opt, 0, sizeof(opt));
	stdio[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
	stdio[0].data.stream = (uv_stream_t *)&lr->in;
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&lr->out;
	stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[2].data.stream = (uv_stream_t *)&lr->err;
	opt.file = lrn->worker;
	opt.args = args;
	opt.cwd = how->dir;
	opt.exit_cb = on_exit_cb;
	/*
	 * Its own session: a Ctrl-C or SIGTERM meant for scannd's process
	 * group must not reach the worker before scannd decides (drain, and
	 * resume later) -- otherwise the job would end as failed.
	 */
	opt.flags = UV_PROCESS_DETACHED;
	opt.stdio = stdio;
	opt.stdio_count = 3;
	env = worker_env(how->threads, blas, omp);
	opt.env = env;
	rc = uv_spawn(loop, &lr->proc, &opt);
	free(env);
	*state = lr;
	if (rc != 0) {
		snprintf(msg, msg_len, "cannot start %s: %s", lrn->worker,
			 uv_strerror(rc));
		lr->exited = 1;		/* release closes every handle */
		return -1;
	}
	/*
	 * Workers run niced: they get every cycle the daemon leaves idle, and
	 * the API stays responsive however busy the pool is.
	 */
	uv_os_setpriority(lr->proc.pid, UV_PRIORITY_LOW);
	snprintf(pid, sizeof(pid), "%d", lr->proc.pid);
	pid_birth(lr->proc.pid, birth, sizeof(birth));
	if (scann_store_job_run_set(scann_run_store(run), how->job_id, "local",
				    pid, birth, &err) != 0)
		scann_log("job %lld: %s", (long long)how->job_id, err.message);
	scann_log("job %lld running (worker pid %d, %d thread%s%s)",
		  (long long)how->job_id, lr->proc.pid, how->threads,
		  how->threads == 1 ? "" : "s", how->resume ? ", resuming" : "");
	b = uv_buf_init(lr->spec_text, (unsigned)strlen(lr->spec_text));
	if (uv_write(&lr->wreq, (uv_stream_t *)&lr->in, &b, 1, on_written) != 0)
		close_handle(lr, (uv_handle_t *)&lr->in);
	uv_read_start((uv_stream_t *)&lr->out, on_alloc, on_out);
	uv_read_start((uv_stream_t *)&lr->err, on_alloc, on_err);
	return 0;
}

static void local_stop(void *self, void *state, int hard)
{
	struct local_run *lr = state;

	(void)self;
	if (lr != NULL && !lr->exited)
		uv_process_kill(&lr->proc, hard ? SIGKILL : SIGTERM);
}

static int local_leave(void *self, void *state)
{
	(void)self;
	(void)state;
	return 0;	/* a child must checkpoint and stop */
}

static void local_release(void *self, struct scann_run *run, void *state,
			  void (*released)(struct scann_run *run))
{
	struct local_run *lr = state;

	(void)self;
	if (lr == NULL) {
		released(run);
		return;
	}
	lr->released = 1;
	lr->done = released;
	close_handle(lr, (uv_handle_t *)&lr->out);
	close_handle(lr, (uv_handle_t *)&lr->err);
	close_handle(lr, (uv_handle_t *)&lr->in);
	if (lr->exited)
		close_handle(lr, (uv_handle_t *)&lr->proc);
	else
		uv_process_kill(&lr->proc, SIGKILL);	/* closed on exit */
	free_if_done(lr);
}

static int local_recover(void *self, struct scann_run *run,
			 const struct scann_store_job *job,
			 const struct scann_store_job_run *r, void **state,
			 char *msg, size_t msg_len)
{
	(void)self;
	(void)run;
	(void)job;
	(void)msg;
	(void)msg_len;
	*state = NULL;
	/* Its pipes died with the last scannd: it cannot be followed. */
	scann_runner_local_reap(r);
	return 0;
}

static void local_free(void *self)
{
	struct local_runner *lrn = self;

	if (lrn == NULL)
		return;
	free(lrn->worker);
	free(lrn);
}

static const struct scann_runner_ops local_ops = {
	.kind = "local",
	.queues = 0,
	.start = local_start,
	.stop = local_stop,
	.leave = local_leave,
	.release = local_release,
	.recover = local_recover,
	.free = local_free,
};

struct scann_runner scann_runner_local_new(const char *worker, int grace_ms)
{
	struct local_runner *lrn = calloc(1, sizeof(*lrn));
	struct scann_runner r;

	if (lrn == NULL)
		abort();
	lrn->worker = strdup(worker);
	if (lrn->worker == NULL)
		abort();
	lrn->grace_ms = grace_ms;
	r.ops = &local_ops;
	r.self = lrn;
	return r;
}
