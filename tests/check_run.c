/*
 * check_run.c -- the real scann-worker binary end to end: one seed gives a
 * byte-identical event stream (and another seed a different one), predict
 * reproduces the reported test accuracy exactly, an invalid spec is refused
 * before any work with the field named, SIGTERM stops a run that --resume
 * then finishes with exactly the rest of the uninterrupted stream, and
 * resources.timeout_s ends a job with a final event.  A job with a
 * convolutional front (issue 13) runs on IDX images written here, reports
 * the whole network, predicts, stops and resumes the same way.
 */
#define _DEFAULT_SOURCE
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "testidx.h"
#include "testutil.h"
#include "testworker.h"

/* A small iris job; seed and length vary per test. */
static const char *write_spec(const char *name, int seed, int iterations,
			      int epochs)
{
	char text[8192];

	snprintf(text, sizeof(text),
		 "{\"dataset\": \"%s\", \"split\": {\"validation\": 0.2, "
		 "\"test\": 0.2, \"seed\": 1}, \"baseline\": {\"hidden\": [16, 8]},"
		 " \"scheme\": \"B\", \"scann\": {\"iterations\": %d, "
		 "\"epochs_per_step\": %d, \"pruning\": {\"fraction\": 0.3}, "
		 "\"initial_prune\": 0.5}, \"train\": {\"epochs\": %d, "
		 "\"batch\": 16, \"lr\": 0.01, \"seed\": %d}}",
		 test_data("iris.csv"), iterations, epochs, epochs, seed);
	return test_write_str(name, text);
}

/* The last line of an NDJSON text, parsed. */
static json_t *last_event(const char *text)
{
	const char *end = text + strlen(text) - 1, *p = end;

	while (p > text && p[-1] != '\n')
		p--;
	return json_loadb(p, (size_t)(end - p), 0, NULL);
}

START_TEST(same_seed_gives_byte_identical_event_stream)
{
	const char *spec = write_spec("det.json", 3, 2, 5);
	char *a, *b, *c;
	size_t la, lb, lc;

	(void)spec;
	ck_assert_int_eq(test_worker_run("run --out d1 det.json", "d1.ndjson"), 0);
	ck_assert_int_eq(test_worker_run("run --out d2 det.json", "d2.ndjson"), 0);
	write_spec("det2.json", 4, 2, 5);
	ck_assert_int_eq(test_worker_run("run --out d3 det2.json", "d3.ndjson"), 0);
	a = test_slurp("d1.ndjson", &la);
	b = test_slurp("d2.ndjson", &lb);
	c = test_slurp("d3.ndjson", &lc);
	ck_assert_uint_gt(la, 1000);
	ck_assert_uint_eq(la, lb);
	ck_assert(memcmp(a, b, la) == 0);
	/* Not vacuous: another training seed changes the stream. */
	ck_assert(la != lc || memcmp(a, c, la) != 0);
	free(a);
	free(b);
	free(c);
}
END_TEST

START_TEST(resume_before_any_checkpoint_starts_over_identically)
{
	char cmd[4096], *a, *b;
	size_t la, lb;

	write_spec("early.json", 8, 1, 3);
	ck_assert_int_eq(test_worker_run("run --out e1 early.json", "e1.ndjson"), 0);
	/* a job directory as a run leaves it when killed before the baseline
	 * finished: the spec and nothing else */
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/e2 && cp %s/e1/spec.json %s/e2/",
		 test_tmpdir(), test_tmpdir(), test_tmpdir());
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(test_worker_run("run --resume e2", "e2.ndjson"), 0);
	a = test_slurp("e1.ndjson", &la);
	b = test_slurp("e2.ndjson", &lb);
	ck_assert_uint_eq(la, lb);
	ck_assert(memcmp(a, b, la) == 0);
	free(a);
	free(b);
}
END_TEST

