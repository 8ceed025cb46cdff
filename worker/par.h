/*
 * par.h -- fork-join for the engine's loops that BLAS does not cover: the
 * input gather, the elementwise passes, the sparse (CSR) levels and the
 * optimiser step.  With one thread BLAS alone would use the second core, and
 * everything between two GEMMs would leave it idle (issue 3's two-thread
 * figures).
 *
 * One pool per process, like OpenBLAS's own: scann_par_set_threads(T) keeps
 * T - 1 helper threads; scann_par_run(fn, ctx) calls fn(ctx, p, T) for every
 * part p < T, part 0 on the calling thread, and returns when all are done.
 * Parts must write disjoint memory; every part's writes are visible to the
 * caller when scann_par_run returns.  Runs do not nest and come from one
 * thread at a time.
 *
 * Results never depend on T: callers split work so that each output value is
 * computed by the same operations in the same order whatever the split
 * (tests/check_net.c compares one and two pool threads bit for bit; OpenBLAS
 * itself does not promise that across its own thread counts).
 */
#ifndef SCANN_PAR_H
#define SCANN_PAR_H

#include <stddef.h>
#include <stdint.h>

typedef void (*scann_par_fn)(void *ctx, uint32_t part, uint32_t parts);

/*
 * Use T threads in all (the caller plus T - 1 helpers; T = 0 means 1).
 * Returns the number now in use, which is smaller than T only when the
 * system refused to start a thread.
 */
uint32_t scann_par_set_threads(uint32_t threads);

/* Threads in use (1 until scann_par_set_threads says otherwise). */
uint32_t scann_par_threads(void);

/* Run fn over all parts and wait for them (see above). */
void scann_par_run(scann_par_fn fn, void *ctx);

/*
 * Work under this many values (rows x batch columns, parameters) runs on
 * the calling thread: handing it to the pool costs more than it saves.
 */
#define SCANN_PAR_MIN_WORK 65536

/* scann_par_run for work values, or fn(ctx, 0, 1) here when work is small. */
static inline void scann_par_run_sized(scann_par_fn fn, void *ctx,
				       size_t work)
{
	if (work < SCANN_PAR_MIN_WORK)
		fn(ctx, 0, 1);
	else
		scann_par_run(fn, ctx);
}

/*
 * Part p of parts of the range [0, n): [*lo, *hi), with every boundary but
 * n a multiple of align (align >= 1), so vector loops split the same way
 * as the whole range would.
 */
static inline void scann_par_range(size_t n, size_t align, uint32_t part,
				   uint32_t parts, size_t *lo, size_t *hi)
{
	size_t chunk = (n + parts - 1) / parts;

	chunk = (chunk + align - 1) / align * align;
	*lo = chunk * part < n ? chunk * part : n;
	*hi = chunk * (part + 1) < n ? chunk * (part + 1) : n;
}

#endif
