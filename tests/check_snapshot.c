/*
 * check_snapshot.c -- training snapshots (worker/snapshot.h) end to end,
 * on the real scann-worker: a job stopped in the middle of a training
 * resumes from that training's snapshot, not from its start, and its
 * stream and models are, byte for byte, an uninterrupted run's.  "Not from
 * its start" is read from the counter the resumed worker prints on stderr
 * (epochs trained by it, epochs restored from a snapshot): together they
 * must be exactly the uninterrupted run's epochs since the checkpoint.
 * A truncated, corrupt or foreign snapshot is refused with a warning event
 * naming the file and the reason, and the job still ends as the
 * uninterrupted one.
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
#include <unistd.h>

#include <jansson.h>

#include "testidx.h"
#include "testutil.h"
#include "testworker.h"

static int exists(const char *name)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	return access(path, F_OK) == 0;
}

/* Lines of text holding needle (and, when given, also needle2). */
static long count_lines(const char *text, const char *needle,
			const char *needle2)
{
	long n = 0;

	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		const char *at = strstr(p, needle);

		if (nl == NULL)
			break;
		if (at && at < nl) {
			const char *b = needle2 ? strstr(p, needle2) : p;

			n += b && b < nl;
		}
		p = nl + 1;
	}
	return n;
}

/* Epoch events of text numbered after seq `after`. */
static long epochs_after(const char *text, long long after)
{
	long n = 0;

	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n'), *at = strstr(p, "\"type\":\"epoch\"");
		long long seq;

		if (nl == NULL)
			break;
		if (at && at < nl && sscanf(p, "{\"seq\":%lld,", &seq) == 1 &&
		    seq > after)
			n++;
		p = nl + 1;
	}
	return n;
}

static long long last_seq(const char *text)
{
	long long seq = 0, s;

	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');

		if (nl == NULL)
			break;
		if (sscanf(p, "{\"seq\":%lld,", &s) == 1)
			seq = s;
		p = nl + 1;
	}
	return seq;
}

/*
 * A CSV of rows x 16 features in 3 classes, each the largest of three
 * fixed linear scores plus noise: learnable, not trivially.
 */
static void write_csv(const char *name, uint32_t rows)
{
	char path[1024];
	uint32_t seed = 777;
	double w[3][16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (int c = 0; c < 3; c++)
		for (int k = 0; k < 16; k++) {
			seed = seed * 1103515245u + 12345u;
			w[c][k] = ((seed >> 16) % 2001) / 1000.0 - 1.0;
		}
	for (int k = 0; k < 16; k++)
		fprintf(f, "f%d,", k);
	fprintf(f, "label\n");
	for (uint32_t r = 0; r < rows; r++) {
		double x[16], s[3];
		int y = 0;

		for (int k = 0; k < 16; k++) {
			seed = seed * 1103515245u + 12345u;
			x[k] = ((seed >> 16) % 2001) / 1000.0 - 1.0;
			fprintf(f, "%.3f,", x[k]);
		}
		for (int c = 0; c < 3; c++) {
			seed = seed * 1103515245u + 12345u;
			s[c] = ((seed >> 16) % 1001) / 1000.0 - 0.5;
			for (int k = 0; k < 16; k++)
				s[c] += w[c][k] * x[k];
			if (s[c] > s[y])
				y = c;
		}
		fprintf(f, "c%d\n", y);
	}
	fclose(f);
}

/*
 * A job whose baseline trains `epochs` epochs (patience out of reach), its
 * scheme's trainings `steps` each.
 */
static void write_spec_steps(const char *name, int seed, int epochs,
			     int threads, int steps)
{
	char text[4096];

	snprintf(text, sizeof(text),
		 "{\"dataset\": \"%s/snap.csv\", \"split\": {\"validation\": 0.2,"
		 " \"test\": 0.2, \"seed\": 1}, \"baseline\": {\"hidden\": [32, 16]},"
		 " \"scheme\": \"C\", \"scann\": {\"iterations\": 1,"
		 " \"epochs_per_step\": %d, \"initial_prune\": 0.5,"
		 " \"pruning\": {\"fraction\": 0.3}}, \"train\": {\"epochs\": %d,"
		 " \"patience\": 1000, \"batch\": 8, \"lr\": 0.01, \"seed\": %d},"
		 " \"resources\": {\"threads\": %d}}",
		 test_tmpdir(), steps, epochs, seed, threads);
	test_write_str(name, text);
}

static void write_spec(const char *name, int seed, int epochs, int threads)
{
	write_spec_steps(name, seed, epochs, threads, 2);
}

/* "scann-worker run --out DIR [extra] SPEC" in the background, stdout to out. */
static pid_t start(const char *dir, const char *spec, const char *extra,
		   const char *out)
{
	char path[1024];
	pid_t pid;

	int fd;

	/* opened here, so stop_after() can read it at once */
	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), out);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (chdir(test_tmpdir()) != 0)
			_exit(127);
		dup2(fd, 1);
		if (extra)
			execl(test_worker(), "scann-worker", "run", "--out", dir, extra,
			      "0", spec, (char *)NULL);
		else
			execl(test_worker(), "scann-worker", "run", "--out", dir, spec,
			      (char *)NULL);
		_exit(127);
	}
	close(fd);
	return pid;
}

