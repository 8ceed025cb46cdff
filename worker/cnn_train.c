/*
 * cnn_train.c -- SGD with momentum over a front and the net it feeds, and
 * their accuracy; see cnn_train.h.  A batch is: load, the front's forward
 * into the net's input rows, the net's forward and backward, the net's
 * input deltas (exec_dx.h), the front's backward, one step over both
 * parameter arrays.
 */
#include <stdlib.h>
#include <string.h>

#include "cnn_train.h"
#include "exec_dx.h"
#include "par.h"

int scann_cnn_sgd_init(struct scann_cnn_sgd *s, const struct scann_cnn *cnn,
		       const struct scann_exec *ex, float lr, float mu,
		       float wd)
{
	s->v_front = calloc(cnn->n_param ? cnn->n_param : 1, sizeof(float));
	s->v_net = calloc(ex->n_param ? ex->n_param : 1, sizeof(float));
	s->lr = lr;
	s->mu = mu;
	s->wd = wd;
	if (s->v_front == NULL || s->v_net == NULL) {
		scann_cnn_sgd_free(s);
		return SCANN_ENOMEM;
	}
	return 0;
}

void scann_cnn_sgd_free(struct scann_cnn_sgd *s)
{
	free(s->v_front);
	free(s->v_net);
	s->v_front = s->v_net = NULL;
}

struct step_job {
	float *p, *g, *v;
	size_t n;
	float lr, mu, wd;
};

/* Slices at multiples of 8, as train.c's step: the split changes nothing.
 * A dormant weight has p = 0 and g = 0, so it stays exactly 0. */
static void step_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct step_job *j = arg;
	size_t lo, hi;

	scann_par_range(j->n, 8, part, parts, &lo, &hi);
	for (size_t k = lo; k < hi; k++) {
		float g = j->g[k] + j->wd * j->p[k];

		j->g[k] = 0.0f;
		j->v[k] = j->mu * j->v[k] + g;
		j->p[k] -= j->lr * j->v[k];
	}
}

static void step(const struct scann_cnn_sgd *s, float *p, float *g, float *v,
		 size_t n)
{
	struct step_job j = {p, g, v, n, s->lr, s->mu, s->wd};

	scann_par_run_sized(step_part, &j, n);
}

double scann_cnn_train_epoch(struct scann_cnn_sgd *s, struct scann_cnn *cnn,
			     struct scann_exec *ex,
			     const struct scann_data *data,
			     const uint32_t *rows, uint32_t n, uint32_t batch)
{
	double loss = 0.0;

	for (uint32_t i = 0; i < n; i += batch) {
		uint32_t nb = n - i < batch ? n - i : batch;

		scann_cnn_load(cnn, data->x, rows + i, nb);
		scann_cnn_forward(cnn, nb, ex->a, ex->bmax);
		scann_exec_forward(ex, nb);
		loss += scann_exec_backward(ex, data->y, rows + i, nb) * nb;
		scann_exec_input_delta(ex, nb, cnn->dout, ex->bmax);
		scann_cnn_backward(cnn, nb, cnn->dout, ex->bmax);
		step(s, cnn->param, cnn->grad, s->v_front, cnn->n_param);
		step(s, ex->param, ex->grad, s->v_net, ex->n_param);
		ex->grad_zero = 1;	/* the step cleared every gradient */
	}
	return n ? loss / n : 0.0;
}

uint32_t scann_cnn_correct(struct scann_cnn *cnn, struct scann_exec *ex,
			   const struct scann_data *data, const uint32_t *idx,
			   uint32_t n)
{
	uint32_t correct = 0, B = cnn->bmax < ex->bmax ? cnn->bmax : ex->bmax;

	for (uint32_t i = 0; i < n; i += B) {
		uint32_t m = n - i < B ? n - i : B;

		scann_cnn_load(cnn, data->x, idx + i, m);
		scann_cnn_forward(cnn, m, ex->a, ex->bmax);
		scann_exec_forward(ex, m);
		for (uint32_t b = 0; b < m; b++)
			correct += scann_exec_argmax(ex, b) == data->y[idx[i + b]];
	}
	return correct;
}
