/*
 * train.c -- minibatch training (Adam, SGD with momentum) of a compiled
 * scann_net; see train.h.  The update rules are PyTorch's (Adam with L2
 * weight decay added to the gradient, SGD momentum v = mu v + g), so results
 * compare with peers/torch_mlp.py.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cnn.h"
#include "exec.h"
#include "exec_dx.h"
#include "par.h"
#include "train.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#include <immintrin.h>
#define SCANN_ADAM_AVX2 1
#endif

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

/*
 * One Adam step over n parameters (PyTorch's rule, L2 decay in the
 * gradient).  The loop is memory-bound once it is vectorised: four streams
 * of n floats per batch, as much traffic as the GEMMs' operands for a dense
 * net, so it gets an AVX2 path chosen at run time.
 */
static void adam_scalar(float *p, float *g, float *m, float *v, size_t n,
			float lr, float c1, float c2, float wd, float b1,
			float b2, float eps)
{
	for (size_t k = 0; k < n; k++) {
		float gk = g[k] + wd * p[k];

		g[k] = 0.0f;	/* see scann_exec.grad_zero */
		m[k] = b1 * m[k] + (1.0f - b1) * gk;
		v[k] = b2 * v[k] + (1.0f - b2) * gk * gk;
		p[k] -= lr * (m[k] * c1) / (sqrtf(v[k] * c2) + eps);
	}
}

#ifdef SCANN_ADAM_AVX2
__attribute__((target("avx2,fma")))
static void adam_avx2(float *p, float *g, float *m, float *v, size_t n,
		      float lr, float c1, float c2, float wd, float b1, float b2,
		      float eps)
{
	const __m256 vwd = _mm256_set1_ps(wd), vb1 = _mm256_set1_ps(b1);
	const __m256 vb2 = _mm256_set1_ps(b2), va1 = _mm256_set1_ps(1.0f - b1);
	const __m256 va2 = _mm256_set1_ps(1.0f - b2), vlr = _mm256_set1_ps(lr);
	const __m256 vc1 = _mm256_set1_ps(c1), vc2 = _mm256_set1_ps(c2);
	const __m256 veps = _mm256_set1_ps(eps);
	size_t k = 0;

	for (; k + 8 <= n; k += 8) {
		__m256 pk = _mm256_loadu_ps(p + k);
		__m256 gk = _mm256_fmadd_ps(vwd, pk, _mm256_loadu_ps(g + k));
		__m256 mk = _mm256_fmadd_ps(vb1, _mm256_loadu_ps(m + k),
					    _mm256_mul_ps(va1, gk));
		__m256 vk = _mm256_fmadd_ps(vb2, _mm256_loadu_ps(v + k),
					    _mm256_mul_ps(va2, _mm256_mul_ps(gk, gk)));
		__m256 den = _mm256_add_ps(_mm256_sqrt_ps(_mm256_mul_ps(vk, vc2)),
					   veps);

		_mm256_storeu_ps(g + k, _mm256_setzero_ps());
		_mm256_storeu_ps(m + k, mk);
		_mm256_storeu_ps(v + k, vk);
		pk = _mm256_sub_ps(pk, _mm256_div_ps(_mm256_mul_ps(vlr,
							_mm256_mul_ps(mk, vc1)), den));
		_mm256_storeu_ps(p + k, pk);
	}
	adam_scalar(p + k, g + k, m + k, v + k, n - k, lr, c1, c2, wd, b1, b2, eps);
}
#endif

/* One optimiser step over all parameters, handed to the pool. */
struct step_job {
	float *p, *m, *v;
	float *g;		/* read, then cleared */
	size_t n;
	int adam;
	float lr, c1, c2, wd, mu, b1, b2, eps;
};

/*
 * Part of the step: a contiguous slice whose boundaries are multiples of 8,
 * so the vector path covers the same elements as in one piece and the
 * result does not depend on the thread count.
 */
