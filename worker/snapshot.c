/*
 * snapshot.c -- DIR/training.snap (see snapshot.h).
 *
 * The file: struct snap_head (native endianness: a snapshot resumes on the
 * machine, or the kind of machine, that wrote it), then the arrays --
 * order (uint32 x n), param, m, v (Adam only), best (early stopping only),
 * then the front's fparam, fm, fv, fbest likewise (float32) -- then a
 * checksum over the header and the arrays: FNV-1a over 64-bit words (a
 * changed word always changes it; it guards against a torn or damaged file,
 * not against a forger).  It is written to DIR/training.snap.tmp, flushed
 * to disk and renamed, so a reader sees the previous snapshot or the new
 * one, whole.
 */
#define _DEFAULT_SOURCE
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "job/artifacts.h"

#define SNAP_FNV_OFFSET 0xcbf29ce484222325ULL
#define SNAP_FNV_PRIME 0x100000001b3ULL
/* Write speed assumed for a stop's snapshot before one was measured. */
#define SNAP_ASSUMED_BPS (100.0 * 1024 * 1024)
#define SNAP_CHUNK (1u << 20)

static const char snap_magic[8] = {'S', 'C', 'A', 'N', 'N', 'S', 'N', '1'};

enum {
	SNAP_ADAM = 1,		/* v and fv are in the file */
	SNAP_EARLY_STOP = 2,	/* best and fbest are */
	SNAP_BY_LOSS = 4,
	SNAP_MID_EPOCH = 8,
	SNAP_FINISHED = 16,
};

struct snap_head {
	char magic[8];
	/* whose: the job, the checkpoint it follows, the training */
	uint64_t job_hash, anchor, seq_start, start_hash;
	uint32_t ordinal, epochs, n, flags;
	uint64_t n_param, fn_param;
	uint32_t patience, es_n;
	/* where the training stands */
	uint64_t seq;			/* the event counter */
	uint64_t step;
	uint64_t rng[4];
	uint32_t epoch, row, since, epochs_run, best_epoch, pad;
	double loss_sum, best_acc, best_loss, last_acc;
	uint64_t payload;		/* bytes of arrays after the header */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * FNV-1a over 64-bit words, streamed: the bytes may come in pieces of any
 * size (the arrays when written, 1 MiB chunks when checked) and hash the
 * same; a last partial word goes in byte by byte.
 */
struct hasher {
	uint64_t h;
	unsigned char tail[8];
	unsigned nt;
};

static void hash_init(struct hasher *x)
{
	x->h = SNAP_FNV_OFFSET;
	x->nt = 0;
}

static void hash_word(struct hasher *x, const unsigned char *b)
{
	uint64_t w;

	memcpy(&w, b, 8);
	x->h ^= w;
	x->h *= SNAP_FNV_PRIME;
}

static void hash_add(struct hasher *x, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n > 0 && x->nt > 0) {
		x->tail[x->nt++] = *b++;
		n--;
		if (x->nt == 8) {
			hash_word(x, x->tail);
			x->nt = 0;
		}
	}
	for (; n >= 8; b += 8, n -= 8)
		hash_word(x, b);
	memcpy(x->tail, b, n);
	x->nt = (unsigned)n;
}

static uint64_t hash_end(struct hasher *x)
{
	for (unsigned k = 0; k < x->nt; k++) {
		x->h ^= x->tail[k];
		x->h *= SNAP_FNV_PRIME;
	}
	x->nt = 0;
	return x->h;
}

uint64_t scann_snapshot_job_hash(const json_t *spec, const char *fingerprint)
{
	json_t *copy = json_deep_copy(spec);
	char *text;
	struct hasher h;

	if (copy == NULL)
		return 0;
	hash_init(&h);
	json_object_del(copy, "dataset");
	text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS |
				 JSON_REAL_PRECISION(17));
	if (text)
		hash_add(&h, text, strlen(text));
	hash_add(&h, fingerprint, strlen(fingerprint));
	free(text);
	json_decref(copy);
	return hash_end(&h);
}

/* The arrays of a state, in file order; NULL entries are not in it. */
struct snap_part {
	void *p;
	size_t bytes;
};