/* Wait until out holds n epoch events (holding filter too), then signal. */
static void stop_after(pid_t pid, const char *out, long n, const char *filter,
		       int sig)
{
	int st;

	for (int i = 0; i < 120000; i++) {
		char *text = test_slurp(out, NULL);
		long k = count_lines(text, "\"type\":\"epoch\"", filter);

		free(text);
		if (k >= n)
			break;
		usleep(500);
	}
	kill(pid, sig);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	if (sig == SIGTERM) {
		ck_assert(WIFEXITED(st));
		ck_assert_int_eq(WEXITSTATUS(st), 143);
	}
}

/* "N epochs trained in this run, M restored" from a resumed run's stderr. */
static void epoch_counts(const char *err_name, long *trained, long *restored)
{
	char *err = test_slurp(err_name, NULL);
	const char *at = strstr(err, " epochs trained in this run, ");
	const char *line = at;

	ck_assert_msg(at != NULL, "no epoch count in %s: %s", err_name, err);
	while (line > err && line[-1] != '\n')
		line--;
	ck_assert_int_eq(sscanf(line, "scann-worker: %ld epochs trained in this "
				"run, %ld restored", trained, restored), 2);
	free(err);
}

/*
 * Every line of rest is the uninterrupted run's line numbered `shift`
 * lower (the stop events before it), a refusal of a snapshot (which shifts
 * the rest by one more) excepted; returns how many refusals.  With
 * contiguous, the seqs follow each other from first on.
 */
static int same_as_full(const char *full, const char *rest, int shift,
			long long first, int contiguous)
{
	long long expect = first;
	int refused = 0, lines = 0;

	for (const char *line = rest; *line;) {
		const char *nl = strchr(line, '\n'), *body, *at;
		char key[64];
		long long seq;

		ck_assert_ptr_nonnull(nl);
		ck_assert_int_eq(sscanf(line, "{\"seq\":%lld,", &seq), 1);
		if (contiguous)
			ck_assert_int_eq(seq, expect);
		expect = seq + 1;
		body = strchr(line, ',');
		at = strstr(line, "\"file\":\"training.snap\"");
		if (at && at < nl) {
			refused++;
			shift++;
			line = nl + 1;
			continue;
		}
		snprintf(key, sizeof(key), "{\"seq\":%lld,", seq - shift);
		at = strstr(full, key);
		ck_assert_msg(at != NULL, "seq %lld", seq - shift);
		at += strlen(key);
		ck_assert_msg(strncmp(at, body + 1, (size_t)(nl - body)) == 0,
			      "seq %lld differs: %.*s", seq, (int)(nl - line),
			      line);
		lines++;
		line = nl + 1;
	}
	ck_assert_int_gt(lines, 5);
	/* ... up to the uninterrupted run's result */
	ck_assert_int_eq(expect - 1 - shift, last_seq(full));
	return refused;
}

static void same_file(const char *a, const char *b)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "cmp -s %s/%s %s/%s", test_tmpdir(), a,
		 test_tmpdir(), b);
	ck_assert_msg(system(cmd) == 0, "%s and %s differ", a, b);
}

