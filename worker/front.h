/*
 * front.h -- the Pareto front of a job's candidates: the networks that no
 * other candidate beats on both size and validation accuracy, so a user can
 * pick another trade-off than the one `best` makes.
 */
#ifndef SCANN_FRONT_H
#define SCANN_FRONT_H

#include <jansson.h>

/*
 * From an array of network summaries ("params", "val_acc"), a new array of
 * copies of those on the front: none has another with no more parameters
 * and no lower validation accuracy, one of the two strictly better.  Sorted
 * by parameters; of equal summaries the first is kept.  NULL when out of
 * memory.
 */
json_t *scann_front(const json_t *candidates);

#endif
