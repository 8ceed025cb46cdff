/*
 * runner_slurm.c -- the Slurm runner: each attempt of a job is one Slurm
 * batch job, and scannd follows it through files on a filesystem shared
 * with the nodes (the spool), never through a pipe, so the job runs on
 * whether or not scannd does.
 *
 * For job ID's attempt A, start() writes SPOOL/job-ID-A/ with the spec
 * (spec.json) and a batch script (job.sh), then runs
 * `sbatch --parsable job.sh` and stores the Slurm job id as the run's ref
 * (the run row is stored before sbatch, ref "", so a scannd killed in
 * between finds the submission by its name, scann-ID-A-TAG, TAG a hash of
 * the spool's path).  On the node the
 * script marks the start (started), runs scann-worker in the job's
 * directory with the spec on stdin, its stdout appended to events.ndjson
 * and its stderr to stderr, forwards SIGTERM (scancel) to it, and records
 * its exit status with an atomic rename (exit).
 *
 * scannd polls each run's spool every poll_ms: new whole lines of
 * events.ndjson are stored together with the offset reached (one store
 * transaction: a restart reads on from there, no event lost or repeated);
 * started moves the job to running; exit ends it.  Every few polls one
 * `squeue --me` tells each run's Slurm state: a pending job's reason is
 * kept as the run's note (the job stays queued in the store), and a job
 * Slurm no longer shows, or shows ended, with no exit status in the spool
 * after one more look, was lost: its job fails saying so (Slurm's
 * accounting may be off, so sacct is not asked).  Cancel is scancel
 * (SIGTERM, the worker checkpoints), the hard stop scancel -s KILL.
 */
#define _XOPEN_SOURCE 700	/* realpath */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/log.h"
#include "runner.h"

#define READ_MAX (1024 * 1024)	/* event bytes read per poll and run */
#define TAIL_MAX 4096		/* stderr kept for a failed job */
#define SQUEUE_EVERY 4		/* polls between two squeue */
#define SCRIPT_MAX (10 * PATH_MAX)

struct slurm_run;

struct slurm_runner {
	uv_loop_t *loop;
	char *spool, *partition, *account, *time_limit, *sbatch_args, *worker;
	int poll_ms;
	/*
	 * A hash of the spool's path, in every job name: two scannds under
	 * one account (two tests at once) never take the other's scann-1-1.
	 */
	unsigned tag;
	struct slurm_run *runs;
	int squeue_busy;	/* a squeue is in flight */
	unsigned ticks;
};

struct slurm_run {
	struct slurm_runner *rn;
	struct slurm_run *next;
	struct scann_run *run;
	int64_t job_id, attempt;
	char name[64];		/* scann-ID-A-TAG, the Slurm job name */
	char slurm_id[32];	/* "" until sbatch answered */
	char dir[PATH_MAX];	/* SPOOL/job-ID-A */
	int64_t offset;		/* events.ndjson bytes stored */
	uv_timer_t poll;
	int handles;		/* poll timer, commands in flight */
	int released, ended, stopping;
	int missing;		/* squeues in a row without it, or ended */
	char note[160];		/* Slurm's state and reason */
	void (*done)(struct scann_run *run);
};

/* ---- commands (sbatch, squeue, scancel) -------------------------------- */

struct cmd {
	uv_process_t proc;
	uv_pipe_t out, err;
	char buf[65536];	/* stdout then stderr, cut when full */
	size_t len;
	int open, exited;
	int64_t status;
	void (*cb)(void *ctx, int64_t status, const char *out);
	void *ctx;
};

static void cmd_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct cmd *c = h->data;

	(void)suggested;
	if (c->len + 1 >= sizeof(c->buf))
		c->len = sizeof(c->buf) - 2;	/* overwrite the last byte */
	buf->base = c->buf + c->len;
	buf->len = sizeof(c->buf) - 1 - c->len;
}

static void cmd_closed(uv_handle_t *h)
{
	struct cmd *c = h->data;

	if (--c->open > 0)
		return;
	c->buf[c->len] = '\0';
	c->cb(c->ctx, c->status, c->buf);
	free(c);
}

static void cmd_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct cmd *c = s->data;

	(void)buf;
	if (n < 0) {
		uv_close((uv_handle_t *)s, cmd_closed);
		return;
	}
	c->len += (size_t)n;
}

