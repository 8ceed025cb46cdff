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
 * the same way (state "timeout", exit 1).  A stop is bounded: when no batch
 * boundary comes within STOP_GRACE_MS of the signal (one batch of a huge
 * network, a DR fit, the export), the watchdog (watchdog.h) prints the
 * final event and exits with the same status; the run then resumes from
 * its last checkpoint.
 *
 * --max-memory caps the worker's address space (memcap.h); an allocation
 * past it fails the job with an error event that names the cap.
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

#include "blas_kernels.h"
#include "checkpoint.h"
#include "cmd.h"
#include "export.h"
#include "job/artifacts.h"
#include "memcap.h"
#include "job/dataset.h"
#include "model.h"
#include "normalize.h"
#include "par.h"
#include "scheme.h"
#include "snapshot.h"
#include "job/spec.h"
#include "job/split.h"
#include "job/split_digest.h"
#include "study.h"
#include "tar.h"
#include "watchdog.h"

/* OpenBLAS's thread control (not in cblas.h of every packaging). */
void openblas_set_num_threads(int num_threads);

#define EXIT_STOPPED 143	/* 128 + SIGTERM: stopped, resumable */
#define STOP_GRACE_MS 3000	/* from a stop signal to the forced exit */


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

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
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
		"  --dataset PATH use this CSV file or IDX directory instead of the\n"
		"                 spec's \"dataset\" (scannd's specs name a dataset id)\n"
		"  --energy MAC,SRAM,CMP\n"
		"                 energy per MAC, SRAM access and comparison in pJ for\n"
		"                 energy_nj (default the paper's 130 nm 11.8,34.6,6.16)\n"
		"  --snapshot-every SECONDS|off\n"
		"                 write DIR/training.snap, the training in progress,\n"
		"                 at the first epoch end SECONDS after the last\n"
		"                 checkpoint or snapshot (default 60; 0: every epoch),\n"
		"                 and at a stop when it can be written within 1 s;\n"
		"                 --resume then goes on from it\n"
		"  --max-memory BYTES\n"
		"                 cap the worker's address space (RLIMIT_AS; k, M, G\n"
		"                 suffixes; 0 = none): an allocation past it fails\n"
		"                 the job with an error event naming the cap\n"
		"  --timings      add wall-clock seconds (elapsed_s) to epoch and result\n"
		"                 events; without it one seed gives one byte-identical\n"
		"                 stream\n"
		"  -h, --help     show this help\n"
		"\n"
		"Exit status: 0 success; 1 the job failed (or hit resources.timeout_s);\n"
		"2 bad usage, invalid spec (the field is named) or unreadable data;\n"
		"143 stopped by SIGTERM or SIGINT at a batch boundary, or 3 s after the\n"
		"signal when none came (resumable).\n");
	return status;
}

/* One run: its options, the job's inputs, where it stands, its outputs. */
struct run {
	const char *spec_path, *dir, *resume, *dataset;
	int timings;
	size_t max_memory;	/* --max-memory; 0 = none */
	double snapshot_every;	/* --snapshot-every; < 0: off */
	struct scann_snapshots snap;	/* training snapshots (snapshot.h) */
	int started_over;	/* --resume found no checkpoint */
	char log_path[4096];	/* the event log (events.h) */
	struct scann_watchdog dog;
	struct scann_energy_model energy;
	char spec_file[4096];
	struct scann_events ev;
	struct scann_job_spec spec;
	json_t *spec_json;
	struct scann_error err;
	struct scann_dataset *ds;
	struct scann_split split;
	struct scann_norm norm;
	float *xn;		/* the features, normalised */
	struct scann_ctx ctx;
	struct scann_progress prog;
	struct scann_study_out study;
	json_t *target;		/* synthesize: target_met, target, pareto */
};

/*
 * Out of memory: an error event (state failed) that names the cap when one
 * is set, so the user knows the job, not the engine, is too big.
 */
