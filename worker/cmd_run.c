/*
 * cmd_run.c -- "scann-worker run SPEC.json|-": run one synthesis job.
 *
 * Reads and validates the job spec (nothing runs when it is invalid: the
 * error names the field, exit 2), loads and splits the data, fits the
 * normalisation on the training rows, runs the baseline and the scheme
 * (scheme.c) and prints the NDJSON event stream on stdout.  Artefacts go to
 * the output directory: spec.json (the spec with every default filled in),
 * checkpoint.json (after every completed step), model.json (the best
 * network), baseline.json (the baseline MLP) and report.json (the result).
 *
 * Signals: SIGTERM and SIGINT stop training at the next batch boundary; the
 * worker then writes a final `log` event (state "cancelled") and exits 143;
 * `--resume DIR` continues from the last checkpoint (or starts over when
 * there is none yet) and prints the rest of the stream, gap-free and
 * without repeats after a clean stop (DIR/stream.json records what was
 * printed; see events.h, "Resumption").  resources.timeout_s is enforced
 * the same way (state "timeout", exit 1).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>
#include <jansson.h>

#include "cmd.h"
#include "job/dataset.h"
#include "model.h"
#include "normalize.h"
#include "par.h"
#include "scheme.h"
#include "job/spec.h"
#include "job/split.h"
#include "job/split_digest.h"
#include "study.h"

/* OpenBLAS's thread control (not in cblas.h of every packaging). */
void openblas_set_num_threads(int num_threads);

#define EXIT_STOPPED 143	/* 128 + SIGTERM: stopped, resumable */

static volatile sig_atomic_t timed_out;

static void on_stop(int sig)
{
	(void)sig;
	scann_stop_requested = 1;
}

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	scann_stop_requested = 1;
}

static int run_usage(FILE *to, int status)
{
	fprintf(to,
		"Usage: scann-worker run [OPTIONS] SPEC.json|-\n"
		"       scann-worker run --resume DIR [OPTIONS]\n"
		"\n"
		"Run the synthesis job SPEC (a JSON job spec, DESIGN.md; '-' reads it\n"
		"from standard input) and print its NDJSON event stream on standard\n"
		"output.  The spec's \"dataset\" is a CSV file or an IDX directory.\n"
		"\n"
		"Options:\n"
		"  --out DIR      write artefacts to DIR (default ./scann-out): spec.json,\n"
		"                 checkpoint.json, baseline.json, model.json, report.json\n"
		"  --resume DIR   continue the job whose artefacts are in DIR from its\n"
		"                 last checkpoint (its spec.json is used)\n"
		"  --energy MAC,SRAM,CMP\n"
		"                 energy per MAC, SRAM access and comparison in pJ for\n"
		"                 energy_nj (default the paper's 130 nm 11.8,34.6,6.16)\n"
		"  --timings      add wall-clock seconds (elapsed_s) to epoch and result\n"
		"                 events; without it one seed gives one byte-identical\n"
		"                 stream\n"
		"  -h, --help     show this help\n"
		"\n"
		"Exit status: 0 success; 1 the job failed (or hit resources.timeout_s);\n"
		"2 bad usage, invalid spec (the field is named) or unreadable data;\n"
		"143 stopped by SIGTERM or SIGINT at a batch boundary (resumable).\n");
	return status;
}

static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);

	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (got == 0)
			break;
		if (n == cap) {
			char *nb = realloc(buf, cap *= 2);

			if (nb == NULL) {
				free(buf);
				return NULL;
			}
			buf = nb;
		}
	}
	*len = n;
	return buf;
}

struct run {
	const char *dir;
	struct scann_events ev;
	const struct scann_job_spec *spec;
	json_t *spec_json;
	struct scann_error err;
};

static json_t *rng_json(const struct scann_rng *r)
{
	json_t *a = json_array();
	char hex[17];

	for (int i = 0; i < 4; i++) {
		snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)r->s[i]);
		json_array_append_new(a, json_string(hex));
	}
	return a;
}