/*
 * The uninterrupted job, once for the tests that compare with it: on one
 * thread (snap.json, full/) or on two (snap2.json, full2/: OpenBLAS and the
 * engine's pool split the work, and must still repeat themselves).
 */
static char *full_stream(int threads)
{
	static int done[3];
	char name[64], args[128];

	if (!done[0]) {
		write_csv("snap.csv", 900);
		done[0] = 1;
	}
	snprintf(name, sizeof(name), "full%s.ndjson", threads == 2 ? "2" : "");
	if (!done[threads]) {
		write_spec(threads == 2 ? "snap2.json" : "snap.json", 2, 40,
			   threads);
		snprintf(args, sizeof(args), "run --out full%s snap%s.json",
			 threads == 2 ? "2" : "", threads == 2 ? "2" : "");
		ck_assert_int_eq(test_worker_run(args, name), 0);
		done[threads] = 1;
	}
	return test_slurp(name, NULL);
}

START_TEST(a_job_stopped_mid_baseline_resumes_from_the_stop_snapshot)
{
	char *full = full_stream(1), *part, *rest;
	long total = epochs_after(full, 0), printed, trained, restored;

	stop_after(start("p1", "snap.json", NULL, "p1.ndjson"), "p1.ndjson", 3,
		   NULL, SIGTERM);
	part = test_slurp("p1.ndjson", NULL);
	printed = epochs_after(part, 0);
	/* stopped in the baseline, before any checkpoint, with a snapshot */
	ck_assert_int_lt(printed, 40);
	ck_assert(!exists("p1/checkpoint.json"));
	ck_assert(exists("p1/training.snap"));
	ck_assert_int_eq(test_worker_run("run --resume p1", "p1-rest.ndjson"), 0);
	rest = test_slurp("p1-rest.ndjson", NULL);
	ck_assert_int_eq(same_as_full(full, rest, 1, last_seq(part) + 1, 1), 0);
	/* the epochs the stopped run did were not trained again */
	epoch_counts("p1-rest.ndjson.err", &trained, &restored);
	ck_assert_int_eq(restored, printed);
	ck_assert_int_eq(trained + restored, total);
	same_file("full/model.json", "p1/model.json");
	same_file("full/baseline.json", "p1/baseline.json");
	/* a finished job keeps no snapshot */
	ck_assert(!exists("p1/training.snap"));
	free(full);
	free(part);
	free(rest);
}
END_TEST

START_TEST(a_killed_job_resumes_from_its_last_epoch_snapshot)
{
	char *full = full_stream(2), *rest;
	long total = epochs_after(full, 0), trained, restored;

	/* no stop snapshot: SIGKILL; every epoch's end writes one; two
	 * threads */
	stop_after(start("p2", "snap2.json", "--snapshot-every", "p2.ndjson"),
		   "p2.ndjson", 5, NULL, SIGKILL);
	ck_assert(exists("p2/training.snap"));
	ck_assert_int_eq(test_worker_run("run --resume p2", "p2-rest.ndjson"), 0);
	rest = test_slurp("p2-rest.ndjson", NULL);
	/* after a crash the events come again with their seq and bytes */
	ck_assert_int_eq(same_as_full(full, rest, 0, 1, 0), 0);
	epoch_counts("p2-rest.ndjson.err", &trained, &restored);
	/* the snapshot of epoch 4 was whole before epoch 5 began */
	ck_assert_int_ge(restored, 4);
	ck_assert_int_eq(trained + restored, total);
	same_file("full2/model.json", "p2/model.json");
	same_file("full2/baseline.json", "p2/baseline.json");
	free(full);
	free(rest);
}
END_TEST

/* Copy the stopped job p3 to dir, then run damage (a shell command) on
 * its snapshot, which it names $S. */
static void damaged_copy(const char *dir, const char *damage)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "cd %s && rm -rf %s && cp -r p3 %s && "
		 "S=%s/training.snap && %s", test_tmpdir(), dir, dir, dir, damage);
	ck_assert_int_eq(system(cmd), 0);
}