static int parts_of(const struct scann_train_state *st, struct snap_part *out)
{
	int k = 0, adam = st->adam, es = st->es != NULL;

	out[k++] = (struct snap_part){ st->order, (size_t)st->n * sizeof(uint32_t) };
	out[k++] = (struct snap_part){ st->param, st->n_param * sizeof(float) };
	out[k++] = (struct snap_part){ st->m, st->n_param * sizeof(float) };
	if (adam)
		out[k++] = (struct snap_part){ st->v, st->n_param * sizeof(float) };
	if (es)
		out[k++] = (struct snap_part){ st->best, st->n_param * sizeof(float) };
	if (st->fn_param) {
		size_t fb = st->fn_param * sizeof(float);

		out[k++] = (struct snap_part){ st->fparam, fb };
		out[k++] = (struct snap_part){ st->fm, fb };
		if (adam)
			out[k++] = (struct snap_part){ st->fv, fb };
		if (es)
			out[k++] = (struct snap_part){ st->fbest, fb };
	}
	return k;
}

/* Bytes of arrays a header announces (what parts_of would give). */
static uint64_t payload_of(const struct snap_head *h)
{
	uint64_t per = 2 + !!(h->flags & SNAP_ADAM) + !!(h->flags & SNAP_EARLY_STOP);

	return (uint64_t)h->n * sizeof(uint32_t) +
	       per * (h->n_param + h->fn_param) * sizeof(float);
}

void scann_snapshots_discard(struct scann_snapshots *s)
{
	char tmp[4200];

	snprintf(tmp, sizeof(tmp), "%s.tmp", s->path);
	unlink(s->path);
	unlink(tmp);
	s->pending = 0;
}

/*
 * Refuse the snapshot: a warning event outside the regenerated stream
 * (numbered as a stop's final event is, and remembered in stream.json, so
 * the numbering stays gap-free), the same on stderr, and the file removed.
 */
static void refuse(struct scann_snapshots *s, const char *reason)
{
	char msg[4600];

	snprintf(msg, sizeof(msg), "training snapshot %s refused: %s; the "
		 "training is replayed from the last checkpoint", s->path,
		 reason);
	scann_events_emit_final(s->ev, "log",
				json_pack("{s:s, s:s, s:s, s:s}", "level",
					  "warning", "message", msg, "file",
					  scann_artifacts[SCANN_ARTIFACT_SNAPSHOT].file,
					  "reason", reason));
	scann_checkpoint_save_stream(s->dir, s->ev);
	fprintf(stderr, "scann-worker: %s\n", msg);
	scann_snapshots_discard(s);
}

/*
 * Read and check the header of f (file size, job, checkpoint); with
 * whole, the checksum over the file too.  0, or -1 with *why set.
 */
static int check_file(struct scann_snapshots *s, FILE *f, struct snap_head *h,
		      int whole, char *why, size_t why_size)
{
	struct stat sb;
	uint64_t want, trailer;
	struct hasher sum;
	unsigned char *buf;

	sb.st_size = 0;
	if (fstat(fileno(f), &sb) != 0 || fread(h, sizeof(*h), 1, f) != 1) {
		snprintf(why, why_size, "truncated: %lld bytes, shorter than its "
			 "header", (long long)sb.st_size);
		return -1;
	}
	if (memcmp(h->magic, snap_magic, sizeof(snap_magic)) != 0) {
		snprintf(why, why_size, "not a training snapshot (bad magic)");
		return -1;
	}
	want = sizeof(*h) + payload_of(h) + sizeof(uint64_t);
	if (h->payload != payload_of(h) || (uint64_t)sb.st_size != want) {
		snprintf(why, why_size, "truncated or padded: %lld bytes, its "
			 "header announces %llu", (long long)sb.st_size,
			 (unsigned long long)want);
		return -1;
	}
	if (h->job_hash != s->job_hash) {
		snprintf(why, why_size, "it belongs to another job (the spec or "
			 "the data differ)");
		return -1;
	}
	if (h->anchor != s->anchor) {
		snprintf(why, why_size, "stale: it follows the checkpoint at "
			 "event %llu, the job resumes from event %llu",
			 (unsigned long long)h->anchor,
			 (unsigned long long)s->anchor);
		return -1;
	}
	if (!whole)
		return 0;
	buf = malloc(SNAP_CHUNK);
	if (buf == NULL) {
		snprintf(why, why_size, "out of memory checking it");
		return -1;
	}
	hash_init(&sum);
	hash_add(&sum, h, sizeof(*h));
	for (uint64_t left = h->payload; left > 0;) {
		size_t k = left < SNAP_CHUNK ? (size_t)left : SNAP_CHUNK;

		if (fread(buf, 1, k, f) != k)
			break;
		hash_add(&sum, buf, k);
		left -= k;
	}
	free(buf);
	if (fread(&trailer, sizeof(trailer), 1, f) != 1 ||
	    trailer != hash_end(&sum)) {
		snprintf(why, why_size, "corrupt: its checksum does not match");
		return -1;
	}
	return 0;
}

