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

/*
 * Resumption.  A job's events are numbered by an internal counter that a
 * checkpoint saves and --resume restores, so a resumed run regenerates,
 * bit for bit, the events an uninterrupted run prints after the checkpoint.
 * Those the stopped run had already printed (internal seq <= upto) are not
 * printed again, and each earlier stop event (cancelled, timeout) shifts the
 * printed seq by one, so across stops and resumes the printed stream stays
 * gap-free and duplicate-free.  After a crash (no stop event, upto not
 * saved) the regenerated events repeat with the same seq and bytes: a
 * consumer ignores a seq it already has.
 *
 * A crash can also lose events: those printed just before it that the
 * consumer had not yet read (in the pipe when scannd was killed), though
 * the checkpoint after them was saved -- the resumed run does not
 * regenerate them.  So every printed line is also appended to DIR's event
 * log, and a run resumed after a crash first prints again, verbatim, the
 * last logged lines up to its checkpoint (scann_events_replay): at worst
 * repeats, which a consumer already ignores.
 */
struct scann_events {
	FILE *out;		/* borrowed */
	FILE *log;		/* every printed line, or NULL */
	const char *log_path;	/* its name (borrowed), for rotation */
	long log_bytes;
	uint64_t seq;		/* internal seq of the last event */
	int timings;		/* add "elapsed_s" to epoch and result events */
	uint64_t upto;		/* internal seqs already printed before a stop */
	uint64_t shift;		/* stop events printed before: printed = seq + shift */
};

/*
 * Write {"seq": ++seq, "type": type, ...fields of body} as one line.  body
 * is stolen (decref'd); it may be NULL.
 */
void scann_events_emit(struct scann_events *ev, const char *type, json_t *body);

/*
 * The final event of a stopped run (not regenerated on resume): printed
 * right after the last printed event; afterwards upto and shift are what
 * the run directory must remember for --resume.  body is stolen.
 */
void scann_events_emit_final(struct scann_events *ev, const char *type,
			     json_t *body);

/* The event log keeps about the last 1 to 2 MiB (PATH and PATH.1). */
#define SCANN_EVENTS_LOG_MAX (1L << 20)

/* Tee printed lines to path (appending, or from empty); 0 or -1. */
int scann_events_log_open(struct scann_events *ev, const char *path,
			  int append);

/*
 * After a crash (the log's last line is not a stop's final event), print
 * again the logged lines (PATH.1, then PATH) numbered up to the resumed
 * stream's start (seq + shift), stop events left out.  Returns how many.
 */
long scann_events_replay(struct scann_events *ev, const char *path);

/* A `log` event {"level": level, "message": ...}. */
void scann_events_log(struct scann_events *ev, const char *level,
		      const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
