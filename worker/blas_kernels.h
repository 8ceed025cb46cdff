/*
 * blas_kernels.h -- see that OpenBLAS runs kernels this CPU can run, when
 * the library does not recognise the CPU (blas_kernels.c says why).
 */
#ifndef SCANN_BLAS_KERNELS_H
#define SCANN_BLAS_KERNELS_H

/*
 * When OPENBLAS_CORETYPE is unset and OpenBLAS loaded a generic fallback
 * core although this CPU runs a better one, set the variable and execv() the
 * running program again with argv (which must end in NULL).  Returns only
 * when there was nothing to do, or the re-execution failed (said on stderr).
 * Call first thing in main(), before any output or input.
 */
void scann_blas_pick_kernels(char **argv);

/* The core OpenBLAS is running, as it names it ("SkylakeX", "Prescott"). */
const char *scann_blas_core(void);

/* 1 when core (a name as scann_blas_core gives) is one of OpenBLAS's
 * generic fallbacks, loaded for a CPU it does not know. */
int scann_blas_is_fallback(const char *core);

/* The core scann_blas_pick_kernels() would ask for, or NULL for none. */
const char *scann_blas_better_core(void);

/* What this CPU and its OS can run: 1 or 0. */
int scann_cpu_has_avx512(void);
int scann_cpu_has_avx2(void);
int scann_cpu_has_avx(void);

#endif