static int checkpoint(void *ctx, const struct scann_progress *p,
		      const struct scann_rng *rng)
{
	struct run *r = ctx;
	char path[4096];
	json_t *j = json_pack("{s:i, s:I, s:o, s:b, s:b, s:I, s:f, s:I, s:f, s:I,"
			      " s:f, s:f, s:f, s:f, s:b}",
			      "version", 2, "seq", (json_int_t)r->ev.seq,
			      "rng", rng_json(rng), "baseline_done", p->baseline_done,
			      "scheme_started", p->scheme_started,
			      "iteration", (json_int_t)p->iteration,
			      "best_val", p->best_val,
			      "best_params", (json_int_t)p->best_params,
			      "top_val", p->top_val,
			      "top_params", (json_int_t)p->top_params,
			      "target_val", p->target_val,
			      "target_job", p->target_job,
			      "floor_val", p->floor_val, "step", p->step,
			      "grown", p->grown);
	int rc;

	if (p->top)
		json_object_set_new(j, "top", scann_net_to_json(p->top));
	if (p->front)
		json_object_set(j, "front", p->front);

	if (p->baseline)
		json_object_set_new(j, "baseline", scann_net_to_json(p->baseline));
	if (p->current)
		json_object_set_new(j, "current", scann_net_to_json(p->current));
	if (p->best)
		json_object_set_new(j, "best", scann_net_to_json(p->best));
	snprintf(path, sizeof(path), "%s/checkpoint.json", r->dir);
	rc = scann_json_write(path, j, 0, &r->err);
	json_decref(j);
	return rc;
}

static int restore(const char *dir, struct scann_progress *p,
		   struct scann_rng *rng, struct scann_events *ev,
		   struct scann_error *err)
{
	char path[4096];
	json_error_t jerr;
	json_t *j, *a, *n;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/checkpoint.json", dir);
	j = json_load_file(path, 0, &jerr);
	if (j == NULL)
		return scann_error_set(err, SCANN_ENOENT, "resume",
				       "%s: %s", path, jerr.text);
	ev->seq = (uint64_t)json_integer_value(json_object_get(j, "seq"));
	a = json_object_get(j, "rng");
	for (int i = 0; i < 4; i++)
		rng->s[i] = strtoull(json_string_value(json_array_get(a, i)) ?
				     json_string_value(json_array_get(a, i)) : "0",
				     NULL, 16);
	p->baseline_done = json_is_true(json_object_get(j, "baseline_done"));
	p->scheme_started = json_is_true(json_object_get(j, "scheme_started"));
	p->iteration = (uint32_t)json_integer_value(json_object_get(j, "iteration"));
	p->best_val = json_number_value(json_object_get(j, "best_val"));
	p->best_params = (uint64_t)json_integer_value(json_object_get(j, "best_params"));
	p->top_val = json_number_value(json_object_get(j, "top_val"));
	p->top_params = (uint64_t)json_integer_value(json_object_get(j, "top_params"));
	p->target_val = json_number_value(json_object_get(j, "target_val"));
	p->target_job = json_number_value(json_object_get(j, "target_job"));
	p->floor_val = json_number_value(json_object_get(j, "floor_val"));
	p->step = json_number_value(json_object_get(j, "step"));
	p->grown = json_is_true(json_object_get(j, "grown"));
	if (json_is_array(json_object_get(j, "front")))
		p->front = json_incref(json_object_get(j, "front"));
	if ((n = json_object_get(j, "top")) && rc == 0)
		rc = scann_net_from_json(n, &p->top, err);
	if ((n = json_object_get(j, "baseline")) && rc == 0)
		rc = scann_net_from_json(n, &p->baseline, err);
	if ((n = json_object_get(j, "current")) && rc == 0)
		rc = scann_net_from_json(n, &p->current, err);
	if ((n = json_object_get(j, "best")) && rc == 0)
		rc = scann_net_from_json(n, &p->best, err);
	json_decref(j);
	return rc;
}

/*
 * What a stopped run printed, for --resume (events.h, "Resumption"):
 * DIR/stream.json {"upto", "shift"}.
 */
static void save_stream(struct run *r)
{
	char path[4096];
	json_t *j = json_pack("{s:I, s:I}", "upto", (json_int_t)r->ev.upto,
			      "shift", (json_int_t)r->ev.shift);

	snprintf(path, sizeof(path), "%s/stream.json", r->dir);
	if (scann_json_write(path, j, 0, &r->err) != 0)
		fprintf(stderr, "scann-worker: %s\n", r->err.message);
	json_decref(j);
}

static void load_stream(const char *dir, struct scann_events *ev)
{
	char path[4096];
	json_t *j;

	snprintf(path, sizeof(path), "%s/stream.json", dir);
	j = json_load_file(path, 0, NULL);
	if (j == NULL)
		return;		/* never stopped cleanly: nothing to skip */
	ev->upto = (uint64_t)json_integer_value(json_object_get(j, "upto"));
	ev->shift = (uint64_t)json_integer_value(json_object_get(j, "shift"));
	json_decref(j);
}