static int out_of_memory(struct run *r, const char *what)
{
	char msg[256];
	size_t cap = scann_memcap_get();

	if (cap)
		snprintf(msg, sizeof(msg), "out of memory %s: the worker's "
			 "memory cap (--max-memory) is %zu MiB", what,
			 cap >> 20);
	else
		snprintf(msg, sizeof(msg), "out of memory %s", what);
	scann_events_emit_final(&r->ev, "log",
				json_pack("{s:s, s:s, s:s, s:s}", "level", "error",
					  "message", msg, "code", "ENOMEM",
					  "state", "failed"));
	fprintf(stderr, "scann-worker: %s\n", msg);
	return 1;
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

static int on_checkpoint(void *ctx, const struct scann_progress *p,
			 const struct scann_rng *rng)
{
	struct run *r = ctx;
	int rc = scann_checkpoint_save(r->dir, r->ev.seq, p, rng, &r->err);

	/* the trainings since the last checkpoint are not replayed any more */
	if (rc == 0)
		scann_snapshots_checkpointed(&r->snap);
	return rc;
}

static void artifact_path(char *out, size_t size, const struct run *r,
			  enum scann_artifact a)
{
	snprintf(out, size, "%s/%s", r->dir, scann_artifacts[a].file);
}

/* The command line; -1 to go on, else the exit status. */
static int parse_args(struct run *r, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return run_usage(stdout, 0);
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			r->dir = argv[++i];
		else if (strcmp(argv[i], "--resume") == 0 && i + 1 < argc)
			r->resume = argv[++i];
		else if (strcmp(argv[i], "--dataset") == 0 && i + 1 < argc)
			r->dataset = argv[++i];
		else if (strcmp(argv[i], "--timings") == 0)
			r->timings = 1;
		else if (strcmp(argv[i], "--snapshot-every") == 0 && i + 1 < argc) {
			const char *v = argv[++i];
			char *end;

			r->snapshot_every = strcmp(v, "off") == 0 ? -1.0 :
				strtod(v, &end);
			if (strcmp(v, "off") != 0 &&
			    (end == v || *end != '\0' || !(r->snapshot_every >= 0))) {
				fprintf(stderr, "scann-worker: --snapshot-every "
					"wants seconds (0: every epoch) or 'off', "
					"not '%s'\n", v);
				return 2;
			}
		}
		else if ((strcmp(argv[i], "--max-memory") == 0 && i + 1 < argc) ||
			 strncmp(argv[i], "--max-memory=", 13) == 0) {
			const char *v = argv[i][12] == '=' ? argv[i] + 13 :
				argv[++i];

			if (scann_memcap_parse(v, &r->max_memory) != 0) {
				fprintf(stderr, "scann-worker: --max-memory wants "
					"a byte count (k, M or G suffix), not "
					"'%s'\n", v);
				return 2;
			}
		}
		else if (strcmp(argv[i], "--energy") == 0 && i + 1 < argc) {
			struct scann_energy_model *e = &r->energy;
			char tail;

			if (sscanf(argv[++i], "%lf,%lf,%lf%c", &e->mac_pj,
				   &e->sram_pj, &e->cmp_pj, &tail) != 3 ||
			    e->mac_pj < 0 || e->sram_pj < 0 || e->cmp_pj < 0) {
				fprintf(stderr, "scann-worker: --energy wants "
					"MAC,SRAM,CMP in pJ, e.g. 11.8,34.6,6.16\n");
				return 2;
			}
		}
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return run_usage(stderr, 2);
		else if (r->spec_path == NULL)
			r->spec_path = argv[i];
		else
			return run_usage(stderr, 2);
	}
	if (r->resume) {
		r->dir = r->resume;
		snprintf(r->spec_file, sizeof(r->spec_file), "%s/%s", r->resume,
			 scann_artifacts[SCANN_ARTIFACT_SPEC].file);
		r->spec_path = r->spec_file;
	}
	if (r->spec_path == NULL)
		return run_usage(stderr, 2);
	if (r->dir == NULL)
		r->dir = "scann-out";
	r->ev.timings = r->timings;
	return -1;
}

