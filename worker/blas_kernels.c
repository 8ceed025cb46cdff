/*
 * blas_kernels.c -- make OpenBLAS run the kernels this CPU can run.
 *
 * OpenBLAS (built with DYNAMIC_ARCH, as Debian ships it) picks its kernels
 * once, when the library loads, from the CPU's family and model.  A CPU the
 * library does not know -- one newer than it, or a virtual machine that hides
 * its model, as Debian 12's 0.3.21 on this project's AVX-512 hosts -- gets
 * the generic SSE3 "Prescott" kernels: sgemm 4-8x slower than the AVX-512
 * ones on the same host (tests/bench/README.md, "BLAS kernels").  The choice
 * can only be changed before the library loads, through OPENBLAS_CORETYPE;
 * so when the library fell back and the CPU's own feature bits promise more,
 * the worker sets that variable and executes itself again, once.
 *
 * What it is not: a tuner.  An OPENBLAS_CORETYPE already in the environment
 * (an operator's choice, or a test's) is never touched, and a core the
 * library recognised is kept even when a table row would rank higher.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "blas_kernels.h"

char *openblas_get_corename(void);

/*
 * The kernel families worth asking for, best first, with the CPU features
 * each needs.  __builtin_cpu_supports also checks that the kernel saves the
 * wider registers (XCR0), so a row never picks code that would fault.
 */
static const struct blas_core {
	const char *name;	/* as OPENBLAS_CORETYPE spells it */
	int (*runs_here)(void);
} blas_cores[] = {
	{ "SkylakeX", scann_cpu_has_avx512 },
	{ "Haswell", scann_cpu_has_avx2 },
	{ "Sandybridge", scann_cpu_has_avx },
};

/* OpenBLAS's generic x86-64 fallbacks: what it loads for a CPU it does not
 * know.  Any other name means it recognised the CPU and chose on purpose. */
static const char *const fallback_cores[] = { "Prescott", "Core2", "Penryn",
					      "Dunnington", "Nehalem", "Katmai" };

int scann_cpu_has_avx512(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_cpu_supports("avx512f") &&
	       __builtin_cpu_supports("avx512bw") &&
	       __builtin_cpu_supports("avx512vl") &&
	       __builtin_cpu_supports("avx512dq") &&
	       __builtin_cpu_supports("avx512cd");
#else
	return 0;
#endif
}

int scann_cpu_has_avx2(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
	return 0;
#endif
}

int scann_cpu_has_avx(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_cpu_supports("avx");
#else
	return 0;
#endif
}

const char *scann_blas_core(void)
{
	const char *name = openblas_get_corename();
	return name ? name : "unknown";
}

int scann_blas_is_fallback(const char *core)
{
	for (size_t i = 0; i < sizeof(fallback_cores) / sizeof(*fallback_cores); i++)
		if (strcasecmp(core, fallback_cores[i]) == 0)
			return 1;
	return 0;
}

const char *scann_blas_better_core(void)
{
	if (getenv("OPENBLAS_CORETYPE") != NULL ||
	    !scann_blas_is_fallback(scann_blas_core()))
		return NULL;
	for (size_t i = 0; i < sizeof(blas_cores) / sizeof(*blas_cores); i++)
		if (blas_cores[i].runs_here())
			return blas_cores[i].name;
	return NULL;
}

void scann_blas_pick_kernels(char **argv)
{
	const char *core = scann_blas_better_core();
	if (core == NULL)
		return;
	if (setenv("OPENBLAS_CORETYPE", core, 1) != 0)
		return;
	/* /proc/self/exe, not argv[0]: the worker may have been found on PATH. */
	execv("/proc/self/exe", argv);
	/* Still here: run on, slowly, and say so once. */
	fprintf(stderr,
		"scann-worker: OpenBLAS chose its generic %s kernels; re-executing "
		"with OPENBLAS_CORETYPE=%s failed (%s), running on with them\n",
		scann_blas_core(), core, strerror(errno));
	unsetenv("OPENBLAS_CORETYPE");
}
