/*
 * schema.c -- GET /api/v1/schema: what a client needs to build a job spec
 * and to read a job, served from the very tables the server and the worker
 * run on, so that no client keeps a copy that can drift:
 *
 *   defaults         the spec a job gets from {"dataset": ...} alone, every
 *                    field filled in (scann_spec_to_json of the defaults)
 *   opt_in_defaults  the fields that spec leaves out until asked for: "dr"
 *                    as "dr": {} (or a study) gets it, and the recipe
 *                    search's sizes (scann.pruning, scann.initial_prune)
 *   dr_methods       every DR method's name, in the spec's order
 *   front            the convolutional front's presets and layer types
 *                    ("front": {"preset": NAME} or {"layers": [...]})
 *   presets          the job presets ("preset": NAME: other defaults)
 *   states           every job state: {name, terminal}
 *   artifacts        the files a job serves: {route, content_type}, at
 *                    /api/v1/jobs/{id}/<route>
 *
 * The answer depends on this build only, not on the caller or the store.
 */
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "reply.h"
#include "request.h"
#include "worker/job/artifacts.h"
#include "worker/job/spec.h"

/*
 * The opt-in sections, by asking the validator for them as a client would
 * (so they are what such a spec really gets, not a second guess of it).
 */
static json_t *opt_in_defaults(void)
{
	static const char ask[] = "{\"dataset\": \"-\", \"dr\": {},"
		" \"scann\": {\"search\": \"recipe\"}}";
	struct scann_job_spec spec;
	struct scann_error err;
	json_t *full, *sc, *out;

	if (scann_spec_parse(ask, strlen(ask), &spec, &err) != 0)
		abort();	/* the contract refuses its own defaults: a bug */
	full = scann_spec_to_json(&spec);
	sc = json_object_get(full, "scann");
	out = json_pack("{s:O, s:{s:O, s:O}}", "dr", json_object_get(full, "dr"),
			"scann", "pruning", json_object_get(sc, "pruning"),
			"initial_prune", json_object_get(sc, "initial_prune"));
	json_decref(full);
	if (out == NULL)
		abort();
	return out;
}

enum MHD_Result api_schema_get(struct scann_api *api, struct api_req *r)
{
	static const char *const allowed[] = { NULL };
	struct scann_job_spec spec;
	enum MHD_Result res;
	json_t *methods, *states, *arts, *presets, *kinds, *jobs;
	int i;

	(void)api;
	if (api_query_only(r, allowed, &res) != 0)
		return res;
	scann_spec_defaults(&spec);	/* dataset "" */
	methods = json_array();
	for (i = 0; i < SCANN_DR_METHOD_COUNT; i++)
		json_array_append_new(methods,
				      json_string(scann_dr_method_name(i)));
	presets = json_array();
	for (i = 0; scann_front_preset_name(i) != NULL; i++)
		json_array_append_new(presets,
				      json_string(scann_front_preset_name(i)));
	kinds = json_array();
	for (i = 0; scann_front_kind_name(i) != NULL; i++)
		json_array_append_new(kinds, json_string(scann_front_kind_name(i)));
	jobs = json_array();
	for (i = 0; scann_job_preset_name(i) != NULL; i++)
		json_array_append_new(jobs, json_string(scann_job_preset_name(i)));
	states = json_array();
	for (i = 0; i < SCANN_JOB_STATE_COUNT; i++)
		json_array_append_new(states, json_pack("{s:s, s:b}", "name",
			scann_job_states[i].name, "terminal",
			scann_job_states[i].terminal));
	arts = json_array();
	for (i = 0; i < SCANN_ARTIFACT_COUNT; i++)
		if (scann_artifacts[i].route != NULL)
			json_array_append_new(arts, json_pack("{s:s, s:s}",
				"route", scann_artifacts[i].route,
				"content_type",
				scann_artifacts[i].content_type));
	return api_reply_json(r, MHD_HTTP_OK,
			      json_pack("{s:o, s:o, s:o, s:{s:o, s:o}, s:o, s:o, s:o}",
					"defaults", scann_spec_to_json(&spec),
					"opt_in_defaults", opt_in_defaults(),
					"dr_methods", methods,
					"front", "presets", presets,
					"layer_types", kinds,
					"presets", jobs,
					"states", states,
					"artifacts", arts));
}