START_TEST(predict_matches_the_reported_test_accuracy)
{
	json_t *res, *pred;
	char *events, *out, args[8192];

	write_spec("pred.json", 5, 2, 5);
	ck_assert_int_eq(test_worker_run("run --out p pred.json", "p.ndjson"), 0);
	events = test_slurp("p.ndjson", NULL);
	res = last_event(events);
	ck_assert_ptr_nonnull(res);
	ck_assert_str_eq(json_string_value(json_object_get(res, "type")), "result");
	snprintf(args, sizeof(args), "predict p/model.json %s", test_data("iris.csv"));
	ck_assert_int_eq(test_worker_run(args, "pred.out"), 0);
	out = test_slurp("pred.out", NULL);
	pred = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(pred);
	ck_assert_str_eq(json_string_value(json_object_get(pred, "scored")), "test");
	ck_assert_int_eq(json_integer_value(json_object_get(pred, "rows")), 30);
	ck_assert_double_eq(json_real_value(json_object_get(pred, "accuracy")),
			    json_real_value(json_object_get(
				    json_object_get(res, "best"), "test_acc")));
	/* The baseline model file reproduces the baseline's figure too. */
	snprintf(args, sizeof(args), "predict p/baseline.json %s", test_data("iris.csv"));
	ck_assert_int_eq(test_worker_run(args, "predb.out"), 0);
	json_decref(pred);
	free(out);
	out = test_slurp("predb.out", NULL);
	pred = json_loads(out, 0, NULL);
	ck_assert_double_eq(json_real_value(json_object_get(pred, "accuracy")),
			    json_real_value(json_object_get(
				    json_object_get(res, "baseline"), "test_acc")));
	/* --all scores every row. */
	snprintf(args, sizeof(args), "predict --all p/model.json %s", test_data("iris.csv"));
	ck_assert_int_eq(test_worker_run(args, "preda.out"), 0);
	json_decref(pred);
	free(out);
	out = test_slurp("preda.out", NULL);
	pred = json_loads(out, 0, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(pred, "rows")), 150);
	json_decref(pred);
	json_decref(res);
	free(out);
	free(events);
}
END_TEST

/*
 * DR+SCANN in a synthesize job: PCA at ratio 2 on iris is kept (max_drop
 * 0.2 allows it), SCANN runs on 2 features, the result names the reduction,
 * the model file carries it, and predict applies it to reproduce the
 * reported test accuracy.
 */
START_TEST(dr_synthesis_names_the_reduction_and_predict_applies_it)
{
	char text[8192], args[8192], *events, *out;
	json_t *res, *best, *pred;

	snprintf(text, sizeof(text),
		 "{\"dataset\": \"%s\", \"split\": {\"validation\": 0.2, "
		 "\"test\": 0.2, \"seed\": 1}, \"baseline\": {\"hidden\": [16, 8]}, "
		 "\"dr\": {\"methods\": [\"pca\"], \"ratios\": [2], "
		 "\"max_drop\": 0.2}, \"scann\": {\"iterations\": 2, "
		 "\"epochs_per_step\": 5, \"pruning\": {\"fraction\": 0.3}, "
		 "\"initial_prune\": 0.5}, \"train\": {\"epochs\": 30, "
		 "\"batch\": 16, \"lr\": 0.01, \"seed\": 3}}",
		 test_data("iris.csv"));
	test_write_str("dr.json", text);
	ck_assert_int_eq(test_worker_run("run --out dr dr.json", "dr.ndjson"), 0);
	events = test_slurp("dr.ndjson", NULL);
	ck_assert_ptr_nonnull(strstr(events, "\"stage\":\"dr\",\"state\":\"start\""));
	res = last_event(events);
	best = json_object_get(res, "best");
	ck_assert_int_eq(json_integer_value(json_object_get(best, "features")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(
		json_object_get(best, "dr"), "method")), "pca");
	ck_assert_int_eq(json_integer_value(json_object_get(
		json_object_get(res, "baseline"), "features")), 4);
	snprintf(args, sizeof(args), "predict dr/model.json %s", test_data("iris.csv"));
	ck_assert_int_eq(test_worker_run(args, "drp.out"), 0);
	out = test_slurp("drp.out", NULL);
	pred = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(pred);
	ck_assert_double_eq(json_real_value(json_object_get(pred, "accuracy")),
			    json_real_value(json_object_get(best, "test_acc")));
	json_decref(pred);
	json_decref(res);
	free(out);
	free(events);
}
END_TEST

