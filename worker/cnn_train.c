/*
 * cnn_train.c -- SGD with momentum over a front and the net it feeds, and
 * their accuracy; see cnn_train.h.  A batch is: load, the front's forward
 * into the net's input rows, the net's forward and backward, the net's
 * input deltas (exec_dx.h), the front's backward, one step over both
 * parameter arrays.
 */
#include <errno.h>
#include <stdio.h>
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

	s->stopped = 0;
	for (uint32_t i = 0; i < n; i += batch) {
		uint32_t nb = n - i < batch ? n - i : batch;

		if (scann_stop_requested) {
			s->stopped = 1;
			return i ? loss / i : 0.0;
		}
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

/* ---- checkpoints ---------------------------------------------------------- */

/* "SCANNCK1", epoch, the four array lengths, the generator, the arrays. */
static const char ckpt_magic[8] = {'S', 'C', 'A', 'N', 'N', 'C', 'K', '1'};

struct ckpt_head {
	char magic[8];
	uint32_t epoch, pad;
	uint64_t n_front, n_net;
	uint64_t rng[4];
};

int scann_cnn_checkpoint_save(const char *path, const struct scann_cnn *cnn,
			      const struct scann_exec *ex,
			      const struct scann_cnn_sgd *s, uint32_t epoch,
			      const struct scann_rng *rng, struct scann_error *err)
{
	char tmp[4096];
	struct ckpt_head h;
	FILE *f;
	int ok;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, ckpt_magic, sizeof(h.magic));
	h.epoch = epoch;
	h.n_front = cnn->n_param;
	h.n_net = ex->n_param;
	memcpy(h.rng, rng->s, sizeof(h.rng));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "wb");
	if (f == NULL)
		return scann_error_set(err, SCANN_EIO, NULL, "%s: %s", tmp,
				       strerror(errno));
	ok = fwrite(&h, sizeof(h), 1, f) == 1 &&
	     fwrite(cnn->param, sizeof(float), cnn->n_param, f) == cnn->n_param &&
	     fwrite(s->v_front, sizeof(float), cnn->n_param, f) == cnn->n_param &&
	     fwrite(ex->param, sizeof(float), ex->n_param, f) == ex->n_param &&
	     fwrite(s->v_net, sizeof(float), ex->n_param, f) == ex->n_param;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok || rename(tmp, path) != 0) {
		int e = errno;

		remove(tmp);
		return scann_error_set(err, SCANN_EIO, NULL, "%s: %s", path,
				       strerror(e));
	}
	return 0;
}

int scann_cnn_checkpoint_load(const char *path, struct scann_cnn *cnn,
			      struct scann_exec *ex, struct scann_cnn_sgd *s,
			      uint32_t *epoch, struct scann_rng *rng,
			      struct scann_error *err)
{
	size_t nf = cnn->n_param, nn = ex->n_param;
	struct ckpt_head h;
	float *buf;
	FILE *f = fopen(path, "rb");
	int ok;

	if (f == NULL)
		return scann_error_set(err, errno == ENOENT ? SCANN_ENOENT :
				       SCANN_EIO, NULL, "%s: %s", path,
				       strerror(errno));
	if (fread(&h, sizeof(h), 1, f) != 1 ||
	    memcmp(h.magic, ckpt_magic, sizeof(h.magic)) != 0 ||
	    h.n_front != nf || h.n_net != nn) {
		fclose(f);
		return scann_error_set(err, SCANN_EINVAL, NULL,
				       "%s is not a checkpoint of this network "
				       "(%zu front and %zu net parameters)", path,
				       nf, nn);
	}
	/* read whole before changing anything */
	buf = malloc((2 * nf + 2 * nn + 1) * sizeof(float));
	if (buf == NULL) {
		fclose(f);
		return scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
	}
	ok = fread(buf, sizeof(float), 2 * nf + 2 * nn, f) == 2 * nf + 2 * nn &&
	     fgetc(f) == EOF;
	fclose(f);
	if (!ok) {
		free(buf);
		return scann_error_set(err, SCANN_EINVAL, NULL,
				       "%s is truncated or too long", path);
	}
	memcpy(cnn->param, buf, nf * sizeof(float));
	memcpy(s->v_front, buf + nf, nf * sizeof(float));
	memcpy(ex->param, buf + 2 * nf, nn * sizeof(float));
	memcpy(s->v_net, buf + 2 * nf + nn, nn * sizeof(float));
	memcpy(rng->s, h.rng, sizeof(h.rng));
	*epoch = h.epoch;
	free(buf);
	return 0;
}
