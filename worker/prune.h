/*
 * prune.h -- connection pruning (paper Algorithm 5) and the removal of
 * hidden neurons it leaves without inputs or without outputs.
 */
#ifndef SCANN_PRUNE_H
#define SCANN_PRUNE_H

#include <stddef.h>
#include <stdint.h>

#include "job/error.h"
#include "net.h"

struct scann_prune_stats {
	size_t pruned;		/* connections removed by magnitude */
	uint32_t neurons;	/* hidden neurons removed as dead */
	size_t with_neurons;	/* connections that went with them */
};

/*
 * Deactivate the active connections of smallest |w|: exactly
 * round(fraction x active) of them, or, when keep > 0, as many as bring the
 * active count down to keep.  Ties go to the lower (target, source).  Then
 * remove, repeatedly, every hidden neuron with no active input or no active
 * output.  Output neurons and inputs are never removed.  *st may be NULL.
 * Returns 0, or SCANN_ENOMEM with *err filled: the net is then a valid net
 * (what was pruned stays pruned) but may keep some dead neurons.
 */
int scann_prune(struct scann_net *net, double fraction, size_t keep,
		struct scann_prune_stats *st, struct scann_error *err);

/*
 * The same over the whole network when with_front and net->front: the
 * front's active kernel weights rank in one list with the connections (by
 * |w|; the front's after the net's on ties), fraction and keep count both,
 * and a pruned kernel weight is dormant (mask 0, weight 0).  Biases are
 * never pruned.  Scheme C prunes so (the whole network to a target);
 * schemes A and B prune the net behind the front only.
 */
int scann_prune_with_front(struct scann_net *net, int with_front,
			   double fraction, size_t keep,
			   struct scann_prune_stats *st, struct scann_error *err);

/* Active connections, and with with_front the front's active kernel
 * weights too: what scann_prune_with_front's keep counts. */
size_t scann_prune_active(const struct scann_net *net, int with_front);

/*
 * Only the dead-neuron sweep: *neurons gets the hidden neurons removed and
 * *connections (may be NULL) the connections that went with them.  Returns
 * 0 or SCANN_ENOMEM (err filled; the neurons removed so far stay removed).
 */
int scann_prune_dead(struct scann_net *net, uint32_t *neurons,
		     size_t *connections, struct scann_error *err);

#endif
