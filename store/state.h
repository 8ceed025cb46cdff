/*
 * state.h -- the states a job goes through, named once.  The enum orders
 * them; scann_job_states[] gives each its name (as stored in the jobs
 * table, sent by the API and shown by the dashboard) and whether a job
 * ends there.  Everything else is made from this table: the jobs table's
 * CHECK constraint (store.c), the API's "must be one of" text and the
 * "states" list of GET /api/v1/schema, which the dashboard reads instead
 * of a copy.
 *
 * Adding a state: one enum value, one row below, and a store migration
 * that rebuilds the jobs table of existing files (SQLite cannot alter a
 * CHECK; files created afterwards get the new list from the first
 * migration already).
 */
#ifndef SCANN_STATE_H
#define SCANN_STATE_H

#include <stddef.h>

enum scann_job_state {
	SCANN_JOB_QUEUED,
	SCANN_JOB_RUNNING,
	SCANN_JOB_SUCCEEDED,
	SCANN_JOB_FAILED,
	SCANN_JOB_CANCELLED,
	SCANN_JOB_STATE_COUNT
};

struct scann_job_state_info {
	const char *name;
	int terminal;		/* nothing follows it: no worker, no event */
};

extern const struct scann_job_state_info
	scann_job_states[SCANN_JOB_STATE_COUNT];

/* Bit masks of states, for transitions ("from any of these"). */
#define SCANN_JOB_MASK(s) (1u << (s))
#define SCANN_JOB_MASK_LIVE \
	(SCANN_JOB_MASK(SCANN_JOB_QUEUED) | SCANN_JOB_MASK(SCANN_JOB_RUNNING))

/* s's name, or "?" when s is not a state. */
const char *scann_job_state_name(enum scann_job_state s);
/* The state named name, or -1. */
int scann_job_state_from_name(const char *name);
/* Whether a job in state s has ended (0 for a value that is not a state). */
int scann_job_state_terminal(enum scann_job_state s);

/*
 * Every state's name in order, each between two quotes, separated by sep,
 * into buf (size bytes, NUL-terminated, cut short if too small): with
 * quote "'" and sep "," the SQL list 'queued','running',...; with "" and
 * ", " the prose list.  Returns the length the whole list needs (as
 * snprintf does), so size > the result means nothing was cut.
 */
size_t scann_job_state_join(char *buf, size_t size, const char *quote,
			    const char *sep);

#endif
