/*
 * model.c -- reading and writing the model file and the network JSON used
 * by checkpoints; see model.h for the format.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnn.h"
#include "model.h"
#include "dr.h"

/*
 * The front's object: "input" [c, h, w], "layers" as the spec writes them,
 * "params" every weight and bias in scann_cnn's order (17 digits, so a
 * float32 reads back bit for bit; a dormant weight is 0) and "mask" one
 * character per parameter, '1' active, '0' dormant.
 */
static json_t *front_to_json(const struct scann_cnn_params *f)
{
	json_t *layers = json_array(), *params = json_array();
	char *mask = malloc(f->n_param + 1);
	json_t *out;

	if (mask == NULL)
		return NULL;
	for (uint32_t i = 0; i < f->n_layers; i++)
		json_array_append_new(layers, f->spec[i].kind == SCANN_FRONT_CONV ?
			json_pack("{s:s, s:I, s:I}", "type", "conv", "maps",
				  (json_int_t)f->spec[i].maps, "kernel",
				  (json_int_t)f->spec[i].k) :
			json_pack("{s:s}", "type",
				  scann_front_kind_name(f->spec[i].kind)));
	for (size_t k = 0; k < f->n_param; k++) {
		json_array_append_new(params, json_real(f->param[k]));
		mask[k] = f->mask[k] ? '1' : '0';
	}
	mask[f->n_param] = '\0';
	out = json_pack("{s:[I, I, I], s:o, s:o, s:s}", "input",
			(json_int_t)f->c, (json_int_t)f->h, (json_int_t)f->w,
			"layers", layers, "params", params, "mask", mask);
	free(mask);
	return out;
}

static int front_from_json(const json_t *j, struct scann_cnn_params **out,
			   struct scann_error *err)
{
	struct scann_front_layer spec[SCANN_SPEC_MAX_FRONT_LAYERS];
	json_int_t c, h, w;
	json_t *layers, *params, *v;
	const char *mask;
	struct scann_cnn_params *f;
	size_t i;

	*out = NULL;
	if (json_unpack((json_t *)j, "{s:[I, I, I], s:o, s:o, s:s}", "input",
			&c, &h, &w, "layers", &layers, "params", &params,
			"mask", &mask) != 0 || c < 1 || h < 1 || w < 1 ||
	    c > 65536 || h > 65536 || w > 65536 || !json_is_array(layers) ||
	    json_array_size(layers) == 0 ||
	    json_array_size(layers) > SCANN_SPEC_MAX_FRONT_LAYERS ||
	    !json_is_array(params))
		return scann_error_set(err, SCANN_EINVAL, "network.front",
				       "the front object is malformed");
	json_array_foreach(layers, i, v) {
		const char *type = json_string_value(json_object_get(v, "type"));
		int k = -1;

		for (int t = 0; type && scann_front_kind_name(t); t++)
			if (strcmp(type, scann_front_kind_name(t)) == 0)
				k = t;
		if (k < 0)
			return scann_error_set(err, SCANN_EINVAL,
					       "network.front.layers",
					       "front layer %zu has no known type", i);
		spec[i].kind = (enum scann_front_kind)k;
		spec[i].maps = (uint32_t)json_integer_value(json_object_get(v, "maps"));
		spec[i].k = (uint32_t)json_integer_value(json_object_get(v, "kernel"));
		if (k == SCANN_FRONT_CONV &&
		    (spec[i].maps < 1 || spec[i].maps > SCANN_SPEC_MAX_FRONT_MAPS ||
		     spec[i].k < 1 || spec[i].k > SCANN_SPEC_MAX_FRONT_KERNEL))
			return scann_error_set(err, SCANN_EINVAL,
					       "network.front.layers",
					       "front layer %zu: maps or kernel out of range", i);
	}
	f = scann_cnn_params_new((uint32_t)c, (uint32_t)h, (uint32_t)w, spec,
				 (uint32_t)json_array_size(layers), NULL, err);
	if (f == NULL)
		return err->code;
	if (json_array_size(params) != f->n_param || strlen(mask) != f->n_param) {
		scann_cnn_params_free(f);
		return scann_error_set(err, SCANN_EINVAL, "network.front.params",
				       "the front's layers have %zu parameters; "
				       "params or mask gives another count", f->n_param);
	}
	json_array_foreach(params, i, v) {
		if (!json_is_number(v) || (mask[i] != '0' && mask[i] != '1')) {
			scann_cnn_params_free(f);
			return scann_error_set(err, SCANN_EINVAL, "network.front.params",
					       "front parameter %zu is malformed", i);
		}
		f->mask[i] = mask[i] == '1';
		f->param[i] = f->mask[i] ? (float)json_number_value(v) : 0.0f;
	}
	*out = f;
	return 0;
}

