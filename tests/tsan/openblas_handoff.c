/*
 * openblas_handoff.c -- why ThreadSanitizer runs the engine with OpenBLAS on
 * one thread (deploy/setup.sh, issue 10).
 *
 * No engine code and no thread of ours: allocate C, let cblas_sgemm write it
 * (beta = 0, so OpenBLAS's threads clear it with memset first), then write it
 * again after the call has returned.  Program order alone orders these
 * writes, yet TSan reports a data race between the malloc and OpenBLAS's
 * memset, and between that memset and the write after the call.  OpenBLAS
 * hands work to its threads and waits for them with plain (volatile) flags
 * and barriers in uninstrumented code, so TSan sees the memset -- an
 * intercepted libc call -- but never the synchronisation around it.
 *
 *	gcc -fsanitize=thread -g tests/tsan/openblas_handoff.c -lopenblas
 *	export OPENBLAS_CORETYPE=Haswell TSAN_OPTIONS=halt_on_error=1
 *	./a.out				# exit 66: a report, 20 runs of 20
 *	OPENBLAS_NUM_THREADS=1 ./a.out	# exit 0, 10 of 10
 *
 * Seen with Debian 12's OpenBLAS 0.3.21 on an AVX-512 Xeon.  Its own
 * SkylakeX kernels clear C without memset, so there TSan sees nothing of
 * OpenBLAS at all and says nothing; the Haswell kernels (picked on AVX2
 * machines, or by OPENBLAS_CORETYPE) call memset, and TSan reports.
 */
#include <cblas.h>
#include <stdlib.h>

static void product_then_overwrite(int m, int n, int k)
{
	float *a = malloc((size_t)m * k * sizeof *a);
	float *b = malloc((size_t)n * k * sizeof *b);
	float *c = malloc((size_t)m * n * sizeof *c);

	if (!a || !b || !c)
		abort();
	for (int i = 0; i < m * k; i++)
		a[i] = 1.0f;
	for (int i = 0; i < n * k; i++)
		b[i] = 1.0f;
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a,
		    k, b, k, 0.0f, c, n);
	for (int i = 0; i < m * n; i++)	/* the call has returned */
		c[i] = 0.0f;
	free(a);
	free(b);
	free(c);
}

int main(void)
{
	static const int sizes[] = {16, 64, 128, 256, 1024};

	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
		for (size_t j = 0; j < sizeof sizes / sizeof *sizes; j++)
			product_then_overwrite(sizes[i], sizes[j], 128);
	return 0;
}