START_TEST(invalid_spec_is_rejected_naming_the_field)
{
	char *err, path[1024];
	struct stat st;

	test_write_str("bad.json", "{\"dataset\": \"x.csv\", \"scann\": "
		       "{\"pruning\": {\"fraction\": 2}}}");
	ck_assert_int_eq(test_worker_run("run --out bad bad.json", "bad.out"), 2);
	err = test_slurp("bad.out.err", NULL);
	ck_assert_ptr_nonnull(strstr(err, "scann.pruning.fraction"));
	free(err);
	/* Nothing ran: no artefact directory. */
	snprintf(path, sizeof(path), "%s/bad", test_tmpdir());
	ck_assert_int_ne(stat(path, &st), 0);
	/* A missing dataset is bad input too. */
	test_write_str("nodata.json", "{\"dataset\": \"/nonexistent.csv\"}");
	ck_assert_int_eq(test_worker_run("run --out nd nodata.json", "nd.out"), 2);
	err = test_slurp("nd.out.err", NULL);
	ck_assert_ptr_nonnull(strstr(err, "dataset"));
	free(err);
	ck_assert_int_eq(test_worker_run("--version", "v.out"), 0);
	ck_assert_int_eq(test_worker_run("run --help", "h.out"), 0);
}
END_TEST

/*
 * Run spec (a file in the scratch dir) whole as "full", then again as
 * "part" stopped by SIGTERM once a checkpoint of iteration min_iter or
 * later is on disk (plus pause_us), resumed: the two streams must agree
 * byte for byte (tag names the dirs).
 */
/* The "iteration" of the checkpoint at path, or -1 while there is none. */
static long checkpoint_iteration(const char *path)
{
	json_t *j = json_load_file(path, 0, NULL);
	long it = j ? (long)json_integer_value(json_object_get(j, "iteration")) : -1;

	json_decref(j);
	return it;
}

static void stop_and_resume(const char *spec, const char *tag, long min_iter,
			    int pause_us)
{
	char ckpt[1024], outp[1024], *full, *part, *rest;
	size_t lf, lp, lr;
	json_t *fin;
	pid_t pid;
	int st, fd;
	struct stat sb;

	char args[256], name[256], part_dir[128];

	snprintf(args, sizeof(args), "run --out %s-full %s", tag, spec);
	snprintf(name, sizeof(name), "%s-full.ndjson", tag);
	ck_assert_int_eq(test_worker_run(args, name), 0);
	full = test_slurp(name, &lf);

	snprintf(part_dir, sizeof(part_dir), "%s-part", tag);
	snprintf(ckpt, sizeof(ckpt), "%s/%s/checkpoint.json", test_tmpdir(),
		 part_dir);
	snprintf(outp, sizeof(outp), "%s/%s.ndjson", test_tmpdir(), part_dir);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (chdir(test_tmpdir()) != 0)
			_exit(127);
		fd = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		execl(test_worker(), "scann-worker", "run", "--out", part_dir, spec,
		      (char *)NULL);
		_exit(127);
	}
	/* Stop it once a checkpoint at min_iter or later is on disk. */
	for (int i = 0; i < 60000 && (stat(ckpt, &sb) != 0 ||
				       checkpoint_iteration(ckpt) < min_iter); i++)
		usleep(1000);
	usleep(pause_us);
	kill(pid, SIGTERM);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 143);
	snprintf(name, sizeof(name), "%s.ndjson", part_dir);
	part = test_slurp(name, &lp);
	ck_assert_ptr_nonnull(strstr(part, "\"state\":\"cancelled\""));

	snprintf(args, sizeof(args), "run --resume %s", part_dir);
	snprintf(name, sizeof(name), "%s-rest.ndjson", tag);
	ck_assert_int_eq(test_worker_run(args, name), 0);
	rest = test_slurp(name, &lr);
	/*
	 * The stopped run printed seqs 1..P (P its "cancelled" event), the
	 * resumed one P+1, P+2, ...: no gap, no repeat.  Its events are, byte
	 * for byte, the uninterrupted run's from P on (the cancel event took
	 * one seq, so each is numbered one higher).
	 */
	{
		const char *line = rest;
		json_t *last = last_event(part);
		json_int_t p_seq = json_integer_value(json_object_get(last, "seq"));
		json_int_t expect = p_seq + 1;
		int lines = 0;

		json_decref(last);
		while (*line) {
			const char *nl = strchr(line, '\n'), *body, *at;
			char key[64];
			long long seq;

			ck_assert_ptr_nonnull(nl);
			ck_assert_int_eq(sscanf(line, "{\"seq\":%lld,", &seq), 1);
			ck_assert_int_eq(seq, expect);
			body = strchr(line, ',');
			snprintf(key, sizeof(key), "{\"seq\":%lld,", seq - 1);
			at = strstr(full, key);
			ck_assert_ptr_nonnull(at);
			at += strlen(key);
			ck_assert(strncmp(at, body + 1, (size_t)(nl - body)) == 0);
			expect++;
			lines++;
			line = nl + 1;
		}
		ck_assert_int_gt(lines, 10);
		/* ... and it ends where the uninterrupted run ends, plus one */
		fin = last_event(full);
		ck_assert_int_eq(expect - 1,
				 json_integer_value(json_object_get(fin, "seq")) + 1);
		json_decref(fin);
	}
	free(full);
	free(part);
	free(rest);
}

