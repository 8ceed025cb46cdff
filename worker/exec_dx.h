/*
 * exec_dx.h -- dL/d(input) of a compiled net (exec.h): what a front before
 * the net (cnn.h) needs to be trained through it.
 *
 * scann_exec_backward leaves dL/dz of every hidden and output neuron in
 * ex->d but never computes the inputs' deltas, which a net fed by raw
 * features does not need.  This adds them afterwards, from those dL/dz and
 * the compiled weights, for every level that has input sources (in a FREE
 * net that can be any level): dense levels with one GEMM over the input
 * part of their block, CSR levels with axpy loops over batch columns.
 */
#ifndef SCANN_EXEC_DX_H
#define SCANN_EXEC_DX_H

#include <stdint.h>

#include "exec.h"

/*
 * After scann_exec_backward over n columns: dx (n_in rows of stride ld,
 * columns [0, n); overwritten) = dL/d(input), the same mean-over-the-batch
 * scale as the gradients.  ex is only read.
 */
void scann_exec_input_delta(const struct scann_exec *ex, uint32_t n,
			    float *dx, uint32_t ld);

#endif
