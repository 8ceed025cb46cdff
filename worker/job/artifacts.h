/*
 * artifacts.h -- the files a job leaves in its directory, named once:
 * scann-worker run writes them, scannd's artifact routes serve some, and
 * the pool looks for the checkpoint when it resumes a job.
 */
#ifndef SCANN_ARTIFACTS_H
#define SCANN_ARTIFACTS_H

enum scann_artifact {
	SCANN_ARTIFACT_SPEC,		/* the spec with every default */
	SCANN_ARTIFACT_CHECKPOINT,	/* where a stopped job resumes */
	SCANN_ARTIFACT_STREAM,		/* what a stopped run printed */
	SCANN_ARTIFACT_SNAPSHOT,	/* the training in progress (snapshot.h) */
	SCANN_ARTIFACT_EVENTS,		/* every line printed (events.h) */
	SCANN_ARTIFACT_MODEL,		/* the network to ship */
	SCANN_ARTIFACT_BASELINE,	/* the baseline MLP */
	SCANN_ARTIFACT_REPORT,		/* the result plus the spec */
	SCANN_ARTIFACT_REPORT_MD,	/* a study's table */
	SCANN_ARTIFACT_MODEL_C,		/* the model as C, float: NAME.h + .c */
	SCANN_ARTIFACT_MODEL_C_INT8,	/* ... int8 (model.c?format=c-int8) */
	SCANN_ARTIFACT_COUNT
};

struct scann_artifact_info {
	const char *file;		/* in the job's directory */
	const char *route;		/* GET /api/v1/jobs/{id}/<route>, or NULL */
	const char *content_type;
};

extern const struct scann_artifact_info scann_artifacts[SCANN_ARTIFACT_COUNT];

/* The artefact served at route, or -1. */
int scann_artifact_by_route(const char *route);

#endif