/* 1. The spec: refuse a bad one before any work. */
static int read_spec(struct run *r)
{
	if (scann_spec_load(r->spec_path, &r->spec, &r->err) != 0) {
		if (r->err.code == SCANN_EINVAL)
			return reject(r, &r->err, "invalid spec:");
		fprintf(stderr, "scann-worker: %s\n", r->err.message);
		return r->err.code == SCANN_ENOMEM ? 1 : 2;
	}
	/* scannd keeps the dataset's id in the spec and names its file here. */
	if (r->dataset)
		snprintf(r->spec.dataset, sizeof(r->spec.dataset), "%s",
			 r->dataset);
	return 0;
}

/*
 * A job with a front: the images' shape (the spec's front.input, else the
 * IDX data's own), which the front's layers must fit; and one range for
 * every pixel, so the normalisation scales images without reshaping them
 * (per-pixel ranges would stretch the faint border pixels).
 */
static int front_shape(struct run *r)
{
	const struct scann_front_spec *f = &r->spec.front;
	struct scann_norm *nm = &r->norm;
	uint32_t c = f->channels, h = f->height, w = f->width;
	float lo, hi;

	if (c == 0) {
		c = r->ds->channels;
		h = r->ds->height;
		w = r->ds->width;
	}
	if (c == 0 || (uint64_t)c * h * w != r->ds->features) {
		struct scann_error e;

		if (c == 0)
			scann_error_set(&e, SCANN_EINVAL, "front.input",
					"the data are not images (CSV): front.input "
					"must give [channels, height, width] of its "
					"%u features", r->ds->features);
		else
			scann_error_set(&e, SCANN_EINVAL, "front.input",
					"front.input: %u x %u x %u images do not "
					"match the data's %u features", c, h, w,
					r->ds->features);
		return reject(r, &e, "invalid spec:");
	}
	if (scann_front_outputs(f, c, h, w, &r->err) == 0)
		return reject(r, &r->err, "invalid spec:");
	r->ctx.image_c = c;
	r->ctx.image_h = h;
	r->ctx.image_w = w;
	lo = nm->min[0];
	hi = nm->max[0];
	for (uint32_t k = 1; k < nm->features; k++) {
		lo = nm->min[k] < lo ? nm->min[k] : lo;
		hi = nm->max[k] > hi ? nm->max[k] : hi;
	}
	for (uint32_t k = 0; k < nm->features; k++) {
		nm->min[k] = lo;
		nm->max[k] = hi;
	}
	return 0;
}

/* 2. Data, split, normalisation (fitted on the training rows only). */
static int prepare_data(struct run *r)
{
	const struct scann_job_spec *spec = &r->spec;
	char path[4096];

	if (scann_dataset_load(spec->dataset, spec->label_column[0] ?
			       spec->label_column : NULL, &r->ds, &r->err) != 0) {
		snprintf(r->err.field, sizeof(r->err.field), "dataset");
		return r->err.code == SCANN_ENOMEM ?
			out_of_memory(r, "loading the dataset") :
			reject(r, &r->err, "dataset:");
	}
	if (scann_split_make(r->ds, &spec->split, &r->split, &r->err) != 0)
		return reject(r, &r->err, "invalid split:");
	r->xn = malloc((size_t)r->ds->rows * r->ds->features * sizeof(float) + 1);
	if (r->xn == NULL || scann_norm_fit(&r->norm, r->ds->x, r->ds->features,
					    r->split.train, r->split.n_train) != 0)
		return out_of_memory(r, "normalising the dataset");
	if (spec->front.enabled) {
		int rc = front_shape(r);

		if (rc != 0)
			return rc;
	}
	scann_norm_apply(&r->norm, r->ds->x, r->ds->rows, r->xn);
	if (mkdir_p(r->dir) != 0) {
		fprintf(stderr, "scann-worker: cannot create %s: %s\n", r->dir,
			strerror(errno));
		return 1;
	}
	r->spec_json = scann_spec_to_json(spec);
	if (!r->resume) {
		artifact_path(path, sizeof(path), r, SCANN_ARTIFACT_SPEC);
		if (scann_json_write(path, r->spec_json, 1, &r->err) != 0) {
			fprintf(stderr, "scann-worker: %s\n", r->err.message);
			return 1;
		}
	}
	return 0;
}

