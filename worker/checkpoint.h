/*
 * checkpoint.h -- the files that let a stopped job go on where it was:
 * DIR/checkpoint.json (where the stages stand: struct scann_progress, the
 * generator's state and the last event's seq) and DIR/stream.json (what a
 * stopped run printed, so a resumed one neither repeats nor skips; events.h,
 * "Resumption").
 */
#ifndef SCANN_CHECKPOINT_H
#define SCANN_CHECKPOINT_H

#include "events.h"
#include "job/error.h"
#include "job/rng.h"
#include "stage.h"

/* Write DIR/checkpoint.json atomically; seq is the last event printed. */
int scann_checkpoint_save(const char *dir, uint64_t seq,
			  const struct scann_progress *p,
			  const struct scann_rng *rng, struct scann_error *err);

/* 1 when DIR holds a checkpoint. */
int scann_checkpoint_exists(const char *dir);

/* Read DIR/checkpoint.json into *p (owning its nets), *rng and ev->seq. */
int scann_checkpoint_load(const char *dir, struct scann_progress *p,
			  struct scann_rng *rng, struct scann_events *ev,
			  struct scann_error *err);

/* DIR/stream.json from ev's upto and shift (an error is only printed). */
void scann_checkpoint_save_stream(const char *dir,
				  const struct scann_events *ev);

/* Read DIR/stream.json into ev, when a stopped run left one. */
void scann_checkpoint_load_stream(const char *dir, struct scann_events *ev);

#endif