/* Print a rejected spec or bad input: stderr line, plus an error event. */
static int reject(struct run *r, const struct scann_error *e, const char *what)
{
	json_t *body = json_pack("{s:s, s:s, s:s}", "level", "error", "message",
				 e->message, "code", scann_errcode_name(e->code));

	if (e->field[0])
		json_object_set_new(body, "field", json_string(e->field));
	scann_events_emit(&r->ev, "log", body);
	fprintf(stderr, "scann-worker: %s %s%s%s\n", what, e->field,
		e->field[0] ? ": " : "", e->message);
	return 2;
}

static int mkdir_p(const char *dir)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0777) != 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

static int run_run(int argc, char **argv)
{
	const char *spec_path = NULL, *out_dir = NULL, *resume = NULL;
	struct scann_job_spec spec;
	struct scann_dataset *ds = NULL;
	struct scann_split split = {0};
	struct scann_norm norm = {0};
	struct scann_progress prog = {0};
	struct scann_study_out study = {0};
	json_t *target = NULL;
	int dr_job = 0;
	struct scann_ctx ctx;
	struct run r;
	float *xn = NULL;
	char *text = NULL, path[4096], fp[17];
	size_t len = 0;
	int status = 1, rc, timings = 0;
	struct scann_energy_model energy = SCANN_ENERGY_130NM;
	struct sigaction sa;

	memset(&r, 0, sizeof(r));
	memset(&ctx, 0, sizeof(ctx));
	r.ev.out = stdout;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return run_usage(stdout, 0);
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out_dir = argv[++i];
		else if (strcmp(argv[i], "--resume") == 0 && i + 1 < argc)
			resume = argv[++i];
		else if (strcmp(argv[i], "--timings") == 0)
			timings = 1;
		else if (strcmp(argv[i], "--energy") == 0 && i + 1 < argc) {
			char tail;

			if (sscanf(argv[++i], "%lf,%lf,%lf%c", &energy.mac_pj,
				   &energy.sram_pj, &energy.cmp_pj, &tail) != 3 ||
			    energy.mac_pj < 0 || energy.sram_pj < 0 ||
			    energy.cmp_pj < 0) {
				fprintf(stderr, "scann-worker: --energy wants "
					"MAC,SRAM,CMP in pJ, e.g. 11.8,34.6,6.16\n");
				return 2;
			}
		}
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return run_usage(stderr, 2);
		else if (spec_path == NULL)
			spec_path = argv[i];
		else
			return run_usage(stderr, 2);
	}
	if (resume) {
		out_dir = resume;
		snprintf(path, sizeof(path), "%s/spec.json", resume);
		spec_path = path;
	}
	if (spec_path == NULL)
		return run_usage(stderr, 2);
	if (out_dir == NULL)
		out_dir = "scann-out";
	r.dir = out_dir;
	r.ev.timings = timings;

	/* 1. The spec: refuse a bad one before any work. */
	{
		FILE *f = strcmp(spec_path, "-") == 0 ? stdin : fopen(spec_path, "rb");

		if (f == NULL) {
			fprintf(stderr, "scann-worker: %s: %s\n", spec_path, strerror(errno));
			return 2;
		}
		text = read_all(f, &len);
		if (f != stdin)
			fclose(f);
		if (text == NULL) {
			fprintf(stderr, "scann-worker: out of memory\n");
			return 1;
		}
	}
	if (scann_spec_parse(text, len, &spec, &r.err) != 0) {
		status = reject(&r, &r.err, "invalid spec:");
		goto out;
	}
	dr_job = spec.task == SCANN_TASK_STUDY || spec.dr.enabled;
	r.spec = &spec;

	/* 2. Data, split, normalisation (fitted on the training rows only). */
	if (scann_dataset_load(spec.dataset, spec.label_column[0] ?
			       spec.label_column : NULL, &ds, &r.err) != 0) {
		snprintf(r.err.field, sizeof(r.err.field), "dataset");
		status = r.err.code == SCANN_ENOMEM ? 1 : reject(&r, &r.err, "dataset:");
		goto out;
	}
	if (scann_split_make(ds, &spec.split, &split, &r.err) != 0) {
		status = reject(&r, &r.err, "invalid split:");
		goto out;
	}
	xn = malloc((size_t)ds->rows * ds->features * sizeof(float) + 1);
	if (xn == NULL || scann_norm_fit(&norm, ds->x, ds->features, split.train,
					 split.n_train) != 0) {
		fprintf(stderr, "scann-worker: out of memory\n");
		goto out;
	}
	scann_norm_apply(&norm, ds->x, ds->rows, xn);
	if (mkdir_p(out_dir) != 0) {
		fprintf(stderr, "scann-worker: cannot create %s: %s\n", out_dir,
			strerror(errno));
		goto out;
	}
	r.spec_json = scann_spec_to_json(&spec);
	if (!resume) {
		snprintf(path, sizeof(path), "%s/spec.json", out_dir);
		if (scann_json_write(path, r.spec_json, 1, &r.err) != 0) {
			fprintf(stderr, "scann-worker: %s\n", r.err.message);
			goto out;
		}
	}
	openblas_set_num_threads((int)spec.resources.threads);
	scann_par_set_threads(spec.resources.threads);

	ctx.spec = &spec;
	ctx.data.x = xn;
	ctx.data.y = ds->y;
	ctx.data.features = ds->features;
	ctx.data.classes = ds->classes;
	ctx.split = &split;
	ctx.ev = &r.ev;
	ctx.energy = energy;
	ctx.sparse_below = SCANN_SPARSE_BELOW;
	ctx.checkpoint = checkpoint;
	ctx.checkpoint_ctx = &r;
	/* A DR job's shares are the study's (study.c); these synthesize's. */
	scann_stage_set_span(&ctx, 0.0, 1.0);
	ctx.baseline_share = SCANN_BASELINE_SHARE;
	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ctx.t0 = ts.tv_sec + ts.tv_nsec * 1e-9;
	}
	scann_rng_seed(&ctx.rng, spec.train.seed);
	if (resume) {
		char ck[4096];

		snprintf(ck, sizeof(ck), "%s/checkpoint.json", resume);
		if (access(ck, F_OK) != 0) {
			/* Stopped before the first checkpoint: start over, the
			 * events printed before skipped (events.h, "Resumption"). */
			load_stream(resume, &r.ev);
			fprintf(stderr, "scann-worker: %s has no checkpoint yet; "
				"starting the job from the beginning\n", resume);
			resume = NULL;
		}
	}
	if (resume) {
		if (restore(resume, &prog, &ctx.rng, &r.ev, &r.err) != 0) {
			status = reject(&r, &r.err, "cannot resume:");
			goto out;
		}
		/* No event for the resumption itself: the resumed stream is the
		 * rest of the uninterrupted one (events.h, "Resumption"). */
		load_stream(resume, &r.ev);
		fprintf(stderr, "scann-worker: resuming from %s/checkpoint.json\n",
			resume);
	} else {
		scann_events_emit(&r.ev, "log",
				  json_pack("{s:s, s:s, s:O, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:o}}",
					    "level", "info", "message", "job accepted",
					    "spec", r.spec_json, "data",
					    "rows", (json_int_t)ds->rows,
					    "features", (json_int_t)ds->features,
					    "classes", (json_int_t)ds->classes,
					    "train", (json_int_t)split.n_train,
					    "validation", (json_int_t)split.n_val,
					    "test", (json_int_t)split.n_test,
					    /* as `scann-worker split` prints */
					    "digest", scann_split_digest_json(&split)));
	}

	/* 3. Run, stoppable at batch boundaries. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(spec.resources.timeout_s);
	if (dr_job) {
		rc = scann_study_run(&ctx, &study, &r.err);
		if (rc == 0) {
			/* The artefacts below read prog: hand the study's nets over. */
			prog.baseline = study.baseline;
			prog.best = study.model;
			study.baseline = study.model = NULL;
		}
	} else {
		rc = scann_scheme_run(&ctx, &prog, &r.err);
		if (rc == 0) {
			target = scann_stage_target_json(&ctx, &prog);
			/* No candidate met the target: ship the most accurate. */
			if (prog.best == NULL) {
				prog.best = prog.top;
				prog.top = NULL;
			}
		}
	}
	alarm(0);
	if (rc == SCANN_ECANCELED) {
		scann_events_emit_final(&r.ev, "log",
				  json_pack("{s:s, s:s, s:s, s:s}", "level", "warning",
					    "message", timed_out ?
					    "stopped: resources.timeout_s reached" :
					    "stopped by signal at a batch boundary",
					    "state", timed_out ? "timeout" : "cancelled",
					    "resume", out_dir));
		status = timed_out ? 1 : EXIT_STOPPED;
		save_stream(&r);
		goto out;
	}
	if (rc != 0) {
		scann_events_emit_final(&r.ev, "log",
					json_pack("{s:s, s:s, s:s}", "level", "error",
						  "message", r.err.message, "state",
						  "failed"));
		save_stream(&r);
		fprintf(stderr, "scann-worker: %s\n", r.err.message);
		goto out;
	}

	/* 4. Artefacts and the result. */
	{
		struct scann_summary bs, ss;
		json_t *data, *result, *report;
		json_t *split_j = json_object_get(r.spec_json, "split");

		if (dr_job) {
			bs = study.baseline_sum;
			ss = study.model_sum;
		} else {
			scann_stage_summarize(&ctx, prog.baseline, &bs);
			scann_stage_summarize(&ctx, prog.best, &ss);
		}
		scann_dataset_fingerprint(ds, fp);
		data = json_pack("{s:s, s:I, s:s, s:s, s:O, s:I, s:I, s:I}",
				 "source", spec.dataset, "rows", (json_int_t)ds->rows,
				 "label_column", spec.label_column,
				 "fingerprint", fp, "split", split_j,
				 "train", (json_int_t)split.n_train,
				 "validation", (json_int_t)split.n_val,
				 "test", (json_int_t)split.n_test);
		snprintf(path, sizeof(path), "%s/model.json", out_dir);
		rc = scann_model_save_dr(path, prog.best, &norm, study.model_dr, ds,
					 data, scann_stage_summary_json(&ss), &r.err);
		snprintf(path, sizeof(path), "%s/baseline.json", out_dir);
		if (rc == 0)
			rc = scann_model_save(path, prog.baseline, &norm, ds, data,
					      scann_stage_summary_json(&bs), &r.err);
		json_decref(data);
		if (rc != 0) {
			fprintf(stderr, "scann-worker: %s\n", r.err.message);
			goto out;
		}
		if (dr_job) {
			result = study.result;
			study.result = NULL;
			json_object_set_new(result, "model", json_string("model.json"));
			json_object_set_new(result, "baseline_model",
					    json_string("baseline.json"));
			json_object_set_new(result, "report", json_string("report.json"));
		} else {
			result = json_pack("{s:o, s:o, s:f, s:s, s:s, s:s, s:s, s:s}",
					   "baseline", scann_stage_summary_json(&bs),
					   "best", scann_stage_summary_json(&ss),
					   "compression", (double)bs.cost.params /
						   (double)(ss.cost.params ? ss.cost.params : 1),
					   "scheme", scann_scheme_name(spec.scheme),
					   "search", scann_search_name(spec.scann.search),
					   "model", "model.json", "baseline_model",
					   "baseline.json", "report", "report.json");
			json_object_update(result, target);
		}
		if (study.markdown != NULL) {
			FILE *md;

			snprintf(path, sizeof(path), "%s/report.md", out_dir);
			md = fopen(path, "w");
			if (md == NULL || fputs(study.markdown, md) < 0 || fclose(md) != 0) {
				json_decref(result);
				fprintf(stderr, "scann-worker: cannot write %s\n", path);
				goto out;
			}
			json_object_set_new(result, "report_md", json_string("report.md"));
		}
		if (timings) {
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			json_object_set_new(result, "elapsed_s",
					    json_real(ts.tv_sec + ts.tv_nsec * 1e-9 - ctx.t0));
		}
		report = json_deep_copy(result);
		json_object_set(report, "spec", r.spec_json);
		snprintf(path, sizeof(path), "%s/report.json", out_dir);
		rc = scann_json_write(path, report, 1, &r.err);
		json_decref(report);
		if (rc != 0) {
			json_decref(result);
			fprintf(stderr, "scann-worker: %s\n", r.err.message);
			goto out;
		}
		scann_events_emit(&r.ev, "result", result);
	}
	status = 0;
out:
	json_decref(target);
	scann_study_out_free(&study);
	scann_stage_progress_free(&prog);
	scann_norm_free(&norm);
	scann_split_free(&split);
	scann_dataset_free(ds);
	json_decref(r.spec_json);
	free(xn);
	free(text);
	return status;
}

const struct scann_cmd scann_cmd_run = {
	.name = "run",
	.summary = "run a synthesis job spec, printing NDJSON events",
	.run = run_run,
};