static void cmd_exit(uv_process_t *p, int64_t status, int sig)
{
	struct cmd *c = p->data;

	c->status = sig ? 128 + sig : status;
	uv_close((uv_handle_t *)p, cmd_closed);
}

/*
 * Run argv; cb(ctx, exit status, stdout and stderr) once it ended and its
 * output is read.  A command that cannot start ends with status 127.
 */
static void cmd_run(uv_loop_t *loop, char **argv,
		    void (*cb)(void *ctx, int64_t status, const char *out),
		    void *ctx)
{
	struct cmd *c = calloc(1, sizeof(*c));
	uv_process_options_t opt;
	uv_stdio_container_t stdio[3];
	int rc;

	if (c == NULL)
		abort();
	c->cb = cb;
	c->ctx = ctx;
	uv_pipe_init(loop, &c->out, 0);
	uv_pipe_init(loop, &c->err, 0);
	c->out.data = c->err.data = c->proc.data = c;
	memset(&opt, 0, sizeof(opt));
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&c->out;
	stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[2].data.stream = (uv_stream_t *)&c->err;
	opt.file = argv[0];
	opt.args = argv;
	opt.exit_cb = cmd_exit;
	opt.stdio = stdio;
	opt.stdio_count = 3;
	c->open = 3;
	rc = uv_spawn(loop, &c->proc, &opt);
	if (rc != 0) {
		c->status = 127;
		c->len = (size_t)snprintf(c->buf, sizeof(c->buf),
					  "cannot run %s: %s", argv[0],
					  uv_strerror(rc));
		uv_close((uv_handle_t *)&c->proc, cmd_closed);
		uv_close((uv_handle_t *)&c->out, cmd_closed);
		uv_close((uv_handle_t *)&c->err, cmd_closed);
		return;
	}
	uv_read_start((uv_stream_t *)&c->out, cmd_alloc, cmd_read);
	uv_read_start((uv_stream_t *)&c->err, cmd_alloc, cmd_read);
}

/* ---- one run's life ---------------------------------------------------- */

static void run_free_if_done(struct slurm_run *sr)
{
	struct slurm_run **pp;

	if (!sr->released || sr->handles > 0)
		return;
	for (pp = &sr->rn->runs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == sr) {
			*pp = sr->next;
			break;
		}
	}
	sr->done(sr->run);
	free(sr);
}

static void on_poll_closed(uv_handle_t *h)
{
	struct slurm_run *sr = h->data;

	sr->handles--;
	run_free_if_done(sr);
}

/* path of the spool file name of sr in buf (size PATH_MAX + 32). */
static void spool_file(const struct slurm_run *sr, const char *name,
		       char *buf)
{
	snprintf(buf, PATH_MAX + 32, "%s/%s", sr->dir, name);
}

/* The exit status file: 1 with *status, *sig read; 0 when absent. */
static int read_exit(const struct slurm_run *sr, int64_t *status, int *sig)
{
	char path[PATH_MAX + 32];
	long long st = -1;
	FILE *f;
	int n;

	spool_file(sr, "exit", path);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	n = fscanf(f, "%lld", &st);
	fclose(f);
	*status = n == 1 ? st : 255;
	*sig = 0;
	/* The shell's 128 + N: killed by signal N. */
	if (*status > 128 && *status < 128 + 65) {
		*sig = (int)(*status - 128);
		*status = 0;
	}
	return 1;
}

/*
 * Feed what events.ndjson holds past sr->offset: whole lines only, unless
 * final (the worker has ended: a last line without its newline counts).
 */
static void read_events(struct slurm_run *sr, int final)
{
	char path[PATH_MAX + 32];
	char *buf;
	ssize_t n;
	size_t use;
	int fd;

	spool_file(sr, "events.ndjson", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	buf = malloc(READ_MAX);
	if (buf == NULL)
		abort();
	for (;;) {
		n = pread(fd, buf, READ_MAX, (off_t)sr->offset);
		if (n <= 0)
			break;
		use = (size_t)n;
		while (use > 0 && buf[use - 1] != '\n')
			use--;
		if (use == 0 && (final || n == READ_MAX))
			use = (size_t)n;	/* an endless line: the pool drops it */
		if (use == 0)
			break;
		sr->offset += (int64_t)use;
		/* Output means it runs, whichever file the share shows first. */
		scann_run_started(sr->run);
		scann_run_output_at(sr->run, buf, use, sr->offset);
		if (sr->released || (size_t)n < READ_MAX)
			break;
	}
	free(buf);
	close(fd);
}

static void read_stderr_tail(struct slurm_run *sr)
{
	char path[PATH_MAX + 32], buf[TAIL_MAX];
	struct stat stt;
	ssize_t n;
	int fd;

	spool_file(sr, "stderr", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &stt) == 0) {
		off_t from = stt.st_size > TAIL_MAX ? stt.st_size - TAIL_MAX : 0;

		n = pread(fd, buf, sizeof(buf), from);
		if (n > 0)
			scann_run_stderr(sr->run, buf, (size_t)n);
	}
	close(fd);
}

