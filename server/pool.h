/*
 * pool.h -- scannd's worker pool: N slots of CPU, each queued job run by one
 * scann-worker process -- a child of scannd started with uv_spawn (the
 * local runner, the default) or a Slurm batch job (the Slurm runner, where
 * a slot is a job in flight); how is runner.h's business, the rest below
 * is the pool's whichever runner it has.
 *
 * The stored spec goes to the worker's stdin untouched, the dataset's
 * stored path on its command line (--dataset), so the spec is parsed once
 * in the worker and never here; its threads and timeout come from the
 * job's row (set when the api validated it).  The worker's stdout is read
 * line by line, each NDJSON event
 * stored (numbered by the store) before the api is told to fan it out; the
 * last few KiB of its stderr are kept for the job's error.  A job asking for
 * T threads takes T slots and gets OPENBLAS_NUM_THREADS=T, so the pool
 * never runs more BLAS threads than it has slots.
 *
 * Dispatch is round robin across owners: the owner served longest ago goes
 * first, each owner's oldest job first, with an optional cap on running
 * jobs per owner.  Cancel and timeout send SIGTERM, then SIGKILL after the
 * grace period.  A worker that exits non-zero or by a signal fails its job
 * with the exit status and stderr tail.
 */
#ifndef SCANN_POOL_H
#define SCANN_POOL_H

#include <stdint.h>

#include <uv.h>

#include "runner.h"
#include "store/store.h"

struct scann_pool;

struct scann_pool_config {
	int slots;			/* CPU slots (default: cores) */
	const char *worker;		/* path of scann-worker */
	const char *data_dir;		/* jobs/ID/ holds each job's files */
	int grace_ms;			/* SIGTERM -> SIGKILL */
	int user_limit;			/* running jobs per owner; 0 = none */
	int max_timeout_s;		/* cap on a spec's timeout; 0 = none */
	/*
	 * Epoch events stored per second and job (0: all).  Faster ones are
	 * thinned: within 1/epoch_rate s of the last stored epoch, an epoch
	 * is held, replaced by the next, and stored before the job's next
	 * other event or at the end of its output -- so every other event
	 * and the last epoch of each burst are kept.
	 */
	int epoch_rate;
	/* How workers are run (the pool owns it); no ops: the local one. */
	struct scann_runner runner;
	/* "--max-memory=BYTES" on every worker's command line (memcap.h). */
	char max_memory_arg[48];
};

struct scann_pool_hooks {
	void *cls;
	/* Something was stored for job id (an event, a state). */
	void (*job_changed)(void *cls, int64_t id);
};

/* A new pool on loop over st (both borrowed); cfg strings copied. */
struct scann_pool *scann_pool_new(uv_loop_t *loop, struct scann_store *st,
				  const struct scann_pool_config *cfg,
				  const struct scann_pool_hooks *hooks);
/* Free a pool with no worker left (after drain). */
void scann_pool_free(struct scann_pool *p);
/*
 * Take cfg's grace_ms, user_limit, max_timeout_s and epoch_rate (not its
 * slots or paths); running jobs keep the timeout they started with.
 */
void scann_pool_reconfigure(struct scann_pool *p,
			    const struct scann_pool_config *cfg);

/*
 * Start-up reconciliation: jobs stored as running (scannd died or drained
 * under them) go back to queued, to be resumed from their checkpoint when
 * dispatched.  Returns how many.
 */
int scann_pool_recover(struct scann_pool *p);

/* Start workers for queued jobs while slots are free. */
void scann_pool_dispatch(struct scann_pool *p);

/* Stop job id's worker (SIGTERM, SIGKILL after grace). SCANN_ENOENT if none. */
int scann_pool_cancel(struct scann_pool *p, int64_t id);

/* Slots in use. */
int scann_pool_busy(const struct scann_pool *p);

/*
 * Shut down: dispatch nothing more; ask every worker to checkpoint and stop
 * (SIGTERM, SIGKILL after grace).  Their jobs stay running in the store, to
 * be resumed at the next start.  done(cls) runs once no worker is left.
 */
void scann_pool_drain(struct scann_pool *p, void (*done)(void *cls),
		      void *cls);

#endif