void scann_snapshots_resume(struct scann_snapshots *s)
{
	struct snap_head h;
	char why[512];
	FILE *f;

	s->anchor = s->ev->seq;
	s->pending = 0;
	f = fopen(s->path, "rb");
	if (f == NULL)
		return;		/* none: the usual resume */
	if (check_file(s, f, &h, 1, why, sizeof(why)) != 0) {
		fclose(f);
		refuse(s, why);
		return;
	}
	fclose(f);
	s->pending = 1;
	s->pending_ordinal = h.ordinal;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Whether order holds the same rows as rows: a permutation of them. */
static int same_rows(const uint32_t *order, const uint32_t *rows, uint32_t n)
{
	uint32_t *x = malloc(((size_t)n + 1) * 2 * sizeof(uint32_t)), *y;
	int same;

	if (x == NULL)
		return 0;
	y = x + n + 1;
	memcpy(x, order, n * sizeof(uint32_t));
	memcpy(y, rows, n * sizeof(uint32_t));
	qsort(x, n, sizeof(uint32_t), cmp_u32);
	qsort(y, n, sizeof(uint32_t), cmp_u32);
	same = memcmp(x, y, n * sizeof(uint32_t)) == 0;
	free(x);
	return same;
}

/* The identity of a training at its start: weights, generator, rows. */
static uint64_t start_hash(const struct scann_train_state *st)
{
	struct hasher h;

	hash_init(&h);
	hash_add(&h, st->rng->s, sizeof(st->rng->s));
	hash_add(&h, st->order, (size_t)st->n * sizeof(uint32_t));
	hash_add(&h, st->param, st->n_param * sizeof(float));
	if (st->fn_param)
		hash_add(&h, st->fparam, st->fn_param * sizeof(float));
	return hash_end(&h);
}

static uint32_t flags_of(const struct scann_train_state *st)
{
	return (st->adam ? SNAP_ADAM : 0) | (st->es ? SNAP_EARLY_STOP : 0) |
	       (st->es && st->es->by_loss ? SNAP_BY_LOSS : 0);
}

/*
 * The pending snapshot into *st, the training it belongs to having begun:
 * 1 restored, 0 refused before anything changed, -1 refused after the
 * arrays were written into.
 */
static int restore(struct scann_snapshots *s, struct scann_train_state *st)
{
	struct snap_head h;
	struct snap_part part[9];
	char why[512];
	uint32_t *rows = NULL;
	uint64_t trailer;
	struct hasher sum;
	int k, ok = 1;
	FILE *f = fopen(s->path, "rb");

	if (f == NULL) {
		snprintf(why, sizeof(why), "cannot open it: %s", strerror(errno));
		refuse(s, why);
		return 0;
	}
	if (check_file(s, f, &h, 0, why, sizeof(why)) != 0)
		goto refused;
	/* the very training: where it began, its start, its shape */
	if (h.ordinal != s->cur_ordinal || h.seq_start != s->cur_seq_start ||
	    h.start_hash != s->cur_start_hash) {
		snprintf(why, sizeof(why), "training %u of the step began "
			 "differently (event %llu, weights and generator hash "
			 "%016llx; the snapshot's: event %llu, %016llx)",
			 s->cur_ordinal, (unsigned long long)s->cur_seq_start,
			 (unsigned long long)s->cur_start_hash,
			 (unsigned long long)h.seq_start,
			 (unsigned long long)h.start_hash);
		goto refused;
	}
	if (h.epochs != st->epochs || h.n != st->n ||
	    h.n_param != st->n_param || h.fn_param != st->fn_param ||
	    (h.flags & (SNAP_ADAM | SNAP_EARLY_STOP | SNAP_BY_LOSS)) !=
	    flags_of(st) || (st->es && (h.patience != st->es->patience ||
					h.es_n != st->es->n)) ||
	    h.epoch > h.epochs || h.row > h.n || h.seq < h.seq_start) {
		snprintf(why, sizeof(why), "its training's shape differs (%u "
			 "epochs, %u rows, %llu + %llu parameters)", h.epochs,
			 h.n, (unsigned long long)h.n_param,
			 (unsigned long long)h.fn_param);
		goto refused;
	}
	rows = malloc(((size_t)st->n + 1) * sizeof(uint32_t));
	if (rows == NULL) {
		snprintf(why, sizeof(why), "out of memory reading it");
		goto refused;
	}
	memcpy(rows, st->order, (size_t)st->n * sizeof(uint32_t));
	/* From here the arrays are written: a failure restarts the training. */
	hash_init(&sum);
	hash_add(&sum, &h, sizeof(h));
	k = parts_of(st, part);
	for (int i = 0; i < k && ok; i++) {
		ok = fread(part[i].p, 1, part[i].bytes, f) == part[i].bytes;
		hash_add(&sum, part[i].p, part[i].bytes);
	}
	if (!ok || fread(&trailer, sizeof(trailer), 1, f) != 1 ||
	    trailer != hash_end(&sum) || !same_rows(st->order, rows, st->n)) {
		fclose(f);
		free(rows);
		refuse(s, "it changed or could not be read while it was loaded");
		return -1;
	}
	fclose(f);
	free(rows);
	st->epoch = h.epoch;
	st->mid_epoch = !!(h.flags & SNAP_MID_EPOCH);
	st->row = h.row;
	st->loss_sum = h.loss_sum;
	st->finished = !!(h.flags & SNAP_FINISHED);
	st->step = h.step;
	st->since = h.since;
	memcpy(st->rng->s, h.rng, sizeof(h.rng));
	if (st->es) {
		st->es->epochs_run = h.epochs_run;
		st->es->best_epoch = h.best_epoch;
		st->es->best_acc = h.best_acc;
		st->es->best_loss = h.best_loss;
		st->es->last_acc = h.last_acc;
	}
	/* the epoch events of the epochs spared were printed before */
	s->ev->seq = h.seq;
	s->epochs_restored += h.epoch;
	s->restored_at++;
	fprintf(stderr, "scann-worker: training %u since the last checkpoint "
		"(or the start) resumed from %s at epoch %u of %u%s (row %u)\n",
		s->cur_ordinal,
		s->path, h.epoch + 1 > h.epochs ? h.epochs : h.epoch + 1,
		h.epochs, h.flags & SNAP_FINISHED ? ", finished" : "", h.row);
	return 1;
refused:
	fclose(f);
	refuse(s, why);
	return 0;
}

static int begin(void *ctx, struct scann_train_state *st)
{
	struct scann_snapshots *s = ctx;

	s->cur_ordinal = s->ordinal++;
	s->cur_seq_start = s->ev->seq;
	if (s->every_s < 0 && !s->pending)
		return 0;
	s->cur_start_hash = start_hash(st);
	if (!s->pending || s->cur_ordinal < s->pending_ordinal)
		return 0;
	s->pending = 0;
	if (s->cur_ordinal > s->pending_ordinal) {
		refuse(s, "the replay did not reach its training");
		return 0;
	}
	return restore(s, st);
}

/* Write *st to the snapshot; stderr says why not. */
static void save(struct scann_snapshots *s, const struct scann_train_state *st)
{
	struct snap_head h;
	struct snap_part part[9];
	char tmp[4200];
	struct hasher sum;
	uint64_t check;
	double t0 = now_s(), dt;
	int k, ok, dir;
	FILE *f;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, snap_magic, sizeof(h.magic));
	h.job_hash = s->job_hash;
	h.anchor = s->anchor;
	h.seq_start = s->cur_seq_start;
	h.start_hash = s->cur_start_hash;
	h.ordinal = s->cur_ordinal;
	h.epochs = st->epochs;
	h.n = st->n;
	h.flags = flags_of(st) | (st->mid_epoch ? SNAP_MID_EPOCH : 0) |
		(st->finished ? SNAP_FINISHED : 0);
	h.n_param = st->n_param;
	h.fn_param = st->fn_param;
	if (st->es) {
		h.patience = st->es->patience;
		h.es_n = st->es->n;
		h.epochs_run = st->es->epochs_run;
		h.best_epoch = st->es->best_epoch;
		h.best_acc = st->es->best_acc;
		h.best_loss = st->es->best_loss;
		h.last_acc = st->es->last_acc;
	}
	h.seq = s->ev->seq;
	h.step = st->step;
	memcpy(h.rng, st->rng->s, sizeof(h.rng));
	h.epoch = st->epoch;
	h.row = st->row;
	h.since = st->since;
	h.loss_sum = st->loss_sum;
	h.payload = payload_of(&h);
	snprintf(tmp, sizeof(tmp), "%s.tmp", s->path);
	f = fopen(tmp, "wb");
	if (f == NULL) {
		fprintf(stderr, "scann-worker: no training snapshot: %s: %s\n",
			tmp, strerror(errno));
		return;
	}
	ok = fwrite(&h, sizeof(h), 1, f) == 1;
	hash_init(&sum);
	hash_add(&sum, &h, sizeof(h));
	k = parts_of(st, part);
	for (int i = 0; i < k && ok; i++) {
		ok = fwrite(part[i].p, 1, part[i].bytes, f) == part[i].bytes;
		hash_add(&sum, part[i].p, part[i].bytes);
	}
	check = hash_end(&sum);
	ok = ok && fwrite(&check, sizeof(check), 1, f) == 1 && fflush(f) == 0 &&
	     fsync(fileno(f)) == 0;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok || rename(tmp, s->path) != 0) {
		fprintf(stderr, "scann-worker: no training snapshot: %s: %s\n",
			s->path, strerror(errno));
		unlink(tmp);
		return;
	}
	/* the rename itself to disk */
	dir = open(s->dir, O_RDONLY | O_DIRECTORY);
	if (dir >= 0) {
		fsync(dir);
		close(dir);
	}
	s->last_s = now_s();
	dt = s->last_s - t0;
	s->write_bps = (double)(sizeof(h) + h.payload) / (dt > 1e-6 ? dt : 1e-6);
	if (s->ev->timings)	/* run --timings: what a snapshot costs */
		fprintf(stderr, "scann-worker: training snapshot (training %u, "
			"epoch %u%s): %llu bytes in %.3f s\n", h.ordinal,
			h.epoch, st->mid_epoch ? ", stop" : "",
			(unsigned long long)(sizeof(h) + h.payload + 8), dt);
}

