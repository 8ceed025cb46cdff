/*
 * events.h -- the NDJSON event stream of DESIGN.md ("Events"): one compact
 * JSON object per line on the worker's stdout, each with seq (1, 2, 3, ...
 * per job) and type, flushed line by line so scannd sees progress live.
 *
 * Determinism: events carry no wall-clock time unless the emitter was told
 * to (timings = 1, `scann-worker run --timings`), so one seed gives one
 * byte-identical stream.  Reals are printed with 9 significant digits.
 */
#ifndef SCANN_EVENTS_H
#define SCANN_EVENTS_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct scann_events {
	FILE *out;		/* borrowed */
	uint64_t seq;		/* last seq written */
	int timings;		/* add "elapsed_s" to epoch and result events */
};

/*
 * Write {"seq": ++seq, "type": type, ...fields of body} as one line.  body
 * is stolen (decref'd); it may be NULL.
 */
void scann_events_emit(struct scann_events *ev, const char *type, json_t *body);

/* A `log` event {"level": level, "message": ...}. */
void scann_events_log(struct scann_events *ev, const char *level,
		      const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
