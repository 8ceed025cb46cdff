/*
 * runner.h -- the seam between the pool's policy (pool.c: queue, fair
 * share, slots, timeouts, settling, recovery) and the ways of running one
 * attempt of a job: runner_local.c starts scann-worker as a child of
 * scannd; runner_slurm.c submits it as a Slurm batch job and follows its
 * spool files.
 *
 * A runner is told to start, stop or leave a run; it tells the pool what
 * the worker printed (the bytes of its stdout, the tail of its stderr) and
 * how it ended, through the scann_run_* calls below, which pool.c
 * implements.  The pool settles a job once the runner has said exited AND
 * both streams ended, so no event printed before the end is lost.
 */
#ifndef SCANN_RUNNER_H
#define SCANN_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "store/store.h"

/* One attempt at a job: the pool's; runners only pass it back. */
struct scann_run;

/* What a runner needs to start an attempt (all borrowed for the call). */
struct scann_run_start {
	int64_t job_id;
	int64_t attempt;	/* 1 for the first */
	const char *owner;
	const char *spec;	/* JSON text, fed to the worker's stdin */
	const char *dataset;	/* the dataset's stored path (--dataset) */
	const char *dir;	/* the job's directory (--out, --resume) */
	int resume;		/* dir holds a checkpoint to resume from */
	int threads;		/* CPUs for the worker and its BLAS */
	uint32_t timeout_s;	/* what the pool will allow it */
	/* "--max-memory=BYTES" for a local worker (memcap.h); a Slurm job's
	 * memory is Slurm's to bound (--slurm-sbatch-args --mem=...). */
	const char *max_memory_arg;
};

struct scann_runner_ops {
	const char *kind;	/* stored with the run: "local", "slurm" */
	/*
	 * 1: the runner has a queue of its own (Slurm's).  A job handed to it
	 * stays queued in the store until scann_run_started, and takes one
	 * slot whatever its threads: slots are jobs in flight.  0: the pool
	 * moves a job to running before start, and it takes threads slots.
	 */
	int queues;
	/*
	 * Start run as how says, keeping the runner's state for it in *state.
	 * 0 when it is on its way (its run row stored), else -1 with msg
	 * saying why (the pool fails the job with it).
	 */
	int (*start)(void *self, struct scann_run *run,
		     const struct scann_run_start *how, void **state,
		     char *msg, size_t msg_len);
	/* Ask the run to end: hard 0 lets it checkpoint (SIGTERM, scancel),
	 * hard 1 does not (SIGKILL). */
	void (*stop)(void *self, void *state, int hard);
	/*
	 * scannd shuts down: leave the run.  Returns 1 when the run goes on
	 * without scannd (a Slurm job: the next start follows it again) and
	 * the runner has stopped watching it; 0 when it must be stopped
	 * like a cancel (a local child).
	 */
	int (*leave)(void *self, void *state);
	/*
	 * The pool is done with run: free state (may be NULL: never
	 * started); released(run) once every handle of it is closed (maybe
	 * later, from the loop).  No scann_run_* call for run after this.
	 */
	void (*release)(void *self, struct scann_run *run, void *state,
			void (*released)(struct scann_run *run));
	/*
	 * Start-up: job (stored as queued with a run row, or running) had
	 * run row r when scannd stopped.  Returns 1 when the run goes on and
	 * the runner follows it again as run (state in *state, from r's
	 * offset), 0 when nothing of it runs any more and the job is to be
	 * re-queued, -1 when it is lost: msg says why (the job fails).
	 */
	int (*recover)(void *self, struct scann_run *run,
		       const struct scann_store_job *job,
		       const struct scann_store_job_run *r, void **state,
		       char *msg, size_t msg_len);
	void (*free)(void *self);
};

struct scann_runner {
	const struct scann_runner_ops *ops;
	void *self;
};

/* ---- what runners tell the pool (pool.c) ------------------------------- */

uv_loop_t *scann_run_loop(struct scann_run *run);
struct scann_store *scann_run_store(struct scann_run *run);
int64_t scann_run_job(struct scann_run *run);

/* The worker's stdout, as it comes (lines may be cut anywhere). */
void scann_run_output(struct scann_run *run, const char *buf, size_t n);
/*
 * Whole lines of the worker's stdout read from a file the runner follows,
 * ending at byte offset of that file: stored with the offset in one
 * transaction, so a restart reads on from there, neither losing nor
 * repeating an event.
 */
void scann_run_output_at(struct scann_run *run, const char *buf, size_t n,
			 int64_t offset);
/* stdout (then stderr) reached its end. */
void scann_run_output_end(struct scann_run *run);
void scann_run_stderr(struct scann_run *run, const char *buf, size_t n);
void scann_run_stderr_end(struct scann_run *run);
/* The run's row in the store changed (its Slurm id, its note). */
void scann_run_noted(struct scann_run *run);
/* The worker left the runner's queue and runs (a Slurm job started). */
void scann_run_started(struct scann_run *run);
/* The worker ended: exit status and signal, as a child's. */
void scann_run_exited(struct scann_run *run, int64_t status, int signal);
/* The runner lost the run (msg says how): the job fails with msg. */
void scann_run_lost(struct scann_run *run, const char *msg);

/* The runners. */
struct scann_runner scann_runner_local_new(const char *worker, int grace_ms);
/*
 * Make sure the local worker recorded in r (a run row of kind "local") is
 * gone: a scann-worker that outlived a killed scannd is killed (its pid
 * checked against its recorded start time first), so that it never runs
 * beside the attempt that replaces it.
 */
void scann_runner_local_reap(const struct scann_store_job_run *r);

struct scann_slurm_config {
	const char *spool;		/* shared by scannd and the nodes */
	const char *partition;		/* "" = the cluster's default */
	const char *account;		/* "" = none */
	const char *time_limit;		/* sbatch --time; "" = from timeout */
	const char *sbatch_args;	/* extra words for sbatch */
	const char *worker;		/* scann-worker, as the nodes see it */
	const char *wrapper;		/* the job script (scann-slurm-job) */
	int poll_ms;			/* spool and squeue polling period */
};
/* NULL with msg filled when the spool cannot be used. */
struct scann_runner scann_runner_slurm_new(uv_loop_t *loop,
					   const struct scann_slurm_config *c,
					   char *msg, size_t msg_len);

#endif
