/*
 * check_scheme.c -- the schemes keep their promises over a whole run on
 * real data (wine.csv): scheme C never creates a connection between
 * non-adjacent layers, scheme A never exceeds max_hidden (and does grow),
 * scheme B's output is the best-on-validation candidate and smaller than
 * the baseline; and candidates are counted row by row against the baseline
 * on the validation rows.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "worker/job/dataset.h"
#include "worker/normalize.h"
#include "worker/scheme.h"
#include "worker/job/split.h"
#include "testutil.h"

struct fixture {
	struct scann_dataset *ds;
	struct scann_split split;
	struct scann_norm norm;
	float *xn;
	struct scann_job_spec spec;
	struct scann_events ev;
	struct scann_ctx ctx;
	struct scann_progress prog;
	uint32_t max_seen, steps;
	int bad_edges;
};

static void setup(struct fixture *f, enum scann_scheme scheme)
{
	struct scann_error err;

	memset(f, 0, sizeof(*f));
	ck_assert_int_eq(scann_dataset_load(test_data("wine.csv"), NULL, &f->ds,
					    &err), 0);
	scann_spec_defaults(&f->spec);
	f->spec.scheme = scheme;
	f->spec.scann.search = SCANN_SEARCH_RECIPE;
	f->spec.baseline.search = 0;
	f->spec.baseline.n_hidden = 2;
	f->spec.baseline.hidden[0] = 24;
	f->spec.baseline.hidden[1] = 12;
	f->spec.train.epochs = 15;
	f->spec.train.batch = 16;
	f->spec.train.lr = 0.01;
	f->spec.scann.iterations = 4;
	f->spec.scann.epochs_per_step = 3;
	f->spec.scann.initial_hidden = 8;
	f->spec.scann.max_hidden = 12;
	f->spec.scann.neuron_growth = 3;
	f->spec.scann.pruning_fraction = 0.5;
	f->spec.scann.initial_prune = 0.5;
	ck_assert_int_eq(scann_split_make(f->ds, &f->spec.split, &f->split, &err), 0);
	f->xn = malloc((size_t)f->ds->rows * f->ds->features * sizeof(float));
	ck_assert_int_eq(scann_norm_fit(&f->norm, f->ds->x, f->ds->features,
					f->split.train, f->split.n_train), 0);
	scann_norm_apply(&f->norm, f->ds->x, f->ds->rows, f->xn);
	f->ev.out = fopen("/dev/null", "w");
	f->ctx.spec = &f->spec;
	f->ctx.data.x = f->xn;
	f->ctx.data.y = f->ds->y;
	f->ctx.data.features = f->ds->features;
	f->ctx.data.classes = f->ds->classes;
	f->ctx.split = &f->split;
	f->ctx.ev = &f->ev;
	f->ctx.energy = SCANN_ENERGY_130NM;
	f->ctx.sparse_below = SCANN_SPARSE_BELOW;
	scann_rng_seed(&f->ctx.rng, 7);
}

static void teardown(struct fixture *f)
{
	fclose(f->ev.out);
	scann_stage_progress_free(&f->prog);
	scann_norm_free(&f->norm);
	scann_split_free(&f->split);
	scann_dataset_free(f->ds);
	free(f->xn);
}

/* Count connections between non-adjacent layers, by layer tags alone. */
static int non_adjacent(const struct scann_net *net)
{
	int bad = 0;

	for (uint32_t t = 0; t < scann_net_rows(net); t++)
		for (uint32_t s = 0; s < scann_net_cols(net); s++) {
			uint32_t ls, lt;

			if (!net->mask[scann_net_at(net, t, s)])
				continue;
			ls = s < net->n_in ? 0 : net->layer[s - net->n_in];
			lt = t < net->n_hidden ? net->layer[t] : 3;	/* 2 layers */
			bad += ls + 1 != lt;
		}
	return bad;
}

static int watch(void *ctx, const struct scann_progress *p,
		 const struct scann_rng *rng)
{
	struct fixture *f = ctx;

	(void)rng;
	if (p->current) {
		f->steps++;
		if (p->current->n_hidden > f->max_seen)
			f->max_seen = p->current->n_hidden;
		f->bad_edges += non_adjacent(p->current);
	}
	return 0;
}

START_TEST(scheme_c_never_creates_a_non_adjacent_connection)
{
	struct fixture f;

	setup(&f, SCANN_SCHEME_C);
	f.ctx.checkpoint = watch;
	f.ctx.checkpoint_ctx = &f;
	ck_assert_int_eq(scann_scheme_run(&f.ctx, &f.prog, NULL), 0);
	ck_assert_uint_eq(f.steps, 5);		/* start + 4 iterations */
	ck_assert_int_eq(f.bad_edges, 0);
	ck_assert_int_eq(non_adjacent(f.prog.best), 0);
	ck_assert_int_eq(f.prog.best->wiring, SCANN_WIRING_LAYERED);
	ck_assert_uint_le(f.prog.best->depth, 2);
	teardown(&f);
}
END_TEST