static void step_part(void *arg, uint32_t part, uint32_t parts)
{
	const struct step_job *j = arg;
	size_t lo, hi;

	scann_par_range(j->n, 8, part, parts, &lo, &hi);
	if (j->adam) {
#ifdef SCANN_ADAM_AVX2
		if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
			adam_avx2(j->p + lo, j->g + lo, j->m + lo, j->v + lo,
				  hi - lo, j->lr, j->c1, j->c2, j->wd, j->b1,
				  j->b2, j->eps);
			return;
		}
#endif
		adam_scalar(j->p + lo, j->g + lo, j->m + lo, j->v + lo,
			    hi - lo, j->lr, j->c1, j->c2, j->wd, j->b1, j->b2,
			    j->eps);
		return;
	}
	for (size_t k = lo; k < hi; k++) {
		float gk = j->g[k] + j->wd * j->p[k];

		j->g[k] = 0.0f;
		j->m[k] = j->mu * j->m[k] + gk;
		j->p[k] -= j->lr * j->m[k];
	}
}

/* The weights of the epoch just trained, the front's too. */
static void keep_best(const struct scann_exec *ex, float *best, float *fbest)
{
	memcpy(best, ex->param, ex->n_param * sizeof(float));
	if (ex->cnn)
		memcpy(fbest, ex->cnn->param, ex->cnn->n_param * sizeof(float));
}

/*
 * Score the epoch just trained on es->rows; keep its weights in *best when
 * they are the best yet.  Returns 1 when patience has run out.
 */
static int judge_epoch(struct scann_exec *ex, const struct scann_data *data,
		       struct scann_early_stop *es, uint32_t epoch,
		       float *best, float *fbest, uint32_t *since)
{
	double loss;
	uint32_t ok = scann_exec_score(ex, data->x, data->y, es->rows, es->n,
				       &loss);
	double acc = es->n ? (double)ok / es->n : 0.0;

	loss = es->n ? loss / es->n : 0.0;
	es->last_acc = acc;
	es->epochs_run = epoch + 1;
	/* Patience waits for more rows right; a lower loss at the same
	 * accuracy picks the weights but buys no time, or a loss that keeps
	 * creeping down would never let training stop. */
	if (es->by_loss) {
		int better = es->best_epoch == 0 || loss < es->best_loss;

		if (es->best_epoch == 0 || loss < es->best_loss * (1.0 - 1e-3))
			*since = 0;
		else
			(*since)++;
		if (better) {
			keep_best(ex, best, fbest);
			es->best_epoch = epoch + 1;
			es->best_acc = acc;
			es->best_loss = loss;
		}
		return es->patience > 0 && *since >= es->patience;
	}
	if (es->best_epoch == 0 || acc > es->best_acc)
		*since = 0;
	else
		(*since)++;
	if (es->best_epoch == 0 || acc > es->best_acc ||
	    (acc == es->best_acc && loss < es->best_loss)) {
		keep_best(ex, best, fbest);
		es->best_epoch = epoch + 1;
		es->best_acc = acc;
		es->best_loss = loss;
	}
	return es->patience > 0 && *since >= es->patience;
}

int scann_train(struct scann_net *net, const struct scann_data *data,
		const uint32_t *rows, uint32_t n,
		const struct scann_train_spec *opt, uint32_t epochs,
		double sparse_below, struct scann_rng *rng,
		scann_epoch_fn fn, void *ctx, struct scann_error *err)
{
	return scann_train_resumable(net, data, rows, n, opt, epochs,
				     sparse_below, rng, NULL, fn, ctx, NULL, err);
}

int scann_train_validated(struct scann_net *net, const struct scann_data *data,
			  const uint32_t *rows, uint32_t n,
			  const struct scann_train_spec *opt, uint32_t epochs,
			  double sparse_below, struct scann_rng *rng,
			  struct scann_early_stop *es, scann_epoch_fn fn,
			  void *ctx, struct scann_error *err)
{
	return scann_train_resumable(net, data, rows, n, opt, epochs,
				     sparse_below, rng, es, fn, ctx, NULL, err);
}

/*
 * A restore that failed half way: the optimiser state and the rows' order
 * as a new training has them, the weights compiled again from the net
 * (which training has not touched yet).
 */
static int start_afresh(struct scann_exec *ex, const struct scann_net *net,
			uint32_t batch, double sparse_below,
			struct scann_train_state *st, const uint32_t *rows)
{
	scann_exec_free(ex);
	if (scann_exec_init(ex, net, batch, sparse_below) != 0)
		return SCANN_ENOMEM;
	memset(st->m, 0, st->n_param * sizeof(float));
	memset(st->v, 0, st->n_param * sizeof(float));
	if (st->fn_param) {
		memset(st->fm, 0, st->fn_param * sizeof(float));
		memset(st->fv, 0, st->fn_param * sizeof(float));
	}
	memcpy(st->order, rows, st->n * sizeof(uint32_t));
	st->param = ex->param;
	st->fparam = ex->cnn ? ex->cnn->param : NULL;
	st->epoch = st->row = st->since = 0;
	st->mid_epoch = st->finished = 0;
	st->loss_sum = 0.0;
	st->step = 0;
	if (st->es) {
		st->es->epochs_run = st->es->best_epoch = 0;
		st->es->best_acc = st->es->best_loss = st->es->last_acc = 0.0;
	}
	return 0;
}

