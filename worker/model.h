/*
 * model.h -- the model file: a synthesized network as JSON that runs
 * anywhere (DESIGN.md: "the network itself as a file").  It holds
 *   - "normalize": the per-feature min and max fitted on the training rows;
 *   - "classes": class names in the order of the output neurons;
 *   - "network": inputs, hidden, outputs, wiring, layer tags, biases and the
 *     active connections as [target, source, weight] triples (sources:
 *     inputs 0..inputs-1, then hidden neurons; targets: hidden, then
 *     outputs), every weight printed with 17 significant digits so a float32
 *     reads back bit for bit;
 *   - "data": how the reported accuracies were obtained: the dataset's row
 *     count, label column and fingerprint (FNV-1a 64 of its features and
 *     labels) and the split spec, so `scann-worker predict` can find the
 *     very same test rows again;
 *   - "summary": the network summary reported for it.
 * Checkpoints reuse the network part (scann_net_to_json).
 */
#ifndef SCANN_MODEL_H
#define SCANN_MODEL_H

#include <stdint.h>

#include <jansson.h>

#include "job/dataset.h"
#include "job/error.h"
#include "net.h"
#include "normalize.h"

struct scann_dr;

/* The "network" object (new reference). */
json_t *scann_net_to_json(const struct scann_net *net);

/* Rebuild a net from its "network" object; *out is owned by the caller. */
int scann_net_from_json(const json_t *j, struct scann_net **out,
			struct scann_error *err);

/*
 * Write the model file to path (atomically: a temporary file renamed over
 * it).  data is borrowed, summary is stolen (decref'd); both are stored
 * as they are.
 */
int scann_model_save(const char *path, const struct scann_net *net,
		     const struct scann_norm *norm, const struct scann_dataset *ds,
		     json_t *data, json_t *summary, struct scann_error *err);

/*
 * The same, for a network that reads DR features: dr is the fitted
 * transform's object (scann_dr_to_json; borrowed, NULL for none), stored
 * as "dr" and applied after normalisation by whoever loads the model.
 */
int scann_model_save_dr(const char *path, const struct scann_net *net,
			const struct scann_norm *norm, json_t *dr,
			const struct scann_dataset *ds, json_t *data,
			json_t *summary, struct scann_error *err);

struct scann_model {
	struct scann_net *net;
	struct scann_norm norm;
	struct scann_dr *dr;	/* NULL when the net reads normalised features */
	json_t *root;		/* the whole file, for "data", "classes", ... */
};

/* Read a model file; *m owns everything afterwards (scann_model_free). */
int scann_model_load(const char *path, struct scann_model *m,
		     struct scann_error *err);

void scann_model_free(struct scann_model *m);

/* Write a JSON value to path atomically (pretty when indent). */
int scann_json_write(const char *path, json_t *j, int indent,
		     struct scann_error *err);

#endif