json_t *scann_net_to_json(const struct scann_net *net)
{
	json_t *layer = json_array(), *bias = json_array(), *conn = json_array();

	for (uint32_t h = 0; h < net->n_hidden; h++)
		json_array_append_new(layer, json_integer(net->layer[h]));
	for (uint32_t t = 0; t < scann_net_rows(net); t++) {
		json_array_append_new(bias, json_real(net->bias[t]));
		for (uint32_t s = 0; s < scann_net_cols(net); s++) {
			size_t at = scann_net_at(net, t, s);

			if (net->mask[at])
				json_array_append_new(conn,
					json_pack("[I, I, f]", (json_int_t)t,
						  (json_int_t)s, (double)net->w[at]));
		}
	}
	json_t *out = json_pack("{s:I, s:I, s:I, s:s, s:I, s:I, s:o, s:o, s:o}",
			 "inputs", (json_int_t)net->n_in,
			 "hidden", (json_int_t)net->n_hidden,
			 "outputs", (json_int_t)net->n_out,
			 "wiring", net->wiring == SCANN_WIRING_FREE ? "free" : "layered",
			 "layers", (json_int_t)net->n_layers,
			 "depth", (json_int_t)net->depth,
			 "layer", layer, "bias", bias, "connections", conn);

	if (out != NULL && net->front != NULL) {
		json_t *front = front_to_json(net->front);

		if (front == NULL) {
			json_decref(out);
			return NULL;
		}
		json_object_set_new(out, "front", front);
	}
	return out;
}

int scann_net_from_json(const json_t *j, struct scann_net **out,
			struct scann_error *err)
{
	json_int_t n_in, H, n_out, layers;
	const char *wiring;
	json_t *layer, *bias, *conn, *v;
	struct scann_net *net;
	size_t i;

	*out = NULL;
	if (json_unpack((json_t *)j, "{s:I, s:I, s:I, s:s, s:I, s:o, s:o, s:o}",
			"inputs", &n_in, "hidden", &H, "outputs", &n_out,
			"wiring", &wiring, "layers", &layers, "layer", &layer,
			"bias", &bias, "connections", &conn) != 0 ||
	    n_in < 1 || H < 0 || n_out < 2 || n_in > 1 << 24 || H > 1 << 20 ||
	    n_out > 1 << 20 ||
	    /* the dense master matrix: refuse what no job could have made */
	    (uint64_t)(H + n_out) * (uint64_t)(n_in + H) > (UINT64_C(1) << 28) ||
	    !json_is_array(layer) || !json_is_array(bias) ||
	    !json_is_array(conn) || json_array_size(layer) != (size_t)H ||
	    json_array_size(bias) != (size_t)(H + n_out))
		return scann_error_set(err, SCANN_EINVAL, "network",
				       "the network object is malformed");
	net = calloc(1, sizeof(*net));
	if (net == NULL)
		return scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
	net->n_in = (uint32_t)n_in;
	net->n_hidden = (uint32_t)H;
	net->n_out = (uint32_t)n_out;
	net->wiring = strcmp(wiring, "free") == 0 ? SCANN_WIRING_FREE :
		SCANN_WIRING_LAYERED;
	net->n_layers = (uint32_t)layers;
	net->layer = calloc(H + 1, sizeof(uint32_t));
	net->level = calloc(H + 1, sizeof(uint32_t));
	net->bias = calloc(H + n_out, sizeof(float));
	net->w = calloc((size_t)(H + n_out) * (n_in + H), sizeof(float));
	net->mask = calloc((size_t)(H + n_out) * (n_in + H), 1);
	if (!net->layer || !net->level || !net->bias || !net->w || !net->mask) {
		scann_net_free(net);
		return scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
	}
	json_array_foreach(layer, i, v)
		net->layer[i] = (uint32_t)json_integer_value(v);
	json_array_foreach(bias, i, v)
		net->bias[i] = (float)json_number_value(v);
	json_array_foreach(conn, i, v) {
		json_int_t t, s;
		double w;

		if (json_unpack(v, "[I, I, F]", &t, &s, &w) != 0 || t < 0 ||
		    s < 0 || t >= H + n_out || s >= n_in + H ||
		    !scann_net_allowed(net, (uint32_t)t, (uint32_t)s)) {
			scann_net_free(net);
			return scann_error_set(err, SCANN_EINVAL, "network.connections",
					       "connection %zu is malformed or not allowed", i);
		}
		net->mask[scann_net_at(net, (uint32_t)t, (uint32_t)s)] = 1;
		net->w[scann_net_at(net, (uint32_t)t, (uint32_t)s)] = (float)w;
	}
	if ((v = json_object_get(j, "front")) != NULL) {
		int rc = front_from_json(v, &net->front, err);

		if (rc == 0 && net->front->n_out != net->n_in)
			rc = scann_error_set(err, SCANN_EINVAL, "network.front",
					     "the front outputs %u features; the "
					     "network reads %u", net->front->n_out,
					     net->n_in);
		if (rc != 0) {
			scann_net_free(net);
			return rc;
		}
	}
	scann_net_update(net);
	*out = net;
	return 0;
}