START_TEST(sigterm_stops_and_resume_finishes_the_same_stream)
{
	write_spec("long.json", 6, 60, 40);
	stop_and_resume("long.json", "recipe", 0, 20000);
}
END_TEST

/*
 * The same through the targeted search: what it carries between steps
 * (the share to prune, the candidates, the most accurate) is checkpointed
 * and restored, so a resumed search goes on exactly where it stopped.
 */
START_TEST(a_stopped_target_search_resumes_the_same_stream)
{
	char text[8192];

	snprintf(text, sizeof(text),
		 "{\"dataset\": \"%s\", \"split\": {\"validation\": 0.2, "
		 "\"test\": 0.2, \"seed\": 1}, \"baseline\": {\"hidden\": [16, 8]},"
		 " \"scann\": {\"epochs_per_step\": 1000}, \"target\": {\"max_steps\": 8},"
		 " \"train\": {\"epochs\": 40, \"batch\": 16, \"lr\": 0.01, \"seed\": 3}}",
		 test_data("wine.csv"));
	test_write_str("target.json", text);
	stop_and_resume("target.json", "target", 2, 0);
}
END_TEST

/*
 * A target no network of the search can reach: scheme A held to one hidden
 * neuron on six classes.  The result must say so -- target_met false, a
 * warning event -- and still ship the most accurate network.
 */
START_TEST(a_target_out_of_reach_is_reported_as_missed)
{
	char text[8192], *out;
	json_t *res;
	int warned;

	snprintf(text, sizeof(text),
		 "{\"dataset\": \"%s\", \"split\": {\"test_last\": 2000},"
		 " \"scheme\": \"A\", \"baseline\": {\"hidden\": [32]},"
		 " \"scann\": {\"initial_hidden\": 1, \"max_hidden\": 1,"
		 " \"epochs_per_step\": 1}, \"train\": {\"epochs\": 8, \"lr\": 0.01}}",
		 test_data("satellite.csv"));
	test_write_str("far.json", text);
	ck_assert_int_eq(test_worker_run("run --out far far.json", "far.ndjson"), 0);
	out = test_slurp("far.ndjson", NULL);
	warned = strstr(out, "no candidate met the target") != NULL;
	res = last_event(out);
	ck_assert_str_eq(json_string_value(json_object_get(res, "type")), "result");
	ck_assert(json_is_false(json_object_get(res, "target_met")));
	ck_assert(warned);
	/* What ships misses the target's validation accuracy. */
	ck_assert_double_lt(json_real_value(json_object_get(json_object_get(res, "best"),
							    "val_acc")),
			    json_real_value(json_object_get(json_object_get(res, "target"),
							    "val_acc")));
	ck_assert_int_gt(json_array_size(json_object_get(res, "pareto")), 0);
	json_decref(res);
	free(out);
}
END_TEST

/*
 * resources.budget_s ends the search, not the job: the result comes, and a
 * log event says the budget ended it.  One step (50 epochs of a 512-512
 * MLP over 3,770 rows, some 300 GFLOP) outlasts the 1 s budget on any
 * machine, so the search stops at its second check.
 */
START_TEST(the_budget_ends_the_search_with_a_result)
{
	char text[8192], *out;
	json_t *res;

	snprintf(text, sizeof(text),
		 "{\"dataset\": \"%s\", \"split\": {\"test_last\": 2000},"
		 " \"baseline\": {\"hidden\": [512, 512]}, \"train\": {\"epochs\": 2},"
		 " \"scann\": {\"epochs_per_step\": 50},"
		 " \"resources\": {\"budget_s\": 1}}", test_data("satellite.csv"));
	test_write_str("budget.json", text);
	ck_assert_int_eq(test_worker_run("run --out budget budget.json", "budget.ndjson"), 0);
	out = test_slurp("budget.ndjson", NULL);
	ck_assert_ptr_nonnull(strstr(out, "stopped at resources.budget_s"));
	res = last_event(out);
	ck_assert_str_eq(json_string_value(json_object_get(res, "type")), "result");
	ck_assert_ptr_nonnull(json_object_get(res, "target_met"));
	json_decref(res);
	free(out);
}
END_TEST