/* The worker is done (exit file), or Slurm ended the job without it. */
static void finish(struct slurm_run *sr, int64_t status, int sig)
{
	if (sr->ended)
		return;
	sr->ended = 1;
	uv_timer_stop(&sr->poll);
	read_events(sr, 1);
	if (sr->released)
		return;
	scann_run_output_end(sr->run);
	read_stderr_tail(sr);
	scann_run_stderr_end(sr->run);
	scann_run_exited(sr->run, status, sig);
}

static void poll_run(struct slurm_run *sr)
{
	char path[PATH_MAX + 32];
	int64_t status;
	int sig;

	if (sr->released || sr->ended || sr->slurm_id[0] == '\0')
		return;
	spool_file(sr, "started", path);
	if (access(path, F_OK) == 0)
		scann_run_started(sr->run);
	if (read_exit(sr, &status, &sig)) {
		finish(sr, status, sig);
		return;
	}
	read_events(sr, 0);
}

static void squeue_now(struct slurm_runner *rn);

static void on_poll(uv_timer_t *t)
{
	struct slurm_run *sr = t->data;
	struct slurm_runner *rn = sr->rn;

	poll_run(sr);
	/* The runs' timers share one squeue, every few polls of anyone. */
	if (++rn->ticks % SQUEUE_EVERY == 0)
		squeue_now(rn);
}

/* What squeue said of sr (NULL: not listed). */
static void squeue_says(struct slurm_run *sr, const char *state,
			const char *reason)
{
	char note[160], lost[PATH_MAX + 300];
	int64_t status;
	int sig;

	if (sr->released || sr->ended || sr->slurm_id[0] == '\0')
		return;
	if (state != NULL && (strcmp(state, "PENDING") == 0 ||
			      strcmp(state, "RUNNING") == 0 ||
			      strcmp(state, "CONFIGURING") == 0 ||
			      strcmp(state, "COMPLETING") == 0 ||
			      strcmp(state, "SUSPENDED") == 0 ||
			      strcmp(state, "REQUEUED") == 0 ||
			      strcmp(state, "RESIZING") == 0)) {
		sr->missing = 0;
		if (strcmp(state, "PENDING") == 0)
			snprintf(note, sizeof(note), "PENDING (%.100s)", reason);
		else
			snprintf(note, sizeof(note), "%.60s", state);
		if (strcmp(note, sr->note) != 0) {
			snprintf(sr->note, sizeof(sr->note), "%s", note);
			scann_store_job_run_note(scann_run_store(sr->run),
						 sr->job_id, note, NULL);
			scann_run_noted(sr->run);
		}
		return;
	}
	/* Ended in Slurm, or forgotten: the spool's exit status decides. */
	poll_run(sr);
	if (sr->ended || sr->released)
		return;
	if (read_exit(sr, &status, &sig))
		return;
	if (++sr->missing < 2)
		return;		/* one more look: the file may be on its way */
	if (sr->stopping) {
		/* scancel took it before the script could say anything. */
		finish(sr, 0, SIGTERM);
		return;
	}
	if (state != NULL)
		snprintf(lost, sizeof(lost), "Slurm job %s ended %.60s (%.100s) "
			 "with no exit status in the spool %s", sr->slurm_id,
			 state, reason, sr->dir);
	else
		snprintf(lost, sizeof(lost), "Slurm job %s is gone from squeue "
			 "with no exit status in the spool %s", sr->slurm_id,
			 sr->dir);
	sr->ended = 1;
	uv_timer_stop(&sr->poll);
	read_events(sr, 1);
	if (!sr->released)
		scann_run_lost(sr->run, lost);
}

