/*
 * snapshot.h -- training snapshots: DIR/training.snap, the state of the
 * training in progress (struct scann_train_state), so a stopped job resumes
 * from the last epoch that training completed instead of from its start.
 *
 * Which training.  A step checkpoint (checkpoint.h) is followed by
 * trainings 0, 1, 2, ...: the replay from it is deterministic, so training
 * k of a resumed run is training k of the stopped one.  A snapshot names
 * its ordinal k, the event seq of the checkpoint it follows and of its
 * training's start, a hash of that training's starting weights and
 * generator, and a hash of the job (the spec and the data's fingerprint);
 * it is used only when all agree, else refused.  Trainings before k are
 * replayed; training k loads it and goes on at the next epoch (or batch),
 * its earlier epoch events counted but not regenerated, so the resumed
 * stream and model are an uninterrupted run's.  A step checkpoint removes
 * the snapshot, a finished job too.
 *
 * When.  At the end of the first epoch `every_s` seconds after the last
 * checkpoint or snapshot (writing a 12M-parameter network's state is
 * ~200 MB), and at a stop request when its estimated write time fits in
 * SCANN_SNAPSHOT_STOP_S (the worker must stop within 3 s, watchdog.h; the
 * write goes to a temporary file renamed when whole, so a forced exit mid
 * write leaves the previous snapshot).  Trainings before a pending
 * snapshot's ordinal never overwrite it.
 *
 * Refused.  A truncated, corrupt, foreign or stale snapshot is refused with
 * a warning event naming the file and the reason, printed outside the
 * regenerated stream (as a stop's final event is, events.h), and removed;
 * the job replays from the checkpoint as it would without one.  A failed
 * write is only said on stderr: the stream never depends on the disk.
 *
 * Layout: a header of native-endian fields, the arrays, then an FNV-1a 64
 * checksum over both (snapshot.c).
 */
#ifndef SCANN_SNAPSHOT_H
#define SCANN_SNAPSHOT_H

#include <stdint.h>

#include <jansson.h>

#include "events.h"
#include "train.h"

#define SCANN_SNAPSHOT_EVERY_S 60.0	/* default interval */
#define SCANN_SNAPSHOT_STOP_S 1.0	/* a stop's write, of the 3 s bound */

struct scann_snapshots {
	char path[4096];		/* DIR/training.snap */
	const char *dir;		/* borrowed */
	double every_s;			/* < 0: never */
	uint64_t job_hash;
	struct scann_events *ev;	/* borrowed: seq, refusals */
	uint64_t anchor;		/* seq of the last checkpoint, 0: none */
	uint32_t ordinal;		/* trainings begun since it */
	double last_s;			/* last checkpoint or snapshot, monotonic */
	double write_bps;		/* measured by the last write; 0: none */
	/* The snapshot a resumed run found, until its training is reached. */
	int pending;
	uint32_t pending_ordinal;
	/* The training in progress. */
	uint32_t cur_ordinal;
	uint64_t cur_seq_start, cur_start_hash;
	/* This run's epochs: trained, and spared by a restored snapshot. */
	uint64_t epochs_trained, epochs_restored;
	uint32_t restored_at;		/* snapshots restored */
	struct scann_train_hook hook;	/* ctx.train_hook points here */
};

/*
 * The hash of a job a snapshot must belong to: the spec with every default
 * (its "dataset" left out: scannd names the file per run) and the data's
 * fingerprint.
 */
uint64_t scann_snapshot_job_hash(const json_t *spec, const char *fingerprint);

/* Set up s for the run writing to dir; every_s < 0 writes none. */
void scann_snapshots_init(struct scann_snapshots *s, const char *dir,
			  double every_s, uint64_t job_hash,
			  struct scann_events *ev);

/*
 * A resumed run, after the checkpoint (if any) is loaded (ev->seq is its
 * seq): take the stopped run's snapshot as pending, or refuse it.
 */
void scann_snapshots_resume(struct scann_snapshots *s);

/* A new run in dir, or a finished job: no snapshot stays. */
void scann_snapshots_discard(struct scann_snapshots *s);

/* A step checkpoint was written at ev->seq: trainings count from here. */
void scann_snapshots_checkpointed(struct scann_snapshots *s);

#endif