START_TEST(timeout_stops_the_job_with_a_final_event)
{
	char text[8192], *out;
	json_t *last;

	snprintf(text, sizeof(text),
		 "{\"dataset\": \"%s\", \"baseline\": {\"hidden\": [16, 8]}, "
		 "\"scann\": {\"search\": \"recipe\", \"iterations\": 1000, \"epochs_per_step\": 50}, "
		 "\"train\": {\"epochs\": 20, \"batch\": 16}, "
		 "\"resources\": {\"timeout_s\": 1}}", test_data("iris.csv"));
	test_write_str("slow.json", text);
	ck_assert_int_eq(test_worker_run("run --out slow slow.json", "slow.ndjson"), 1);
	out = test_slurp("slow.ndjson", NULL);
	last = last_event(out);
	ck_assert_str_eq(json_string_value(json_object_get(last, "type")), "log");
	ck_assert_str_eq(json_string_value(json_object_get(last, "state")), "timeout");
	json_decref(last);
	free(out);
}
END_TEST

/* ---- a convolutional front on IDX images ------------------------------- */

/* Scheme C over a conv 4x3x3, ReLU, pool front and a 12-neuron layer. */
static void write_front_spec(const char *name, int iterations)
{
	char text[4096];

	snprintf(text, sizeof(text),
		 "{\"dataset\": \"%s/bars\", \"front\": {\"layers\": ["
		 "{\"type\": \"conv\", \"maps\": 4, \"kernel\": 3},"
		 " {\"type\": \"relu\"}, {\"type\": \"pool\"}]},"
		 " \"baseline\": {\"hidden\": [12]}, \"scheme\": \"C\","
		 " \"split\": {\"validation\": 0.2},"
		 " \"scann\": {\"iterations\": %d, \"epochs_per_step\": 2,"
		 " \"initial_prune\": 0.5, \"pruning\": {\"fraction\": 0.5}},"
		 " \"train\": {\"epochs\": 8, \"batch\": 16, \"lr\": 0.01}}",
		 test_tmpdir(), iterations);
	test_write_str(name, text);
}

START_TEST(a_front_job_reports_the_whole_network_and_predicts_it)
{
	json_t *res, *pred, *model, *front;
	char *events, *out, args[8192];
	const char *mask;

	write_bars_idx("bars", 240, 60);
	write_front_spec("front.json", 2);
	ck_assert_int_eq(test_worker_run("run --out f front.json", "f.ndjson"), 0);
	events = test_slurp("f.ndjson", NULL);
	res = last_event(events);
	ck_assert_str_eq(json_string_value(json_object_get(res, "type")), "result");
	/* conv 4 x 3x3 + 4 biases = 40; 4 maps of 4x4 = 64 features;
	 * FC 64-12-3: 768 + 12 + 36 + 3 = 819 */
	ck_assert_int_eq(json_integer_value(json_object_get(
		json_object_get(res, "baseline"), "params")), 40 + 819);
	/* macs: 36 weights x 8x8 positions + 768 + 36 */
	ck_assert_int_eq(json_integer_value(json_object_get(
		json_object_get(res, "baseline"), "macs")), 36 * 64 + 804);
	/* the summary names the front's part of those */
	{
		json_t *f = json_object_get(json_object_get(res, "baseline"), "front");

		ck_assert_int_eq(json_integer_value(json_object_get(f, "params")), 40);
		ck_assert_int_eq(json_integer_value(json_object_get(f, "macs")), 36 * 64);
		ck_assert_int_eq(json_integer_value(json_object_get(f, "layers")), 3);
	}
	/* the model file carries the front; scheme C pruned its kernels */
	snprintf(args, sizeof(args), "%s/f/model.json", test_tmpdir());
	model = json_load_file(args, 0, NULL);
	front = json_object_get(json_object_get(model, "network"), "front");
	ck_assert_ptr_nonnull(front);
	mask = json_string_value(json_object_get(front, "mask"));
	ck_assert_uint_eq(strlen(mask), 40);
	ck_assert_ptr_nonnull(strchr(mask, '0'));
	/* predict reproduces both reported test accuracies exactly */
	snprintf(args, sizeof(args), "predict f/model.json %s/bars", test_tmpdir());
	ck_assert_int_eq(test_worker_run(args, "fp.out"), 0);
	out = test_slurp("fp.out", NULL);
	pred = json_loads(out, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(pred, "scored")), "test");
	ck_assert_int_eq(json_integer_value(json_object_get(pred, "rows")), 60);
	ck_assert_double_eq(json_real_value(json_object_get(pred, "accuracy")),
			    json_real_value(json_object_get(
				    json_object_get(res, "best"), "test_acc")));
	json_decref(pred);
	free(out);
	snprintf(args, sizeof(args), "predict f/baseline.json %s/bars", test_tmpdir());
	ck_assert_int_eq(test_worker_run(args, "fpb.out"), 0);
	out = test_slurp("fpb.out", NULL);
	pred = json_loads(out, 0, NULL);
	ck_assert_double_eq(json_real_value(json_object_get(pred, "accuracy")),
			    json_real_value(json_object_get(
				    json_object_get(res, "baseline"), "test_acc")));
	/* the baseline learnt the bars */
	ck_assert(json_real_value(json_object_get(pred, "accuracy")) > 0.9);
	json_decref(pred);
	free(out);
	/* the C export writes the front, float and int8
	 * (tests/export/test_export.sh compiles and runs them) */
	ck_assert_int_eq(test_worker_run("export f/model.json --format c --out fx", "fx.out"), 0);
	ck_assert_int_eq(test_worker_run("export f/model.json --format c-int8 --out fq", "fq.out"), 0);
	json_decref(model);
	json_decref(res);
	free(events);
}
END_TEST

