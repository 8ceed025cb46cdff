/*
 * artifacts.c -- the table of a job's files (see artifacts.h).
 */
#include "artifacts.h"

#include <string.h>

const struct scann_artifact_info scann_artifacts[SCANN_ARTIFACT_COUNT] = {
	[SCANN_ARTIFACT_SPEC] = { "spec.json", NULL, "application/json" },
	[SCANN_ARTIFACT_CHECKPOINT] = { "checkpoint.json", NULL,
					"application/json" },
	[SCANN_ARTIFACT_STREAM] = { "stream.json", NULL, "application/json" },
	[SCANN_ARTIFACT_SNAPSHOT] = { "training.snap", NULL,
				      "application/octet-stream" },
	[SCANN_ARTIFACT_EVENTS] = { "events.ndjson", NULL,
				    "application/x-ndjson" },
	[SCANN_ARTIFACT_MODEL] = { "model.json", "model", "application/json" },
	[SCANN_ARTIFACT_BASELINE] = { "baseline.json", "baseline",
				      "application/json" },
	[SCANN_ARTIFACT_REPORT] = { "report.json", "report", "application/json" },
	[SCANN_ARTIFACT_REPORT_MD] = { "report.md", "report.md",
				       "text/markdown; charset=utf-8" },
	[SCANN_ARTIFACT_MODEL_C] = { "model-c.tar", "model.c",
				     "application/x-tar" },
	[SCANN_ARTIFACT_MODEL_C_INT8] = { "model-c-int8.tar", NULL,
					  "application/x-tar" },
};

int scann_artifact_by_route(const char *route)
{
	for (int a = 0; a < SCANN_ARTIFACT_COUNT; a++)
		if (route != NULL && scann_artifacts[a].route != NULL &&
		    strcmp(route, scann_artifacts[a].route) == 0)
			return a;
	return -1;
}
