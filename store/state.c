/*
 * state.c -- the table of job states (see state.h) and the lists made
 * from it.
 */
#include <stdio.h>
#include <string.h>

#include "state.h"

const struct scann_job_state_info scann_job_states[SCANN_JOB_STATE_COUNT] = {
	[SCANN_JOB_QUEUED] = { "queued", 0 },
	[SCANN_JOB_RUNNING] = { "running", 0 },
	[SCANN_JOB_SUCCEEDED] = { "succeeded", 1 },
	[SCANN_JOB_FAILED] = { "failed", 1 },
	[SCANN_JOB_CANCELLED] = { "cancelled", 1 },
};

const char *scann_job_state_name(enum scann_job_state s)
{
	return (unsigned)s < SCANN_JOB_STATE_COUNT ? scann_job_states[s].name :
		"?";
}

int scann_job_state_from_name(const char *name)
{
	int i;

	for (i = 0; i < SCANN_JOB_STATE_COUNT; i++)
		if (strcmp(name, scann_job_states[i].name) == 0)
			return i;
	return -1;
}

int scann_job_state_terminal(enum scann_job_state s)
{
	return (unsigned)s < SCANN_JOB_STATE_COUNT &&
	       scann_job_states[s].terminal;
}

size_t scann_job_state_join(char *buf, size_t size, const char *quote,
			    const char *sep)
{
	size_t len = 0;
	int i, n;

	if (size > 0)
		*buf = '\0';
	for (i = 0; i < SCANN_JOB_STATE_COUNT; i++) {
		n = snprintf(len < size ? buf + len : NULL,
			     len < size ? size - len : 0, "%s%s%s%s",
			     i > 0 ? sep : "", quote, scann_job_states[i].name,
			     quote);
		if (n < 0)
			return len;
		len += (size_t)n;
	}
	return len;
}
