/*
 * watchdog.h -- the bound on how long a worker takes to stop.
 *
 * The engine stops at the next batch boundary once scann_stop_requested is
 * set (SIGTERM, SIGINT, resources.timeout_s).  One batch of a huge network,
 * or a phase with no batches (evaluation, a DR fit, pruning, the export),
 * can take minutes; the watchdog bounds the wait: once a stop is asked, it
 * gives the engine grace_ms to come back, then calls force(ctx), which must
 * not return (it writes the final event and _exits).  The run is then
 * resumable from its last checkpoint, exactly as after a crash.
 */
#ifndef SCANN_WATCHDOG_H
#define SCANN_WATCHDOG_H

#include <pthread.h>

struct scann_watchdog {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int done, started;
	unsigned grace_ms;
	void (*force)(void *ctx);
	void *ctx;
};

/* Start watching; 0, or -1 when no thread could be started. */
int scann_watchdog_start(struct scann_watchdog *w, unsigned grace_ms,
			 void (*force)(void *ctx), void *ctx);

/* The run came back on its own: stop watching (joins the thread). */
void scann_watchdog_end(struct scann_watchdog *w);

#endif
