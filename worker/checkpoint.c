/*
 * checkpoint.c -- checkpoint.json and stream.json (see checkpoint.h).
 */
#include "checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <jansson.h>

#include "job/artifacts.h"
#include "model.h"

static json_t *rng_json(const struct scann_rng *r)
{
	json_t *a = json_array();
	char hex[17];

	for (int i = 0; i < 4; i++) {
		snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)r->s[i]);
		json_array_append_new(a, json_string(hex));
	}
	return a;
}

static void path_of(char *out, size_t size, const char *dir,
		    enum scann_artifact a)
{
	snprintf(out, size, "%s/%s", dir, scann_artifacts[a].file);
}

int scann_checkpoint_save(const char *dir, uint64_t seq,
			  const struct scann_progress *p,
			  const struct scann_rng *rng, struct scann_error *err)
{
	char path[4096];
	json_t *j = json_pack("{s:i, s:I, s:o, s:b, s:b, s:I, s:f, s:I, s:f, s:I,"
			      " s:f, s:f, s:f, s:f, s:b}",
			      "version", 2, "seq", (json_int_t)seq,
			      "rng", rng_json(rng), "baseline_done", p->baseline_done,
			      "scheme_started", p->scheme_started,
			      "iteration", (json_int_t)p->iteration,
			      "best_val", p->best_val,
			      "best_params", (json_int_t)p->best_params,
			      "top_val", p->top_val,
			      "top_params", (json_int_t)p->top_params,
			      "target_val", p->target_val,
			      "target_job", p->target_job,
			      "floor_val", p->floor_val, "step", p->step,
			      "grown", p->grown);
	int rc;

	if (p->top)
		json_object_set_new(j, "top", scann_net_to_json(p->top));
	if (p->front)
		json_object_set(j, "front", p->front);
	if (p->baseline)
		json_object_set_new(j, "baseline", scann_net_to_json(p->baseline));
	if (p->current)
		json_object_set_new(j, "current", scann_net_to_json(p->current));
	if (p->best)
		json_object_set_new(j, "best", scann_net_to_json(p->best));
	path_of(path, sizeof(path), dir, SCANN_ARTIFACT_CHECKPOINT);
	rc = scann_json_write(path, j, 0, err);
	json_decref(j);
	return rc;
}

int scann_checkpoint_exists(const char *dir)
{
	char path[4096];

	path_of(path, sizeof(path), dir, SCANN_ARTIFACT_CHECKPOINT);
	return access(path, F_OK) == 0;
}

int scann_checkpoint_load(const char *dir, struct scann_progress *p,
			  struct scann_rng *rng, struct scann_events *ev,
			  struct scann_error *err)
{
	char path[4096];
	json_error_t jerr;
	json_t *j, *a, *n;
	int rc = 0;

	path_of(path, sizeof(path), dir, SCANN_ARTIFACT_CHECKPOINT);
	j = json_load_file(path, 0, &jerr);
	if (j == NULL)
		return scann_error_set(err, SCANN_ENOENT, "resume",
				       "%s: %s", path, jerr.text);
	ev->seq = (uint64_t)json_integer_value(json_object_get(j, "seq"));
	a = json_object_get(j, "rng");
	for (int i = 0; i < 4; i++)
		rng->s[i] = strtoull(json_string_value(json_array_get(a, i)) ?
				     json_string_value(json_array_get(a, i)) : "0",
				     NULL, 16);
	p->baseline_done = json_is_true(json_object_get(j, "baseline_done"));
	p->scheme_started = json_is_true(json_object_get(j, "scheme_started"));
	p->iteration = (uint32_t)json_integer_value(json_object_get(j, "iteration"));
	p->best_val = json_number_value(json_object_get(j, "best_val"));
	p->best_params = (uint64_t)json_integer_value(json_object_get(j, "best_params"));
	p->top_val = json_number_value(json_object_get(j, "top_val"));
	p->top_params = (uint64_t)json_integer_value(json_object_get(j, "top_params"));
	p->target_val = json_number_value(json_object_get(j, "target_val"));
	p->target_job = json_number_value(json_object_get(j, "target_job"));
	p->floor_val = json_number_value(json_object_get(j, "floor_val"));
	p->step = json_number_value(json_object_get(j, "step"));
	p->grown = json_is_true(json_object_get(j, "grown"));
	if (json_is_array(json_object_get(j, "front")))
		p->front = json_incref(json_object_get(j, "front"));
	if ((n = json_object_get(j, "top")) && rc == 0)
		rc = scann_net_from_json(n, &p->top, err);
	if ((n = json_object_get(j, "baseline")) && rc == 0)
		rc = scann_net_from_json(n, &p->baseline, err);
	if ((n = json_object_get(j, "current")) && rc == 0)
		rc = scann_net_from_json(n, &p->current, err);
	if ((n = json_object_get(j, "best")) && rc == 0)
		rc = scann_net_from_json(n, &p->best, err);
	json_decref(j);
	return rc;
}

/* DIR/stream.json is {"upto", "shift"}. */
void scann_checkpoint_save_stream(const char *dir,
				  const struct scann_events *ev)
{
	char path[4096];
	struct scann_error err;
	json_t *j = json_pack("{s:I, s:I}", "upto", (json_int_t)ev->upto,
			      "shift", (json_int_t)ev->shift);

	path_of(path, sizeof(path), dir, SCANN_ARTIFACT_STREAM);
	if (scann_json_write(path, j, 0, &err) != 0)
		fprintf(stderr, "scann-worker: %s\n", err.message);
	json_decref(j);
}

void scann_checkpoint_load_stream(const char *dir, struct scann_events *ev)
{
	char path[4096];
	json_t *j;

	path_of(path, sizeof(path), dir, SCANN_ARTIFACT_STREAM);
	j = json_load_file(path, 0, NULL);
	if (j == NULL)
		return;		/* never stopped cleanly: nothing to skip */
	ev->upto = (uint64_t)json_integer_value(json_object_get(j, "upto"));
	ev->shift = (uint64_t)json_integer_value(json_object_get(j, "shift"));
	json_decref(j);
}
