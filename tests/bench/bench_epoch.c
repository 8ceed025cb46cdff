/*
 * bench_epoch.c -- how long one training epoch of a 784-300-100-10 network
 * takes (50,000 rows, batch 128, Adam), dense and at reduced densities, so
 * the engine can be compared with the machine's GEMM speed
 * (../shared/peers/sgemm_peak.c) and with PyTorch (peers/torch_mlp.py).
 * Run by hand (tests/bench/run.sh); never part of "make check".
 *
 *   bench_epoch [--idx DIR] [--threads T] [--epochs E] [--auto-only]
 *               [--density D]...
 *
 * Without --idx the data are random (same shapes).  For each density D the
 * MLP keeps a random fraction D of each layer's connections (LAYERED
 * wiring); it is timed with the automatic kernel choice (CSR below
 * SCANN_SPARSE_BELOW) and, for D < 1, also forced dense.  One JSON line per
 * run: the best and median epoch wall seconds, the best epoch's process CPU
 * seconds (single-threaded, the fair figure on a shared machine), and the
 * epoch's GEMM work
 * (forward + weight gradient + input gradient of the hidden layers).
 *
 *   bench_epoch --net lenet5 [--idx DIR] [--threads T] [--epochs E]
 *
 * LeNet-5 (Caffe; cnn.h's preset and an 800-500-10 net) trained as the
 * paper trains it (SGD lr 0.03, momentum 0.9, weight decay 1e-4, batch 64)
 * on the first 50,000 training images, pixels / 255, as
 * ../shared/peers/torch_lenet5.py does.  One JSON line per epoch (wall and
 * CPU seconds of the training pass, test accuracy on t10k in percent, as
 * the peer prints it), then the MLP's summary line with the test accuracy
 * of the last epoch.  GEMM work: forward, weight gradients and input
 * gradients of every layer but the first convolution.
 *
 *   bench_epoch --net lenet5 ... --checkpoint FILE
 *
 * Long runs: after every epoch the state (parameters, momenta, generator)
 * goes to FILE; SIGTERM or SIGINT stops the epoch at the next batch
 * (a line {"stopped":true,"epochs_done":E}, exit 143); the same command
 * again resumes after the last completed epoch, and its epoch lines are
 * those the uninterrupted run prints (the seconds aside).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "worker/blas_kernels.h"
#include "worker/cnn.h"
#include "worker/cnn_train.h"
#include "worker/exec.h"
#include "worker/job/dataset.h"
#include "worker/net.h"
#include "worker/normalize.h"
#include "worker/par.h"
#include "worker/train.h"

void openblas_set_num_threads(int num_threads);

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Process CPU seconds: on a shared machine a single-threaded epoch's CPU
 * time is what it would take alone; wall time includes other tenants. */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double epoch_seconds[64], epoch_cpu[64];

struct clocks {
	double wall, cpu;
};

static int on_epoch(void *ctx, struct scann_exec *ex, uint32_t epoch,
		    double loss)
{
	struct clocks *t = ctx;
	double now = now_s(), cpu = cpu_s();

	(void)ex;
	(void)loss;
	epoch_seconds[epoch] = now - t->wall;
	epoch_cpu[epoch] = cpu - t->cpu;
	t->wall = now;
	t->cpu = cpu;
	return 0;
}

static void summary(const char *net, int threads, uint64_t params,
		    int epochs, double work, double test_acc)
{
	double sorted[64], sorted_cpu[64];

	memcpy(sorted, epoch_seconds, epochs * sizeof(double));
	qsort(sorted, epochs, sizeof(double), cmp_d);
	memcpy(sorted_cpu, epoch_cpu, epochs * sizeof(double));
	qsort(sorted_cpu, epochs, sizeof(double), cmp_d);
	printf("{\"net\":\"%s\",\"threads\":%d,\"density\":1,\"kernel\":\"auto\","
	       "\"active\":%llu,\"epochs\":%d,\"best_s\":%.4f,"
	       "\"median_s\":%.4f,\"best_cpu_s\":%.4f,\"gflop\":%.2f,"
	       "\"gflops\":%.2f,\"test_acc\":%.3f}\n",
	       net, threads, (unsigned long long)params, epochs, sorted[0],
	       sorted[epochs / 2], sorted_cpu[0], work / 1e9,
	       work / 1e9 / sorted[0], test_acc);
	fflush(stdout);
}