static void setup_ctx(struct run *r)
{
	struct scann_ctx *ctx = &r->ctx;
	struct timespec ts;

	openblas_set_num_threads((int)r->spec.resources.threads);
	scann_par_set_threads(r->spec.resources.threads);
	ctx->spec = &r->spec;
	ctx->data.x = r->xn;
	ctx->data.y = r->ds->y;
	ctx->data.features = r->ds->features;
	ctx->data.classes = r->ds->classes;
	ctx->split = &r->split;
	ctx->ev = &r->ev;
	ctx->energy = r->energy;
	ctx->sparse_below = SCANN_SPARSE_BELOW;
	ctx->checkpoint = on_checkpoint;
	ctx->checkpoint_ctx = r;
	{
		char fp[17];

		scann_dataset_fingerprint(r->ds, fp);
		scann_snapshots_init(&r->snap, r->dir, r->snapshot_every,
				     scann_snapshot_job_hash(r->spec_json, fp),
				     &r->ev);
		ctx->train_hook = &r->snap.hook;
	}
	/* A DR job's shares are the study's (study.c); these synthesize's. */
	scann_stage_set_span(ctx, 0.0, 1.0);
	ctx->baseline_share = SCANN_BASELINE_SHARE;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ctx->t0 = ts.tv_sec + ts.tv_nsec * 1e-9;
	scann_rng_seed(&ctx->rng, r->spec.train.seed);
}

/* Tee the printed stream to the job's event log (events.h). */
static void open_log(struct run *r, int append)
{
	artifact_path(r->log_path, sizeof(r->log_path), r,
		      SCANN_ARTIFACT_EVENTS);
	scann_events_log_open(&r->ev, r->log_path, append);
}

/* From the checkpoint, if there is one; else the "job accepted" event. */
static int start_or_resume(struct run *r)
{
	char path[4096];

	if (r->resume && !scann_checkpoint_exists(r->resume)) {
		/* Stopped before the first checkpoint: start over, the events
		 * printed before skipped (events.h, "Resumption"). */
		scann_checkpoint_load_stream(r->resume, &r->ev);
		fprintf(stderr, "scann-worker: %s has no checkpoint yet; "
			"starting the job from the beginning\n", r->resume);
		r->resume = NULL;
		r->started_over = 1;
	}
	if (r->resume) {
		if (scann_checkpoint_load(r->resume, &r->prog, &r->ctx.rng,
					  &r->ev, &r->err) != 0)
			return reject(r, &r->err, "cannot resume:");
		/* No event for the resumption itself: the resumed stream is the
		 * rest of the uninterrupted one (events.h, "Resumption"). */
		scann_checkpoint_load_stream(r->resume, &r->ev);
		fprintf(stderr, "scann-worker: resuming from %s/%s\n", r->resume,
			scann_artifacts[SCANN_ARTIFACT_CHECKPOINT].file);
		/* Events a crash may have kept from the consumer, again. */
		artifact_path(path, sizeof(path), r, SCANN_ARTIFACT_EVENTS);
		scann_events_replay(&r->ev, path);
		open_log(r, 1);
		/* a training the stopped run was in the middle of */
		scann_snapshots_resume(&r->snap);
		return 0;
	}
	open_log(r, r->started_over);
	if (r->started_over)
		scann_snapshots_resume(&r->snap);
	else
		scann_snapshots_discard(&r->snap);	/* an older run's */
	scann_events_emit(&r->ev, "log",
			  json_pack("{s:s, s:s, s:O, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:o}, s:s}",
				    "level", "info", "message", "job accepted",
				    "spec", r->spec_json, "data",
				    "rows", (json_int_t)r->ds->rows,
				    "features", (json_int_t)r->ds->features,
				    "classes", (json_int_t)r->ds->classes,
				    "train", (json_int_t)r->split.n_train,
				    "validation", (json_int_t)r->split.n_val,
				    "test", (json_int_t)r->split.n_test,
				    /* as `scann-worker split` prints */
				    "digest", scann_split_digest_json(&r->split),
				    /* the kernels decide the last bits of every result */
				    "blas", scann_blas_core()));
	return 0;
}