/* Resume dir: the refusal names the file and reason; the job ends as full. */
static void refused_and_completes(const char *full, const char *part,
				  const char *dir, const char *reason)
{
	char args[256], out[256], *rest;
	long trained, restored;
	char model[256], base[256];

	snprintf(args, sizeof(args), "run --resume %s", dir);
	snprintf(out, sizeof(out), "%s-rest.ndjson", dir);
	ck_assert_int_eq(test_worker_run(args, out), 0);
	rest = test_slurp(out, NULL);
	ck_assert_int_eq(count_lines(rest, "\"file\":\"training.snap\"", reason), 1);
	ck_assert_int_eq(same_as_full(full, rest, 1, last_seq(part) + 1, 1), 1);
	snprintf(out, sizeof(out), "%s-rest.ndjson.err", dir);
	epoch_counts(out, &trained, &restored);
	ck_assert_int_eq(restored, 0);
	ck_assert_int_eq(trained, epochs_after(full, 0));
	snprintf(model, sizeof(model), "%s/model.json", dir);
	snprintf(base, sizeof(base), "%s/baseline.json", dir);
	same_file("full/model.json", model);
	same_file("full/baseline.json", base);
	free(rest);
}

START_TEST(a_truncated_corrupt_or_foreign_snapshot_is_refused)
{
	char *full = full_stream(1), *part;

	stop_after(start("p3", "snap.json", NULL, "p3.ndjson"), "p3.ndjson", 3,
		   NULL, SIGTERM);
	ck_assert(exists("p3/training.snap"));
	part = test_slurp("p3.ndjson", NULL);
	/* another job's (another training seed), stopped the same way */
	write_spec("other.json", 5, 40, 1);
	stop_after(start("o3", "other.json", NULL, "o3.ndjson"), "o3.ndjson", 2,
		   NULL, SIGTERM);
	ck_assert(exists("o3/training.snap"));

	damaged_copy("t3", "truncate -s 1000 $S");
	refused_and_completes(full, part, "t3", "truncated");
	/* one float of the weights changed (after the header and the 540
	 * training rows' order) */
	damaged_copy("c3", "printf xxxx | dd of=$S bs=1 seek=4000 conv=notrunc "
		     "status=none");
	refused_and_completes(full, part, "c3", "corrupt");
	damaged_copy("f3", "cp o3/training.snap $S");
	refused_and_completes(full, part, "f3", "another job");
	free(full);
	free(part);
}
END_TEST

/*
 * A snapshot from before the job's last checkpoint (a crash between the
 * checkpoint and the snapshot's removal leaves one) is stale: refused.
 */
START_TEST(a_snapshot_older_than_the_checkpoint_is_refused)
{
	char cmd[2048], *full, *part, *rest;

	write_csv("snap.csv", 900);
	write_spec_steps("stale.json", 4, 40, 1, 40);
	ck_assert_int_eq(test_worker_run("run --out sfull stale.json", "sfull.ndjson"), 0);
	full = test_slurp("sfull.ndjson", NULL);
	/* a snapshot of the baseline's training ... */
	stop_after(start("sa", "stale.json", NULL, "sa.ndjson"), "sa.ndjson", 3,
		   NULL, SIGTERM);
	ck_assert(!exists("sa/checkpoint.json"));
	/* ... put in a run stopped after the baseline's checkpoint */
	stop_after(start("sb", "stale.json", NULL, "sb.ndjson"), "sb.ndjson", 3,
		   "\"stage\":\"scann\"", SIGTERM);
	ck_assert(exists("sb/checkpoint.json"));
	snprintf(cmd, sizeof(cmd), "cp %s/sa/training.snap %s/sb/training.snap",
		 test_tmpdir(), test_tmpdir());
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(test_worker_run("run --resume sb", "sb-rest.ndjson"), 0);
	part = test_slurp("sb.ndjson", NULL);
	rest = test_slurp("sb-rest.ndjson", NULL);
	ck_assert_int_eq(count_lines(rest, "\"file\":\"training.snap\"",
				     "stale"), 1);
	ck_assert_int_eq(same_as_full(full, rest, 1, last_seq(part) + 1, 1), 1);
	same_file("sfull/model.json", "sb/model.json");
	free(full);
	free(part);
	free(rest);
}
END_TEST

/* ---- a training inside a scheme step, behind a convolutional front ------ */