/* The same check is not vacuous: scheme B does wire across layers. */
START_TEST(scheme_b_does_create_skip_connections)
{
	struct fixture f;

	setup(&f, SCANN_SCHEME_B);
	f.spec.scann.pruning_fraction = 0.1;	/* let grown edges survive */
	f.ctx.checkpoint = watch;
	f.ctx.checkpoint_ctx = &f;
	ck_assert_int_eq(scann_scheme_run(&f.ctx, &f.prog, NULL), 0);
	ck_assert_int_gt(f.bad_edges, 0);
	ck_assert_uint_lt(scann_net_active(f.prog.best),
			  scann_net_active(f.prog.baseline));
	teardown(&f);
}
END_TEST

START_TEST(scheme_a_never_exceeds_max_hidden)
{
	struct fixture f;

	setup(&f, SCANN_SCHEME_A);
	f.ctx.checkpoint = watch;
	f.ctx.checkpoint_ctx = &f;
	ck_assert_int_eq(scann_scheme_run(&f.ctx, &f.prog, NULL), 0);
	ck_assert_uint_le(f.max_seen, 12);
	ck_assert_uint_gt(f.max_seen, 8);	/* it did grow neurons */
	ck_assert_uint_le(f.prog.best->n_hidden, 12);
	teardown(&f);
}
END_TEST

/* The targeted search's candidates, for the checks below. */
struct seen {
	struct fixture *f;
	uint32_t n, missed;
	uint64_t params[512];
	double val[512];
	uint32_t kept_missing;	/* accepted networks that miss the target */
};

static int note_candidate(void *ctx, const char *stage,
			  const struct scann_summary *s,
			  const struct scann_net *net)
{
	struct seen *w = ctx;

	(void)stage;
	(void)net;
	if (w->n < 512) {
		w->params[w->n] = s->cost.params;
		w->val[w->n++] = s->val_acc;
	}
	w->missed += !scann_stage_meets_target(&w->f->prog, s->val_acc);
	return 0;
}

/* After every step the network the search goes on from meets the target. */
static int check_kept(void *ctx, const struct scann_progress *p,
		      const struct scann_rng *rng)
{
	struct seen *w = ctx;

	(void)rng;
	if (p->current && p->grown &&
	    !scann_stage_meets_target(p, scann_accuracy(p->current, &w->f->ctx.data,
						  w->f->split.val, w->f->split.n_val,
						  SCANN_SPARSE_BELOW)))
		w->kept_missing++;
	return 0;
}

START_TEST(target_search_rolls_back_steps_that_miss_the_target)
{
	static struct seen w;
	struct fixture f;
	uint64_t smallest = UINT64_MAX;

	setup(&f, SCANN_SCHEME_B);
	f.spec.scann.search = SCANN_SEARCH_TARGET;
	f.spec.scann.epochs_per_step = 5;
	memset(&w, 0, sizeof(w));
	w.f = &f;
	f.ctx.on_candidate = note_candidate;
	f.ctx.candidate_ctx = &w;
	f.ctx.checkpoint = check_kept;
	f.ctx.checkpoint_ctx = &w;
	ck_assert_int_eq(scann_scheme_run(&f.ctx, &f.prog, NULL), 0);
	/* Not vacuous: the search went on until steps failed. */
	ck_assert_uint_gt(w.missed, 0);
	ck_assert_uint_eq(w.kept_missing, 0);
	ck_assert_ptr_nonnull(f.prog.best);
	ck_assert(scann_stage_target_met(&f.prog));
	for (uint32_t i = 0; i < w.n; i++)
		if (scann_stage_meets_target(&f.prog, w.val[i]) && w.params[i] < smallest)
			smallest = w.params[i];
	/* best is the smallest candidate that met the target, never one
	 * that missed it. */
	ck_assert_uint_eq(f.prog.best_params, smallest);
	ck_assert(scann_stage_meets_target(&f.prog, f.prog.best_val));
	ck_assert_uint_lt(f.prog.best_params, w.params[0]);
	teardown(&f);
}
END_TEST

START_TEST(a_majority_class_network_never_meets_the_target)
{
	struct scann_progress p = { .target_val = 0.30, .floor_val = 0.40 };

	/* Whatever the target, the commonest class's share is a floor. */
	ck_assert(!scann_stage_meets_target(&p, 0.40));
	ck_assert(scann_stage_meets_target(&p, 0.41));
	p.target_val = 0.9;
	ck_assert(!scann_stage_meets_target(&p, 0.89));
	ck_assert(scann_stage_meets_target(&p, 0.9));
}
END_TEST

/*
 * 30 validation rows, 15 of each class.  Networks with no hidden layer
 * answer class 1 where their input column (1 for the baseline, 2 for the
 * candidate) holds 2: the rows each gets right are set by hand.  The
 * baseline gets rows 0-23 right (80%): one standard error is 2.3 rows and
 * the target 21 of 30.
 */
#define PAIRED_ROWS 30
#define PAIRED_BASE_RIGHT 24

struct paired {
	struct scann_job_spec spec;
	struct scann_split split;
	struct scann_events ev;
	struct scann_ctx ctx;
	uint32_t val[PAIRED_ROWS], y[PAIRED_ROWS];
	float x[PAIRED_ROWS * 3];
};