static void on_squeue(void *ctx, int64_t status, const char *out)
{
	struct slurm_runner *rn = ctx;
	struct slurm_run *sr, *next;

	rn->squeue_busy = 0;
	if (status != 0) {
		scann_log("slurm: squeue failed (status %lld): %.300s",
			  (long long)status, out);
		return;		/* the controller may be back next time */
	}
	for (sr = rn->runs; sr != NULL; sr = next) {
		/* Lines "ID|STATE|REASON". */
		const char *line = out, *found = NULL;
		char state[64] = "", reason[96] = "";
		size_t idlen = strlen(sr->slurm_id);

		next = sr->next;
		if (idlen == 0 || sr->released)
			continue;
		while (*line != '\0') {
			if (strncmp(line, sr->slurm_id, idlen) == 0 &&
			    line[idlen] == '|') {
				found = line + idlen + 1;
				break;
			}
			line = strchr(line, '\n');
			if (line == NULL)
				break;
			line++;
		}
		if (found != NULL) {
			size_t k = strcspn(found, "|\n");

			snprintf(state, sizeof(state), "%.*s", (int)k, found);
			if (found[k] == '|')
				snprintf(reason, sizeof(reason), "%.*s",
					 (int)strcspn(found + k + 1, "\n"),
					 found + k + 1);
		}
		squeue_says(sr, found ? state : NULL, reason);
	}
}

static void squeue_now(struct slurm_runner *rn)
{
	char *argv[] = { "squeue", "--me", "-h", "-t", "all", "-o", "%i|%T|%r",
			 NULL };

	if (rn->squeue_busy || rn->runs == NULL)
		return;
	rn->squeue_busy = 1;
	cmd_run(rn->loop, argv, on_squeue, rn);
}

/* ---- starting a run ---------------------------------------------------- */

static int write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (f == NULL)
		return -1;
	ok = fputs(text, f) >= 0;
	ok = (fclose(f) == 0) && ok;
	chmod(path, mode);
	return ok ? 0 : -1;
}

/* s single-quoted for sh into buf (size len); -1 when it does not fit. */
static int shq(const char *s, char *buf, size_t len)
{
	size_t k = 0;

	if (k + 1 >= len)
		return -1;
	buf[k++] = '\'';
	for (; *s != '\0'; s++) {
		if (*s == '\'') {
			if (k + 4 >= len)
				return -1;
			memcpy(buf + k, "'\\''", 4);
			k += 4;
		} else {
			if (k + 1 >= len)
				return -1;
			buf[k++] = *s;
		}
	}
	if (k + 2 > len)
		return -1;
	buf[k++] = '\'';
	buf[k] = '\0';
	return 0;
}

/* The batch script: see the head of this file. */
static int write_script(struct slurm_run *sr, const char *worker,
			const struct scann_run_start *how, const char *dataset,
			const char *dir, char *msg, size_t msg_len)
{
	char qspool[PATH_MAX * 2], qworker[PATH_MAX * 2], qds[PATH_MAX * 2];
	char qdir[PATH_MAX * 2], path[PATH_MAX + 32];
	char *text;
	int n;

	if (shq(sr->dir, qspool, sizeof(qspool)) != 0 ||
	    shq(worker, qworker, sizeof(qworker)) != 0 ||
	    shq(dataset, qds, sizeof(qds)) != 0 ||
	    shq(dir, qdir, sizeof(qdir)) != 0) {
		snprintf(msg, msg_len, "a path is too long for the job script");
		return -1;
	}
	text = malloc(SCRIPT_MAX);
	if (text == NULL)
		abort();
	n = snprintf(text, SCRIPT_MAX,
		"#!/bin/sh\n"
		"# scannd's job %lld, attempt %lld: run scann-worker, its events\n"
		"# to the spool, its exit status recorded atomically at the end.\n"
		"spool=%s\n"
		"hostname >\"$spool/started.tmp\" && mv \"$spool/started.tmp\" "
		"\"$spool/started\"\n"
		"cd %s || { echo 1 >\"$spool/exit.tmp\"; "
		"mv \"$spool/exit.tmp\" \"$spool/exit\"; exit 1; }\n"
		"export OPENBLAS_NUM_THREADS=%d OMP_NUM_THREADS=%d\n"
		"%s run - --dataset %s --out %s%s%s <\"$spool/spec.json\" "
		">>\"$spool/events.ndjson\" 2>>\"$spool/stderr\" &\n"
		"pid=$!\n"
		"# scancel's SIGTERM: the worker checkpoints and stops.\n"
		"trap 'kill -TERM $pid 2>/dev/null' TERM INT\n"
		"wait $pid\n"
		"status=$?\n"
		"while kill -0 $pid 2>/dev/null; do wait $pid; status=$?; done\n"
		"echo $status >\"$spool/exit.tmp\"\n"
		"mv \"$spool/exit.tmp\" \"$spool/exit\"\n"
		"exit $status\n",
		(long long)how->job_id, (long long)how->attempt, qspool, qdir,
		how->threads, how->threads, qworker, qds, qdir,
		how->resume ? " --resume " : "", how->resume ? qdir : "");
	if (n < 0 || n >= SCRIPT_MAX) {
		free(text);
		snprintf(msg, msg_len, "the job script is too long");
		return -1;
	}
	spool_file(sr, "job.sh", path);
	n = write_file(path, text, 0755);
	free(text);
	if (n != 0) {
		snprintf(msg, msg_len, "cannot write %s: %s", path,
			 strerror(errno));
		return -1;
	}
	return 0;
}