START_TEST(a_front_on_data_without_a_shape_is_refused_naming_the_field)
{
	char *err;

	{
		char text[8192];

		snprintf(text, sizeof(text), "{\"dataset\": \"%s\", \"front\": "
			 "{\"preset\": \"lenet5\"}}", test_data("iris.csv"));
		test_write_str("fcsv.json", text);
	}
	ck_assert_int_eq(test_worker_run("run --out fc fcsv.json", "fc.out"), 2);
	err = test_slurp("fc.out.err", NULL);
	ck_assert_ptr_nonnull(strstr(err, "front.input"));
	free(err);
	/* images the front does not fit: 10x10 through LeNet-5 */
	write_bars_idx("bars2", 30, 6);
	{
		char text[4096];

		snprintf(text, sizeof(text), "{\"dataset\": \"%s/bars2\", "
			 "\"front\": {\"preset\": \"lenet5\"}}", test_tmpdir());
		test_write_str("fsmall.json", text);
	}
	ck_assert_int_eq(test_worker_run("run --out fs fsmall.json", "fs.out"), 2);
	err = test_slurp("fs.out.err", NULL);
	ck_assert_ptr_nonnull(strstr(err, "front.layers[2]"));
	free(err);
}
END_TEST

START_TEST(a_stopped_front_job_resumes_the_same_stream)
{
	write_bars_idx("bars", 240, 60);
	write_front_spec("flong.json", 40);
	stop_and_resume("flong.json", "front", 1, 20000);
}
END_TEST

static Suite *run_suite(void)
{
	Suite *s = suite_create("run");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, same_seed_gives_byte_identical_event_stream);
	tcase_add_test(tc, predict_matches_the_reported_test_accuracy);
	tcase_add_test(tc, resume_before_any_checkpoint_starts_over_identically);
	tcase_add_test(tc, invalid_spec_is_rejected_naming_the_field);
	tcase_add_test(tc, dr_synthesis_names_the_reduction_and_predict_applies_it);
	tcase_add_test(tc, sigterm_stops_and_resume_finishes_the_same_stream);
	tcase_add_test(tc, a_stopped_target_search_resumes_the_same_stream);
	tcase_add_test(tc, timeout_stops_the_job_with_a_final_event);
	tcase_add_test(tc, a_target_out_of_reach_is_reported_as_missed);
	tcase_add_test(tc, the_budget_ends_the_search_with_a_result);
	suite_add_tcase(s, tc);
	tc = tcase_create("front");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, a_front_job_reports_the_whole_network_and_predicts_it);
	tcase_add_test(tc, a_front_on_data_without_a_shape_is_refused_naming_the_field);
	tcase_add_test(tc, a_stopped_front_job_resumes_the_same_stream);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(run_suite());
}
