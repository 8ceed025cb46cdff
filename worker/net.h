/*
 * net.h -- SCANN's general feed-forward network, in its master form.
 *
 * A network has n_in inputs, an ordered list of n_hidden hidden neurons and
 * n_out outputs.  Sources are numbered inputs first (0..n_in-1), then hidden
 * neurons (n_in + h); targets are numbered hidden first (h), then outputs
 * (n_hidden + o).  Any input or earlier hidden neuron may feed any later
 * hidden neuron or any output; which of those connections are *allowed* is
 * the wiring (FREE: all of them; LAYERED: only from layer l to l + 1, the
 * MLP's connections, used by scheme C).  An allowed connection is active or
 * dormant (mask 0, weight held at exactly 0).
 *
 * The master form (struct scann_net) is a dense (n_hidden + n_out) x
 * (n_in + n_hidden) float32 matrix plus mask, indexed by neuron: easy to grow,
 * prune and save.  Each hidden neuron's level is the longest path from the
 * inputs.  Nothing evaluates this form directly: exec.h compiles it into the
 * level-by-level executor that training, growth and scoring run.
 *
 * Ownership: a scann_net owns its arrays.
 */
#ifndef SCANN_NET_H
#define SCANN_NET_H

#include <stddef.h>
#include <stdint.h>

#include "job/error.h"
#include "job/rng.h"

struct scann_cnn_params;

enum scann_wiring {
	SCANN_WIRING_FREE,	/* any earlier neuron may feed any later one */
	SCANN_WIRING_LAYERED	/* adjacent layers only (MLP; scheme C) */
};

struct scann_net {
	uint32_t n_in, n_hidden, n_out;
	enum scann_wiring wiring;
	uint32_t n_layers;	/* LAYERED: hidden layers; layer tags 1..n_layers */
	uint32_t *layer;	/* n_hidden layer tags (also kept for FREE) */
	float *w;		/* (n_hidden + n_out) x (n_in + n_hidden) */
	uint8_t *mask;		/* same shape, 1 = active */
	float *bias;		/* n_hidden + n_out */
	/* Derived by scann_net_update() after every architecture change. */
	uint32_t *level;	/* n_hidden: longest path from the inputs */
	uint32_t depth;		/* max hidden level (0 = no hidden neuron) */
	/*
	 * A convolutional front whose output features are the inputs (its
	 * n_out == n_in), owned; NULL when the net reads features directly.
	 * Part of the network: cloned, saved, compiled and trained with it.
	 */
	struct scann_cnn_params *front;
};

static inline uint32_t scann_net_cols(const struct scann_net *n)
{
	return n->n_in + n->n_hidden;
}

static inline uint32_t scann_net_rows(const struct scann_net *n)
{
	return n->n_hidden + n->n_out;
}

/* Index of the weight from source s into target t. */
static inline size_t scann_net_at(const struct scann_net *n, uint32_t t,
				  uint32_t s)
{
	return (size_t)t * scann_net_cols(n) + s;
}

/*
 * A new network with hidden layers of sizes hidden[0..n_layers) and only
 * adjacent-layer connections active, He-initialised from rng (biases 0).
 * n_layers may be 0 (inputs straight to outputs).  Returns NULL when out of
 * memory.  Caller owns the result (scann_net_free).
 */
struct scann_net *scann_net_new_mlp(uint32_t n_in, const uint32_t *hidden,
				    uint32_t n_layers, uint32_t n_out,
				    enum scann_wiring wiring,
				    struct scann_rng *rng);

/* A deep copy (NULL when out of memory); caller owns it. */
struct scann_net *scann_net_clone(const struct scann_net *net);

void scann_net_free(struct scann_net *net);

/* May source s feed target t under the net's wiring? */
int scann_net_allowed(const struct scann_net *net, uint32_t t, uint32_t s);

/* Recompute levels and depth.  Call after any change to mask or neurons. */
void scann_net_update(struct scann_net *net);

/* Active connections. */
size_t scann_net_active(const struct scann_net *net);

/* Allowed but dormant connections. */
size_t scann_net_dormant(const struct scann_net *net);

/*
 * Insert a hidden neuron at index h (0..n_hidden), with the given layer tag,
 * no connections and bias 0; neurons from h on shift up by one.  Returns 0 or
 * SCANN_ENOMEM (the net is then unchanged).
 */
int scann_net_insert_hidden(struct scann_net *net, uint32_t h, uint32_t layer);

/*
 * Remove hidden neuron h with all its connections.  Returns 0 or
 * SCANN_ENOMEM (the smaller matrices are new allocations; the net is then
 * unchanged).
 */
int scann_net_remove_hidden(struct scann_net *net, uint32_t h);

#endif