static void null_cb(void *ctx, int64_t status, const char *out);

static void on_sbatch(void *ctx, int64_t status, const char *out)
{
	struct slurm_run *sr = ctx;
	struct scann_error err;
	char id[32];
	size_t k = strspn(out, "0123456789");

	sr->handles--;
	/* --parsable: "ID" or "ID;CLUSTER". */
	if (status == 0 && k > 0 && k < sizeof(id)) {
		snprintf(id, sizeof(id), "%.*s", (int)k, out);
		snprintf(sr->slurm_id, sizeof(sr->slurm_id), "%s", id);
		if (scann_store_job_run_set(scann_run_store(sr->run),
					    sr->job_id, "slurm", id, sr->name,
					    &err) != 0)
			scann_log("job %lld: %s", (long long)sr->job_id,
				  err.message);
		scann_log("job %lld: submitted as Slurm job %s (%s)",
			  (long long)sr->job_id, id, sr->dir);
		if (!sr->released)
			scann_run_noted(sr->run);
		if (sr->stopping && !sr->ended) {
			char *argv[] = { "scancel", sr->slurm_id, NULL };

			sr->handles++;
			cmd_run(sr->rn->loop, argv, null_cb, sr);
		}
		if (!sr->released) {
			uv_timer_start(&sr->poll, on_poll,
				       (uint64_t)sr->rn->poll_ms,
				       (uint64_t)sr->rn->poll_ms);
		}
	} else if (!sr->released && !sr->ended) {
		char msg[600];

		snprintf(msg, sizeof(msg), "sbatch failed (status %lld): %.500s",
			 (long long)status, out);
		scann_log("job %lld: %s", (long long)sr->job_id, msg);
		sr->ended = 1;
		scann_run_lost(sr->run, msg);
	}
	run_free_if_done(sr);
}

/* Split copy (sbatch_args) on blanks into argv from a, up to cap. */
static int add_words(char *copy, char **argv, int a, int cap)
{
	char *save = NULL, *w;

	for (w = strtok_r(copy, " \t", &save); w != NULL && a < cap;
	     w = strtok_r(NULL, " \t", &save))
		argv[a++] = w;
	return a;
}

static struct slurm_run *run_new(struct slurm_runner *rn, struct scann_run *run,
				 int64_t job_id, int64_t attempt)
{
	struct slurm_run *sr = calloc(1, sizeof(*sr));

	if (sr == NULL)
		abort();
	sr->rn = rn;
	sr->run = run;
	sr->job_id = job_id;
	sr->attempt = attempt;
	snprintf(sr->name, sizeof(sr->name), "scann-%lld-%lld-%08x",
		 (long long)job_id, (long long)attempt, rn->tag);
	snprintf(sr->dir, sizeof(sr->dir), "%s/job-%lld-%lld", rn->spool,
		 (long long)job_id, (long long)attempt);
	uv_timer_init(rn->loop, &sr->poll);
	sr->poll.data = sr;
	sr->handles = 1;	/* the timer */
	sr->next = rn->runs;
	rn->runs = sr;
	return sr;
}