static int is_dr_job(const struct run *r)
{
	return r->spec.task == SCANN_TASK_STUDY || r->spec.dr.enabled;
}

/*
 * 3. Run, stoppable at batch boundaries.  Returns -1 when the job is done,
 * else the exit status (stopped, timed out, failed), its final event
 * printed.
 */
static int run_stages(struct run *r)
{
	int rc;

	alarm(r->spec.resources.timeout_s);
	if (is_dr_job(r)) {
		rc = scann_study_run(&r->ctx, &r->study, &r->err);
		if (rc == 0) {
			/* The artefacts read prog: hand the study's nets over. */
			r->prog.baseline = r->study.baseline;
			r->prog.best = r->study.model;
			r->study.baseline = r->study.model = NULL;
		}
	} else {
		rc = scann_scheme_run(&r->ctx, &r->prog, &r->err);
		if (rc == 0) {
			r->target = scann_stage_target_json(&r->ctx, &r->prog);
			/* No candidate met the target: ship the most accurate. */
			if (r->prog.best == NULL) {
				r->prog.best = r->prog.top;
				r->prog.top = NULL;
			}
		}
	}
	alarm(0);
	if (rc == SCANN_ECANCELED) {
		scann_events_emit_final(&r->ev, "log",
				  json_pack("{s:s, s:s, s:s, s:s}", "level", "warning",
					    "message", timed_out ?
					    "stopped: resources.timeout_s reached" :
					    "stopped by signal at a batch boundary",
					    "state", timed_out ? "timeout" : "cancelled",
					    "resume", r->dir));
		scann_checkpoint_save_stream(r->dir, &r->ev);
		return timed_out ? 1 : EXIT_STOPPED;
	}
	if (rc == SCANN_ENOMEM) {
		rc = out_of_memory(r, "training");
		scann_checkpoint_save_stream(r->dir, &r->ev);
		return rc;
	}
	if (rc != 0) {
		scann_events_emit_final(&r->ev, "log",
					json_pack("{s:s, s:s, s:s}", "level", "error",
						  "message", r->err.message, "state",
						  "failed"));
		scann_checkpoint_save_stream(r->dir, &r->ev);
		fprintf(stderr, "scann-worker: %s\n", r->err.message);
		return 1;
	}
	return -1;
}

/* The model files: what was shipped and the baseline, with their data. */
static int save_models(struct run *r, const struct scann_summary *bs,
		       const struct scann_summary *ss)
{
	char path[4096], fp[17];
	json_t *data;
	int rc;

	scann_dataset_fingerprint(r->ds, fp);
	data = json_pack("{s:s, s:I, s:s, s:s, s:O, s:I, s:I, s:I}",
			 "source", r->spec.dataset, "rows", (json_int_t)r->ds->rows,
			 "label_column", r->spec.label_column,
			 "fingerprint", fp,
			 "split", json_object_get(r->spec_json, "split"),
			 "train", (json_int_t)r->split.n_train,
			 "validation", (json_int_t)r->split.n_val,
			 "test", (json_int_t)r->split.n_test);
	artifact_path(path, sizeof(path), r, SCANN_ARTIFACT_MODEL);
	rc = scann_model_save_dr(path, r->prog.best, &r->norm, r->study.model_dr,
				 r->ds, data, scann_stage_summary_json(ss), &r->err);
	artifact_path(path, sizeof(path), r, SCANN_ARTIFACT_BASELINE);
	if (rc == 0)
		rc = scann_model_save(path, r->prog.baseline, &r->norm, r->ds, data,
				      scann_stage_summary_json(bs), &r->err);
	json_decref(data);
	if (rc != 0)
		fprintf(stderr, "scann-worker: %s\n", r->err.message);
	return rc;
}

/*
 * The network shipped, as C: float and int8, each NAME.h and NAME.c in one
 * tar.  A model that cannot be exported (a landmark DR) is said in the
 * result, not an error of the job.
 */
