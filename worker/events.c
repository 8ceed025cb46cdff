/*
 * events.c -- the NDJSON event emitter; see events.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"

/*
 * Append a printed line to the event log.  Only its tail is ever replayed,
 * so past SCANN_EVENTS_LOG_MAX bytes it becomes PATH.1 and a new log is
 * begun: a job printing thousands of epochs a second keeps at most twice
 * that on disk.
 */
static void log_line(struct scann_events *ev, const char *line)
{
	char older[4200];

	fputs(line, ev->log);
	fputc('\n', ev->log);
	fflush(ev->log);
	ev->log_bytes += (long)strlen(line) + 1;
	if (ev->log_bytes < SCANN_EVENTS_LOG_MAX || ev->log_path == NULL)
		return;
	fclose(ev->log);
	snprintf(older, sizeof(older), "%s.1", ev->log_path);
	rename(ev->log_path, older);
	ev->log = fopen(ev->log_path, "w");
	ev->log_bytes = 0;
}

static void print(struct scann_events *ev, uint64_t printed, const char *type,
		  json_t *body)
{
	json_t *obj = json_object();
	const char *key;
	json_t *val;
	char *line;

	json_object_set_new(obj, "seq", json_integer((json_int_t)printed));
	json_object_set_new(obj, "type", json_string(type));
	if (body)
		json_object_foreach(body, key, val)
			json_object_set(obj, key, val);
	line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER |
				       JSON_REAL_PRECISION(9));
	if (line) {
		/* The log first: any line a consumer may have got is in it. */
		if (ev->log)
			log_line(ev, line);
		fputs(line, ev->out);
		fputc('\n', ev->out);
		fflush(ev->out);
		free(line);
	}
	json_decref(obj);
	json_decref(body);
}

/*
 * The stream's lock is held from the count to the printed line, so the
 * watchdog (watchdog.h), which takes it to print a forced stop's final
 * event, never sees an event counted but not yet printed.
 */
void scann_events_emit(struct scann_events *ev, const char *type, json_t *body)
{
	flockfile(ev->out);
	if (++ev->seq <= ev->upto)
		json_decref(body);	/* printed before the stop */
	else
		print(ev, ev->seq + ev->shift, type, body);
	funlockfile(ev->out);
}

void scann_events_emit_final(struct scann_events *ev, const char *type,
			     json_t *body)
{
	flockfile(ev->out);
	if (ev->seq > ev->upto)
		ev->upto = ev->seq;
	print(ev, ev->upto + ev->shift + 1, type, body);
	ev->shift++;
	funlockfile(ev->out);
}

void scann_events_log(struct scann_events *ev, const char *level,
		      const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	scann_events_emit(ev, "log", json_pack("{s:s, s:s}", "level", level,
					       "message", msg));
}

/* Append file path to *buf (size *len); missing files add nothing. */
static void slurp(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "r");
	char chunk[65536];
	size_t n;

	if (f == NULL)
		return;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		char *grown = realloc(*buf, *len + n + 1);

		if (grown == NULL)
			break;
		*buf = grown;
		memcpy(*buf + *len, chunk, n);
		*len += n;
		(*buf)[*len] = '\0';
	}
	fclose(f);
}

long scann_events_replay(struct scann_events *ev, const char *path)
{
	unsigned long long upto = ev->seq + ev->shift, seq;
	char older[4200], *buf = NULL, *p, *nl, *last = NULL, *stop;
	size_t len = 0;
	long printed = 0;

	snprintf(older, sizeof(older), "%s.1", path);
	slurp(older, &buf, &len);
	slurp(path, &buf, &len);
	if (buf == NULL)
		return 0;
	/* The last complete line: a stop's final event after a clean stop. */
	for (p = buf; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		last = p;
	stop = last ? strstr(last, "\"resume\":") : NULL;
	if (last == NULL || (stop != NULL && stop < strchr(last, '\n'))) {
		free(buf);
		return 0;
	}
	flockfile(ev->out);
	for (p = buf; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		char *resume = strstr(p, "\"resume\":");

		/* Not a stop's final event: those were read in full (the
		 * consumer waited for the stopped worker's exit). */
		if (sscanf(p, "{\"seq\":%llu,", &seq) != 1 || seq > upto ||
		    (resume != NULL && resume < nl))
			continue;
		fwrite(p, 1, (size_t)(nl - p + 1), ev->out);
		printed++;
	}
	fflush(ev->out);
	funlockfile(ev->out);
	free(buf);
	return printed;
}

int scann_events_log_open(struct scann_events *ev, const char *path,
			  int append)
{
	char older[4200];

	ev->log_path = path;
	if (!append) {	/* a new run: no earlier run's lines */
		snprintf(older, sizeof(older), "%s.1", path);
		unlink(older);
	}
	ev->log = fopen(path, append ? "a" : "w");
	ev->log_bytes = ev->log ? ftell(ev->log) : 0;
	return ev->log ? 0 : -1;
}
