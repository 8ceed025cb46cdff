/*
 * train.c -- minibatch training (Adam, SGD with momentum) of a compiled
 * scann_net; see train.h.  The update rules are PyTorch's (Adam with L2
 * weight decay added to the gradient, SGD momentum v = mu v + g), so results
 * compare with peers/torch_mlp.py.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train.h"

volatile sig_atomic_t scann_stop_requested;

/* Learning rate of epoch e (0-based) of E under the schedule. */
static double lr_at(const struct scann_train_spec *o, uint32_t e, uint32_t E)
{
	switch (o->schedule) {
	case SCANN_LR_STEP:
		/* x0.1 at 50% and x0.01 at 75% of the epochs */
		return o->lr * (e >= (3 * E) / 4 ? 0.01 : e >= E / 2 ? 0.1 : 1.0);
	case SCANN_LR_COSINE:
		return o->lr * 0.5 * (1.0 + cos(3.14159265358979323846 * e / (E ? E : 1)));
	case SCANN_LR_CONSTANT:
	default:
		return o->lr;
	}
}

int scann_train(struct scann_net *net, const struct scann_data *data,
		const uint32_t *rows, uint32_t n,
		const struct scann_train_spec *opt, uint32_t epochs,
		double sparse_below, struct scann_rng *rng,
		scann_epoch_fn fn, void *ctx, struct scann_error *err)
{
	struct scann_exec ex;
	float *m = NULL, *v = NULL;
	uint32_t *order = NULL, batch = opt->batch ? opt->batch : 128;
	const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
	float wd = (float)opt->weight_decay, mu = (float)opt->momentum;
	uint64_t step = 0;
	int rc;

	if (batch > n)
		batch = n ? n : 1;
	rc = scann_exec_init(&ex, net, batch, sparse_below);
	if (rc != 0)
		return scann_error_set(err, rc, NULL, "out of memory compiling the network");
	m = calloc(ex.n_param ? ex.n_param : 1, sizeof(float));
	v = calloc(ex.n_param ? ex.n_param : 1, sizeof(float));
	order = malloc((n ? n : 1) * sizeof(uint32_t));
	if (!m || !v || !order) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory for training");
		goto out;
	}
	memcpy(order, rows, n * sizeof(uint32_t));
	for (uint32_t e = 0; e < epochs; e++) {
		float lr = (float)lr_at(opt, e, epochs);
		double loss_sum = 0.0;

		scann_rng_shuffle_u32(rng, order, n);
		for (uint32_t i = 0; i < n; i += batch) {
			uint32_t nb = n - i < batch ? n - i : batch;
			float *p = ex.param, *g = ex.grad;

			if (scann_stop_requested) {
				rc = scann_error_set(err, SCANN_ECANCELED, NULL,
						     "stopped on request");
				goto store;
			}
			scann_exec_load(&ex, data->x, order + i, nb);
			scann_exec_forward(&ex, nb);
			loss_sum += scann_exec_backward(&ex, data->y, order + i, nb) * nb;
			step++;
			if (opt->optimizer == SCANN_OPT_ADAM) {
				float c1 = 1.0f / (1.0f - powf(b1, (float)step));
				float c2 = 1.0f / (1.0f - powf(b2, (float)step));

				for (size_t k = 0; k < ex.n_param; k++) {
					float gk = g[k] + wd * p[k];

					m[k] = b1 * m[k] + (1.0f - b1) * gk;
					v[k] = b2 * v[k] + (1.0f - b2) * gk * gk;
					p[k] -= lr * (m[k] * c1) /
						(sqrtf(v[k] * c2) + eps);
				}
			} else {
				for (size_t k = 0; k < ex.n_param; k++) {
					float gk = g[k] + wd * p[k];

					m[k] = mu * m[k] + gk;
					p[k] -= lr * m[k];
				}
			}
		}
		if (fn) {
			rc = fn(ctx, &ex, e, n ? loss_sum / n : 0.0);
			if (rc != 0)
				goto store;
		}
	}
	rc = 0;
store:
	/* Dormant weights got zero gradient and zero decay, so they are still
	 * exactly zero; store only copies active ones anyway. */
	scann_exec_store(&ex, net);
out:
	free(m);
	free(v);
	free(order);
	scann_exec_free(&ex);
	return rc;
}

double scann_accuracy(const struct scann_net *net, const struct scann_data *data,
		      const uint32_t *rows, uint32_t n, double sparse_below)
{
	struct scann_exec ex;
	uint32_t correct;

	if (n == 0)
		return 0.0;
	if (scann_exec_init(&ex, net, SCANN_EVAL_BATCH, sparse_below) != 0)
		return -1.0;
	correct = scann_exec_correct(&ex, data->x, data->y, rows, n);
	scann_exec_free(&ex);
	return (double)correct / n;
}