/*
 * LeNet-5 on x (row-major 28 x 28 images in [0, 1]) and y: the first N
 * rows train, rows [test, test + n_test) are scored after every epoch.
 */
static void on_stop(int sig)
{
	(void)sig;
	scann_stop_requested = 1;
}

static int bench_lenet5(const float *x, const uint32_t *y, uint32_t N,
			uint32_t test, uint32_t n_test, int threads, int epochs,
			struct scann_rng *rng, const char *ckpt)
{
	enum { BATCH = 64 };
	uint32_t hidden[1] = {500}, *order = malloc(N * sizeof(uint32_t));
	uint32_t *test_rows = malloc((n_test ? n_test : 1) * sizeof(uint32_t));
	struct scann_data data = {x, y, 784, 10};
	struct scann_cnn cnn;
	struct scann_exec ex;
	struct scann_cnn_sgd sgd;
	struct scann_cnn_cost cc;
	struct scann_error err;
	struct scann_net *net;
	double work, acc = 0.0;
	uint64_t conv1_macs;
	uint32_t first = 0;
	int rc = 0;

	if (scann_cnn_init(&cnn, 1, 28, 28, scann_front_lenet5,
			   SCANN_FRONT_LENET5_LAYERS, BATCH, rng, &err) != 0) {
		fprintf(stderr, "%s\n", err.message);
		return 1;
	}
	net = scann_net_new_mlp(cnn.n_out, hidden, 1, 10, SCANN_WIRING_LAYERED,
				rng);
	if (!order || !test_rows || !net ||
	    scann_exec_init(&ex, net, BATCH, SCANN_SPARSE_BELOW) != 0 ||
	    scann_cnn_sgd_init(&sgd, &cnn, &ex, 0.03f, 0.9f, 1e-4f) != 0) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	for (uint32_t i = 0; i < N; i++)
		order[i] = i;
	for (uint32_t i = 0; i < n_test; i++)
		test_rows[i] = test + i;
	scann_cnn_count(&cnn, &cc);
	conv1_macs = (uint64_t)cnn.layer[0].oh * cnn.layer[0].ow *
		     cnn.layer[0].oc * scann_conv_rows(&cnn.layer[0].dims);
	/* 2 FLOP per MAC forward, weight gradient, input gradient; the
	 * image gets none */
	work = (double)N * (6.0 * (cc.macs + scann_net_active(net)) -
			    2.0 * conv1_macs);
	if (ckpt) {
		int lr = scann_cnn_checkpoint_load(ckpt, &cnn, &ex, &sgd, &first,
						   rng, &err);

		if (lr != 0 && lr != SCANN_ENOENT) {
			fprintf(stderr, "%s\n", err.message);
			return 1;
		}
		if (lr == 0)
			fprintf(stderr, "bench_epoch: resuming after epoch %u of %s\n",
				first, ckpt);
		signal(SIGTERM, on_stop);
		signal(SIGINT, on_stop);
	}
	for (int e = (int)first; e < epochs; e++) {
		double t0 = now_s(), c0 = cpu_s(), loss;
		int k = e - (int)first;		/* this process's epoch */

		/* each epoch's order from the identity and the generator alone,
		 * so the checkpoint's generator is all a resumed run needs */
		for (uint32_t i = 0; i < N; i++)
			order[i] = i;
		scann_rng_shuffle_u32(rng, order, N);
		loss = scann_cnn_train_epoch(&sgd, &cnn, &ex, &data, order, N,
					     BATCH);
		if (sgd.stopped) {
			printf("{\"stopped\":true,\"epochs_done\":%d}\n", e);
			fflush(stdout);
			rc = 143;
			break;
		}
		epoch_seconds[k] = now_s() - t0;
		epoch_cpu[k] = cpu_s() - c0;
		acc = n_test ? 100.0 * scann_cnn_correct(&cnn, &ex, &data,
							 test_rows, n_test) / n_test
			     : 0.0;
		printf("{\"net\":\"lenet5\",\"threads\":%d,\"epoch\":%d,"
		       "\"seconds\":%.4f,\"cpu_s\":%.4f,\"train_loss\":%.6f,"
		       "\"test_acc\":%.3f}\n", threads, e + 1, epoch_seconds[k],
		       epoch_cpu[k], loss, acc);
		fflush(stdout);
		if (ckpt && scann_cnn_checkpoint_save(ckpt, &cnn, &ex, &sgd,
						      (uint32_t)e + 1, rng, &err) != 0) {
			fprintf(stderr, "%s\n", err.message);
			rc = 1;
			break;
		}
	}
	if (rc == 0 && (int)first < epochs)
		summary("lenet5", threads, cc.params + net->n_hidden + net->n_out +
			scann_net_active(net), epochs - (int)first, work, acc);
	scann_cnn_sgd_free(&sgd);
	scann_exec_free(&ex);
	scann_net_free(net);
	scann_cnn_free(&cnn);
	free(order);
	free(test_rows);
	return rc;
}