static json_t *export_c(struct run *r)
{
	static const struct {
		enum scann_export_format format;
		enum scann_artifact artifact;
		const char *key;
	} forms[] = {
		{ SCANN_EXPORT_C, SCANN_ARTIFACT_MODEL_C, "c" },
		{ SCANN_EXPORT_C_INT8, SCANN_ARTIFACT_MODEL_C_INT8, "c-int8" },
	};
	json_t *out = json_object();
	char model[4096], path[4096];

	artifact_path(model, sizeof(model), r, SCANN_ARTIFACT_MODEL);
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct scann_export_request rq = {
			.model_path = model, .data_path = r->spec.dataset,
			.name = "scann_model", .format = forms[i].format,
		};
		char *hbuf = NULL, *cbuf = NULL;
		size_t hlen = 0, clen = 0;
		FILE *h = open_memstream(&hbuf, &hlen);
		FILE *c = open_memstream(&cbuf, &clen);
		struct scann_error err;
		json_t *sum = NULL;
		int rc = h && c ? scann_export_model(&rq, h, c, &sum, &err) :
			scann_error_set(&err, SCANN_ENOMEM, NULL, "out of memory");

		if (h)
			fclose(h);
		if (c)
			fclose(c);
		if (rc == 0) {
			struct scann_tar_member m[] = {
				{ "scann_model.h", hbuf, hlen },
				{ "scann_model.c", cbuf, clen },
			};

			artifact_path(path, sizeof(path), r, forms[i].artifact);
			rc = scann_tar_write(path, m, 2, &err);
		}
		if (rc == 0)
			json_object_set_new(sum, "file", json_string(
				scann_artifacts[forms[i].artifact].file));
		else
			json_object_set_new(out, forms[i].key,
					    json_pack("{s:s}", "error", err.message));
		if (rc == 0)
			json_object_set_new(out, forms[i].key, sum);
		else
			json_decref(sum);
		free(hbuf);
		free(cbuf);
	}
	return out;
}

/* The result event's body, the artefacts it names included. */
static json_t *result_json(struct run *r, const struct scann_summary *bs,
			   const struct scann_summary *ss)
{
	const struct scann_artifact_info *a = scann_artifacts;
	json_t *result;

	if (is_dr_job(r)) {
		result = r->study.result;
		r->study.result = NULL;
	} else {
		result = json_pack("{s:o, s:o, s:f, s:s, s:s}",
				   "baseline", scann_stage_summary_json(bs),
				   "best", scann_stage_summary_json(ss),
				   "compression", (double)bs->cost.params /
					   (double)(ss->cost.params ? ss->cost.params : 1),
				   "scheme", scann_scheme_name(r->spec.scheme),
				   "search", scann_search_name(r->spec.scann.search));
	}
	json_object_set_new(result, "model",
			    json_string(a[SCANN_ARTIFACT_MODEL].file));
	json_object_set_new(result, "baseline_model",
			    json_string(a[SCANN_ARTIFACT_BASELINE].file));
	json_object_set_new(result, "report",
			    json_string(a[SCANN_ARTIFACT_REPORT].file));
	json_object_set_new(result, "model_c", export_c(r));
	if (r->target)
		json_object_update(result, r->target);
	return result;
}

/* 4. Artefacts and the result. */
static int write_result(struct run *r)
{
	struct scann_summary bs, ss;
	json_t *result, *report;
	char path[4096];
	int rc;

	if (is_dr_job(r)) {
		bs = r->study.baseline_sum;
		ss = r->study.model_sum;
	} else {
		scann_stage_summarize(&r->ctx, r->prog.baseline, &bs);
		scann_stage_summarize(&r->ctx, r->prog.best, &ss);
	}
	if (save_models(r, &bs, &ss) != 0)
		return 1;
	result = result_json(r, &bs, &ss);
	if (r->study.markdown != NULL) {
		FILE *md;

		artifact_path(path, sizeof(path), r, SCANN_ARTIFACT_REPORT_MD);
		md = fopen(path, "w");
		if (md == NULL || fputs(r->study.markdown, md) < 0 ||
		    fclose(md) != 0) {
			json_decref(result);
			fprintf(stderr, "scann-worker: cannot write %s\n", path);
			return 1;
		}
		json_object_set_new(result, "report_md", json_string(
			scann_artifacts[SCANN_ARTIFACT_REPORT_MD].file));
	}
	if (r->timings) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		json_object_set_new(result, "elapsed_s",
				    json_real(ts.tv_sec + ts.tv_nsec * 1e-9 -
					      r->ctx.t0));
	}
	report = json_deep_copy(result);
	json_object_set(report, "spec", r->spec_json);
	artifact_path(path, sizeof(path), r, SCANN_ARTIFACT_REPORT);
	rc = scann_json_write(path, report, 1, &r->err);
	json_decref(report);
	if (rc != 0) {
		json_decref(result);
		fprintf(stderr, "scann-worker: %s\n", r->err.message);
		return 1;
	}
	scann_events_emit(&r->ev, "result", result);
	return 0;
}