static int slurm_start(void *self, struct scann_run *run,
		       const struct scann_run_start *how, void **state,
		       char *msg, size_t msg_len)
{
	struct slurm_runner *rn = self;
	struct slurm_run *sr = run_new(rn, run, how->job_id, how->attempt);
	char path[PATH_MAX + 32], dataset[PATH_MAX], dir[PATH_MAX];
	char cpus[32], out[PATH_MAX + 48], tlim[32], *extra = NULL;
	char *argv[64];
	struct scann_error err;
	int a = 0;

	*state = sr;
	/* The nodes do not share scannd's working directory: full paths. */
	if (realpath(how->dataset, dataset) == NULL ||
	    realpath(how->dir, dir) == NULL) {
		snprintf(msg, msg_len, "cannot resolve %s: %s", how->dataset,
			 strerror(errno));
		return -1;
	}
	if (mkdir(sr->dir, 0755) != 0 && errno != EEXIST) {
		snprintf(msg, msg_len, "cannot create %s: %s", sr->dir,
			 strerror(errno));
		return -1;
	}
	spool_file(sr, "spec.json", path);
	if (write_file(path, how->spec, 0644) != 0) {
		snprintf(msg, msg_len, "cannot write %s: %s", path,
			 strerror(errno));
		return -1;
	}
	if (write_script(sr, rn->worker, how, dataset, dir, msg, msg_len) != 0)
		return -1;
	/* In the store before sbatch: a restart in between finds the name. */
	if (scann_store_job_run_set(scann_run_store(run), how->job_id, "slurm",
				    "", sr->name, &err) != 0) {
		snprintf(msg, msg_len, "%s", err.message);
		return -1;
	}
	snprintf(cpus, sizeof(cpus), "--cpus-per-task=%d", how->threads);
	snprintf(out, sizeof(out), "--output=%s/slurm.out", sr->dir);
	argv[a++] = "sbatch";
	argv[a++] = "--parsable";
	argv[a++] = "--no-requeue";
	argv[a++] = "--ntasks=1";
	argv[a++] = cpus;
	argv[a++] = "--job-name";
	argv[a++] = sr->name;
	argv[a++] = "--chdir";
	argv[a++] = sr->dir;
	argv[a++] = out;
	if (rn->partition[0] != '\0') {
		argv[a++] = "--partition";
		argv[a++] = rn->partition;
	}
	if (rn->account[0] != '\0') {
		argv[a++] = "--account";
		argv[a++] = rn->account;
	}
	argv[a++] = "--time";
	if (rn->time_limit[0] != '\0') {
		argv[a++] = rn->time_limit;
	} else {
		/* The pool's timeout, then a minute's grace, in minutes. */
		snprintf(tlim, sizeof(tlim), "%u",
			 (unsigned)(how->timeout_s / 60 + 2));
		argv[a++] = tlim;
	}
	extra = strdup(rn->sbatch_args);
	if (extra == NULL)
		abort();
	a = add_words(extra, argv, a, 60);
	spool_file(sr, "job.sh", path);
	argv[a++] = path;
	argv[a] = NULL;
	sr->handles++;
	cmd_run(rn->loop, argv, on_sbatch, sr);
	free(extra);
	scann_log("job %lld: sbatch %s (%d CPU%s)", (long long)how->job_id,
		  sr->name, how->threads, how->threads == 1 ? "" : "s");
	return 0;
}

static void null_cb(void *ctx, int64_t status, const char *out)
{
	struct slurm_run *sr = ctx;

	if (status != 0)
		scann_log("slurm: scancel: %.300s", out);
	if (sr != NULL) {
		sr->handles--;
		run_free_if_done(sr);
	}
}

static void slurm_stop(void *self, void *state, int hard)
{
	struct slurm_run *sr = state;
	char *argv[] = { "scancel", NULL, NULL, NULL, NULL };

	(void)self;
	if (sr == NULL || sr->ended)
		return;
	sr->stopping = 1;
	if (sr->slurm_id[0] == '\0')
		return;		/* scancelled when sbatch answers */
	if (hard) {
		argv[1] = "--signal=KILL";
		argv[2] = sr->slurm_id;
	} else {
		argv[1] = sr->slurm_id;
	}
	sr->handles++;
	cmd_run(sr->rn->loop, argv, null_cb, sr);
}

static int slurm_leave(void *self, void *state)
{
	struct slurm_run *sr = state;

	(void)self;
	if (sr != NULL)
		uv_timer_stop(&sr->poll);
	return 1;	/* the Slurm job runs on; the next start follows it */
}