START_TEST(a_job_stopped_in_a_scheme_step_resumes_from_its_snapshot)
{
	char text[4096], *full, *part, *rest;
	long trained, restored, since;
	long long anchor;
	json_t *ck;

	write_bars_idx("bars", 240, 60);
	/* scheme C over a conv front: the iterations' trainings are long */
	snprintf(text, sizeof(text),
		 "{\"dataset\": \"%s/bars\", \"front\": {\"layers\": ["
		 "{\"type\": \"conv\", \"maps\": 4, \"kernel\": 3},"
		 " {\"type\": \"relu\"}, {\"type\": \"pool\"}]},"
		 " \"baseline\": {\"hidden\": [12]}, \"scheme\": \"C\","
		 " \"split\": {\"validation\": 0.2},"
		 " \"scann\": {\"iterations\": 2, \"epochs_per_step\": 50,"
		 " \"initial_prune\": 0.5, \"pruning\": {\"fraction\": 0.5}},"
		 " \"train\": {\"epochs\": 4, \"batch\": 16, \"lr\": 0.01}}",
		 test_tmpdir());
	test_write_str("front.json", text);
	ck_assert_int_eq(test_worker_run("run --out ffull front.json", "ffull.ndjson"), 0);
	full = test_slurp("ffull.ndjson", NULL);
	/* stopped in iteration 1's first training, after its 3rd epoch */
	stop_after(start("fp", "front.json", NULL, "fp.ndjson"), "fp.ndjson", 3,
		   "\"stage\":\"scann\",\"iteration\":1,", SIGTERM);
	part = test_slurp("fp.ndjson", NULL);
	snprintf(text, sizeof(text), "%s/fp/checkpoint.json", test_tmpdir());
	ck = json_load_file(text, 0, NULL);
	ck_assert_ptr_nonnull(ck);
	ck_assert_int_eq(json_integer_value(json_object_get(ck, "iteration")), 0);
	anchor = json_integer_value(json_object_get(ck, "seq"));
	json_decref(ck);
	ck_assert(exists("fp/training.snap"));
	ck_assert_int_eq(test_worker_run("run --resume fp", "fp-rest.ndjson"), 0);
	rest = test_slurp("fp-rest.ndjson", NULL);
	ck_assert_int_eq(same_as_full(full, rest, 1, last_seq(part) + 1, 1), 0);
	epoch_counts("fp-rest.ndjson.err", &trained, &restored);
	/*
	 * The epochs since the checkpoint: each trained once, but for a
	 * training finished before the stop's (iteration 1 trains twice, 50
	 * epochs each: when the stop came in the second, the first is
	 * replayed).
	 */
	since = epochs_after(part, anchor);
	ck_assert_int_ge(restored, 3);
	ck_assert_int_eq(restored, since > 50 ? since - 50 : since);
	ck_assert_int_eq(trained + restored, epochs_after(full, anchor));
	same_file("ffull/model.json", "fp/model.json");
	same_file("ffull/baseline.json", "fp/baseline.json");
	free(full);
	free(part);
	free(rest);
}
END_TEST

START_TEST(a_bad_interval_is_refused)
{
	char *err;

	write_csv("snap.csv", 900);
	write_spec("bad.json", 2, 2, 1);
	ck_assert_int_eq(test_worker_run("run --snapshot-every soon --out b bad.json",
			    "b.ndjson"), 2);
	err = test_slurp("b.ndjson.err", NULL);
	ck_assert_ptr_nonnull(strstr(err, "--snapshot-every"));
	free(err);
	ck_assert_int_eq(test_worker_run("run --snapshot-every -1 --out b bad.json",
			    "b.ndjson"), 2);
}
END_TEST

static Suite *snapshot_suite(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, a_job_stopped_mid_baseline_resumes_from_the_stop_snapshot);
	tcase_add_test(tc, a_killed_job_resumes_from_its_last_epoch_snapshot);
	tcase_add_test(tc, a_truncated_corrupt_or_foreign_snapshot_is_refused);
	tcase_add_test(tc, a_snapshot_older_than_the_checkpoint_is_refused);
	tcase_add_test(tc, a_job_stopped_in_a_scheme_step_resumes_from_its_snapshot);
	tcase_add_test(tc, a_bad_interval_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(snapshot_suite());
}
