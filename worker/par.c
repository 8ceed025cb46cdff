/*
 * par.c -- the engine's fork-join pool; see par.h for the contract.
 *
 * A job lasts from a few microseconds (a sparse level of a small net) to a
 * millisecond (Adam over a dense net), and a training batch issues several,
 * so waking a sleeping thread per job (tens of microseconds) would eat the
 * gain.  A helper therefore spins on the job counter for SPIN_NS after its
 * last job and only then sleeps on the condition variable.  It spins with
 * sched_yield(), not a bare pause loop: between our jobs the same core may
 * be needed by OpenBLAS's own thread for a GEMM, and a yielding spinner
 * gives it the CPU at once.  The caller waits for the parts with the same
 * yielding spin, since they take about as long as its own.
 */
#define _POSIX_C_SOURCE 200809L
#include "par.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#define MAX_THREADS 64
#define SPIN_NS 100000	/* 100 us: longer than the gaps inside a batch */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t tid[MAX_THREADS];
	uint32_t threads;		/* in use, the caller included */
	uint64_t born;			/* gen when the helpers were started */
	scann_par_fn fn;		/* the current job */
	void *ctx;
	atomic_uint_fast64_t gen;	/* jobs started */
	atomic_uint pending;		/* helper parts of the job not done */
	atomic_uint sleepers;		/* helpers waiting on wake */
	atomic_int quit;
} pool = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
	.threads = 1,
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wait until a job newer than seen starts (or quit); returns its number. */
static uint64_t await_job(uint64_t seen)
{
	uint64_t start = now_ns(), g;

	while ((g = atomic_load(&pool.gen)) == seen && !atomic_load(&pool.quit)) {
		if (now_ns() - start < SPIN_NS) {
			sched_yield();
			continue;
		}
		/*
		 * Sleep.  The counter is read again under the lock after
		 * announcing the sleeper; scann_par_run bumps the counter
		 * before it reads the sleepers (both sequentially
		 * consistent), so either we see the new job here or it sees
		 * us and broadcasts.
		 */
		pthread_mutex_lock(&pool.lock);
		atomic_fetch_add(&pool.sleepers, 1);
		while (atomic_load(&pool.gen) == seen && !atomic_load(&pool.quit))
			pthread_cond_wait(&pool.wake, &pool.lock);
		atomic_fetch_sub(&pool.sleepers, 1);
		pthread_mutex_unlock(&pool.lock);
		start = now_ns();
	}
	return g;
}

static void *helper_main(void *arg)
{
	uint32_t part = (uint32_t)(uintptr_t)arg;
	uint64_t seen = pool.born;	/* not gen: a job may already be running */

	for (;;) {
		seen = await_job(seen);
		if (atomic_load(&pool.quit))
			return NULL;
		pool.fn(pool.ctx, part, pool.threads);
		atomic_fetch_sub(&pool.pending, 1);
	}
}

static void stop_helpers(void)
{
	pthread_mutex_lock(&pool.lock);
	atomic_store(&pool.quit, 1);
	pthread_cond_broadcast(&pool.wake);
	pthread_mutex_unlock(&pool.lock);
	for (uint32_t p = 1; p < pool.threads; p++)
		pthread_join(pool.tid[p], NULL);
	atomic_store(&pool.quit, 0);
	pool.threads = 1;
}

uint32_t scann_par_set_threads(uint32_t threads)
{
	if (threads == 0)
		threads = 1;
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	if (threads == pool.threads)
		return threads;
	stop_helpers();
	/*
	 * Helpers read pool.threads as the part count of every job, so it is
	 * final before the first starts; if one cannot be started the ones
	 * that did are stopped and the count drops to what worked.
	 */
	pool.threads = threads;
	pool.born = atomic_load(&pool.gen);
	for (uint32_t p = 1; p < threads; p++)
		if (pthread_create(&pool.tid[p], NULL, helper_main,
				   (void *)(uintptr_t)p) != 0) {
			uint32_t started = p;

			pool.threads = started;
			stop_helpers();
			return scann_par_set_threads(started);
		}
	return pool.threads;
}

uint32_t scann_par_threads(void)
{
	return pool.threads;
}

void scann_par_run(scann_par_fn fn, void *ctx)
{
	if (pool.threads <= 1) {
		fn(ctx, 0, 1);
		return;
	}
	pool.fn = fn;
	pool.ctx = ctx;
	atomic_store(&pool.pending, pool.threads - 1);
	atomic_fetch_add(&pool.gen, 1);
	if (atomic_load(&pool.sleepers) > 0) {
		pthread_mutex_lock(&pool.lock);
		pthread_cond_broadcast(&pool.wake);
		pthread_mutex_unlock(&pool.lock);
	}
	fn(ctx, 0, pool.threads);
	while (atomic_load(&pool.pending) != 0)
		sched_yield();
}