static void slurm_release(void *self, struct scann_run *run, void *state,
			  void (*released)(struct scann_run *run))
{
	struct slurm_run *sr = state;

	(void)self;
	if (sr == NULL) {
		released(run);
		return;
	}
	sr->released = 1;
	sr->done = released;
	uv_timer_stop(&sr->poll);
	uv_close((uv_handle_t *)&sr->poll, on_poll_closed);
}

static int slurm_recover(void *self, struct scann_run *run,
			 const struct scann_store_job *job,
			 const struct scann_store_job_run *r, void **state,
			 char *msg, size_t msg_len)
{
	struct slurm_runner *rn = self;
	struct slurm_run *sr;
	char *argv[] = { "scancel", "--name", NULL, NULL };
	long long attempt;

	*state = NULL;
	if (r->ref[0] == '\0') {
		/*
		 * scannd died while sbatch ran: whatever was submitted under
		 * the attempt's name goes; the job is queued again.
		 */
		argv[2] = (char *)r->birth;
		cmd_run(rn->loop, argv, null_cb, NULL);
		snprintf(msg, msg_len, "scannd restarted while submitting "
			 "the job to Slurm");
		return 0;
	}
	/* birth holds the attempt's name, scann-ID-A-TAG. */
	if (sscanf(r->birth, "scann-%*d-%lld", &attempt) != 1)
		attempt = job->attempts;
	sr = run_new(rn, run, job->id, attempt);
	snprintf(sr->slurm_id, sizeof(sr->slurm_id), "%s", r->ref);
	snprintf(sr->note, sizeof(sr->note), "%s", r->note);
	sr->offset = r->offset;
	uv_timer_start(&sr->poll, on_poll, 1, (uint64_t)rn->poll_ms);
	*state = sr;
	return 1;
}

static void slurm_free(void *self)
{
	struct slurm_runner *rn = self;

	if (rn == NULL)
		return;
	free(rn->spool);
	free(rn->partition);
	free(rn->account);
	free(rn->time_limit);
	free(rn->sbatch_args);
	free(rn->worker);
	free(rn);
}

static const struct scann_runner_ops slurm_ops = {
	.kind = "slurm",
	.queues = 1,
	.start = slurm_start,
	.stop = slurm_stop,
	.leave = slurm_leave,
	.release = slurm_release,
	.recover = slurm_recover,
	.free = slurm_free,
};

static char *dup_or_empty(const char *s)
{
	char *d = strdup(s ? s : "");

	if (d == NULL)
		abort();
	return d;
}

struct scann_runner scann_runner_slurm_new(uv_loop_t *loop,
					   const struct scann_slurm_config *c,
					   char *msg, size_t msg_len)
{
	struct scann_runner r = { NULL, NULL };
	struct slurm_runner *rn;
	char spool[PATH_MAX], probe[PATH_MAX + 32];
	size_t i;

	if (c->spool == NULL || c->spool[0] == '\0') {
		snprintf(msg, msg_len, "--runner slurm needs --slurm-spool DIR "
			 "(a directory the nodes share)");
		return r;
	}
	mkdir(c->spool, 0755);
	if (realpath(c->spool, spool) == NULL) {
		snprintf(msg, msg_len, "--slurm-spool %s: %s", c->spool,
			 strerror(errno));
		return r;
	}
	snprintf(probe, sizeof(probe), "%s/.scannd-probe", spool);
	if (write_file(probe, "", 0644) != 0) {
		snprintf(msg, msg_len, "--slurm-spool %s: not writable: %s",
			 spool, strerror(errno));
		return r;
	}
	unlink(probe);
	rn = calloc(1, sizeof(*rn));
	if (rn == NULL)
		abort();
	rn->loop = loop;
	rn->spool = dup_or_empty(spool);
	rn->partition = dup_or_empty(c->partition);
	rn->account = dup_or_empty(c->account);
	rn->time_limit = dup_or_empty(c->time_limit);
	rn->sbatch_args = dup_or_empty(c->sbatch_args);
	rn->worker = dup_or_empty(c->worker);
	rn->poll_ms = c->poll_ms > 0 ? c->poll_ms : 500;
	rn->tag = 2166136261u;	/* FNV-1a */
	for (i = 0; spool[i] != '\0'; i++)
		rn->tag = (rn->tag ^ (unsigned char)spool[i]) * 16777619u;
	r.ops = &slurm_ops;
	r.self = rn;
	return r;
}