static void run_free(struct run *r)
{
	if (r->ev.log)
		fclose(r->ev.log);
	json_decref(r->target);
	scann_study_out_free(&r->study);
	scann_stage_progress_free(&r->prog);
	scann_norm_free(&r->norm);
	scann_split_free(&r->split);
	scann_dataset_free(r->ds);
	json_decref(r->spec_json);
	free(r->xn);
}

/*
 * The watchdog's forced stop: no batch boundary came in time.  The final
 * event and the stream file are what a stop at a boundary writes (the
 * stream's lock makes the event the last line); the run resumes from its
 * last checkpoint.
 */
static void force_stop(void *ctx)
{
	struct run *r = ctx;

	flockfile(r->ev.out);
	scann_events_emit_final(&r->ev, "log",
			  json_pack("{s:s, s:s, s:s, s:s}", "level", "warning",
				    "message", timed_out ?
				    "stopped: resources.timeout_s reached (mid-step; "
				    "resumes from the last checkpoint)" :
				    "stopped by signal mid-step (resumes from the "
				    "last checkpoint)",
				    "state", timed_out ? "timeout" : "cancelled",
				    "resume", r->dir));
	scann_checkpoint_save_stream(r->dir, &r->ev);
	fprintf(stderr, "scann-worker: no batch boundary within %d ms of the "
		"stop; stopped mid-step\n", STOP_GRACE_MS);
	_exit(timed_out ? 1 : EXIT_STOPPED);
}

static int run_run(int argc, char **argv)
{
	struct run *r = calloc(1, sizeof(*r));
	int status;

	if (r == NULL) {
		fprintf(stderr, "scann-worker: out of memory\n");
		return 1;
	}
	r->ev.out = stdout;
	r->energy = SCANN_ENERGY_130NM;
	r->snapshot_every = SCANN_SNAPSHOT_EVERY_S;
	status = parse_args(r, argc, argv);
	if (status >= 0)
		goto done;
	if (scann_memcap_set(r->max_memory, &r->err) != 0) {
		fprintf(stderr, "scann-worker: %s\n", r->err.message);
		status = 2;
		goto done;
	}
	/* Signals are caught from the start, so a stop during the data's
	 * load is bounded too. */
	install_signals();
	scann_watchdog_start(&r->dog, STOP_GRACE_MS, force_stop, r);
	status = read_spec(r);
	if (status == 0)
		status = prepare_data(r);
	if (status == 0) {
		setup_ctx(r);
		status = start_or_resume(r);
	}
	if (status == 0)
		status = run_stages(r);
	if (status < 0)
		status = write_result(r);
	if (status == 0)
		scann_snapshots_discard(&r->snap);
	if (r->resume || r->started_over)
		fprintf(stderr, "scann-worker: %llu epochs trained in this run, "
			"%llu restored from training snapshots\n",
			(unsigned long long)r->snap.epochs_trained,
			(unsigned long long)r->snap.epochs_restored);
	scann_watchdog_end(&r->dog);
	alarm(0);
done:
	run_free(r);
	free(r);
	return status;
}

const struct scann_cmd scann_cmd_run = {
	.name = "run",
	.summary = "run a synthesis job spec, printing NDJSON events",
	.run = run_run,
};