int scann_train_resumable(struct scann_net *net, const struct scann_data *data,
			  const uint32_t *rows, uint32_t n,
			  const struct scann_train_spec *opt, uint32_t epochs,
			  double sparse_below, struct scann_rng *rng,
			  struct scann_early_stop *es, scann_epoch_fn fn,
			  void *ctx, const struct scann_train_hook *hook,
			  struct scann_error *err)
{
	struct scann_exec ex;
	struct step_job job, fjob;
	struct scann_train_state st;
	float *m = NULL, *v = NULL, *best = NULL;
	/* The front's optimiser state and best weights (ex.cnn only). */
	float *fm = NULL, *fv = NULL, *fbest = NULL;
	size_t fn_param = 0;
	uint32_t since = 0, e0 = 0, row0 = 0;
	int out_of_patience = 0, resumed_mid = 0;
	uint32_t *order = NULL, batch = opt->batch ? opt->batch : 128;
	const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
	float wd = (float)opt->weight_decay, mu = (float)opt->momentum;
	uint64_t step = 0;
	double loss0 = 0.0;
	int rc;

	if (batch > n)
		batch = n ? n : 1;
	rc = scann_exec_init(&ex, net, batch, sparse_below);
	if (rc != 0)
		return scann_error_set(err, rc, NULL, "out of memory compiling the network");
	m = calloc(ex.n_param ? ex.n_param : 1, sizeof(float));
	v = calloc(ex.n_param ? ex.n_param : 1, sizeof(float));
	order = malloc((n ? n : 1) * sizeof(uint32_t));
	if (es) {
		es->epochs_run = es->best_epoch = 0;
		es->best_acc = es->best_loss = es->last_acc = 0.0;
		best = malloc((ex.n_param ? ex.n_param : 1) * sizeof(float));
	}
	if (ex.cnn) {
		fn_param = ex.cnn->n_param;
		fm = calloc(fn_param ? fn_param : 1, sizeof(float));
		fv = calloc(fn_param ? fn_param : 1, sizeof(float));
		fbest = es ? malloc((fn_param ? fn_param : 1) * sizeof(float)) : NULL;
		if (!fm || !fv || (es && !fbest)) {
			rc = scann_error_set(err, SCANN_ENOMEM, NULL,
					     "out of memory for training");
			goto out;
		}
	}
	if (!m || !v || !order || (es && !best)) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory for training");
		goto out;
	}
	memcpy(order, rows, n * sizeof(uint32_t));
	st = (struct scann_train_state){
		.epochs = epochs, .adam = opt->optimizer == SCANN_OPT_ADAM,
		.es = es, .rng = rng, .order = order, .n = n,
		.param = ex.param, .m = m, .v = v, .best = best,
		.n_param = ex.n_param,
		.fparam = ex.cnn ? ex.cnn->param : NULL, .fm = fm, .fv = fv,
		.fbest = fbest, .fn_param = fn_param,
	};
	if (hook && hook->begin) {
		int got = hook->begin(hook->ctx, &st);

		if (got < 0 && start_afresh(&ex, net, batch, sparse_below, &st,
					    rows) != 0) {
			rc = scann_error_set(err, SCANN_ENOMEM, NULL,
					     "out of memory compiling the network");
			goto out;
		}
		if (got > 0) {
			e0 = st.finished ? epochs : st.epoch;
			resumed_mid = st.mid_epoch;
			row0 = st.row;
			loss0 = st.loss_sum;
			step = st.step;
			since = st.since;
			/* as after the last step: every gradient cleared */
			ex.grad_zero = step > 0;
		}
	}
	job = (struct step_job){
		.p = ex.param, .g = ex.grad, .m = m, .v = v, .n = ex.n_param,
		.adam = opt->optimizer == SCANN_OPT_ADAM, .wd = wd, .mu = mu,
		.b1 = b1, .b2 = b2, .eps = eps,
	};
	fjob = job;
	if (ex.cnn) {
		fjob.p = ex.cnn->param;
		fjob.g = ex.cnn->grad;
		fjob.m = fm;
		fjob.v = fv;
		fjob.n = fn_param;
	}
	for (uint32_t e = e0; e < epochs; e++) {
		float lr = (float)lr_at(opt, e, epochs);
		double loss_sum = 0.0;
		uint32_t i = 0;

		if (resumed_mid) {
			/* a stop's snapshot: this epoch's order is drawn */
			i = row0;
			loss_sum = loss0;
			resumed_mid = 0;
		} else {
			scann_rng_shuffle_u32(rng, order, n);
		}
		for (; i < n; i += batch) {
			uint32_t nb = n - i < batch ? n - i : batch;
			if (scann_stop_requested) {
				if (hook && hook->at) {
					st.epoch = e;
					st.mid_epoch = 1;
					st.row = i;
					st.loss_sum = loss_sum;
					st.finished = 0;
					st.step = step;
					st.since = since;
					hook->at(hook->ctx, &st, 1);
				}
				rc = scann_error_set(err, SCANN_ECANCELED, NULL,
						     "stopped on request");
				goto store;
			}
			scann_exec_load(&ex, data->x, order + i, nb);
			scann_exec_forward(&ex, nb);
			loss_sum += scann_exec_backward(&ex, data->y, order + i, nb) * nb;
			if (ex.cnn) {
				/* the front learns through the net's input deltas */
				scann_exec_input_delta(&ex, nb, ex.cnn->dout, ex.bmax);
				scann_cnn_backward(ex.cnn, nb, ex.cnn->dout, ex.bmax);
			}
			step++;
			job.lr = lr;
			job.c1 = 1.0f / (1.0f - powf(b1, (float)step));
			job.c2 = 1.0f / (1.0f - powf(b2, (float)step));
			scann_par_run_sized(step_part, &job, ex.n_param);
			if (ex.cnn) {
				fjob.lr = job.lr;
				fjob.c1 = job.c1;
				fjob.c2 = job.c2;
				scann_par_run_sized(step_part, &fjob, fn_param);
			}
			ex.grad_zero = 1;	/* the step cleared every gradient */
		}
		if (es)
			out_of_patience = judge_epoch(&ex, data, es, e, best,
						      fbest, &since);
		if (fn) {
			rc = fn(ctx, &ex, e, n ? loss_sum / n : 0.0);
			if (rc != 0)
				goto store;
		}
		if (hook && hook->at) {
			st.epoch = e + 1;
			st.mid_epoch = 0;
			st.row = 0;
			st.loss_sum = 0.0;
			st.finished = out_of_patience || e + 1 >= epochs;
			st.step = step;
			st.since = since;
			hook->at(hook->ctx, &st, 0);
		}
		if (out_of_patience)
			break;
	}
	rc = 0;
	if (es && es->best_epoch > 0) {
		memcpy(ex.param, best, ex.n_param * sizeof(float));
		if (ex.cnn)
			memcpy(ex.cnn->param, fbest, fn_param * sizeof(float));
	}
store:
	/* Dormant weights got zero gradient and zero decay, so they are still
	 * exactly zero; store only copies active ones anyway. */
	scann_exec_store(&ex, net);
out:
	free(m);
	free(v);
	free(best);
	free(fm);
	free(fv);
	free(fbest);
	free(order);
	scann_exec_free(&ex);
	return rc;
}

double scann_accuracy_rows(const struct scann_net *net,
			   const struct scann_data *data, const uint32_t *rows,
			   uint32_t n, double sparse_below, uint8_t *right)
{
	struct scann_exec ex;
	uint32_t correct;

	if (n == 0)
		return 0.0;
	if (scann_exec_init(&ex, net, SCANN_EVAL_BATCH, sparse_below) != 0)
		return -1.0;
	correct = scann_exec_correct_rows(&ex, data->x, data->y, rows, n, right);
	scann_exec_free(&ex);
	return (double)correct / n;
}

double scann_accuracy(const struct scann_net *net, const struct scann_data *data,
		      const uint32_t *rows, uint32_t n, double sparse_below)
{
	return scann_accuracy_rows(net, data, rows, n, sparse_below, NULL);
}