static struct scann_net *column_net(struct paired *t, uint32_t column)
{
	struct scann_net *net = scann_net_new_mlp(3, NULL, 0, 2,
						  SCANN_WIRING_LAYERED,
						  &t->ctx.rng);

	ck_assert_ptr_nonnull(net);
	memset(net->w, 0, (size_t)2 * 3 * sizeof(float));
	net->w[scann_net_at(net, 0, 0)] = 1.0f;		/* class 0: 1 */
	net->w[scann_net_at(net, 1, column)] = 1.0f;	/* class 1: 0 or 2 */
	return net;
}

/*
 * Report, as a candidate, a net that against the baseline gets rows
 * 0..lost-1 wrong and rows 24..24+gained-1 right; *s gets its summary.
 * Returns whether the target kept it.
 */
static int paired_candidate(uint32_t lost, uint32_t gained,
			    struct scann_summary *s)
{
	static struct paired t;
	struct scann_progress p = { 0 };
	int kept;

	memset(&t, 0, sizeof(t));
	scann_spec_defaults(&t.spec);
	for (uint32_t i = 0; i < PAIRED_ROWS; i++) {
		int base_right = i < PAIRED_BASE_RIGHT;
		int cand_right = i < lost ? 0 : i >= PAIRED_BASE_RIGHT &&
			i < PAIRED_BASE_RIGHT + gained ? 1 : base_right;

		t.val[i] = i;
		t.y[i] = i % 2;
		t.x[i * 3] = 1.0f;
		t.x[i * 3 + 1] = (base_right ? t.y[i] : 1 - t.y[i]) ? 2.0f : 0.0f;
		t.x[i * 3 + 2] = (cand_right ? t.y[i] : 1 - t.y[i]) ? 2.0f : 0.0f;
	}
	t.split.val = t.val;
	t.split.n_val = PAIRED_ROWS;
	t.ev.out = fopen("/dev/null", "w");
	t.ctx.spec = &t.spec;
	t.ctx.data.x = t.x;
	t.ctx.data.y = t.y;
	t.ctx.data.features = 3;
	t.ctx.data.classes = 2;
	t.ctx.split = &t.split;
	t.ctx.ev = &t.ev;
	t.ctx.energy = SCANN_ENERGY_130NM;
	t.ctx.sparse_below = SCANN_SPARSE_BELOW;
	t.ctx.stage = "scann";
	t.ctx.operation = "prune";
	scann_rng_seed(&t.ctx.rng, 7);
	p.baseline = column_net(&t, 1);
	p.baseline_done = 1;
	ck_assert_int_eq(scann_stage_set_target(&t.ctx, &p, 0.8), 0);
	ck_assert_double_eq_tol(p.target_job, 21.0 / 30, 1e-9);
	p.current = column_net(&t, 2);
	ck_assert_int_eq(scann_stage_candidate(&t.ctx, &p, s), 0);
	ck_assert_double_eq_tol(s->val_acc, (PAIRED_BASE_RIGHT - (double)lost +
					     gained) / PAIRED_ROWS, 1e-9);
	kept = p.best != NULL;
	scann_stage_progress_free(&p);
	fclose(t.ev.out);
	return kept;
}

START_TEST(candidates_are_counted_row_by_row_against_the_baseline)
{
	struct scann_summary s;

	(void)paired_candidate(3, 0, &s);
	ck_assert_uint_eq(s.val_lost, 3);
	ck_assert_uint_eq(s.val_gained, 0);
	(void)paired_candidate(4, 1, &s);
	ck_assert_uint_eq(s.val_lost, 4);
	ck_assert_uint_eq(s.val_gained, 1);
	(void)paired_candidate(7, 3, &s);
	ck_assert_uint_eq(s.val_lost, 7);
	ck_assert_uint_eq(s.val_gained, 3);
}
END_TEST

/*
 * The target judges by accuracy alone: 21 of 30 from 3 rows lost and none
 * gained is kept like 21 of 30 from 4 lost and 1 gained (a paired rule was
 * measured and not kept: tests/bench/README.md, "Held-out data").
 */
START_TEST(the_target_reads_accuracy_not_the_pairing)
{
	struct scann_summary s;

	ck_assert(paired_candidate(3, 0, &s));
	ck_assert(paired_candidate(2, 2, &s));
	ck_assert(!paired_candidate(4, 0, &s));
}
END_TEST

static Suite *scheme_suite(void)
{
	Suite *s = suite_create("scheme");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, scheme_c_never_creates_a_non_adjacent_connection);
	tcase_add_test(tc, scheme_b_does_create_skip_connections);
	tcase_add_test(tc, scheme_a_never_exceeds_max_hidden);
	tcase_add_test(tc, target_search_rolls_back_steps_that_miss_the_target);
	tcase_add_test(tc, a_majority_class_network_never_meets_the_target);
	tcase_add_test(tc, candidates_are_counted_row_by_row_against_the_baseline);
	tcase_add_test(tc, the_target_reads_accuracy_not_the_pairing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(scheme_suite());
}