int scann_json_write(const char *path, json_t *j, int indent,
		     struct scann_error *err)
{
	char tmp[4096];
	size_t flags = JSON_PRESERVE_ORDER | (indent ? JSON_INDENT(1) : JSON_COMPACT);

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(j, tmp, flags) != 0 || rename(tmp, path) != 0)
		return scann_error_set(err, SCANN_EIO, NULL, "cannot write %s: %s",
				       path, strerror(errno));
	return 0;
}

int scann_model_save(const char *path, const struct scann_net *net,
		     const struct scann_norm *norm, const struct scann_dataset *ds,
		     json_t *data, json_t *summary, struct scann_error *err)
{
	return scann_model_save_dr(path, net, norm, NULL, ds, data, summary, err);
}

int scann_model_save_dr(const char *path, const struct scann_net *net,
			const struct scann_norm *norm, json_t *dr,
			const struct scann_dataset *ds, json_t *data,
			json_t *summary, struct scann_error *err)
{
	json_t *mn = json_array(), *mx = json_array(), *cls = json_array(), *root;
	int rc;

	for (uint32_t f = 0; f < norm->features; f++) {
		json_array_append_new(mn, json_real(norm->min[f]));
		json_array_append_new(mx, json_real(norm->max[f]));
	}
	for (uint32_t c = 0; c < ds->classes; c++)
		json_array_append_new(cls, json_string(ds->class_names[c]));
	root = json_pack("{s:s, s:i, s:{s:s, s:o, s:o}, s:o, s:o, s:O, s:o}",
			 "format", "scann-model", "version", 1,
			 "normalize", "method", "range", "min", mn, "max", mx,
			 "classes", cls, "network", scann_net_to_json(net),
			 "data", data, "summary", summary);
	if (root == NULL)
		return scann_error_set(err, SCANN_ENOMEM, NULL, "cannot build the model");
	if (dr != NULL)
		json_object_set(root, "dr", dr);
	rc = scann_json_write(path, root, 0, err);
	json_decref(root);
	return rc;
}

int scann_model_load(const char *path, struct scann_model *m,
		     struct scann_error *err)
{
	json_error_t jerr;
	json_t *mn, *mx, *net;
	int rc;

	memset(m, 0, sizeof(*m));
	m->root = json_load_file(path, 0, &jerr);
	if (m->root == NULL)
		return scann_error_set(err, SCANN_EINVAL, NULL, "%s:%d:%d: %s", path,
				       jerr.line, jerr.column, jerr.text);
	if (json_unpack(m->root, "{s:{s:o, s:o}, s:o}", "normalize", "min", &mn,
			"max", &mx, "network", &net) != 0 ||
	    !json_is_array(mn) || !json_is_array(mx) ||
	    json_array_size(mn) != json_array_size(mx)) {
		rc = scann_error_set(err, SCANN_EINVAL, NULL,
				     "%s: not a scann model file", path);
		goto fail;
	}
	rc = scann_net_from_json(net, &m->net, err);
	if (rc != 0)
		goto fail;
	m->norm.features = (uint32_t)json_array_size(mn);
	m->norm.min = calloc(m->norm.features + 1, sizeof(float));
	m->norm.max = calloc(m->norm.features + 1, sizeof(float));
	if (!m->norm.min || !m->norm.max) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
		goto fail;
	}
	for (uint32_t f = 0; f < m->norm.features; f++) {
		m->norm.min[f] = (float)json_number_value(json_array_get(mn, f));
		m->norm.max[f] = (float)json_number_value(json_array_get(mx, f));
	}
	if (json_object_get(m->root, "dr") != NULL) {
		rc = scann_dr_from_json(json_object_get(m->root, "dr"), &m->dr, err);
		if (rc != 0)
			goto fail;
		if (scann_dr_inputs(m->dr) != m->norm.features ||
		    scann_dr_outputs(m->dr) != m->net->n_in) {
			rc = scann_error_set(err, SCANN_EINVAL, "dr",
					     "%s: the DR transform maps %u features "
					     "to %u, but the data has %u and the "
					     "network reads %u", path,
					     scann_dr_inputs(m->dr),
					     scann_dr_outputs(m->dr),
					     m->norm.features, m->net->n_in);
			goto fail;
		}
	} else if (m->norm.features != (m->net->front ? m->net->front->c *
					m->net->front->h * m->net->front->w :
					m->net->n_in)) {
		rc = scann_error_set(err, SCANN_EINVAL, "normalize",
				     "%s: normalisation and network disagree", path);
		goto fail;
	}
	return 0;
fail:
	scann_model_free(m);
	return rc;
}

void scann_model_free(struct scann_model *m)
{
	scann_dr_free(m->dr);
	scann_net_free(m->net);
	scann_norm_free(&m->norm);
	json_decref(m->root);
	memset(m, 0, sizeof(*m));
}