static void at(void *ctx, const struct scann_train_state *st, int stopping)
{
	struct scann_snapshots *s = ctx;

	if (!stopping)
		s->epochs_trained++;
	/* never over a snapshot the replay has still to reach */
	if (s->every_s < 0 || (s->pending && s->cur_ordinal < s->pending_ordinal))
		return;
	if (stopping) {
		struct snap_head h = {
			.n = st->n, .n_param = st->n_param,
			.fn_param = st->fn_param, .flags = flags_of(st),
		};
		double bps = s->write_bps > 0 ? s->write_bps : SNAP_ASSUMED_BPS;
		double est = (double)payload_of(&h) / bps;

		if (est > SCANN_SNAPSHOT_STOP_S) {
			fprintf(stderr, "scann-worker: no training snapshot at "
				"the stop: writing %.0f MB would take about "
				"%.1f s\n", payload_of(&h) / 1e6, est);
			return;
		}
	} else if (now_s() - s->last_s < s->every_s) {
		return;
	}
	save(s, st);
}

void scann_snapshots_init(struct scann_snapshots *s, const char *dir,
			  double every_s, uint64_t job_hash,
			  struct scann_events *ev)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s/%s", dir,
		 scann_artifacts[SCANN_ARTIFACT_SNAPSHOT].file);
	s->dir = dir;
	s->every_s = every_s;
	s->job_hash = job_hash;
	s->ev = ev;
	s->last_s = now_s();
	s->hook = (struct scann_train_hook){ .begin = begin, .at = at, .ctx = s };
}

void scann_snapshots_checkpointed(struct scann_snapshots *s)
{
	if (s->pending)
		fprintf(stderr, "scann-worker: %s was not reached before the "
			"next checkpoint; dropped\n", s->path);
	scann_snapshots_discard(s);
	s->anchor = s->ev->seq;
	s->ordinal = 0;
	s->last_s = now_s();
}