int main(int argc, char **argv)
{
	scann_blas_pick_kernels(argv);	/* as the worker does */
	const char *idx = NULL, *net_name = "mlp", *ckpt = NULL;
	int threads = 1, epochs = 3;
	double dens[8] = {1.0, 0.1, 0.02};
	int n_dens = 3, user_dens = 0, auto_only = 0;
	uint32_t hidden[2] = {300, 100}, N = 50000, d = 784, C = 10;
	float *x;
	uint32_t *y, *rows;
	struct scann_rng rng;
	struct scann_train_spec opt = {
		.optimizer = SCANN_OPT_ADAM, .lr = 1e-3, .weight_decay = 1e-4,
		.momentum = 0.9, .batch = 128, .schedule = SCANN_LR_CONSTANT,
	};
	struct scann_data data;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--idx") == 0 && i + 1 < argc)
			idx = argv[++i];
		else if (strcmp(argv[i], "--net") == 0 && i + 1 < argc)
			net_name = argv[++i];
		else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
			threads = atoi(argv[++i]);
		else if (strcmp(argv[i], "--auto-only") == 0)
			auto_only = 1;
		else if (strcmp(argv[i], "--checkpoint") == 0 && i + 1 < argc)
			ckpt = argv[++i];
		else if (strcmp(argv[i], "--epochs") == 0 && i + 1 < argc)
			epochs = atoi(argv[++i]);
		else if (strcmp(argv[i], "--density") == 0 && i + 1 < argc && n_dens < 8) {
			if (!user_dens)
				n_dens = 0, user_dens = 1;
			dens[n_dens++] = atof(argv[++i]);
		} else {
			fprintf(stderr, "usage: bench_epoch [--net mlp|lenet5] "
				"[--idx DIR] [--threads T] [--epochs E] "
				"[--density D]... [--checkpoint FILE (lenet5)]\n");
			return 2;
		}
	}
	if (epochs < 1 || epochs > 64)
		epochs = 3;
	if (strcmp(net_name, "mlp") != 0 && strcmp(net_name, "lenet5") != 0) {
		fprintf(stderr, "bench_epoch: --net is mlp or lenet5\n");
		return 2;
	}
	openblas_set_num_threads(threads);
	scann_par_set_threads((uint32_t)threads);
	scann_rng_seed(&rng, 1);
	x = malloc((size_t)N * d * sizeof(float));
	y = malloc(N * sizeof(uint32_t));
	rows = malloc(N * sizeof(uint32_t));
	for (uint32_t i = 0; i < N; i++)
		rows[i] = i;
	if (idx) {
		struct scann_dataset *ds;
		struct scann_error err;
		struct scann_norm nm;

		if (scann_dataset_load_idx_dir(idx, &ds, &err) != 0) {
			fprintf(stderr, "%s\n", err.message);
			return 1;
		}
		if (strcmp(net_name, "lenet5") == 0) {
			/* pixels / 255 over all rows (train and t10k), as the peer */
			uint32_t n_test = ds->rows - ds->test_first;
			int rc;

			for (size_t i = 0; i < (size_t)ds->rows * d; i++)
				ds->x[i] /= 255.0f;
			/* a smaller IDX directory trains on all its rows */
			rc = bench_lenet5(ds->x, ds->y, ds->test_first < N ?
					  ds->test_first : N, ds->test_first,
					  n_test, threads, epochs, &rng, ckpt);
			scann_dataset_free(ds);
			free(x);
			free(y);
			free(rows);
			return rc;
		}
		/* The first 50,000 training images, as torch_mlp.py trains on. */
		scann_norm_fit(&nm, ds->x, d, rows, N);
		scann_norm_apply(&nm, ds->x, N, x);
		memcpy(y, ds->y, N * sizeof(uint32_t));
		scann_norm_free(&nm);
		scann_dataset_free(ds);
	} else {
		for (size_t i = 0; i < (size_t)N * d; i++)
			x[i] = (float)scann_rng_uniform(&rng);
		for (uint32_t i = 0; i < N; i++)
			y[i] = scann_rng_below(&rng, C);
	}
	if (strcmp(net_name, "lenet5") == 0) {
		int rc = bench_lenet5(x, y, N, 0, 0, threads, epochs, &rng, ckpt);

		free(x);
		free(y);
		free(rows);
		return rc;
	}
	data.x = x;
	data.y = y;
	data.features = d;
	data.classes = C;

	for (int k = 0; k < n_dens; k++)
		for (int forced = 0; forced < (dens[k] < 1.0 && !auto_only ? 2 : 1);
		     forced++) {
			struct scann_net *net = scann_net_new_mlp(d, hidden, 2, C,
								  SCANN_WIRING_LAYERED, &rng);
			size_t cells = (size_t)scann_net_rows(net) * scann_net_cols(net);
			double sorted[64], sorted_cpu[64], work;
			struct clocks t;
			uint64_t active;

			for (size_t i = 0; i < cells; i++)
				if (net->mask[i] && scann_rng_uniform(&rng) >= dens[k]) {
					net->mask[i] = 0;
					net->w[i] = 0.0f;
				}
			scann_net_update(net);
			active = scann_net_active(net);
			/* fwd 2*MACs, weight grad 2*MACs, input grad of layers 2-3 */
			work = (double)N * (4.0 * active + 2.0 * (300 * 100 + 100 * 10) *
					    dens[k]);
			t.wall = now_s();
			t.cpu = cpu_s();
			scann_train(net, &data, rows, N, &opt, (uint32_t)epochs,
				    forced ? 0.0 : SCANN_SPARSE_BELOW, &rng, on_epoch,
				    &t, NULL);
			memcpy(sorted, epoch_seconds, epochs * sizeof(double));
			qsort(sorted, epochs, sizeof(double), cmp_d);
			memcpy(sorted_cpu, epoch_cpu, epochs * sizeof(double));
			qsort(sorted_cpu, epochs, sizeof(double), cmp_d);
			printf("{\"threads\":%d,\"density\":%g,\"kernel\":\"%s\","
			       "\"active\":%llu,\"epochs\":%d,\"best_s\":%.4f,"
			       "\"median_s\":%.4f,\"best_cpu_s\":%.4f,\"gflop\":%.2f,"
			       "\"gflops\":%.2f}\n",
			       threads, dens[k], forced ? "dense-forced" : "auto",
			       (unsigned long long)active, epochs, sorted[0],
			       sorted[epochs / 2], sorted_cpu[0], work / 1e9,
			       work / 1e9 / sorted[0]);
			fflush(stdout);
			scann_net_free(net);
		}
	free(x);
	free(y);
	free(rows);
	return 0;
}
