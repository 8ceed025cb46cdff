/*
 * watchdog.c -- see watchdog.h.  A thread polls the stop flag (a signal
 * handler can only set a flag: no condition variable may be signalled from
 * it) every 100 ms, then waits the grace period for scann_watchdog_end.
 */
#include <errno.h>
#include <time.h>

#include "train.h"
#include "watchdog.h"

#define POLL_MS 100

static void deadline_in(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *watch(void *arg)
{
	struct scann_watchdog *w = arg;
	struct timespec ts;
	int rc = 0;

	pthread_mutex_lock(&w->lock);
	while (!w->done && !scann_stop_requested) {
		deadline_in(&ts, POLL_MS);
		pthread_cond_timedwait(&w->wake, &w->lock, &ts);
	}
	deadline_in(&ts, w->grace_ms);
	while (!w->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&w->wake, &w->lock, &ts);
	if (!w->done) {
		pthread_mutex_unlock(&w->lock);
		w->force(w->ctx);	/* does not return */
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int scann_watchdog_start(struct scann_watchdog *w, unsigned grace_ms,
			 void (*force)(void *ctx), void *ctx)
{
	w->done = 0;
	w->grace_ms = grace_ms;
	w->force = force;
	w->ctx = ctx;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	w->started = pthread_create(&w->thread, NULL, watch, w) == 0;
	return w->started ? 0 : -1;
}

void scann_watchdog_end(struct scann_watchdog *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->lock);
	w->done = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	w->started = 0;
}
